"""The use cases: everything the CLI, the flows and the web service do, as plain
functions that take settings and a store and return result objects. Nothing here
prints; nothing else orchestrates."""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Each name loads its module on first use: the commands that only touch readers do not
# pay for the renderer, the fetcher or the summariser.
_EXPORTS = {
    "Draft": "content",
    "DryRun": "sending",
    "Imported": "readers",
    "IssueState": "overview",
    "ListState": "overview",
    "ProofSent": "sending",
    "SendPlan": "sending",
    "SendResult": "sending",
    "SmtpTarget": "sending",
    "SummaryNote": "issues",
    "Unsubscribed": "readers",
    "add_subscriber": "readers",
    "check_smtp": "sending",
    "compose_issue": "issues",
    "draft_digest": "content",
    "dry_run": "sending",
    "finish_issue": "sending",
    "gather_sources": "content",
    "import_subscribers": "readers",
    "next_digest": "issues",
    "pending_articles": "issues",
    "plan_send": "sending",
    "prepare_issue": "issues",
    "unfinished_issue": "issues",
    "raw_article": "content",
    "read_source": "content",
    "recipient_factory": "issues",
    "remove_subscriber": "readers",
    "render_for_list": "issues",
    "seed_subscribers": "issues",
    "send_list": "sending",
    "send_proof": "sending",
    "send_range": "sending",
    "signing_secret": "issues",
    "smtp_target": "sending",
    "sources_failed_since": "overview",
    "status": "overview",
    "subscribers": "readers",
    "summarize_all": "issues",
    "summarize_pending": "issues",
    "unsubscribe_by_token": "readers",
    "unsubscribe_subscriber": "readers",
    "view_url": "issues",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - built from the table above


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'digest.app' has no attribute {name!r}")
    value = getattr(import_module(f"digest.app.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
