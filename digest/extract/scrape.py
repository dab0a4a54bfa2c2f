"""Extract one article from a plain-text page scrape.

A saved "visible text" of a news page holds one article buried among
navigation, appeals, captions, teaser lists, comments and footers. Each block
(usually a line) is classified from structural and linguistic cues; the
densest run of prose is found as a maximum-sum subarray of per-block scores;
the header (headline, standfirst, byline, date) is then read from the blocks
just above that run. Pure standard library.

The steps live beside this entry point: ``scrape_lines`` (blocks and their
kinds), ``cues`` (the classifier), ``byline`` (names and dates),
``scrape_body`` (the densest run) and ``headline`` (the header).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import urlsplit

from digest.extract.aside import without_asides
from digest.extract.byline import credit_names, is_name
from digest.extract.cues import (
    classify,
    heads_other_stories,
    heads_read_also,
    is_end_mark,
    is_entry_stamp,
    is_relative_time,
    is_share_label,
)
from digest.extract.headline import fallback_title, read_header
from digest.extract.scrape_body import body, body_start, densest_run, is_heading, list_run, trim, weights
from digest.extract.scrape_inserts import mark_inserts
from digest.extract.scrape_lines import BULLET, Block, Kind, count_words, normalise, split_groups
from digest.models import Article
from digest.text import fold

log = logging.getLogger(__name__)

__all__ = ["extract_scrape"]


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    for group in split_groups(normalise(text)):
        blocks.extend(_preformatted([Block(text=t, kind=classify(t), words=count_words(t)) for t in group]))
    blocks = _mark_comment_stamps(_mark_labelled_bylines(_mark_item_bylines(_mark_entry_buttons(blocks))))
    blocks = mark_inserts(_mark_reporters_at_venues(blocks))
    blocks = _mark_outline(_mark_threads(_mark_replies(_mark_other_stories(_mark_link_pairs(blocks)))))
    return _mark_tag_lines(_mark_inline_boxes(blocks))


# A live blog prints a share button under each entry: two or more, or it is a heading.
_ENTRY_BUTTONS_MIN = 2


def _mark_entry_buttons(blocks: list[Block]) -> list[Block]:
    """A bare "Share" under each entry of a live blog is the entry's button, not a heading that
    ends the story: where the page prints it under two paragraphs or more, the one between an
    entry's text and the next entry's stamp is a link like any other."""
    under_text = [
        i
        for i in range(1, len(blocks))
        if blocks[i].kind is Kind.SECTION and is_share_label(blocks[i].text) and _under_entry_text(blocks, i)
    ]
    if len(under_text) < _ENTRY_BUTTONS_MIN:
        return blocks
    out = list(blocks)
    for i in under_text:
        if i + 1 < len(blocks) and _is_stamp_line(blocks[i + 1]):
            out[i] = blocks[i].as_kind(Kind.NAV)
    return out


# What an entry may close on under its text: a video's teaser, an advertisement, a picture's credit.
_ENTRY_BOX_KINDS = frozenset({Kind.CTA, Kind.AD, Kind.CAPTION})
_ENTRY_BOX_MAX_LINES = 2


def _under_entry_text(blocks: list[Block], i: int) -> bool:
    j = i - 1
    while j > 0 and i - j <= _ENTRY_BOX_MAX_LINES and blocks[j].kind in _ENTRY_BOX_KINDS:
        j -= 1
    return blocks[j].kind in _PROSE_KINDS


def _is_stamp_line(block: Block) -> bool:
    return block.kind is Kind.DATE or is_entry_stamp(block.text)


_TAGS_HEADING = re.compile(
    r"(?:tags?|tagged(?: with)?|topics?|keywords?|labels?|categories|filed under)", re.IGNORECASE
)


def _mark_tag_lines(blocks: list[Block]) -> list[Block]:
    """The line under a "Tags" or "Topics" heading is the post's tag list, however long."""
    out = blocks
    for i in range(len(blocks) - 1):
        if blocks[i].kind is not Kind.SECTION or blocks[i + 1].kind not in _TAG_LINE_KINDS:
            continue
        if _TAGS_HEADING.fullmatch(_unmarked(blocks[i].text).strip(" :")):
            if out is blocks:
                out = list(blocks)
            out[i + 1] = blocks[i + 1].as_kind(Kind.META)
    return out


