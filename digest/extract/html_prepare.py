"""The parsed page made ready for trafilatura: what nobody sees goes, so do the
photos' captions, pull quotes and footnote markers, repeats stay apart.

Hidden blocks (the ``hidden`` attribute, an inline ``display: none`` or
``visibility: hidden`` on a paragraph, list, section...) are not on the page a
reader sees, so they go, unless they hold nearly all of the page's text (a page
that reveals its article with a script). Hidden inline elements stay: they are
another rendering of the text around them (MathML beside its image), which
trafilatura handles.

A photo's caption (a <figcaption>, an element whose class or id names a
caption: a caption cell under the photo in a layout table, a caption
paragraph beside it) describes the picture, not the story; captions go unless
they hold most of the page's text (a photo essay told in them).

A pull quote (a <blockquote>, an <aside>, an element whose class names a pull
quote) prints a sentence of the story again in large type, before or after the
paragraph that tells it: it goes when all its words, perhaps but the speaker's
name after a dash, run in order inside another paragraph of the page. A
quotation the text introduces ("... with this statement:") is the story's own,
even when a later paragraph quotes it again; an embedded post is left alone.

A footnote's marker set in superscript (a number, a letter or a symbol) after
the text's words goes when it links to a note on the page or follows a
sentence's punctuation: in the text, "in 2019.<sup>2</sup>" would read "in
2019.2", and no check on the text can tell that marker from a number. A
superscript after a letter or a digit with no link may be an exponent
("10<sup>6</sup>") and stays, so does one opening a note (its number, its links
back to the text).

trafilatura drops a paragraph that repeats the one before it: one element
taken twice by overlapping candidates is an artifact of its extraction. But a
page can print the same text in two elements of its own (a refrain, a
repeated subheading), and that text is the page's. Each further copy gets an
invisible mark (a run of zero-width spaces, one longer for each copy) so no
two copies compare equal; ``unmark`` takes the marks out of the text after. Only
the first MAX_MARKED_COPIES further copies are marked.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from digest.text import fold

REPEAT_MARK = "\u200b"

# The elements whose own text is a paragraph; a container of them is not compared itself.
# List items and table cells are left out: a menu or a table repeats them, no author.
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "div", "dd")
_CONTAINERS = frozenset(["div", "blockquote", "dd"])
_BLOCK_SET = frozenset([*_BLOCKS, "ul", "ol", "dl", "table", "section", "article", "figure", "form"])

_HIDEABLE_BLOCKS = frozenset(
    ["p", "div", "section", "article", "aside", "header", "footer", "nav", "main", "ul", "ol", "li", "dl", "dd",
     "dt", "table", "figure", "figcaption", "form", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"]
)  # fmt: skip
# The elements with a hidden or a style attribute, in document order; reached from the attributes,
# libxml2 finds them in half the time a test on every element takes.
_MAY_BE_HIDDEN = etree.XPath("//@hidden/.. | //@style/..")
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)
# Hidden text beyond this share of the page's is the article waiting for a script, not furniture.
_HIDDEN_MAX_SHARE = 0.8


def prepare_tree(tree) -> None:
    """Drop the hidden elements of ``tree``, its captions, pull quotes and footnote markers, and mark
    its repeated blocks (in place)."""
    drop_hidden(tree)
    drop_captions(tree)
    drop_pull_quotes(tree)
    drop_footnote_markers(tree)
    mark_repeated_blocks(tree)


def drop_hidden(tree) -> int:
    """Remove the blocks a reader does not see; the number removed."""
    hidden = [element for element in _MAY_BE_HIDDEN(tree) if element.tag in _HIDEABLE_BLOCKS and _is_hidden(element)]
    hidden_set = set(hidden)
    outermost = [element for element in hidden if not any(a in hidden_set for a in element.iterancestors())]
    hidden_chars = sum(len(text.strip()) for element in outermost for text in element.itertext())
    if not outermost or not _has_text_beyond(tree, hidden_chars / _HIDDEN_MAX_SHARE):
        return 0
    for element in outermost:
        _remove_keeping_tail(element)
    return len(outermost)


# The elements whose class or id names a caption ("wp-caption-text", "tr-caption", "ImageCaption"),
# and the <figcaption>s. XPath tests the attributes in C: a Python test on each element of a
# large page costs milliseconds (each element read from lxml.html is a new Python object).
_CAPTIONS = etree.XPath("//@class[contains(., 'aption')]/.. | //@id[contains(., 'aption')]/.. | //figcaption")
# A caption is a sentence or two; a longer block with "caption" in its class holds more.
_CAPTION_MAX_CHARS = 500
# Captions beyond this share of the page's text are the story (a photo essay), not furniture.
_CAPTIONS_MAX_SHARE = 0.5


def drop_captions(tree) -> int:
    """Remove the photos' captions; the number removed."""
    captions = [
        element
        for element in _CAPTIONS(tree)
        if _is_caption(element) and 0 < _text_chars(element, limit=_CAPTION_MAX_CHARS) <= _CAPTION_MAX_CHARS
    ]
    caption_set = set(captions)
    outermost = [element for element in captions if not any(a in caption_set for a in element.iterancestors())]
    caption_chars = sum(_text_chars(element) for element in outermost)
    if not outermost or not _has_text_beyond(tree, caption_chars / _CAPTIONS_MAX_SHARE):
        return 0
    for element in outermost:
        _remove_keeping_tail(element)
    return len(outermost)


