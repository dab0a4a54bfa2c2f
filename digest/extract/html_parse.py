"""The page's markup parsed into a tree: the tree ``trafilatura.load_html`` builds, at less cost.

The text is repaired as trafilatura repairs it (the characters XML forbids go, a
doctype with a slash libxml2 misreads goes, a self-closing ``<html/>`` in the first
lines is opened) and parsed with the same settings: comments and processing
instructions dropped, no ids collected, no default doctype; a string lxml refuses
(one declaring its encoding) or one that parses to nothing is parsed again as
UTF-8 bytes, and text that does not start like HTML and parses to fewer than two
elements is no page.

Three things cost less. lxml.html's parser picks the Python class of each element
it hands to Python in a Python callback (form controls get classes with
form-filling methods, which nothing here or in trafilatura calls); here every
element is a ``PageElement`` (an ``HtmlElement``), picked in C, and trafilatura's
passes and ours reach the elements of a page hundreds of thousands of times. Its
``text_content`` is the same text, read in C by the serializer, where lxml.html
evaluates an XPath expression and builds a string that remembers its element:
trafilatura weighs a block's links by reading the text of each, tens of
thousands of times on a large page. And the forbidden characters, which a page
hardly ever holds, are looked for in the text's UTF-8 bytes, where a C loop finds
them, before a regular expression removes them.
"""

from __future__ import annotations

import logging
import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring

log = logging.getLogger(__name__)

__all__ = ["PageElement", "load_html"]


class PageElement(HtmlElement):
    """An ``HtmlElement`` whose ``text_content`` is read in C (the same text: every text node inside),
    and whose ``findall(".//name")`` and ``find(".//name")`` walk its descendants in C."""

    def text_content(self) -> str:
        if not len(self):  # most links: their own text, with no serializer to set up
            return self.text or ""
        return etree.tostring(self, method="text", encoding="unicode", with_tail=False)

    def findall(self, path, namespaces=None):
        if namespaces is None and (name := _descendants_named(path)):
            return list(self.iterdescendants(name))
        return super().findall(path, namespaces)

    def find(self, path, namespaces=None):
        if namespaces is None and (name := _descendants_named(path)):
            return next(self.iterdescendants(name), None)
        return super().find(path, namespaces)


# ".//ref": the elements of one name under an element, which trafilatura asks for on each block
# it weighs; lxml reads such a path in Python, a generator step for each element found.
_DESCENDANTS_PATH = re.compile(r"\.//([A-Za-z][\w.-]*)")


def _descendants_named(path: object) -> str | None:
    match = _DESCENDANTS_PATH.fullmatch(path) if isinstance(path, str) else None
    return match.group(1) if match else None


_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=PageElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)

# What XML forbids: the control characters but tab, line feed and carriage return, and U+FFFE, U+FFFF.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ILLEGAL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_DOCTYPE_WITH_SLASH = re.compile("^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_SELF_CLOSING_HTML = re.compile(r"(<html.*?)\s*/>", re.IGNORECASE)


def load_html(text: str) -> HtmlElement | None:
    """The tree of the page ``text``, or None when it is no HTML page."""
    beginning = text[:50].lower()
    dubious = "html" not in beginning
    text, data = _repaired(text, beginning)
    # libxml2 reads UTF-8 as it is, where a string is first converted for it; the same tree
    tree = _parsed(data) if data is not None else None
    if tree is None or len(tree) < 1:  # a fragment, or bytes libxml2 gave up on: the text, as trafilatura reads it
        from_text = _parsed(text)
        if from_text is not None and len(from_text) >= 1:
            tree = from_text
        elif data is None:
            tree = _parsed(text.encode("utf-8", "surrogatepass"))
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _parsed(markup: str | bytes) -> HtmlElement | None:
    try:
        return fromstring(markup, parser=_PARSER)
    except Exception as exc:  # noqa: BLE001 -- as trafilatura: an unparsable page is no tree
        # a string declaring its encoding is refused ("Unicode strings with encoding declaration")
        log.debug("lxml could not parse the page: %s", exc)
    return None


def _repaired(text: str, beginning: str) -> tuple[str, bytes | None]:
    """The text repaired, and its UTF-8 (None for a text no UTF-8 can hold: a lone surrogate)."""
    data = _utf8(text)
    repaired = text
    if _has_xml_illegal(text, data):
        repaired = _XML_ILLEGAL.sub("", repaired)
    if "doctype" in beginning:
        first, _, rest = repaired.partition("\n")
        repaired = _DOCTYPE_WITH_SLASH.sub("", first, count=1) + "\n" + rest
    for line in repaired[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            repaired = _SELF_CLOSING_HTML.sub(r"\1>", repaired, count=1)
            break
    if repaired != text:
        data = _utf8(repaired)
    return repaired, data


def _utf8(text: str) -> bytes | None:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def has_xml_illegal(text: str) -> bool:
    """Whether ``text`` holds a character XML forbids."""
    return _has_xml_illegal(text, _utf8(text))


def _has_xml_illegal(text: str, data: bytes | None) -> bool:
    """Each control character is one byte of UTF-8, a byte no other character's encoding holds."""
    if "\ufffe" in text or "\uffff" in text:
        return True
    encoded = data if data is not None else text.encode("utf-8", "surrogatepass")
    return len(encoded.translate(None, _XML_ILLEGAL_BYTES)) != len(encoded)
