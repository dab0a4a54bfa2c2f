"""Which sentences of a body may stand in a summary.

A summary sentence has to read on its own in a digest. Never one that is page
furniture that slipped into the body (a copyright line, an appeal to
subscribe or sign up, the page naming its own newsletter or offering it to the
reader, not a story about one, an advertisement's "apply now", a "read more" or "more
from" line, a list of tags), a line of code, maths or a table row, a box
score's or a results table's line (names with their figures: "COLTON (66):
Brooks 22, Ames 14, Ortiz 11."), a reference or a citation of the page (its
authors in a citation's form, surname then initials: "Okafor, T. & Wren, B.
Tidal mixing.", "Okafor, T. et al.", "Okafor, T. (2019).", or "Cite this
page:"; a paragraph that opens with one is the reference, all of it; places
and their states, "Newark, N.J., and Buffalo, N.Y., both recorded...", go on
in lower case as a sentence does, where authors are followed by a year or a
title), or a
fragment that ends in a colon ("...broke the news:").

Nor the page speaking about the story or to its readers rather than telling
it: an editor's note, a correction or an update (the sentences after it in
its paragraph go on with it), the publication's appeal for support, or how to
reach the author (its paragraph is the appeal or the author's box, all of it).
These are told by who speaks to whom, not by a list of stock phrases: "our
newsroom" or "reporting like this" with money or support, "we" asking "you",
"reach her" with a phone, an address or "tips". Quoted or attributed words
are a source's, and stay. The page's other words to its readers are no story
either: a paywall, a sponsor's line (the sentences after it in its paragraph
are the ad), a promotion, an appeal to pay for a show, an affiliate
disclosure, a live page's prompt (see :mod:`digest.summarize.reader_prompts`).

A sentence that opens with a pronoun ("Their", "Them", "He") needs the
sentence before it; the summariser prefers another of similar score unless
that one is picked too. A sentence holding part of a quotation (one it opens
and does not close, or closes and did not open) does not stand alone: the
rest of the quotation, or who says it, is in another sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

from digest.summarize.quotes import is_balanced
from digest.summarize.reader_prompts import is_promotion, is_reader_prompt, is_sponsor_line
from digest.text import is_attributed

__all__ = [
    "back_matter_start",
    "candidates_in_paragraph",
    "is_appeal",
    "is_author_contact",
    "is_author_note",
    "is_candidate",
    "is_citation",
    "is_editorial_note",
    "is_release_boilerplate",
    "is_statistics_line",
    "is_transcript_line",
    "opens_with_pronoun",
    "stands_alone",
    "strip_dateline",
    "transcript_speakers",
]

_FURNITURE = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b"
    r"|\b(?:download (?:the|our) app"
    r"|follow us|click here|tap here|apply now|shop now|buy now|order now|book now|learn more|find out more"
    r"|read more|more from|see more|view more|from other authors|share this|share on|advertisement"
    r"|sponsored (?:content|post)|paid (?:content|post)|(?:use|uses|accept) cookies|cookie (?:policy|settings)"
    r"|privacy policy|terms of (?:use|service)"
    # a paywall's words, not the story's (more in reader_prompts)
    r"|for paid subscribers|paid subscription|free account|(?:continue|keep) reading (?:with|below|for free)"
    r"|back to top)\b"
    r"|^(?:tags|tagged|filed under|categories|category|posted in|related|topics|more)\s*:",
    re.IGNORECASE,
)
# An order to subscribe, sign up or log in is the page's where it speaks: opening the sentence ("Sign in to
# comment", "To subscribe, visit..."), to "you" or as "we", or pointing "here" or "below". "The council voted to
# subscribe to the state's alert system" and "Residents must sign up by March" are news of a subscription.
_SIGN_UP = re.compile(r"\b(?:subscribe|unsubscribe|sign up|sign in|log in|create an account)\b", re.IGNORECASE)
_SIGN_UP_OPENS = re.compile(
    r"^(?:please\s+|simply\s+|just\s+|to\s+|or\s+|and\s+|now\s+)*(?:subscribe|unsubscribe|sign up|sign in|log in"
    r"|create an account)\b",
    re.IGNORECASE,
)
_PAGE_SPEAKS = re.compile(r"\b(?:you|your|we|us|our|here|below|above|now|today)\b", re.IGNORECASE)


def _is_sign_up(text: str) -> bool:
    return _SIGN_UP.search(text) is not None and (
        _SIGN_UP_OPENS.search(text) is not None or _PAGE_SPEAKS.search(text) is not None
    )


# A newsletter is the page's own only where the page speaks of itself or to its reader ("Get our newsletter",
# "You're reading Harbour Notes, a newsletter...", "Forward this newsletter to a friend"): "Marsh plans to launch
# a second newsletter" and "18,000 of the newsletter's readers pay" are news of one.
_NEWSLETTER_TO_THE_READER = re.compile(
    r"\b(?:this|our|your|my)\s+(?:[\w'’-]+\s+){0,2}?newsletters?\b|\byou\b[^.!?]{0,40}?\bnewsletters?\b"
    r"|\bnewsletters?\b[^.!?]{0,40}\b(?:you|your|inbox)\b"
    r"|^(?:get|join|read|forward|share|receive|try|sign up|subscribe|enjoy)\b",
    re.IGNORECASE,
)
# A newsletter's, a show's or a live blog's greeting: "Hi all, and welcome to issue 142.", "Hello and welcome to
# the show.", "Welcome to Night Shift." (a bare welcome: "Welcome to Kestrel Bay, where..." goes on to tell).
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|greetings)\b[^.!?]{0,30}[,!]"
    r"|^(?:hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b[^.!?]{0,30}?\bwelcome\b"
    r"|^welcome(?: back)? to\b[^,;:.!?]{0,40}[.!?]$"
    r"|\bwelcome(?: back)? to (?:issue|edition|episode|this week's|the latest|another (?:episode|edition|issue)"
    r"|(?:the|this|our|today's) (?:show|podcast|episode|programme|program|broadcast|live (?:coverage|blog)))\b",
    re.IGNORECASE,
)
_GREETING_STARTS = ("hi", "hello", "hey", "dear", "greetings", "good")
# An offer rather than news: a rate, a card, a deal and an appeal to act.
_OFFER = re.compile(
    r"\b(?:apr|intro(?:ductory)? (?:rate|apr)|cash ?back|annual fee|sign-up bonus|welcome bonus|no fee|free trial"
    r"|limited time|exclusive offer|promo code|discount code|% off)\b",
    re.IGNORECASE,
)
_CODE_START = re.compile(
    r"^(?:\$ |>>> |# |// |/\*|--|#include\b|import \w|from \w+ import\b|def \w+\(|class \w+[(:]"
    r"|(?:const|let|var|val|int|float|public|private|static|func|fn) \w+|SELECT\s|INSERT\s|UPDATE\s|<\w+[ >])"
)
_CODE_SYMBOLS = "{}[]<>=;$_\\|`#*&%~^"
_LATEX = re.compile(r"\\(?:frac|sum|int|sqrt|alpha|beta|gamma|theta|lambda|sigma|mathbb|mathrm|left|right)\b|[_^]\{")
# Cells run together: "Kestrel · 12 · 2.4m", "| a | b |", box-drawing bars.
_TABLE = re.compile(r"(?:\s·\s.*){2,}|\|.*\||[│┃┆║┼─]")
# A statistics line: a list of names each with its figure, perhaps after a label and a colon ("COLTON (66):
# Brooks 22, Ames 14, Ortiz 11", "3-pointers: Colton 6 (Ames 3, Ortiz 2, Brooks); Ridgeway 8", "Labour 12,345;
# Greens 3,456"). Every entry is a capitalised name, a figure or both: a sentence with numbers has words in
# lower case between them ("earned $4 billion in 2023, up 12%", "Quist scored 19 points, Hale added 12").
_STATS_LABEL = re.compile(r"^[^:.!?]{1,40}:\s+")
_STATS_SEPARATOR = re.compile(r"\s*(?:[;()]|,(?=\s|$)|\s(?:and|&)\s)\s*")
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w.'’-]*|de|da|di|del|der|den|van|von|la|le|du|bin|al)"
_FIGURE = r"[-+]?[$£€]?\d[\d.,:/–-]*%?"
_STATS_ENTRY = re.compile(rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})?\s*(?P<figure>{_FIGURE})?")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)\]»]*$")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
# Python's re has no literal prefilter for alternations: a few substring tests
# on the lowercased sentence decide whether the furniture patterns run at all.
_FURNITURE_TRIGGERS = (
    "©", "(c)", "copyright", "rights reserved", "subscri", "sign ", "log in", "newsletter", "account", "download",
    "follow us", "click", "tap here", " now", "learn more", "find out", "read more", "more from", "see more",
    "view more", "other authors", "share", "advertisement", "sponsored", "paid ", "cookie", "privacy", "terms of",
    "tag", "filed under", "categor", "posted in", "related", "topics", "more:", "free account", "reading with",
    "reading below", "reading for", "back to top",
)  # fmt: skip
_OFFER_TRIGGERS = ("apr", "fee", "bonus", "cash", "trial", "limited", "exclusive", "code", "% off", "rate")

_PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "them",
        "their",
        "theirs",
        "his",
        "her",
        "hers",
        "him",
        "its",
        "it",
        "these",
        "those",
        "this",
        "that",
        "such",
        "both",
        "neither",
    ]
)
_FIRST_WORD = re.compile(r"^[\"'“‘(\[]*([^\W\d_]+)(\W|$)")
# "It" and "This" open many a sentence that needs nothing before it.
_SELF_STANDING = re.compile(
    # not "It is expected to cut emissions": the thing expected is in the sentence before
    r"^[\"'“‘]*(?!it (?:is|was|will be) (?:\w+ )?expected to\b)"
    r"(?:it (?:is|was|will be|would be|has been|had been|may be|might be|seems|seemed|remains|takes|took"
    r"|comes|came) (?:\w+ ){0,3}(?:to|that|when|if|for|as|not|likely|unclear|expected|possible|hard|easy|time)\b"
    r"|this (?:year|week|month|morning|afternoon|evening|weekend|season|summer|spring|winter|autumn|fall|time)\b"
    r"|that (?:year|week|month|day|night|morning)\b)",
    re.IGNORECASE,
)


# A reference's authors in a citation's form, surname then initials: "Okafor, T. & Wren, B.", "Okafor, T., Wren,
# B. (2019).", "Okafor, T. et al." (news writes "T. Okafor"), or Vancouver's "Okafor T, Wren B." One surname and
# its initials alone ("Washington, D.C., officials said") is a citation only before its year in parentheses, or
# with a volume's pages or a DOI after it ("Okafor, T. Tidal mixing. Estuaries 12, 34–56 (2020).").
_SURNAME = r"[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|van|von|de|der|den|da|di|du|la|le|del)){0,2}"
_CITED_AUTHOR = rf"{_SURNAME},\s+[A-Z]\.(?:\s?-?[A-Z]\.)*"
_CITED_AUTHORS = re.compile(
    rf"{_CITED_AUTHOR}(?P<more>(?:(?:,|,?\s+(?:&|and))\s+{_CITED_AUTHOR})+)?(?P<dated>,?\s+et al\.|\s*\(\d{{4}}[a-z]?\))?"
)
_VANCOUVER_AUTHORS = re.compile(r"[A-Z][\w'’-]+ [A-Z]{1,3}(?:, [A-Z][\w'’-]+ [A-Z]{1,3})+(?:, et al)?\.\s")
_VOLUME_PAGES = re.compile(r"\b\d+(?:\s?\(\d+\))?,\s*(?:pp?\.\s*)?\d+\s?[–-]\s?\d+\b|\bdoi\b", re.IGNORECASE)
_CITE_LABEL = re.compile(r"^(?i:(?:how to |to )?cite (?:this|as)\b[^:.!?]{0,30}:|citation\s*:)")
_REFERENCE_NUMBER = re.compile(r"^(?:[-–—•·*▪]\s+|\[\d{1,3}\]\s*|\d{1,3}[.)]\s+|\^\d{1,3}\s+)")
_TITLE_AFTER = re.compile(r"\s+[A-Z\"“‘]")
# What follows a reference's authors: its year, its title, or nothing. Prose goes on in lower case after names
# with initials ("Newark, N.J., and Buffalo, N.Y., both recorded...": places and their states).
_AFTER_AUTHORS = re.compile(r"[,.]?(?:\s*$|\s+(?:[A-Z0-9\"“‘]|\(\d))")


# An interview's labels: "Q: Why fibre, and why now?" is the interviewer's line, not news.
_INTERVIEW_LABEL = re.compile(r"^(?:Q|A|Question|Answer)\s*:\s")  # not "A. J. Smith said"

# A transcript's line opens with a timestamp ("[00:00:04]", "(12:31)", "00:04"), a speaker's name and a colon, or
# both ("[00:00:04] BEN OKAFOR:", "Ben Okafor (00:04):"). A time of day is no timestamp ("10:30 a.m. is when...").
_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}"
_TIME_OF_DAY = r"\s*(?:[ap]\.?m\b|[AP]\.?M\b|h\b|hrs?\b|Uhr\b|GMT\b|BST\b|UTC\b|CES?T\b|[ECMP][SD]?T\b)"
_OPENING_TIMESTAMP = re.compile(rf"^[\[(]?{_CLOCK}[\])]?(?!{_TIME_OF_DAY})(?:\s|$)")
_SPEAKER_LABEL = re.compile(
    rf"^(?:[\[(]?{_CLOCK}[\])]?\s*[-–—|]?\s*)?(?P<name>[^\W\d_][\w.'’-]*(?: [\w.'’-]+){{0,3}}?)"
    rf"(?P<stamp>\s*[\[(]{_CLOCK}[\])])?\s?:\s+\S"
)
_NAME_PARTICLES = frozenset(["de", "da", "di", "del", "der", "den", "van", "von", "la", "le", "du", "bin", "al"])


# A note's label, perhaps dated, then a colon, a dash or a bar: "Correction:", "Correction, June 4, 9:30 a.m.:",
# "CLARIFICATION (June 4):", "Editor's note —". A live blog's "Update:" carries news and is no note. The
# date's words are capitalised or numbers, so "Correction officers at the jail said: ..." is no label.
_NOTE_LABEL = re.compile(
    r"^(?i:editors?['’]?s?\s+note|editor['’]s\s+update|corrections?|clarifications?|retraction|disclaimer|disclosure)"
    r"(?:[\s,()]+(?:[A-Z0-9][\w.:/]*|at|on|a\.m\.|p\.m\.|am|pm))*"
    r"[\s,()]*(?::|\s[—–-]{1,2}|\s?\|)\s"
)
_NOTE_STARTS = ("editor", "correction", "clarification", "retraction", "disclaimer", "disclosure")
# The story speaking of its own versions: "An earlier version of this article...", "This story was updated".
_REVISION = re.compile(
    r"\b(?:earlier|previous|prior|original) version of this (?:story|article|report|post|piece|column|page|item)\b"
    r"|\bthis (?:story|article|report|post|piece|column|page|item|headline) (?:has |had |have )?(?:been |was |were )?"
    r"(?:updated|corrected|amended|revised|clarified|changed|edited)\b",
    re.IGNORECASE,
)
_REVISION_TRIGGERS = ("version of this", "updated", "corrected", "amended", "revised", "clarified", "changed", "edited")


# A wire's or a press release's dateline: a place in capitals (perhaps with its region and a date), an agency
# in parentheses or slashes, then a dash: "OSLO, Feb. 12, 2024 /PRNewswire/ --", "BERGEN (Reuters) -",
# "SAN DIEGO--(BUSINESS WIRE)--", "(CNN) --", or an agency glued to the story: "(CNN)Blues legend...". The
# story's first word, capitalised or a number, follows; a lone hyphen needs spaces around it ("COVID-19"), and
# "NASA - the agency - said" goes on in lower case.
_PLACE_WORD = r"[^\W\d_](?:[^\W\d_]|[.'’-])*"
_PLACE = rf"(?P<place>{_PLACE_WORD}(?:\s+{_PLACE_WORD}){{0,4}})"
_REGION = r"[A-Z][a-z][\w.'’]*(?:\s+[A-Z][\w.'’]*){0,2}"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DATE = rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|{_WEEKDAY}"
_AGENCY = r"\(\s*[^\W\d_][^()]{0,30}\)|/\s*[^\W\d_][^/]{0,30}/"
_DASH = r"(?:\s+-\s+|\s*(?:--|[–—―])\s*)"
_DATELINE = re.compile(
    rf"^(?:{_PLACE}(?:,\s*(?:{_DATE}|{_REGION}))*(?:{_DASH}?\s*(?:{_AGENCY}))?|{_AGENCY})"
    rf"(?:{_DASH}|(?<=\)))(?=[\"'“‘]?[A-Z0-9])"
)
_RELEASE_LABEL = re.compile(r"^(?i:for immediate release)\b[\s.:—–-]*")


def strip_dateline(sentence: str) -> str:
    """``sentence`` from the story's first word: without a leading release label or a wire's dateline."""
    text = _RELEASE_LABEL.sub("", sentence, count=1)
    dateline = _DATELINE.match(text) if text[:1] == "(" or text[:2].isupper() else None
    if dateline is None or not _in_capitals(dateline.group("place")):
        return text
    return text[dateline.end() :]


def _in_capitals(place: str | None) -> bool:
    """True for a dateline's place ("OSLO", "STOCKHOLM and CHICAGO") or none at all ("(CNN) --")."""
    return place is None or all(word.isupper() for word in place.split() if word != "and")


