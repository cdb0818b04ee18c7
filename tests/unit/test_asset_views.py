"""What the asset page says about the generation behind an asset, and how it shows lengths."""

from __future__ import annotations

import uuid

from mediaws.models import Generation
from mediaws.state import asset_views


def _generation(**values: object) -> Generation:
    base: dict[str, object] = {
        "owner_id": uuid.uuid4(),
        "project_id": uuid.uuid4(),
        "capability": "image",
        "provider": "openai",
        "model": "gpt-image-1",
        "prompt": "a fox",
        "status": "succeeded",
        "options": {"size": "1024x1024", "n": 2, "input_image_asset_id": str(uuid.uuid4())},
    }
    return Generation.model_validate(base | values)


def _fact(made: asset_views.MadeBy, label: str) -> str:
    return next(f.value for f in made.facts if f.label == label)


def test_the_cost_says_where_it_came_from() -> None:
    """Reported by the provider, derived from the price table, or only an estimate."""
    reported = asset_views.made_by(_generation(cost_micros=42_000, cost_source="provider_usage"))
    derived = asset_views.made_by(_generation(cost_micros=1_500, cost_source="derived"))
    estimated = asset_views.made_by(_generation(estimated_cost_micros=40_000))
    assert _fact(reported, "Cost") == "$0.04 · reported by provider"
    assert _fact(derived, "Cost") == "$0.0015 · derived from price table"
    assert _fact(estimated, "Cost") == "est. $0.04"


def test_options_leave_out_image_ids_and_generate_again_links_back() -> None:
    """The options shown are the model's own; “Generate again” names the project and the generation."""
    row = _generation(duration_ms=8_400)
    made = asset_views.made_by(row)
    assert [(f.label, f.value) for f in made.options] == [("n", "2"), ("size", "1024x1024")]
    assert _fact(made, "Time taken") == "8.4 s"
    assert made.again_url == f"/generate?project={row.project_id}&from={row.id}"
    assert asset_views.made_by(None) == asset_views.MadeBy()


def test_lengths_read_as_a_clock() -> None:
    """Seconds become m:ss, or h:mm:ss past an hour."""
    assert [asset_views.seconds_text(s) for s in (2.4, 75, 3725)] == ["0:02", "1:15", "1:02:05"]
