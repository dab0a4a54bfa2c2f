"""Blocks of a plain-text scrape: where one block ends and the next begins.

Text is normalised (NFC, invisible characters dropped, spaces squeezed, the
marks a text browser leaves dropped), cut into blank-line groups, and each
group split into lines unless it looks hard-wrapped (a copyright notice under
a sentence's end starts a block of its own). Also the kinds a block
can be and the small line features (word counts in any script, sentence ends
even under a footnote's number, bullets, title case, quoted speech) the classifier reads.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from digest.text import joins_without_space


class Kind(StrEnum):
    PROSE = "prose"  # a paragraph: long enough, ends like a sentence
    SENTENCE = "sentence"  # a short complete sentence
    BULLET = "bullet"  # a list item with some substance
    FRAGMENT = "fragment"  # headline, subheading, alt text: no terminal punctuation
    NAV = "nav"  # menu items, breadcrumbs, one-word links
    NAME = "name"  # a bare person's name
    BYLINE = "byline"  # "By X", "Posted by X on DATE", "X · DATE"
    TEASER = "teaser"  # "X ·" under a teaser headline in a link list
    DATE = "date"  # a dateline/timestamp line
    META = "meta"  # read time, tags, credits, author contact
    CAPTION = "caption"  # photo caption, credit or alt text
    CTA = "cta"  # newsletter, donation, login, cookie appeals
    LEGAL = "legal"  # copyright, licences, policies
    SECTION = "section"  # "Related", "Comments", "Read more", ...
    COMMENT = "comment"  # "Reply", "Like (3)", "2 hours ago"
    THREAD = "thread"  # a comment section's heading: "13 comments", "Leave a reply"
    REPLY = "reply"  # a reader's comment: prose framed by comment furniture
    CODE = "code"
    AD = "ad"  # "Advertisement", "Story continues below"
    OUTLINE = "outline"  # the page's own table of contents: items repeated later as its headings
    FIGURE = "figure"  # a number alone on a line: a chart's axis label or value


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    kind: Kind
    words: int

    def as_kind(self, kind: Kind) -> Block:
        """The same line read as another kind."""
        return Block(text=self.text, kind=kind, words=self.words)


# --- text normalisation and block splitting ---------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# A sentence's end, with the closing quote or bracket after it and a footnote's number after
# that ("accident.^2", "accident.[3]", "accident.³"): the marker does not make it a fragment.
TERMINAL = re.compile(r"[.!?…。！？][\"'”’)\]」』）]*(?:\^\d{1,3}|\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})?$")
BULLET = re.compile(r"^(?:[•◦▪▸►‣∙*·+-]|\d{1,2}[.)])\s+")

# What a text browser's dump (lynx -dump) adds to the page's own text: nested
# list items marked "+", "o", "#" or "@" under an indent; buttons, form fields,
# checkboxes and frames; an image's file name where it has no alt text; an
# inserted-text marker; MathML with its TeX; and, above the page, one line per
# <link> of its head ("#alternate ...", "#publisher").
_NESTED_ITEM = re.compile(r"^\s{2,}[*+o#@]\s+(?=\S)")
_BROWSER_MARKS = re.compile(
    r"\(BUTTON\)|\[BUTTON Input\](?: \(not implemented\))?|_{4,}|\[[ xX]\](?=\s|$)"
    r"|\[(?![.…]+\])(?:[^\]\s]*[.;?=/][^\]\s]*)?\]"
)
# A link's number in a dump that lists the links below the page ("By [7]Tom Hollis"): glued to
# the link's text, where a footnote's number follows the word it annotates.
_LINK_NUMBER = re.compile(r"(?:^|(?<=[\s(]))\[\d{1,4}\](?=[^\W_]|[\"'“‘])")
_INSERTED = re.compile(r"\[INS:\s*(.*?)\s*:INS\]")
_FRAME = re.compile(r"^\s*(?:IFRAME|FRAME):\s")
_MATH = re.compile(r"\[MATH:.*?:MATH\]")
_TEX = re.compile(r"\{\\displaystyle\s*(.*?)\s*\}\s*</annotation>")
_HEAD_LINK = re.compile(r"^#\w")
# A picture whose alt text is its file name: "12-IMG_3886.jpg".
_IMAGE_FILE = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?)$", re.IGNORECASE)


def normalise(text: str) -> list[str]:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    lines: list[str] = []
    for raw in text.splitlines():
        if _FRAME.match(raw):
            continue
        if not lines and _HEAD_LINK.match(raw):
            continue  # a <link> of the page's head, listed above its text
        line = _NESTED_ITEM.sub("* ", raw)
        if "[" in line or "(" in line or "_" in line:
            line = _MATH.sub(_tex, _INSERTED.sub(r"\1", line))
            line = _BROWSER_MARKS.sub(" ", _LINK_NUMBER.sub("", line))
        if "&" in line:
            line = _LEFT_ENTITY.sub(_entity, line)
        line = SPACES.sub(" ", line).strip()
        if _IMAGE_FILE.match(line):
            continue
        if lines or line:
            lines.append(line)
    return lines


# An entity the page escaped twice, so that the browser printed it ("Trump&#39;s",
# "Here &mdash; and"): the character it stands for. "&lt;" and "&gt;" stay, which a page
# about markup prints on purpose.
_LEFT_ENTITY = re.compile(
    r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|amp|quot|apos|nbsp|[mn]dash|[lr][sd]quo|[sb]dquo|hellip|middot|bull|copy|reg"
    r"|trade|euro|pound|eacute|egrave|agrave|ccedil|uuml|ouml|auml|szlig);"
)


def _entity(match: re.Match[str]) -> str:
    text = html.unescape(match.group())
    printable = (text.isprintable() or text == "\xa0") and text not in ("<", ">")  # "&#60;" as "&lt;"
    return text if printable else match.group()


def _tex(match: re.Match[str]) -> str:
    tex = _TEX.search(match.group())
    return tex.group(1) if tex else " "


# Scripts written without spaces between words: a run of their characters
# counts as one word for every two characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]+")


def count_words(text: str) -> int:
    """Words in ``text``: spaced words, plus one per two characters of a script written without spaces."""
    words = text.split()
    if not _UNSPACED.search(text):
        return len(words)
    unspaced = sum((len(run) + 1) // 2 for run in _UNSPACED.findall(text))
    spaced = sum(1 for word in words if not _UNSPACED.fullmatch(word))
    return spaced + unspaced


def unspaced_share(text: str) -> float:
    """The share of the text's characters in a script written without spaces."""
    chars = len(text.replace(" ", ""))
    return sum(map(len, _UNSPACED.findall(text))) / chars if chars else 0.0


