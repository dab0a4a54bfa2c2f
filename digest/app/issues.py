"""Issues: the next digest of a list from what the store holds (summarise the unsent
articles, compose them, render once), saved with its ledger; and what each reader's
copy carries (signed unsubscribe link, view link)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from digest.app.readers import import_subscribers, signing_secret  # noqa: F401 - part of this module's API
from digest.config import ListSettings, Settings
from digest.errors import NoReaders, SubscriberError
from digest.identity import article_key
from digest.mail.compose import compose, newest_by_turns
from digest.mail.message import Recipient
from digest.mail.render import render_digest
from digest.models import DeliveryStatus, Digest, RenderedDigest, Subscriber, SubscriberStatus, Summary
from digest.store import Store, StoredArticle, StoredIssue
from digest.subscribers import (
    RowError,
    duplicate_row,
    first_line_not_utf8,
    mailbox_address,
    make_token,
    read_subscriber_csv,
)

log = logging.getLogger(__name__)

# Summarising more than the cap would show is wasted work; a little slack makes up for
# the copies compose drops. What it leaves out is counted in the store.
_SLACK = 20


def source_names(settings: Settings, list_settings: ListSettings) -> list[str]:
    """The names of the list's sources, in its order ([] when the config has none)."""
    return [s.name for s in settings.sources_for(list_settings.name)]


def pending_articles(settings: Settings, list_settings: ListSettings, *, store: Store) -> list[StoredArticle]:
    """The articles the next issue chooses from, oldest first: each source's newest in turn
    (a backlog of one source neither hides fresh news nor crowds out the others), as many
    as the issue shows and a few more for the copies compose drops."""
    sources = source_names(settings, list_settings)
    found: list[StoredArticle] = []
    for source in sources or [""]:
        for unsent in store.unsent_articles(
            list_settings.name, sources=[source] if source else None, limit=list_settings.max_items, newest_first=True
        ):
            if source and unsent.article.source not in sources:
                # stored by a source this list does not read: shown in this one's section
                unsent = replace(unsent, article=replace(unsent.article, source=source))  # noqa: PLW2901
            found.append(unsent)
    unique = list({s.id: s for s in reversed(found)}.values())  # an article of two sources: the first's
    chosen = newest_by_turns(unique, list_settings.max_items + _SLACK)
    return sorted(chosen, key=lambda s: s.id)


def summarize_all(stored: list[StoredArticle], settings: Settings) -> list[Summary]:
    # Imported here: sumy and NLTK take about a second to load, and the commands that
    # only send or unsubscribe never summarise.
    from digest.summarize.algorithms import resolve_algorithm, summarize

    options = settings.summary
    algorithm = resolve_algorithm(options.algorithm)
    return [
        summarize(s.article, sentences=options.sentences, algorithm=algorithm, language=options.language)
        for s in stored
    ]


def next_digest(
    settings: Settings, list_settings: ListSettings, *, store: Store, day: date, summaries: list[Summary] | None = None
) -> Digest:
    """The digest of the list's unsent articles; `summaries` when they were made elsewhere
    (the flow summarises in parallel batches)."""
    if summaries is None:
        summaries = summarize_all(pending_articles(settings, list_settings, store=store), settings)
    sources = source_names(settings, list_settings)
    return compose(
        summaries,
        list_name=list_settings.name,
        title=list_settings.title,
        day=day,
        sources=settings.sources_for(list_settings.name),
        max_items=list_settings.max_items,
        show_images=list_settings.show_images,
        unsent=store.count_unsent_articles(list_settings.name, sources=sources),
    )


def render_for_list(digest: Digest, list_settings: ListSettings) -> RenderedDigest:
    return render_digest(
        digest,
        subject_template=list_settings.subject,
        view_link=bool(list_settings.view_url.strip()),
        postal_address=list_settings.postal_address,
        sender=list_settings.sender,
    )


def issue_day(list_settings: ListSettings, now: datetime) -> date:
    """The date of an issue made at `now`: the day it is where the list is read (its
    `timezone`), so a morning list in Auckland is not dated the evening before."""
    return now.astimezone(ZoneInfo(list_settings.timezone)).date()


