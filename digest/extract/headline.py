"""The header of a plain-text scrape: headline, standfirst, authors and date.

Read from the blocks just above the body: the byline or dateline nearest
above it anchors the search for the headline (a fragment, a question or
exclamation, or a long name-like line, with an unpunctuated dek told apart; an
alert's banner over it, a line opening in capitals, gives way to a headline that
scores as well, though acronyms opening a headline, short words, make no banner); between headline and body sit the standfirst, the authors and the publication
date (which some pages print a line or two over the headline instead). With no
headline, the title falls back to the first sentence of the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from digest.extract.byline import byline_names, find_dates, is_name, is_role, names_alone
from digest.extract.cues import is_entry_stamp, is_short_label
from digest.extract.scrape_lines import BULLET, TERMINAL, Block, Kind, title_ratio

_HEADER_WINDOW = 15
_TITLE_MAX_CHARS = 90


@dataclass(frozen=True, slots=True)
class Header:
    title: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None


# --- the headline --------------------------------------------------------------
#
# The headline is one of the lines above the body, often many lines above it
# (menus, share buttons, captions and related links sit between). Each line
# that could be a headline is scored: how many of its words the body's opening
# repeats (a headline names what the story is about; a menu item, a caption
# credit or a site name rarely does), its shape (a line without a full stop, a
# question), a byline or dateline beside it, and a small cost for distance.

_HEADLINE_WINDOW = 45
# An appeal's shape ("Get your ...") is a how-to headline's too: the story's words tell them apart.
_HEADLINE_KINDS = frozenset({Kind.FRAGMENT, Kind.SENTENCE, Kind.NAME, Kind.PROSE, Kind.TEASER, Kind.BYLINE, Kind.CTA})
_HEADLINE_MIN_WORDS = 2
_HEADLINE_MAX_WORDS = 30
_HEADER_KINDS = frozenset({Kind.BYLINE, Kind.DATE, Kind.NAME, Kind.META})
_BODY_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})
# Lines a page prints by the dozen (menu items, a chart's labels): no measure of how far the headline is.
_UNCOUNTED_KINDS = frozenset({Kind.NAV, Kind.FIGURE})
_BODY_TERMS_WORDS = 600
_LEAD_WORDS = 80
# A candidate this close to the best score but higher up the page wins: captions
# and standfirsts repeat the story's words too, and they sit under the headline.
_HIGHER_MARGIN = 0.1
_HIGHER_REACH = 10  # lines (not counting menu items): as far as a headline's captions and dek reach
_MIN_SCORE = 0.3
_LENGTH_BONUS = 0.03
_COMMON_ON_PAGE = 3
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "my",
        "not",
        "no",
        "yes",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "do",
        "does",
        "did",
        "than",
        "then",
        "so",
        "if",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "up",
        "out",
        "more",
        "most",
        "new",
        "says",
        "said",
        "say",
        "how",
        "why",
        "what",
        "when",
        "where",
        "who",
        "which",
        "there",
        "here",
        "all",
        "also",
        "just",
        "only",
        "its",
        "it's",
        "since",
        "les",
        "des",
        "une",
        "est",
        "dans",
        "pour",
        "par",
        "sur",
        "der",
        "die",
        "das",
        "und",
        "den",
        "mit",
        "von",
        "del",
        "los",
        "las",
        "por",
        "para",
        "con",
        "que",
    ]
)
_UNSPACED_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
_UNSPACED_RUN = re.compile(f"[{_UNSPACED_CHARS}]+")
# A run of a script written without spaces is a term of its own, apart from the digits or
# Latin letters glued to it ("2030年までに…": "2030" and "年までに…").
_TERM = re.compile(f"[{_UNSPACED_CHARS}]+|(?:(?![{_UNSPACED_CHARS}])[^\\W_])+")
_MENU_MARKS = re.compile(r"[»›|]|\bhome\s*page\b|\bsearch\b", re.IGNORECASE)


def _terms(text: str) -> list[str]:
    """Content words, cut to their first five letters (a crude stem); two-character pieces of unspaced scripts."""
    terms: list[str] = []
    for word in _TERM.findall(text.casefold()):
        if _UNSPACED_RUN.fullmatch(word):
            terms.extend(word[i : i + 2] for i in range(len(word) - 1))
        elif word not in _STOP_WORDS and (len(word) > 2 or word.isdigit()):
            terms.append(word[:5])
    return terms


def _body_terms(paragraphs: list[str]) -> tuple[set[str], set[str]]:
    """The terms of the body's lead (its first paragraphs, about 80 words) and of its first 600 words."""
    lead: set[str] = set()
    terms: set[str] = set()
    words = 0
    for paragraph in paragraphs:
        if words < _LEAD_WORDS:
            lead.update(_terms(paragraph))
        terms.update(_terms(paragraph))
        words += len(paragraph.split())
        if words >= _BODY_TERMS_WORDS:
            break
    return lead, terms