_TAG_LINE_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.FRAGMENT})


def _mark_item_bylines(blocks: list[Block]) -> list[Block]:
    """A list item that is a bare name, right over a date line, is the story's byline
    printed as a list ("* Ana Ruiz", "* Friday 25 December 2015", "* 3 comments")."""
    out = blocks
    for i in range(len(blocks) - 1):
        block = blocks[i]
        if block.kind is Kind.NAV and blocks[i + 1].kind is Kind.DATE and BULLET.match(block.text):
            name = BULLET.sub("", block.text, count=1)
            if is_name(name):
                if out is blocks:
                    out = list(blocks)
                out[i] = Block(text=name, kind=Kind.NAME, words=count_words(name))
    return out


# A match reporter's byline: the name and the ground ("Ana Ruiz at Canal Park").
_AT_VENUE = re.compile(
    r"^(?P<name>[^\W\d_][\w'’.-]*(?:\s+[\w'’.-]+){1,3}?)\s+at\s+(?:the\s+)?[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}$"
)
_AT_VENUE_KINDS = frozenset({Kind.FRAGMENT, Kind.NAME, Kind.NAV})


def _mark_reporters_at_venues(blocks: list[Block]) -> list[Block]:
    """A name "at" a place, right over a date line, is the byline of a reporter at the ground
    or the hall ("Ana Ruiz at Canal Park", then "Sat 29 Nov 2026 17.12 GMT")."""
    out = blocks
    for i in range(len(blocks) - 1):
        block = blocks[i]
        if block.kind not in _AT_VENUE_KINDS or blocks[i + 1].kind is not Kind.DATE:
            continue
        if (found := _AT_VENUE.match(block.text)) and is_name(found["name"]):
            if out is blocks:
                out = list(blocks)
            byline = f"By {found['name']}"
            out[i] = Block(text=byline, kind=Kind.BYLINE, words=count_words(byline))
    return out


# A label printed on its own line over the author's name ("Author:" then "Ana Ruiz").
_AUTHOR_LABEL = re.compile(
    r"(?:authors?|by|written by|posted by|autor(?:es|a|in)?|auteurs?|autore|verfasser|door)\s*:", re.IGNORECASE
)
_LABELLED_KINDS = frozenset({Kind.NAME, Kind.FRAGMENT, Kind.TEASER, Kind.NAV})
_LABELLED_MAX_WORDS = 8


def _mark_labelled_bylines(blocks: list[Block]) -> list[Block]:
    """The line under an author label is the byline: "By" and the names, or the desk it credits
    ("Harbour Desk Staff"), which names no author but is no headline either."""
    out = blocks
    for i in range(len(blocks) - 1):
        below = blocks[i + 1]
        if below.kind not in _LABELLED_KINDS or below.words > _LABELLED_MAX_WORDS:
            continue
        if blocks[i].words <= 3 and _AUTHOR_LABEL.fullmatch(_unmarked(blocks[i].text).strip()):
            byline = f"By {BULLET.sub('', below.text, count=1).strip()}"
            if out is blocks:
                out = list(blocks)
            out[i + 1] = Block(text=byline, kind=Kind.BYLINE, words=count_words(byline))
    return out


# A slide of a picture gallery: "1/50 Title", "Photo 3 of 12", at the head of a line; glued
# to its caption ("1of4Grass Valley's ...": the caption printed again with the counter); or
# alone on its line, over its caption.
_SLIDE = re.compile(
    r"^(?:[•◦▪▸►‣∙*·+-]\s+)?(?:(?:image|photo|picture|slide)\s+)?(\d{1,3})\s*(?:/|of)\s*(\d{1,3})"
    r"(?:\s+(?=\S)|(?=[^\W\d_])|$)",
    re.IGNORECASE,
)
_GALLERY_MIN_SLIDES = 3
_SLIDE_KINDS = frozenset({Kind.TEASER, Kind.BULLET, Kind.NAV, Kind.FRAGMENT, Kind.PROSE, Kind.SENTENCE})


