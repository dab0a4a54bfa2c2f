"""The body of a plain-text scrape: which blocks are the article's text.

Each block gets a score by kind (prose by its length; a box of appeals or ads
costs as one unit, a line linking another story, "READ MORE: ...", as a menu's
link); the densest run of blocks is the maximum-sum subarray of those scores,
trimmed to start at the first paragraph and end at the last one, a closing
editorial note, or the short sentences right under it that close the story
(under a short heading such as "What's next" or not; a score or a table's row
is none). The story ends before its back matter (a "References" or "Sources"
heading over a list of reference entries, each opening on its authors; prose
citing studies in passing, or sections after it, are the story's) and before
the next one the page prints under it (its headline over its own byline, or
under a "Next story" label; under a story signed "By ...", a heading over a
bare name and date is a signed section of it); one paragraph under a byline,
over a story told in full under its own header, is a teaser card's blurb, and
that story is the body; lone paragraphs under live entries' stamps are none.
The start skips a standfirst and byline the run swallowed (a date or a name
under a subheading of the story, as over an update or a signed note, is that
section's). Inside the body, pull quotes, repeated short blocks
(headlines, captions) and a caption printed under its photo credit are dropped.
"""

from __future__ import annotations

import re

from digest.extract.aside import content_stems
from digest.extract.byline import credit_names
from digest.extract.cues import is_entry_stamp, is_relative_time, is_share_label, is_story_link
from digest.extract.html_text import strip_footnote_markers
from digest.extract.scrape_lines import BULLET, TERMINAL, Block, Kind, title_ratio

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
    Kind.CTA: -20,  # replaced per box by weights
    Kind.LEGAL: -20,
    Kind.SECTION: -40,
    Kind.COMMENT: -15,
    Kind.THREAD: -40,
    Kind.REPLY: -10,
    Kind.CODE: -1,
    Kind.AD: -4,
    # The article's own outline sits between its introduction and its sections.
    Kind.OUTLINE: 0,
    # A chart between the paragraphs prints a line per label: each costs little, or the chart cuts the story.
    Kind.FIGURE: -1,
}
_BODY_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})
_HEADER_KINDS = frozenset({Kind.BYLINE, Kind.NAME, Kind.DATE})
_BOILERPLATE_KINDS = frozenset({Kind.CTA, Kind.LEGAL})


def _weight(block: Block) -> float:
    if block.kind is Kind.PROSE:
        return min(block.words, 80)
    if block.kind is Kind.BULLET:
        # A list item that is a paragraph of sentences counts as one, a shorter sentence a little;
        # a linked headline (no sentence end) neither helps nor costs: lists of them follow stories.
        if not _is_sentence_item(block):
            return 0.0
        return min(block.words, 80) if block.words >= _ITEM_PARAGRAPH_WORDS else 0.3 * block.words
    return _WEIGHTS[block.kind]


_ITEM_PARAGRAPH_WORDS = 25


_INTERRUPTION_KINDS = frozenset({Kind.CTA, Kind.AD, Kind.LEGAL})


def weights(blocks: list[Block]) -> list[float]:
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
        j = _listing_end(blocks, j)
        group = blocks[i:j]
        if len(group) == 1 and is_story_link(group[0].text):
            # One link to another story between paragraphs costs as a menu's link: the story goes on.
            weights[i] = _WEIGHTS[Kind.NAV]
        elif any(b.kind is not Kind.LEGAL for b in group):
            words = sum(b.words for b in group)
            weights[i:j] = [-(12 + min(words, 30) / 2)] + [0.0] * (j - i - 1)
        i = j
    i = 0
    while i < len(blocks):
        # A listing costs as one block: a long one would otherwise cut a tutorial in two.
        j = i
        while j < len(blocks) and blocks[j].kind is Kind.CODE:
            j += 1
        if j > i + 1:
            weights[i:j] = [_WEIGHTS[Kind.CODE] * 2] + [0.0] * (j - i - 1)
        i = max(j, i + 1)
    cards = _card_blurbs(blocks)
    for i, block in enumerate(blocks):
        if block.kind is Kind.PROSE and (_isolated(blocks, i) or i in cards):
            weights[i] *= _ISLAND_FACTOR
        elif block.kind in (Kind.SECTION, Kind.THREAD):
            # Under "You might also like", a long item without a full stop is a linked headline.
            j = i + 1
            while j < len(blocks) and _is_item(blocks[j]):
                if not TERMINAL.search(blocks[j].text):
                    weights[j] = min(weights[j], 0.0)
                j += 1
    return weights


_LISTING_KINDS = frozenset({Kind.FRAGMENT, Kind.NAV, Kind.NAME, Kind.BYLINE, Kind.AD})
_LISTING_LINE_MAX_WORDS = 15


