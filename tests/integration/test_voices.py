"""Voice dropdowns: ElevenLabs voices listed live with the user's stored key, fixed lists for the others."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.errors import BadProviderKey, ProviderTimeout, ValidationError
from mediaws.models import User
from mediaws.providers.base import Capability
from mediaws.providers.elevenlabs import VOICES
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.services import catalog, keys, voices
from mediaws.storage import LocalStorage
from tests.providers.fakeserver import FakeServer, Recorded, Reply

KEY = "sk_voices_0123456789abcdef"
VOICE_LIST = {
    "voices": [
        {"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel", "category": "premade"},
        {"voice_id": "pNInz6obpgDQGcFmaJgB", "name": "adam", "category": "premade"},
        {"voice_id": "cl0n3d000000000000aa", "name": "My narrator", "category": "cloned"},
        {"voice_id": "d3s1gn3d00000000000b", "name": "Bright guide", "category": "generated"},
    ]
}


@pytest.fixture
def elevenlabs() -> Iterator[FakeServer]:
    """ElevenLabs' GET /v1/voices on loopback: the voices for the right key, 401 for any other."""
    fake = FakeServer()

    def voice_list(request: Recorded, _match: object) -> Reply:
        if request.headers.get("xi-api-key") != KEY:
            return Reply(401, json={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        return Reply(json=VOICE_LIST)

    fake.route("GET", r"/v1/voices", voice_list)
    VOICES.clear()
    with fake.running():
        yield fake
    VOICES.clear()


@pytest.fixture
def deps(
    engine: Engine,
    keyring: Keyring,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    elevenlabs: FakeServer,
) -> Deps:
    """Real database and keyring; ElevenLabs is the fake server."""
    return Deps(
        settings=make_settings(elevenlabs_base_url=elevenlabs.url),
        registry=default_registry(),
        keyring=keyring,
        storage=LocalStorage(tmp_path / "files"),
        session_factory=lambda: Session(engine, expire_on_commit=False),
    )


def _save_key(session: Session, keyring: Keyring, user: User, secret: str = KEY) -> None:
    keys.save_key(session=session, keyring=keyring, user_id=user.id, provider="elevenlabs", secret=secret)


def test_the_users_voices_are_listed_with_their_key_own_voices_first(
    session: Session, deps: Deps, keyring: Keyring, user: User, elevenlabs: FakeServer
) -> None:
    """Cloned and designed voices first, then premade ones, by name, labelled with where they come from."""
    _save_key(session, keyring, user)

    found = voices.live_voices(deps=deps, user_id=user.id, provider_id="elevenlabs")

    assert found == [
        ("d3s1gn3d00000000000b", "Bright guide — generated"),
        ("cl0n3d000000000000aa", "My narrator — cloned"),
        ("pNInz6obpgDQGcFmaJgB", "adam — premade"),
        ("21m00Tcm4TlvDq8ikWAM", "Rachel — premade"),
    ]
    assert [call.headers["xi-api-key"] for call in elevenlabs.calls("GET", r"/v1/voices")] == [KEY]
    assert voices.live_voices(deps=deps, user_id=user.id, provider_id="elevenlabs") == found
    assert len(elevenlabs.calls("GET", r"/v1/voices")) == 1, "the list is cached per key"


def test_a_refused_key_is_said_plainly_without_the_key(
    session: Session, deps: Deps, keyring: Keyring, user: User
) -> None:
    """ElevenLabs' 401 becomes "the key is invalid" with where to fix it; the secret is not in the message."""
    secret = "sk_wrong_9876543210fedcba"
    _save_key(session, keyring, user, secret)
    with pytest.raises(BadProviderKey) as raised:
        voices.live_voices(deps=deps, user_id=user.id, provider_id="elevenlabs")
    assert "key is invalid" in str(raised.value)
    assert "Settings → API keys" in str(raised.value)
    assert secret not in str(raised.value)


def test_without_a_key_of_their_own_nobody_borrows_anothers(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    other_user: User,
    elevenlabs: FakeServer,
) -> None:
    """Another user's ElevenLabs key is never used: the listing says to add one, and nothing is sent."""
    _save_key(session, keyring, other_user)
    with pytest.raises(ValidationError, match="no ElevenLabs key yet"):
        voices.live_voices(deps=deps, user_id=user.id, provider_id="elevenlabs")
    assert elevenlabs.requests == []


def test_a_provider_that_hangs_is_given_up_on(
    session: Session, deps: Deps, keyring: Keyring, user: User, elevenlabs: FakeServer
) -> None:
    """The listing uses its own short timeout, not the long one for generations."""
    _save_key(session, keyring, user)
    elevenlabs.enqueue("GET", r"/v1/voices", Reply(json=VOICE_LIST, delay=3.0))
    with pytest.raises(ProviderTimeout):
        voices.live_voices(deps=deps, user_id=user.id, provider_id="elevenlabs", timeout=0.5)


def test_every_speech_model_has_one_voice_dropdown() -> None:
    """Each speech model gets one "Voice" control, first; its voices are a real list or listed live."""
    registry = default_registry()
    speech = [(p.id, info) for p, info in registry.all_models() if info.capability is Capability.SPEECH]
    assert {provider for provider, _ in speech} >= {"elevenlabs", "local", "openai", "replicate"}
    for provider, info in speech:
        menu = voices.voice_menu(registry, provider, info)
        fields = voices.with_default(voices.speech_fields(catalog.option_fields(info)), menu.choices)
        names = [f.name for f in fields]
        assert names[0] == "voice" and names.count("voice") == 1 and "voice_id" not in names, info.id
        assert fields[0].kind == "voice"
        assert menu.live == (provider == "elevenlabs"), info.id
        if not menu.live:
            assert fields[0].default in [voice_id for voice_id, _ in menu.choices], info.id


def test_the_fixed_lists_name_the_providers_voices() -> None:
    """OpenAI's nine voices, espeak-ng's languages, MiniMax's system voices (which also take cloned ids)."""
    registry = default_registry()
    openai = voices.voice_menu(registry, "openai", registry.model("openai", "tts-1"))
    assert [label for _, label in openai.choices][:3] == ["Alloy", "Ash", "Coral"]
    assert len(openai.choices) == 9 and not openai.typed_ids
    local = voices.voice_menu(registry, "local", registry.model("local", "local-speech"))
    assert ("en-gb-x-rp", "English (UK, RP) — en-gb-x-rp") in local.choices
    minimax = voices.voice_menu(
        registry, "replicate", registry.model("replicate", "minimax/speech-2.6-turbo")
    )
    assert minimax.choices[0] == ("Wise_Woman", "Wise Woman")
    assert "cloned" in minimax.typed_ids


def test_the_current_voice_is_kept_while_it_is_offered() -> None:
    """A voice still on the list stays chosen; otherwise the first one is taken."""
    choices = [("a", "Adam — premade"), ("r", "Rachel — premade")]
    assert voices.kept_choice("r", choices) == "r"
    assert voices.kept_choice("gone", choices) == "a"
    assert voices.kept_choice("", []) == ""
