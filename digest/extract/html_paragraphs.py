"""The body paragraphs of an HTML page: which of trafilatura's lines are article text.

Drops a headline, dek, dateline, byline or reading time repeated at the top (in
the first few lines, or anywhere above the first paragraph: under a section
label, the headline and a byline, a dateline is the fourth line; with the job or
handle on the line under a byline's name, "Staff Writer", and keeping the people
a byline names, for a page whose markup names none), lines without words, link
sections ("Related", "More from ..." and the links under them), back matter (a
list of references under "References", "Sources", "Notes" or "Bibliography", and
"Cite this page: ..."; notes told as sentences under such a heading stay: a
sentence's opener is no author ("On Tuesday, Board Chair...") and a reporting
verb tells prose from an entry), a
slideshow's numbered captions ("1/50 ...", "2/50 ...") and boilerplate (read-more
links, "Lire aussi", "Leggi anche" and the like in other languages before a link's
headline, not going on as a sentence ("Lee también anunció..."), credits,
appeals, copyright and "all rights reserved" in other languages, a paywall's
notices told to the reader, in English and in other languages ("Cet article est
réservé aux abonnés."), an affiliate disclosure in the first person ("As an
Amazon Associate I earn...", not "As an Amazon Associate, Lydia Marsh earns..."),
"Subscribe now" followed by the offer, not "Subscribe now, pay later schemes...":
each a paragraph of its own,
never a sentence about them; a newsletter, a sign-up or a social account only
where the page speaks to its reader ("Sign up for our newsletter", "Follow us on
Instagram"), not where a story reports them); takes the markup out of what is
left (a table row's ``| a | b |`` bars, footnote numbers glued to words); then
decides whether it looks like a body at all rather than a menu or a footer.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from digest.extract.byline import byline_names
from digest.extract.html_text import ends_sentence, fold, strip_footnote_markers
from digest.extract.prefilter import Prefiltered
from digest.text import is_attributed

# A body needs one sentence-like paragraph or, for lists and tables, some bulk;
# otherwise it is a menu or a footer that the extractor fell back to. Counted
# in characters because some scripts do not put spaces between words.
_SENTENCE_MIN_CHARS = 30
_LIST_BODY_MIN_CHARS = 250


def looks_like_body(paragraphs: tuple[str, ...]) -> bool:
    has_sentence = any(len(p) >= _SENTENCE_MIN_CHARS and ends_sentence(p) for p in paragraphs)
    return has_sentence or sum(len(p) for p in paragraphs) >= _LIST_BODY_MIN_CHARS


# Prose, for comparing two candidate bodies: paragraphs that run to a sentence's end.
_PROSE_MIN_CHARS = 80


def prose_chars(paragraphs: tuple[str, ...]) -> int:
    return sum(len(p) for p in paragraphs if len(p) >= _PROSE_MIN_CHARS and ends_sentence(p))


def split_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class CleanBody:
    paragraphs: tuple[str, ...]
    bylined: tuple[str, ...] = ()  # the people a byline dropped from the top of the body names


def clean_paragraphs(
    paragraphs: list[str], *, title: str = "", description: str = "", authors: str = ""
) -> tuple[str, ...]:
    """Drop what is not body text (a repeated headline, dek, dateline, byline or section
    label, boilerplate) and the markup in the rest. ``authors``: the names the page's
    metadata gives, as one string."""
    return clean_body(paragraphs, title=title, description=description, authors=authors).paragraphs


def clean_body(paragraphs: list[str], *, title: str = "", description: str = "", authors: str = "") -> CleanBody:
    """The paragraphs :func:`clean_paragraphs` keeps, with the people named by the byline it dropped."""
    kept = [_unmarked(p) for p in paragraphs]
    header = _Header(title, description, frozenset(fold(name) for name in _NAMES.split(authors) if name.strip()))
    kept, bylined = _drop_leading_headers([p for p in kept if p], header)
    kept = [p for p in kept if not _is_author_name(p, header)]  # a live blog's entries each name their writer
    kept = [p for p in kept if _has_words(p)]
    kept = _drop_link_sections(kept)
    kept = _drop_back_matter(kept)
    kept = _drop_slideshow_captions(kept)
    return CleanBody(tuple(p for p in kept if not _is_boilerplate(p)), bylined)


# A table row as trafilatura writes it: "| Name | Vote |" (and "|---|---|" under a header).
_TABLE_ROW = re.compile(r"^\|(?:[^|]*\|)+\s*$")
CELL_SEPARATOR = " · "


def _unmarked(paragraph: str) -> str:
    """The paragraph as text: a table row's cells without the bars, footnote markers gone."""
    if _TABLE_ROW.match(paragraph):
        cells = [cell.strip() for cell in paragraph.strip().strip("|").split("|")]
        paragraph = CELL_SEPARATOR.join(cell for cell in cells if cell and not set(cell) <= set("-: "))
    return strip_footnote_markers(paragraph)