def _listing_end(blocks: list[Block], j: int) -> int:
    """Past the short lines under an advertisement's label, when a paragraph follows them: the
    advertisers' headlines and names, which cost with their label as one box."""
    if j == 0 or blocks[j - 1].kind is not Kind.AD:
        return j
    k = j
    while (
        k < len(blocks)
        and k - j < _LISTING_MAX_LINES
        and blocks[k].kind in _LISTING_KINDS
        and blocks[k].words <= _LISTING_LINE_MAX_WORDS
        and not BULLET.match(blocks[k].text)
    ):
        k += 1
    return k if k < len(blocks) and blocks[k].kind in _PROSE_KINDS else j


# A paragraph with no text on either side is a teaser under a link or a caption
# more often than part of the article, which runs paragraph after paragraph.
_ISLAND_FACTOR = 0.5
_RUN_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})
# What sits right above an article's first paragraph: its byline or dateline.
_LEAD_KINDS = _RUN_KINDS | {Kind.NAME, Kind.BYLINE, Kind.DATE}


def _isolated(blocks: list[Block], i: int) -> bool:
    """A paragraph with no text after it and none above it but a headline, link or caption.
    An appeal or an advertisement between it and the text interrupts the text, and is passed."""
    above, below = i - 1, i + 1
    while above >= 0 and blocks[above].kind in _BOX_KINDS:
        above -= 1
    while below < len(blocks) and blocks[below].kind in _BOX_KINDS:
        below += 1
    before = blocks[above].kind if above >= 0 else None
    after = blocks[below].kind if below < len(blocks) else None
    if before is Kind.NAME and _ends_link_list(blocks, above):
        before = Kind.NAV  # the last of a list of links (partners, sites), not a byline
    elif before is Kind.NAV and is_entry_stamp(blocks[above].text):
        before = Kind.DATE  # a live blog entry's clock time: its dateline
    return before not in _LEAD_KINDS and after not in _RUN_KINDS


_BOX_KINDS = frozenset({Kind.CTA, Kind.AD})


def _card_blurbs(blocks: list[Block]) -> set[int]:
    """Lone paragraphs each under its own name or date line, twice or more: the blurbs of
    teaser cards (headline, author, date, blurb), not stories, however like a story's
    opening each one looks."""
    lone = {
        i
        for i in range(1, len(blocks))
        if blocks[i].kind is Kind.PROSE
        and blocks[i - 1].kind in _HEADER_KINDS
        and (i + 1 == len(blocks) or blocks[i + 1].kind not in _RUN_KINDS)
        and not _under_entry(blocks, i - 1)
    }
    return lone if len(lone) >= 2 else set()


def _under_entry(blocks: list[Block], header: int) -> bool:
    """A stamp right under a paragraph or under an entry's "Share" button: a live blog's next
    entry, not a teaser card, whose header stands under its headline."""
    above = header
    while above >= 0 and blocks[above].kind in _HEADER_KINDS:
        above -= 1
    if above < 0:
        return False
    return blocks[above].kind in _RUN_KINDS or (blocks[above].kind is Kind.NAV and is_share_label(blocks[above].text))


_MENU_KINDS = frozenset({Kind.NAME, Kind.NAV})
# A list of links: this many names or menu items in a row, at least (a heading and a
# picture's label over a name are not one).
_LINK_LIST_MIN = 4


def _ends_link_list(blocks: list[Block], i: int) -> bool:
    return i + 1 >= _LINK_LIST_MIN and all(b.kind in _MENU_KINDS for b in blocks[i + 1 - _LINK_LIST_MIN : i + 1])


# --- body --------------------------------------------------------------------


def densest_run(weights: list[float]) -> tuple[int, int] | None:
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


_EDITORIAL_NOTE = re.compile(r"^(?:correction|clarification|update|editor['’]s note)\b", re.IGNORECASE)


_MIN_SENTENCES = 4


def trim(blocks: list[Block], start: int, end: int) -> tuple[int, int] | None:
    """Start at the first paragraph; end at the last one, a list item that ends like a sentence or a closing note."""
    end = _through_box_to_credit(blocks, end)
    prose = [i for i in range(start, end + 1) if blocks[i].kind is Kind.PROSE]
    if not prose:
        # A text of short lines, each a sentence (a poem, a post in a script without spaces).
        prose = [i for i in range(start, end + 1) if blocks[i].kind is Kind.SENTENCE]
        if len(prose) < _MIN_SENTENCES:
            return None
    first, end = _story_bounds(blocks, prose[0], end)
    if first > prose[0]:
        start = first  # the story under a teaser card: the card's header and blurb are not its own
    end = _before_back_matter(blocks, first, end)
    last = max(i for i in prose if i <= end)
    while first > start and _is_sentence_item(blocks[first - 1]):
        first -= 1  # the steps of a method, the points of a list, right above the paragraph
    for i in range(last + 1, end + 1):
        if _is_sentence_item(blocks[i]) or (blocks[i].kind in _BODY_KINDS and _EDITORIAL_NOTE.match(blocks[i].text)):
            last = i
    return first, _introduced_list_end(blocks, _closing_sentences_end(blocks, last))