# A press release's back matter: the legal caution about its own forecasts ("forward-looking statements",
# "could differ materially", "undue reliance"), the release naming itself, its "About <Company>:" box, the
# media contact line and the wire's "SOURCE <Company>" tag. Reported words ("the regulator said...") stay.
_DISCLAIMER = re.compile(
    r"\bforward[- ]looking (?:statements?|information)\b|\b(?:could|may|might|will) differ materially\b"
    r"|\bundue reliance\b|\bno (?:obligation|duty) to (?:publicly )?(?:update|revise)\b"
    r"|\bsafe harbou?r (?:provisions?|statement)\b|\bthis (?:press|news) release\b",
    re.IGNORECASE,
)
_DISCLAIMER_TRIGGERS = ("forward", "differ", "reliance", "obligation", "duty", "harbo", "release")
_COMPANY = r"[A-Z][\w&.,'’-]*(?:\s+(?:[A-Z][\w&.,'’-]*|of|and|&|the|for)){0,6}"
_ABOUT_LABEL = re.compile(rf"^(?:About|ABOUT)\s+{_COMPANY}\s*:\s")
_CONTACT_LABEL = re.compile(
    r"^(?i:(?:(?:media|press|investor|analyst)s?\s+)?(?:contacts?|relations|inquiries|enquiries)\s*:)"
    r"|^SOURCE\s+[A-Z]"
)
# A heading that opens the back matter: every paragraph after it is the release's, not the story's. An
# "About <Name>" heading does so only before a description of the company ("Halvard Marine, founded in 2009,
# builds..."), or after another sign of the back matter: a story may have a subheading "About Lyness" too.
_ABOUT_HEADING = re.compile(rf"(?:About|ABOUT)\s+(?P<name>{_COMPANY})\s*:?")
_DESCRIBES = re.compile(
    r"^\W*(?:[^\s]+\s+){0,6}?(?:is|are|was|were|has|provides|develops|builds|makes|designs|delivers|offers|operates"
    r"|manufactures|produces|serves|helps|creates|specializes|specialises|leads|owns|sells|supplies|enables)\b"
)
_BACK_MATTER_HEADING = re.compile(
    r"(?i:(?:cautionary (?:note|statement) (?:regarding|on|about) )?forward[- ]looking statements?"
    r"|safe harbou?r statement|(?:(?:media|press|investor|analyst)s?\s+)?(?:contacts?|relations|inquiries|enquiries))"
    r"\s*:?|#{3}"
)


