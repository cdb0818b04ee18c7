"""A month's invoice as PDF: the person's (or one project's) spend per provider and model, exact.

Lines come from the month totals (``UsageBucket`` rows of ``period_type`` "month") of the person's time zone.
Every amount is printed with all the digits the ledger keeps, so the lines add up to each provider's subtotal
and the subtotals to the total digit for digit; only the amount due is rounded, half up to the cent, and the
invoice says so.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer
from sqlmodel import Session, col, select

from mediaws.errors import ValidationError
from mediaws.models import UsageBucket, User
from mediaws.services import analytics, ledger, report_scope
from mediaws.services.asset_queries import parse_id
from mediaws.services.pdf_layout import WIDTH, exact_money, facts, render, styles, table

PICOS_PER_USD = Decimal(10**12)
RULE = (
    "Every amount is exact: what the mediaws ledger recorded for the month's requests (failed and cancelled "
    "ones at what they cost), to the pico-dollar ($0.000000000001), printed with all its digits. The lines "
    "add up to each provider's subtotal, and the subtotals to the total, exactly. Only the amount due is "
    "rounded: half up to the cent."
)
PAID_BY = "Each provider bills the API key it was called with; this invoice is your record of those costs."


@dataclass(frozen=True)
class Line:
    """One provider's model in the month: requests, what it was billed on, and its cost."""

    provider: str
    model: str
    requests: int
    tokens: int
    images: int
    video_seconds: Decimal
    characters: int
    cost_picos: int

    @property
    def units(self) -> str:
        """The billed units that are known, e.g. ``1,801 tokens, 2 images`` (``—`` when none are)."""
        known = [f"{self.tokens:,} tokens"] if self.tokens else []
        known += [f"{self.images:,} image{'s' * (self.images != 1)}"] if self.images else []
        known += [f"{self.video_seconds.normalize():f} s of video"] if self.video_seconds else []
        known += [f"{self.characters:,} characters"] if self.characters else []
        return ", ".join(known) or "—"


def invoice_number(user_id: uuid.UUID, month: date, project_id: str | uuid.UUID | None = None) -> str:
    """The same number for the same person, month and project, every time it is made."""
    number = f"MW-{month:%Y%m}-{user_id.hex[:8].upper()}"
    return f"{number}-{parse_id(project_id, 'Project').hex[:8].upper()}" if project_id else number


def file_name(user_id: uuid.UUID, month: date, project_id: str | uuid.UUID | None = None) -> str:
    """A download's name that says what it holds."""
    return f"mediaws-invoice-{invoice_number(user_id, month, project_id)}.pdf"


def lines(
    session: Session, *, user_id: uuid.UUID, month: date, project_id: uuid.UUID | None = None
) -> list[Line]:
    """The month's spend per provider and model (all projects, or one), by provider then model."""
    zone = ledger.user_zone(session, user_id)
    first = month.replace(day=1)
    query = select(UsageBucket).where(
        UsageBucket.user_id == user_id,
        UsageBucket.period_type == "month",
        col(UsageBucket.period_start) >= analytics.local_midnight(first, zone),
        col(UsageBucket.period_start)
        < analytics.local_midnight(report_scope.month_end(first) + timedelta(days=1), zone),
    )
    if project_id is not None:
        query = query.where(UsageBucket.project_id == project_id)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    seconds: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for bucket in session.exec(query):
        key = (bucket.provider, bucket.model)
        for n, amount in enumerate(
            (
                bucket.request_count,
                bucket.total_tokens,
                bucket.image_count,
                bucket.characters,
                bucket.cost_picos,
            )
        ):
            sums[key][n] += amount
        seconds[key] += Decimal(bucket.video_seconds)
    return [
        Line(provider, model, requests, tokens, images, seconds[provider, model], characters, cost)
        for (provider, model), (requests, tokens, images, characters, cost) in sorted(sums.items())
    ]


def amount_due(picos: int) -> str:
    """The total rounded half up to the cent, e.g. ``$41.24``."""
    cents = (Decimal(picos) / PICOS_PER_USD).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents:,}"


def _rows(items: list[Line]) -> tuple[list[list[str]], list[int]]:
    """Each line, a subtotal after each provider's lines, and the total; and which rows are sums."""
    rows: list[list[str]] = []
    sums: list[int] = []
    for provider, grouped in groupby(items, key=lambda line: line.provider):
        own = list(grouped)
        rows += [
            [line.provider, line.model, f"{line.requests:,}", line.units, exact_money(line.cost_picos)]
            for line in own
        ]
        sums.append(len(rows))
        rows.append(
            [
                provider,
                "Subtotal",
                f"{sum(line.requests for line in own):,}",
                "",
                exact_money(sum(line.cost_picos for line in own)),
            ]
        )
    sums.append(len(rows))
    total = sum(line.cost_picos for line in items)
    rows.append(["Total", "", f"{sum(line.requests for line in items):,}", "", exact_money(total)])
    return rows, sums


def _header(
    session: Session, user_id: uuid.UUID, first: date, today: date, project_id: uuid.UUID | None
) -> list[Flowable]:
    look = styles()
    zone = ledger.user_zone(session, user_id)
    last = min(report_scope.month_end(first), today)
    to_date = " (to date)" if last < report_scope.month_end(first) else ""
    email = session.exec(select(User.email).where(User.id == user_id)).one()
    project = report_scope.project_label(session, user_id, project_id) if project_id else "All projects"
    return [
        Paragraph("Invoice", look.title),
        facts(
            [
                ("Invoice number", invoice_number(user_id, first, project_id)),
                ("Issued", f"{datetime.now(zone):%Y-%m-%d}"),
                ("Billing period", f"{first.day} to {last.day} {first:%B %Y}{to_date}"),
                ("Time zone", zone.key),
                ("Billed to", email),
                ("Project", project),
            ]
        ),
        Spacer(1, 4 * mm),
    ]


def invoice(
    session: Session, *, user_id: uuid.UUID, month: date, project_id: str | uuid.UUID | None = None
) -> bytes:
    """The invoice for a calendar month of the person's zone (all projects, or one of theirs) as a PDF."""
    first = month.replace(day=1)
    today = analytics.today_for(session, user_id)
    if first > today:
        raise ValidationError(f"{first:%B %Y} has not begun yet.", field="month")
    project = parse_id(project_id, "Project") if project_id else None
    analytics.check_project(session, user_id, project)
    items = lines(session, user_id=user_id, month=first, project_id=project)
    total = sum(line.cost_picos for line in items)
    look = styles()
    story = _header(session, user_id, first, today, project)
    if items:
        rows, sums = _rows(items)
        widths = [30 * mm, WIDTH - 128 * mm, 20 * mm, 42 * mm, 36 * mm]
        header = ["Provider", "Model", "Requests", "Billed units", "Amount (USD)"]
        story.append(table(header, rows, widths, figures_from=2, bold_rows=sums))
    else:
        story.append(Paragraph("No spend in this month.", look.heading))
    story += [
        Spacer(1, 4 * mm),
        facts([("Total", exact_money(total)), ("Amount due", f"{amount_due(total)} (rounded to the cent)")]),
        Paragraph(RULE, look.note),
        Paragraph(PAID_BY, look.note),
    ]
    return render(
        story, title="mediaws invoice", footer=f"mediaws invoice {invoice_number(user_id, first, project)}"
    )