def _shape(block: Block) -> float:
    text = block.text.rstrip("\"'”’)»")
    if block.kind is Kind.FRAGMENT:
        return 0.25
    if block.kind is Kind.TEASER:
        return 0.15
    if block.kind in (Kind.SENTENCE, Kind.PROSE):
        if text[-1:] in "?!？！":
            return 0.15
        headline_like = title_ratio(block.text.split()) >= 0.75 and not text.endswith(".")
        return 0.1 if headline_like else -0.3 if block.kind is Kind.PROSE else -0.2
    if block.kind is Kind.BYLINE:
        return -0.3  # "Name · date" under a teaser; a headline only when nothing better
    if block.kind is Kind.CTA:
        return -0.2 if not TERMINAL.search(text) else -0.5
    return 0.0  # a name-like line: a headline in title case, or a person's name


def _headline_score(
    blocks: list[Block],
    i: int,
    body_start: int,
    body_terms: tuple[set[str], set[str]],
    distance: int,
    page_terms: Counter[str],
    *,
    header_end: int,
) -> float:
    block = blocks[i]
    terms = _terms(block.text)
    if not terms:
        return -1.0
    lead, body = body_terms
    unique = set(terms)
    # A headline's words come back in the story's first lines; a site name's or a menu's only by
    # chance. Words found all over the page above the story (the site's and its town's name) say little.
    overlap = sum(
        (1.0 if term in lead else 0.5 if term in body else 0.0) * min(1.0, _COMMON_ON_PAGE / page_terms[term])
        for term in unique
    ) / len(unique)
    score = overlap + _LENGTH_BONUS * min(len(unique), 8) + _shape(block) - 0.004 * distance
    if len(unique) < 0.75 * len(terms):
        score -= 0.3  # words said twice: a picture's alt text run into its caption
    nearby = [b.kind for b in blocks[max(0, i - 2) : i] + blocks[i + 1 : min(header_end, i + 4)]]
    if any(kind in _HEADER_KINDS for kind in nearby):
        score += 0.15  # a byline or dateline beside it
    if _is_dek(blocks, i, body_start):
        score -= _DEK_COST
    elif _is_dek(blocks, i + 1, body_start):
        score += _OVER_DEK
    if _MENU_MARKS.search(block.text) or _glued(block.text):
        score -= 0.3
    if len(unique) == 1:
        score -= 0.2  # one word is a label, not a headline
    return score


_DEK_MIN_WORDS = 12
_DEK_COST = 0.2
_OVER_DEK = 0.1
_DEK_KINDS = frozenset({Kind.FRAGMENT, Kind.SENTENCE, Kind.PROSE})


def _is_dek(blocks: list[Block], i: int, body_start: int) -> bool:
    """A long line right under a shorter headline-shaped line is the story's dek (its standfirst)."""
    return 0 < i < body_start and _is_dek_of(blocks[i], blocks[i - 1])


def _is_dek_of(dek: Block, over: Block) -> bool:
    return (
        dek.kind in _DEK_KINDS
        and dek.words >= _DEK_MIN_WORDS
        and over.kind in (Kind.FRAGMENT, Kind.NAME, Kind.TEASER)
        and 3 <= over.words < dek.words / 1.5
        and not over.text.endswith(":")
    )