def is_release_boilerplate(sentence: str) -> bool:
    """True when ``sentence`` is a press release's back matter: its disclaimer, its "About" box or a contact line."""
    text = sentence.strip()
    return _is_release_boilerplate(text, text.lower())


def _is_release_boilerplate(text: str, low: str) -> bool:
    if _ABOUT_LABEL.match(text) or _CONTACT_LABEL.match(text):
        return True
    if not any(trigger in low for trigger in _DISCLAIMER_TRIGGERS) or _reported(text):
        return False
    return _DISCLAIMER.search(text) is not None


def back_matter_start(paragraphs: Sequence[str]) -> int:
    """The index of the paragraph that opens a press release's back matter ("About Halvard Marine",
    "Forward-Looking Statements", "Media Contacts"), or ``len(paragraphs)``. The first paragraph never does."""
    signed = False  # a paragraph of the release's boilerplate (a disclaimer, a contact line) came before
    for index, paragraph in enumerate(paragraphs[1:], start=1):
        text = paragraph.strip()
        if _BACK_MATTER_HEADING.fullmatch(text) or _ABOUT_LABEL.match(text):
            return index
        about = _ABOUT_HEADING.fullmatch(text)
        if about is not None and (
            signed or (index + 1 < len(paragraphs) and _describes(about.group("name"), paragraphs[index + 1].strip()))
        ):
            return index
        signed = signed or is_release_boilerplate(text)
    return len(paragraphs)