# A box under the story's paragraphs, and the story's last paragraphs under the box, above the
# credit that closes a wire story ("Reporting by ...; Editing by ...").
_FOOT_BOX_MAX_LINES = 3
_FOOT_PARAGRAPHS_MAX = 3


def _through_box_to_credit(blocks: list[Block], end: int) -> int:
    """Past a box and the paragraphs under it, when the story's credit line stands right under
    them: a box costs more than a short closing paragraph, which the credit shows to be the story's."""
    j = end + 1
    while j < len(blocks) and j - end <= _FOOT_BOX_MAX_LINES and blocks[j].kind in _BOX_KINDS:
        j += 1
    if j == end + 1 or j - end > _FOOT_BOX_MAX_LINES:
        return end
    k = j
    while k < len(blocks) and k - j < _FOOT_PARAGRAPHS_MAX and blocks[k].kind in _PROSE_KINDS:
        k += 1
    if k == j or k >= len(blocks) or blocks[k].kind is not Kind.BYLINE or not credit_names(blocks[k].text):
        return end
    return k - 1


# The sources listed under a story, under their heading: the story's back matter, not its text.
_BACK_MATTER = re.compile(
    r"(?:references?|sources?|bibliography|notes|end ?notes|works cited|further reading|literature cited)",
    re.IGNORECASE,
)
# A citation: authors and a year in brackets, "et al.", an ISBN or DOI, a page range, a retrieval date.
_CITATION = re.compile(
    r"\(\d{4}[a-z]?\)|\bet al\.|\bISBN\b|\bdoi\b|\bRetrieved\b|\bpp?\.\s?\d|\b\d+\s?[–-]\s?\d+\s\(\d{4}\)",
    re.IGNORECASE,
)


def _before_back_matter(blocks: list[Block], first: int, end: int) -> int:
    """The end of the story before a "References" or "Sources" heading over a list of citations."""
    for i in range(first + 1, end + 1):
        if _is_back_matter_heading(blocks[i]) and _lists_citations(blocks, i + 1, end):
            return i - 1
    return end


def _is_back_matter_heading(block: Block) -> bool:
    text = BULLET.sub("", block.text, count=1).strip(" :")
    return block.words <= 3 and block.kind not in _BODY_KINDS and _BACK_MATTER.fullmatch(text) is not None


def _lists_citations(blocks: list[Block], start: int, end: int) -> bool:
    """Most lines under a heading, as far as the run goes, are entries of a reference list (a
    recipe's notes are not, nor a section of prose citing studies, nor sections after it)."""
    lines = [b for b in blocks[start : end + 1] if b.kind in _BODY_KINDS or _is_item(b)]
    cited = sum(_is_reference_entry(b.text) for b in lines)
    return bool(lines) and 2 * cited >= len(lines)


# A reference entry opens on its authors or its publisher up to the first comma, full stop or
# bracket ("Hart, M. & Okafor, J. ...", "County Library Service. Annual report"): names only.
_ENTRY_OPENING = re.compile(r"^\s*(?:\[?\d+[.)\]]?\s+)?(?P<names>[^,.(]+)")
_NAME_JOINERS = frozenset({"and", "&", "van", "von", "de", "der", "da", "del", "di", "du", "la", "le"})


def _is_reference_entry(text: str) -> bool:
    """A work cited in a reference list, not a sentence of the story citing a study ("Tyre wear
    is the largest source, according to a 2021 analysis by Kole et al.")."""
    opening = _ENTRY_OPENING.match(BULLET.sub("", text, count=1))
    if opening is None or _CITATION.search(text) is None:
        return False
    words = opening["names"].split()
    return all(word[:1].isupper() or word.lower() in _NAME_JOINERS for word in words)


# A story can close on a line too short to be read as a paragraph ("The hearing resumes
# Monday."), or on a heading and such a line ("What's next", then the next meeting's date):
# a heading shorter than another story's headline, a line shorter than a teaser's blurb.
_CLOSING_SENTENCES_MAX = 2
_CLOSING_SENTENCE_WORDS = (3, 12)
_CLOSING_HEADING_MAX_WORDS = 3


def _closing_sentences_end(blocks: list[Block], last: int) -> int:
    """Past the short sentences right under the story's last paragraph, and a heading over them."""
    i = last + 1
    if i + 1 < len(blocks) and _is_closing_heading(blocks[i]) and _is_closing_sentence(blocks[i + 1]):
        i += 1
    j = i
    while j < len(blocks) and j - i < _CLOSING_SENTENCES_MAX and _is_closing_sentence(blocks[j]):
        j += 1
    return j - 1 if j > i else last