def _is_dek_apart(blocks: list[Block], byline: _StoryByline) -> bool:
    """Over the byline, the dek under its headline with a button (a section's link) between them."""
    headline, dek = byline.slot
    return 0 <= headline < dek - 1 and _is_dek_of(blocks[dek], blocks[headline])


# Links written without spaces between them ("energyclimateAll topics"): a tag list or a menu.
_GLUED_CASE = re.compile(r"[^\W\d_]{4}(?<=[a-zß-ÿ]{4})(?=[A-ZÀ-Þ])")
_GLUED_LENGTH = 20


def _glued(text: str) -> bool:
    return len(_GLUED_CASE.findall(text)) >= 2 or any(len(word) >= _GLUED_LENGTH for word in _TERM.findall(text))


def _is_candidate(block: Block) -> bool:
    if block.kind not in _HEADLINE_KINDS or not _HEADLINE_MIN_WORDS <= block.words <= _HEADLINE_MAX_WORDS:
        return False
    text = block.text
    return not (text.endswith(":") or BULLET.match(text) or _BY.match(text) or _STAMPED.match(text))


_BY = re.compile(r"^(?:by|posted by|written by|par|por|von|di)\s", re.IGNORECASE)
# A line that opens with a clock time or a numeric date is a timestamp ("21:17 18.11.2019Get
# short URL"), whatever is glued to it.
_STAMPED = re.compile(r"^(?:\d{1,2}:\d{2}\b|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b)")


# The story's byline sits under its headline (and dek): what lies between it and
# the body is the dek, a picture's caption, a subheading, a video player, never the
# headline. It is looked for as far up as the headline is.
_BYLINE_REACH = _HEADLINE_WINDOW
_UNDER_BYLINE = 0.4
_OVER_BYLINE = 0.15


@dataclass(frozen=True, slots=True)
class _StoryByline:
    at: int
    slot: tuple[int, int]  # the lines right over it, past buttons: the headline's place and its dek's (-1: none)


def _story_byline(blocks: list[Block], body_start: int) -> _StoryByline | None:
    """The byline nearest above the body, when a headline-shaped line sits right over it (or over its
    date); or a dateline right under a headline-shaped line."""
    seen = 0
    for i in range(body_start - 1, 0, -1):
        if seen > _BYLINE_REACH:
            return None
        if blocks[i].kind is Kind.BYLINE:
            over = _over_buttons(blocks, i)
            if over >= 0 and blocks[over].kind is Kind.DATE:
                over = _over_buttons(blocks, over)
            return _StoryByline(i, (_over_buttons(blocks, over), over)) if _is_candidate_at(blocks, over) else None
        if blocks[i].kind is Kind.DATE and (name := _name_over(blocks, i)) is not None:
            over = _over_buttons(blocks, name)
            return _StoryByline(name, (_over_buttons(blocks, over), over)) if _is_candidate_at(blocks, over) else None
        if blocks[i].kind is Kind.DATE and _is_candidate(blocks[i - 1]):
            return _StoryByline(i, (_over_buttons(blocks, i - 1), i - 1))  # a dateline right under the headline
        if blocks[i].kind not in _UNCOUNTED_KINDS:
            seen += 1
    return None


# A row of share buttons, a comment count, a picture's caption can sit between the headline (or
# its dek) and its byline.
_BUTTON_KINDS = frozenset({Kind.NAV, Kind.FIGURE, Kind.CTA, Kind.THREAD, Kind.CAPTION})
_BUTTONS_MAX = 6


def _over_buttons(blocks: list[Block], i: int) -> int:
    """The nearest line over line ``i`` that is no button or caption (-1 for none)."""
    for j in range(i - 1, max(-1, i - 2 - _BUTTONS_MAX), -1):
        if blocks[j].kind not in _BUTTON_KINDS:
            return j
    return -1


def _is_candidate_at(blocks: list[Block], i: int) -> bool:
    return i >= 0 and _is_candidate(blocks[i])


# A blog's byline is often the author's bare name over a date line ("Oct 18, 2019 · 8 min
# read"), with a follow button between.
_NAME_REACH = 3