def _is_caption(element) -> bool:
    """A <figcaption>, or an element whose class or id says "caption" in any case ("aption" found it)."""
    marks = f"{element.get('class') or ''} {element.get('id') or ''}"
    return element.tag == "figcaption" or "caption" in marks.lower()


def _text_chars(element, *, limit: int | None = None) -> int:
    """The characters of text in ``element``, counted only a little past ``limit``."""
    chars = 0
    for text in element.itertext():
        chars += len(text.strip())
        if limit is not None and chars > limit:
            break
    return chars


# A pull quote: a block quotation, an aside or an element whose class names a pull quote
# ("pullquote", "pull-quote"), whose words all run, in order, inside a paragraph of the page;
# not a quotation the text before it introduces ("... with this statement:"), which the story
# may quote again, nor an embedded post.
_PULL_QUOTE_CANDIDATES = etree.XPath("//blockquote | //aside | //@class[contains(., 'ull')]/..")
_PULL_QUOTE_CLASS = re.compile(r"pull[-_ ]?quote|quote[-_ ]?pull", re.IGNORECASE)
_EMBED_CLASS = re.compile(r"tweet|instagram|tiktok|embed", re.IGNORECASE)
# Fewer words than this inside another paragraph are a phrase the story uses twice.
_PULL_QUOTE_MIN_WORDS = 6
_PULL_QUOTE_MAX_WORDS = 60
_PULL_QUOTE_MAX_CHARS = 600
# The speaker's name after the quote: "... home." — Mara Dunn
_QUOTE_CREDIT = re.compile(r"(?<=[.!?\"”’»])\s*[—–-]+\s*[^\W\d_][^.!?—–-]{0,60}$")


def drop_pull_quotes(tree) -> int:
    """Remove the pull quotes: a sentence of the story printed again for design; the number removed."""
    candidates = [
        element
        for element in _PULL_QUOTE_CANDIDATES(tree)
        if (element.tag in ("blockquote", "aside") or _PULL_QUOTE_CLASS.search(element.get("class") or ""))
        and not _EMBED_CLASS.search(element.get("class") or "")
    ]
    if not candidates:
        return 0
    paragraphs: list[tuple[object, str]] | None = None
    quotes = []
    for element in candidates:
        text = short_text(element, limit=_PULL_QUOTE_MAX_CHARS)
        words = fold(_QUOTE_CREDIT.sub("", text)).split() if text else []
        if not _PULL_QUOTE_MIN_WORDS <= len(words) <= _PULL_QUOTE_MAX_WORDS:
            continue
        if paragraphs is None:
            paragraphs = [(p, f" {fold(' '.join(p.itertext()))} ") for p in tree.iter("p")]
        run = f" {' '.join(words)} "
        own = set(element.iter("p"))
        repeated = any(run in told and len(told) > len(run) for p, told in paragraphs if p not in own)
        if repeated and not _text_before_block(element).endswith(":"):
            quotes.append(element)
    for element in quotes:
        _remove_keeping_tail(element)
    return len(quotes)


def _text_before_block(element) -> str:
    """The last words before ``element`` in the page, however deep its container."""
    node = element
    while node is not None:
        for sibling in node.itersiblings(preceding=True):
            text = (sibling.tail or "").strip() or " ".join("".join(sibling.itertext()).split())
            if text:
                return text
        parent = node.getparent()
        if parent is not None and (parent.text or "").strip():
            return parent.text.strip()
        node = parent
    return ""


def short_text(element, *, limit: int) -> str | None:
    """The text of ``element``, spaces folded, or None when it runs past ``limit`` characters
    (read only so far: a block may hold the whole story)."""
    parts, chars = [], 0
    for text in element.itertext():
        parts.append(text)
        chars += len(text)
        if chars > limit:
            return None
    return " ".join("".join(parts).split())


