"""Content use cases: gather the sources, read and extract single pages, and draft the
digest a preview shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.app.issues import issue_day, next_digest
from digest.config import DEMO_CONFIG, ListSettings, Settings, load_settings
from digest.errors import SourceError
from digest.gather.fetch import Fetcher, make_client
from digest.gather.files import read_page
from digest.gather.sources import GatherReport, gather
from digest.models import Article, Digest, Page, RenderedDigest
from digest.store import Store
from digest.urls import is_http_url


@dataclass(frozen=True, slots=True)
class Draft:
    """The digest a preview shows: the next one, else the list's last issue as stored."""

    digest: Digest
    stored: RenderedDigest | None = None  # the stored issue, when nothing is new
    item_count: int = 0
    from_seeds: bool = False  # the store was empty: the demo's seeds, gathered in memory


def gather_sources(settings: Settings, *, store: Store) -> GatherReport:
    """Every configured source into the store; a failing source is a line in the report."""

    async def go() -> GatherReport:
        async with make_client(settings.fetch) as client:
            return await gather(settings.sources, client=client, store=store, settings=settings.fetch)

    return asyncio.run(go())


def read_source(source: str, *, settings: Settings) -> Page:
    """One page from a URL or a file (optionally .gz), for `extract` and `summarize`."""
    if is_http_url(source):

        async def go() -> Page:
            async with make_client(settings.fetch) as client:
                fetched = await Fetcher(client, settings=settings.fetch).fetch(source)
            if fetched.page is None:
                raise SourceError("the server said 304 Not Modified to a request without validators")
            return fetched.page

        return asyncio.run(go())
    path = Path(source)
    if not path.exists():
        raise SourceError("no such file, and not an http(s) URL" if "://" in source else "no such file")
    if path.is_dir():
        raise SourceError(
            f"a folder: give its files ({source.rstrip('/')}/*.html), or make it a source's path in the config"
        )
    return read_page(path)


def raw_article(page: Page) -> Article | None:
    """The whole page text as the body, with no extraction (`summarize --raw`)."""
    from digest.extract.article import decode_text

    text = decode_text(page)
    paragraphs = tuple(" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
    return Article(url=page.url, title="", paragraphs=paragraphs) if paragraphs else None


def draft_digest(settings: Settings, chosen: ListSettings, *, store: Store) -> Draft:
    """The digest the next run would send; with nothing new, the list's last issue;
    with an empty store, the demo's seeds gathered into memory."""
    day = issue_day(chosen, datetime.now(UTC))
    if not store.count_articles():
        demo = load_settings(DEMO_CONFIG, environ={})
        with Store("sqlite://") as memory:
            gather_sources(demo, store=memory)
            digest = next_digest(demo, chosen, store=memory, day=day)
        return Draft(digest, item_count=len(digest.items), from_seeds=True)
    digest = next_digest(settings, chosen, store=store, day=day)
    if digest.empty:
        last = store.open_issue(chosen.name) or store.last_issue(chosen.name)
        if last is not None:
            return Draft(last.rendered.digest, last.rendered, item_count=len(last.article_urls))
    return Draft(digest, item_count=len(digest.items))
