"""Settings: read once from digest.toml and DIGEST_* variables, validated, passed down.

Lookup order for the file: an explicit path (``--config``), then ``DIGEST_CONFIG``,
then ``./digest.toml``, then the embedded demo config in ``seeds/`` (shipped in the
wheel as ``digest._seeds``; its relative paths resolve from its folder, like any file's).
Environment variables override scalar keys as ``DIGEST_<SECTION>_<KEY>``
(for example ``DIGEST_SMTP_HOST``). Library code never reads the environment:
only :func:`load_settings` does, and only when the caller passes ``environ``.
"""

from __future__ import annotations

import difflib
import errno
import math
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from digest.errors import ConfigError
from digest.models import Source, SourceKind
from digest.summarize import unknown_algorithm
from digest.urls import http_url_problem, redact_url, store_url_problem


def _shipped_folder(package: str, folder: str) -> Path:
    """A top-level folder of the repository that ships inside the wheel as a package
    (pyproject.toml maps templates/ to digest._templates and seeds/ to digest._seeds).
    In a checkout it is that folder itself, so templates edited in place are used at once."""
    try:
        root = files(package)
    except ModuleNotFoundError:
        # An editable install made before the mapping existed: its import finder does not
        # know the package, but the folder sits in the checkout (`pip install -e .` updates it).
        root = Path(__file__).resolve().parent.parent / folder
        if not (root / "__init__.py").is_file():
            raise ImportError(f"{package} is not installed and there is no checkout folder {root}") from None
    if not isinstance(root, Path):  # e.g. a zipped install: Jinja2 and the config loader need real files
        raise ImportError(f"{package} is not a folder on disk ({root!r}); install digest unzipped")
    return root


TEMPLATES_DIR = _shipped_folder("digest._templates", "templates")
SEEDS_DIR = _shipped_folder("digest._seeds", "seeds")
DEMO_CONFIG = SEEDS_DIR / "digest.toml"
SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True, slots=True)
class StoreSettings:
    url: str = "sqlite:///digest.db"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = ""  # empty: use the local capture server
    port: int = 2525
    username: str = ""
    password: str = field(default="", repr=False)
    security: str = "none"
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class FetchSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_bytes: int = 5_000_000
    per_host: int = 4
    concurrency: int = 16
    max_redirects: int = 5
    total_timeout: float = 60.0  # seconds for one fetch, headers and body together
    gather_timeout: float = 300.0  # seconds for a whole gather; sources still running then fail
    max_field_chars: int = 1_000_000  # a parsed feed field longer than this is cut
    allow_private: bool = False  # follow links and redirects from remote sources to private addresses
    user_agent: str = "digest/0.1 (newsletter digest; python-httpx)"


@dataclass(frozen=True, slots=True)
class SummarySettings:
    sentences: int = 3
    algorithm: str = "default"
    language: str = "english"


@dataclass(frozen=True, slots=True)
class UnsubscribeSettings:
    # Signs unsubscribe tokens. Empty: a random secret is made once and kept in the store.
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    connections: int = 8
    rate: float = 0.0  # messages per second; 0: no limit
    per_hour: int = 0  # 0: no cap
    batch: int = 500
    attempts: int = 3
    lease: float = 300.0  # seconds a sender's claim lasts; a crashed run's claims are sent again after it
    retry_delay: float = 300.0  # seconds before a later run retries a deferred message
    # Days a deferred message is retried before it counts as failed (a soft bounce); once
    # the list's next issue has news to carry, it replaces the old issue's deferrals sooner.
    retry_days: float = 5.0
    maildir: str = "mail"  # where the local capture server keeps what it receives
    # Where a send whose database stays away keeps the outcomes it could not record, for
    # the next send to record (digest.delivery.journal).
    journal: str = "unrecorded"
    # The envelope sender's base: each message goes out from bounces+<signed token>@domain
    # (VERP), naming its issue and reader, so a bounce is matched without guessing.
    bounce_address: str = ""
    soft_bounce_limit: int = 3  # temporary failures (4.x.x) within soft_bounce_days that mark a reader bounced
    soft_bounce_days: float = 14.0


