"""A plain-text rendering of an HTML page that does not trust its markup.

When a page's markup is broken (a truncated doctype, an ``</html>`` before
the body, an unclosed comment inside the head) an HTML parser can give back
almost nothing while the article is still there in the bytes. This renders
the page the way a text browser dumps it, with regular expressions only: the
text of each block on its own line, blank lines between blocks, list items as
``  * ``; scripts, styles, comments and the head's metadata dropped; entities
decoded. The scrape classifier then reads it like any other scrape.
"""

from __future__ import annotations

import re
from html import unescape

_DROPPED = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|noscript|template|svg|math|iframe|object|select|textarea|title)\b[^>]*>.*?"
    r"(?:</\1\s*>|$)|<head\b[^>]*>.*?(?:</head\s*>|(?=<body\b))",
    re.IGNORECASE | re.DOTALL,
)
_DECLARATION = re.compile(r"<![^>]*>|<\?[^>]*>")
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_BREAK = re.compile(r"<br\b[^>]*>", re.IGNORECASE)
_BLOCK = re.compile(
    r"</?(?:p|div|section|article|main|aside|header|footer|nav|h[1-6]|ul|ol|dl|dt|dd|table|thead|tbody|tfoot|tr"
    r"|blockquote|pre|figure|figcaption|form|fieldset|address|hr|body|html|center|details|summary)\b[^>]*>",
    re.IGNORECASE,
)
_CELL = re.compile(r"</?t[dh]\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>|<[a-zA-Z/][^>]*$")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n{3,}")


def render_text(html: str) -> str:
    """The text of ``html``, one block a line, blank lines between blocks, list items marked."""
    text = _DROPPED.sub(" ", html)
    text = _DECLARATION.sub(" ", text)
    text = _ITEM.sub("\n\n  * ", text)
    text = _BREAK.sub("\n", text)
    text = _BLOCK.sub("\n\n", text)
    text = _CELL.sub(" ", text)
    text = unescape(_TAG.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    rendered = "\n".join(("  " + line) if line.startswith("* ") else line for line in lines)
    return _BLANKS.sub("\n\n", rendered).strip()
