"""When two articles are the same story: the key an article is stored and sent under.

An article with a link is its canonical URL (`canonical_url`); the same page over http
and https is one story, so a key's other-scheme twin is looked up too. An article
without a link (a feed item with only a GUID or nothing at all) is its content: the
hash of its title and body, so two link-less stories never share a key.
"""

from __future__ import annotations

import hashlib
import re

from digest.models import Article
from digest.urls import canonical_url

CONTENT_KEY = "content:"
_SCHEMES = ("http://", "https://")


def content_hash(article: Article) -> str:
    """Hash of the normalised title and body, so re-published copies at another URL match."""
    text = "\n".join((article.title, *article.paragraphs))
    normalised = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def title_key(title: str) -> str:
    """A headline as two items compare it: white space and case aside."""
    return re.sub(r"\s+", " ", title).strip().casefold()


def article_key(article: Article) -> str:
    return canonical_url(article.url) if article.url.strip() else CONTENT_KEY + content_hash(article)


def stored_key(value: str) -> str:
    """The key of a URL, or a key as it is (what an issue's article list holds)."""
    return value if value.startswith(CONTENT_KEY) else canonical_url(value)


def key_twins(key: str) -> tuple[str, ...]:
    """The key, and for a web page its twin under the other scheme."""
    for scheme, other in zip(_SCHEMES, reversed(_SCHEMES), strict=True):
        if key.startswith(scheme):
            return key, other + key[len(scheme) :]
    return (key,)
