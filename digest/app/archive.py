"""The archive use cases: a list's past issues, newest first, and one issue as a web page
(the email's own HTML, with no reader's name, address or links in it)."""

from __future__ import annotations

from dataclasses import dataclass

from digest.app.web import NotFound, public_list
from digest.config import Settings
from digest.store import ArchiveEntry, Store, StoredIssue

PER_PAGE = 30
MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class ArchivePage:
    list_name: str
    title: str
    entries: tuple[ArchiveEntry, ...]
    page: int
    more: bool  # there is an older page


@dataclass(frozen=True, slots=True)
class PublicIssue:
    list_name: str
    list_title: str
    issue: StoredIssue


def archive(
    settings: Settings, list_name: str, *, store: Store, page: int = 1, per_page: int = PER_PAGE
) -> ArchivePage:
    """One page of the list's archive; NotFound for a list not served here or a page past
    the end (the first page of a list with no issue yet is empty, not missing)."""
    chosen = public_list(settings, list_name)
    if not 1 <= page <= MAX_PAGE:
        raise NotFound(f"no page {page}")
    found = store.archive_entries(chosen.name, limit=per_page + 1, offset=(page - 1) * per_page)
    if page > 1 and not found:
        raise NotFound(f"no page {page}")
    return ArchivePage(chosen.name, chosen.title or chosen.name, tuple(found[:per_page]), page, len(found) > per_page)


def public_issue(settings: Settings, issue_id: str, *, store: Store) -> PublicIssue:
    """An issue a reader got, of a list served here; NotFound otherwise."""
    found = store.archived_issue(issue_id) if len(issue_id) <= 100 else None
    if found is None:
        raise NotFound(f"no issue {issue_id!r}")
    chosen = public_list(settings, found.rendered.digest.list_name)
    return PublicIssue(chosen.name, chosen.title or chosen.name, found)