def _describes(name: str, paragraph: str) -> bool:
    """True when ``paragraph`` opens with ``name`` and says within a few words what it is or does."""
    name = name.rstrip(" ,.")
    if not paragraph.casefold().startswith(name.casefold()):
        return False
    return _DESCRIBES.match(paragraph[len(name) :]) is not None


def is_editorial_note(sentence: str) -> bool:
    """True when ``sentence`` opens an editor's note, a correction, a clarification or a retraction, or speaks
    of the story's versions."""
    text = sentence.strip()
    return _is_editorial_note(text, text.lower())


def _is_editorial_note(text: str, low: str) -> bool:
    if low.startswith(_NOTE_STARTS) and _NOTE_LABEL.match(text):
        return True
    return any(trigger in low for trigger in _REVISION_TRIGGERS) and _REVISION.search(text) is not None


# The page speaking to its readers rather than telling the story. Words quoted or attributed are a
# source's, and "found" or "reported" tell what the newsroom learned: neither is the page's own appeal.
# Not the shared test's other verbs as often of a deed: an appeal says "pledged" or "promised" of itself.
_FINDING = re.compile(
    r"\b(?:found|finds|showed|shows|revealed|reveals|reported|surveyed|polled|estimated)\b", re.IGNORECASE
)


def _reported(text: str) -> bool:
    return is_attributed(text) or _FINDING.search(text) is not None


