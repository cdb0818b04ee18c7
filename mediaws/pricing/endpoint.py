"""Prices the user states for an OpenAI-compatible endpoint: USD per million input and output tokens.

Prices are stored as integer micro-dollars per million tokens. Every input token (cached or not) is
billed at the input price, erring high. An endpoint with no price is refused, never priced $0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from mediaws.errors import ValidationError
from mediaws.pricing.cost import Cost, estimated_usage, priced
from mediaws.work import Request, Usage

MILLION = Decimal(1_000_000)
SOURCE = "your price in Settings → API keys"


def endpoint_version(endpoint_id: uuid.UUID, updated_at: datetime) -> str:
    """The price version of an endpoint as of its last edit; fits the 60 characters a generation keeps."""
    return f"endpoint:{endpoint_id.hex}@{updated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def endpoint_cost(
    input_micros_per_m: int | None,
    output_micros_per_m: int | None,
    usage: Usage,
    *,
    version: str,
    name: str,
) -> Cost:
    """Price reported tokens exactly at the endpoint's rates; an endpoint with no price is refused."""
    if input_micros_per_m is None or output_micros_per_m is None:
        raise ValidationError(
            f"Set a price for the endpoint “{name}” in Settings → API keys (0 for your own server).",
            field="endpoint",
        )
    total = usage.input_tokens * Decimal(input_micros_per_m)
    total += usage.output_tokens * Decimal(output_micros_per_m)
    free = input_micros_per_m == 0 and output_micros_per_m == 0
    return priced(total / MILLION / MILLION, version, SOURCE, free=free)


def endpoint_estimate(
    input_micros_per_m: int | None,
    output_micros_per_m: int | None,
    request: Request,
    *,
    version: str,
    name: str,
    usage: Usage | None = None,
) -> Cost:
    """Cost before the call, from the same token guess the price-table text models use."""
    guess = usage or estimated_usage(request)
    return endpoint_cost(input_micros_per_m, output_micros_per_m, guess, version=version, name=name)


@dataclass(frozen=True)
class EndpointPrice:
    """What one endpoint charges per million tokens, as of its last edit."""

    name: str
    input_micros_per_m: int | None
    output_micros_per_m: int | None
    version: str

    def cost(self, usage: Usage) -> Cost:
        """Price reported usage."""
        return endpoint_cost(
            self.input_micros_per_m, self.output_micros_per_m, usage, version=self.version, name=self.name
        )

    def estimate(self, request: Request, *, usage: Usage | None = None) -> Cost:
        """Price a request before the call."""
        return endpoint_estimate(
            self.input_micros_per_m,
            self.output_micros_per_m,
            request,
            version=self.version,
            name=self.name,
            usage=usage,
        )


def rate_text(micros_per_m: int) -> str:
    """A per-million price as a plain USD amount with at least cents, e.g. ``0.60`` or ``0.075``."""
    whole, _, cents = f"{Decimal(micros_per_m) / MILLION:.6f}".partition(".")
    return f"{whole}.{cents.rstrip('0').ljust(2, '0')}"


def price_summary(input_micros_per_m: int | None, output_micros_per_m: int | None) -> str:
    """How an endpoint's prices read in Settings: per 1M tokens, free, or not set yet."""
    if input_micros_per_m is None or output_micros_per_m is None:
        return "no price yet — set one to generate"
    if input_micros_per_m == 0 and output_micros_per_m == 0:
        return "free"
    return f"${rate_text(input_micros_per_m)} / ${rate_text(output_micros_per_m)} per 1M tokens"
