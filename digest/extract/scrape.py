"""Extract one article from a plain-text page scrape.

A saved "visible text" of a news page holds one article buried among
navigation, appeals, captions, teaser lists, comments and footers. Each block
(usually a line) is classified from structural and linguistic cues; the
densest run of prose is found as a maximum-sum subarray of per-block scores;
the header (headline, standfirst, byline, date) is then read from the blocks
just above that run. Pure standard library.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from digest.models import Article

log = logging.getLogger(__name__)

__all__ = ["extract_scrape"]


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
    REPLY = "reply"  # a reader's comment: prose framed by comment furniture
    CODE = "code"
    AD = "ad"  # "Advertisement", "Story continues below"


# Score per kind for the densest-run search; prose scores by length.
_WEIGHTS: dict[Kind, float] = {
    Kind.SENTENCE: 2,
    Kind.FRAGMENT: -3,
    Kind.NAV: -5,
    Kind.NAME: -8,
    Kind.BYLINE: -8,
    Kind.TEASER: -15,
    Kind.DATE: -8,
    Kind.META: -10,
    Kind.CAPTION: -10,
    Kind.CTA: -20,  # replaced per box by _weights
    Kind.LEGAL: -20,
    Kind.SECTION: -40,
    Kind.COMMENT: -15,
    Kind.REPLY: -10,
    Kind.CODE: -1,
    Kind.AD: -4,
}
_BODY_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})
_HEADER_KINDS = frozenset({Kind.BYLINE, Kind.NAME, Kind.DATE})
_BOILERPLATE_KINDS = frozenset({Kind.CTA, Kind.LEGAL})
_HEADER_WINDOW = 15
_HEADLINE_WINDOW = 8
_TITLE_MAX_CHARS = 90


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    kind: Kind
    words: int


# --- text normalisation and block splitting ---------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_BULLET = re.compile(r"^(?:[•◦▪▸►‣∙*·-]|\d{1,2}[.)])\s+")


def _normalise(text: str) -> list[str]:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return [_SPACES.sub(" ", line).strip() for line in text.splitlines()]


def _split_blocks(lines: list[str]) -> list[str]:
    """Blank-line groups, each split into lines unless they look hard-wrapped."""
    blocks: list[str] = []
    group: list[str] = []
    for line in [*lines, ""]:
        if line:
            group.append(line)
        elif group:
            blocks.extend(_unwrap(group))
            group = []
    return blocks


def _unwrap(group: list[str]) -> list[str]:
    width = max(map(len, group))
    # Two lines are too few to tell a wrapped paragraph from two stacked items.
    wrapped = len(group) > 2 and 50 <= width <= 120 and _looks_wrapped(group[:-1], width)
    out: list[str] = []
    text = last = group[0]
    for line in group[1:]:
        if _joins(last, line, width=width, wrapped=wrapped):
            text = f"{text} {line}"
        else:
            out.append(text)
            text = line
        last = line
    out.append(text)
    return out


def _looks_wrapped(lines: list[str], width: int) -> bool:
    full = [line for line in lines if len(line) >= 0.75 * width]
    open_ended = [line for line in full if not _TERMINAL.search(line)]
    return len(full) >= 0.6 * len(lines) and len(open_ended) >= len(full) / 2


def _joins(prev: str, line: str, *, width: int, wrapped: bool) -> bool:
    if _BULLET.match(line):
        return False
    if wrapped:
        return len(prev) >= 0.75 * width
    # Otherwise only a long open line continued by a lowercase start: a headline
    # followed by its standfirst must stay two blocks.
    return len(prev) >= 50 and not _TERMINAL.search(prev) and line[:1].islower()


# --- line features ----------------------------------------------------------

_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or over per the to up via vs with".split()
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def _title_ratio(words: list[str]) -> float:
    considered = [w.lstrip("\"'“‘(") for w in words]
    considered = [w for w in considered if w[:1].isalpha() and w.lower() not in _SMALL_WORDS]
    if not considered:
        return 0.0
    return sum(w[0].isupper() for w in considered) / len(considered)


def _unquoted(text: str) -> str:
    """The narrator's own words: appeals speak to the reader outside quotation marks."""
    return _QUOTED.sub(" ", text)


