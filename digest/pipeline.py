"""The next digest of a list, from what the store holds: summarise the unsent
articles, compose them, render once. Used by `digest run`, the preview and the flows."""

from __future__ import annotations

import logging
from datetime import date

from digest.compose import compose
from digest.config import ListSettings, Settings
from digest.models import Digest, RenderedDigest, Summary
from digest.render import render_digest
from digest.store import Store, StoredArticle
from digest.summarize import resolve_algorithm, summarize

log = logging.getLogger(__name__)

# Summarising more than the cap would show is wasted work; a little slack lets
# compose count what it leaves out without summarising all of it.
_SLACK = 200


def pending_articles(settings: Settings, list_settings: ListSettings, *, store: Store) -> list[StoredArticle]:
    sources = [s.name for s in settings.sources_for(list_settings.name)]
    return store.unsent_articles(list_settings.name, sources=sources, limit=list_settings.max_items + _SLACK)


def summarize_all(stored: list[StoredArticle], settings: Settings) -> list[Summary]:
    options = settings.summary
    algorithm = resolve_algorithm(options.algorithm)
    return [
        summarize(s.article, sentences=options.sentences, algorithm=algorithm, language=options.language)
        for s in stored
    ]


def next_digest(settings: Settings, list_settings: ListSettings, *, store: Store, day: date) -> Digest:
    stored = pending_articles(settings, list_settings, store=store)
    return compose(
        summarize_all(stored, settings),
        list_name=list_settings.name,
        title=list_settings.title,
        day=day,
        sources=settings.sources_for(list_settings.name),
        max_items=list_settings.max_items,
        show_images=list_settings.show_images,
    )


def render_for_list(digest: Digest, list_settings: ListSettings) -> RenderedDigest:
    return render_digest(digest, subject_template=list_settings.subject)
