"""`vicon` sub-commands for Zoom: host discovery, meetings, and the local sandbox.

Failures print one clear line on stderr and exit non-zero (1: Zoom said no or could not be reached;
2: bad input or configuration), never a traceback. `start_url` (a host credential) is never printed.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from zoom_client.client import ZoomClient
from zoom_client.config import ConfigError, load_config
from zoom_client.errors import ZoomError
from zoom_client.models import HostInfo, Meeting, MeetingCreate, MeetingSettings, MeetingSummary, MeetingUpdate

ConfigOpt = Annotated[
    Path,
    typer.Option("--zoom-config", envvar="VICON_ZOOM_CONFIG", help="Zoom accounts JSON (config/zoom.example.json)."),
]
AccountOpt = Annotated[str | None, typer.Option("--account", help="Account name (needed if several are configured).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]

# The run's language ("id" or "en"; the app that mounts these commands sets it) and, optionally, how that app words
# a configuration or input error in it (this library keeps English and knows nothing of the app).
LANG: ContextVar[str] = ContextVar("zoom_cli_lang", default="en")
ERROR_WORDS: ContextVar[Callable[[Exception], str] | None] = ContextVar("zoom_cli_error_words", default=None)

WORDS: dict[str, tuple[str, str]] = {
    # key: (Bahasa Indonesia, English)
    "error": ("galat: {message}", "error: {message}"),
    "invalid_input": ("masukan tidak sah: {detail}", "invalid input: {detail}"),
    "bad_start": ("--start {value!r} bukan tanggal-waktu ISO 8601 (mis. 2025-03-10T09:00)",
                  "--start {value!r} is not an ISO 8601 date-time (e.g. 2025-03-10T09:00)"),
    "bad_zone": ("zona waktu tidak dikenal {value!r}", "unknown time zone {value!r}"),
    "nothing_to_change": ("tidak ada yang diubah: beri paling sedikit satu dari --topic, --start, --duration, ...",
                          "nothing to change: give at least one of --topic, --start, --duration, ..."),
    "bad_type": ("--type harus scheduled, upcoming atau live", "--type must be scheduled, upcoming or live"),
    "updated": ("rapat {id} diubah", "meeting {id} updated"),
    "ended": ("rapat {id} diakhiri (bila sedang berlangsung)", "meeting {id} ended (if it was in progress)"),
    "deleted": ("rapat {id} dihapus", "meeting {id} deleted"),
    "gone": ("rapat {id} sudah tidak ada", "meeting {id} was already gone"),
    "hosts_title": ("Host Zoom ({n})", "Zoom hosts ({n})"),
    "hosts_cols": ("akun|host|nama|kapasitas|jenis|kap. webinar|serentak",
                   "account|host|name|capacity|kind|webinar cap.|concurrency"),
    "meetings_title": ("Rapat {host} ({type}): {n}", "Meetings of {host} ({type}): {n}"),
    "meetings_cols": ("id|mulai (UTC)|menit|topik|kunci", "id|start (UTC)|min|topic|key"),
    "meeting_lines": ("id rapat|topik|host|mulai|tautan gabung|kode sandi|kunci|status",
                      "meeting id|topic|host|start|join url|passcode|key|status"),
    "min": ("menit", "min"),
    "cannot_listen": ("tidak dapat mendengarkan di {where}: {why}", "cannot listen on {where}: {why}"),
    "sandbox_head": ("ZOOM SANDBOX - ini BUKAN Zoom; rapat di sini palsu",
                     "ZOOM SANDBOX - this is NOT Zoom; meetings here are fake"),
    "listening": ("mendengarkan di {url}", "listening on {url}"),
    "faults": ("  gangguan  : {faults} (ubah: POST {url}/_sandbox/faults?spec=...)",
               "  faults    : {faults} (change: POST {url}/_sandbox/faults?spec=...)"),
    "account": ("  akun {name}: account_id={account_id} client_id={client_id} ({category})",
                "  account {name}: account_id={account_id} client_id={client_id} ({category})"),
    "config_written": ("  konfigurasi ditulis ke {file} (pakai --zoom-config {file})",
                       "  config written to {file} (use --zoom-config {file})"),
}  # fmt: skip


def say(key: str, **fields: object) -> str:
    """The line `key` in the run's language."""
    id_text, en_text = WORDS[key]
    return (id_text if LANG.get() == "id" else en_text).format(**fields)