def _mark_gallery_captions(blocks: list[Block]) -> list[Block]:
    """The paragraphs under a gallery's slides are captions, as are the slides' own lines
    when the counter is glued to the caption (and the caption printed just before them):
    a gallery beside a short story can hold more prose than the story. Under a counter
    alone on its line, the caption runs to the next counter; under the gallery's last, it
    is the one paragraph (the story may go on below). ``blocks`` itself when the page has
    no gallery; the story's paragraphs when its captions are the story."""
    slides: list[tuple[int, int, int, int]] = []  # (block, its number, slides in its gallery, where its caption starts)
    for i, block in enumerate(blocks):
        if block.kind in _SLIDE_KINDS and (m := _SLIDE.match(block.text)) and 0 < int(m[1]) <= int(m[2]):
            slides.append((i, int(m[1]), int(m[2]), m.end()))
    counted = _counted_through(slides)
    at_slide = {i for i, _, _, _ in slides}
    out = blocks
    for i, number, total, caption in slides:
        # A gallery printing only its first slide: "1/6 Price drives to the basket." over the story.
        alone = sum(other == total for _, _, other, _ in slides) == 1
        if (
            number == 1
            and total > 1
            and alone
            and blocks[i].kind in _PROSE_KINDS
            and blocks[i].text[caption:][:1].isupper()
        ):
            if out is blocks:
                out = list(blocks)
            out[i] = blocks[i].as_kind(Kind.CAPTION)
    for n, (i, number, total, caption) in enumerate(slides):
        if n not in counted:
            continue
        if out is blocks:
            out = list(blocks)
        text = blocks[i].text
        if blocks[i].kind in _PROSE_KINDS:
            out[i] = blocks[i].as_kind(Kind.CAPTION)  # a caption with its counter
        if caption == len(text):
            # The counter alone: its caption is under it, as far as the gallery's next counter.
            following = slides[n + 1] if n + 1 < len(slides) else None
            last = 1 if following is None or following[1:3] != (number + 1, total) else following[0] - i - 1
            for j in range(i + 1, min(i + 1 + last, len(blocks))):
                if blocks[j].kind not in _PROSE_KINDS:
                    break
                out[j] = blocks[j].as_kind(Kind.CAPTION)
        elif text[caption - 1].isspace():
            j = i + 1  # its captions run to the next slide
            while j < len(blocks) and blocks[j].kind in _PROSE_KINDS and j not in at_slide:
                out[j] = blocks[j].as_kind(Kind.CAPTION)
                j += 1
        else:
            out[i] = blocks[i].as_kind(Kind.CAPTION)  # the counter glued to the caption
            if i > 0 and blocks[i - 1].text.strip() == text[caption:].strip():
                out[i - 1] = blocks[i - 1].as_kind(Kind.CAPTION)
    if _told_in_slides(blocks, out):
        # The story told in slides: its counters alone on their lines are neither text nor headings.
        counters = {i for n, (i, _, _, caption) in enumerate(slides) if n in counted and caption == len(blocks[i].text)}
        return [block for i, block in enumerate(blocks) if i not in counters]
    return out


# Captions that hold most of the page's prose, with little more than an intro line over the
# first and a closing line under the last, are the story told in slides (a listicle's "1 of 3"
# tips, a photo essay), not a gallery beside it.
_STORY_MIN_SHARE = 0.6
_STORY_AROUND_MAX_CHARS = 300