# Headers repeated at the top of the body sit in its first few paragraphs, or anywhere above its
# first paragraph (a section label, the headline, a byline and a dateline are four).
_HEADER_WINDOW = 3


@dataclass(frozen=True, slots=True)
class _Header:
    """What the page says of itself above the body, to recognise it repeated there."""

    title: str
    description: str
    authors: frozenset[str]  # folded


# Names in an author string: "A; B", "A, B", "A and B", "A & B".
_NAMES = re.compile(r"\s*(?:[;,&|/]|\band\b)\s*", re.IGNORECASE)


def _drop_leading_headers(paragraphs: list[str], header: _Header) -> tuple[list[str], tuple[str, ...]]:
    """The paragraphs without the headers at the top, and the people the first byline among them names."""
    checks = [_is_headline, _is_dek, _is_dateline, _is_byline, _is_author_name, _is_reading_time]
    kept: list[str] = []
    bylined: tuple[str, ...] = ()
    person = ""  # named by the header just dropped: the next line may be their job
    for index, paragraph in enumerate(paragraphs):
        if person and _is_job_of(person, paragraph):
            person = ""
            continue
        person = ""
        hit = None
        if index < _HEADER_WINDOW or not kept:
            hit = next((c for c in checks if c(paragraph, header)), None)
            following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
            if hit is None and _is_headline in checks and _is_kicker(paragraph, following, header):
                continue
        if hit is None:
            kept.append(paragraph)
            continue
        checks.remove(hit)  # each kind of header appears once
        # "By Ana Ruiz | May 3, 2024" is dropped as a dateline; it names its people all the same.
        names = byline_names(paragraph) if _BYLINE.match(paragraph) or _UNCASED_BYLINE.match(paragraph) else ()
        bylined = bylined or names
        if names:
            person = names[-1]
        elif hit is _is_author_name:
            person = paragraph
    return kept, bylined


def _is_headline(paragraph: str, header: _Header) -> bool:
    """The page title repeated, perhaps reworded ("HS Roundup" / "High School Roundup").
    Repeated word for word, it is the headline even when it ends like a sentence
    ("Old bridge to close again!", "Is the bridge safe?")."""
    title = header.title
    if not title or len(paragraph.split()) > 30 or len(paragraph) > 250:
        return False
    if fold(paragraph) == fold(title):
        return True
    if ends_sentence(paragraph):
        return False
    words, title_words = set(fold(paragraph).split()), set(fold(title).split())
    if not words or not title_words:
        return False
    shared = len(words & title_words)
    smaller, larger = sorted((len(words), len(title_words)))
    return shared >= 0.6 * smaller and shared >= 0.4 * larger


def _is_dek(paragraph: str, header: _Header) -> bool:
    """The page description shown as a subheading (a dek ends without a full stop)."""
    description = header.description
    return bool(description) and fold(paragraph) == fold(description) and not ends_sentence(paragraph)


