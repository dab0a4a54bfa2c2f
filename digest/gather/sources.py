"""Sources to stored articles. Each source succeeds or fails on its own; a failure is
recorded with a one-line reason (in the report and in the store) and the rest go on.
A gather has a deadline (`[fetch] gather_timeout`): sources still running then fail."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from digest.config import FetchSettings
from digest.errors import DigestError, SourceError
from digest.extract.article import article_from_fragment, extract_article, fragment_paragraphs
from digest.gather.feeds import FeedEntry, parse_feed
from digest.gather.fetch import (
    AddressRefused,
    ComeBackLater,
    Fetched,
    Fetcher,
    Validators,
    begin_source_fetches,
    is_public_address,
)
from digest.gather.files import read_feed_file, read_path
from digest.gather.work import begin_source, off_loop
from digest.identity import title_key
from digest.mail.render import shorten
from digest.models import Article, Failure, GatherReport, Page, Source, SourceKind, SourceReport
from digest.store import Store
from digest.text import one_line
from digest.urls import (
    URL_MAX_BYTES,
    canonical_url,
    file_path,
    http_url_problem,
    is_http_url,
    redact_url,
    redact_urls,
    url_bytes,
)

log = logging.getLogger(__name__)

# A feed entry whose own body has at least this many words is taken as the full
# article; a shorter one (a teaser) makes us fetch and extract the linked page.
FULL_CONTENT_WORDS = 150
EMPTY_PAGE = "the page is empty"  # a body of nothing, or of white space only
# Every reader's copy carries each headline and byline whole; a real one is far shorter.
TITLE_MAX = 300  # characters
AUTHOR_MAX = 300  # characters, each byline (a paper's may name twenty people)
AUTHORS_MAX = 20


@dataclass(frozen=True, slots=True)
class _Outcome:
    articles: tuple[Article, ...] = ()
    failures: tuple[Failure, ...] = ()
    warnings: tuple[Failure, ...] = ()
    seen: int = 0
    not_modified: bool = False
    validators: Validators | None = None


async def gather(
    sources: Sequence[Source], *, client: httpx.AsyncClient, store: Store, settings: FetchSettings
) -> GatherReport:
    """Gather every source concurrently; store and report the articles not seen before.
    A source still running at `settings.gather_timeout` is stopped and recorded as failed."""
    deadline = asyncio.get_running_loop().time() + settings.gather_timeout
    fetcher = Fetcher(client, settings=settings, deadline=deadline)
    tasks = [asyncio.create_task(_gather_one(source, fetcher=fetcher, store=store)) for source in sources]
    try:
        if tasks:
            await asyncio.wait(tasks, timeout=settings.gather_timeout)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    reports: list[tuple[SourceReport, list[Article]]] = []
    for source, task in zip(sources, tasks, strict=True):
        if task.cancelled():
            reason = f"not finished within the {settings.gather_timeout:g} s gather deadline"
            reports.append((_failed(source, reason, store=store), []))
        else:
            reports.append(task.result())
    new_articles = tuple(a for _, articles in reports for a in articles)
    return GatherReport(sources=tuple(r for r, _ in reports), new_articles=new_articles)


def _failed(source: Source, reason: str, *, store: Store) -> SourceReport:
    reason = one_line(redact_urls(reason))
    log.warning("source %s failed: %s", source.name, reason)
    store.record_source_failure(source.name, reason, at=datetime.now(UTC))
    return SourceReport(source=source.name, error=reason)


async def _gather_one(source: Source, *, fetcher: Fetcher, store: Store) -> tuple[SourceReport, list[Article]]:
    now = datetime.now(UTC)
    begin_source()
    begin_source_fetches(fetcher.settings)
    try:
        outcome = await _READERS[source.kind](source, fetcher=fetcher, store=store)
    except SourceError as exc:
        return _failed(source, str(exc), store=store), []
    except Exception as exc:  # a bug or a library surprise must not stop the other sources
        log.debug("source %s failed unexpectedly", source.name, exc_info=True)  # the traceback with -v only
        return _failed(source, f"unexpected {type(exc).__name__}: {_one_line(exc)}", store=store), []
    sizes = [url_bytes(a.url) for a in outcome.articles]
    long_links = tuple(
        Failure(item=redact_url(a.url), reason=f"its link is {size:,} bytes long, over {URL_MAX_BYTES:,}: not kept")
        for a, size in zip(outcome.articles, sizes, strict=True)
        if size > URL_MAX_BYTES
    )
    articles = [
        _bounded(_image_checked(a, settings=fetcher.settings))
        for a, size in zip(outcome.articles, sizes, strict=True)
        if size <= URL_MAX_BYTES
    ]
    new = [a for a in articles if store.add_article(a, gathered_at=now)]
    seen = outcome.seen + len(articles) - len(new)
    validators = outcome.validators or Validators()
    failures = (*outcome.failures, *long_links)
    if failures:
        # Not modified next time would pass over the items that failed now: fetch it whole again.
        store.record_source_success(source.name, at=now, forget_validators=True)
    else:
        store.record_source_success(source.name, at=now, etag=validators.etag, last_modified=validators.last_modified)
    report = SourceReport(
        source=source.name,
        new=len(new),
        seen=seen,
        not_modified=outcome.not_modified,
        failures=_printable(failures),
        warnings=_printable((*outcome.warnings, *_article_warnings(new))),
    )
    return report, new


def _article_warnings(articles: Sequence[Article]) -> tuple[Failure, ...]:
    """What went wrong reading the new articles that were kept all the same (a linked page
    that failed, so the feed's teaser stands in for it; a charset guessed), by article."""
    return tuple(
        Failure(item=redact_url(a.url) if a.url else a.title, reason=redact_urls(warning))
        for a in articles
        for warning in a.warnings
    )


def _printable(failures: Sequence[Failure]) -> tuple[Failure, ...]:
    """Failures as the report carries them to a log, a terminal or the store: a file name
    or a feed's text may hold escape sequences, and a link or a title any length."""
    return tuple(
        Failure(item=shorten(one_line(f.item), _ITEM_MAX), reason=shorten(one_line(f.reason), _REASON_MAX))
        for f in failures
    )


_ITEM_MAX, _REASON_MAX = 200, 500  # characters a report line gives an item and its reason


def _bounded(article: Article) -> Article:
    """The article with its headline and byline cut to TITLE_MAX and AUTHOR_MAX (at most
    AUTHORS_MAX names), and without a lead image whose link is over URL_MAX_BYTES, with a
    warning: a source's text is as long as it likes."""
    title = shorten(article.title, TITLE_MAX)
    authors = tuple(shorten(a, AUTHOR_MAX) for a in article.authors[:AUTHORS_MAX])
    image = article.image if article.image is None or url_bytes(article.image) <= URL_MAX_BYTES else None
    if (title, authors, image) == (article.title, article.authors, article.image):
        return article
    cut = []
    if title != article.title:
        cut.append(f"a headline of {len(article.title):,} characters cut to {TITLE_MAX}")
    if authors != article.authors:
        cut.append(f"a byline of {sum(map(len, article.authors)):,} characters cut")
    if image != article.image:
        cut.append(f"a lead image link of {url_bytes(article.image or ''):,} bytes left out")
    return replace(article, title=title, authors=authors, image=image, warnings=(*article.warnings, "; ".join(cut)))


def _image_checked(article: Article, *, settings: FetchSettings) -> Article:
    """The article without its lead image when that is on this machine or a private network
    (an address, or localhost): every reader's mail client would fetch it, from their own
    network ("http://192.168.1.1/apply.cgi?action=Reboot"). Kept with `allow_private`."""
    if not article.image or settings.allow_private:
        return article
    host = (urlsplit(article.image).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return replace(article, image=None)
    try:
        public = is_public_address(host)
    except ValueError:
        return article  # a name: where it leads is the reader's resolver's business
    return article if public else replace(article, image=None)


async def _read_feed(source: Source, *, fetcher: Fetcher, store: Store) -> _Outcome:
    if is_http_url(source.location):
        state = store.source_state(source.name)
        fetched = await fetcher.fetch(
            source.location, source=source.name, validators=Validators(state.etag, state.last_modified)
        )
    else:
        fetched = Fetched(
            page=await off_loop(read_feed_file, Path(source.location), source=source.name),
            validators=Validators(),
        )
    if fetched.page is None:
        return _Outcome(not_modified=True, validators=fetched.validators, warnings=_moved(source, fetched))
    # Parsing and extraction run in worker threads: on the event loop, a big feed or page
    # would stall every other source's connection until its timeout fired.
    feed = await off_loop(
        parse_feed,
        fetched.page.body,
        url=fetched.page.url,
        content_type=fetched.page.content_type,
        max_field_chars=fetcher.settings.max_field_chars,
    )
    entries = newest(distinct(feed.entries), source.max_items)
    titles = {e.url: e.title for e in entries if e.url}
    known = store.known_urls(titles, titles=titles)
    if known:
        store.add_source(known, source.name)
    fresh = [e for e in entries if e.url not in known]
    results = await _entries_by_deadline(fresh, source=source, fetcher=fetcher)
    articles = tuple(a for a in results if isinstance(a, Article))
    failures = tuple(f for f in results if isinstance(f, Failure))
    warnings: tuple[Failure, ...] = (
        (Failure(item=redact_url(source.location), reason=feed.warning),) if feed.warning else ()
    )
    warnings += _moved(source, fetched)
    return _Outcome(
        articles=articles,
        failures=failures,
        warnings=warnings,
        seen=len(entries) - len(fresh),
        validators=fetched.validators,
    )


def distinct(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """The entries without the repeats of one link (as written, or with tracking parameters
    that make no other article): the first stands for them. A feed that lists an item
    twice (an aggregator's, a feed of sections) would have it fetched twice, and count
    it twice against `max_items`. Entries without a link are kept: their text tells them apart."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        key = canonical_url(entry.url) if entry.url else None
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        kept.append(entry)
    return kept


def newest(entries: Sequence[FeedEntry], count: int) -> Sequence[FeedEntry]:
    """The `count` newest entries, in the feed's order. By date when every entry has one
    (a feed may list its oldest first, and its newest would never be read); else the
    feed's first, as most feeds list their newest first."""
    if len(entries) <= count:
        return entries
    dates = [e.published for e in entries]
    if any(d is None for d in dates):
        return entries[:count]
    newest = sorted(range(len(entries)), key=lambda i: dates[i] or _NO_DATE, reverse=True)
    chosen = set(newest[:count])
    return [e for i, e in enumerate(entries) if i in chosen]


_NO_DATE = datetime.min.replace(tzinfo=UTC)


# A feed's entries stop this long before the gather's deadline (at most), so that what
# they found is stored before the deadline stops the source itself.
_ENTRY_MARGIN = 1.0


async def _entries_by_deadline(
    entries: Sequence[FeedEntry], *, source: Source, fetcher: Fetcher
) -> list[Article | Failure]:
    """Each entry's article or failure. Entries still going near the gather's deadline (a
    linked page that drips) fail on their own; the feed keeps what the others found."""
    tasks = [asyncio.ensure_future(_entry_article(e, source=source, fetcher=fetcher)) for e in entries]
    if not tasks:
        return []
    timeout = None
    if fetcher.deadline is not None:
        left = fetcher.deadline - asyncio.get_running_loop().time()
        timeout = max(left - min(_ENTRY_MARGIN, left / 10), 0.0)
    try:
        await asyncio.wait(tasks, timeout=timeout)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    late = f"not finished within the {fetcher.settings.gather_timeout:g} s gather deadline"
    results: list[Article | Failure] = []
    for entry, task in zip(entries, tasks, strict=True):
        if task.cancelled():
            results.append(Failure(item=_item_name(entry, source), reason=late))
        elif (error := task.exception()) is not None:
            raise error  # not the deadline: the source's own failure, as ever
        else:
            results.append(task.result())
    return results


def _item_name(entry: FeedEntry, source: Source) -> str:
    return redact_url(entry.url) if entry.url else entry.title or redact_url(source.location)


async def _entry_article(entry: FeedEntry, *, source: Source, fetcher: Fetcher) -> Article | Failure:
    def from_feed() -> Article | None:
        return article_from_fragment(
            entry.content_html,
            url=entry.url,
            title=entry.title,
            source=source.name,
            authors=entry.authors,
            published=entry.published,
        )

    item = _item_name(entry, source)
    # A link that is no web address (an Atom id such as tag: or urn:, a mailto:) has no page to read.
    if not is_http_url(entry.url) or await off_loop(_word_count, entry.content_html) >= FULL_CONTENT_WORDS:
        article = await off_loop(from_feed)
        return article or Failure(item=item, reason="feed entry has no text")
    if is_http_url(entry.url) and (bad_link := http_url_problem(entry.url)):
        return Failure(item=item, reason=f"invalid URL: {bad_link}")  # its teaser would carry the link on
    # Links may stay on the feed's configured origin; a local feed file has none.
    configured = source.location if is_http_url(source.location) else ""
    try:
        fetched = await fetcher.fetch(entry.url, source=source.name, configured=configured)
        if fetched.page is None:  # sent without validators, so the server has no 304 to give
            raise SourceError(f"{redact_url(entry.url)}: no page in the response")
        page = replace(fetched.page, title_hint=entry.title, published_hint=entry.published, authors_hint=entry.authors)
        article = await off_loop(extract_article, page) if page.body.strip() else None
        problem = "no article body found on the page" if page.body.strip() else EMPTY_PAGE
    except AddressRefused as exc:  # the feed's teaser would carry the refused link into the digest
        return Failure(item=item, reason=str(exc))
    except ComeBackLater as exc:  # failed now, the item is fetched again next time; as the teaser, never
        return Failure(item=item, reason=str(exc))
    except DigestError as exc:
        article, problem = None, str(exc)
    if article is None:
        # The linked page failed us; the feed's own teaser beats losing the entry.
        article = await off_loop(from_feed)
        if article is not None:
            return replace(article, warnings=(*article.warnings, f"used the feed text: {problem}"))
        return Failure(item=item, reason=problem)
    url = article.url or entry.url
    # The link is this story's only when the page it led to is the item: an address that
    # leads to each new item in turn, or to a wall or a home page, names no one story.
    moved = canonical_url(entry.url) != canonical_url(url) and title_key(article.title) == title_key(entry.title)
    return replace(article, url=url, links=(entry.url,) if moved else ())


async def _read_page(source: Source, *, fetcher: Fetcher, store: Store) -> _Outcome:
    state = store.source_state(source.name)
    fetched = await fetcher.fetch(
        source.location, source=source.name, validators=Validators(state.etag, state.last_modified)
    )
    if fetched.page is None:
        return _Outcome(not_modified=True, validators=fetched.validators, warnings=_moved(source, fetched))
    article = await off_loop(_extract_or_raise, fetched.page)
    return _Outcome(articles=(article,), validators=fetched.validators, warnings=_moved(source, fetched))


def _moved(source: Source, fetched: Fetched) -> tuple[Failure, ...]:
    """A warning naming where a configured URL moved for good: its config key to change."""
    if not fetched.moved_to:
        return ()
    key = f"sources.{source.name}.{'feed' if source.kind is SourceKind.FEED else 'page'}"
    reason = f"moved for good to {redact_url(fetched.moved_to)}: set {key} to it"
    return (Failure(item=redact_url(source.location), reason=reason),)


async def _read_local(source: Source, *, fetcher: Fetcher, store: Store) -> _Outcome:
    read = await off_loop(read_path, source.location, source=source.name)
    articles, failures = [], list(read.failures)
    for page in read.pages:
        try:
            articles.append(await off_loop(_extract_or_raise, page))
        except DigestError as exc:
            failures.append(Failure(item=redact_url(page.url), reason=str(exc)))
    if not articles and failures and len(read.pages) <= 1:
        item, reason = failures[0].item, failures[0].reason
        where = file_path(item) if item.startswith("file:") else item
        raise SourceError(reason if str(where) in reason else f"{where}: {reason}")
    return _Outcome(articles=tuple(articles), failures=tuple(failures))


def _extract_or_raise(page: Page) -> Article:
    if not page.body.strip():
        raise SourceError(EMPTY_PAGE)
    try:
        article = extract_article(page)
    except DigestError as exc:
        raise SourceError(str(exc)) from None
    if article is None:
        raise SourceError("no article body found")
    return article


_READERS = {SourceKind.FEED: _read_feed, SourceKind.PAGE: _read_page, SourceKind.PATH: _read_local}


def _word_count(html: str) -> int:
    return sum(len(p.split()) for p in fragment_paragraphs(html))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""
