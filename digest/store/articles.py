"""Articles: kept once (by canonical URL and by content), and what was sent to which list.

An article is *new* when neither its canonical URL nor its content hash is stored.
Gathering never marks anything sent: only a finished delivery does (`mark_sent`),
so a failed run loses nothing from the next digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.identity import article_key, content_hash, key_twins, stored_key, title_key
from digest.models import Article
from digest.store.base import StoreBase, aware
from digest.store.schema import article_links_table, article_sends_table, article_sources_table, articles_table
from digest.urls import URL_MAX_BYTES, canonical_url, url_bytes


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    article: Article
    gathered_at: datetime


class ArticlesMixin(StoreBase):
    def known_urls(self, urls: Iterable[str], *, titles: Mapping[str, str] | None = None) -> set[str]:
        """The subset of `urls` already stored (as written, by canonical form, or over the
        other of http and https), as an article's own address or as a link that led to it.
        With `titles` (a URL's item headline), a link counts only for an item of the
        headline it led to: one address may lead to each new item in turn."""
        by_key: dict[str, set[str]] = {}
        for url in urls:
            for key in key_twins(canonical_url(url)):
                by_key.setdefault(key, set()).add(url)
        found: set[str] = set()
        keys = list(by_key)
        a, links = articles_table, article_links_table
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                for row in conn.execute(sa.select(a.c.url_key).where(a.c.url_key.in_(chunk))):
                    found.update(by_key[row.url_key])
                linked = sa.select(links.c.url_key, a.c.title).join(a, a.c.id == links.c.article_id)
                for row in conn.execute(linked.where(links.c.url_key.in_(chunk))):
                    found.update(
                        url
                        for url in by_key[row.url_key]
                        if titles is None or title_key(titles.get(url, "")) == title_key(row.title)
                    )
        return found

    def add_article(self, article: Article, *, gathered_at: datetime) -> bool:
        """Store the article if it is new; True when it was."""
        key = article_key(article)
        digest = content_hash(article)
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(articles_table.c.id)
                .where(sa.or_(articles_table.c.url_key.in_(key_twins(key)), articles_table.c.content_hash == digest))
                .limit(1)
            ).first()
            if exists:
                _add_source(conn, exists.id, article.source)
                _add_links(conn, exists.id, article.links, own=key)
                return False
            try:
                with conn.begin_nested():
                    inserted = conn.execute(
                        sa.insert(articles_table).values(
                            url_key=key,
                            content_hash=digest,
                            url=article.url,
                            source=article.source,
                            title=article.title,
                            authors=list(article.authors),
                            published=article.published,
                            paragraphs=list(article.paragraphs),
                            image=article.image,
                            standfirst=article.standfirst,
                            warnings=list(article.warnings),
                            gathered_at=gathered_at,
                        )
                    )
                    key_row = inserted.inserted_primary_key
                    if key_row is not None:
                        _add_source(conn, key_row[0], article.source)
                        _add_links(conn, key_row[0], article.links, own=key)
            except IntegrityError:  # a concurrent gather stored the same URL first
                return False
        return True

    def add_source(self, urls: Iterable[str], source: str) -> None:
        """Note that `source` carries the stored articles at `urls` too (a feed's entries
        already known, by their own address or a link that led to them): its lists get
        them, whichever source stored them first. One statement for a feed's entries,
        none of them read back."""
        keys = sorted({k for url in urls for k in key_twins(canonical_url(url))})
        a, t, links = articles_table, article_sources_table, article_links_table
        with self.engine.begin() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                ids = sa.union(
                    sa.select(a.c.id.label("article_id")).where(a.c.url_key.in_(chunk)),
                    sa.select(links.c.article_id).where(links.c.url_key.in_(chunk)),
                ).subquery()
                missing = sa.select(sa.literal(source), ids.c.article_id).where(
                    ~sa.exists().where(t.c.article_id == ids.c.article_id, t.c.source == source),
                )
                try:
                    with conn.begin_nested():
                        conn.execute(sa.insert(t).from_select(["source", "article_id"], missing))
                except IntegrityError:  # a concurrent gather noted some of them first
                    pass

    def unsent_articles(
        self,
        list_name: str,
        *,
        sources: Sequence[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[StoredArticle]:
        """Stored articles not yet sent to `list_name`, oldest gathered first (or newest)."""
        sent = sa.select(article_sends_table.c.article_id).where(article_sends_table.c.list_name == list_name)
        if sources and len(sources) == 1:
            # One source: read from its entries in article_sources, newest (or oldest) first
            # by that table's key, so a limit stops the read early however big the store.
            s, sends = article_sources_table, article_sends_table
            taken = sa.exists().where(sends.c.list_name == list_name, sends.c.article_id == s.c.article_id)
            query = (
                sa.select(articles_table)
                .join(s, s.c.article_id == articles_table.c.id)
                .where(s.c.source == sources[0], ~taken)
                .order_by(s.c.article_id.desc() if newest_first else s.c.article_id)
            )
        else:
            order = articles_table.c.id.desc() if newest_first else articles_table.c.id
            query = sa.select(articles_table).where(articles_table.c.id.not_in(sent)).order_by(order)
            if sources:
                query = query.where(articles_table.c.id.in_(_of_sources(sources)))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query).mappings()]

    def count_unsent_articles(
        self, list_name: str, *, sources: Sequence[str] | None = None, gathered_after: datetime | None = None
    ) -> int:
        """How many stored articles (of `sources`, when given; gathered after
        `gathered_after`, when given) are not yet sent to `list_name`."""
        sent = sa.select(article_sends_table.c.article_id).where(article_sends_table.c.list_name == list_name)
        query = sa.select(sa.func.count()).select_from(articles_table).where(articles_table.c.id.not_in(sent))
        if gathered_after is not None:
            query = query.where(articles_table.c.gathered_at > gathered_after)
        if sources:
            query = query.where(articles_table.c.id.in_(_of_sources(sources)))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def count_articles(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(articles_table)).scalar_one()

    def mark_sent(self, list_name: str, urls: Iterable[str], *, issue_id: str, at: datetime) -> None:
        """Mark the stored articles at these URLs as sent to the list (idempotent)."""
        with self.engine.begin() as conn:
            self._mark_sent(conn, list_name, urls, issue_id=issue_id, at=at)

    def _mark_sent(self, conn, list_name: str, urls: Iterable[str], *, issue_id: str, at: datetime) -> None:
        keys = sorted({stored_key(u) for u in urls})
        if not keys:
            return
        ids = sorted(
            r.id for r in conn.execute(sa.select(articles_table.c.id).where(articles_table.c.url_key.in_(keys)))
        )
        if ids:
            already = {
                r.article_id
                for r in conn.execute(
                    sa.select(article_sends_table.c.article_id).where(
                        article_sends_table.c.list_name == list_name, article_sends_table.c.article_id.in_(ids)
                    )
                )
            }
            rows = [
                {"list_name": list_name, "article_id": i, "issue_id": issue_id, "sent_at": at}
                for i in ids
                if i not in already
            ]
            if rows:
                conn.execute(sa.insert(article_sends_table), rows)


def _of_sources(sources: Sequence[str]) -> sa.Select:
    return sa.select(article_sources_table.c.article_id).where(article_sources_table.c.source.in_(list(sources)))


def _add_source(conn: sa.Connection, article_id: int, source: str) -> None:
    t = article_sources_table
    known = sa.select(t.c.article_id).where(t.c.article_id == article_id, t.c.source == source)
    _insert_unless_there(conn, known, sa.insert(t).values(article_id=article_id, source=source))


def _add_links(conn: sa.Connection, article_id: int, links: Iterable[str], *, own: str) -> None:
    """Remember the other addresses that led to the article (never its own, nor one
    another article is stored under or already led to, nor one too long to index: the
    story is then fetched through it again)."""
    t, a = article_links_table, articles_table
    for key in dict.fromkeys(canonical_url(link) for link in links if link.strip()):
        twins = key_twins(key)
        if own not in twins and url_bytes(key) <= URL_MAX_BYTES:
            taken = sa.union(
                sa.select(t.c.url_key).where(t.c.url_key.in_(twins)),
                sa.select(a.c.url_key).where(a.c.url_key.in_(twins)),
            )
            _insert_unless_there(conn, taken, sa.insert(t).values(url_key=key, article_id=article_id))


def _insert_unless_there(conn: sa.Connection, there: sa.Select | sa.CompoundSelect, insert: sa.Insert) -> None:
    if conn.execute(there).first() is None:
        try:
            with conn.begin_nested():
                conn.execute(insert)
        except IntegrityError:  # a concurrent gather wrote it first
            pass


def _stored(row: sa.RowMapping) -> StoredArticle:
    article = Article(
        url=row["url"],
        title=row["title"],
        paragraphs=tuple(row["paragraphs"]),
        authors=tuple(row["authors"]),
        published=aware(row["published"]),
        image=row["image"],
        standfirst=row["standfirst"] or "",
        source=row["source"],
        warnings=tuple(row["warnings"]),
    )
    return StoredArticle(id=row["id"], article=article, gathered_at=aware(row["gathered_at"]))