_YEAR = re.compile(r"(?<![^\W\d_])(?<!\d)(?:19|20)\d\d(?!\d)")  # "2026年" too
_NUMBER = re.compile(r"\d+")


def _is_dateline(paragraph: str, header: _Header) -> bool:
    """A line that is just a date/time, perhaps with a short label ("Published by ...")."""
    return (
        len(paragraph.split()) <= 15
        and len(paragraph) <= 100
        and not ends_sentence(paragraph)
        and _YEAR.search(paragraph) is not None
        and len(_NUMBER.findall(paragraph)) >= 2
    )


_BYLINE = re.compile(r"^(?:by|von|par|por|di|interview(?:ed)? by)\s+\S+", re.IGNORECASE)
# The same label in Arabic and Hebrew, Japanese and Chinese ("بقلم", "מאת", "文・", "记者"): a byline
# only when it names someone, as its script gives no capital to tell a name.
_UNCASED_BYLINE = re.compile(r"^(?:بقلم|מאת|文|記者|记者|作者|撰文)\s*[:：・／/\s]")
_JOB_MAX_WORDS = 4


def _is_byline(paragraph: str, header: _Header) -> bool:
    if len(paragraph.split()) > 8 or ends_sentence(paragraph):
        return False
    return bool(_BYLINE.match(paragraph)) or (bool(_UNCASED_BYLINE.match(paragraph)) and bool(byline_names(paragraph)))


def _is_job_of(person: str, paragraph: str) -> bool:
    """The job or handle of the person a byline names, on a line of its own under it ("Staff Writer"):
    the two read as one byline, "Ana Ruiz, Staff Writer"."""
    return len(paragraph.split()) <= _JOB_MAX_WORDS and byline_names(f"{person}, {paragraph}") == (person,)


def _is_author_name(paragraph: str, header: _Header) -> bool:
    """An author's name alone on its line: the byline without its "By"."""
    return len(paragraph) <= 80 and fold(paragraph) in header.authors


# A section's name printed over the headline ("Interviews", "World News"): a few words,
# no sentence, no number. A short line elsewhere may be the body's own heading.
_KICKER_WORDS = 3
_KICKER_CHARS = 32


def _is_kicker(paragraph: str, following: str, header: _Header) -> bool:
    words = fold(paragraph).split()
    return (
        0 < len(words) <= _KICKER_WORDS
        and len(paragraph) <= _KICKER_CHARS
        and not ends_sentence(paragraph)
        and not any(ch.isdigit() for ch in paragraph)
        and _is_headline(following, header)
    )


_READING_TIME = re.compile(
    r"^(?:\d+\s*min(?:ute)?s?\s+read"
    r"|(?:reading time|read time|tempo de leitura|tiempo de lectura|temps de lecture|lesezeit)\b)",
    re.IGNORECASE,
)


def _is_reading_time(paragraph: str, header: _Header) -> bool:
    return len(paragraph.split()) <= 8 and bool(_READING_TIME.match(paragraph))


# Headings that introduce a block of links rather than text; the heading and
# the link-like lines after it go.
_LINK_SECTION_HEADINGS = frozenset(
    {
        "comments",
        "don t miss",
        "leave a comment",
        "more",
        "popular",
        "share",
        "share this",
        "share this article",
        "share this story",
        "something to consider",
        "tags",
        "tell us what you think",
        "topics",
        "trending",
        "trending now",
        "you may also like",
        "you may like",
        "you might also like",
    }
)
# Short headings starting like these ("More from Sport", "Most read in world news").
_LINK_SECTION_PREFIXES = (
    "also read",
    "more from",
    "more in",
    "more on",
    "more stories",
    "most popular",
    "most read",
    "most viewed",
    "read more",
    "read next",
    "lire aussi",
    "à lire aussi",
    "leggi anche",
    "mehr zum thema",
    "recommended",
    "related",
    "see also",
    "see more",
)
_LINK_SECTION_MAX_WORDS = 6


