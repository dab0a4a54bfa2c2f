"""The public API of `digest`: the exported names are pinned, each resolves, and
importing the package loads none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import digest

EXPORTED = [
    "Article",
    "ConfigError",
    "DeliveryError",
    "DeliveryOptions",
    "DeliveryReport",
    "DeliveryResult",
    "DeliveryStatus",
    "Digest",
    "DigestError",
    "DigestItem",
    "ExtractError",
    "FeedError",
    "FetchError",
    "MessageFactory",
    "OutgoingMessage",
    "Page",
    "RenderedDigest",
    "Sender",
    "Settings",
    "SmtpPool",
    "Source",
    "SourceError",
    "SourceKind",
    "Store",
    "StoreError",
    "Subscriber",
    "SubscriberError",
    "SubscriberStatus",
    "Summary",
    "TokenError",
    "UnknownAlgorithm",
    "compose",
    "deliver_issue",
    "extract_article",
    "load_settings",
    "make_client",
    "parse_feed",
    "render_digest",
    "summarize_text",
]


def test_exported_names_are_pinned():
    assert digest.__all__ == sorted(EXPORTED)


def test_every_exported_name_resolves():
    # The subpackages, once loaded, must not shadow an exported name.
    import digest.gather.sources
    import digest.summarize.algorithms

    for name in digest.__all__:
        value = getattr(digest, name)
        assert value is not None and getattr(value, "__name__", name) == name


def test_errors_share_one_root():
    for name in digest.__all__:
        value = getattr(digest, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, digest.DigestError)


def test_importing_the_package_is_cheap():
    code = (
        "import sys, digest; heavy = [m for m in ('sumy', 'nltk', 'sqlalchemy', 'httpx', 'prefect', 'trafilatura')"
        " if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