def _told_in_slides(blocks: list[Block], marked: list[Block]) -> bool:
    captions = [
        i for i, block in enumerate(marked) if block.kind is Kind.CAPTION and blocks[i].kind is not Kind.CAPTION
    ]
    prose = [i for i, block in enumerate(blocks) if block.kind in _PROSE_KINDS]
    if not captions or not prose:
        return False
    before = sum(len(blocks[i].text) for i in prose if i < captions[0])
    after = sum(len(blocks[i].text) for i in prose if i > captions[-1])
    share = sum(len(blocks[i].text) for i in captions) / sum(len(blocks[i].text) for i in prose)
    return share > _STORY_MIN_SHARE and max(before, after) <= _STORY_AROUND_MAX_CHARS


def _counted_through(slides: list[tuple[int, int, int, int]]) -> set[int]:
    """Which of the slides (their places in ``slides``) belong to a gallery: a run of counters
    with one total that goes up by one slide at a time ("1/6", "2/6", "3/6"), three slides or
    more (a counter said again stays in its run). The same "1/2" said thrice is a quantity, and
    scores under a review's headings ("9/10", "6/10", "8/10") skip and go back."""
    counted: set[int] = set()
    runs: dict[int, list[int]] = {}  # a total -> the open run of its counters, by place in ``slides``
    for n, (_, number, total, _) in enumerate(slides):
        run = runs.get(total)
        if run and number - slides[run[-1]][1] in (0, 1):
            run.append(n)
        else:
            run = runs[total] = [n]
        if len({slides[k][1] for k in run}) >= _GALLERY_MIN_SLIDES:
            counted.update(run)
    return counted


_CODE_COMPANIONS = frozenset({Kind.FRAGMENT, Kind.NAV, Kind.NAME, Kind.SENTENCE, Kind.DATE, Kind.FIGURE})


def _preformatted(group: list[Block]) -> list[Block]:
    """Lines printed together with a line of code are its listing (a keyword, a value, a closing bracket)."""
    if len(group) < 2 or not any(b.kind is Kind.CODE for b in group):
        return group
    return [b.as_kind(Kind.CODE) if b.kind in _CODE_COMPANIONS and not BULLET.match(b.text) else b for b in group]


def _mark_link_pairs(blocks: list[Block]) -> list[Block]:
    """A headline right under the same headline is a linked teaser (its picture's link, then its title's)."""
    keys = [_unmarked(b.text) for b in blocks]
    out = list(blocks)
    for i, block in enumerate(blocks):
        if block.kind in (Kind.BULLET, Kind.NAV) and BULLET.match(block.text) and _opens_twice(keys[i]):
            out[i] = block.as_kind(Kind.TEASER)
    for i in range(1, len(blocks)):
        block = blocks[i]
        if (
            block.kind in (Kind.FRAGMENT, Kind.BULLET, Kind.NAV, Kind.SENTENCE)
            and len(keys[i].split()) >= 3
            and keys[i] == keys[i - 1]
            # Said three times or more, it is one caption under each picture of a set, not a link pair.
            and (i < 2 or keys[i - 2] != keys[i])
            and (i + 1 >= len(keys) or keys[i + 1] != keys[i])
        ):
            out[i] = block.as_kind(Kind.TEASER)
    return out


def _opens_twice(text: str) -> bool:
    """A line that opens with the same words twice: a teaser's picture link and title link run together."""
    words = text.split()
    return any(words[:k] == words[k : 2 * k] for k in range(2, len(words) // 2 + 1))


_TEASER_TEXT_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})


def _mark_other_stories(blocks: list[Block]) -> list[Block]:
    """Paragraphs or list items right under "Related coverage" or "Most read" are other stories'
    headlines and blurbs."""
    out = list(blocks)
    said = Counter(block.text for block in blocks)
    for i, block in enumerate(blocks):
        if block.kind is not Kind.SECTION or not heads_other_stories(block.text):
            continue
        j = i + 1
        while j < len(blocks) and _is_widget(blocks[j], said):
            j += 1
        # One form all through: a list of headlines ends where paragraphs start (the story under the box).
        listed = j < len(blocks) and _is_list_item(blocks[j])
        while j < len(blocks):
            if blocks[j].kind in _TEASER_TEXT_KINDS and _is_list_item(blocks[j]) == listed:
                out[j] = blocks[j].as_kind(Kind.TEASER)
            elif not _is_widget(blocks[j], said):
                break
            j += 1
    return out


