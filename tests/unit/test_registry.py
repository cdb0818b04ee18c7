"""Every registered model has a price, every price belongs to a listed model, ids are unique."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from mediaws.catalogue.table import load_tables, price_for
from mediaws.errors import NotFoundError, ValidationError
from mediaws.providers import KeyProvider, endpoints_provider, key_provider, key_providers
from mediaws.providers.base import Capability, ListsVoices, ModelInfo, ModelRef, Provider, Registry
from mediaws.providers.registry import ENTRY_POINT_GROUP, default_registry


def test_builtins_register_through_entry_points() -> None:
    """Each built-in provider is found through the same entry-point group a plug-in would use."""
    names = {entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)}
    assert names == set(default_registry().providers)
    assert {"anthropic", "elevenlabs"} <= names


def test_every_listed_model_is_priced() -> None:
    """No model can be offered without a price (an unpriced model is an error, never $0)."""
    for provider, info in default_registry().all_models():
        price, version, source = price_for(provider.id, info.id)
        assert version.startswith(f"{provider.id}@")
        assert source.startswith("https://") or price.unit == "free", (provider.id, info.id)


def test_no_price_without_a_model() -> None:
    """Price tables carry no stale entries for models the registry does not list."""
    listed = {(provider.id, info.id) for provider, info in default_registry().all_models()}
    for provider_id, table in load_tables().items():
        for model_id in table.models:
            assert (provider_id, model_id) in listed, f"{provider_id}/{model_id} is priced but not listed"


def test_model_ids_are_unique_per_provider() -> None:
    """A provider lists each model once."""
    for provider in default_registry().providers.values():
        ids = [info.id for info in provider.models()]
        assert len(ids) == len(set(ids)), provider.id


def test_optional_capabilities_are_protocols_a_plug_in_can_meet() -> None:
    """Live voice lists and documented voices come from the provider classes, not from names in services."""
    registry = default_registry()
    live = {pid for pid, cls in registry.providers.items() if issubclass(cls, ListsVoices)}
    assert live == {"elevenlabs"}
    fixed = {
        (provider.id, info.id)
        for provider, info in registry.all_models()
        if info.capability is Capability.SPEECH and provider.fixed_voices(info) is not None
    }
    assert fixed == {("local", "local-speech"), ("replicate", "minimax/speech-2.6-turbo")}
    minimax = registry.provider("replicate").fixed_voices(
        registry.model("replicate", "minimax/speech-2.6-turbo")
    )
    assert minimax is not None and ("Wise_Woman", "Wise Woman") in minimax.choices and minimax.typed_ids


def test_a_plug_in_provider_gets_its_key_row_from_its_class() -> None:
    """Settings lists every provider that takes a key, with the hint and media its class declares."""

    class Acme(Provider):
        id = "acme"
        label = "Acme AI"
        key_hint = "acme_…"
        makes = "Text"

    registry = Registry()
    registry.add(Acme)
    registry.add(default_registry().provider("openai"))
    registry.add(default_registry().provider("local"))  # needs no key: no row
    assert key_providers(registry) == (
        KeyProvider("acme", "Acme AI", "acme_…", "Text"),
        KeyProvider("openai", "OpenAI", "sk-…", "Text, images, speech"),
    )
    assert key_provider("acme", registry).label == "Acme AI"
    with pytest.raises(ValidationError, match="Choose one of: acme, openai"):
        key_provider("local", registry)


def test_an_endpoint_model_resolves_through_the_registry_like_any_model() -> None:
    """Any model an endpoint lists is text with the compatible options; only such a provider has endpoints."""
    registry = default_registry()
    info = registry.resolve(ModelRef("openai_compatible", "llama3.2:latest", "c0ffee"))
    assert (info.id, info.label, info.capability, info.accepts_image) == (
        "llama3.2:latest",
        "llama3.2:latest",
        Capability.TEXT,
        False,
    )
    assert set(info.options.model_fields) == {"system", "temperature", "max_output_tokens", "seed"}
    with pytest.raises(ValidationError, match="Choose one of your OpenAI-compatible endpoints"):
        registry.resolve(ModelRef("openai_compatible", "llama3.2:latest"))
    with pytest.raises(ValidationError, match="OpenAI has no endpoints") as caught:
        registry.resolve(ModelRef("openai", "gpt-4.1", "c0ffee"))
    assert caught.value.field == "endpoint"
    assert registry.resolve(ModelRef("openai", "gpt-4.1")) == registry.model("openai", "gpt-4.1")


def test_a_plug_in_provider_with_endpoints_is_resolved_and_kept_off_the_key_rows() -> None:
    """A provider class that declares endpoints gets them, without services naming its id."""

    class Lab(Provider):
        id = "lab"
        label = "Lab server"
        endpoints = True

        @classmethod
        def endpoint_model(cls, model_id: str) -> ModelInfo:
            return ModelInfo(model_id, f"Lab {model_id}", Capability.IMAGE)

    registry = Registry()
    registry.add(Lab)
    assert registry.resolve(ModelRef("lab", "sd-3", "e1")).label == "Lab sd-3"
    assert key_providers(registry) == ()
    with pytest.raises(ValidationError, match="Add Lab servers with a name and base URL"):
        key_provider("lab", registry)
    assert endpoints_provider(registry) == "lab"
    with pytest.raises(NotFoundError):
        endpoints_provider(Registry())
    assert endpoints_provider(default_registry()) == "openai_compatible"


@pytest.mark.parametrize(
    "ref",
    [
        ModelRef("openai", "gpt-4.1"),
        ModelRef("openai_compatible", "llama3.2:latest", "0b7e2c1e-4f5a-4d7e-9c1a-2f3b4c5d6e7f"),
        ModelRef("openai_compatible", "org/model|v2", "e1"),
    ],
)
def test_a_model_reference_survives_its_picker_key(ref: ModelRef) -> None:
    """The one string a picker holds reads back as the same reference, a model id with a bar included."""
    assert ModelRef.from_key(ref.key) == ref
    assert ModelRef.of(ref.provider, ref.model, ref.endpoint or "") == ref