def _name_over(blocks: list[Block], date: int) -> int | None:
    """The top of the run of author's names just over a date line, skipping buttons."""
    name = None
    for j in range(date - 1, max(-1, date - 1 - _NAME_REACH), -1):
        if blocks[j].kind is Kind.NAME:
            name = j
        elif blocks[j].kind is not Kind.CTA or name is not None:
            break
    return name


_REPEATED = 0.2
# Menus, share buttons and a chart's axis labels can fill hundreds of lines between
# the headline and the body: only the lines that are not menu items count to the window.
_WINDOW_MAX_BLOCKS = 250


def _window_top(blocks: list[Block], body_start: int) -> int:
    counted = 0
    low = max(0, body_start - _WINDOW_MAX_BLOCKS)
    for i in range(body_start - 1, low - 1, -1):
        if blocks[i].kind not in _UNCOUNTED_KINDS:
            counted += 1
            if counted == _HEADLINE_WINDOW:
                return i
    return low


def _repeated_lines(region: list[Block]) -> set[str]:
    """Headline-shaped lines said twice, apart: not a teaser's two links, one under the other."""
    seen: dict[str, int] = {}
    repeated: set[str] = set()
    for i, block in enumerate(region):
        if not _is_candidate(block) or block.words < 3:
            continue
        if block.text in seen and i - seen[block.text] > 1:
            repeated.add(block.text)
        seen.setdefault(block.text, i)
    return repeated


# A headline printed again with a label glued to it: a breadcrumb's links before it ("Home News
# Business <headline>"), a share button's "Share on ... for:", a picture's "image" after it. The
# label's words are the menu's and the buttons' words the page prints elsewhere. The copy costs
# the labelled line; it names the headline again, as a headline printed twice is.
_LABELLED = 0.3
_COPIED_MIN_WORDS = 4
_LABEL_KINDS = frozenset({Kind.NAV, Kind.OUTLINE, Kind.CTA, Kind.SECTION})
_LABEL_WORDS = frozenset({"home", "image", "photo", "picture", "video"})  # a breadcrumb's root, a picture's alt


def _labelled_copies(region: list[Block]) -> tuple[set[str], set[str]]:
    """Headline-shaped lines that are another such line with a label's words glued before or after
    it, and (folded) the lines they copy."""
    candidates = [b.text for b in region if _is_candidate(b)]
    copies = {_folded(text) for text in candidates if len(_folded(text).split()) >= _COPIED_MIN_WORDS}
    label_words = {word for b in region if b.kind in _LABEL_KINDS for word in _folded(b.text).split()}
    label_words |= _LABEL_WORDS
    labelled: set[str] = set()
    copied: set[str] = set()
    for text in candidates:
        folded = f" {_folded(text)} "
        for copy in copies:
            before, found, after = folded.partition(f" {copy} ")
            glued = f"{before} {after}".split()
            if found and glued and all(word in label_words or word in _STOP_WORDS for word in glued):
                labelled.add(text)
                copied.add(copy)
                break
    return labelled, copied


# A run of lines each under the same line: a gallery's captions, each under its button or a
# script's placeholder, or teasers each under a bare list marker or "Read on". A headline is
# over the first of those lines, not under one.
_GALLERY_MIN_SLIDES = 3


def _slide_captions(blocks: list[Block], top: int, body_start: int) -> set[int]:
    """The headline-shaped lines right under a line printed over each of three or more of them in turn."""
    under: dict[str, list[int]] = {}
    for i in range(top, body_start - 1):
        if not _is_candidate(blocks[i]) and _is_candidate(blocks[i + 1]):
            under.setdefault(blocks[i].text, []).append(i + 1)
    captions: set[int] = set()
    for lines in under.values():
        run = lines[:1]
        for line in [*lines[1:], -1]:
            if line == run[-1] + 2:
                run.append(line)
                continue
            if len(run) >= _GALLERY_MIN_SLIDES:
                captions.update(run)
            run = [line]
    return captions