# --- names and bylines -------------------------------------------------------

_NAME_TOKEN = re.compile(
    r"[A-Z][a-zà-öø-ÿ'’]+(?:-[A-Z][a-zà-öø-ÿ'’]+)*"
    r"|[A-Z]['’][A-Z][a-zà-öø-ÿ]+"
    r"|[A-Z][a-z]*[A-Z][a-zà-öø-ÿ]+"
    r"|[A-Z]\.(?:[A-Z]\.)?|Jr\.?|Sr\.?|II|III|IV"
)
_PARTICLES = frozenset("de da van von der den del la le bin al di du dos das ter ten".split())
# Capitalised words that appear in menus, section labels and headlines, never in names.
_NOT_NAME_WORDS = frozenset(
    """
    news home latest related comments comment policy privacy terms contact about more menu
    search share subscribe login log sign follow all see top stories story video videos
    business sports sport weather opinion world local politics science culture features
    ideas archive newsletter newsletters blog careers jobs events podcast podcasts photos
    magazine help support donate obituaries classifieds advertise edition entertainment
    lifestyle health technology tech travel food arts books music film markets economy
    logo twitter facebook linkedin instagram reddit email print copy link next previous
    back read open source engineering product company team pricing docs documentation in
    out up key points contents table trending popular reply like report settings cookie
    cookies accept manage preferences review daily weekly times post journal ledger
    tribune herald gazette press inc ltd corp staff writer reporter correspondent editor
    senior contributor contributing columnist the a an of on at for to is are was were be
    how why what when where who which with without from into over under after before says
    said say will new not no yes this that these those your our my its their his her
    world's
    """.split()
)
_BYLINE = re.compile(
    r"^(?:by|posted by|written by|words by|words and \w+ by|story by|text by|reported by"
    r"|author:?)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_DATED_BYLINE = re.compile(
    r"^(?:posted|published|written|filed)(?:\s+(?:on|at))?[\s,|·]*by\s+(?P<rest>.+)$", re.IGNORECASE
)
_DATED_PREFIX = re.compile(r"^(?:posted|published|written|filed)\b.*\bby\s", re.IGNORECASE)
_BYLINE_SEPARATOR = re.compile(r"\s+[·•|—–]\s+")
_TEASER_BYLINE = re.compile(r"^(?P<name>.+?)\s*[·•|]$")
_NAME_CUT = re.compile(r"\s*[|·•—–(]\s*|\s+(?:on|at|for|in|updated|published)\s+")
_NAME_SPLIT = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+")


def _is_name(text: str, *, max_tokens: int = 4) -> bool:
    tokens = text.split()
    if not 2 <= len(tokens) <= max_tokens:
        return False
    if tokens[0] in _PARTICLES or tokens[-1] in _PARTICLES:
        return False
    for token in tokens:
        if token in _PARTICLES:
            continue
        if not _NAME_TOKEN.fullmatch(token) or token.rstrip(".").lower() in _NOT_NAME_WORDS:
            return False
    return True


def _names_in(rest: str) -> tuple[str, ...]:
    head = _NAME_CUT.split(rest, maxsplit=1)[0]
    return tuple(part for part in _NAME_SPLIT.split(head.strip()) if _is_name(part, max_tokens=5))


def _byline_names(text: str) -> tuple[str, ...]:
    if match := _BYLINE.match(text):
        return _names_in(match["rest"])
    if _DATED_PREFIX.match(text) and (match := _DATED_BYLINE.match(_without_dates(text))):
        return _names_in(match["rest"])
    parts = _BYLINE_SEPARATOR.split(text)
    if len(parts) > 1 and _is_name(parts[0]):
        return (parts[0],)
    return ()


# --- dates -------------------------------------------------------------------