# The publication naming itself: "our newsroom", "this reporting", "journalism like this".
_SELF = re.compile(
    r"\bour (?:[\w-]+ ){0,2}?(?:journalism|reporting|newsroom|reporters|journalists|coverage|newspaper"
    r"|publication|magazine|newsletter|podcast|website|desk|readers|stories)\b"
    r"|\bthis (?:[\w-]+ )?(?:journalism|reporting|newsroom|newspaper|publication|newsletter|podcast|coverage)\b"
    r"|\b(?:journalism|reporting|stories|story|coverage|work) like (?:this|ours)\b",
    re.IGNORECASE,
)
# What the publication asks of its readers, when it names itself: money, or support of any kind.
_MONEY_OR_SUPPORT = re.compile(
    r"\b(?:support\w*|donat\w*|contribut\w*|gifts?|give|gives|giving|gave|fund|funds|funded|funding|money"
    r"|paid for|pay for|members?|membership|chip in|favou?r|rel(?:y|ies) on|depends? on|count on|stand with"
    r"|free to read|free for (?:everyone|all)|possible)\b|[$£€]\s?\d",
    re.IGNORECASE,
)
# ...and when it says only "we" to "you", an ask that is plainly one ("we" and "you" giving, funding and
# paying are everyday words in a story or a how-to).
_ASK = re.compile(
    r"\b(?:support\w*|donat\w*|contribut\w*|gifts?|members?|membership|chip in|favou?r|rel(?:y|ies) on"
    r"|depends? on|count on|stand with)\b",
    re.IGNORECASE,
)
_WE = re.compile(r"\b(?:we|us|our)\b", re.IGNORECASE)
_READER = re.compile(r"\b(?:you|your|yours|readers?|everyone who reads?)\b", re.IGNORECASE)
_THANKS_FOR_READING = re.compile(
    r"\bthank(?:s| you)\b.{0,20}\bfor (?:reading|listening|watching|your support|supporting)\b", re.IGNORECASE
)
# How to reach the author or the newsroom. After a pronoun ("reach her", "he can be contacted") a way of
# reaching them has to follow, so that "Friends call him the mayor" and "(email me if you know)" stay.
_CONTACT_STAFF = re.compile(
    r"\b(?:reach|contact|e-?mail|message|text|call|write to|send)\s+(?:the|our)\s+(?:[\w-]+\s+)?"
    r"(?:author|reporter|reporters|writer|newsroom|desk|editors?)\b",
    re.IGNORECASE,
)
_CONTACT_PRONOUN = re.compile(
    r"\b(?:reach|contact|e-?mail|message|text|call|write to|send)\s+(?:him|her|me|us)\b"
    r"|\b(?:he|she|i|we)\s+(?:can|may)\s+(?:also\s+)?be\s+(?:reached|contacted|emailed)\b",
    re.IGNORECASE,
)
_CONTACT_CHANNEL = re.compile(
    r"\b(?:phone|telephone|e-?mail|signal|whatsapp|telegram|twitter|instagram|facebook|linkedin|bluesky|mastodon"
    r"|tips?|story ideas?)\b|\S@\w|\d{3}[-. ]\d{4}\b",
    re.IGNORECASE,
)
_TIP_QUESTION = re.compile(r"^(?:got|have|know)\s+(?:a|an|any)\s+(?:news\s+)?(?:tips?|story ideas?)\b", re.IGNORECASE)