def _drop_link_sections(paragraphs: list[str]) -> list[str]:
    kept: list[str] = []
    in_section = False
    for paragraph in paragraphs:
        if _is_link_section_heading(paragraph):
            in_section = True
            continue
        if in_section and _is_link_like(paragraph):
            continue
        in_section = False
        kept.append(paragraph)
    return kept


def _is_link_section_heading(paragraph: str) -> bool:
    heading = fold(paragraph)
    if heading in _LINK_SECTION_HEADINGS:
        return True
    # "Related: <headline>" is one inline link, not a heading over a list.
    return (
        len(heading.split()) <= _LINK_SECTION_MAX_WORDS
        and ":" not in paragraph.rstrip(" :")
        and not ends_sentence(paragraph)
        and heading.startswith(_LINK_SECTION_PREFIXES)
    )


def _is_link_like(paragraph: str) -> bool:
    return paragraph.startswith("- ") or not ends_sentence(paragraph)


# Headings over a story's back matter: its references, and how to cite it.
_BACK_MATTER_HEADINGS = frozenset(
    [
        "references", "reference", "sources", "bibliography", "notes", "footnotes", "endnotes", "works cited",
        "citations", "further reading", "literature", "notes and references", "references and notes",
        "journal reference", "journal references", "cite this page", "cite this article", "how to cite",
        "how to cite this article", "références", "bibliographie", "quellen", "literatur", "referencias",
        "bibliografía", "fuentes", "fonti", "bibliografia", "referências", "fontes",
    ]
)  # fmt: skip
# A reference: a year with an author ("Hale, R.", "Marsh, D. et al."), a quoted title, a
# journal's volume and pages, an ISBN, a DOI, a link or when it was retrieved.
_REFERENCE_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b|\bn\.d\.")
# An author opens an entry as "Hale, R." or "Hale, Ruth." (then a year, a title or another author), never as
# a sentence's opener ("On Tuesday, Board Chair...", "In March, Vasquez said...").
_REFERENCE_MARKS = re.compile(
    r"""^(?!(?:on|in|at|by|for|after|before|during|since|until|from|last|this|next|earlier|later|when|while|as
          |under|over|with|without|meanwhile|however|still|then|now|today|yesterday|but|and|so|yet)\b)
        (?-i:[A-Z])[\w'’-]+(?:\ (?-i:[A-Z])[\w'’-]+)?,\ (?:(?-i:[A-Z])\.|(?-i:[A-Z])[\w'’-]+(?=[.,(&]|\ and\b))
      | \bet\ al\b | \bISBN\b | \bISSN\b | \bdoi\b | \bretrieved\b | https?://
      | ["“][^"”]{10,}["”] | \b\d+\s*(?:\(\d+\))?\s*[,:]\s*\d+\s*[–-]\s*\d+\b | \bpp?\.\ \d | \bvol\.\ \d""",
    re.IGNORECASE | re.VERBOSE,
)
_REFERENCE_NUMBER = re.compile(r"^(?:-\s+)?(?:\^\s*)?(?:\[\d{1,3}\]\s*|\d{1,3}[.)]\s+)?")
_REFERENCE_MAX_CHARS = 500


def _drop_back_matter(paragraphs: list[str]) -> list[str]:
    """Without a reference list under its heading ("References", "Sources", "Notes"): the heading
    and the references after it. A heading over anything else (notes told as sentences) stays."""
    kept: list[str] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        end = index + 1
        if fold(paragraph) in _BACK_MATTER_HEADINGS:
            while end < len(paragraphs) and _is_reference(paragraphs[end]):
                end += 1
        if end > index + 1:
            index = end
            continue
        kept.append(paragraph)
        index += 1
    return kept