@dataclass(frozen=True, slots=True)
class DkimSettings:
    """DKIM signing of every message (RFC 6376). Empty domain: messages go out unsigned."""

    domain: str = ""  # d=, the domain that vouches for the mail; align it with the lists' From
    selector: str = ""  # s=: the key's DNS record is selector._domainkey.domain
    key_file: str = ""  # PEM private key, RSA (2048 bits is the default of `digest dkim keygen`) or Ed25519
    key: str = field(default="", repr=False)  # the PEM itself; better DIGEST_DKIM_KEY or a Prefect Secret block
    key_origin: str = "DIGEST_DKIM_KEY"  # where `key` came from, for errors
    # An optional second signature with an Ed25519 key (RFC 8463), under its own selector.
    ed25519_selector: str = ""
    ed25519_key_file: str = ""
    ed25519_key: str = field(default="", repr=False)

    @property
    def enabled(self) -> bool:
        return bool(self.domain)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The subscriber web service (`digest web`): its public address and its limits."""

    base_url: str = ""  # the address readers reach it at; empty: http://host:port below
    host: str = "127.0.0.1"  # where `digest web` listens unless told otherwise
    port: int = 8080
    confirm_hours: float = 48.0  # how long a confirmation link works
    preferences_days: float = 30.0  # how long a preferences link works
    client_limit: int = 20  # subscribe requests per client address per hour
    address_limit: int = 3  # confirmation messages per address per hour
    confirmation_limit: int = 500  # confirmation messages per hour in all: the form is no mail relay

    @property
    def public_url(self) -> str:
        """The service's address as links carry it, without a trailing slash."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def configured(self) -> bool:
        """A base_url is set: the operator means the service to run (`digest schedule` starts it)."""
        return bool(self.base_url)


DEFAULT_WEB = WebSettings()
# The web service's routes the lists' links default to, under its public address.
_UNSUBSCRIBE_ROUTE = "/unsubscribe?token={token}"
_VIEW_ROUTE = "/issues/{issue}"


@dataclass(frozen=True, slots=True)
class ListSettings:
    name: str
    title: str = ""
    sender: str = "Digest <digest@localhost>"
    reply_to: str = ""
    subject: str = ""  # empty: DEFAULT_SUBJECT in digest.mail.render
    sources: tuple[str, ...] = ()  # empty: every source; the order is the section order
    max_items: int = 20
    show_images: bool = False
    # {token} is the subscriber's unsubscribe token, {issue} the digest issue id. In a
    # config file both default to routes of the web service at [web] base_url.
    # Sent through an [smtp] host they must be on a host readers reach, the unsubscribe link https.
    unsubscribe_url: str = f"{DEFAULT_WEB.public_url}{_UNSUBSCRIBE_ROUTE}"
    unsubscribe_mailto: str = ""  # empty: unsubscribe@<sender domain>
    view_url: str = f"{DEFAULT_WEB.public_url}{_VIEW_ROUTE}"
    subscribers: str = ""  # a CSV imported once, while the list has no subscribers (the demo's)
    schedule: str = ""  # a cron expression for `digest schedule`; empty: not scheduled
    timezone: str = "UTC"  # the zone the schedule is read in, e.g. "Europe/London"
    # In every message's footer (CAN-SPAM); needed to send through an SMTP server.
    postal_address: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path | None = None
    store: StoreSettings = StoreSettings()
    smtp: SmtpSettings = SmtpSettings()
    fetch: FetchSettings = FetchSettings()
    summary: SummarySettings = SummarySettings()
    unsubscribe: UnsubscribeSettings = UnsubscribeSettings()
    delivery: DeliverySettings = DeliverySettings()
    web: WebSettings = WebSettings()
    dkim: DkimSettings = DkimSettings()
    sources: tuple[Source, ...] = ()
    lists: tuple[ListSettings, ...] = ()

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"unknown source {name!r}; configured: {', '.join(s.name for s in self.sources) or 'none'}")

    def list(self, name: str) -> ListSettings:
        for entry in self.lists:
            if entry.name == name:
                return entry
        raise ConfigError(f"unknown list {name!r}; configured: {', '.join(x.name for x in self.lists) or 'none'}")

    def sources_for(self, list_name: str) -> tuple[Source, ...]:
        """The list's sources in its own order (its `sources`, which is also the order of its
        sections), or every source in the config's order."""
        wanted = self.list(list_name).sources
        if not wanted:
            return self.sources
        by_name = {s.name: s for s in self.sources}
        return tuple(by_name[name] for name in wanted if name in by_name)


_SCALAR_SECTIONS: dict[str, type] = {
    "store": StoreSettings,
    "smtp": SmtpSettings,
    "fetch": FetchSettings,
    "summary": SummarySettings,
    "unsubscribe": UnsubscribeSettings,
    "delivery": DeliverySettings,
    "web": WebSettings,
    "dkim": DkimSettings,
}
_TABLE_SECTIONS = ("sources", "lists")

