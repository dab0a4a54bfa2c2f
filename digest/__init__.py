"""digest: gather articles, extract and summarise them, render one email digest and
send it to every reader of a list exactly once.

The public API is the names below; each loads its module on first use, so `import
digest` stays cheap (sumy, SQLAlchemy and httpx load only when asked for). The use
cases the CLI, the flows and the web service call are in `digest.app`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    # ground
    "Settings": "digest.config",
    "load_settings": "digest.config",
    "Article": "digest.models",
    "DeliveryResult": "digest.models",
    "DeliveryStatus": "digest.models",
    "Digest": "digest.models",
    "DigestItem": "digest.models",
    "OutgoingMessage": "digest.models",
    "Page": "digest.models",
    "RenderedDigest": "digest.models",
    "Source": "digest.models",
    "SourceKind": "digest.models",
    "Subscriber": "digest.models",
    "SubscriberStatus": "digest.models",
    "Summary": "digest.models",
    "ConfigError": "digest.errors",
    "DeliveryError": "digest.errors",
    "DigestError": "digest.errors",
    "ExtractError": "digest.errors",
    "FeedError": "digest.errors",
    "FetchError": "digest.errors",
    "SourceError": "digest.errors",
    "StoreError": "digest.errors",
    "SubscriberError": "digest.errors",
    "TokenError": "digest.errors",
    "UnknownAlgorithm": "digest.errors",
    # stages, in the order data flows; gather() and summarize() are reached through their
    # packages (digest.gather.sources, digest.summarize.algorithms), since at the top
    # `digest.gather` and `digest.summarize` name those packages
    "make_client": "digest.gather.fetch",
    "parse_feed": "digest.gather.feeds",
    "extract_article": "digest.extract.article",
    "summarize_text": "digest.summarize.algorithms",
    "compose": "digest.mail.compose",
    "render_digest": "digest.mail.render",
    "MessageFactory": "digest.mail.message",
    "Sender": "digest.delivery.pool",
    "SmtpPool": "digest.delivery.pool",
    "DeliveryOptions": "digest.delivery.send",
    "DeliveryReport": "digest.delivery.send",
    "deliver_issue": "digest.delivery.send",
    "Store": "digest.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'digest' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from digest.config import Settings, load_settings
    from digest.delivery.pool import Sender, SmtpPool
    from digest.delivery.send import DeliveryOptions, DeliveryReport, deliver_issue
    from digest.errors import (
        ConfigError,
        DeliveryError,
        DigestError,
        ExtractError,
        FeedError,
        FetchError,
        SourceError,
        StoreError,
        SubscriberError,
        TokenError,
        UnknownAlgorithm,
    )
    from digest.extract.article import extract_article
    from digest.gather.feeds import parse_feed
    from digest.gather.fetch import make_client
    from digest.mail.compose import compose
    from digest.mail.message import MessageFactory
    from digest.mail.render import render_digest
    from digest.models import (
        Article,
        DeliveryResult,
        DeliveryStatus,
        Digest,
        DigestItem,
        OutgoingMessage,
        Page,
        RenderedDigest,
        Source,
        SourceKind,
        Subscriber,
        SubscriberStatus,
        Summary,
    )
    from digest.store import Store
    from digest.summarize.algorithms import summarize_text
