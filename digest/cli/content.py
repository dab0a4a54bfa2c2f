"""Commands about content: extract, summarize, gather, preview."""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from digest.cli import Failed, ListOption, app, chosen_list, err, errors, open_store, out, report_error, state
from digest.cli.show import print_article, print_gather, print_summary
from digest.errors import DigestError
from digest.models import Article
from digest.text import one_line

SourcesArgument = Annotated[
    list[str], typer.Argument(help="File paths (optionally .gz) or http(s) URLs.", metavar="SOURCE")
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


@app.command()
def extract(sources: SourcesArgument, as_json: JsonOption = False) -> None:
    """Extract the article from each SOURCE: title, authors, date and body text."""
    with errors():
        for source, article in _articles(sources, raw=False):
            record = _record(source, article)
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                print_article(article, record["text"])


@app.command()
def summarize(
    sources: SourcesArgument,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", min=1, max=50, help="Sentences per summary.")
    ] = None,
    algorithm: Annotated[
        str | None,
        typer.Option(
            "--algorithm",
            "-a",
            help="Summariser: pacsum (the default), lead, lexrank, textrank, lsa, luhn, sumbasic, kl or edmundson.",
        ),
    ] = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Take the whole input as the article body; skip extraction.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Extract and summarise each SOURCE."""
    with errors():
        from digest.summarize.algorithms import resolve_algorithm, summarize as run_summary

        options = state.settings.summary
        name = resolve_algorithm(algorithm or options.algorithm)
        count = sentences or options.sentences
        for source, article in _articles(sources, raw=raw):
            summary = run_summary(article, sentences=count, algorithm=name, language=options.language)
            record = _record(source, article) | {"summary": list(summary.sentences)}
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                print_summary(article, summary.sentences)


@app.command()
def gather() -> None:
    """Gather the configured sources into the store; print new, seen and errors per source."""
    with errors():
        from digest.app import gather_sources

        with open_store() as store:
            report = gather_sources(state.settings, store=store)
        print_gather(report)
        if report.failed_sources:
            raise typer.Exit(1)


@app.command()
def preview(
    context: typer.Context,
    list_name: ListOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the final HTML email to this file.")
    ] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve the preview on a local web server.")] = False,
    host: Annotated[str, typer.Option(help="Address to bind with --serve.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port for --serve (0: any free port).")] = 8025,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the preview in a browser.")] = False,
) -> None:
    """Preview the digest the next run would send: from the store, or the seeds if the store is empty."""
    with errors():
        from digest.app import draft_digest
        from digest.preview import PreviewServer, build_preview

        # Options that would otherwise do nothing: said before any work, not ignored.
        if open_browser and not (serve or output):
            raise Failed("--open opens the page of --serve or the file of --output: give one of them")
        given = [f"--{n}" for n in ("host", "port") if _given(context, n)]
        if given and not serve:
            raise Failed(
                f"{' and '.join(given)} {'are' if len(given) > 1 else 'is'} where --serve listens: add --serve"
            )
        settings = state.settings
        chosen = chosen_list(list_name)
        with open_store() as store:
            draft = draft_digest(settings, chosen, store=store)
        if draft.from_seeds:
            err.print("the store is empty: previewing the seeds", markup=False, style="dim")
        if draft.stored is not None:
            err.print(f"nothing new: previewing the last issue, {draft.digest.issue_id}", markup=False, style="dim")
        result = build_preview(draft.digest, chosen, rendered=draft.stored)
        rendered = result.rendered
        for warning in rendered.warnings:
            err.print(f"warning: {one_line(warning)}", markup=False)
        if output:
            try:
                _write_whole(output, result.html)
            except OSError as exc:
                raise Failed(f"{output}: cannot write: {exc.strerror or exc}") from None
            out.print(
                f"wrote {output} ({rendered.size / 1024:.1f} KB HTML, {len(result.message) / 1024:.1f} KB message): "
                f"{rendered.subject}",
                markup=False,
            )
        if serve:
            try:
                server = PreviewServer(
                    draft.digest,
                    chosen,
                    host=host,
                    port=port,
                    maildir=Path(settings.delivery.maildir),
                    rendered=draft.stored,
                )
            except OSError as exc:
                raise Failed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
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
            from rich.markup import escape

            out.print(f"[bold]Subject:[/] {escape(rendered.subject)}")
            out.print(
                f"{draft.item_count} item(s), {draft.digest.more} more · HTML {rendered.size / 1024:.1f} KB · "
                f"message {len(result.message) / 1024:.1f} KB\n"
            )
            out.print(result.text, markup=False)


def _given(context: typer.Context, name: str) -> bool:
    """Whether option `name` was given (on the command line or by its variable). By name:
    typer may bring a click of its own, whose ParameterSource is another class."""
    source = context.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _articles(sources: list[str], *, raw: bool) -> Iterator[tuple[str, Article]]:
    """Each source's article; a source that fails is reported on stderr and the rest
    go on, and the command then exits with status 2."""
    from digest.app import raw_article, read_source
    from digest.urls import redact_url, redact_urls

    failed = False
    for source in sources:
        try:
            page = read_source(source, settings=state.settings)
            if raw:
                article = raw_article(page)
            else:
                from digest.extract.article import extract_article

                article = extract_article(page)
            if article is None:
                raise Failed("no article body found")
        except (DigestError, Failed) as exc:
            message = str(exc).removeprefix(source).removeprefix(": ")
            report_error(f"{redact_url(one_line(source))}: {one_line(redact_urls(message))}")
            failed = True
            continue
        yield source, article
    if failed:
        raise typer.Exit(2)


def _record(source: str, article: Article) -> dict:
    return {
        "source": source,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "text": article.text,
    }


def _write_whole(path: Path, text: str) -> None:
    """`text` into `path`, all or nothing where `path` is a file (or none yet): written beside
    it and renamed over it, so a full disk leaves the old file as it was. Anything else
    (/dev/stdout, a pipe) is written to as it is."""
    data = text.encode("utf-8")
    if path.exists() and not path.is_file():
        with path.open("wb") as out:
            out.write(data)
        return
    target = Path(os.path.realpath(path))  # a link to a file: the file is replaced, the link kept
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to a new file
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if target.exists():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