# Python's re has no literal prefilter for alternations (see _FURNITURE_TRIGGERS): an appeal always
# names money or support, or thanks the reader, and a contact line names a way of getting in touch.
_APPEAL_TRIGGERS = (
    "support", "donat", "contribut", "gift", "giv", "gave", "fund", "money", "paid for", "pay for", "member",
    "chip in", "favo", "rely on", "relies on", "depend", "count on", "stand with", "free to read", "free for",
    "possible", "$", "£", "€", "thank",
)  # fmt: skip
_CONTACT_TRIGGERS = ("reach", "contact", "mail", "message", "text", "call", "write to", "send", "tip", "story idea")


def is_appeal(sentence: str) -> bool:
    """True when ``sentence`` is the publication asking its readers for support or thanking them for reading."""
    text = sentence.strip()
    return _is_appeal(text, text.lower())


# Appeals that name journalism rather than the publication: an imperative at the sentence's
# start ("Support independent local journalism!", "Fund local news."), journalism needing the
# reader ("Independent journalism needs your support."), or "become a member" as an order. A
# verb that is also a noun ("Support for local journalism has fallen") is no imperative.
_JOURNALISM = r"(?:journalism|news(?:rooms?)?|reporting|reporters|journalists|the press|press freedom)"
_FOR_JOURNALISM = re.compile(
    r"^(?:please\s+)?(?:support|fund|donate(?:\s+to)?|give\s+to|sustain|keep|protect|save|invest\s+in|back"
    r"|help\s+(?:fund|support|sustain|keep|protect|save))\s+"
    r"(?!(?:for|of|from|to|among|in|by|has|have|had|was|were|is|are|will|would)\b)"
    r"(?:[\w'’-]+\s+){0,3}?" + _JOURNALISM + r"\b"
    r"|\b" + _JOURNALISM + r"\s+(?:needs?|depends?\s+on|relies\s+on|rel(?:y|ies)\s+on|counts?\s+on"
    r"|can(?:no|['’])t\s+survive\s+without)\s+(?:your\b|you\b|readers\s+like\s+you)"
    # the publication by its name: "The Post relies on readers to fund its reporting"
    r"|\b(?:rel(?:y|ies)|depends?)\s+on\s+(?:readers|its\s+readers|members|donors|supporters)\s+(?:like\s+you|to\s+"
    r"(?:fund|support|pay\s+for|keep))\b"
    # as an order, or the order after a condition ("If that matters to you, become a member")
    r"|(?:^|[:;!]\s+|^if\b[^.!?;]{0,80}?,\s+)(?:please\s+)?become\s+a\s+(?:paying\s+|paid\s+)?"
    r"(?:member|subscriber|supporter|patron|donor)\b",
    re.IGNORECASE,
)
_FOR_JOURNALISM_TRIGGERS = ("journalis", "news", "report", "press", "become a", "rel", "depend")


def _is_appeal(text: str, low: str) -> bool:
    if any(trigger in low for trigger in _FOR_JOURNALISM_TRIGGERS) and _FOR_JOURNALISM.search(text):
        return not _reported(text)
    if not any(trigger in low for trigger in _APPEAL_TRIGGERS) or _reported(text):
        return False
    if _THANKS_FOR_READING.search(text):
        return True
    if _SELF.search(text):
        return _MONEY_OR_SUPPORT.search(text) is not None
    return _WE.search(text) is not None and _READER.search(text) is not None and _ASK.search(text) is not None


