"""One view of the state: per list, its readers, its unsent articles and its issues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest.app.issues import pending_articles
from digest.config import Settings
from digest.models import DeliveryStatus, SubscriberStatus
from digest.store import Store


@dataclass(frozen=True, slots=True)
class IssueState:
    issue_id: str
    subject: str
    created_at: datetime
    completed_at: datetime | None
    totals: dict[DeliveryStatus, int]
    next_due: datetime | None


@dataclass(frozen=True, slots=True)
class ListState:
    name: str
    readers: dict[SubscriberStatus, int]
    unsent_articles: int
    open_issue: IssueState | None
    last_issue: IssueState | None


def status(settings: Settings, *, store: Store) -> list[ListState]:
    states = []
    for chosen in settings.lists:
        readers = {s: store.count_subscribers(chosen.name, status=s) for s in SubscriberStatus}
        unfinished = store.open_issue(chosen.name)
        last = store.last_issue(chosen.name)
        states.append(
            ListState(
                name=chosen.name,
                readers=readers,
                unsent_articles=len(pending_articles(settings, chosen, store=store)),
                open_issue=_issue_state(unfinished, store=store),
                last_issue=_issue_state(last, store=store) if last and last is not unfinished else None,
            )
        )
    return states


def _issue_state(issue, *, store: Store) -> IssueState | None:
    if issue is None:
        return None
    issue_id = issue.rendered.digest.issue_id
    return IssueState(
        issue_id=issue_id,
        subject=issue.rendered.subject,
        created_at=issue.created_at,
        completed_at=issue.completed_at,
        totals=store.ledger_totals(issue_id),
        next_due=None if issue.completed_at else store.next_due(issue_id),
    )