def _is_closing_sentence(block: Block) -> bool:
    fewest, most = _CLOSING_SENTENCE_WORDS
    return (
        (block.kind is Kind.SENTENCE or (block.kind is Kind.PROSE and block.words <= most))
        and block.words >= fewest
        and block.text.rstrip("\"'”’)").endswith(".")
        and (block.text[:1].isupper() or block.text[:1] in "\"“‘'")
        and not _is_score_line(block.text)
    )


# A label and its colon ("Final:", "COLTON (66):") opening a line, within its first words.
_LABEL_COLON = re.compile(r"^[^:.!?]{1,30}:\s")


def _is_score_line(text: str) -> bool:
    """A score or a table's row ("Final: Colton 66, Ridgeway 61.", "COLTON (66): Brooks 22, ..."):
    a label with its colon, or names and figures with no sentence between them."""
    words = text.split()
    figures = sum(any(c.isdigit() for c in word) for word in words)
    lower = sum(word[:1].islower() for word in words)
    return _LABEL_COLON.match(text) is not None or (figures >= 2 and lower < 2)


def _is_closing_heading(block: Block) -> bool:
    return (
        block.kind in (Kind.FRAGMENT, Kind.NAV)
        and not _is_back_matter_heading(block)
        and block.words <= _CLOSING_HEADING_MAX_WORDS
        and not BULLET.match(block.text)
        and not TERMINAL.search(block.text)
    )


# A story told before another's header: at least this many paragraphs. Fewer, and the
# header is the story's own, under a standfirst the run swallowed (see body_start), unless
# they stand under a byline or dateline of their own, or the header under a label for the
# next story.
_TOLD_MIN_PARAGRAPHS = 3
# Two headers or more in one run are a live blog's entries or a weekly edition's articles,
# not a story and the next.
_NEXT_STORIES_MAX = 1
_HEADER_MAX_LINES = 3
_HEADING_MAX_WORDS = 5


def _story_bounds(blocks: list[Block], first: int, end: int) -> tuple[int, int]:
    """The first paragraph and the end of the story that starts at ``first``: it ends before the
    next story the page prints under it (its headline over its own byline or dateline). One
    paragraph under a byline, over a story told in full, is a teaser card's blurb, and the story
    under it is the article. ``(first, end)`` when there is no next story."""
    own_byline = Kind.BYLINE in _header_kinds_above(blocks, first)
    headers = [
        i
        for i in range(first + 1, end)
        if _is_story_header(blocks, i, end, own_byline=own_byline) and not _in_ad_listing(blocks, i, first)
    ]
    if not headers or len(headers) > _NEXT_STORIES_MAX:
        return first, end
    told = sum(blocks[i].kind is Kind.PROSE for i in range(first, headers[0]))
    under_byline = first > 0 and blocks[first - 1].kind in _HEADER_KINDS
    if under_byline and told == 1 and _told_in_full(blocks, headers[0], end):
        return next(i for i in range(headers[0], end + 1) if blocks[i].kind is Kind.PROSE), end
    if told >= _TOLD_MIN_PARAGRAPHS or under_byline or _labels_next_story(blocks[headers[0] - 1]):
        return first, headers[0] - 1
    return first, end


# An advertiser's listing: under its label, short lines only (headlines, their advertisers' names).
_LISTING_MAX_LINES = 10


def _in_ad_listing(blocks: list[Block], i: int, first: int) -> bool:
    """The line at ``i`` is one of an advertising listing's headlines ("Sponsored", then headline and
    advertiser pairs, a network's "by ..." under the last): no paragraph between it and the label."""
    for j in range(i - 1, max(first, i - 1 - _LISTING_MAX_LINES), -1):
        if blocks[j].kind is Kind.AD:
            return True
        if blocks[j].kind in _PROSE_KINDS or blocks[j].kind in _HEADER_KINDS:
            return False
    return False


def _told_in_full(blocks: list[Block], header: int, end: int) -> bool:
    return sum(blocks[i].kind is Kind.PROSE for i in range(header, end + 1)) >= _TOLD_MIN_PARAGRAPHS


# The label a page prints over the next story, under the article.
_NEXT_STORY_LABEL = re.compile(r"(?:next|following) (?:story|article|post)|up next", re.IGNORECASE)


def _labels_next_story(block: Block) -> bool:
    return is_heading(block) and _NEXT_STORY_LABEL.fullmatch(block.text.strip(" :»›>")) is not None


def _header_kinds_above(blocks: list[Block], first: int) -> set[Kind]:
    """The kinds of the header lines (byline, name, date) right over a paragraph."""
    kinds = set()
    i = first - 1
    while i >= 0 and first - i <= _HEADER_MAX_LINES and blocks[i].kind in _HEADER_KINDS:
        kinds.add(blocks[i].kind)
        i -= 1
    return kinds