def split_blocks(lines: list[str]) -> list[str]:
    """Blank-line groups, each split into lines unless they look hard-wrapped."""
    return [block for group in split_groups(lines) for block in group]


def split_groups(lines: list[str]) -> list[list[str]]:
    """The blocks of each blank-line group: lines printed together (a paragraph, a list, preformatted text)."""
    groups: list[list[str]] = []
    group: list[str] = []
    wrap = wrap_width(lines)
    for line in [*lines, ""]:
        if line:
            group.append(line)
        elif group:
            groups.append(_unwrap(group, wrap=wrap))
            group = []
    return groups


# A text browser wraps at a fixed width (lynx: 74 columns less the indent), so most
# long lines of a wrapped dump end within a few characters of one length.
_WRAP_WIDTHS = (40, 120)
_WRAP_SHARE = 0.3


def wrap_width(lines: list[str]) -> int | None:
    """The width the text was wrapped at, if it was: the length (95th percentile) that
    many of its lines of any length come close to. None for text with a line a paragraph."""
    lengths = sorted(len(line) for line in lines if len(line) >= 20)
    if len(lengths) < 8:
        return None
    width = lengths[int(0.95 * (len(lengths) - 1))]
    if not _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]:
        return None
    near = sum(1 for n in lengths if n >= 0.8 * width)
    return width if near >= _WRAP_SHARE * len(lengths) else None