# Values that would make a run hang or do nothing (a per-host semaphore of 0, no
# attempt at all, a zero timeout) are refused here, naming the key.
_AT_LEAST = {
    "fetch.max_bytes": 1,
    "fetch.per_host": 1,
    "fetch.concurrency": 1,
    "summary.sentences": 1,
    "delivery.connections": 1,
    "delivery.batch": 1,
    "delivery.attempts": 1,
    "max_items": 1,
    "fetch.max_field_chars": 1000,
    "delivery.retry_delay": 0,
    "web.client_limit": 1,
    "web.address_limit": 1,
    "web.confirmation_limit": 1,
    "delivery.soft_bounce_limit": 1,
}
_AT_MOST = {
    "smtp.port": 65535,
    "web.port": 65535,
    "delivery.soft_bounce_days": 36_500,
    "delivery.retry_days": 36_500,
    "web.preferences_days": 36_500,
    "web.confirm_hours": 876_000,
}
_NUMBER_MAX = 1_000_000_000
_POSITIVE = {
    "smtp.timeout",
    "fetch.connect_timeout",
    "fetch.read_timeout",
    "fetch.total_timeout",
    "fetch.gather_timeout",
    "delivery.lease",
    "web.confirm_hours",
    "web.preferences_days",
    "delivery.soft_bounce_days",
    "delivery.retry_days",
}
# Fields the program sets, never the config file or a DIGEST_* variable.
_INTERNAL = {"dkim.key_origin"}
# Named in errors, never shown: a mistyped secret must not end up in a log.
_SECRETS = {"smtp.password", "unsubscribe.secret", "dkim.key", "dkim.ed25519_key"}
# A list's name goes into the List-Id and Message-ID headers and into issue ids.
_LIST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _did_you_mean(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_config(
    explicit: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    explicit_origin: str = "--config",
) -> Path:
    """The config file to use, following the documented lookup order. A ./digest.toml
    that is there but cannot be read (a folder, a broken link, no permission) is an
    error, never a reason to run the demo instead. `explicit_origin` names where
    `explicit` came from in errors."""
    environ = environ or {}
    if not explicit and "DIGEST_CONFIG" in environ and not environ["DIGEST_CONFIG"].strip():
        # A variable set from one left unset ("DIGEST_CONFIG=$CONFIG"): never a reason to run the demo.
        raise ConfigError("DIGEST_CONFIG is empty: set it to the config file's path, or unset it")
    for candidate, origin in ((explicit, explicit_origin), (environ.get("DIGEST_CONFIG"), "DIGEST_CONFIG")):
        if candidate:
            path = Path(candidate).expanduser()
            _check_config_file(path, origin=f" (from {origin})")
            return path
    local = Path("digest.toml")
    if not os.path.lexists(local):
        return DEMO_CONFIG
    _check_config_file(local, origin="")
    return local


def _check_config_file(path: Path, *, origin: str) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ENOENT and os.path.lexists(path):
            raise ConfigError(f"config file {path}{origin}: is a broken symbolic link (to {path.readlink()})") from None
        if exc.errno == errno.ENOENT:
            raise ConfigError(f"config file not found: {path}{origin}") from None
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"config file {path}{origin}: is a loop of symbolic links") from None
        raise ConfigError(f"config file {path}{origin}: {(exc.strerror or str(exc)).lower()}") from None
    if stat.S_ISDIR(mode):
        raise ConfigError(f"config file {path}{origin}: is a directory")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):  # a pipe: --config <(...), /dev/stdin
        raise ConfigError(f"config file {path}{origin}: is not a regular file")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"config file {path}{origin}: permission denied")


def load_settings(explicit: str | Path | None = None, *, environ: Mapping[str, str] | None = None) -> Settings:
    path = find_config(explicit, environ=environ)
    try:
        # utf-8-sig: an editor's byte-order mark is not TOML's ("Invalid statement" at 1:1).
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text (save the file as UTF-8)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    # The embedded demo is read-only where it is installed: its store and Maildir live in
    # the current folder. Any other file's relative paths follow the file.
    data_dir = Path.cwd() if path == DEMO_CONFIG else path.parent
    return parse_settings(raw, base_dir=path.parent, data_dir=data_dir, path=path, environ=environ or {})