def _is_story_header(blocks: list[Block], i: int, end: int, *, own_byline: bool = False) -> bool:
    """A headline over a byline (by line, or a name and a date) and a paragraph; or over a
    dateline alone, under a heading such as "Up next"; or right over the paragraph, under a
    label for the next story ("Next story", "Up next"). A page prints every story's header
    alike: under a story signed with a by line, a heading over a bare name and a date opens a
    signed section of that story (a note, a letter), not the next story."""
    headline = blocks[i]
    if headline.kind is not Kind.FRAGMENT or headline.words < 3 or BULLET.match(headline.text):
        return False
    j = i + 1
    while j < end and j - i <= _HEADER_MAX_LINES and blocks[j].kind in _HEADER_KINDS:
        j += 1
    if blocks[j].kind is not Kind.PROSE:
        return False
    kinds = {b.kind for b in blocks[i + 1 : j]}
    if Kind.BYLINE in kinds or ({Kind.NAME, Kind.DATE} <= kinds and not own_byline):
        return True
    return (Kind.DATE in kinds and is_heading(blocks[i - 1])) or _labels_next_story(blocks[i - 1])


def is_heading(block: Block) -> bool:
    """A short line over other lines, no sentence: "Up next", "More stories"."""
    return (
        block.kind in (Kind.NAV, Kind.SECTION, Kind.FRAGMENT, Kind.CTA)
        and block.words <= _HEADING_MAX_WORDS
        and not BULLET.match(block.text)
        and not TERMINAL.search(block.text)
    )


def _introduced_list_end(blocks: list[Block], last: int) -> int:
    """Past the list a last paragraph, or a line right under it, introduces with a colon
    ("Here are the deals:", "The tour dates:")."""
    items = _introduced_items(blocks, last) or (_introduced_items(blocks, last + 1) if last + 1 < len(blocks) else [])
    return items[-1] if items else last


def _introduced_items(blocks: list[Block], i: int) -> list[int]:
    """The items of the list that the paragraph ``blocks[i]`` introduces with a colon, however
    short or oddly classified ("8) Magnum P.I. – Complete Collection"), past the bare links
    printed under them."""
    if blocks[i].kind not in _PROSE_KINDS or not blocks[i].text.rstrip().endswith(":"):
        return []
    items = []
    j = i + 1
    while j < len(blocks) and (BULLET.match(blocks[j].text) or _BARE_LINK.fullmatch(blocks[j].text)):
        if BULLET.match(blocks[j].text):
            items.append(j)
        j += 1
    if items:
        return items
    # Or lines with no marker: a schedule, a results table ("June 9 -- Coral Sky Amphitheatre, ..."),
    # three or more, each of a few words (a menu's one-word links are not a list the text gives).
    j = i + 1
    while j < len(blocks) and blocks[j].kind in _LINE_ITEM_KINDS and blocks[j].words >= _LINE_ITEM_MIN_WORDS:
        j += 1
    return list(range(i + 1, j)) if j - i - 1 >= _LINE_ITEMS_MIN else []


def _introduced_in(blocks: list[Block], start: int, end: int) -> set[int]:
    """The items of every list a paragraph of blocks[start..end] introduces with a colon, read
    in one pass: an item is not read again as the introduction of another list."""
    introduced: set[int] = set()
    i = start
    while i <= end:
        items = _introduced_items(blocks, i)
        introduced.update(items)
        i = max(items, default=i) + 1
    return introduced


_PROSE_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE})
_LINE_ITEM_KINDS = frozenset({Kind.FRAGMENT, Kind.SENTENCE, Kind.DATE, Kind.NAME, Kind.NAV, Kind.FIGURE})
_LINE_ITEM_MIN_WORDS = 3
_LINE_ITEMS_MIN = 3


_BARE_LINK = re.compile(r"https?://\S+")


# A post that is one list and no paragraphs ("What's new in 1.8": forty items):
# a run of list items with some words to them, not under a section heading.
_LIST_MIN_ITEMS = 5
_LIST_MIN_WORDS = 40
_LIST_MIN_MEAN_WORDS = 3