def _unwrap(group: list[str], *, wrap: int | None = None) -> list[str]:
    width = max(map(len, group))
    # Two lines are too few to tell a wrapped paragraph from two stacked items, unless
    # the text as a whole is wrapped and the second line's first word would not have fit.
    wrapped = len(group) > 2 and 50 <= width <= 120 and _looks_wrapped(group[:-1], width)
    out: list[str] = []
    text = last = group[0]
    for line in group[1:]:
        if _joins(last, line, width=width, wrapped=wrapped) or _pushed_over(last, line, wrap):
            text = f"{text}{line}" if joins_without_space(text, line) else f"{text} {line}"
        else:
            out.append(text)
            text = line
        last = line
    out.append(text)
    return out


def _pushed_over(prev: str, line: str, wrap: int | None) -> bool:
    """Whether ``line`` starts with a word the wrap pushed off a full ``prev``: the two
    are one paragraph, whatever the case of that word ("…a ton on" / "Friday on…")."""
    if wrap is None or len(prev) < 0.75 * wrap or _CREDIT_END.search(prev) or _opens_notice(prev, line):
        return False
    if BULLET.match(line) and not (_NUMBERED.match(line) and not TERMINAL.search(prev)):
        # A list item; but "73. The gap…" under a line cut mid-sentence is the number the
        # wrap pushed down, not item 73.
        return False
    return len(prev) + 1 + len(line.split(" ", 1)[0]) > wrap


_NUMBERED = re.compile(r"^\d{1,2}[.)]\s")


def _looks_wrapped(lines: list[str], width: int) -> bool:
    full = [line for line in lines if len(line) >= 0.75 * width]
    open_ended = [line for line in full if not TERMINAL.search(line)]
    return len(full) >= 0.6 * len(lines) and len(open_ended) >= len(full) / 2


# A caption ends with its credit: "… since 1972. Image: Hannah Price", "(AP Photo/Jo Lee)".
_CREDIT_END = re.compile(
    r"(?:\b(?:images?|photos?|photographs?|pictures?|illustrations?|credits?)\s*:\s*[^\W\d_][\w.'’ -]{1,40}"
    r"|\([^()]*\b(?:photo|image|credit)s?\b[^()]*\))$",
    re.IGNORECASE,
)
# A copyright notice printed right under the last paragraph, with no blank line between.
_NOTICE = re.compile(r"(?:©|\(c\)\s*\d{4}|copyright\b)", re.IGNORECASE)


def _opens_notice(prev: str, line: str) -> bool:
    return TERMINAL.search(prev) is not None and _NOTICE.match(line) is not None


_LABEL_WORDS = 3  # "Advertisement", "Continue reading below": a label of its own, not a paragraph's end


def _joins(prev: str, line: str, *, width: int, wrapped: bool) -> bool:
    if BULLET.match(line) or _CREDIT_END.search(prev) or _opens_notice(prev, line):
        return False  # a list item; the line after a caption, which ends with its credit; a footer's notice
    if TERMINAL.search(prev) and len(line.split()) <= _LABEL_WORDS and not TERMINAL.search(line):
        return False  # a sentence ended the line, and a label (no sentence) stands under it
    if wrapped:
        return len(prev) >= 0.75 * width
    if joins_without_space(prev, line):
        # Chinese or Japanese, broken anywhere: a full line that ends no sentence goes on.
        return len(prev) >= 0.75 * width and not TERMINAL.search(prev)
    # Otherwise only a long open line continued by a lowercase start: a headline
    # followed by its standfirst must stay two blocks.
    return len(prev) >= 50 and not TERMINAL.search(prev) and line[:1].islower()


# --- line features ----------------------------------------------------------

# Words a title leaves in lower case; no sign of what a line is about.
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "over",
        "per",
        "the",
        "to",
        "up",
        "via",
        "vs",
        "with",
    ]
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def title_ratio(words: list[str]) -> float:
    considered = [w.lstrip("\"'“‘(") for w in words]
    considered = [w for w in considered if w[:1].isalpha() and w.lower() not in SMALL_WORDS]
    if not considered:
        return 0.0
    return sum(w[0].isupper() for w in considered) / len(considered)


def unquoted(text: str) -> str:
    """The narrator's own words: appeals speak to the reader outside quotation marks."""
    return _QUOTED.sub(" ", text)
