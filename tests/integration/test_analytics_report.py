"""The usage report and the monthly invoice as PDFs: read back with pdftotext, rendered with pdftoppm."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import User
from mediaws.services import accounts, analytics, analytics_report, invoice, projects
from tests.integration.test_cli import run_cli
from tests.support.spend import spend

NOV_30_LATE = datetime(2025, 11, 30, 23, 30, tzinfo=UTC)  # 1 Dec 08:30 in Tokyo
DEC_2 = datetime(2025, 12, 2, 9, tzinfo=UTC)
DEC_3 = datetime(2025, 12, 3, 14, tzinfo=UTC)
WINTER = analytics.Filters(date(2025, 11, 1), date(2025, 12, 31))
SPENT = {
    ("openai", "gpt-4.1"): 1_234_567_891_000 + 2_000_000_000,
    ("local", "local-image"): 40_000_000_000_000,
    ("anthropic", "claude-sonnet-4-5"): 333_333_333_333,
}
TOTAL = sum(SPENT.values())  # $41.569901224333


def pdf_pages(content: bytes, tmp_path: Path) -> list[str]:
    """Each page's text as ``pdftotext -layout`` lays it out."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout.split("\f")[:-1]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The whole document's text."""
    return "\n".join(pdf_pages(content, tmp_path))


def rendered(content: bytes, folder: Path) -> list[Path]:
    """Each page drawn as a 60 dpi PNG, as a viewer would draw it."""
    folder.mkdir()
    (folder / "doc.pdf").write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(folder / "doc.pdf"), str(folder / "page")], check=True
    )
    return sorted(folder.glob("page-*.png"))


def dollars(shown: str) -> Decimal:
    """``$1,234.56`` as a Decimal."""
    return Decimal(shown.lstrip("$").replace(",", ""))


UNITS = {
    "capability": "image",
    "model": "gpt-image-1",
    "tokens_total": 1_801,
    "image_count": 2,
    "duration_ms": None,
}
"""A call that billed 1,801 tokens and two images, its time not measured."""


@pytest.fixture
def winter(session: Session, user: User) -> dict[str, uuid.UUID]:
    """Three providers over three days in two projects, one call failed; the project "Old" is then deleted."""
    launch = projects.create_project(session=session, owner_id=user.id, name="Launch").id
    old = projects.create_project(session=session, owner_id=user.id, name="Old").id
    spend(session, user, launch, NOV_30_LATE, 1_234_567_891_000)
    spend(session, user, old, DEC_2, 2_000_000_000, status="failed", cost_source="derived")
    spend(
        session,
        user,
        launch,
        DEC_2,
        40_000_000_000_000,
        provider="local",
        model="local-image",
        capability="image",
    )
    spend(session, user, launch, DEC_3, 333_333_333_333, provider="anthropic", model="claude-sonnet-4-5")
    projects.delete_project(session=session, owner_id=user.id, project_id=old, confirm_name="Old")
    return {"launch": launch, "old": old}


def test_the_report_shows_the_dashboards_exact_figures(
    session: Session, user: User, winter: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    """Headline figures and every table agree with the generations made: totals rounded, and in full."""
    assert analytics.dashboard(session, user_id=user.id, filters=WINTER).total_cost_picos == TOTAL
    text = pdf_text(analytics_report.usage_report(session, user_id=user.id, filters=WINTER), tmp_path)
    assert f"For {user.email}" in text
    assert "1 November 2025 to 31 December 2025, days of the UTC time zone" in text
    assert re.search(r"Total spend\s+\$41\.57 \(exactly \$41\.569901224333\)", text)
    assert re.search(r"Reported by providers\s+\$41\.57\n", text)
    assert re.search(r"Derived from requests\s+\$0\.002\n", text)
    assert re.search(r"Requests\s+4\n", text) and re.search(r"Success rate\s+75\.0 %", text)
    assert re.search(r"local\s+1\s+1\s+0\s+0\s+\$40\.00\s+96\.2 %", text)
    assert re.search(r"openai\s+2\s+1\s+1\s+0\s+\$1\.24\s+3\.0 %", text)
    assert re.search(r"anthropic\s+1\s+1\s+0\s+0\s+\$0\.33\s+0\.8 %", text)
    for provider, model in SPENT:
        assert re.search(rf"{provider}/{model}\s+\d+\s+1\.5 s\s+\$", text), model
    assert re.search(r"image\s+1\s+\$40\.00", text) and re.search(r"text\s+3\s+\$1\.57", text)
    assert re.search(r"Launch\s+3\s+\$41\.57", text) and re.search(r"Old \(deleted\)\s+1\s+\$0\.002", text)
    assert re.search(r"Total\s+4\s+3\s+1\s+0\s+\$41\.57\s+100\.0 %", text)  # the provider table's
    assert len(re.findall(r"Total\s+4\s+\$41\.57\s+100\.0 %", text)) == 3  # by model, type, project
    assert "rounded to the nearest cent" in text and "Page 1 of " in text


def test_a_project_narrows_the_report_and_an_empty_range_says_so(
    session: Session, user: User, winter: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    """A deleted project's report holds only its failed call; a range without calls shows the placeholder."""
    old = analytics.Filters(WINTER.start, WINTER.end, project_id=winter["old"])
    text = pdf_text(analytics_report.usage_report(session, user_id=user.id, filters=old), tmp_path)
    assert "Only project Old (deleted)" in text
    assert re.search(r"Total spend\s+\$0\.002 \(exactly \$0\.002\)", text)
    assert "local-image" not in text and "anthropic" not in text
    empty = analytics.Filters(date(2025, 1, 1), date(2025, 1, 31))
    text = pdf_text(analytics_report.usage_report(session, user_id=user.id, filters=empty), tmp_path)
    assert "No spend in this range." in text and re.search(r"Total spend\s+\$0\.00 \(exactly \$0\.00\)", text)
    assert "Success rate" in text and "By model" not in text