# A reference page's lead opens by defining its subject, which is the page's title: "Mozilla
# is a ...", "New Zealand (Māori: Aotearoa) is a ...", "In mathematics, a Hermitian matrix
# (or ...) is a ...". A title that short reads as a menu item, and an infobox can stand
# between it and the lead.
_DEFINITION = re.compile(
    r"(?:In [^,.]{1,40},\s+)?(?:(?:A|An|The|a|an|the)\s+)?(?P<subject>[A-Z0-9][^()\n.!?]{0,60}?)\s*"
    r"(?:\([^()]{0,200}\)\s*)?(?:is|are|was|were)\s+(?:a|an|the|one)\s"
)
_DEFINED_MAX_WORDS = 6
_LEAD_SENTENCES = 2  # a hatnote ("For ..., see ...") can come before the lead


def _defined_subject(paragraphs: list[str]) -> str:
    """The subject the lead defines, folded to its words; "" when the lead defines nothing."""
    for paragraph in paragraphs[:_LEAD_SENTENCES]:
        if found := _DEFINITION.match(paragraph):
            return _folded(found["subject"])
    return ""


def _folded(text: str) -> str:
    return " ".join(_TERM.findall(text.casefold()))


def _defined_title(blocks: list[Block], body_start: int, paragraphs: list[str]) -> int | None:
    """The nearest short line above the body that is the subject the lead defines."""
    subject = _defined_subject(paragraphs)
    if not subject:
        return None
    for i in range(body_start - 1, max(0, body_start - _WINDOW_MAX_BLOCKS) - 1, -1):
        block = blocks[i]
        if block.words <= _DEFINED_MAX_WORDS and _folded(block.text) == subject:
            return None if BULLET.match(block.text) else i
    return None


def headline_index(blocks: list[Block], body_start: int, paragraphs: list[str]) -> int | None:
    scored = scored_candidates(blocks, body_start, paragraphs)
    if not scored:
        return None
    best = max(score for score, _ in scored)
    if best < _MIN_SCORE:
        return None
    winner = max(scored)[1]
    byline = _story_byline(blocks, body_start)
    if _is_banner(blocks[winner]):
        # An alert's banner scores as a caption does, on the story's words: a headline as close wins.
        plain = [(score, i) for score, i in scored if score >= best - _HIGHER_MARGIN and not _is_banner(blocks[i])]
        winner = max(plain, default=(best, winner))[1]
    below = next((i for score, i in scored if i == winner + 1 and score >= best - _HIGHER_MARGIN), None)
    if below is not None and _is_kicker(blocks, winner, below, body_start):
        winner = below
    banner = _is_banner(blocks[winner])
    close = (
        i
        for score, i in scored
        if score >= best - _HIGHER_MARGIN
        and i < winner
        and not _is_kicker(blocks, i, winner, body_start)
        and (banner or not _is_banner(blocks[i]))
    )
    higher = [i for i in close if sum(b.kind not in _UNCOUNTED_KINDS for b in blocks[i:winner]) <= _HIGHER_REACH]
    if byline is not None and winner in byline.slot:
        # A headline standing on its byline has its captions and dek under it: a line higher up,
        # out of the headline's place, is another story's (the last of a box of teasers).
        higher = [i for i in higher if i in byline.slot]
    return min(higher, default=winner)


