"""The ``mediaws`` command for operators and headless set-ups."""

from __future__ import annotations

import signal
import sys
import time
import uuid
from pathlib import Path

import typer

from mediaws import migrations, wiring
from mediaws.catalogue.table import (
    describe,
    load_tables,
    parse_day,
    parse_decimal,
    price_for,
    resolve_model,
    today,
)
from mediaws.cli_analytics import analytics_app
from mediaws.cli_assets import assets_app
from mediaws.cli_common import acting_user, friendly
from mediaws.config import get_settings
from mediaws.db import session_scope
from mediaws.deps import Deps
from mediaws.errors import MediawsError, ValidationError
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, Generation
from mediaws.pricing import check as price_check
from mediaws.pricing.cost import check_billed, cost, exact_usd, priced_display
from mediaws.providers.base import Usage
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import keyring_source
from mediaws.security.master_key import generate_key
from mediaws.services import (
    accounts,
    generation,
    master_keys,
    model_lifecycle,
    projects,
    tokens,
    uploads,
)
from mediaws.services.keys import keys_by_master_key

app = typer.Typer(help="mediaws: AI media workspace administration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="Master encryption keys.", no_args_is_help=True)
prices_app = typer.Typer(help="The price table.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
app.add_typer(assets_app, name="assets")
app.add_typer(prices_app, name="prices")
app.add_typer(analytics_app, name="analytics")


@db_app.command("upgrade")
@friendly
def db_upgrade(revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Apply migrations up to a revision (default: the newest)."""
    migrations.upgrade(revision=revision)
    typer.echo(f"database at {revision}")
    if migrations.upgrade_job_engine():
        typer.echo("created procrastinate's job tables")


@db_app.command("rebuild-search")
@friendly
def db_rebuild_search() -> None:
    """Rebuild SQLite's asset search index (needed after VACUUM, which may renumber rows); no-op elsewhere."""
    rebuilt = migrations.rebuild_search()
    typer.echo("search index rebuilt" if rebuilt else "nothing to rebuild on this database")


@db_app.command("downgrade")
@friendly
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Revert migrations down to a revision."""
    migrations.downgrade(revision=revision)
    typer.echo(f"database at {revision}")


@user_app.command("create")
@friendly
def user_create(
    email: str = typer.Option(..., help="Email address of the new account."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create an account; the password comes from stdin or a hidden prompt."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with session_scope() as session:
        user = accounts.sign_up(session=session, email=email, password=password)
    typer.echo(f"created user {user.email} ({user.id})")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new random master key for MEDIAWS_MASTER_KEY."""
    typer.echo(generate_key())


@keys_app.command("status")
@friendly
def keys_status() -> None:
    """Show the master keys held and how many stored keys each one seals."""
    source = keyring_source()
    keyring = source.get()
    where = "environment" if source.from_environment else str(get_settings().keyring_path)
    with session_scope() as session:
        counts = keys_by_master_key(session=session)
    typer.echo(f"master keys from {where}")
    for key_id in keyring.ids:
        role = "active" if key_id == keyring.active_id else "old"
        typer.echo(f"  {key_id}  {role:6}  seals {counts.pop(key_id, 0)} key(s)")
    for key_id, total in counts.items():
        typer.echo(f"  {key_id}  MISSING seals {total} key(s) that cannot be opened")


@keys_app.command("rotate")
@friendly
def keys_rotate() -> None:
    """Seal every stored key under a new master key; the app may keep running."""
    with session_scope() as session:
        report = master_keys.rotate(session=session, source=keyring_source())
    typer.echo(f"active master key {report.active_id}; re-sealed {report.resealed} key(s)")
    for key_id, total in report.remaining_by_key.items():
        typer.echo(f"  {key_id}: {total} key(s)")


@keys_app.command("retire")
@friendly
def keys_retire(key_id: str = typer.Argument(..., help="Id of the old master key.")) -> None:
    """Remove an old master key once no stored key depends on it."""
    with session_scope() as session:
        master_keys.retire(session=session, source=keyring_source(), key_id=key_id)
    typer.echo(f"retired master key {key_id}")


@app.command("providers")
@friendly
def providers_list() -> None:
    """List providers, their models, capabilities and prices."""
    registry = default_registry()
    tables = load_tables()
    for provider in registry.providers.values():
        key = "no key needed" if not provider.needs_key else f"key: {provider.key_env_var or 'Settings'}"
        typer.echo(f"{provider.id}  {provider.label}  ({key})")
        table = tables.get(provider.id)
        for info in provider.models():
            price = table.models.get(info.id) if table else None
            billed = describe(price.rates_on(today())[0]) if price else "NO PRICE"
            notes = [model_lifecycle.standing(registry, provider.id, info.id).note]
            if price is not None and price.override_file:
                notes.append(f"(price from {price.override_file})")
            said = "  ".join(note for note in notes if note)
            typer.echo(f"  {info.id:<40} {info.capability.value:<7} {billed}{'  ' + said if said else ''}")


@app.command("price")
@friendly
def price_command(
    model: str = typer.Option(..., help="Model id, e.g. gpt-4.1 (or provider/model)."),
    provider: str = typer.Option("", help="Provider id when the model id is ambiguous."),
    input_tokens: int = typer.Option(0, min=0),
    output_tokens: int = typer.Option(0, min=0),
    cached_input_tokens: int = typer.Option(0, min=0),
    cache_write_5m_tokens: int = typer.Option(0, min=0, help="Tokens written to a 5-minute cache."),
    cache_write_30m_tokens: int = typer.Option(0, min=0, help="Tokens written to a 30-minute cache."),
    cache_write_1h_tokens: int = typer.Option(0, min=0, help="Tokens written to a 1-hour cache."),
    images: int = typer.Option(0, min=0, help="Number of images."),
    size: str = typer.Option("", help="Image size, e.g. 1024x1792."),
    quality: str = typer.Option("", help="Image quality, e.g. hd."),
    image_input_tokens: int = typer.Option(0, min=0),
    cached_image_input_tokens: int = typer.Option(0, min=0),
    image_output_tokens: int = typer.Option(0, min=0),
    video_seconds: str = typer.Option("0", help="Seconds of video."),
    audio: bool = typer.Option(False, "--audio", help="Video with audio."),
    characters: int = typer.Option(0, min=0),
    outputs: int = typer.Option(0, min=0, help="Number of output files."),
    predict_seconds: str = typer.Option("0", help="Seconds of predict time."),
    runs: int = typer.Option(0, min=0, help="Runs (predictions) of a model billed per run."),
    input_megapixels: str = typer.Option("0", help="Megapixels of input images."),
    output_megapixels: str = typer.Option("0", help="Megapixels of output images."),
    on: str = typer.Option("", help="Price on this day (YYYY-MM-DD) instead of today."),
) -> None:
    """Print the exact cost of the given billing units (refusing units the model is not billed by)."""
    provider_id, model_id = resolve_model(model, provider)
    usage = Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_input_tokens=cached_input_tokens,
        cache_write_5m_tokens=cache_write_5m_tokens,
        cache_write_30m_tokens=cache_write_30m_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
        image_count=images,
        image_size=size or None,
        image_quality=quality or None,
        image_input_tokens=image_input_tokens,
        cached_image_input_tokens=cached_image_input_tokens,
        image_output_tokens=image_output_tokens,
        video_seconds=parse_decimal(video_seconds, "video-seconds"),
        video_audio=audio,
        characters=characters,
        output_count=outputs,
        predict_seconds=parse_decimal(predict_seconds, "predict-seconds"),
        runs=runs,
        input_megapixels=parse_decimal(input_megapixels, "input-megapixels"),
        output_megapixels=parse_decimal(output_megapixels, "output-megapixels"),
    )
    at = parse_day(on) if on else None
    rates, _version, _source = price_for(provider_id, model_id, at)
    check_billed(rates, usage, provider_id, model_id)
    priced = cost(provider_id, model_id, usage, at)
    typer.echo(f"{provider_id}/{model_id}: {priced.display()}")
    typer.echo(f"  {priced.micros} micro-USD, prices {priced.price_version}, source {priced.source}")
    typer.echo(f"  exactly ${exact_usd(priced.picos)}")


@prices_app.command("check")
@friendly
def prices_check(
    on: str = typer.Option("", help="Check the prices in force on this day (YYYY-MM-DD) too."),
) -> None:
    """Compare every token price with genai-prices; exit 1 on a difference the table does not explain."""
    differences = price_check.check(on=parse_day(on).date() if on else None)
    for difference in differences:
        typer.echo(difference.line())
    unexplained = [d for d in differences if not d.explained]
    typer.echo(f"{len(differences)} difference(s), {len(unexplained)} not explained in the price table.")
    if unexplained:
        raise typer.Exit(1)


@app.command("worker")
@friendly
def worker_command(
    once: bool = typer.Option(False, "--once", help="Run the jobs waiting now, then exit."),
    lease: float = typer.Option(30.0, help="Seconds a job stays reserved without a heartbeat."),
    concurrency: int = typer.Option(1, min=1, help="Jobs run at once (procrastinate engine)."),
) -> None:
    """Run generation jobs in this process (with the embedded engine the app server runs one too)."""
    deps = wiring.app_deps()
    if deps.settings.job_engine == "procrastinate":
        typer.echo(f"procrastinate worker started (concurrency {concurrency})")
        wiring.run_procrastinate_worker(deps, lease_seconds=lease, concurrency=concurrency, once=once)
        return
    worker = wiring.job_worker(deps, lease_seconds=lease)
    typer.echo(f"worker {worker.name} started")
    if once:
        while worker.run_once() is not None:
            pass
        return
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    try:
        worker.run_forever()
    except KeyboardInterrupt:
        worker.stop()


@app.command("generate")
@friendly
def generate_command(
    user: str = typer.Option("", help="Email of the account to act as (or use --token)."),
    token: str = typer.Option(
        "", envvar="MEDIAWS_TOKEN", help="A personal access token of the account to act as."
    ),
    project: str = typer.Option(..., help="Project name."),
    type_: str = typer.Option(..., "--type", help="text, image, video, speech or audio."),
    provider: str = typer.Option(..., help="Provider id, e.g. local or openai."),
    model: str = typer.Option(..., help="Model id, see `mediaws providers`."),
    prompt: str = typer.Option(..., help="What to make."),
    option: list[str] = typer.Option([], "--option", help="Model option as key=value (repeatable)."),
    fallback: list[str] = typer.Option(
        [], "--fallback", help="provider:model to try if the model fails (repeatable, in order)."
    ),
    image: Path | None = typer.Option(
        None, "--image", help="Start image (video) or input image (image edit): PNG, JPEG or WebP."
    ),
    wait: bool = typer.Option(False, "--wait", help="Run it and wait for the result, with a progress bar."),
    out: str = typer.Option("", help="With --wait: write the (first) result file here."),
    idempotency_key: str = typer.Option(
        "",
        "--idempotency-key",
        help="Run the same request again with this key (within 24 h) to get the first generation back "
        "instead of a new one; a fresh random key by default.",
    ),
) -> None:
    """Queue a generation (or run it and wait), printing progress and the final cost."""
    deps = wiring.app_deps()
    options = parse_options(option)
    with deps.session_factory() as session:
        owner = acting_user(session, user, token)
        target = projects.project_by_name(session=session, owner_id=owner.id, name=project)
        if image is not None:
            upload = uploads.save_upload(
                session=session,
                deps=deps,
                user_id=owner.id,
                project_id=target.id,
                filename=image.name,
                data=_read_file(image),
                mime_type="",
            )
            key = "start_image_asset_id" if type_ == "video" else "input_image_asset_id"
            options[key] = str(upload.id)
        try:
            queued = generation.start_generation(
                session=session,
                deps=deps,
                user_id=owner.id,
                project_id=target.id,
                capability=type_,
                provider_id=provider,
                model=model,
                prompt=prompt,
                options=options,
                fallbacks=[parse_fallback(f) for f in fallback],
                idempotency_key=idempotency_key or str(uuid.uuid4()),
            )
        except MediawsError:
            if image is not None:
                session.delete(upload)
                session.commit()
                deps.storage.delete(upload.storage_key)
            raise
        estimate = priced_display(provider, model, queued.estimated_cost_micros)
        typer.echo(f"queued generation {queued.id}; estimated {estimate}")
    if not wait:
        return
    done, files = follow(deps, owner.id, queued.id, run_here=deps.settings.job_engine == "embedded")
    if done.status != "succeeded":
        typer.echo(f"error: generation {done.status}: {done.error}", err=True)
        raise typer.Exit(1)
    if done.fallback_from:
        typer.echo(f"made with {done.provider}/{done.model} after {done.fallback_from} failed")
    price = priced_display(done.provider, done.model, done.cost_micros or 0)
    typer.echo(f"succeeded; cost {price} ({done.price_version})")
    for asset in files:
        typer.echo(f"  {asset.kind} {asset.mime_type} {asset.bytes} bytes: {asset.storage_key}")
    if out and files:
        Path(out).write_bytes(deps.storage.get(files[0].storage_key))
        typer.echo(f"wrote {out}")


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.", field="image") from None


def parse_fallback(value: str) -> dict[str, str]:
    """Read a ``provider:model`` fallback."""
    provider, sep, model = value.partition(":")
    if not sep or not provider.strip() or not model.strip():
        raise ValidationError(f"Fallback '{value}' should look like provider:model.", field="fallback")
    return {"provider": provider.strip(), "model": model.strip()}


def _progress_text(job: AsyncJob | None, started: float) -> str:
    if job is None:
        return ""
    parts = [job.status, f"{time.monotonic() - started:.0f}s elapsed"]
    if job.eta_seconds:
        parts.append(f"about {job.eta_seconds}s left")
    return " · ".join(parts)


def follow(
    deps: Deps, owner_id: uuid.UUID, generation_id: uuid.UUID, *, run_here: bool
) -> tuple[Generation, list[Asset]]:
    """Wait for a generation with a progress bar (running jobs here when asked); Ctrl-C cancels it."""
    worker = wiring.job_worker(deps, idle_seconds=0.2, with_chores=False)
    if run_here:
        worker.start_in_background()
    started, shown, line = time.monotonic(), 0, {"text": ""}
    try:
        steps: list[int] = []
        with typer.progressbar(
            steps, length=100, label="Generating", show_eta=False, item_show_func=lambda _item: line["text"]
        ) as bar:
            while True:
                with deps.session_factory() as session:
                    row = generation.get_generation(
                        session=session, user_id=owner_id, generation_id=generation_id
                    )
                    job = generation.job_for(session, row)
                    if row.status in queue.FINISHED:
                        line["text"] = row.status
                        bar.update(100 - shown if row.status == queue.SUCCEEDED else 0)
                        return row, generation.assets_of(session, row)
                percent = job.progress_percent or 0
                line["text"] = _progress_text(job, started)
                bar.update(max(0, percent - shown))
                shown = max(shown, percent)
                time.sleep(0.3)
    except KeyboardInterrupt:
        with deps.session_factory() as session:
            generation.cancel_generation(session=session, user_id=owner_id, generation_id=generation_id)
        typer.echo("\ncancel requested; waiting for the job to stop", err=True)
        return follow(deps, owner_id, generation_id, run_here=False)
    finally:
        worker.stop()


def parse_options(pairs: list[str]) -> dict[str, object]:
    """Read key=value options, turning numbers and true/false into their types."""
    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"Option '{pair}' should look like key=value.", field="option")
        value: object = raw
        if raw.lower() in {"true", "false"}:
            value = raw.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(raw)
                    break
                except ValueError:
                    continue
        options[key.strip()] = value
    return options


token_app = typer.Typer(help="Personal access tokens for the REST API.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
@friendly
def token_create(
    user: str = typer.Option(..., help="Email of the account the token acts as."),
    name: str = typer.Option(..., help="What the token is for, e.g. 'backup script'."),
) -> None:
    """Make a token; it is printed once, on stdout, and cannot be shown again."""
    with session_scope() as session:
        owner = accounts.user_by_email(session=session, email=user)
        made = tokens.create_token(session=session, user_id=owner.id, name=name)
    typer.echo(f"created token {made.row.id} “{made.row.name}” for {owner.email}", err=True)
    typer.echo(made.plaintext)
    typer.echo(
        "warning: this token is shown only once; store it now (send it as 'Authorization: Bearer …').",
        err=True,
    )


@token_app.command("list")
@friendly
def token_list(user: str = typer.Option(..., help="Email of the account.")) -> None:
    """List an account's tokens (never the tokens themselves)."""
    with session_scope() as session:
        owner = accounts.user_by_email(session=session, email=user)
        rows = tokens.list_tokens(session=session, user_id=owner.id)
    if not rows:
        typer.echo(f"{owner.email} has no tokens")
    for row in rows:
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        typer.echo(
            f"{row.id}  {row.prefix}…  {state:<24} created {row.created_at:%Y-%m-%d %H:%M}  "
            f"last used {used}  {row.name}"
        )


@token_app.command("revoke")
@friendly
def token_revoke(
    token_id: str = typer.Argument(..., help="Id of the token, from `mediaws token list`."),
    user: str = typer.Option(..., help="Email of the account that owns the token."),
) -> None:
    """Revoke a token; requests with it are refused from now on."""
    with session_scope() as session:
        owner = accounts.user_by_email(session=session, email=user)
        row = tokens.revoke_token(session=session, user_id=owner.id, token_id=token_id)
    typer.echo(f"revoked token {row.id} “{row.name}”")


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