_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TIME = (
    r"(?:,?\s*(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?P<tz>UTC|GMT|Z|[ECMP][SD]T|[ECMP]T|BST|CES?T|JST|AEST"
    r"|[+-]\d{2}:?\d{2})\b)?)?"
)
_DATE_PATTERNS = (
    re.compile(
        r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?)?"
        r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b{_TIME}",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s*,?\s+(?P<year>\d{{4}})\b{_TIME}",
        re.IGNORECASE,
    ),
)
_YEAR = re.compile(r"(?:1[89]|2\d)\d\d")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_TZ_HOURS = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "JST": 9, "AEST": 10,
    "EST": -5, "EDT": -4, "ET": -5, "CST": -6, "CDT": -5, "CT": -6,
    "MST": -7, "MDT": -6, "MT": -7, "PST": -8, "PDT": -7, "PT": -8,
}  # fmt: skip
# Words that may sit beside a date on a dateline without making it prose.
_DATE_WORDS = frozenset(
    """
    published updated posted last modified on at date edited first created originally
    min mins minute minutes read reading time hours hour ago days day issue print
    edition gmt utc am pm a.m. p.m.
    """.split()
)


def _find_dates(text: str) -> list[tuple[datetime, tuple[int, int]]]:
    found: list[tuple[datetime, tuple[int, int]]] = []
    if not _YEAR.search(text):
        return found
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for _, (s, e) in found):
                continue
            if (moment := _to_datetime(match)) is not None:
                found.append((moment, match.span()))
    return sorted(found, key=lambda item: item[1])


