"""Summaries to one Digest for a list and a day: grouped, ordered, capped."""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Protocol, TypeVar

from digest.identity import article_key, stored_key
from digest.models import Article, Digest, DigestItem, Source, Summary

_OLDEST = datetime.min.replace(tzinfo=UTC)


def compose(
    summaries: Sequence[Summary],
    *,
    list_name: str,
    title: str,
    day: date,
    sources: Sequence[Source] = (),
    max_items: int = 20,
    show_images: bool = False,
    unsent: int | None = None,
) -> Digest:
    """Keep the newest `max_items`, taken from each section in turn so that one busy
    source cannot crowd out the others; order them by section (the order of `sources`;
    unknown sources last, by name), then newest first. `more` counts what was left out:
    of `unsent`, the articles waiting in all, when given, else of `summaries`. Nothing
    new gives an empty digest: the caller decides whether to send it."""
    order = {source.name: index for index, source in enumerate(sources)}
    labels = {source.name: source.label for source in sources}
    unique = _dedupe(summaries)
    kept = sorted(
        newest_by_turns(unique, max(0, max_items)),
        key=lambda s: (order.get(s.article.source, len(order)), s.article.source, *_recency(s)),
    )
    waiting = len(unique) if unsent is None else max(unsent, len(unique))
    items = tuple(
        DigestItem(
            article=s.article if show_images else replace(s.article, image=None),
            sentences=s.sentences,
            source_label=labels.get(s.article.source) or s.article.source,
        )
        for s in kept
    )
    return Digest(
        issue_id=issue_id(list_name, day, [article_key(s.article) for s in kept]),
        list_name=list_name,
        title=title or list_name,
        day=day,
        items=items,
        more=waiting - len(kept),
    )


def issue_id(list_name: str, day: date, keys: Sequence[str]) -> str:
    """Stable for the same list, day and articles (their keys, or URLs), so composing
    again after a crash gives the same issue and its delivery ledger carries on."""
    digest = hashlib.sha256("\n".join(stored_key(k) for k in keys).encode()).hexdigest()[:10]
    return f"{list_name}-{day:%Y%m%d}-{digest}"


class _Carrying(Protocol):
    @property
    def article(self) -> Article: ...


Carrying = TypeVar("Carrying", bound=_Carrying)


def _recency(item: _Carrying) -> tuple[float, str]:
    return -(item.article.published or _OLDEST).timestamp(), item.article.title


def newest_by_turns(items: Sequence[Carrying], count: int) -> list[Carrying]:
    """Up to `count` of `items` (summaries, stored articles), the newest of each section
    (its article's source) in turn: one busy source cannot crowd out the others."""
    sections: dict[str, deque[Carrying]] = {}
    for item in sorted(items, key=_recency):
        sections.setdefault(item.article.source, deque()).append(item)
    kept: list[Carrying] = []
    while len(kept) < count and sections:
        for source, queue in list(sections.items()):
            if len(kept) < count:
                kept.append(queue.popleft())
            if not queue:
                del sections[source]
    return kept


def _dedupe(summaries: Sequence[Summary]) -> list[Summary]:
    seen: set[str] = set()
    unique = []
    for summary in summaries:
        key = article_key(summary.article)
        if key not in seen:
            seen.add(key)
            unique.append(summary)
    return unique