def _is_kicker(blocks: list[Block], i: int, winner: int, body_start: int) -> bool:
    """A short line (half the words or fewer) right over a headline that stands on its byline
    or dateline is the kicker (the section or topic printed over it), not the headline."""
    return (
        i == winner - 1
        and winner + 1 < body_start
        and blocks[winner + 1].kind in _HEADER_KINDS
        and blocks[i].words <= min(_KICKER_MAX_WORDS, blocks[winner].words // 2)
    )


_KICKER_MAX_WORDS = 6
_BANNER_MIN_WORDS = 2
_ACRONYM_MAX_LETTERS = 5
_ALERT_WORDS = frozenset({"LIVE", "ALERT", "WATCH"})


def _is_banner(block: Block) -> bool:
    """A line that opens with words in capitals and goes on in lower case ("WINTER STORM WARNING
    in effect from 6 AM Friday", "BREAKING NEWS: ..."): an alert's or a label's style. Over the
    headline it repeats the story's words as a caption does; a headline set all in capitals is
    no banner, nor one opening on acronyms ("US FDA approves ...")."""
    words = block.text.split()
    capitals = 0
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if len(letters) < 2 or not all(c.isupper() for c in letters):
            break
        capitals += 1
    if not _BANNER_MIN_WORDS <= capitals < len(words):
        return False
    # Acronyms opening a headline ("US FDA approves ...", "NYC MTA ...") are short words.
    run = words[:capitals]
    return (
        any(sum(c.isalpha() for c in word) > _ACRONYM_MAX_LETTERS for word in run)
        or run[-1][-1] in ":|–—-"
        or any(word.strip(":|–—-") in _ALERT_WORDS for word in run)
    )


def scored_candidates(blocks: list[Block], body_start: int, paragraphs: list[str]) -> list[tuple[float, int]]:
    """Each line above the body that could be the headline, with its score."""
    body_terms = _body_terms(paragraphs)
    byline = _story_byline(blocks, body_start)
    page_terms: Counter[str] = Counter()
    top = _window_top(blocks, body_start)
    for block in blocks[top:body_start]:
        page_terms.update(set(_terms(block.text)))
    scored: list[tuple[float, int]] = []
    distance = 0
    repeated = _repeated_lines(blocks[top:body_start])
    labelled, copied = _labelled_copies(blocks[top:body_start])
    slides = _slide_captions(blocks, top, body_start)
    dek_apart = byline is not None and _is_dek_apart(blocks, byline)
    for i in range(body_start - 1, top - 1, -1):
        block = blocks[i]
        if block.kind is Kind.REPLY:
            break  # the comments of another story above
        if _is_candidate(block) and i not in slides and not _under_by_label(blocks, i):
            header_end = body_start
            if byline is not None and i < byline.slot[0]:
                header_end = byline.slot[1] + 1  # the story's byline is beside the headline's place, not over it
            score = _headline_score(blocks, i, body_start, body_terms, distance, page_terms, header_end=header_end)
            if block.text in repeated or _folded(block.text) in copied:
                score += _REPEATED  # the headline over the page and again over the story (or a share button)
            if block.text in labelled:
                score -= _LABELLED
            if byline is not None:
                if i > byline.at:
                    score -= _UNDER_BYLINE
                elif i == byline.slot[0] or (i == byline.slot[1] and block.words < _DEK_MIN_WORDS + 3):
                    score += _OVER_BYLINE  # a longer line right over it is the dek, under the headline
                if dek_apart:
                    score += _OVER_DEK if i == byline.slot[0] else -_DEK_COST if i == byline.slot[1] else 0.0
            scored.append((score, i))
        if block.kind not in _UNCOUNTED_KINDS:
            distance += 1
    return scored


# A label whose object is the line under it: "News provided by", "Presented by", "Brought to you by".
_BY_LABEL = re.compile(r"(?:\w+\s+){0,4}by\s*:?", re.IGNORECASE)


_PROVIDER_MAX_WORDS = 4


def _under_by_label(blocks: list[Block], i: int) -> bool:
    """A name under "News provided by" is who provides it, no headline. A longer line under such a
    label is the headline under a sponsor's label whose logo the scrape leaves out ("Supported by")."""
    return (
        i > 0
        and blocks[i].words <= _PROVIDER_MAX_WORDS
        and blocks[i - 1].words <= 5
        and _BY_LABEL.fullmatch(blocks[i - 1].text.strip()) is not None
    )


# A headline of three words, or one in capitals, is classed with menu items when its line is
# read alone. A menu is a run of such lines: one standing alone right over the byline, the
# dateline or the story is the headline. Two words alone there are as often a place or a desk.
_LONE_HEADLINE_MIN_WORDS = 3


def _with_lone_headlines(blocks: list[Block], body_start: int) -> list[Block]:
    """The blocks, with each short line standing alone right over the header or the body read as a fragment."""
    out = blocks
    for i in range(body_start):
        if _is_lone_short_line(blocks, i, body_start):
            if out is blocks:
                out = list(blocks)
            out[i] = blocks[i].as_kind(Kind.FRAGMENT)
    return out


def _is_lone_short_line(blocks: list[Block], i: int, body_start: int) -> bool:
    block = blocks[i]
    if block.kind is not Kind.NAV or block.words < _LONE_HEADLINE_MIN_WORDS or BULLET.match(block.text):
        return False
    if not is_short_label(block.text, block.words) or _MENU_MARKS.search(block.text):
        return False  # a menu printed on one line
    if i > 0 and blocks[i - 1].kind in (Kind.BYLINE, Kind.NAME) and is_role(block.text):
        return False  # the author's job under the byline ("Senior Reviews Editor")
    return not _is_plain_menu_item(blocks, i - 1) and (i + 1 == body_start or blocks[i + 1].kind in _HEADER_KINDS)


def _is_plain_menu_item(blocks: list[Block], i: int) -> bool:
    """A menu's link on a line of its own, without a list marker: a menu printed as items ends above a plain line."""
    return i >= 0 and blocks[i].kind is Kind.NAV and not BULLET.match(blocks[i].text)


# A live blog's entries each open with a timestamp ("2h ago", "14:32", "Posted 14m ago"), most
# over a heading of their own, and the body's run starts at the first entry: the blog's headline
# is over the first entry's timestamp, not the entry's heading under it.
_STAMP_MAX_WORDS = 8
_ENTRY_HEADING_LINES = 1
_LIVE_MIN_ENTRIES = 3


def _is_stamp(block: Block) -> bool:
    if block.kind is Kind.DATE:
        return block.words <= _STAMP_MAX_WORDS
    return is_entry_stamp(block.text)


def _first_entry(blocks: list[Block], body_start: int, body_end: int) -> int:
    """Where a live blog's first entry starts (its timestamp); ``body_start`` for any other story.

    The entries are alike: each timestamp over a heading, or each over its text. A dated
    story's headline over its text is no entry when the dates in the text open paragraphs."""
    for stamp in range(body_start - 1, max(-1, body_start - 2 - _ENTRY_HEADING_LINES), -1):
        if _is_stamp(blocks[stamp]):
            opening = blocks[stamp + 1].kind
            last = min(body_end, len(blocks) - 2)
            later = sum(_is_stamp(blocks[i]) and blocks[i + 1].kind is opening for i in range(body_start, last + 1))
            return stamp if 1 + later >= _LIVE_MIN_ENTRIES else body_start
    return body_start


# --- the rest of the header ----------------------------------------------------


def _anchor(blocks: list[Block], body_start: int) -> int | None:
    """The byline or dateline nearest above the body."""
    low = max(0, body_start - _HEADER_WINDOW)
    for i in range(body_start - 1, low - 1, -1):
        if blocks[i].kind in (Kind.BYLINE, Kind.DATE):
            return i
    for i in range(body_start - 1, max(0, body_start - 2) - 1, -1):
        if blocks[i].kind is Kind.NAME:
            return i
    return None


# A dek sits right under the headline and its byline; prose farther down (past a video
# player, a gallery) is the player's or the gallery's.
_DEK_REACH = 8


def _standfirst(region: list[Block]) -> str:
    """The dek: prose between headline and body, or an unpunctuated line right under it."""
    if region and region[0].kind is Kind.FRAGMENT and region[0].words >= 6:
        return region[0].text
    counted = 0
    for block in region:
        if block.kind in (Kind.PROSE, Kind.SENTENCE) and block.words >= 6:
            return block.text
        if block.kind not in _UNCOUNTED_KINDS and block.kind is not Kind.CTA:  # share buttons are no distance
            counted += 1
            if counted > _DEK_REACH:
                break
    return ""


# A line of names alone is a byline right under the headline (or its dek); farther down, a caption.
_NAMES_REACH = 2
# Some pages print the byline or the date over the headline ("Posted ..." over the picture
# and its caption, a blog's "date / category / comments" line): a line or two over it, not
# as far as the menus, where a date is the site's (today's) or another story's.
_OVER_HEADLINE_REACH = 2
_DATED_KINDS = frozenset({Kind.BYLINE, Kind.DATE, Kind.META})
_DATED_OVER_KINDS = _DATED_KINDS | {Kind.NAV}


def _names_under_headline(region: list[Block]) -> tuple[str, ...]:
    lines = (names_alone(b.text) for b in region[:_NAMES_REACH] if b.kind is Kind.FRAGMENT)
    return next((names for names in lines if names), ())


def _over_headline(blocks: list[Block], headline: int) -> list[Block]:
    """The lines right over the headline, nearest first."""
    return blocks[max(0, headline - _OVER_HEADLINE_REACH) : headline][::-1]


def _byline_in(blocks: list[Block]) -> tuple[str, ...]:
    names = (byline_names(b.text) for b in blocks if b.kind is Kind.BYLINE)
    return next((found for found in names if found), ())


def _authors(region: list[Block], over: list[Block], *, headline: bool) -> tuple[str, ...]:
    """A byline under the headline; names alone right under it; a byline right over it; a bare name;
    a name in capitals; a show's hosts."""
    authors = _byline_in(region) or (_names_under_headline(region) if headline else ()) or _byline_in(over)
    bare_name = next(((b.text,) for b in reversed(region) if b.kind is Kind.NAME), ())
    return authors or bare_name or _name_in_capitals(region) or _hosts(region)


# A show's page names its hosts as a sponsor's line is worded: "Hosted by Ana Ruiz", "Presented by ...".
_HOSTED_BY = re.compile(r"^(?:co-)?(?:hosted|presented)(?: and produced)? by\s+(?P<names>\S.*)$", re.IGNORECASE)


def _hosts(region: list[Block]) -> tuple[str, ...]:
    """The hosts under a show's headline, when every name is a person's (a sponsor presenting the
    page is a company)."""
    for block in region[:_NAMES_REACH]:
        found = _HOSTED_BY.match(block.text)
        names = byline_names(f"By {found['names']}") if found else ()
        if names and all(is_name(name) for name in names):
            return names
    return ()


def _name_in_capitals(region: list[Block]) -> tuple[str, ...]:
    """A name printed in capitals under the headline ("ANA RUIZ"), read as a label alone: the
    author, when it is a person's name once its words are capitalised."""
    names = (b.text.title() for b in region[:_NAMES_REACH] if b.kind is Kind.NAV and b.text.isupper())
    return next(((name,) for name in names if is_name(name)), ())


def _published(region: list[Block], over: list[Block]) -> datetime | None:
    """The first date under the headline, else the nearest right over it."""
    dated = [b for b in region if b.kind in _DATED_KINDS] + [b for b in over if b.kind in _DATED_OVER_KINDS]
    return next((found[0][0] for b in dated if (found := find_dates(b.text))), None)


def read_header(blocks: list[Block], body_start: int, paragraphs: list[str], *, body_end: int) -> Header:
    header_end = _first_entry(blocks, body_start, body_end)
    blocks = _with_lone_headlines(blocks, header_end)
    headline = headline_index(blocks, header_end, paragraphs)
    anchor = _anchor(blocks, body_start)
    # A defined subject is the title, but the other header lines are read under the headline as
    # before: what stands under the subject's line is an infobox, not a dek and a byline.
    defined = _defined_title(blocks, body_start, paragraphs)
    if headline is None and anchor is None:
        return Header(title=blocks[defined].text) if defined is not None else Header()
    low = headline + 1 if headline is not None else anchor
    assert low is not None
    region = blocks[low:body_start]
    over = _over_headline(blocks, headline) if headline is not None else []
    authors = _authors(region, over, headline=headline is not None)
    published = _published(region, over)
    title = blocks[defined].text if defined is not None else blocks[headline].text if headline is not None else ""
    return Header(title=title, standfirst=_standfirst(region), authors=authors, published=published)


def fallback_title(paragraph: str) -> str:
    first = re.split(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-Z0-9])", paragraph, maxsplit=1)[0]
    first = first.rstrip(".")
    if len(first) <= _TITLE_MAX_CHARS:
        return first
    cut = first[:_TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—– ") + "…"
