"""Local sources: a file or a folder of saved pages (.html, .htm, .txt, each optionally .gz)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import SourceError
from digest.models import Failure, Page
from digest.urls import file_url

CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain"}
MAX_FILE_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class PathRead:
    pages: tuple[Page, ...]
    failures: tuple[Failure, ...] = ()


def content_type_for(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return CONTENT_TYPES.get(suffixes[-1]) if suffixes else None


def read_page(path: Path, *, source: str = "") -> Page:
    """Read one file as a Page; raises SourceError with a one-line reason."""
    content_type = content_type_for(path)
    if content_type is None:
        raise SourceError(f"{path}: unsupported file type (expected .html, .htm or .txt, optionally .gz)")
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SourceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        body = path.read_bytes()
        if path.suffix.lower() == ".gz":
            body = _gunzip(body, path)
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return Page(url=file_url(path), body=body, content_type=content_type, fetched_at=datetime.now(UTC), source=source)


def read_feed_file(path: Path, *, source: str = "") -> Page:
    """A feed document saved on disk (.xml, .rss, .atom, .json, optionally .gz)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SourceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
        body = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".gz":
        body = _gunzip(body, path)
    kind = "application/feed+json" if ".json" in (s.lower() for s in path.suffixes) else "application/xml"
    return Page(url=file_url(path), body=body, content_type=kind, fetched_at=datetime.now(UTC), source=source)


def read_path(location: str | Path, *, source: str = "") -> PathRead:
    """A file, or every supported file below a folder (sorted, recursive). Unreadable
    files in a folder are per-item failures; a missing path fails the whole source."""
    path = Path(location)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        return PathRead(pages=(read_page(path, source=source),))
    pages, failures = [], []
    root = path.resolve()
    for child in sorted(p for p in path.rglob("*") if p.is_file() and content_type_for(p)):
        if not child.resolve().is_relative_to(root):
            # A link out of the folder (to /etc/passwd, a private page): not the source's to read.
            failures.append(Failure(item=str(child), reason=f"{child}: a link to a file outside {path}; not read"))
            continue
        try:
            pages.append(read_page(child, source=source))
        except SourceError as exc:
            failures.append(Failure(item=str(child), reason=str(exc)))
    if not pages and not failures:
        raise SourceError(f"{path}: no .html, .htm or .txt files in this folder")
    return PathRead(pages=tuple(pages), failures=tuple(failures))


def _gunzip(body: bytes, path: Path) -> bytes:
    # Decompress with a cap, so a small gzip bomb cannot fill memory.
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, MAX_FILE_BYTES + 1)
    except zlib.error as exc:
        raise SourceError(f"{path}: not a valid gzip file ({exc})") from None
    if len(out) > MAX_FILE_BYTES:
        raise SourceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes uncompressed")
    return out