@contextmanager
def speaking(lang: str, error_words: Callable[[Exception], str] | None = None) -> Iterator[None]:
    """These commands speak `lang` ("id" or "en") for the block; `error_words` words a configuration or input
    error in it (default: the error's English text)."""
    lang_token, words_token = LANG.set(lang), ERROR_WORDS.set(error_words)
    try:
        yield
    finally:
        LANG.reset(lang_token)
        ERROR_WORDS.reset(words_token)


def _error_text(exc: Exception) -> str:
    words = ERROR_WORDS.get()
    return words(exc) if words is not None else str(exc)


hosts_app = typer.Typer(help="Zoom licences (licensed host users).", no_args_is_help=True)
meetings_app = typer.Typer(help="Create, read, change and cancel Zoom meetings.", no_args_is_help=True)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(say("error", message=message), err=True)
    return typer.Exit(code)


def _validation_message(exc: ValidationError) -> str:
    words = ERROR_WORDS.get()
    if words is not None:
        return words(exc)
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors(include_input=False)
    )


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn every expected failure into one line on stderr and a non-zero exit."""
    try:
        yield
    except ZoomError as exc:
        raise _fail(f"{type(exc).__name__}: {exc}", 1) from None
    except ConfigError as exc:
        raise _fail(_error_text(exc), 2) from None
    except ValidationError as exc:
        raise _fail(say("invalid_input", detail=_validation_message(exc)), 2) from None
    except ValueError as exc:
        raise _fail(str(exc), 2) from None


def _client(config: Path, account: str | None) -> ZoomClient:
    return ZoomClient(load_config(config).account(account))


def _parse_start(value: str, timezone: str) -> datetime:
    """ISO 8601; a time without offset is read in `timezone` (what an operator means by "09:00")."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(say("bad_start", value=value)) from None
    if dt.tzinfo is None:
        try:
            dt = dt.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(say("bad_zone", value=timezone)) from None
    return dt


def _meeting_json(m: Meeting | MeetingSummary) -> dict[str, Any]:
    data = m.model_dump(mode="json", exclude={"start_url"})
    data["key"] = m.key
    return data


def _print_meeting(m: Meeting) -> None:
    tz = ZoneInfo(m.timezone) if m.timezone else None
    start = m.start_time.astimezone(tz).isoformat() if m.start_time else "-"
    values = [m.id, m.topic, m.host_email or m.host_id, f"{start} ({m.timezone}), {m.duration} {say('min')}",
              m.join_url, m.password or "-", m.key or "-", m.status or "-"]  # fmt: skip
    labels = say("meeting_lines").split("|")
    width = max(len(label) for label in labels)
    typer.echo("\n".join(f"{label:<{width}} : {value}" for label, value in zip(labels, values, strict=True)))


# --- hosts ---------------------------------------------------------------------------------------


@hosts_app.command("discover")
def hosts_discover(config: ConfigOpt, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """List the licensed hosts of the account(s) with capacity, kind and concurrency."""
    with _clean_errors():
        cfg = load_config(config)
        accounts = [cfg.account(account)] if account or len(cfg.accounts) == 1 else cfg.accounts
        hosts: list[HostInfo] = []
        for acc in accounts:
            hosts.extend(ZoomClient(acc).discover_hosts())
    if as_json:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hosts], indent=2))
        return
    table = Table(title=say("hosts_title", n=len(hosts)))
    for i, col in enumerate(say("hosts_cols").split("|")):
        table.add_column(col, justify="right" if i in (3, 5, 6) else "left")
    for h in hosts:
        table.add_row(
            h.account,
            h.email or h.user_id,
            h.name,
            str(h.capacity),
            h.kind.value,
            str(h.webinar_capacity or "-"),
            str(h.concurrency),
        )
    Console(width=140).print(table)


# --- meetings ------------------------------------------------------------------------------------