def parse_settings(
    raw: Mapping[str, Any],
    *,
    base_dir: Path,
    data_dir: Path | None = None,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate a parsed TOML mapping; every message names the offending key.

    Relative paths in the file resolve from ``base_dir`` (sources, subscribers) and
    ``data_dir`` (the SQLite store, the Maildir and the outcome journal; default ``base_dir``); relative
    paths from the environment resolve from the current folder."""
    known_sections = [*_SCALAR_SECTIONS, *_TABLE_SECTIONS]
    unknown = set(raw) - set(known_sections)
    if unknown:
        first = sorted(unknown)[0]
        raise ConfigError(
            f"unknown section [{first}]{_did_you_mean(first, known_sections)}; known: {', '.join(known_sections)}"
        )
    overrides = _environment_overrides(environ or {})
    try:
        return _parse(raw, base_dir=base_dir, data_dir=data_dir or base_dir, path=path, overrides=overrides)
    except ConfigError as exc:
        raise _from_environment(exc, overrides) from None


def _from_environment(error: ConfigError, overrides: Mapping[str, Mapping[str, str]]) -> ConfigError:
    """`error`, naming the DIGEST_* variable when the key it is about was set by one: the
    file may hold a good value for that key."""
    message = str(error)
    for section, values in overrides.items():
        for key in values:
            if message.startswith(f"{section}.{key}:"):
                return ConfigError(f"{message} (from DIGEST_{section.upper()}_{key.upper()})")
    return error


def _parse(
    raw: Mapping[str, Any],
    *,
    base_dir: Path,
    data_dir: Path,
    path: Path | None,
    overrides: Mapping[str, Mapping[str, str]],
) -> Settings:
    scalars = {}
    for section, cls in _SCALAR_SECTIONS.items():
        table = _table(raw.get(section, {}), section)
        scalars[section] = _build(cls, section, {**table, **overrides.get(section, {})})
    store_from = Path.cwd() if "url" in overrides.get("store", {}) else data_dir
    if not scalars["store"].url.strip():
        where = "DIGEST_STORE_URL" if "url" in overrides.get("store", {}) else "store.url"
        raise ConfigError(f"{where} is empty: set it to the store's URL (sqlite:///digest.db, postgresql://…)")
    scalars["store"] = replace(scalars["store"], url=_absolute_sqlite(scalars["store"].url, store_from))
    delivery_folders = {}
    for key in ("maildir", "journal"):
        folder_from = Path.cwd() if key in overrides.get("delivery", {}) else data_dir
        delivery_folders[key] = str((folder_from / Path(getattr(scalars["delivery"], key)).expanduser()).resolve())
    scalars["delivery"] = replace(scalars["delivery"], **delivery_folders)
    smtp = scalars["smtp"]
    if smtp.security not in SECURITY_MODES:
        raise ConfigError(f"smtp.security: expected one of {', '.join(SECURITY_MODES)}, got {smtp.security!r}")
    _check_smtp_host(smtp.host)
    if algorithm_problem := unknown_algorithm(scalars["summary"].algorithm):
        raise ConfigError(f"summary.algorithm: {algorithm_problem}")
    if problem := store_url_problem(scalars["store"].url):
        raise ConfigError(f"store.url: {problem}")
    _check_base_url(scalars["web"].base_url)
    _check_bounce_address(scalars["delivery"].bounce_address)
    scalars["dkim"] = _dkim(scalars["dkim"], base_dir=base_dir, overrides=overrides.get("dkim", {}))
    sources = tuple(_source(name, table, base_dir) for name, table in _table(raw.get("sources", {}), "sources").items())
    names = {s.name for s in sources}
    web_url = scalars["web"].public_url
    lists = tuple(
        _list(name, table, names, base_dir, web_url=web_url)
        for name, table in _table(raw.get("lists", {}), "lists").items()
    )
    if smtp.host:  # beyond the local capture server: mail that must say where the sender is
        for entry in lists:
            if not entry.postal_address.strip():
                raise ConfigError(
                    f"lists.{entry.name}.postal_address: required when sending through an SMTP server (CAN-SPAM)"
                )
        for entry in lists:
            _check_reader_links(entry, scalars["web"])
    return Settings(path=path, sources=sources, lists=lists, **scalars)


# A host name, an IPv4 address or an IPv6 one (bracketed or not): no scheme, user or path.
_SMTP_HOST = re.compile(r"[A-Za-z0-9._-]+|\[?[0-9A-Fa-f:.]+(?:%\w+)?\]?")


def _check_smtp_host(host: str) -> None:
    if host and not _SMTP_HOST.fullmatch(host.strip()):
        # Not shown: a value such as smtp://user:password@host holds a secret.
        shown = "a URL" if "://" in host or "@" in host else repr(host[:60])
        raise ConfigError(f"smtp.host: expected a host name or IP address (the port goes in smtp.port), got {shown}")


# sqlite:///relative.db (three slashes and no fourth); not :memory: or a file: URI.
_RELATIVE_SQLITE = re.compile(r"(sqlite(?:\+\w+)?:///)(?!/|:memory:|file:)([^?]+)(\?.*)?", re.DOTALL)


def _absolute_sqlite(url: str, folder: Path) -> str:
    """A SQLite URL whose relative database path is made absolute from ``folder``."""
    match = _RELATIVE_SQLITE.fullmatch(url)
    if not match:
        return url
    prefix, database, query = match.groups()
    path = (folder / Path(unquote(database)).expanduser()).resolve()
    # Only what would end or change the path is escaped ("?", "#", "%"): the rest stays the
    # str Python made of the name's bytes, which SQLite gets back as those bytes. Escaping
    # it all would turn "é" read in an ASCII locale, or a name in Latin-1 bytes, into UTF-8.
    return f"{prefix}{str(path).translate(_URL_ESCAPES)}{query or ''}"


_URL_ESCAPES = str.maketrans({"%": "%25", "?": "%3F", "#": "%23"})


def _environment_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for key, value in environ.items():
        if not key.startswith("DIGEST_") or key == "DIGEST_CONFIG":
            continue
        rest = key[len("DIGEST_") :].lower()
        section, _, name = rest.partition("_")
        if section not in _SCALAR_SECTIONS:
            continue  # not ours to judge: other tools may share the prefix
        settable = _settable(section, _SCALAR_SECTIONS[section])
        if name not in settable:
            close = difflib.get_close_matches(name, list(settable), n=1, cutoff=0.6)
            hint = f" (did you mean DIGEST_{section.upper()}_{close[0].upper()}?)" if close else ""
            raise ConfigError(f"{key}: unknown key {section}.{name}{hint}")
        out.setdefault(section, {})[name] = value
    return out


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _settable(section: str, cls: type) -> dict[str, Any]:
    """The section's keys a config may set, with their fields."""
    return {f.name: f for f in fields(cls) if f"{section}.{f.name}" not in _INTERNAL}


def _build(cls: type, section: str, table: Mapping[str, Any]):
    known = _settable(section, cls)
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{section}.{key}: unknown key{_did_you_mean(key, known)}; known: {', '.join(known)}")
        values[key] = _checked(_coerce(value, known[key].default, f"{section}.{key}"), f"{section}.{key}")
    return cls(**values)


def _checked(value: Any, where: str) -> Any:
    rule = where if where in _AT_LEAST or where in _AT_MOST or where in _POSITIVE else where.rsplit(".", 1)[-1]
    if rule in _AT_LEAST and value < _AT_LEAST[rule]:
        raise ConfigError(f"{where}: must be at least {_AT_LEAST[rule]}, got {value!r}")
    if rule in _AT_MOST and value > _AT_MOST[rule]:
        raise ConfigError(f"{where}: must be at most {_AT_MOST[rule]}, got {value!r}")
    if rule in _POSITIVE and value <= 0:
        raise ConfigError(f"{where}: must be more than 0, got {value!r}")
    return value


def _coerce(value: Any, default: Any, where: str) -> Any:
    """Coerce to the type of the default; environment strings become numbers here."""
    kind = type(default)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
        raise ConfigError(f"{where}: expected true or false, got {_as_written(value)}")
    if kind in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: expected a number, got {_as_written(value)}")
        try:
            number = kind(value) if not (kind is int and isinstance(value, float)) else None
        except (TypeError, ValueError):
            number = None
        if number is None:
            label = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{where}: expected {label}, got {_as_written(value)}")
        if not math.isfinite(number):  # float("nan") and float("inf") parse, but no setting means them
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        if number > _NUMBER_MAX:  # past any sensible setting, and past what a timedelta holds
            raise ConfigError(f"{where}: must be at most {_NUMBER_MAX:,}, got {value!r}")
        if number < 0:
            raise ConfigError(f"{where}: must not be negative, got {value!r}")
        return number
    if kind is str:
        if not isinstance(value, str):
            shown = _kind(value) if where in _SECRETS else _as_written(value)
            raise ConfigError(f"{where}: expected a string, got {shown}")
        return value
    return value


def _as_written(value: Any) -> str:
    """A TOML value as an error shows it: a date or time as the file writes it (2026-01-01),
    not as Python's repr (datetime.date(2026, 1, 1)); anything else as its repr."""
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    return repr(value)


def _kind(value: Any) -> str:
    """What a TOML value is, in words, without the value (a secret's)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    kinds = {list: "a list", dict: "a table"}
    return next((words for kind, words in kinds.items() if isinstance(value, kind)), "a date or time")


def _source(name: str, table: Any, base_dir: Path) -> Source:
    where = f"sources.{name}"
    table = _table(table, where)
    kinds = [k for k in SourceKind if k.value in table]
    allowed = {*(k.value for k in kinds), "title", "max_items"}
    for key in table:
        if key not in allowed:
            options = sorted({*allowed, *(k.value for k in SourceKind)} if not kinds else allowed)
            raise ConfigError(f"{where}.{key}: unknown key{_did_you_mean(key, options)}; known: {', '.join(options)}")
    if len(kinds) != 1:
        raise ConfigError(f"{where}: needs exactly one of feed, page or path")
    kind = kinds[0]
    location = _coerce(table[kind.value], "", f"{where}.{kind.value}")
    if kind is SourceKind.PAGE and not location.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.page: expected an http(s) URL, got {location!r}")
    if kind is SourceKind.PATH and "://" in location:
        raise ConfigError(f"{where}.path: expected a local file or folder, got {location!r}")
    if "://" in location and not location.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.{kind.value}: only http(s) URLs or local paths, got {location!r}")
    if "://" in location and (problem := http_url_problem(location)):
        raise ConfigError(f"{where}.{kind.value}: {redact_url(location)}: {problem}")
    if "://" not in location:  # a local path, relative to the config file
        location = str((base_dir / Path(location).expanduser()).resolve())
    max_items = _checked(_coerce(table.get("max_items", 50), 0, f"{where}.max_items"), f"{where}.max_items")
    title = _coerce(table.get("title", ""), "", f"{where}.title")
    return Source(name=name, kind=kind, location=location, title=title, max_items=max_items)


def _check_base_url(url: str) -> None:
    from urllib.parse import urlsplit

    if not url:
        return
    problem = http_url_problem(url)
    if problem is None:
        parts = urlsplit(url)
        if not (parts.query or parts.fragment or " " in url):
            return
    raise ConfigError(
        f"web.base_url: expected an http(s) URL with no query, such as https://news.example.org, got {url!r}"
        + (f" ({problem})" if problem else "")
    )


# The VERP token (digest.mail.verp) takes up to 38 characters after the "+".
_VERP_ROOM = 64 - 1 - 38
_MAX_PATH_CHARS = 4096  # PATH_MAX on Linux: a longer "file name" is something else


def _check_bounce_address(address: str) -> None:
    if not address:
        return
    from digest.subscribers import is_envelope_address

    local, _, domain = address.rpartition("@")
    if not (address.isascii() and is_envelope_address(address)) or "+" in local or not domain:
        raise ConfigError(
            f"delivery.bounce_address: expected a plain ASCII address without '+', such as "
            f"bounces@example.org, got {address!r}"
        )
    if len(local) > _VERP_ROOM:
        raise ConfigError(
            f"delivery.bounce_address: the part before @ may have at most {_VERP_ROOM} characters "
            f"(the signed token takes the rest of 64), got {len(local)}"
        )


def _dkim(dkim: DkimSettings, *, base_dir: Path, overrides: Mapping[str, str]) -> DkimSettings:
    """Checked names, and key files made absolute (from the config's folder, or the current
    folder for a path given in the environment). The key itself is read when signing."""
    from digest.mail.dkim import check_name

    values: dict[str, str] = {}
    for key in ("key_file", "ed25519_key_file"):
        path = getattr(dkim, key)
        if "-----BEGIN" in path or "\n" in path or len(path) > _MAX_PATH_CHARS:
            # A key pasted where its file's name goes: never echoed, it is the secret.
            env = "DIGEST_DKIM_KEY" if key == "key_file" else "DIGEST_DKIM_ED25519_KEY"
            raise ConfigError(f"dkim.{key}: holds a key, not a file name; give the key itself in {env}")
        if path:
            folder = Path.cwd() if key in overrides else base_dir
            values[key] = str((folder / Path(path).expanduser()).resolve())
    if dkim.domain:
        values["domain"] = check_name(dkim.domain, where="dkim.domain", dotted=True)
        if not dkim.selector:
            raise ConfigError(
                "dkim.selector: needed with dkim.domain (the key's DNS name is SELECTOR._domainkey.DOMAIN)"
            )
        values["selector"] = check_name(dkim.selector, where="dkim.selector", dotted=False)
        if dkim.ed25519_selector:
            values["ed25519_selector"] = check_name(dkim.ed25519_selector, where="dkim.ed25519_selector", dotted=False)
            if values["ed25519_selector"] == values["selector"]:
                raise ConfigError("dkim.ed25519_selector: must differ from dkim.selector (each key has its own record)")
        elif dkim.ed25519_key_file or dkim.ed25519_key:
            raise ConfigError("dkim.ed25519_selector: needed with an Ed25519 key (its own DNS record)")
    elif dkim.selector or dkim.key_file or dkim.ed25519_selector or dkim.ed25519_key_file:
        raise ConfigError("dkim.domain: needed to sign (the d= of the signature, e.g. example.org)")
    return replace(dkim, **values)


def _list(name: str, table: Any, source_names: set[str], base_dir: Path, *, web_url: str) -> ListSettings:
    if not _LIST_NAME.fullmatch(name):
        raise ConfigError(f"lists.{name!r}: a list name is letters, digits, '.', '_' and '-' (up to 100)")
    where = f"lists.{name}"
    table = dict(_table(table, where))
    if "from" in table:
        table["sender"] = table.pop("from")
    raw_sources = table.pop("sources", [])
    if not isinstance(raw_sources, list) or not all(isinstance(s, str) for s in raw_sources):
        raise ConfigError(f"{where}.sources: expected a list of source names")
    for source in raw_sources:
        if source not in source_names:
            raise ConfigError(f"{where}.sources: unknown source {source!r}")
    known = {f.name for f in fields(ListSettings)} - {"name", "sources"}
    values = {}
    for key, value in table.items():
        if key not in known:
            label = "from" if key == "sender" else key
            options = ["from", *sorted(known - {"sender"}), "sources"]
            raise ConfigError(
                f"{where}.{label}: unknown key{_did_you_mean(label, options)}; known: {', '.join(options)}"
            )
        default = getattr(ListSettings(name=name), key)
        label = f"{where}.{'from' if key == 'sender' else key}"
        values[key] = _checked(_coerce(value, default, label), label)
    if values.get("subscribers"):
        values["subscribers"] = str((base_dir / Path(values["subscribers"]).expanduser()).resolve())
    # Links the email carries go to the web service unless the list names other ones.
    values.setdefault("unsubscribe_url", f"{web_url}{_UNSUBSCRIBE_ROUTE}")
    values.setdefault("view_url", f"{web_url}{_VIEW_ROUTE}")
    _check_schedule(values.get("schedule", ""), values.get("timezone", "UTC"), where)
    _check_subject(values.get("subject", ""), f"{where}.subject")
    _check_link_template(values["unsubscribe_url"], f"{where}.unsubscribe_url", required="{token}")
    _check_link_template(values["view_url"], f"{where}.view_url")
    _check_mailto(values.get("unsubscribe_mailto", ""), f"{where}.unsubscribe_mailto")
    for key, label in (("sender", "from"), ("reply_to", "reply_to")):
        if values.get(key):
            _check_mailbox(values[key], f"{where}.{label}")
    return ListSettings(name=name, sources=tuple(raw_sources), **values)


# The fields a subject template may name (digest.mail.render.make_subject fills them in),
# with values of their kinds: a template is tried on them when the config is read.
SUBJECT_FIELDS = {
    "list": "List",
    "date": "1 Dec 2026",
    "top": "Headline",
    "count": 3,
    "others": 2,
    "more": " (+2 more)",
}


def subject_problem(template: str) -> str:
    """Why `template` cannot be a subject ("" when it can)."""
    try:
        template.format_map(SUBJECT_FIELDS)
    except KeyError as exc:
        problem = f"unknown field {{{exc.args[0]}}} in {template!r}"
    except (IndexError, ValueError, AttributeError, TypeError) as exc:
        problem = f"{template!r}: {' '.join(str(exc).split())}"
    else:
        return ""
    return f"{problem}; use {', '.join(f'{{{name}}}' for name in SUBJECT_FIELDS)}"


def _check_subject(template: str, where: str) -> None:
    if template and (problem := subject_problem(template)):
        raise ConfigError(f"{where}: {problem}")


# A link each message carries, before its token: a header line (List-Unsubscribe) holds
# at most 998 characters, and a URL cannot be folded.
_LINK_TEMPLATE_MAX = 800


def _check_link_template(value: str, where: str, *, required: str = "") -> None:
    """A link template: an http(s) URL, with the placeholder each message fills in (`required`)."""
    if not value:
        return  # "": no such link in the messages
    scheme = value.split(":", 1)[0].lower()
    if scheme not in ("http", "https") or any(c.isspace() or c in '<>"' for c in value):
        raise ConfigError(f'{where}: expected an http(s) URL without spaces or <, >, " (got {value[:80]!r})')
    if len(value) > _LINK_TEMPLATE_MAX:
        raise ConfigError(f"{where}: {len(value)} characters; at most {_LINK_TEMPLATE_MAX} fit a message header")
    if required and required not in value:
        raise ConfigError(
            f"{where}: no {required} in {value[:80]!r}: every reader would get the same link, which unsubscribes"
            f" nobody (the web service's is /unsubscribe?token={required})"
        )
    if required and required not in value.partition("#")[0]:
        raise ConfigError(
            f"{where}: {required} only after the '#' in {value[:80]!r}: a browser or a mail client's one-click"
            f" request never sends that part, so the server would unsubscribe nobody (put it in the path or"
            f" the query, as in /unsubscribe?token={required})"
        )
    problem = http_url_problem(value.replace("{token}", "token").replace("{issue}", "issue"))
    if problem is not None:
        raise ConfigError(f"{where}: {value[:80]!r}: {problem}")


_MAILTO_SUBJECT = "unsubscribe {token}"


def _check_mailto(value: str, where: str) -> None:
    """A mailto: link as List-Unsubscribe carries it: 7-bit (a header without SMTPUTF8),
    short enough for the header's line, to one address."""
    from digest.subscribers import is_envelope_address

    if not value:
        return  # "": unsubscribe@ the sender's domain
    if not value.startswith("mailto:") or any(c.isspace() or c in '<>"' for c in value):
        raise ConfigError(f'{where}: expected a mailto: link without spaces or <, >, " (got {value[:80]!r})')
    if not value.isascii():
        raise ConfigError(
            f"{where}: not ASCII (percent-encode it, as in mailto:d%C3%A9sinscription@example.org), got {value[:80]!r}"
        )
    if len(value) > _LINK_TEMPLATE_MAX:
        raise ConfigError(f"{where}: {len(value)} characters; at most {_LINK_TEMPLATE_MAX} fit a message header")
    address, _, query = value.removeprefix("mailto:").partition("?")
    if not is_envelope_address(unquote(address)):
        raise ConfigError(
            f"{where}: expected one address, as in mailto:unsubscribe@example.org?subject=unsubscribe (got {value[:80]!r})"
        )
    # `digest bounces` (process or listen) knows a reader's unsubscribe mail by the token
    # in its subject; RFC 6068 reads no '+' as a space, so unquote, not unquote_plus.
    subjects = [
        unquote(v) for k, _, v in (p.partition("=") for p in query.split("&")) if unquote(k).lower() == "subject"
    ]
    if [" ".join(s.split()).lower() for s in subjects] != [_MAILTO_SUBJECT]:
        raise ConfigError(
            f"{where}: expected the subject {_MAILTO_SUBJECT!r}, as in mailto:unsubscribe@example.org?subject="
            f"unsubscribe%20{{token}} (got {value[:80]!r}): `digest bounces` finds the reader by that token, and"
            " without it a reader's mail unsubscribes nobody"
        )


def _check_reader_links(entry: ListSettings, web: WebSettings) -> None:
    """A list's links as mail beyond the capture server carries them: never to this
    machine, which no reader's browser reaches (a link that is only http, or on a private
    network, is the operator's call: `reader_link_warnings` names it at each send)."""
    from digest.urls import is_loopback_host

    for key, route in {"unsubscribe_url": _UNSUBSCRIBE_ROUTE, "view_url": _VIEW_ROUTE}.items():
        url = getattr(entry, key)
        if not url or not is_loopback_host(_hostname(url)):
            continue
        if url == f"{web.public_url}{route}":  # the list's default: the web service's route
            if not web.base_url:
                raise ConfigError(
                    f"web.base_url: required when sending through an SMTP server (the links of lists.{entry.name} "
                    f"would go to {web.public_url}, which readers cannot reach)"
                )
            where, shown = "web.base_url", web.base_url
        else:
            where, shown = f"lists.{entry.name}.{key}", url[:80]
        raise ConfigError(
            f"{where}: {shown} is on this machine, which readers of mail sent through an SMTP server cannot reach"
        )


def reader_link_warnings(entry: ListSettings) -> list[str]:
    """What may keep readers from a list's links: an unsubscribe link that is not https
    (RFC 8058 one-click, which Gmail and Yahoo want of bulk mail, needs it), a link on a
    private network (only readers on it can follow it)."""
    from digest.urls import is_public_host

    warnings = []
    if entry.unsubscribe_url and not entry.unsubscribe_url.lower().startswith("https:"):
        warnings.append(
            f"list {entry.name}: its unsubscribe link {entry.unsubscribe_url[:80]} is not https, so mail carries no "
            "one-click unsubscribe (RFC 8058), which large mailbox providers want of bulk mail"
        )
    for key in ("unsubscribe_url", "view_url"):
        url = getattr(entry, key)
        if url and not is_public_host(_hostname(url)):
            warnings.append(
                f"list {entry.name}: its {key} {url[:80]} is on a private or local network: only readers on it "
                "can follow it"
            )
    return warnings


def _hostname(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # an unclosed IPv6 bracket
        return ""


def _check_mailbox(value: str, where: str) -> None:
    """`Name <address>` or a bare address, as a message's From or Reply-To can carry it."""
    from digest.subscribers import is_envelope_address, mailbox_parts

    address = (mailbox_parts(value) or ("", ""))[1]  # as the message reads it
    if not (address.isascii() and is_envelope_address(address)):
        hint = "; an internationalised domain goes in its xn-- form" if not address.isascii() else ""
        raise ConfigError(f"{where}: no email address in {value[:80]!r} (expected Name <name@example.org>{hint})")


# Cron forms beyond the common five fields (seconds, last day, nth weekday...) that the
# scheduler (Prefect's) and the status's next run (cronsim) do not read alike.
_CRON_EXTENSION = re.compile(r"#|\?|(?<![A-Z])L(?![A-Z])|LW|\dW")


def plain_cron(schedule: str) -> bool:
    """Five fields, none of the extensions (L, W, #, ?) the scheduler and cronsim read apart."""
    fields = schedule.split()
    return len(fields) == 5 and not any(_CRON_EXTENSION.search(f.upper()) for f in fields)


def _check_schedule(schedule: str, timezone: str, where: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones
        raise ConfigError(
            f"{where}.timezone: unknown time zone {timezone!r} (an IANA name such as 'Europe/London')"
        ) from None
    if schedule:
        from cronsim import CronSim, CronSimError

        if not plain_cron(schedule):
            raise ConfigError(
                f"{where}.schedule: not a cron expression of five fields (minute hour day month weekday;"
                f" L, W, # and ? are read otherwise by the scheduler): {schedule!r}"
            )
        try:
            CronSim(schedule, datetime.now(zone))
        except CronSimError as exc:
            raise ConfigError(f"{where}.schedule: not a cron expression ({exc}): {schedule!r}") from None
