"""The `digest` command line.

Exit status: 0 on success, 1 when the work ran but some sources failed,
2 for bad input (missing file, unreachable URL, unknown algorithm, bad config).
Errors are one line on stderr, never a traceback. Heavy libraries are imported
inside the commands that need them, so `digest extract` starts quickly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.models import Article

app = typer.Typer(
    name="digest",
    help="Gather articles, extract and summarise them, and build a newsletter digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
log = logging.getLogger("digest")


@dataclass
class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, environ=os.environ)
        return self._settings


state = _State()


class _Failed(Exception):
    """Raised inside a command to leave with a one-line error and exit status 2."""


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (DigestError, _Failed) as exc:
        err.print(f"digest: error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("digest: interrupted", markup=False)
        raise typer.Exit(130) from None


@app.callback()
def _main(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Path to digest.toml (default: $DIGEST_CONFIG, ./digest.toml, the demo).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    state.config = config


@app.command()
def extract(
    sources: Annotated[list[str], typer.Argument(help="File paths (optionally .gz) or http(s) URLs.", metavar="SOURCE...")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Extract the article from each SOURCE: title, authors, date and body text."""
    with _errors():
        for source, article in _articles(sources, raw=False):
            record = _record(source, article)
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                _print_article(article, record)


@app.command()
def summarize(
    sources: Annotated[list[str], typer.Argument(help="File paths (optionally .gz) or http(s) URLs.", metavar="SOURCE...")],
    sentences: Annotated[int | None, typer.Option("--sentences", "-n", min=1, max=50, help="Sentences per summary.")] = None,
    algorithm: Annotated[str | None, typer.Option("--algorithm", "-a", help="Summariser name (see --list-algorithms).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Take the whole input as the article body; skip extraction.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Extract and summarise each SOURCE."""
    with _errors():
        from digest.summarize import resolve_algorithm, summarize as run_summary

        options = state.settings.summary
        name = resolve_algorithm(algorithm or options.algorithm)
        count = sentences or options.sentences
        for source, article in _articles(sources, raw=raw):
            summary = run_summary(article, sentences=count, algorithm=name, language=options.language)
            record = _record(source, article) | {"summary": list(summary.sentences)}
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                _print_summary(article, summary.sentences)


@app.command()
def gather() -> None:
    """Gather the configured sources into the store; print new, seen and errors per source."""
    with _errors():
        report = _gather(state.settings)
        _print_gather(report)
        if report.failed_sources:
            raise typer.Exit(1)


@app.command()
def run(
    list_name: Annotated[str | None, typer.Option("--list", "-l", help="List to build the digest for.")] = None,
) -> None:
    """Gather the sources, then print the summarised articles the next digest would carry."""
    with _errors():
        from digest.store import Store
        from digest.summarize import resolve_algorithm, summarize as run_summary

        settings = state.settings
        chosen = settings.list(list_name) if list_name else _first_list(settings)
        report = _gather(settings)
        _print_gather(report)
        options = settings.summary
        name = resolve_algorithm(options.algorithm)
        with Store(settings.store.url) as store:
            pending = store.unsent_articles(
                chosen.name, sources=[s.name for s in settings.sources_for(chosen.name)], limit=chosen.max_items
            )
        out.print(f"\n[bold]{chosen.title or chosen.name}[/]: {len(pending)} article(s) waiting\n")
        for stored in pending:
            summary = run_summary(stored.article, sentences=options.sentences, algorithm=name, language=options.language)
            _print_summary(stored.article, summary.sentences)
        if report.failed_sources:
            raise typer.Exit(1)


@app.command()
def preview(
    list_name: Annotated[str | None, typer.Option("--list", "-l", help="List to preview (default: the first).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the final HTML email to this file.")] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve the preview on a local web server.")] = False,
    host: Annotated[str, typer.Option(help="Address to bind with --serve.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port for --serve (0: any free port).")] = 8025,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the preview in a browser.")] = False,
) -> None:
    """Preview the digest the next run would send: from the store, or the seeds if the store is empty."""
    with _errors():
        from datetime import UTC, datetime

        from digest.pipeline import next_digest
        from digest.preview import PreviewServer, build_preview

        settings = state.settings
        chosen = settings.list(list_name) if list_name else _first_list(settings)
        with _preview_store(settings) as (store, source_settings):
            digest = next_digest(source_settings, chosen, store=store, day=datetime.now(UTC).date())
        result = build_preview(digest, chosen)
        rendered = result.rendered
        for warning in rendered.warnings:
            err.print(f"warning: {warning}", markup=False)
        if output:
            try:
                output.write_text(result.html, encoding="utf-8")
            except OSError as exc:
                raise _Failed(f"{output}: cannot write: {exc.strerror or exc}") from None
            out.print(f"wrote {output} ({rendered.size / 1024:.1f} KB HTML, {len(result.message) / 1024:.1f} KB message): {rendered.subject}", markup=False)
        if serve:
            try:
                server = PreviewServer(digest, chosen, host=host, port=port)
            except OSError as exc:
                raise _Failed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
            if host not in ("127.0.0.1", "localhost", "::1"):
                err.print(f"warning: the preview is reachable from other machines on {host}", markup=False)
            out.print(f"Previewing {rendered.subject!r} at {server.url} (Ctrl-C to stop)", markup=False)
            if open_browser:
                import webbrowser

                webbrowser.open(server.url)
            try:
                server.serve_forever()
            finally:
                server.close()
        elif open_browser and output:
            import webbrowser

            webbrowser.open(output.resolve().as_uri())
        if not output and not serve:
            out.print(f"[bold]Subject:[/] {_escape(rendered.subject)}")
            out.print(f"{len(digest.items)} item(s), {digest.more} more · HTML {rendered.size / 1024:.1f} KB · message {len(result.message) / 1024:.1f} KB\n")
            out.print(result.text, markup=False)


@contextmanager
def _preview_store(settings: Settings):
    """The configured store, or, when it holds no articles, the seeds gathered into memory."""
    from digest.config import DEMO_CONFIG
    from digest.store import Store

    with Store(settings.store.url) as store:
        if store.count_articles():
            yield store, settings
            return
    demo = load_settings(DEMO_CONFIG, environ={})
    err.print("the store is empty: previewing the seeds", markup=False, style="dim")
    with Store("sqlite://") as memory:
        from digest.fetch import make_client
        from digest.gather import gather as run_gather

        async def go():
            async with make_client(demo.fetch) as client:
                await run_gather(demo.sources, client=client, store=memory, settings=demo.fetch)

        asyncio.run(go())
        yield memory, demo


def _first_list(settings: Settings):
    if not settings.lists:
        raise _Failed("no [lists.NAME] section in the config")
    return settings.lists[0]


def _gather(settings: Settings):
    from digest.fetch import make_client
    from digest.gather import gather as run_gather
    from digest.store import Store

    async def go():
        async with make_client(settings.fetch) as client:
            return await run_gather(settings.sources, client=client, store=store, settings=settings.fetch)

    with Store(settings.store.url) as store:
        return asyncio.run(go())


def _articles(sources: list[str], *, raw: bool) -> Iterator[tuple[str, Article]]:
    """Each source's article; a source that fails is reported on stderr and the rest
    go on, and the command then exits with status 2."""
    failed = False
    for source in sources:
        try:
            page = _read_source(source)
            if raw:
                article = _raw_article(page)
            else:
                from digest.extract import extract_article

                article = extract_article(page)
            if article is None:
                raise _Failed("no article body found")
        except (DigestError, _Failed) as exc:
            message = str(exc) if str(exc).startswith(source) else f"{source}: {exc}"
            err.print(f"digest: error: {message}", markup=False)
            failed = True
            continue
        yield source, article
    if failed:
        raise typer.Exit(2)


def _read_source(source: str):
    from digest.urls import is_http_url

    if is_http_url(source):
        from digest.fetch import Fetcher, make_client

        settings = state.settings.fetch

        async def go():
            async with make_client(settings) as client:
                return await Fetcher(client, settings=settings).fetch(source)

        return asyncio.run(go()).page
    from digest.files import read_page

    path = Path(source)
    if not path.exists():
        raise _Failed("no such file")
    return read_page(path)


def _raw_article(page) -> Article | None:
    from digest.extract import decode_text

    text = decode_text(page)
    paragraphs = tuple(" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
    return Article(url=page.url, title="", paragraphs=paragraphs) if paragraphs else None


def _record(source: str, article: Article) -> dict:
    return {
        "source": source,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "text": article.text,
    }


def _print_article(article: Article, record: dict) -> None:
    _print_heading(article)
    out.print(record["text"], markup=False)
    out.print()


def _print_summary(article: Article, sentences: tuple[str, ...]) -> None:
    _print_heading(article)
    for sentence in sentences:
        out.print(f"  • {sentence}", markup=False)
    out.print()


def _print_heading(article: Article) -> None:
    out.print(f"[bold]{_escape(article.title or '(untitled)')}[/]")
    meta = [", ".join(article.authors), article.published.date().isoformat() if article.published else "", article.url]
    out.print(_escape(" · ".join(m for m in meta if m)), style="dim")
    for warning in article.warnings:
        out.print(f"warning: {_escape(warning)}", style="yellow")


def _print_gather(report) -> None:
    table = Table(title="Gathered", title_justify="left")
    table.add_column("source")
    table.add_column("new", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("status")
    for item in report.sources:
        if item.error:
            status = f"[red]error: {_escape(item.error)}[/]"
        elif item.not_modified:
            status = "not modified"
        else:
            status = "ok"
        if item.failures:
            status += f" [yellow]({len(item.failures)} item(s) failed)[/]"
        table.add_row(item.source, str(item.new), str(item.seen), status)
    out.print(table)
    for item in report.sources:
        for failure in item.failures:
            out.print(f"  [yellow]{_escape(item.source)}[/]: {_escape(failure.item)}: {_escape(failure.reason)}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
