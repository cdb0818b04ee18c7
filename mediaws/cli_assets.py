"""``mediaws assets``: list, show, download and upload assets, and make missing previews."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mediaws import wiring
from mediaws.api.schemas import AssetOut
from mediaws.cli_common import acting_user, friendly
from mediaws.errors import ValidationError
from mediaws.media.ingest import human_bytes
from mediaws.services import asset_files, asset_previews, asset_queries, ingest, projects, tags
from mediaws.services.asset_queries import KINDS, SORTS, AssetQuery

assets_app = typer.Typer(help="Assets: the files kept in projects.", no_args_is_help=True)
USER_HELP = "Email of the account to act as (or use --token)."
PAT_HELP = "A personal access token of the account to act as."


@assets_app.command("list")
@friendly
def list_command(
    user: str = typer.Option("", help=USER_HELP),
    token: str = typer.Option("", envvar="MEDIAWS_TOKEN", help=PAT_HELP),
    project: str = typer.Option("", help="Project name; all projects when absent."),
    kind: list[str] = typer.Option([], help="image, video, audio or text (repeatable)."),
    tag: list[str] = typer.Option([], help="Tag name (repeatable: assets with all of them)."),
    search: str = typer.Option("", help="Words in the prompt, name or description."),
    sort: str = typer.Option("newest", help=f"One of: {', '.join(SORTS)}."),
    archived: str = typer.Option("active", help="active, archived or all."),
    favourite: bool = typer.Option(False, "--favourite", help="Only favourites."),
    limit: int = typer.Option(50, min=1, max=asset_queries.PAGE_MAX, help="Assets per page."),
    cursor: str = typer.Option("", help="The next-page cursor printed by the previous call."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (the REST API's shape)."),
) -> None:
    """One page of assets, newest first unless sorted otherwise; the next page's cursor goes to stderr."""
    if unknown := [k for k in kind if k not in KINDS]:
        raise ValidationError(f"Unknown kind {unknown[0]!r}; use {', '.join(KINDS)}.", field="kind")
    if sort not in SORTS or archived not in ("active", "archived", "all"):
        raise ValidationError("Check --sort and --archived.", field="sort")
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        owner = acting_user(session, user, token)
        project_id = (
            projects.project_by_name(session=session, owner_id=owner.id, name=project).id if project else None
        )
        named = {t.name_key: t for t, _ in tags.list_tags(session=session, user_id=owner.id)}
        if missing := [name for name in tag if name.casefold().strip() not in named]:
            raise ValidationError(f"You have no tag named “{missing[0]}”.", field="tag")
        query = AssetQuery(
            project_id=project_id,
            kinds=tuple(kind),
            tag_ids=tuple(named[name.casefold().strip()].id for name in tag),
            favourite=True if favourite else None,
            archived=archived,  # type: ignore[arg-type]
            search=search,
            sort=sort,
            limit=limit,
            cursor=cursor or None,
        )
        page = asset_queries.list_assets(session=session, user_id=owner.id, query=query)
        shaped = [AssetOut.of(row, page.tags.get(row.id)) for row in page.items]
    if as_json:
        typer.echo(json.dumps({"items": [a.model_dump(mode="json", by_alias=True) for a in shaped],
                               "nextCursor": page.next_cursor}, indent=2))  # fmt: skip
        return
    for asset in shaped:
        created = asset.created_at.strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{asset.id}  {asset.kind:<5}  {human_bytes(asset.bytes):>9}  {created}  {asset.name}")
    if not shaped:
        typer.echo("no assets match")
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}", err=True)


@assets_app.command("get")
@friendly
def get_command(
    asset_id: str = typer.Argument(..., help="The asset's id."),
    user: str = typer.Option("", help=USER_HELP),
    token: str = typer.Option("", envvar="MEDIAWS_TOKEN", help=PAT_HELP),
) -> None:
    """One asset, as JSON."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        owner = acting_user(session, user, token)
        row = asset_queries.get_asset(session=session, user_id=owner.id, asset_id=asset_id)
        shaped = AssetOut.of(row, asset_queries.tags_of(session=session, asset_ids=[row.id])[row.id])
    typer.echo(json.dumps(shaped.model_dump(mode="json", by_alias=True), indent=2))


@assets_app.command("download")
@friendly
def download_command(
    asset_id: str = typer.Argument(..., help="The asset's id."),
    out: Path = typer.Option(Path("."), help="A file to write, or a folder to write the original name into."),
    variant: str = typer.Option("file", help="file (the original) or a preview: small, large, poster, wave."),
    user: str = typer.Option("", help=USER_HELP),
    token: str = typer.Option("", envvar="MEDIAWS_TOKEN", help=PAT_HELP),
) -> None:
    """Write an asset's file (or a preview), streamed from storage, under its original name."""
    deps = wiring.app_deps()
    with deps.session_factory() as session:
        owner = acting_user(session, user, token)
        served = asset_files.owned(session=session, user_id=owner.id, asset_id=asset_id, variant=variant)
    target = out / served.filename if out.is_dir() else out
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as handle:
            for chunk in deps.storage.iter_range(served.key):
                handle.write(chunk)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(f"Cannot write {target}: {exc.strerror or exc}.", field="out") from None
    typer.echo(f"wrote {target} ({human_bytes(target.stat().st_size)})")


@assets_app.command("upload")
@friendly
def upload_command(
    files: list[Path] = typer.Argument(..., help="Images, videos, audio or text files."),
    project: str = typer.Option(..., help="Project name."),
    user: str = typer.Option("", help=USER_HELP),
    token: str = typer.Option("", envvar="MEDIAWS_TOKEN", help=PAT_HELP),
) -> None:
    """Keep files as assets of a project; each refused file says why, and the command then exits 2."""
    deps = wiring.app_deps()
    refused = 0
    with deps.session_factory() as session:
        owner = acting_user(session, user, token)
        target = projects.project_by_name(session=session, owner_id=owner.id, name=project)
        for path in files:
            if not path.is_file():
                typer.echo(f"refused {path}: no such file", err=True)
                refused += 1
                continue
            try:
                asset = ingest.ingest_file(
                    session=session,
                    deps=deps,
                    user_id=owner.id,
                    project_id=target.id,
                    path=path,
                    filename=path.name,
                )
            except ValidationError as exc:
                typer.echo(f"refused {path}: {exc}", err=True)
                refused += 1
                continue
            typer.echo(f"{asset.id}  {asset.kind:<5}  {human_bytes(asset.bytes):>9}  {asset.name}")
    if refused:
        raise typer.Exit(2)


@assets_app.command("backfill-previews")
@friendly
def backfill_command(
    include_failed: bool = typer.Option(
        False, "--include-failed", help="Also retry assets whose previews failed."
    ),
) -> None:
    """Queue thumbnails, posters and waveforms for every asset without them (the worker makes them)."""
    queued = asset_previews.backfill(deps=wiring.app_deps(), include_failed=include_failed)
    typer.echo(f"queued previews for {queued} asset(s)")