def test_another_persons_project_is_not_found(
    session: Session, user: User, other_user: User, winter: dict[str, uuid.UUID]
) -> None:
    """Neither the report nor the invoice says anything of someone else's project."""
    theirs = analytics.Filters(WINTER.start, WINTER.end, project_id=winter["launch"])
    with pytest.raises(NotFoundError):
        analytics_report.usage_report(session, user_id=other_user.id, filters=theirs)
    with pytest.raises(NotFoundError):
        invoice.invoice(session, user_id=other_user.id, month=date(2025, 12, 1), project_id=winter["launch"])
    with pytest.raises(NotFoundError):
        invoice.invoice(session, user_id=user.id, month=date(2025, 12, 1), project_id="../etc")


def test_names_people_typed_are_printed_as_written(session: Session, user: User, tmp_path: Path) -> None:
    """Markup in a project's name is text; a long name in many scripts wraps inside its column."""
    hostile = '<b>&amp; "Q4" <i>'
    long = "Ünïcødé Ωmega Привет ✓ " * 8
    for name in (hostile, long.strip()):
        project = projects.create_project(session=session, owner_id=user.id, name=name).id
        spend(session, user, project, DEC_2, 5_000_000_000_000)
    spend(session, user, project, DEC_2, 80_000_000_000, **UNITS)  # no time measured
    content = analytics_report.usage_report(session, user_id=user.id, filters=WINTER)
    text = pdf_text(content, tmp_path)
    assert re.search(r'<b>&amp; "Q4" <i>\s+1\s+\$5\.00\s+49\.6 %', text)
    assert re.search(r"openai/gpt-image-1\s+1\s+—\s+\$0\.08\s+0\.8 %", text)
    assert "Ünïcødé Ωmega Привет" in text
    assert len(rendered(content, tmp_path / "pages")) == len(pdf_pages(content, tmp_path))


def test_a_long_report_flows_over_pages_repeating_the_header(
    session: Session, user: User, tmp_path: Path
) -> None:
    """120 models: the model table runs over several pages, each with its header row and page number."""
    project = projects.create_project(session=session, owner_id=user.id, name="Many").id
    for n in range(120):
        spend(session, user, project, DEC_2, (n + 1) * 10**10, model=f"model-{n:03d}")
    content = analytics_report.usage_report(session, user_id=user.id, filters=WINTER)
    pages = pdf_pages(content, tmp_path)
    assert len(pages) >= 3
    with_models = [page for page in pages if re.search(r"openai/model-\d{3}\s+1\s+1\.5 s", page)]
    assert len(with_models) >= 2
    for page in with_models:
        assert re.search(r"^\s*Model\s+Requests\s+Average time\s+Spend\s+Share$", page, re.M)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    assert re.search(r"Total spend\s+\$72\.60 \(exactly \$72\.60\)", pages[0])  # $0.01 x (1 + ... + 120)
    images = rendered(content, tmp_path / "pages")
    assert len(images) == len(pages)
    for image in images:
        with Image.open(image) as page:
            assert page.size[0] > 400 and page.convert("L").getextrema()[0] < 100  # ink on every page