# A line printed this many times on the page, such as the share buttons under each teaser.
_WIDGET_REPEATS = 3


def _is_widget(block: Block, said: Counter[str]) -> bool:
    return block.kind in (Kind.FRAGMENT, Kind.NAV, Kind.CTA) and said[block.text] >= _WIDGET_REPEATS


# A box of links to other stories between two paragraphs: a heading and a few items, or
# under "Read also" one linked headline, or under any heading other stories' headlines each
# with a line of blurb.
_BOX_MAX_ITEMS = 6
_LINKED_HEADLINE_MAX_WORDS = 25
_TEASERS_MIN = 2
_TEASERS_MAX = 5
_TEASER_HEADLINE_WORDS = (4, 20)
_BLURB_MAX_WORDS = 40
_SUBHEADING_MAX_WORDS = 12


def _mark_inline_boxes(blocks: list[Block]) -> list[Block]:
    """A "Related articles" or "Read also" box, or a heading over other stories' teasers, printed
    between two paragraphs of the story is an interruption, like an appeal box, not the story's
    end: its heading and items cost as one."""
    out = blocks
    for i in range(1, len(blocks)):
        if blocks[i - 1].kind not in _PROSE_KINDS:
            continue
        end = _teasers_end(blocks, i) or _inline_box_end(blocks, i)
        if end is None:
            continue
        if out is blocks:
            out = list(blocks)
        for k in range(i, end):
            out[k] = blocks[k].as_kind(Kind.CTA)
    return out


def _inline_box_end(blocks: list[Block], i: int) -> int | None:
    """Past the items under a "Related" or "Read also" heading at ``i`` (a list, or one linked
    headline), where the story goes on."""
    block = blocks[i]
    if block.kind is not Kind.SECTION:
        return None
    read_also = heads_read_also(block.text)
    if not (read_also or heads_other_stories(block.text)):
        return None
    j = i + 1
    marker = _marker(blocks[j].text) if j < len(blocks) else None
    while j < len(blocks) and j - i <= _BOX_MAX_ITEMS and marker and _marker(blocks[j].text) == marker:
        j += 1
    if j == i + 1 and read_also and j < len(blocks) and blocks[j].words <= _LINKED_HEADLINE_MAX_WORDS:
        j += 1  # one linked headline
    if j == i + 1 or j - i > _BOX_MAX_ITEMS or j >= len(blocks) or blocks[j].kind not in _PROSE_KINDS:
        return None  # no box, or one the story does not resume under
    return j


def _teasers_end(blocks: list[Block], i: int) -> int | None:
    """Past the teasers under a heading at ``i``, whatever it says ("Don't miss", "Worth a
    look"): two or more headlines, each over a line of blurb. Under the story's last paragraph
    as well as between two: their blurbs would otherwise read as its closing paragraphs."""
    if not is_heading(blocks[i]):
        return None
    j = i + 1
    while (
        j + 1 < len(blocks)
        and (j - i) // 2 < _TEASERS_MAX
        and _is_teaser_headline(blocks[j])
        and blocks[j + 1].kind in _PROSE_KINDS
        and blocks[j + 1].words <= _BLURB_MAX_WORDS
    ):
        j += 2
    if (j - i) // 2 < _TEASERS_MIN:
        return None
    # A story set in short headed sections has the same form: then the pairs are its own.
    return None if _headed_paragraph(blocks, i - 2) or _headed_paragraph(blocks, j) else j


def _is_teaser_headline(block: Block) -> bool:
    low, high = _TEASER_HEADLINE_WORDS
    return block.kind is Kind.FRAGMENT and low <= block.words <= high and not BULLET.match(block.text)


