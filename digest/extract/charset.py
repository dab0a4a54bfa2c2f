"""The text encoding of an HTML page's bytes.

Decides which encoding decodes a page: a byte-order mark first, then a
``<meta charset>`` declared in the first bytes (with the WHATWG readings of
latin-1 and UTF-16 labels), then UTF-8, then windows-1252; NUL bytes without
a UTF-16 mark mean binary content, not a page.
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
    return data.decode("cp1252", errors="replace")


def declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", errors="ignore").lower()
    if label in _LATIN1_LABELS:
        return "cp1252"
    return "utf-8" if label in _UTF16_LABELS else label