def prepare_issue(
    settings: Settings,
    list_settings: ListSettings,
    *,
    store: Store,
    day: date,
    now: datetime,
    summaries: list[Summary] | None = None,
) -> StoredIssue | None:
    """The issue to send: an unfinished one of this list if there is one (a rerun after a
    crash sends the same content), else a new one from the unsent articles. None when
    there is nothing new."""
    unfinished = unfinished_issue(settings, list_settings, store=store, now=now)
    if unfinished is not None:
        log.info("resuming issue %s", unfinished.rendered.digest.issue_id)
        return unfinished
    seed_subscribers(list_settings, store=store, now=now)
    if not store.count_subscribers(list_settings.name, status=SubscriberStatus.ACTIVE):
        # Composing for nobody would mark the news sent and no reader would ever get it.
        waiting = len(pending_articles(settings, list_settings, store=store))
        if not waiting:
            return None
        raise NoReaders(
            f"list {list_settings.name} has no active subscriber: nothing composed, "
            f"its {waiting} new article(s) wait for the first reader"
        )
    digest = next_digest(settings, list_settings, store=store, day=day, summaries=summaries)
    if digest.empty:
        return None
    rendered = render_for_list(digest, list_settings)
    if not store.save_issue(rendered, article_urls=[article_key(item.article) for item in digest.items], at=now):
        # Composed at the same moment by another sender: everyone sends the winner's issue.
        return store.issue(digest.issue_id) or store.open_issue(list_settings.name)
    return store.issue(digest.issue_id)


def unfinished_issue(
    settings: Settings, list_settings: ListSettings, *, store: Store, now: datetime
) -> StoredIssue | None:
    """The list's unfinished issue, to resume; None when there is none, or when all it
    still owes are deferrals (a full mailbox, a server that keeps saying "later") that
    have had `retry_days`, or that the next issue replaces: articles gathered since the
    issue was made wait for the list.
    Those are then given up (failed, each counted as a soft bounce) and the issue is
    complete, so one reader's mailbox never holds back everyone's next issue."""
    issue = store.open_issue(list_settings.name)
    if issue is None:
        return None
    issue_id = issue.rendered.digest.issue_id
    totals = store.ledger_totals(issue_id)
    owed_otherwise = sum(totals[s] for s in (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN))
    if owed_otherwise or not totals[DeliveryStatus.DEFERRED]:
        return issue
    delivery = settings.delivery
    expired = now - issue.created_at >= timedelta(days=delivery.retry_days)
    sources = source_names(settings, list_settings)
    # News: articles gathered since the issue was made (not the ones it left out).
    news = store.count_unsent_articles(list_settings.name, sources=sources, gathered_after=issue.created_at) > 0
    if not expired and not news:
        return issue
    given_up = store.give_up_deferred(issue_id, now=now)
    for list_name, key, reason in given_up:
        store.record_soft_bounce(
            list_name,
            key,
            at=now,
            detail=f"{reason} (issue {issue_id}, given up)",
            limit=delivery.soft_bounce_limit,
            within=timedelta(days=delivery.soft_bounce_days),
            issue_id=issue_id,
        )
    store.complete_issue(issue_id, at=now)
    why = f"after {delivery.retry_days:g} days" if expired else "the next issue has news to carry"
    log.warning("issue %s: %d deferred deliveries given up (%s)", issue_id, len(given_up), why)
    return store.open_issue(list_settings.name)


def readers_to_seed(list_settings: ListSettings, *, store: Store) -> int:
    """How many readers seed_subscribers would add now, reading only (for a dry run): the
    file's distinct addresses whose mail did not bounce on another list. A bad row is the
    error the import would raise."""
    if not list_settings.subscribers or store.count_subscribers(list_settings.name):
        return 0
    path = Path(list_settings.subscribers)
    first_lines: dict[str, int] = {}
    with _readers_file(path) as lines:
        for row in read_subscriber_csv(lines):
            if isinstance(row, RowError):
                raise SubscriberError(f"{path}:{row.line}: {row.reason}")
            key = row.subscriber.key
            if key in first_lines:
                duplicate = duplicate_row(row.line, first_lines[key], row.subscriber.email)
                raise SubscriberError(f"{path}:{duplicate.line}: {duplicate.reason}")
            first_lines[key] = row.line
    return len(first_lines) - len(store.bounced_elsewhere(list_settings.name, list(first_lines)))