def _is_reference(paragraph: str) -> bool:
    """An entry of a reference list; a sentence reporting what someone said or wrote is a note told as prose."""
    text = _REFERENCE_NUMBER.sub("", paragraph, count=1)
    return (
        len(text) <= _REFERENCE_MAX_CHARS
        and not is_attributed(text, quotes=False)  # a reference's title may be quoted
        and _REFERENCE_YEAR.search(text) is not None
        and _REFERENCE_MARKS.search(text) is not None
    )


# A slide's caption starts with its counter, "3/50" or "3 of 50"; a slideshow's counters count
# through its slides toward one total. A few lines between two slides (a credit) go with them, and
# after the last counter as many lines as the shortest slide before it has: its caption when the
# counters stand on lines of their own.
_SLIDE_COUNTER = re.compile(r"^(?:- )?(\d{1,3}) ?(?:/|of) ?(\d{1,3})\b")
_AFTER_COUNTER = re.compile(r"^\s*(?:[.:)\-–—]\s+)?")  # "1/5. ", "1/5 - ", "1/5 "; not the sign of "-3°C"
_SLIDESHOW_MIN_SLIDES = 3
_BETWEEN_SLIDES_MAX = 2
# Numbered paragraphs (not list items: a list of teasers) that hold most of the text, with no
# more than an intro line before them, are the story itself (a thread written "1/5 ...", a
# photo essay told in its captions), not a gallery after it: a gallery of fifty teasers can
# outweigh the short story above it.
_STORY_MIN_SHARE = 0.6
_STORY_MAX_CHARS_BEFORE = 300


def _drop_slideshow_captions(paragraphs: list[str]) -> list[str]:
    counters = [_slide_counter(p) for p in paragraphs]
    slides: set[int] = set()
    start = 0
    while start < len(paragraphs):
        run = _slideshow_from(counters, start)
        if len(run) >= _SLIDESHOW_MIN_SLIDES:
            lines = _slideshow_lines(run, counters)
            slides.update(lines)
            start = lines.stop
        else:
            start += 1
    if not slides:
        return paragraphs
    before = sum(map(len, paragraphs[: min(slides)]))
    share = sum(len(paragraphs[i]) for i in slides) / sum(map(len, paragraphs))
    listed = any(paragraphs[i].startswith("- ") for i in slides if counters[i])
    if share > _STORY_MIN_SHARE and before <= _STORY_MAX_CHARS_BEFORE and not listed:
        told = (_without_counter(p) if i in slides and counters[i] else p for i, p in enumerate(paragraphs))
        return [p for p in told if p]  # a counter on a line of its own leaves nothing
    return [p for i, p in enumerate(paragraphs) if i not in slides]


def _without_counter(paragraph: str) -> str:
    match = _SLIDE_COUNTER.match(paragraph)
    if match is None:
        return paragraph
    return paragraph[: match.start(1)] + _AFTER_COUNTER.sub("", paragraph[match.end(2) :], count=1)


def _slideshow_from(counters: list[tuple[int, int] | None], start: int) -> list[int]:
    """The indexes of the slides of a slideshow whose first slide is at ``start`` (empty when none)."""
    first = counters[start]
    if first is None:
        return []
    slides, (number, total) = [start], first
    index = start + 1
    while index < len(counters) and index - slides[-1] <= _BETWEEN_SLIDES_MAX + 1:
        counter = counters[index]
        if counter is not None:
            if counter[1] != total or counter[0] <= number:
                break
            slides.append(index)
            number = counter[0]
        index += 1
    return slides


def _slideshow_lines(run: list[int], counters: list[tuple[int, int] | None]) -> range:
    """The lines of the slideshow whose counters are at ``run``, through the last slide's own lines."""
    shortest = min(later - earlier for earlier, later in itertools.pairwise(run))
    end = run[-1] + 1
    while end < min(run[-1] + shortest, len(counters)) and counters[end] is None:
        end += 1
    return range(run[0], end)