def test_the_invoice_lines_add_up_to_its_total(
    session: Session, user: User, winter: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    """December in Tokyo: a line per provider and model, subtotals, and a total that is their exact sum."""
    accounts.set_time_zone(session=session, user_id=user.id, name="Asia/Tokyo")
    spend(session, user, winter["launch"], DEC_3, 80_000_000_000, **UNITS)
    spend(session, user, winter["launch"], datetime(2025, 11, 10, tzinfo=UTC), 7_000_000_000_000)
    content = invoice.invoice(session, user_id=user.id, month=date(2025, 12, 14))
    text = pdf_text(content, tmp_path)
    number = f"MW-202512-{user.id.hex[:8].upper()}"
    assert re.search(rf"Invoice number\s+{number}\n", text)
    assert re.search(r"Billing period\s+1 to 31 December 2025\n", text) and "Asia/Tokyo" in text
    assert re.search(r"Project\s+All projects", text)
    lines = {
        ("anthropic", "claude-sonnet-4-5"): ("1", "—", "$0.333333333333"),
        ("local", "local-image"): ("1", "—", "$40.00"),
        ("openai", "gpt-4.1"): ("2", "—", "$1.236567891"),  # 30 Nov 23:30 UTC is 1 Dec in Tokyo
        ("openai", "gpt-image-1"): ("1", "1,801 tokens, 2 images", "$0.08"),
    }
    for (provider, model), (requests, units, amount) in lines.items():
        assert re.search(rf"{provider}\s+{model}\s+{requests}\s+{units}\s+\${amount[1:]}\n", text), model
    assert re.search(r"openai\s+Subtotal\s+3\s+\$1\.316567891\n", text)
    assert re.search(r"local\s+Subtotal\s+1\s+\$40\.00\n", text)
    total = TOTAL + 80_000_000_000
    assert re.search(r"Total\s+5\s+\$41\.649901224333\n", text)
    shown = sum(dollars(amount) for _, _, amount in lines.values())
    assert shown == Decimal(total) / 10**12 == dollars(re.findall(r"Total\s+(\$[\d,.]+)", text)[-1])
    assert re.search(r"Amount due\s+\$41\.65 \(rounded to the cent\)", text)
    assert "Only the amount due is rounded: half up to the cent." in text
    november = pdf_text(invoice.invoice(session, user_id=user.id, month=date(2025, 11, 1)), tmp_path)
    assert re.search(r"Total\s+1\s+\$7\.00\n", november) and "gpt-image-1" not in november
    assert len(rendered(content, tmp_path / "invoice")) == 1


def test_a_projects_invoice_and_the_months_it_refuses(
    session: Session, user: User, winter: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    """One project's invoice has its own number and lines; an empty month says so; a future one is refused."""
    text = pdf_text(
        invoice.invoice(session, user_id=user.id, month=date(2025, 12, 1), project_id=winter["old"]), tmp_path
    )
    assert f"-{winter['old'].hex[:8].upper()}" in text and re.search(r"Project\s+Old \(deleted\)", text)
    assert re.search(r"openai\s+gpt-4.1\s+1\s+—\s+\$0\.002\n", text) and "local-image" not in text
    assert re.search(r"Total\s+\$0\.002\n\s*Amount due\s+\$0\.00 ", text)
    empty = pdf_text(invoice.invoice(session, user_id=user.id, month=date(2025, 10, 1)), tmp_path)
    assert "No spend in this month." in empty and re.search(r"Amount due\s+\$0\.00", empty)
    today = analytics.today_for(session, user.id)
    with pytest.raises(ValidationError, match="has not begun"):
        invoice.invoice(session, user_id=user.id, month=date(today.year + 1, 1, 1))


def test_the_cli_writes_the_report_and_the_invoice(
    db_url: str, session: Session, user: User, winter: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    """`mediaws analytics export --format pdf` and `mediaws analytics invoice` write the PDFs."""
    report, bill = tmp_path / "usage.pdf", tmp_path / "invoice.pdf"
    common = ("--user", user.email)
    done = run_cli(
        tmp_path / "data",
        db_url,
        "analytics",
        "export",
        *common,
        "--from",
        "2025-11-01",
        "--to",
        "2025-12-31",
        "--format",
        "pdf",
        "--out",
        str(report),
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"Total spend\s+\$41\.57", pdf_text(report.read_bytes(), tmp_path))
    args = ("analytics", "invoice", *common, "--month", "2025-12", "--project", str(winter["launch"]))
    done = run_cli(tmp_path / "data", db_url, *args, "--out", str(bill))
    assert done.returncode == 0, done.stderr
    assert re.search(r"Total\s+2\s+\$40\.333333333333\n", pdf_text(bill.read_bytes(), tmp_path))
    refused = run_cli(
        tmp_path / "data", db_url, "analytics", "invoice", *common, "--month", "2025-13", "--out", "x"
    )
    assert refused.returncode == 2 and "Write the month like 2026-11" in refused.stderr