def seed_subscribers(list_settings: ListSettings, *, store: Store, now: datetime) -> int:
    """Import the list's configured CSV while the list has nobody on it (the demo's readers),
    as `subscribers import` does: all or nothing, and without an address that bounced on
    another list."""
    if not list_settings.subscribers or store.count_subscribers(list_settings.name):
        return 0
    path = Path(list_settings.subscribers)
    errors: list[RowError] = []
    with _readers_file(path) as lines:
        result = import_subscribers(list_settings, lines, store=store, on_error=errors.append, at=now)
    if errors:
        raise SubscriberError(f"{path}:{errors[0].line}: {errors[0].reason}")
    log.info("%s: imported %d subscriber(s) from %s", list_settings.name, result.added, path)
    if result.bounced_elsewhere:
        log.warning(
            "%s: %d reader(s) of %s not added: their mail bounced on another list",
            list_settings.name,
            result.bounced_elsewhere,
            path,
        )
    return result.added


@contextmanager
def _readers_file(path: Path) -> Iterator[TextIO]:
    """A list's readers file, open as CSV text; a file that cannot be read, or is not
    UTF-8, is a one-line SubscriberError naming it (and the line)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            yield lines
    except OSError as exc:
        raise SubscriberError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SubscriberError(f"{path}:{first_line_not_utf8(path)}: not UTF-8 text (save the file as UTF-8)") from None


def recipient_factory(list_settings: ListSettings, *, secret: str) -> Callable[[Subscriber], Recipient]:
    """Per-subscriber envelope data: the address, the name and a signed unsubscribe link."""
    sender_domain = mailbox_address(list_settings.sender).rpartition("@")[2] or "localhost"
    # Ours, unless the list names a mailbox of its own: the subject carries the reader's
    # signed token, which `digest bounces` (process or listen) applies as the link would.
    mailto = list_settings.unsubscribe_mailto or f"mailto:unsubscribe@{sender_domain}?subject=unsubscribe%20{{token}}"

    def recipient_for(subscriber: Subscriber) -> Recipient:
        token = make_token(
            secret=secret, list_name=subscriber.list_name, key=subscriber.key, version=subscriber.version
        )
        return Recipient(
            email=subscriber.email,
            name=subscriber.name,
            unsubscribe_url=list_settings.unsubscribe_url.replace("{token}", token),
            unsubscribe_mailto=mailto.replace("{token}", token),
        )

    return recipient_for


def view_url(list_settings: ListSettings, issue_id: str) -> str:
    return list_settings.view_url.replace("{issue}", issue_id)


@dataclass(frozen=True, slots=True)
class SummaryNote:
    """A summary without its article: what travels between the flow's tasks."""

    article_id: int
    sentences: tuple[str, ...]
    algorithm: str


def summarize_pending(
    settings: Settings, list_settings: ListSettings, article_ids: Sequence[int], *, store: Store
) -> list[SummaryNote]:
    """Summarise these unsent articles of the list (one batch of the flow)."""
    wanted = set(article_ids)
    stored = [s for s in pending_articles(settings, list_settings, store=store) if s.id in wanted]
    return [
        SummaryNote(s.id, summary.sentences, summary.algorithm)
        for s, summary in zip(stored, summarize_all(stored, settings), strict=True)
    ]


def compose_issue(
    settings: Settings, list_settings: ListSettings, notes: Sequence[SummaryNote], *, store: Store, now: datetime
) -> StoredIssue | None:
    """The issue made of these summaries (or the list's unfinished one), saved with a
    ledger row owed to every active reader. None when there is nothing to send."""
    by_id = {s.id: s.article for s in pending_articles(settings, list_settings, store=store)}
    summaries = [
        Summary(article=by_id[n.article_id], sentences=n.sentences, algorithm=n.algorithm)
        for n in notes
        if n.article_id in by_id
    ]
    return prepare_issue(
        settings, list_settings, store=store, day=issue_day(list_settings, now), now=now, summaries=summaries
    )
