"""Local sources: a file or a folder of saved pages (.html, .htm, .txt, each optionally .gz)."""

from __future__ import annotations

import errno
import os
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
    """A file, or every supported file below a folder (sorted, recursive). Files in a
    folder that cannot be read (a broken or looping link, no permission, a folder that
    cannot be listed) are per-item failures; a path that cannot be read fails the whole source."""
    path = Path(location)
    problem = _stat_problem(path)
    if problem is not None:
        raise SourceError(f"{path}: {'no such file or folder' if problem == 'no such file' else problem}")
    if path.is_file():
        return PathRead(pages=(read_page(path, source=source),))
    if not path.is_dir():
        raise SourceError(f"{path}: not a regular file or folder")
    pages, failures = [], []
    for child, problem in _supported_files(path):
        if problem is not None:
            failures.append(Failure(item=str(child), reason=f"{child}: {problem}"))
            continue
        try:
            pages.append(read_page(child, source=source))
        except SourceError as exc:
            failures.append(Failure(item=str(child), reason=str(exc)))
    if not pages and not failures:
        raise SourceError(f"{path}: no .html, .htm or .txt files in this folder")
    return PathRead(pages=tuple(pages), failures=tuple(failures))


def _supported_files(folder: Path) -> list[tuple[Path, str | None]]:
    """Every file below `folder` with a supported name, sorted, each with why it cannot be
    read (None: it can). A sub-folder that cannot be listed is one such entry itself.
    Links to folders are not followed, as `Path.rglob` does not follow them."""
    found: list[tuple[Path, str | None]] = []
    root = folder.resolve()

    def unlisted(exc: OSError) -> None:
        found.append((Path(exc.filename or folder), f"cannot list the folder: {exc.strerror or exc}"))

    for parent, _folders, names in os.walk(folder, onerror=unlisted):
        for name in names:
            child = Path(parent) / name
            if content_type_for(child):
                problem = _stat_problem(child)
                if problem is None and not child.is_file():
                    problem = "not a regular file; not read"  # a pipe or device: reading it could block
                elif problem is None and not child.resolve().is_relative_to(root):
                    # A link out of the folder (to /etc/passwd, a private page): not the source's to read.
                    problem = f"a link to a file outside {folder}; not read"
                found.append((child, problem))
    return sorted(found, key=lambda item: item[0])


def _stat_problem(path: Path) -> str | None:
    """Why `path` (a link followed) cannot be read, or None."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links"
        if exc.errno == errno.ENOENT and os.path.lexists(path):
            return f"a broken symbolic link (to {path.readlink()})"
        if exc.errno == errno.ENOENT:
            return "no such file"
        return f"cannot read: {exc.strerror or exc}"
    return None


def _gunzip(body: bytes, path: Path) -> bytes:
    # Decompress with a cap, so a small gzip bomb cannot fill memory.
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, MAX_FILE_BYTES + 1)
    except zlib.error as exc:
        raise SourceError(f"{path}: not a valid gzip file ({exc})") from None
    if len(out) > MAX_FILE_BYTES:
        raise SourceError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes uncompressed")
    return out