def _headed_paragraph(blocks: list[Block], i: int) -> bool:
    """A short line without a sentence's end over a paragraph, at ``i``."""
    return (
        0 <= i < len(blocks) - 1
        and blocks[i].kind in (Kind.FRAGMENT, Kind.NAV)
        and blocks[i].words <= _SUBHEADING_MAX_WORDS
        and not BULLET.match(blocks[i].text)
        and blocks[i + 1].kind in _PROSE_KINDS
    )


def _marker(text: str) -> str | None:
    """A list item's marker ("*", "+", or "n." as one kind), None for a line that is no item."""
    found = BULLET.match(text)
    if found is None:
        return None
    mark = found.group().strip()
    return "n." if mark[0].isdigit() else mark


def _unmarked(text: str) -> str:
    return BULLET.sub("", text, count=1).casefold()


# How far from a relative time the buttons of its comment sit: above it the last comment's,
# below it its own, past its author's handle and a paragraph or two.
_STAMP_BUTTONS_ABOVE = 2
_STAMP_BUTTONS_BELOW = 3
# A commenter's handle: one word with a digit or an underscore in it, or all in lower case.
_HANDLE = re.compile(r"@?(?:\w*[\d_]\w*|[a-z][\w.-]*)")


def _mark_comment_stamps(blocks: list[Block]) -> list[Block]:
    """A relative time ("2 hours ago") is a comment's stamp among comment furniture: beside
    Reply or Like buttons, under a commenter's handle, or in a comment section. Elsewhere, as
    under a story's byline or over a live blog's entries, it stays a dateline."""
    out = blocks
    for i, block in enumerate(blocks):
        if block.kind is Kind.DATE and is_relative_time(block.text) and _in_comments(blocks, i):
            if out is blocks:
                out = list(blocks)
            out[i] = block.as_kind(Kind.COMMENT)
    return out


def _in_comments(blocks: list[Block], i: int) -> bool:
    near = blocks[max(0, i - _STAMP_BUTTONS_ABOVE) : i] + blocks[i + 1 : i + 1 + _STAMP_BUTTONS_BELOW]
    if any(b.kind is Kind.COMMENT for b in near):
        return True
    if i == 0:
        return False
    above = blocks[i - 1]
    # Cased as printed: a handle is written in lower case, a button ("Share") is not.
    if above.kind is Kind.NAV and _HANDLE.fullmatch(BULLET.sub("", above.text, count=1).strip()):
        return True
    return above.kind is not Kind.BYLINE and _under_thread_heading(blocks, i)


def _under_thread_heading(blocks: list[Block], i: int) -> bool:
    for j in range(i - 1, max(-1, i - 1 - _THREAD_LOOKAHEAD), -1):
        if blocks[j].kind is Kind.THREAD:
            return True
        if blocks[j].kind in _THREAD_END_KINDS:
            return False
    return False


_COMMENT_HEAD_KINDS = frozenset({Kind.NAME, Kind.DATE, Kind.NAV, Kind.BYLINE, Kind.TEASER})
_PROSE_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE})
# A reader's comment is short: a longer run framed this way is an article under a dateline.
_REPLY_MAX_BLOCKS = 5


def _mark_replies(blocks: list[Block]) -> list[Block]:
    """Prose framed by comment furniture (handle, timestamp, Reply/Like) is a reader's comment."""
    kinds = [b.kind for b in blocks]
    out = list(blocks)
    i = 0
    while i < len(blocks):
        if kinds[i] not in _PROSE_KINDS:
            i += 1
            continue
        end = i
        while end + 1 < len(blocks) and kinds[end + 1] in _PROSE_KINDS:
            end += 1
        prev = kinds[i - 1] if i > 0 else None
        before = kinds[i - 2] if i > 1 else None
        after = kinds[end + 1] if end + 1 < len(kinds) else None
        framed = (
            prev is Kind.COMMENT
            or (prev in _COMMENT_HEAD_KINDS and before is Kind.COMMENT)
            or (prev in _COMMENT_HEAD_KINDS and after is Kind.COMMENT)
        )
        if framed and end - i < _REPLY_MAX_BLOCKS:
            for j in range(i, end + 1):
                out[j] = blocks[j].as_kind(Kind.REPLY)
        i = end + 1
    return out