def is_author_contact(sentence: str) -> bool:
    """True when ``sentence`` tells the reader how to reach the author or the newsroom."""
    text = sentence.strip()
    return _is_author_contact(text, text.lower())


def _is_author_contact(text: str, low: str) -> bool:
    if not any(trigger in low for trigger in _CONTACT_TRIGGERS) or _reported(text):
        return False
    if _TIP_QUESTION.match(text) or _CONTACT_STAFF.search(text):
        return True
    contact = _CONTACT_PRONOUN.search(text)
    return contact is not None and _CONTACT_CHANNEL.search(text, contact.end()) is not None


# A note on the author: the byline's name (whole, the surname after a title, or the given name), then what the
# author is or does ("Ms. Achterberg is a transport planner...", "Eleanor Shaw writes about music and cities.").
_AUTHOR_NOTE_VERB = re.compile(
    r"\s+(?:is|was|has been|served as|writes|wrote|covers|reports|edits|teaches|lives|is based)\b"
)
_AUTHOR_NOTE_TITLE = re.compile(r"(?:mr|mrs|ms|mx|dr|prof)\.?\s+", re.IGNORECASE)


def is_author_note(sentence: str, authors: Collection[str]) -> bool:
    """True when ``sentence`` opens with one of ``authors`` and says what the author is or does."""
    text = sentence.strip()
    if title := _AUTHOR_NOTE_TITLE.match(text):
        text = text[title.end() :]
    for author in authors:
        words = author.split()
        for name in (author, words[-1], words[0]) if len(words) > 1 else (author,):
            if text.startswith(name) and _AUTHOR_NOTE_VERB.match(text, len(name)):
                return True
    return False


def transcript_speakers(paragraphs: Iterable[str]) -> frozenset[str]:
    """The names (case-folded) that label the opening of two or more ``paragraphs`` of prose: a transcript's speakers.

    A name and a colon opening one paragraph only may be a dateline ("KESTREL BAY: The harbour..."), and one
    opening a heading too may be a title ("Star Wars: The Last Jedi"). Only a body with timestamped lines
    ("[00:00:04]", "(12:31)", "00:04") is a transcript: without them, turns are an interview whose answers are
    news, and "DEAR ABBY:" (never a speaker) opens an advice column's letters.
    """
    spoken = [paragraph.strip() for paragraph in paragraphs]
    if not any(_is_timestamped(turn) for turn in spoken):
        return frozenset()  # an interview in turns, an advice column's "DEAR ABBY:": no script
    names = Counter(_speaker(turn) for turn in spoken if _SENTENCE_END.search(turn))
    return frozenset(
        name for name, count in names.items() if name is not None and count >= 2 and not name.startswith("dear")
    )


def _is_timestamped(text: str) -> bool:
    if text[:1] in "[(0123456789" and _OPENING_TIMESTAMP.match(text):
        return True
    label = _speaker_label(text)
    return label is not None and label.group("stamp") is not None


def is_transcript_line(sentence: str, speakers: Collection[str] = frozenset()) -> bool:
    """True when ``sentence`` opens with a timestamp, or with the label of one of ``speakers`` (see
    :func:`transcript_speakers`): someone's spoken words, which need the label to say whose they are."""
    text = sentence.strip()
    if text[:1] in "[(0123456789" and _OPENING_TIMESTAMP.match(text):
        return True
    label = _speaker_label(text)
    return label is not None and (label.group("stamp") is not None or label.group("name").casefold() in speakers)


def _speaker(text: str) -> str | None:
    label = _speaker_label(text)
    return label.group("name").casefold() if label is not None else None


def _speaker_label(text: str) -> re.Match[str] | None:
    label = _SPEAKER_LABEL.match(text) if ":" in text[:80] else None
    return label if label is not None and _is_name(label.group("name")) else None


def _is_name(label: str) -> bool:
    words = label.split()
    return 1 <= len(words) <= 4 and all(word[0].isupper() or word in _NAME_PARTICLES for word in words)


def is_citation(text: str) -> bool:
    """True when ``text`` is a reference or a citation: it opens (after a list's number or bullet, if any) with
    its authors in a citation's form, or with "Cite this page:"."""
    text = _REFERENCE_NUMBER.sub("", text.strip(), count=1)
    if _CITE_LABEL.match(text):
        return True
    if not text[:1].isupper() or "," not in text[:60]:
        return False
    authors = _CITED_AUTHORS.match(text)
    if authors is None:
        return _VANCOUVER_AUTHORS.match(text) is not None
    if authors["dated"]:
        return True
    if authors["more"]:
        return _AFTER_AUTHORS.match(text, authors.end()) is not None
    # one author: a title after the initials, then the volume's pages or a DOI
    return _TITLE_AFTER.match(text, authors.end()) is not None and _VOLUME_PAGES.search(text, authors.end()) is not None