def _to_datetime(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()
    month = int(groups["month"]) if groups.get("month") else _MONTHS[groups["mon"][:3].lower()]
    hour, minute = int(groups["hour"] or 0), int(groups["minute"] or 0)
    ampm = (groups.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        moment = datetime(
            int(groups["year"]), month, int(groups["day"]), hour, minute,
            int(groups["second"] or 0), tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None
    return moment - _utc_offset(groups.get("tz"))


def _utc_offset(tz: str | None) -> timedelta:
    if not tz:
        return timedelta(0)
    tz = tz.upper()
    if tz in _TZ_HOURS:
        return timedelta(hours=_TZ_HOURS[tz])
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def _without_dates(text: str) -> str:
    for _, (start, end) in reversed(_find_dates(text)):
        text = f"{text[:start]} {text[end:]}"
    return _SPACES.sub(" ", text).strip()


def _is_date_line(text: str) -> bool:
    dates = _find_dates(text)
    if not dates:
        return False
    rest, cursor = [], 0
    for _, (start, end) in dates:
        rest.append(text[cursor:start])
        cursor = end
    rest.append(text[cursor:])
    leftover = re.findall(r"[A-Za-z][A-Za-z.]*", " ".join(rest))
    return all(word.lower().rstrip(":") in _DATE_WORDS for word in leftover)


# --- classifier cues ---------------------------------------------------------

_CODE_START = re.compile(
    r"^(?:\$ |> |>>> |# |// |-- |#include\b|from \S+ import\b"
    r"|(?:sudo|curl|kubectl|docker|git|pip|npm|psql|def|class|import|return|const|let|var"
    r"|func|fn|pub|package|SELECT|UPDATE|INSERT|CREATE|ALTER|DROP)\s)"
)
_YAML_LINE = re.compile(r"^[a-z_][\w.-]*:(?:\s*[\w\"'./:@-]+)?$")
_CODE_CHARS = "{}[]()<>=;$_/\\|`#*&%~^\""


class _Cue:
    """A case-insensitive regex that runs only when one of its literal triggers occurs.

    Python's re has no literal prefilter for alternations, so on ordinary prose a
    few substring tests are far cheaper than the scan itself.
    """

    __slots__ = ("_pattern", "_triggers")

    def __init__(self, triggers: str, pattern: str) -> None:
        self._triggers = tuple(triggers.split("|"))
        self._pattern = re.compile(pattern, re.IGNORECASE)

    def _armed(self, low: str) -> bool:
        return any(map(low.__contains__, self._triggers))

    def search(self, text: str, low: str) -> bool:
        return self._armed(low) and self._pattern.search(text) is not None

    def count(self, text: str, low: str) -> int:
        return len(self._pattern.findall(text)) if self._armed(low) else 0


_CAPTION = _Cue(
    "photo|image|picture|credit|illustration|file|screenshot|getty|shutterstock|istock|alamy"
    "|/|reuters|afp|epa",
    r"\([^()]*?\b(?:photo|photograph|image|picture|credit|illustration|file|screenshot)s?\b"
    r"[^()]*\)\s*$"
    r"|^(?:photos?|photographs?|images?|illustrations?|pictures?|credits?|pictured|file photo"
    r"|screenshot|main image)\s*(?:by\b|:)"
    r"|^an?\s+(?:photo|photograph|image|picture|file photo|screenshot|illustration)\s+"
    r"(?:of|shows|showing|taken)\b"
    r"|/\s?(?:ap|afp|reuters|epa|getty|xinhua|anadolu)\b"
    r"|\b(?:(?:photo|photograph|image|illustration)s?:\s+(?-i:[A-Z])|getty images|shutterstock"
    r"|istock(?:photo)?|alamy|ap photo|via getty|(?:reuters|afp|epa)\s?/)",
)
_SECTION = re.compile(
    r"related(?: (?:articles?|stories|coverage|posts?|reading|content|news|links))?"
    r"|latest(?: news| stories| posts| headlines)?|more(?: (?:from|in|on|about|stories|news)\b.*)?"
    r"|read (?:more|next|this next|also)|recommended(?: for you| reading| stories)?"
    r"|you (?:might|may) (?:also )?(?:like|enjoy)|popular(?: now| stories)?"
    r"|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories|(?:\d+ )?comments?"
    r"|leave a (?:comment|reply)|join the (?:conversation|discussion)|discussion"
    r"|share(?: this(?: post| article| story| page)?)?|tags?|topics?|filed under|see all"
    r"|view all|about the author|further reading|in other news|editor'?s picks"
    r"|what to read next|sponsored content|from around the web|(?:table of )?contents"
    r"|in this (?:article|post|story)|on this page|key points|highlights|at a glance"
    r"|summary|in brief|what you need to know|load more(?: comments| stories)?"
    r"|show more(?: comments| replies)?"
    r"|(?:\d+|one|two|three) (?:responses?|thoughts|replies)(?: (?:to|on)\b.*)?",
    re.IGNORECASE,
)
_LEGAL = _Cue(
    "©|(c)|copyright|rights reserved|privacy|terms|cookie|licensed|creative commons|republish"
    "|501|registered|this article|this story|this piece|print edition|standards|licensing"
    "|delayed",
    r"©|\(c\)\s*\d{4}|\b(?:copyright\s+(?:©|\(c\)|\d{4})|all rights reserved"
    r"|privacy (?:policy|notice|settings|statement)|terms (?:of (?:use|service)|and conditions)"
    r"|cookie (?:policy|settings|preferences|notice)|licensed under|creative commons|republish"
    r"|501\s?\(c|registered (?:charity|non-?profit|in england)"
    r"|this (?:article|story|piece) (?:appeared|appears|was (?:originally )?published)"
    r"|print edition|our standards|licensing rights|quotes (?:are )?delayed)\b",
)
_APPEAL = _Cue(
    "subscri|sign|newsletter|inbox|donat|chip in|contribut|become a|membership|support"
    "|reader|paywall|log|create an account|free trial|download|follow us|share|email|cookie"
    "|advertis|sponsored|spam|give",
    r"\b(?:subscrib\w*|sign(?:ing|ed)? up|newsletters?|inbox|donat\w*|chip in"
    r"|contribut\w+ (?:to us|today|now)|become a (?:member|subscriber|supporter|patron)"
    r"|membership|support (?:our|us|independent|local|quality|this)\b"
    r"|reader[- ](?:supported|funded)"
    r"|paywalls?|log ?in|sign ?in|create an account|free trial|download (?:the|our) app"
    r"|follow us|share (?:this|on|via)|unsubscrib\w*|email address|enter your email|cookies?"
    r"|advertis\w*|sponsored|no spam|give (?:today|now|monthly)|ways to give)\b",
)
_SECOND_PERSON = _Cue("you", r"\b(?:you|your|yours|yourself)\b")
# Case-sensitive on purpose: "US" the country is not "us".
_FIRST_PLURAL = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")
_IMPERATIVES = frozenset(
    """
    subscribe sign join follow support donate give get download click tap share enter
    accept become help register try start discover don't never watch listen chip
    contribute stay feel learn manage allow
    """.split()
)
_COMMENT_TOKENS = frozenset(
    "reply replies like likes liked report flag upvote downvote permalink edit delete "
    "helpful vote votes".split()
)
_RELATIVE_TIME = _Cue(
    "ago|just now|sort by",
    r"\b(?:(?:\d+|an?|one)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?"
    r"|weeks?|mo|months?|y|yrs?|years?)\s+ago|just now)\b|^sort by\b",
)
_COMMENTER_SAYS = re.compile(r"^\S.{0,40}\s(?:says|said|wrote|commented|replied):$", re.IGNORECASE)
_META_SHORT = re.compile(
    r"^(?:\d+\s*[-–]?\s*min(?:ute)?s?\s+(?:read|listen)|reading time\b|listen to (?:this )?"
    r"(?:article|story)|(?:staff|senior|contributing) (?:writer|reporter|editor|correspondent)"
    r"|updated\b|tags?:|topics?:|filed under\b|posted in\b|categor(?:y|ies):)",
    re.IGNORECASE,
)
_CREDITS = re.compile(
    r"^(?:additional )?(?:reporting|writing|editing|research|production|graphics|fact-checking)"
    r" by\b",
    re.IGNORECASE,
)
_CONTACT = _Cue(
    "@|reach |contact |email |follow ",
    r"[\w.+-]+@[\w-]+\.\w|\b(?:(?:reach|contact|email) (?:her|him|them|me) at"
    r"|follow (?:her|him|them|me) on)\b",
)
_AD = re.compile(
    r"(?:advertisement|advert|sponsored|ad|story continues below(?: advertisement)?"
    r"|article continues (?:below|after (?:the )?advertisement)|skip advert)",
    re.IGNORECASE,
)
_MENU_SEPARATOR = re.compile(r"\s[|›»>/·•]\s")


def _is_code(text: str) -> bool:
    if _CODE_START.match(text) or _YAML_LINE.match(text):
        return True
    symbols = sum(map(text.count, _CODE_CHARS))
    return symbols >= 3 and symbols / len(text) >= 0.1


def _is_cta(text: str, low: str, words: list[str]) -> bool:
    if any(q in text for q in "\"“"):
        text = _unquoted(text)
        low = text.lower()
    appeals = _APPEAL.count(text, low)
    second = _SECOND_PERSON.count(text, low)
    imperative = words[0].lower().strip(".,:!?\"'“‘") in _IMPERATIVES
    n = len(words)
    if not (appeals or second or imperative):
        return False
    plural = len(_FIRST_PLURAL.findall(text))
    if n > 40:
        # Long blocks: only a dense mix of appeal vocabulary and reader address.
        return appeals >= 2 and second + plural >= 2
    if appeals >= 2:
        return True
    if appeals == 1 and (second or plural or imperative or n <= 8):
        return True
    if imperative and (second or (n <= 6 and not _TERMINAL.search(text))):
        return True
    return bool(second and plural and n <= 25)


def _is_comment_meta(text: str, low: str) -> bool:
    if _RELATIVE_TIME.search(text, low) or (text.endswith(":") and _COMMENTER_SAYS.match(text)):
        return True
    tokens = re.findall(r"[a-z]+", low)
    return bool(tokens) and all(t in _COMMENT_TOKENS for t in tokens)


def _is_meta(text: str, low: str, n: int) -> bool:
    if n <= 6 and _META_SHORT.match(text):
        return True
    return n <= 40 and (_CREDITS.match(text) is not None or _CONTACT.search(text, low))


def _is_menu(text: str, words: list[str]) -> bool:
    if len(words) <= 3 and not _TERMINAL.search(text):
        return True
    if len(words) <= 6 and text.isupper():
        return True
    parts = _MENU_SEPARATOR.split(text)
    return len(parts) > 1 and all(len(p.split()) <= 4 for p in parts)


def _section_label(text: str) -> str:
    return re.sub(r"[\s:()\d]+$", "", text).strip()


def _classify(text: str) -> Kind:
    words = text.split()
    n = len(words)
    low = text.lower()
    if _is_code(text):
        return Kind.CODE
    if n <= 80 and _CAPTION.search(text, low):
        return Kind.CAPTION
    if n <= 12 and _SECTION.fullmatch(_section_label(text)):
        return Kind.SECTION
    if n <= 6 and _AD.fullmatch(text):
        return Kind.AD
    if n <= 40 and _LEGAL.search(text, low):
        return Kind.LEGAL
    if n <= 20 and _is_date_line(text):
        return Kind.DATE
    if n <= 8 and _is_comment_meta(text, low):
        return Kind.COMMENT
    if _is_cta(text, low, words):
        return Kind.CTA
    if n <= 20 and _byline_names(text):
        return Kind.BYLINE
    if n <= 6 and (m := _TEASER_BYLINE.match(text)) and _is_name(m["name"]):
        return Kind.TEASER
    if _is_meta(text, low, n):
        return Kind.META
    if _is_name(text):
        return Kind.NAME
    if _BULLET.match(text):
        return Kind.BULLET if n > 6 else Kind.NAV
    if _is_menu(text, words):
        return Kind.NAV
    return _prose_kind(text, words)


def _prose_kind(text: str, words: list[str]) -> Kind:
    n = len(words)
    if _TERMINAL.search(text) or text.endswith(":"):
        headline_like = _title_ratio(words) >= 0.75 and n <= 20
        if n >= 8 and not headline_like:
            return Kind.PROSE
        return Kind.SENTENCE if n >= 2 else Kind.NAV
    return Kind.PROSE if n >= 30 else Kind.FRAGMENT


def _weight(block: _Block) -> float:
    if block.kind is Kind.PROSE:
        return min(block.words, 80)
    if block.kind is Kind.BULLET:
        return 0.3 * block.words
    return _WEIGHTS[block.kind]


_INTERRUPTION_KINDS = frozenset({Kind.CTA, Kind.AD, Kind.LEGAL})


def _weights(blocks: list[_Block]) -> list[float]:
    """Per-block scores; a box of appeal/ad lines costs as one unit, not per line.

    A signup box inside an article is several short lines; charging each one
    would cut off the paragraphs above it.
    """
    weights = [_weight(b) for b in blocks]
    i = 0
    while i < len(blocks):
        if blocks[i].kind not in _INTERRUPTION_KINDS:
            i += 1
            continue
        j = i
        while j < len(blocks) and blocks[j].kind in _INTERRUPTION_KINDS:
            j += 1
        group = blocks[i:j]
        if any(b.kind is not Kind.LEGAL for b in group):
            words = sum(b.words for b in group)
            weights[i:j] = [-(12 + min(words, 30) / 2)] + [0.0] * (j - i - 1)
        i = j
    return weights


# --- body --------------------------------------------------------------------


def _densest_run(weights: list[float]) -> tuple[int, int] | None:
    """Maximum-sum contiguous run (Kadane); None when nothing scores above zero."""
    best, span = 0.0, None
    total, start = 0.0, 0
    for i, weight in enumerate(weights):
        if total <= 0:
            total, start = weight, i
        else:
            total += weight
        if total > best:
            best, span = total, (start, i)
    return span


_EDITORIAL_NOTE = re.compile(
    r"^(?:correction|clarification|update|editor['’]s note)\b", re.IGNORECASE
)


def _trim(blocks: list[_Block], start: int, end: int) -> tuple[int, int] | None:
    """Start at the first paragraph; end at the last one or a closing editorial note."""
    prose = [i for i in range(start, end + 1) if blocks[i].kind is Kind.PROSE]
    if not prose:
        return None
    last = prose[-1]
    for i in range(last + 1, end + 1):
        if blocks[i].kind in _BODY_KINDS and _EDITORIAL_NOTE.match(blocks[i].text):
            last = i
    return prose[0], last


def _body_start(blocks: list[_Block], start: int, end: int) -> int:
    """Skip a standfirst and byline that the densest run swallowed."""
    cut = None
    for i in range(start, min(end, start + 6) + 1):
        if blocks[i].kind in _HEADER_KINDS:
            cut = i
    if cut is None:
        return start
    leading_prose = sum(blocks[i].kind is Kind.PROSE for i in range(start, cut))
    if leading_prose > 2:
        return start
    for i in range(cut + 1, end + 1):
        if blocks[i].kind is Kind.PROSE:
            return i
    return start


def _fingerprint(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_wholly_quoted(text: str) -> bool:
    return text[:1] in "\"“‘'" and text.rstrip(".!?…")[-1:] in "\"”’'"


_ATTRIBUTION = re.compile(r"^[—–-]\s*[A-Z]")


def _pull_quotes(blocks: list[_Block], start: int, end: int) -> set[int]:
    """Quotes set apart from the text: repeated from a paragraph, or signed with a dash."""
    prints = {i: _fingerprint(blocks[i].text) for i in range(start, end + 1)}
    pulled: set[int] = set()
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind not in _BODY_KINDS or not _is_wholly_quoted(block.text):
            continue
        repeated = any(j != i and j not in pulled and prints[i] in prints[j] for j in prints)
        signed = i < end and _ATTRIBUTION.match(blocks[i + 1].text) is not None
        if repeated or signed:
            pulled.add(i)
    return pulled


def _paragraph(block: _Block) -> str:
    return _BULLET.sub("", block.text, count=1) if block.kind is Kind.BULLET else block.text


def _body(blocks: list[_Block], start: int, end: int) -> tuple[list[str], list[str]]:
    pulled = _pull_quotes(blocks, start, end)
    paragraphs: list[str] = []
    seen: set[str] = set()
    dropped = 0
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind in _BOILERPLATE_KINDS:
            dropped += 1
        if block.kind not in _BODY_KINDS or i in pulled:
            continue
        key = _fingerprint(block.text)
        if key in seen:
            continue
        seen.add(key)
        paragraphs.append(_paragraph(block))
    warnings = []
    if dropped:
        warnings.append(f"dropped {dropped} call-to-action/boilerplate block(s) inside the body")
    if pulled:
        warnings.append(f"dropped {len(pulled)} pull quote(s)")
    return paragraphs, warnings


# --- header --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    title: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None


def _anchor(blocks: list[_Block], body_start: int) -> int | None:
    """The byline or dateline nearest above the body."""
    low = max(0, body_start - _HEADER_WINDOW)
    for i in range(body_start - 1, low - 1, -1):
        if blocks[i].kind in (Kind.BYLINE, Kind.DATE):
            return i
    for i in range(body_start - 1, max(0, body_start - 2) - 1, -1):
        if blocks[i].kind is Kind.NAME:
            return i
    return None


def _is_headline(block: _Block) -> bool:
    text = block.text
    if block.kind is Kind.FRAGMENT:
        return block.words >= 3 and len(text) >= 12 and not text.endswith(":")
    if block.kind is Kind.SENTENCE:
        return text.rstrip("\"'”’)")[-1:] in "?!"
    return block.kind is Kind.NAME and block.words >= 3


def _headline_index(blocks: list[_Block], below: int) -> int | None:
    for i in range(below - 1, max(0, below - _HEADLINE_WINDOW) - 1, -1):
        block = blocks[i]
        if _is_headline(block) and not (block.kind is Kind.NAME and i + 1 == below):
            return i - 1 if _is_unpunctuated_deck(blocks, i) else i
        if block.kind in (Kind.LEGAL, Kind.COMMENT, Kind.REPLY):
            return None
    return None


def _is_unpunctuated_deck(blocks: list[_Block], i: int) -> bool:
    """A long fragment right under a shorter one is the dek, the shorter one the headline."""
    if i == 0 or blocks[i].kind is not Kind.FRAGMENT or blocks[i - 1].kind is not Kind.FRAGMENT:
        return False
    above, deck = blocks[i - 1], blocks[i]
    return _is_headline(above) and deck.words >= 10 and deck.words >= 1.5 * above.words


def _standfirst(region: list[_Block]) -> str:
    """The dek: prose between headline and body, or an unpunctuated line right under it."""
    if region and region[0].kind is Kind.FRAGMENT and region[0].words >= 6:
        return region[0].text
    return next(
        (b.text for b in region if b.kind in (Kind.PROSE, Kind.SENTENCE) and b.words >= 6), ""
    )


def _read_header(blocks: list[_Block], body_start: int) -> _Header:
    anchor = _anchor(blocks, body_start)
    headline = None if anchor is None else _headline_index(blocks, anchor)
    if headline is None:
        headline = _headline_index(blocks, body_start)
    if headline is None and anchor is None:
        return _Header()
    low = headline + 1 if headline is not None else anchor
    region = blocks[low:body_start]
    standfirst = _standfirst(region)
    bylines = (_byline_names(b.text) for b in region if b.kind is Kind.BYLINE)
    authors = next((names for names in bylines if names), ())
    if not authors:
        authors = next(((b.text,) for b in reversed(region) if b.kind is Kind.NAME), ())
    dated = (b for b in region if b.kind in (Kind.BYLINE, Kind.DATE, Kind.META))
    published = next((found[0][0] for b in dated if (found := _find_dates(b.text))), None)
    title = blocks[headline].text if headline is not None else ""
    return _Header(title=title, standfirst=standfirst, authors=authors, published=published)


def _fallback_title(paragraph: str) -> str:
    first = re.split(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-Z0-9])", paragraph, maxsplit=1)[0]
    first = first.rstrip(".")
    if len(first) <= _TITLE_MAX_CHARS:
        return first
    cut = first[:_TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—– ") + "…"


# --- entry point -------------------------------------------------------------


def _blocks(text: str) -> list[_Block]:
    blocks = [
        _Block(text=t, kind=_classify(t), words=len(t.split()))
        for t in _split_blocks(_normalise(text))
    ]
    return _mark_replies(blocks)


_COMMENT_HEAD_KINDS = frozenset({Kind.NAME, Kind.DATE, Kind.NAV})


def _mark_replies(blocks: list[_Block]) -> list[_Block]:
    """Prose framed by comment furniture (handle, timestamp, Reply/Like) is a reader's comment."""
    kinds = [b.kind for b in blocks]
    out = list(blocks)
    for i, block in enumerate(blocks):
        if block.kind not in (Kind.PROSE, Kind.SENTENCE) or i == 0:
            continue
        prev, before = kinds[i - 1], kinds[i - 2] if i > 1 else None
        after = kinds[i + 1] if i + 1 < len(kinds) else None
        framed = (
            prev is Kind.COMMENT
            or (prev in _COMMENT_HEAD_KINDS and before is Kind.COMMENT)
            or (prev in _COMMENT_HEAD_KINDS and after is Kind.COMMENT)
        )
        if framed:
            out[i] = _Block(text=block.text, kind=Kind.REPLY, words=block.words)
    return out


def extract_scrape(text: str, *, url: str = "", source: str = "") -> Article | None:
    """The article in a plain-text page scrape, or None when there is no body."""
    blocks = _blocks(text or "")
    span = _densest_run(_weights(blocks))
    if span is None or (span := _trim(blocks, *span)) is None:
        return None
    start, end = span
    start = _body_start(blocks, start, end)
    paragraphs, warnings = _body(blocks, start, end)
    if not paragraphs:
        return None
    header = _read_header(blocks, start)
    title = header.title
    if not title:
        title = _fallback_title(paragraphs[0])
        warnings.insert(0, "no headline found")
    log.debug("scrape %s: %d of %d blocks are body", url or "<text>", len(paragraphs), len(blocks))
    return Article(
        url=url,
        title=title,
        paragraphs=tuple(paragraphs),
        authors=header.authors,
        published=header.published,
        standfirst=header.standfirst,
        source=source,
        warnings=tuple(warnings),
    )