def list_run(blocks: list[Block]) -> tuple[int, int] | None:
    """The longest run of list items that reads as a post's content, for a page with no paragraphs."""
    best: tuple[int, int] | None = None
    best_words = 0
    i = 0
    while i < len(blocks):
        if not _is_item(blocks[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(blocks) and _is_item(blocks[j + 1]):
            j += 1
        items = blocks[i : j + 1]
        words = sum(b.words for b in items)
        headed = any(b.kind in (Kind.SECTION, Kind.THREAD) for b in blocks[max(0, i - 2) : i])
        if (
            not headed
            and len(items) >= _LIST_MIN_ITEMS
            and words >= _LIST_MIN_WORDS
            and words >= _LIST_MIN_MEAN_WORDS * len(items) + len(items)  # the marker counts as a word
            and words > best_words
        ):
            best, best_words = (i, j), words
        i = j + 1
    return best


def _is_item(block: Block) -> bool:
    return block.kind in (Kind.BULLET, Kind.NAV) and BULLET.match(block.text) is not None


def _is_caption_name(blocks: list[Block], i: int) -> bool:
    """A bare name under a photo credit, between paragraphs: who the picture shows, not who wrote the story."""
    if blocks[i].kind is not Kind.NAME:
        return False
    before = blocks[i - 1].kind if i > 0 else None
    after = blocks[i + 1].kind if i + 1 < len(blocks) else None
    return before not in _HEADER_KINDS and after not in _HEADER_KINDS and before in (Kind.NAV, Kind.CAPTION)


def _is_sentence_item(block: Block) -> bool:
    """A list item that reads as a sentence: the text's own list, not a list of linked headlines."""
    return block.kind is Kind.BULLET and (TERMINAL.search(block.text) is not None or _reads_as_sentence(block.text))


# A list post's items often end without a full stop: an item this long, in sentence case, is still a sentence.
# A linked headline is shorter, or capitalises its words; a script without capitals gives no such sign.
_SENTENCE_ITEM_WORDS = 12


def _reads_as_sentence(text: str) -> bool:
    words = BULLET.sub("", text, count=1).split()
    cased = [w for w in words if w[:1].lower() != w[:1].upper()]
    return len(words) >= _SENTENCE_ITEM_WORDS and len(cased) >= 0.6 * len(words) and title_ratio(words) < 0.5


def body_start(blocks: list[Block], start: int, end: int) -> int:
    """Skip a standfirst and byline that the densest run swallowed. A date or a name under a
    subheading of the story (an update's date, the name over a signed note) is no header."""
    cut = None
    for i in range(start, min(end, start + 6) + 1):
        if blocks[i].kind in _HEADER_KINDS and not _is_caption_name(blocks, i) and not _in_ad_listing(blocks, i, start):
            cut = i  # an advertiser's name under its label is no byline
    if cut is None or _stamped_entries(blocks, start, end) or _under_subheading(blocks, start, cut):
        return start
    if start > 0 and _is_entry_stamp_line(blocks[start - 1]) and _is_entry_stamp_line(blocks[cut]):
        return start  # the run opens under a live entry's stamp, and the next entry's stamp is in it
    leading_prose = sum(blocks[i].kind is Kind.PROSE for i in range(start, cut))
    if leading_prose > 2:
        return start
    for i in range(cut + 1, end + 1):
        if blocks[i].kind is Kind.PROSE:
            return i
    return start


_STAMP_LINE_MAX_WORDS = 4


def _is_entry_stamp_line(block: Block) -> bool:
    """A live blog entry's stamp alone on its line: "09:12", "4m ago", "Updated 2h ago"."""
    return block.words <= _STAMP_LINE_MAX_WORDS and (is_entry_stamp(block.text) or is_relative_time(block.text))


def _under_subheading(blocks: list[Block], start: int, i: int) -> bool:
    """The header lines around ``blocks[i]`` stand under a short heading of their own, itself
    under a paragraph of the run ("Update", then the date): a section of the story opens there."""
    while i > start and blocks[i - 1].kind in _HEADER_KINDS:
        i -= 1
    heading = i - 1
    return (
        heading > start
        and blocks[heading - 1].kind in _BODY_KINDS
        and blocks[heading].kind in _SUBHEADING_KINDS | {Kind.SECTION}
        and blocks[heading].words <= _SUBHEADING_MAX_WORDS
        and not BULLET.match(blocks[heading].text)
        and not TERMINAL.search(blocks[heading].text)
    )


def _stamped_entries(blocks: list[Block], start: int, end: int) -> bool:
    """Two or more datelines or bylines each between two paragraphs of the run (an entry's
    title may stand over one): the stamps of a live blog's entries, or a timeline's dates,
    not one header the run swallowed."""
    stamps = 0
    for i in range(start + 1, end):
        if blocks[i].kind not in _HEADER_KINDS or blocks[i - 1].kind in _HEADER_KINDS:
            continue
        above = i - 2 if blocks[i - 1].kind is Kind.FRAGMENT else i - 1  # past the entry's title
        j = i
        while j < end and blocks[j].kind in _HEADER_KINDS:
            j += 1
        stamps += above >= start and blocks[above].kind in _PROSE_KINDS and blocks[j].kind in _PROSE_KINDS
    return stamps >= 2


def _fingerprint(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_wholly_quoted(text: str) -> bool:
    return text[:1] in "\"“‘'" and text.rstrip(".!?…")[-1:] in "\"”’'"


_ATTRIBUTION = re.compile(r"^[—–-]\s*[A-Z]")


_SUBHEADING_KINDS = frozenset({Kind.FRAGMENT, Kind.NAV, Kind.NAME})
_SUBHEADING_MAX_WORDS = 12


def _is_subheading(blocks: list[Block], i: int, start: int, end: int) -> bool:
    """A short line without a sentence's end between paragraphs of the body: the heading of what
    follows. A link to another story between it and the paragraph above ("See also: ...")
    interrupts the text, and is passed."""
    block = blocks[i]
    above = i - 1
    while above > start and blocks[above].kind is Kind.CTA and is_story_link(blocks[above].text):
        above -= 1
    return (
        start < i < end
        and block.kind in _SUBHEADING_KINDS
        and block.words <= _SUBHEADING_MAX_WORDS
        and BULLET.match(block.text) is None
        and blocks[i + 1].kind in _BODY_KINDS
        and (blocks[above].kind in _BODY_KINDS | {Kind.CODE} or _under_a_picture(blocks, i, start))
    )


def _under_a_picture(blocks: list[Block], i: int, start: int) -> bool:
    """A heading under the caption that closes the section above; not a quote's signature, nor a line
    the page prints elsewhere (the headline again, under the lead picture)."""
    captioned = i - 2 >= start and blocks[i - 1].kind in (Kind.FRAGMENT, Kind.CAPTION)
    if not captioned or blocks[i - 2].kind not in _BODY_KINDS:
        return False
    key = _fingerprint(blocks[i].text)
    return not _ATTRIBUTION.match(blocks[i].text) and sum(_fingerprint(b.text) == key for b in blocks) == 1


# A how-to's step reads as an appeal ("Sign in to takeout.google.com, ... sign in with your Apple
# account"): an order to the reader. The page's appeal speaks as the page (we, our) or of things the
# story does not; the step is as long as a paragraph, sits between the story's paragraphs and speaks
# of what they speak of.
_STEP_MIN_WORDS = 25
_STEP_SHARED_STEMS = 4
_PAGE_SPEAKS = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")


def _is_step_of_the_story(blocks: list[Block], i: int, start: int, end: int) -> bool:
    block = blocks[i]
    if block.kind is not Kind.CTA or block.words < _STEP_MIN_WORDS or not start < i < end:
        return False
    if _PAGE_SPEAKS.search(block.text) or not TERMINAL.search(block.text):
        return False
    if blocks[i + 1].kind not in _BODY_KINDS or not any(b.kind in _BODY_KINDS for b in blocks[max(start, i - 2) : i]):
        return False
    story = set().union(
        *(
            content_stems(b.text)
            for j, b in enumerate(blocks[start : end + 1], start)
            if j != i and b.kind in _BODY_KINDS
        )
    )
    return len(content_stems(block.text) & story) >= _STEP_SHARED_STEMS


# A sentence a long read pulls out of a paragraph and prints again in large type, unquoted.
_PULLED_SENTENCE_MIN_WORDS = 8
_PULLED_SENTENCE_MAX_WORDS = 40
_PULLED_REACH = 5  # blocks: a pull quote sits near the paragraph it repeats


def _pull_quotes(blocks: list[Block], start: int, end: int) -> set[int]:
    """Quotes set apart from the text: repeated from a paragraph, or signed with a dash; and a
    sentence repeated, quoted or not, from a longer paragraph above it (one above the paragraph
    it repeats may be the paragraph's own lead)."""
    prints = {i: _fingerprint(blocks[i].text) for i in range(start, end + 1)}
    pulled: set[int] = set()
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind not in _BODY_KINDS:
            continue
        if not _is_wholly_quoted(block.text):
            if _one_pulled_sentence(block) and _repeats_a_longer(blocks, prints, i):
                pulled.add(i)
            continue
        repeated = any(j != i and j not in pulled and prints[i] in prints[j] for j in prints)
        signed = i < end and _ATTRIBUTION.match(blocks[i + 1].text) is not None
        if repeated or signed:
            pulled.add(i)
    return pulled


def _one_pulled_sentence(block: Block) -> bool:
    return (
        _PULLED_SENTENCE_MIN_WORDS <= block.words <= _PULLED_SENTENCE_MAX_WORDS
        and len(re.findall(r"[.!?…](?:[\"'”’)]*)(?:\s|$)", block.text)) == 1
    )


def _repeats_a_longer(blocks: list[Block], prints: dict[int, str], i: int) -> bool:
    words = f" {prints[i]} "
    return any(
        blocks[j].kind in _BODY_KINDS and len(other) > len(prints[i]) and words in f" {other} "
        for j, other in prints.items()
        if i - _PULLED_REACH <= j < i
    )


# A text browser prints a superscript after a caret: a footnote's number after a sentence's end
# ("accident.^2") has no letter before it for the shared footnote rule to see.
_CARET_FOOTNOTE = re.compile(r"(?<=[.!?…,;:\"'”’)])\^\d{1,3}\b")


_CREDIT_ONLY = re.compile(
    r"^\(?(?:file )?(?:(?:photo|image|picture) credits?|photo|photograph|image|picture|illustration|credit)s?"
    r"\s*(?:by\b|[:|])",
    re.IGNORECASE,
)
_CAPTION_MAX_WORDS = 25


def _is_credit(block: Block) -> bool:
    return block.kind is Kind.CAPTION and _CREDIT_ONLY.match(block.text) is not None


def _one_short_sentence(block: Block) -> bool:
    return (
        block.kind in _BODY_KINDS
        and block.words <= _CAPTION_MAX_WORDS
        and len(re.findall(r"[.!?](?:\s|$)", block.text)) == 1
        and not re.search(r"[\"“”]", block.text)
    )


def _caption_by_its_credit(blocks: list[Block], i: int, start: int) -> bool:
    """One sentence beside a bare photo credit: the picture's caption. Under the credit between
    paragraphs ("Photo: Kayle Neis/The Ledger", then "A bus waits at a stop on Thursday."); under
    the lead picture's credit, over a longer first paragraph and without a wire's dateline; over
    the credit between paragraphs, where the line under it is no caption."""
    if not _one_short_sentence(blocks[i]):
        return False
    above = blocks[i - 1] if i >= 1 else None
    below = blocks[i + 1] if i + 1 < len(blocks) else None
    if above is not None and below is not None and _is_credit(above) and below.kind in _BODY_KINDS:
        if i - 2 >= start and blocks[i - 2].kind in _BODY_KINDS:
            return True
        lead = i <= start + 1 and (i < 2 or blocks[i - 2].kind not in _BODY_KINDS)
        return lead and below.words > blocks[i].words and not _DATELINE_OPENING.match(blocks[i].text)
    return (
        i - 1 >= start
        and i + 2 < len(blocks)
        and above is not None
        and above.kind in _BODY_KINDS
        and below is not None
        and _is_credit(below)
        and blocks[i + 2].kind in _BODY_KINDS
        and not _one_short_sentence(blocks[i + 2])
    )


# A wire story's first words: its place in capitals, or its agency, then a dash or a bracket.
_DATELINE_OPENING = re.compile(r"^(?:[A-Z][A-Z.'’-]+\b[^—–(]{0,40}?(?:—|–|--|\s-\s|\()|\()")


def _paragraph(block: Block, *, item: bool = False) -> str:
    text = BULLET.sub("", block.text, count=1) if item or block.kind in (Kind.BULLET, Kind.NAV) else block.text
    return strip_footnote_markers(_CARET_FOOTNOTE.sub("", text))


# What a page repeats as furniture is short: a headline, a caption, a linked title.
# A paragraph the page prints twice inside the article's own run is the text it gives.
_REPEATABLE_WORDS = 25


def _is_long_paragraph(block: Block) -> bool:
    return block.kind is Kind.PROSE and block.words >= _REPEATABLE_WORDS


# A formula's TeX, which a text browser prints for the page's maths: the
# article's text reads without it, unlike a code listing.
_FORMULA = re.compile(
    r"\\(?:displaystyle|mathsf|mathbb|mathbf|mathrm|mathcal|text|d?frac|sqrt|quad|qquad|overline|begin"
    r"|left|right|sum|prod|int|cdot|ldots|langle|rangle|alpha|beta|gamma|lambda|sigma|ast|dagger|iff)\b"
)


def body(blocks: list[Block], start: int, end: int, *, listed: bool = False) -> tuple[list[str], list[str]]:
    """The paragraphs of blocks[start..end]; ``listed``: the body is a list, short items included.

    A code listing between the paragraphs is one paragraph, its lines kept.
    """
    pulled = _pull_quotes(blocks, start, end)
    introduced = _introduced_in(blocks, start, end)
    paragraphs: list[str] = []
    seen: set[str] = set()
    dropped = 0
    listing: list[str] = []
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind is Kind.CODE:
            if not _FORMULA.search(block.text):
                listing.append(block.text)
            continue
        if listing:
            paragraphs.append("\n".join(listing))
            listing = []
        if block.kind in _BOILERPLATE_KINDS:
            dropped += 1
        if _caption_by_its_credit(blocks, i, start):
            continue
        if i in pulled or not (
            block.kind in _BODY_KINDS
            or _is_step_of_the_story(blocks, i, start, end)
            or (listed and _is_item(block))
            or i in introduced
            or _is_subheading(blocks, i, start, end)
        ):
            continue
        key = _fingerprint(block.text)
        if key in seen and not _is_long_paragraph(block):
            continue
        seen.add(key)
        paragraphs.append(_paragraph(block, item=i in introduced))
    if listing:
        paragraphs.append("\n".join(listing))
    warnings = []
    if dropped:
        warnings.append(f"dropped {dropped} call-to-action/boilerplate block(s) inside the body")
    if pulled:
        warnings.append(f"dropped {len(pulled)} pull quote(s)")
    return paragraphs, warnings