# A comment section's heading starts a thread when comment furniture follows it soon.
_THREAD_LOOKAHEAD = 25
_THREAD_END_KINDS = frozenset({Kind.SECTION, Kind.LEGAL})
_IN_THREAD_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET, Kind.FRAGMENT, Kind.CODE})


def _mark_threads(blocks: list[Block]) -> list[Block]:
    """Everything under a comment section's heading is the readers', up to the next section or the footer."""
    out = list(blocks)
    i = 0
    while i < len(out):
        if out[i].kind is not Kind.THREAD or not _thread_follows(out, i):
            i += 1
            continue
        j = i + 1
        while j < len(out) and out[j].kind not in _THREAD_END_KINDS:
            if out[j].kind in _IN_THREAD_KINDS:
                out[j] = out[j].as_kind(Kind.REPLY)
            j += 1
        i = j
    return out


def _thread_follows(blocks: list[Block], heading: int) -> bool:
    window = blocks[heading + 1 : heading + 1 + _THREAD_LOOKAHEAD]
    furniture = sum(b.kind in (Kind.COMMENT, Kind.REPLY) for b in window)
    if furniture >= 2:
        return True
    # Two thread lines in a row ("Comments", "Load more comments") with no reader's line
    # under them: a thread only when what follows is not a story (a headline over prose).
    return any(b.kind is Kind.THREAD for b in window[:3]) and not _story_follows(window)


def _story_follows(window: list[Block]) -> bool:
    """A headline (a fragment) right above two paragraphs, before any comment furniture."""
    kinds = [b.kind for b in window if b.kind is not Kind.THREAD]
    for k in range(len(kinds) - 2):
        if kinds[k] in (Kind.COMMENT, Kind.REPLY):
            return False
        if kinds[k] is Kind.FRAGMENT and kinds[k + 1] is Kind.PROSE and kinds[k + 2] is Kind.PROSE:
            return True
    return False


# A table of contents: at least this many list items in a row, most of them
# said again further down as the headings of the article's sections.
_OUTLINE_MIN_ITEMS = 3
_HEADING_MAX_WORDS = 12
_OUTLINE_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)")
_OUTLINE_HEADS = re.compile(r"(?:table of )?contents?", re.IGNORECASE)


def _mark_outline(blocks: list[Block]) -> list[Block]:
    """List items that name the sections below them, and their "Contents" heading, are an outline."""
    last_heading = _last_heading_prefixes(blocks)
    out = list(blocks)
    i = 0
    while i < len(blocks):
        if not _is_list_item(blocks[i]):
            i += 1
            continue
        j = i
        while j < len(blocks) and _is_list_item(blocks[j]):
            j += 1
        if j - i >= _OUTLINE_MIN_ITEMS:
            items = [_words(_OUTLINE_NUMBER.sub("", _unmarked(b.text))) for b in blocks[i:j]]
            named = sum(bool(item) and last_heading.get(item, -1) > j for item in items)
            if named * 3 >= 2 * (j - i):
                for k in range(i, j):
                    out[k] = blocks[k].as_kind(Kind.OUTLINE)
                if i > 0 and _OUTLINE_HEADS.fullmatch(_unmarked(blocks[i - 1].text).strip(" :")):
                    out[i - 1] = blocks[i - 1].as_kind(Kind.OUTLINE)
        i = j
    return out


def _last_heading_prefixes(blocks: list[Block]) -> dict[str, int]:
    """Each short line's leading words (a heading may carry a suffix such as an "edit" link), to its last place."""
    last: dict[str, int] = {}
    for i, block in enumerate(blocks):
        if block.words > _HEADING_MAX_WORDS or _is_list_item(block):
            continue
        # At most a heading's length: a line of many "words" by this count (letters between
        # marks, with no spaces) would otherwise cost the square of their number.
        words = _words(block.text).split()[:_HEADING_MAX_WORDS]
        for n in range(1, len(words) + 1):
            last[" ".join(words[:n])] = i
    return last


