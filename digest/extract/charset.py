"""The text encoding of an HTML page's bytes.

Decides which encoding decodes a page: a byte-order mark first, then a
``<meta charset>`` declared in the first bytes (with the WHATWG readings of
latin-1 and UTF-16 labels), then UTF-8; a page declared nowhere whose text is
mostly bytes above ASCII (Cyrillic, Greek, Japanese...) is read in the
encoding its bytes fit best (charset_normalizer), any other in windows-1252;
NUL bytes without a UTF-16 mark mean binary content, not a page.
"""

from __future__ import annotations

import codecs
import logging
import re

from digest.errors import ExtractError

log = logging.getLogger(__name__)

CHARSET_SNIFF_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# WHATWG: in HTML these labels mean windows-1252, and a <meta> naming UTF-16
# means UTF-8 (a real UTF-16 page has a BOM).
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1"})
_UTF16_LABELS = frozenset({"utf-16", "utf-16le", "utf-16be", "utf16"})


def decode_html(data: bytes) -> str:
    """Decode HTML bytes: BOM, then a declared ``<meta charset>``, then UTF-8, then windows-1252.

    Raises :class:`ExtractError` for binary (NUL-bearing) content without a UTF-16 BOM.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:CHARSET_SNIFF_BYTES]:
        raise ExtractError("binary content, not an HTML page")
    declared = declared_charset(data[:CHARSET_SNIFF_BYTES])
    candidates = [declared] if declared else []
    candidates += ["utf-8"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            log.debug("page does not decode as %s", encoding)
    if declared is None and _mostly_beyond_ascii(data):
        detected = _detected(data)
        if detected is not None:
            return detected
    return data.decode("cp1252", errors="replace")


# What holds no text a reader sees: comments, and the raw text of scripts and styles.
_RAW_START = re.compile(rb"<!--|<(script|style)\b", re.IGNORECASE)
_MARKUP = re.compile(rb"<[^<>]*+>|\s+")
_SHARE_SAMPLE_BYTES = 262_144
# Latin-script languages stay under about a sixth of their text above ASCII (accents, quotes);
# Cyrillic, Greek, Arabic, Hebrew, Thai and CJK text is mostly above it.
_BEYOND_ASCII_SHARE = 0.3


def without_raw_text(data: bytes) -> bytes:
    """HTML bytes without their comments, scripts and styles, in one pass: each is found
    with a plain search for its end, so no input makes this slower than linear."""
    low, kept, at = data.lower(), [], 0
    while (start := _RAW_START.search(data, at)) is not None:
        kept.append(data[at : start.start()])
        if start.group(1) is None:
            end = data.find(b"-->", start.end())
            at = len(data) if end < 0 else end + 3
            continue
        end = low.find(b"</" + start.group(1).lower(), start.end())
        close = low.find(b">", end) if end >= 0 else -1
        at = len(data) if close < 0 else close + 1
    kept.append(data[at:])
    return b"".join(kept)


def _mostly_beyond_ascii(data: bytes) -> bool:
    text = _MARKUP.sub(b"", without_raw_text(data[:_SHARE_SAMPLE_BYTES]))
    return bool(text) and sum(1 for byte in text if byte >= 0x80) / len(text) >= _BEYOND_ASCII_SHARE


def _detected(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    log.debug("page declares no encoding: read as %s", best.encoding)
    return str(best)


def declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", errors="ignore").lower()
    if label in _LATIN1_LABELS:
        return "cp1252"
    return "utf-8" if label in _UTF16_LABELS else label