@meetings_app.command("create")
def meetings_create(
    config: ConfigOpt,
    host: Annotated[str, typer.Option(help="Host user id or e-mail.")],
    topic: Annotated[str, typer.Option(help="Meeting topic (max 200 chars).")],
    start: Annotated[str, typer.Option(help="Start, ISO 8601; without offset it is read in --timezone.")],
    duration: Annotated[int, typer.Option(help="Minutes.")],
    account: AccountOpt = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone shown to participants.")] = "Asia/Jakarta",
    agenda: Annotated[str, typer.Option(help="Agenda text.")] = "",
    passcode: Annotated[str | None, typer.Option(help="Up to 10 chars of [A-Za-z0-9@-_*].")] = None,
    waiting_room: Annotated[bool | None, typer.Option("--waiting-room/--no-waiting-room")] = None,
    join_before_host: Annotated[bool | None, typer.Option("--join-before-host/--no-join-before-host")] = None,
    alt_host: Annotated[list[str] | None, typer.Option("--alt-host", help="Alternative host e-mail (repeat).")] = None,
    auto_recording: Annotated[str | None, typer.Option(help="none, local or cloud.")] = None,
    key: Annotated[str | None, typer.Option(help="Idempotency key (default: a new one).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a scheduled meeting (exactly once, even if the answer is lost)."""
    with _clean_errors():
        request = MeetingCreate.model_validate(
            {
                "topic": topic,
                "start_time": _parse_start(start, timezone),
                "duration": duration,
                "timezone": timezone,
                "agenda": agenda,
                "passcode": passcode,
                "settings": MeetingSettings.model_validate(
                    {
                        "waiting_room": waiting_room,
                        "join_before_host": join_before_host,
                        "alternative_hosts": tuple(alt_host) if alt_host else None,
                        "auto_recording": auto_recording,
                    }
                ),
            }
        )
        meeting_key = key or f"cli-{uuid.uuid4().hex[:16]}"
        meeting = _client(config, account).ensure_meeting(host, request, key=meeting_key)
    if as_json:
        typer.echo(json.dumps(_meeting_json(meeting), indent=2))
    else:
        _print_meeting(meeting)


@meetings_app.command("get")
def meetings_get(
    meeting_id: Annotated[int, typer.Argument(help="Zoom meeting id.")],
    config: ConfigOpt,
    account: AccountOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a meeting (never its start_url)."""
    with _clean_errors():
        meeting = _client(config, account).get_meeting(meeting_id)
    if as_json:
        typer.echo(json.dumps(_meeting_json(meeting), indent=2))
    else:
        _print_meeting(meeting)


@meetings_app.command("update")
def meetings_update(
    meeting_id: Annotated[int, typer.Argument(help="Zoom meeting id.")],
    config: ConfigOpt,
    account: AccountOpt = None,
    topic: Annotated[str | None, typer.Option()] = None,
    start: Annotated[str | None, typer.Option(help="ISO 8601; without offset read in --timezone.")] = None,
    duration: Annotated[int | None, typer.Option()] = None,
    timezone: Annotated[str | None, typer.Option()] = None,
    agenda: Annotated[str | None, typer.Option(help="New agenda (needs --key).")] = None,
    passcode: Annotated[str | None, typer.Option()] = None,
    host: Annotated[str | None, typer.Option(help="The meeting's host (saves a lookup).")] = None,
    key: Annotated[str | None, typer.Option(help="The meeting's idempotency key.")] = None,
) -> None:
    """Change a meeting's topic, time, duration, time zone, agenda or passcode."""
    with _clean_errors():
        fields: dict[str, Any] = {
            "topic": topic,
            "duration": duration,
            "timezone": timezone,
            "agenda": agenda,
            "passcode": passcode,
        }
        if start is not None:
            fields["start_time"] = _parse_start(start, timezone or "Asia/Jakarta")
        update = MeetingUpdate.model_validate({k: v for k, v in fields.items() if v is not None})
        if update.is_empty():
            raise ValueError(say("nothing_to_change"))
        client = _client(config, account)
        if agenda is not None and key is None:
            key = client.get_meeting(meeting_id).key
        client.update_meeting(meeting_id, update, host=host, key=key)
    typer.echo(say("updated", id=meeting_id))


@meetings_app.command("end")
def meetings_end(
    meeting_id: Annotated[int, typer.Argument(help="Zoom meeting id.")],
    config: ConfigOpt,
    account: AccountOpt = None,
) -> None:
    """End a meeting in progress (one that overruns and blocks its host's next meeting)."""
    with _clean_errors():
        _client(config, account).end_meeting(meeting_id)
    typer.echo(say("ended", id=meeting_id))


@meetings_app.command("delete")
def meetings_delete(
    meeting_id: Annotated[int, typer.Argument(help="Zoom meeting id.")],
    config: ConfigOpt,
    account: AccountOpt = None,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify/--no-notify",
            help="Have Zoom e-mail the cancellation to the host and alternative hosts (schedule_for_reminder).",
        ),
    ] = False,
) -> None:
    """Cancel (delete) a meeting; a meeting already gone is reported, not an error."""
    with _clean_errors():
        deleted = _client(config, account).delete_meeting(meeting_id, notify_host=notify)
    typer.echo(say("deleted" if deleted else "gone", id=meeting_id))


@meetings_app.command("list")
def meetings_list(
    config: ConfigOpt,
    host: Annotated[str, typer.Option(help="Host user id or e-mail.")],
    account: AccountOpt = None,
    type: Annotated[str, typer.Option("--type", help="scheduled, upcoming or live.")] = "scheduled",
    as_json: JsonOpt = False,
) -> None:
    """List a host's meetings (all pages)."""
    with _clean_errors():
        if type not in ("scheduled", "upcoming", "live"):
            raise ValueError(say("bad_type"))
        meetings = list(_client(config, account).list_meetings(host, type=type))  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps([_meeting_json(m) for m in meetings], indent=2))
        return
    table = Table(title=say("meetings_title", host=host, type=type, n=len(meetings)))
    for col in say("meetings_cols").split("|"):
        table.add_column(col)
    for m in meetings:
        start = m.start_time.strftime("%Y-%m-%d %H:%M") if m.start_time else "-"
        table.add_row(str(m.id), start, str(m.duration or "-"), m.topic, m.key or "-")
    Console(width=140).print(table)


# --- sandbox -------------------------------------------------------------------------------------


def zoom_sandbox(
    port: Annotated[int, typer.Option(help="TCP port on loopback (0: any free port).")] = 8765,
    host: Annotated[str, typer.Option(help="Loopback address to bind.")] = "127.0.0.1",
    fixture: Annotated[Path | None, typer.Option(help="Accounts/users JSON (default: packaged fixture).")] = None,
    write_config: Annotated[
        Path | None, typer.Option(help="Write a Zoom config file pointing at this sandbox.")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="Loopback URL to send signed webhooks to.")] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(envvar="VICON_SANDBOX_WEBHOOK_SECRET", help="Secret token for webhooks.")
    ] = None,
    rate_limits: Annotated[bool, typer.Option("--rate-limits/--no-rate-limits")] = True,
    faults: Annotated[
        str | None,
        typer.Option(
            envvar="VICON_SANDBOX_FAULTS",
            help="Random faults, each kind's chance per API call: slow, lost (a write done, its answer lost), "
            "drop, 5xx, 429; settings slow_s (seconds a slow call is held), latency, seed. "
            "E.g. slow=0.5,lost=0.1,5xx=0.1,429=0.05",
        ),
    ] = None,
) -> None:
    """Run a local Zoom SANDBOX (not Zoom) for demos and tests, until Ctrl-C."""
    from zoom_client.sandbox import Sandbox

    out: Callable[[str], None] = typer.echo
    with _clean_errors():
        sb = Sandbox(
            fixture,
            host=host,
            port=port,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            enforce_rate_limits=rate_limits,
            faults=faults,
        )
        try:
            sb.start()
        except OSError as exc:
            raise ValueError(say("cannot_listen", where=f"{host}:{port}", why=exc.strerror or exc)) from None
    out("=" * 72)
    out(say("sandbox_head"))
    out(say("listening", url=sb.url))
    out(f"  api_base  : {sb.base_url}")
    out(f"  oauth_url : {sb.oauth_url}")
    if sb.faults.describe():
        out(say("faults", faults=sb.faults.describe(), url=sb.url))
    for name, cred in sb.credentials.items():
        out(say("account", name=name, account_id=cred.account_id, client_id=cred.client_id, category=cred.category))
    if write_config is not None:
        write_config.write_text(json.dumps(sb.config_json(), indent=2) + "\n", encoding="utf-8")
        out(say("config_written", file=write_config))
    out("=" * 72)
    sys.stdout.flush()
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


def register(app: typer.Typer) -> None:
    """Attach the Zoom commands to the main `vicon` app."""
    app.command("zoom-sandbox")(zoom_sandbox)
    app.add_typer(hosts_app, name="hosts")
    app.add_typer(meetings_app, name="meetings")