def candidates_in_paragraph(sentences: Sequence[str], speakers: Collection[str] = frozenset()) -> list[bool]:
    """Which of one paragraph's ``sentences`` may stand in a summary.

    Each must be a candidate. A paragraph that opens with a citation's authors is a reference, all of it. An
    appeal, a line on how to reach the author or a press release's boilerplate
    that opens its paragraph makes the whole paragraph the page's box (a plea for support starts with its ask,
    a disclaimer with its caution); one further down is only itself. An editorial note takes the sentences
    after it in its paragraph with it, as does a sponsor's line ("This episode is sponsored by Tidewell. Use
    code HARBOUR for 20% off.": the ad) and a transcript's line (one of ``speakers`` speaking):
    without its label the reader cannot tell whose words they are, and with it, it is a script.
    """
    flags = [is_candidate(sentence) for sentence in sentences]
    if sentences and not flags[0] and _is_box_line(sentences[0]):
        return [False] * len(flags)
    if sentences and is_citation(" ".join(sentences)):
        return [False] * len(flags)  # a reference, cut into sentences at its initials and titles
    for index, sentence in enumerate(sentences):
        if (not flags[index] and (is_editorial_note(sentence) or is_sponsor_line(sentence))) or is_transcript_line(
            sentence, speakers
        ):
            return flags[:index] + [False] * (len(flags) - index)
    return flags


def _is_box_line(sentence: str) -> bool:
    return (
        is_appeal(sentence) or is_author_contact(sentence) or is_release_boilerplate(sentence) or is_promotion(sentence)
    )


def is_candidate(sentence: str) -> bool:
    """True when ``sentence`` may stand in a summary: prose, not furniture, code, a table row or a lead-in."""
    text = strip_dateline(sentence.strip())
    if not text or text.endswith(":") or not _SENTENCE_END.search(text):
        return False  # a heading, a caption, a table row or a fragment, or a lead-in to a quote or list
    if _INTERVIEW_LABEL.match(text) or is_transcript_line(text):
        return False
    letters = len(_NOT_LETTERS.sub("", text))
    if letters < 0.5 * len(text.replace(" ", "")):
        return False  # mostly digits and symbols: a formula, a score table, a line of code
    symbols = sum(map(text.count, _CODE_SYMBOLS))
    if symbols >= 3 and symbols >= 0.05 * len(text):
        return False
    if _CODE_START.match(text):
        return False
    if ("\\" in text or "{" in text) and _LATEX.search(text):
        return False
    if any(mark in text for mark in "·|│┃┆║┼─") and _TABLE.search(text):
        return False
    if ("," in text or ";" in text) and any(c.isdigit() for c in text) and is_statistics_line(text):
        return False
    if is_citation(text):
        return False
    low = text.lower()
    if _is_editorial_note(text, low) or _is_appeal(text, low) or _is_author_contact(text, low):
        return False  # the page speaking about the story, or to its readers: not what the story says
    if _is_release_boilerplate(text, low):
        return False
    if any(trigger in low for trigger in _FURNITURE_TRIGGERS) and (_FURNITURE.search(text) or _is_sign_up(text)):
        return False
    if "newsletter" in low and _NEWSLETTER_TO_THE_READER.search(text) and not _reported(text):
        return False
    if (low.startswith(_GREETING_STARTS) or "welcome" in low) and _GREETING.search(text):
        return False
    if is_reader_prompt(text):
        return False
    return not (any(trigger in low for trigger in _OFFER_TRIGGERS) and len(_OFFER.findall(text)) >= 2)


def is_statistics_line(sentence: str) -> bool:
    """True when ``sentence`` is a box score's or a results table's line: two or more names with their
    figures and nothing else, after a label and a colon or in a list of three or more."""
    text = sentence.strip().rstrip(".!?…")
    label = _STATS_LABEL.match(text)
    entries = [entry for entry in _STATS_SEPARATOR.split(text[label.end() if label else 0 :]) if entry]
    if len(entries) < (2 if label else 3):
        return False
    matches = [_STATS_ENTRY.fullmatch(entry) for entry in entries]
    if any(match is None for match in matches):
        return False
    return sum(1 for match in matches if match and match.group("name") and match.group("figure")) >= 2


def stands_alone(sentence: str) -> bool:
    """False when ``sentence`` holds part of a quotation whose rest, or whose speaker, is in another
    sentence: it closes a quotation that it did not open, or opens one that it does not close."""
    return is_balanced(sentence)


def opens_with_pronoun(sentence: str) -> bool:
    """True when ``sentence`` opens with a pronoun that points to the sentence before it."""
    first = _FIRST_WORD.match(sentence.strip())
    if first is None or first.group(1).casefold() not in _PRONOUNS:
        return False
    if first.group(1).casefold() == "that" and first.group(2) != " ":
        return False
    return _SELF_STANDING.match(sentence.strip()) is None