# A footnote's marker: a number, a letter or a symbol, perhaps in brackets.
_MARKER_TEXT = re.compile(r"\[?(?:\d{1,3}|[a-z]|[*†‡§]{1,3}|note \d{1,3})\]?", re.IGNORECASE)
# After these a superscript number is a footnote's, whatever precedes them ("in 2019.²", "1931,³");
# after a letter, a digit or a closing bracket it may be an exponent ("10⁶", "h²", "(a + b)²").
_BEFORE_FOOTNOTE = (".", ",", ";", ":", "!", "?", "”", "’", '"')
_AFTER_WORDS = frozenset([*_BEFORE_FOOTNOTE, ")", "]"])


def drop_footnote_markers(tree) -> int:
    """Remove the footnote markers set in superscript (the text after them stays); the number removed.

    A superscript after the text's words is a footnote's marker when it links to a note on the page
    ("#note-4"), or when it follows a sentence's punctuation; flattened into the text, "in
    2019.<sup>2</sup>" would read "in 2019.2", which no later check can tell from a number.
    """
    markers = []
    for sup in tree.iter("sup"):
        text = "".join(sup.itertext()).strip()
        if not _MARKER_TEXT.fullmatch(text):
            continue
        parent = sup.getparent()
        marker = (
            parent if parent is not None and parent.tag == "a" and "".join(parent.itertext()).strip() == text else sup
        )
        before = _text_before(marker).rstrip()
        if not before or not (before[-1].isalnum() or before[-1] in _AFTER_WORDS):
            continue  # a note's own number or its links back to the text ("^ a b"), at the note's start
        if _links_in_page(marker) or before.endswith(_BEFORE_FOOTNOTE):
            markers.append(marker)
    for marker in markers:
        _remove_keeping_tail(marker)
    return len(markers)


def _links_in_page(element) -> bool:
    links = [element] if element.tag == "a" else list(element.iter("a"))
    return any((link.get("href") or "").startswith("#") for link in links)


def _text_before(element) -> str:
    """The text just before ``element`` in its parent."""
    previous = element.getprevious()
    if previous is not None:
        return previous.tail or "".join(previous.itertext())  # "<b>in 2019.</b><sup>2</sup>"
    parent = element.getparent()
    return (parent.text or "") if parent is not None else ""


def elements_after(element):
    """The elements after ``element`` in document order, not counting those inside it."""
    node = element
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()


def mark_repeated_blocks(tree) -> int:
    """Mark each further copy of a block's text in ``tree`` (in place); the number marked."""
    # the elements with a block among their children, found from the blocks (not from each child of each container)
    holding_blocks = {element.getparent() for element in tree.iter(*_BLOCK_SET)}
    copies: dict[str, list] = defaultdict(list)
    for element in tree.iter(*_BLOCKS):
        if element.tag in _CONTAINERS and element in holding_blocks:
            continue
        text = "".join(element.itertext()).strip()
        if text:
            copies[text].append(element)
    marked = 0
    for elements in copies.values():
        # Marks grow by one a copy, so marking every copy of a block printed thousands of
        # times would add their square in characters (gigabytes); past the first few, a
        # copy is the template's, not the author's, and trafilatura may drop it.
        for count, element in enumerate(elements[1 : MAX_MARKED_COPIES + 1], start=1):
            _append_text(element, REPEAT_MARK * count)
            marked += 1
    return marked


MAX_MARKED_COPIES = 20

# A mark ends its element's text; a zero-width space inside a run of text is the page's own.
_MARKS = re.compile(REPEAT_MARK + r"+(?=\s|$)")


def unmark(text: str) -> str:
    return _MARKS.sub("", text) if REPEAT_MARK in text else text


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None:
        return True
    style = element.get("style")
    return bool(style) and _HIDING_STYLE.search(style) is not None


def _has_text_beyond(tree, chars: float) -> bool:
    """Whether the page's text runs past ``chars`` characters (counted only as far as needed)."""
    body = tree.find(".//body")
    seen = 0
    for text in (body if body is not None else tree).itertext():
        seen += len(text.strip())
        if seen > chars:
            return True
    return False


def _remove_keeping_tail(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _append_text(element, text: str) -> None:
    if len(element):
        last = element[-1]
        last.tail = _before_trailing_space(last.tail or "", text)
    else:
        element.text = _before_trailing_space(element.text or "", text)


def _before_trailing_space(text: str, mark: str) -> str:
    stripped = text.rstrip()
    return stripped + mark + text[len(stripped) :]
