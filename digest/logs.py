"""Log lines for people (the default) or for machines (one JSON object per line), with the
ids of the work in hand, and never a secret from a URL.

The ids come from the context (`log_context(run=..., list=..., issue=...)`, which a face
sets around the work it asks of a use case), from the record's own `extra=` (keys `run`,
`list`, `issue`), and from Prefect's run loggers, whose records carry `flow_run_id` and
`task_run_id`. A JSON line holds `time` (ISO 8601, UTC), `level`, `logger` and `message`,
then whichever of `run_id`, `list`, `issue`, `flow_run_id`, `flow_run`, `task_run_id`,
`task_run` and `exception` are known; a human line is `LEVEL logger: message`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from digest.urls import redact_urls as redact

FORMATS = ("human", "json")


_EMPTY: Mapping[str, str] = MappingProxyType({})
_ids: ContextVar[Mapping[str, str]] = ContextVar("digest_log_ids", default=_EMPTY)

# (record attribute, JSON key): the context's ids first, then what Prefect's run loggers add.
_CONTEXT_KEYS = (("run", "run_id"), ("list", "list"), ("issue", "issue"))
_PREFECT_KEYS = (
    ("flow_run_id", "flow_run_id"),
    ("flow_run_name", "flow_run"),
    ("task_run_id", "task_run_id"),
    ("task_run_name", "task_run"),
)


@contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Every record logged inside carries these ids (`run`, `list`, `issue`); None leaves
    an id out. Contexts nest: an inner one adds to (or replaces) the outer one's ids."""
    token = _ids.set(MappingProxyType({**_ids.get(), **{k: str(v) for k, v in ids.items() if v is not None}}))
    try:
        yield
    finally:
        _ids.reset(token)


def set_log_ids(**ids: str | None) -> None:
    """Set ids for the rest of this context (a process's run id, set once at start)."""
    _ids.set(MappingProxyType({**_ids.get(), **{k: str(v) for k, v in ids.items() if v is not None}}))


def current_ids() -> Mapping[str, str]:
    return _ids.get()


class HumanFormatter(logging.Formatter):
    """`LEVEL logger: message`, URLs redacted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line, URLs redacted.

    Takes (and ignores) the positional arguments `logging.config.dictConfig` passes a
    formatter class, so Prefect's logging config can name it (`class:`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        ids = _ids.get()
        for attribute, key in _CONTEXT_KEYS:
            value = getattr(record, attribute, None) or ids.get(attribute)
            if value:
                line[key] = str(value)
        for attribute, key in _PREFECT_KEYS:
            value = getattr(record, attribute, None)
            if value:
                line[key] = str(value)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}; use {' or '.join(FORMATS)}")
    return JsonFormatter() if log_format == "json" else HumanFormatter()


def prefect_logging_environment(log_format: str) -> dict[str, str]:
    """The PREFECT_LOGGING_* settings that make Prefect's own handlers (its console, its
    debug stream) write our lines, for a flow run in this process or a child of it.
    Prefect reads them when it is first imported; its run loggers otherwise propagate to
    the root logger, whose handler is ours."""
    if log_format != "json":
        return {}
    return {
        "PREFECT_LOGGING_FORMATTERS_JSON_CLASS": f"{JsonFormatter.__module__}.{JsonFormatter.__qualname__}",
        "PREFECT_LOGGING_HANDLERS_CONSOLE_FORMATTER": "json",
        "PREFECT_LOGGING_HANDLERS_DEBUG_FORMATTER": "json",
        "PREFECT_LOGGING_COLORS": "false",
    }