def _slide_counter(paragraph: str) -> tuple[int, int] | None:
    match = _SLIDE_COUNTER.match(paragraph)
    if match is None:
        return None
    number, total = int(match[1]), int(match[2])
    return (number, total) if 0 < number <= total else None


_BOILERPLATE = re.compile(
    r"""^(?:
        \[?(?:read|see)\ (?:more|also)\b.{0,200}$
      # "Read also" in French, Italian, Spanish, Portuguese, German and Dutch: the label, then a mark or a
      # headline's capital; "Lee también anunció..." (Lee, a president) and "Veja também revelou..." (Veja, a
      # magazine) go on in lower case with a verb, and are news
      | (?:(?:[àa]\ )?lire\ aussi|voir\ aussi|leggi\ anche|lee\ tambi[ée]n|(?:leia|veja)\ tamb[ée]m
        |lesen\ sie\ auch|mehr\ zum\ thema|lees\ ook)
        (?:\s*$|\s*[:|»›>\-–—]|\s+(?-i:[A-ZÀ-Þ0-9"“«‘'])).{0,200}$
      # in Arabic, Hebrew, Japanese and Chinese, which have no capitals: the label alone or before a mark
      | (?:اقرأ\ (?:أيضا|أيضاً|ايضا|المزيد)|קראו\ גם|קרא\ גם|関連記事|あわせて読みたい|相关阅读|延伸阅读|相关新闻)
        (?:\s*$|\s*[:：|»›>\-–—]).{0,200}$
      | (?:続きを読む|阅读全文|阅读更多|weiterlesen)\s*[>›»]?$
      | \[?related(?:\ (?:post|posts|stories|story|articles|article|coverage|content|reading))?\s*:.*$
      | also\ on\ \S+\.\w+\b.*$
      | advertisement$
      | sponsored(?:\ content)?$
      | \d*\s*comments?$
      | (?:filed\ under|tags|tagged\ with|tagged|categories|category)\s*:.*$
      | (?:last\ )?(?:updated|published|posted)(?:\ on|\ at)?\s*:?\s*[^!?]{0,40}\d[^!?]{0,30}$
      | follow\b.{0,80}(?:\bat\ https?://|@\w+).*$
      | more\b.{0,40}:\s*https?://.*$
      | (?:additional\ )?reporting\ by\b.*$
      | \(reporting\ by\b.*$
      | editing\ by\b.*$
      | (?:write\ to|email|e-mail|contact|reach)\b.{0,80}(?:@|twitter\.com/).*$
      | (?:copyright\b|©).{0,150}$
      | (?:cite\ this\ (?:page|article|story|post|paper)|how\ to\ cite(?:\ this\ (?:page|article|story))?
        |suggested\ citation|citation)\s*:.*$
      | like\ this\ (?:story|article)\b.*$
      | share\ (?:this\ (?:article|story|post|page)|on\ (?:facebook|twitter|linkedin|whatsapp))\b.{0,80}$
      | if\ you\ (?:enjoyed|liked)\ this\ (?:article|story|post)\b.*$
      # a paywall's notices, told to the reader
      | (?:you(?:['’]ve|\ have)|this\ is\ your)\b[^.!?]{0,60}\bfree\ (?:articles?|stories|story)\b.{0,150}$
      | already\ (?:a\ (?:subscriber|member)|subscribed|registered|have\ an\ account)\s*\?.{0,60}$
      | (?:log|sign)\ ?in(?:\ here|\ now)?[.!]?$
      | to\ (?:continue|keep)\ reading\b[^.!?]{0,60}\b(?:subscri\w*|log\ ?in|sign\ ?in|register|account)\b.{0,100}$
      | this\ (?:article|story|content|post)\ is\ (?:only\ )?(?:available\ |reserved\ |exclusive\ )?(?:only\ )?
        (?:for|to)\ (?:paid\ |paying\ |our\ )?(?:subscribers|members)\b.{0,100}$
      | subscribe\ (?:now|today)(?:\s*[.!:]|\s*$|,?\s+(?:for|to|and|at|from|with|get|save)\b|\s+[-–—]).{0,150}$
      | cancel\ (?:any\ ?time|at\ any\ time)[.!]?$
      # the same notice in French, German, Spanish, Italian, Portuguese and Dutch
      | (?:(?:la\ suite\ de\ )?cet\ (?:article|contenu)\ est\ |l['’]acc[eè]s\ [àa]\ cet\ article\ est\ )?
        r[ée]serv[ée]e?\ aux\ abonn[ée]e?s\b.{0,150}$
      | (?:dieser\ (?:artikel|beitrag|inhalt)\ ist\ )(?:nur|exklusiv|ausschlie(?:ß|ss)lich)\ f(?:ü|ue)r
        \ (?:\w+-)?abonnent(?:en|innen)\b.{0,150}$
      | (?:este\ (?:art[íi]culo|contenido)\ es\ )(?:exclusivo|s[óo]lo|solo)\ (?:para\ )?(?:suscriptores|abonados)\b.{0,150}$
      | (?:quest[oa]\ )?(?:articolo|contenuto)\ (?:è\ )?riservato\ agli\ abbonati\b.{0,150}$
      | (?:este\ (?:artigo|conte[úu]do)\ [ée]\ )(?:exclusivo|s[óo])\ (?:para\ )?assinantes\b.{0,150}$
      | dit\ (?:artikel|verhaal)\ is\ (?:alleen|exclusief)\ (?:beschikbaar\ )?voor\ abonnees\b.{0,150}$
      # an affiliate disclosure
      | this\ (?:post|article|page|story|review|site)\ (?:may\ )?contains?\ affiliate\ links\b.{0,200}$
      | as\ an\ amazon\ associate,?\ (?:we|i|this\ (?:site|blog|page|post))\b.{0,200}$
      | when\ you\ (?:buy|shop|purchase|click)\b[^.!?]{0,60}\b(?:links?|retailers?|partners?)\b[^.!?]{0,40}
        \b(?:we|i)\ (?:may\ )?(?:earn|receive|get|make)\b.{0,200}$
      | (?:we|i)\ (?:may\ )?(?:earn|receive|get|make)\ (?:an?\ )?(?:small\ )?(?:affiliate\ )?commission\b.{0,150}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Sentences that give them away anywhere in a short paragraph.
_BOILERPLATE_PHRASES = re.compile(
    r"""(?:
        \bcontributed\ (?:to\ )?(?:this\ )?(?:report|reporting|story)\b
      | \bdelivered\ (?:to|through)\ your\ (?:inbox|letterbox|door)\b
      | \ball\ rights\ reserved\b
      | \b(?:riproduzione\ riservata|tous\ droits\ r[ée]serv[ée]s|todos\ los\ derechos\ reservados
        |todos\ os\ direitos\ reservados|alle\ rechte\ vorbehalten|alle\ rechten\ voorbehouden)\b
      | \b(?:photo|photograph|image|picture)s?\ (?:by|courtesy|credit)\b
      | \bphotos?\b[^.]{0,40}©
      | \((?:photo|image|credit|picture)s?\s*:[^)]*\)?$
      | \bgetty\ images\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# A newsletter, a sign-up, a social account: the page's appeal when it speaks to its reader
# ("Sign up for our newsletter", "Follow us on Instagram", "Pick Six Newsletter" over a sign-up
# box), news when a story reports them ("the city's newsletter, which has 11,000 recipients",
# "residents can sign up for an appointment", "he would follow his victims on Instagram").
_APPEAL_PHRASES = re.compile(
    r"""(?:
        \bnewsletters?\b
      | \bsubscribe\ to\b
      | \bsign\ up\ (?:for|to|here|now|today)\b
      | \bfollow\ (?:us|him|her|them|[\w'’]+(?:\ [\w'’]+){0,5})\ on\ (?:twitter|facebook|instagram|linkedin)\b
      | \bfollow\ (?:us|him|her)\b.{0,40}@\w+
      # German, French, Spanish: subscribe, join, support us
      | \b(?:abonnier\w*|abonnez-vous|abonne-toi|inscrivez-vous|soutenez|suscr[íi]b(?:ete|ase|irse|irte)
        |[úu]nete|ap[óo]yanos|unterst(?:ü|ue)tzen\ sie|nuestro\ bolet[íi]n|lettre\ d['’]information)\b
      # Arabic, Hebrew, Japanese, Chinese (no word boundaries in the last two)
      | اشترك\ (?:الآن|في\ (?:النشرة|نشرتنا))|النشرة\ البريدية|نشرتنا|ادعمنا|ادعم\ (?:صحافتنا|عملنا)|تبرع\ الآن
      | הירשמו|הרשמו|ניוזלטר|תמכו\ בנו
      | ニュースレター|メルマガ|会員登録|有料会員|点击(?:关注|订阅)|关注我们|订阅(?:我们|本)|新闻简报
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# The page speaking to its reader: "you", "we", "this newsletter", or an appeal's verb opening a
# sentence or a clause ("Subscribe to ...", "For more, follow ..."); but not words a story
# attributes to someone.
_TO_THE_READER = re.compile(
    r"""\b(?:you|your|yours|we|our|us)\b
      | \bthis\ (?:newsletter|email|article|story|post|column)\b
      | (?:^|[.!?:;,]\s+|\s[-–—]\s+|[\"“‘]) (?:subscribe|sign\ up|follow|get|join|register|click|tap)\b
      # the same orders in German, French and Spanish ("Newsletter abonnieren", "Apóyanos"), and the
      # Chinese "click", "our", the Japanese "this article"
      | \b(?:(?:jetzt\ )?abonnieren|abonnez-vous|abonne-toi|inscrivez-vous|soutenez|unterst(?:ü|ue)tzen\ sie
        |suscr[íi]bete|[úu]nete|ap[óo]yanos)\b
      | 点击|我们的|この記事""",
    re.IGNORECASE | re.VERBOSE,
)
# The same searches, an ASCII paragraph holding none of the words they need passed over at once
# (most paragraphs: the engine would try every alternative at every position).
_BOILERPLATE_PHRASES_SEARCH = Prefiltered(_BOILERPLATE_PHRASES).search
_APPEAL_PHRASES_SEARCH = Prefiltered(_APPEAL_PHRASES).search
_SHORT_PARAGRAPH_WORDS = 40
_APPEAL_HEADING_WORDS = 8


def _is_boilerplate(paragraph: str) -> bool:
    if _BOILERPLATE.match(paragraph):
        return True
    if len(paragraph.split()) > _SHORT_PARAGRAPH_WORDS:
        return False
    return _BOILERPLATE_PHRASES_SEARCH(paragraph) is not None or _is_appeal(paragraph)


def _is_appeal(paragraph: str) -> bool:
    if _APPEAL_PHRASES_SEARCH(paragraph) is None:
        return False
    if not ends_sentence(paragraph) and len(paragraph.split()) <= _APPEAL_HEADING_WORDS:
        return True  # a sign-up box's heading
    # Quotation marks in an appeal hold the page's own labels ('just tick "10 Things in Tech"').
    return any(
        _APPEAL_PHRASES_SEARCH(sentence)
        and _TO_THE_READER.search(sentence)
        and not is_attributed(sentence, quotes=False)
        for sentence in _SENTENCE_BREAK.split(paragraph)
    )


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def _has_words(paragraph: str) -> bool:
    return any(ch.isalnum() for ch in paragraph)