def _is_list_item(block: Block) -> bool:
    return block.kind in (Kind.NAV, Kind.BULLET) and BULLET.match(block.text) is not None


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


# A wire story's credits sit at its foot, just under the last paragraph.
_CREDITS_WINDOW = 4


def _credited(blocks: list[Block], start: int, end: int) -> tuple[str, ...]:
    """The reporters a credit line at the foot of the body names, for a story without a byline."""
    for block in blocks[start : min(len(blocks), end + 1 + _CREDITS_WINDOW)]:
        if block.kind is Kind.BYLINE and (names := credit_names(block.text)):
            return names
    return ()


# The publication, which a byline may name after its reporter ("By Camila Ortega, Riverside Beacon"): the
# page's first line (its masthead), the owner its copyright line names, or its web address.
_COPYRIGHT_OWNER = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?,?\s*)?(?:by\s+)?(?P<owner>[^.|,;]{3,60}?)"
    r"\s*(?:[.|,;]|all rights|$)",
    re.IGNORECASE,
)
_MASTHEAD_MAX_WORDS = 5


def _publication_names(blocks: list[Block], url: str) -> set[str]:
    names: set[str] = set()
    if blocks and blocks[0].words <= _MASTHEAD_MAX_WORDS:
        names.add(fold(blocks[0].text))
    for block in blocks:
        if block.kind is Kind.LEGAL and (owner := _COPYRIGHT_OWNER.search(block.text)):
            names.add(fold(owner["owner"]))
    if host := urlsplit(url).hostname:
        names.add(host.removeprefix("www.").split(".")[0])
    return names


def _less_publication(authors: tuple[str, ...], blocks: list[Block], url: str) -> tuple[str, ...]:
    """The authors less the publication's name beside a reporter's; a byline naming only it stays (a
    personal site's name is its author's)."""
    if len(authors) < 2:
        return authors
    names = _publication_names(blocks, url)
    people = tuple(a for a in authors if fold(a) not in names and fold(a).replace(" ", "") not in names)
    return people or authors


def _body_span(blocks: list[Block]) -> tuple[tuple[int, int], bool] | None:
    """The body's first and last block, and whether it is a list post's items."""
    run = densest_run(weights(blocks))
    span = trim(blocks, *run) if run is not None else None
    if span is not None:
        return span, False
    span = list_run(blocks)
    return (span, True) if span is not None else None


def extract_scrape(text: str, *, url: str = "", source: str = "") -> Article | None:
    """The article in a plain-text page scrape, or None when there is no body."""
    plain = _blocks(text or "")
    blocks = _mark_gallery_captions(plain)
    found = _body_span(blocks)
    if found is None and blocks is not plain:
        # Nothing beside the gallery: its captions are the page's text.
        blocks, found = plain, _body_span(plain)
    if found is None:
        return None
    (start, end), listed = found
    end = next((i - 1 for i in range(start + 1, end + 1) if is_end_mark(blocks[i].text)), end)
    if not listed:
        start = body_start(blocks, start, end)
    paragraphs, warnings = body(blocks, start, end, listed=listed)
    if not listed:
        paragraphs = without_asides(paragraphs, publication=_publication_names(blocks, url))
    if not paragraphs:
        return None
    header = read_header(blocks, start, paragraphs, body_end=end)
    title = header.title
    if not title:
        title = fallback_title(paragraphs[0])
        warnings.insert(0, "no headline found")
    authors = _less_publication(header.authors or _credited(blocks, start, end), blocks, url)
    log.debug("scrape %s: %d of %d blocks are body", url or "<text>", len(paragraphs), len(blocks))
    return Article(
        url=url,
        title=title,
        paragraphs=tuple(paragraphs),
        authors=authors,
        published=header.published,
        standfirst=header.standfirst,
        source=source,
        warnings=tuple(warnings),
    )
