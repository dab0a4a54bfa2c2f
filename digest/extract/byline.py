"""Names, bylines and dates in a plain-text scrape: who wrote it and when.

Decides whether a line is a bare person's name, which names a byline
("By X and Y", "Posted by X on DATE", "X · DATE", "X DATE", "X, Weather
Reporter") gives, which dates a line holds (as UTC datetimes) and whether a
line is a dateline with nothing but a date and its labels.

A byline names people only. A desk, a staff or an organisation names nobody
("By Canal Notes Staff", "By Metro Desk", "By the Associated Press"); a job
after the name is no second author ("By X, Software Engineer", "By X, Chief
Meteorologist"), a group word before a job is the job's ("X Staff Writer"). A
job is a title-cased phrase that ends in an occupation noun: a byline's usual
jobs, or a word made with an occupation's suffix ("-ologist", "-grapher",
"-cian", "-woman", "-ator"...), whose stem is long enough to leave surnames
out ("Lindqvist", "Feist", "Laurent"). A title or a job before a name is
dropped ("Dr. Ana Ruiz", "Meteorologist Ana Ruiz" give "Ana Ruiz"), a suffix
after it kept ("Tom Fry Jr."); a handle after it is cut off ("X @handle");
initials are part of a name, not an acronym ("J. R. Smith"). A site's menu
under its name ("Canal Notes | Local | Obituaries | Opinion": two labels or
more beside the first part) is no byline.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from digest.extract.scrape_lines import SPACES

# --- names and bylines -------------------------------------------------------


def _word_set(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


_NAME_TOKEN = re.compile(
    r"[A-Z][a-zà-öø-ÿ'’]+(?:-[A-Z][a-zà-öø-ÿ'’]+)*"
    # a Korean given name, its second syllable in lower case: "Min-jun", "Hye-won", "Seo-yeon"
    r"|(?:Ch|[GKNDTMBPSJHYWAEIOU])[a-z]{0,3}-(?:ch|ss|jj|kk|[gkndtmbpsjh])?[yw]?[aeiou]{1,2}(?:ng|n|k|l|m|p)?"
    r"|[A-Z]['’][A-Z][a-zà-öø-ÿ]+"
    r"|[A-Z][a-z]*[A-Z][a-zà-öø-ÿ]+"
    r"|[A-Z]\.(?:[A-Z]\.)?|Jr\.?|Sr\.?|II|III|IV"
)
_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _is_name_token(token: str) -> bool:
    """A capitalised word of a name, in any cased script: "Ana", "O'Neil", "McDonald",
    "Jean-Luc", "Min-jun", and "Wiśniewski", "Łukasz", "Dvořák", "Öztürk" too; "J." and "Jr"."""
    if _NAME_TOKEN.fullmatch(token):
        return True
    if token.isascii():
        return False  # the pattern above is the ASCII rule
    parts = token.split("-")
    return all(
        _LETTERS.fullmatch(part) is not None and part[0].isupper() and any(c.islower() for c in part[1:])
        for part in parts
    )


_PARTICLES = frozenset(
    ["de", "da", "van", "von", "der", "den", "del", "la", "le", "bin", "al", "di", "du", "dos", "das", "ter", "ten"]
) | {"y", "e"}  # "y" and "e" join a compound surname: "José Ortega y Gasset", "Ana Silva e Costa"
# Capitalised words that appear in menus, section labels and headlines, never in names.
_NOT_NAME_WORDS = frozenset(
    [
        "news",
        "home",
        "latest",
        "related",
        "comments",
        "comment",
        "policy",
        "privacy",
        "terms",
        "contact",
        "about",
        "more",
        "menu",
        "search",
        "share",
        "subscribe",
        "login",
        "log",
        "sign",
        "follow",
        "all",
        "see",
        "top",
        "stories",
        "story",
        "video",
        "videos",
        "business",
        "sports",
        "sport",
        "weather",
        "opinion",
        "world",
        "local",
        "politics",
        "science",
        "culture",
        "features",
        "ideas",
        "archive",
        "newsletter",
        "newsletters",
        "blog",
        "careers",
        "jobs",
        "events",
        "podcast",
        "podcasts",
        "photos",
        "magazine",
        "help",
        "support",
        "donate",
        "obituaries",
        "classifieds",
        "advertise",
        "edition",
        "entertainment",
        "lifestyle",
        "health",
        "technology",
        "tech",
        "travel",
        "food",
        "arts",
        "books",
        "music",
        "film",
        "markets",
        "economy",
        "logo",
        "twitter",
        "facebook",
        "linkedin",
        "instagram",
        "reddit",
        "email",
        "print",
        "copy",
        "link",
        "next",
        "previous",
        "back",
        "read",
        "open",
        "source",
        "engineering",
        "product",
        "company",
        "team",
        "pricing",
        "docs",
        "documentation",
        "in",
        "out",
        "up",
        "key",
        "points",
        "contents",
        "table",
        "trending",
        "popular",
        "reply",
        "like",
        "report",
        "settings",
        "cookie",
        "cookies",
        "accept",
        "manage",
        "preferences",
        "review",
        "daily",
        "weekly",
        "times",
        "post",
        "journal",
        "ledger",
        "tribune",
        "herald",
        "gazette",
        "press",
        "inc",
        "ltd",
        "corp",
        "staff",
        "writer",
        "reporter",
        "correspondent",
        "editor",
        "senior",
        "contributor",
        "contributing",
        "columnist",
        "the",
        "a",
        "an",
        "of",
        "on",
        "at",
        "for",
        "to",
        "is",
        "are",
        "was",
        "were",
        "be",
        "how",
        "why",
        "what",
        "when",
        "where",
        "who",
        "which",
        "with",
        "without",
        "from",
        "into",
        "over",
        "under",
        "after",
        "before",
        "says",
        "said",
        "say",
        "will",
        "new",
        "not",
        "no",
        "yes",
        "this",
        "that",
        "these",
        "those",
        "your",
        "our",
        "my",
        "its",
        "their",
        "his",
        "her",
        "world's",
    ]
)
# The jobs a byline gives with the name, before it ("By political reporter Ana Ruiz") or
# after it ("Ana Ruiz Transport correspondent", "Ana Ruiz, Software Engineer"). Words that
# are common surnames too ("Baker", "Mason", "Judge", "Dean") are left out.
_JOBS = _word_set(
    "reporter reporters correspondent correspondents editor editors writer writers columnist contributor",
    "producer journalist critic presenter analyst photographer illustrator",
    "engineer manager director developer designer officer executive advocate scientist economist strategist",
    "president founder professor researcher consultant specialist coordinator architect evangelist attorney",
    "lawyer intern",
    "doctor nurse surgeon midwife paramedic pilot captain commander colonel sergeant lieutenant detective",
    "chef coach trainer teacher lecturer tutor provost principal fellow student candidate host anchor narrator",
    "author poet artist novelist playwright translator historian librarian veterinarian comedian custodian",
    "dietitian theologian curator auditor supervisor attendant secretary treasurer chair chairman chairwoman",
    "spokesman spokeswoman spokesperson chairperson councilman congressman lawmaker filmmaker policymaker",
    "winemaker broker planner adviser advisor partner associate owner organiser organizer campaigner volunteer",
    "auctioneer mountaineer rabbi minister senator governor mayor counsel ceo cfo cto coo",
)
# Jobs that are common surnames too: "By Kate Nurse", "Ana Pilot", "Tom Mayor". As the last of
# two words after a given name, with no comma and nothing before it, such a word is the surname;
# after a desk or another job ("Chief Nurse", "Metro Reporter"), after a comma, or before the name
# ("By Captain Ana Ruiz") it is still the job.
_SURNAME_JOBS = _word_set(
    "nurse pilot host principal chair captain mayor minister partner fellow coach doctor counsel sergeant",
    "porter usher sheriff marshal bishop abbot prior steward chancellor provost",
)
# An occupation noun made with a suffix, singular or plural: "meteorologist", "physician",
# "videographer", "spokeswoman", "coordinator", "inspector", "consultant", "superintendent". The
# stem's least length and the endings left out keep surnames out ("Feist", "Lindqvist",
# "Gilchrist", "Benoist", "Lucian", "Hector", "Laurent", "Durant").
_OCCUPATION_SUFFIX = re.compile(
    r"(?:\w{4,}ist(?<!quist)(?<![kq]vist)(?<!hrist)(?<!crist)(?<!grist)(?<!oist)|\w+grapher|\w{3,}cian"
    r"|\w{4,}(?:at|ct|ss)or|\w{3,}wom[ae]n|\w{5,}tant|\w{4,}dent)s?"
)
_OCCUPATION_ENDINGS = tuple(
    end + plural
    for end in ("ist", "grapher", "cian", "tor", "sor", "woman", "women", "tant", "dent")
    for plural in ("", "s")
)


def is_role(text: str) -> bool:
    """A line naming a newsroom job alone, its last word an occupation: "Senior Reviews Editor", "Transport
    correspondent"."""
    words = text.split()
    return bool(words) and _is_occupation(words[-1].lower().strip(".,:;"))


def _is_occupation(bare: str) -> bool:
    """An occupation noun, in lower case: one a byline names ("reporter", "mayor") or one made
    with an occupation's suffix ("meteorologist", "physician", "spokeswoman")."""
    if bare.endswith("s") and bare[:-1] in _JOBS:
        return True  # "Data Engineers" after two names
    return bare in _JOBS or (bare.endswith(_OCCUPATION_ENDINGS) and _OCCUPATION_SUFFIX.fullmatch(bare) is not None)


# Words that end the name of a group of people, never a person's: "Canal Notes Staff", "Metro
# Desk", "the Canal Notes editors". Before a job it is the job's ("Ana Ruiz Staff Writer").
_GROUPS = _word_set(
    "staff desk team newsroom board editors reporters writers contributors correspondents columnists",
    "journalists producers",
)
# Words that end an organisation's name: an entry cut at one is no person. A wire's name
# in its own language ends in one too: "Agence France-Presse", "Deutsche Presse-Agentur".
_ORGANISATION_ENDS = _word_set(
    "media group inc ltd llc corp co company publishing network agency nast press newspapers bureau",
    "wire wires services service presse agentur agenzia agencia",
    # an institution's, or its office's: "University Communications", "Public Affairs Office"
    "university college institute ministry department office communications affairs relations foundation",
    # a society's or a club's: "Harbour Building Society", "Quay Rowing Club"
    "society association council club federation",
)
_NOT_PERSON_WORDS = _NOT_NAME_WORDS | _JOBS | _GROUPS | _ORGANISATION_ENDS


def _ends_organisation(bare: str) -> bool:
    """A word that ends an organisation's name, alone or after a hyphen: "press", "france-presse"."""
    return bare.rpartition("-")[2] in _ORGANISATION_ENDS


# "By" in the languages whose pages we meet most: German, French, Spanish and Portuguese,
# Italian, Dutch, Swedish and Norwegian, Danish, and Arabic and Hebrew.
_BY = r"(?:by|von|par|por|di|door|av|af|بقلم|מאת)"
# "Author:" in the same languages: German, Spanish, Portuguese and Polish "Autor", French
# "Auteur", Italian "Autore", Dutch "Auteur", Swedish "Författare".
_AUTHOR = r"(?:author|autor|autorin|auteur|autore|författare)"
# The kind of piece over an opinion page's or a magazine's byline: "Guest essay by", "A column by", "Analysis by".
# A word may name its subject: "Film review by", "News analysis by".
_KIND_OF_PIECE = r"(?:an? )?(?:[^\W\d_]+ )?(?:essay|column|commentary|opinion|op-ed|analysis|review|perspective)"
# A magazine's credits with colons: "Words: Imogen Faraday | Photography: Kwame Asante".
_WORDS_LABEL = r"(?:words|text|story|reporting)\s*:"
_BYLINE = re.compile(
    rf"^(?:{_BY}:?|posted by|written by|words by|words and \w+ by|story by|text by|reported by|interview by"
    rf"|interviewed by|{_KIND_OF_PIECE} by|{_AUTHOR}:?|{_WORDS_LABEL})\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
# A Japanese or Chinese byline: its label ("文", "記者", "作者"), a mark or a space, and the name,
# two to six characters without spaces ("文・山田太郎", "记者 王小明"), or a foreign name in katakana.
_CJK_BY = r"(?:文|記者|记者|作者|撰文|取材・文|編集|编辑)\s*[・／/:：|｜\s]"
_CJK_BYLINE = re.compile(
    rf"^{_CJK_BY}\s*"
    r"(?P<name>[\u4e00-\u9fff々]{2,6}|[\u30a0-\u30ff]{2,12}(?:・[\u30a0-\u30ff]{1,12})?)$"
)
_PLAIN_BY = re.compile(rf"^(?:{_BY}|interview by|interviewed by)\s", re.IGNORECASE)
# A wire story's credits at its foot: "(Reporting by A and B; Editing by C)".
# The reporters and writers are its authors; the editors are not.
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:(?:additional |further )?(?:reporting|writing|written|reported)(?: and \w+)? by\s)", re.IGNORECASE
)
_CREDIT_PLACE = re.compile(r"\s+in\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*")
_CREDIT = re.compile(
    r"(?:^|[;,.(]\s*|\band\s)(?:additional |further )?(?:reporting|writing|written|reported)(?: and \w+)? by\s+"
    r"(?P<names>[^;()]+)",
    re.IGNORECASE,
)
_DATED_BYLINE = re.compile(
    r"^(?:posted|published|written|filed)(?:\s+(?:on|at))?[\s,|·]*by\s+(?P<rest>.+)$", re.IGNORECASE
)
_DATED_PREFIX = re.compile(r"^(?:posted|published|written|filed)\b.*\bby\s", re.IGNORECASE)
_BYLINE_SEPARATOR = re.compile(r"\s+[·•|—–]\s+")
_DATE_THEN_BY = re.compile(r"^(?P<when>.+?)[\s,|·•—–-]+(?:by|von|por|par)\s+(?P<rest>\S.*)$", re.IGNORECASE)


_WEEKDAYS = _word_set(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun",
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "lunes martes miércoles miercoles jueves viernes sábado sabado domingo",
    "segunda terça terca quarta quinta sexta feira",
    "lunedì lunedi martedì martedi mercoledì mercoledi giovedì giovedi venerdì venerdi sabato domenica",
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
)
# A dated byline is short; the pattern's cost grows with the square of a long line of separators.
_DATED_BYLINE_MAX_CHARS = 160
TEASER_BYLINE = re.compile(r"^(?P<name>.+?)\s*[·•|]$")
# The small words are in lower case or, in a byline set in capitals, in capitals: "In" may be part of a name.
_NAME_CUT = re.compile(
    r"\s*[|·•—–(]\s*|\s+(?:on|at|for|in|updated|published|ON|AT|FOR|IN|UPDATED|PUBLISHED)\s+|\s+@(?=\w)"
    r"|\s+(?=[\w.+-]+@[\w-]+\.\w)"  # the reporter's address after the name
    r"|\s+(?=\d+\s+(?i:comments?|responses?|replies)\b)"  # a blog's comment count after it
)
_NAME_SPLIT = re.compile(r"\s*[,;]\s*|\s+(?:and|AND|&)\s+")
# "And" in the languages of _BY: Spanish "y" ("e" before an i- sound), Portuguese and Italian
# "e" ("ed"), French "et", German "und", Dutch "en", Swedish "och", Danish and Norwegian "og".
_OTHER_AND = re.compile(r"\s+(?:y|e|ed|et|und|en|och|og)\s+")
_OTHER_AND_IN_CAPITALS = re.compile(r"\s+(?:Y|E|ED|ET|UND|EN|OCH|OG)\s+")


def _split_names(text: str) -> list[str]:
    return [name for part in _NAME_SPLIT.split(text) for name in _split_other_and(part)]


def _split_other_and(text: str) -> list[str]:
    """Two people joined by another language's "and": "María García y Luis Ortega". The same word
    joins a compound surname ("José Ortega y Gasset", "Ana Silva e Costa"), so it parts only
    names of two words or more each."""
    other_and = _OTHER_AND_IN_CAPITALS if text.isupper() else _OTHER_AND
    parts = other_and.split(text)
    return parts if all(len(part.split()) > 1 for part in parts) else [text]


# A title before a name, which is no part of the author's name: "Dr. Ana Ruiz", "Prof. Dr. Jonas
# Keller", "Rev. Tom Fry Jr." (a suffix after the name stays). Only before a capitalised word and
# another: "Dr. Ruiz" alone keeps its title, and "MS, RDN" after a name are credentials.
_TITLE = re.compile(r"(?<![\w.])(?:dr|dra|prof|rev|revd|mr|mrs|ms|mx)\.?\s+(?=(\w)[^\s,;]*\s+[^\W\d_])", re.IGNORECASE)


def _without_titles(text: str) -> str:
    return _TITLE.sub(lambda title: "" if title[1].isupper() else title[0], text)


def is_name(text: str, *, max_tokens: int = 4) -> bool:
    tokens = _without_titles(text).split()  # "Dr. Ana Ruiz" is her name with its title
    if not 2 <= len(tokens) <= max_tokens:
        return False
    if tokens[0] in _PARTICLES or tokens[-1] in _PARTICLES:
        return False
    for i, token in enumerate(tokens):
        if token in _PARTICLES or (0 < i < len(tokens) - 1 and _is_nickname(token)):
            continue
        bare = token.rstrip(".").lower()
        if not _is_name_token(token) or bare in _NOT_PERSON_WORDS or _ends_organisation(bare) or _is_occupation(bare):
            return False
    return True


# A nickname in quotes between the given name and the surname: Margaret "Peggy" Alder.
_NICKNAME = re.compile(r"[\"“‘'](?P<name>[^\W\d_][\w'’.-]*)[\"”’']")


def _is_nickname(token: str) -> bool:
    found = _NICKNAME.fullmatch(token)
    return found is not None and _is_name_token(found["name"])


def _names_in(rest: str) -> tuple[str, ...]:
    head = _NAME_CUT.split(rest, maxsplit=1)[0]
    parts = _split_names(head.strip())
    # after a comma, "Nurse" of "Tobias Wren, Pediatric Nurse" is the job
    names = (
        _named(part) or (part if (i == 0 or "," not in head) and _is_name_with_job_surname(part.split()) else "")
        for i, part in enumerate(parts)
    )
    return tuple(name for name in names if name)


def _is_name_with_job_surname(words: list[str]) -> bool:
    """A given name then a surname that is a job too, and nothing else: "Kate Nurse", "Ana Pilot"
    (see _SURNAME_JOBS). The first word is itself no job, desk, group or organisation word."""
    if len(words) != 2 or words[1].rstrip(".").casefold() not in _SURNAME_JOBS:
        return False
    first = words[0].casefold()
    return (
        _is_name_token(words[0])
        and _is_name_token(words[1])
        and len(first) > 1
        and not _is_stop_word(first)
        and first not in _NOT_PERSON_WORDS
        and first not in _SURNAME_JOBS
        and not _ends_organisation(first)
    )


def _named(entry: str) -> str:
    """The person a byline entry names: the whole entry, or the name after a job ("North Coast reporter Ana Ruiz")."""
    return entry if is_name(entry, max_tokens=5) else _name_after_job(entry)


def _name_after_job(entry: str) -> str:
    """The name after the first job word of an entry, "" when none follows it: the words before
    the job are the desk, often a place ("North Coast", "South-East Asia")."""
    words = entry.split()
    for i, word in enumerate(words):
        if _is_occupation(word.strip(".,:").casefold()):
            name = " ".join(words[i + 1 :])
            return name if is_name(name) else ""
    return ""


# Words that end a person's name in a byline: a job, a desk, an employer, a
# date, a credential ("Tom Gillespie News reporter", "Ana Ruiz, CNN Business",
# "Joe Wee Monday", "Ilana Muhlstein, MS, RDN"). A byline entry that is one of
# these alone, or that starts with one, names no person.
_BYLINE_STOP_WORDS = (
    _JOBS
    | _GROUPS
    | _ORGANISATION_ENDS
    | _word_set(
        "contributing news associated international editorial online digital magazine newspaper",
        "times post journal herald tribune daily weekly",
        "is was has the senior chief national political sports business games auto science health opinion analysis",
        "edited published updated",
        "monday tuesday wednesday thursday friday saturday sunday",
        "january february march april may june july august september october november december",
        "ms md phd rdn ma mba rn ap afp upi reuters cnn bbc dpa efe ansa",
        "username admin administrator webmaster our your",
    )
)


def _is_stop_word(bare: str) -> bool:
    return bare in _BYLINE_STOP_WORDS or _is_occupation(bare)


_BYLINE_PREFIX = re.compile(
    rf"^(?:(?:(?:text|words|story|report|interview|interviewed) )?by|{_KIND_OF_PIECE} by|{_WORDS_LABEL}|{_BY}"
    rf"|{_AUTHOR}\s*:"
    rf"|{_CJK_BY})\s*",
    re.IGNORECASE,
)


_ENTRY_SEPARATOR = re.compile(r"\s+[·•|—–]\s+")
_SEPARATOR_MARKS = " ·•|—–/"


def person_names(entries: list[str], *, not_names: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The people among byline entries: each cut at its first job, desk, employer or date word.

    An entry that names only an organisation (the publisher, an agency, the
    site: ``not_names``, casefolded words), a job, a date or the pictures'
    credit is dropped; so is a one-word entry beside a full name (a place or a
    desk split off by a comma).
    """
    found: list[str] = []
    # "山田太郎 ·", "Anna Schmidt | Staff": a meta line's separators part entries and end none.
    parts = [part for entry in entries for part in _ENTRY_SEPARATOR.split(_without_titles(entry))]
    for entry in _writers_credits(parts):
        name = _BYLINE_PREFIX.sub("", " ".join(entry.split())).strip(_SEPARATOR_MARKS)
        if not found and _is_name_with_job_surname(name.split()):
            found.append(name)
            continue
        if _is_job_alone(name.split(), after_person=bool(found)):
            continue
        people = (
            _name_after_job(each) or _person(each.split(), not_names=not_names) for each in _split_other_and(name)
        )
        found.extend(person for person in people if person)
    if any(len(name.split()) > 1 for name in found):
        found = [name for name in found if len(name.split()) > 1]
    return tuple(dict.fromkeys(found))


# The work a credit's label names before its people ("Photos by", "Photography:", "Texto y fotos:"),
# in the languages of _BY: the writing, or the pictures, whose credit names no author.
_WRITING = _word_set("text texts words texte texto testo tekst")
_PICTURES = _word_set(
    "photo photos photograph photographs photography picture pictures image images illustration illustrations",
    "illustrated graphics video videos foto fotos fotografie fotografía fotografia fotografías bild bilder",
)
_LABEL_JOINS = _word_set("and y e ed et und en och og by von par por di door av af") | {""}
_LABEL_BY = _word_set("by von par por di door av af")


def _writers_credits(entries: list[str]) -> list[str]:
    """The entries that credit the writing, without their label: a credit for the pictures alone
    names no author. A label alone ("Text" of "Text; Photos Ana Ruiz", split at its "and")
    belongs to the next entry's label."""
    credits: list[str] = []
    carried: set[str] = set()
    for entry in entries:
        words = entry.strip(_SEPARATOR_MARKS).split()
        works, length = _credit_label(words)
        if words and length == len(words):
            carried |= works
            continue
        if works:
            works |= carried
        carried = set()
        if not works or works & _WRITING:
            credits.append(" ".join(words[length:]))
    return credits


def _credit_label(words: list[str]) -> tuple[set[str], int]:
    """The works a credit's label names, and its length in words: "Photos and text by" gives
    photos and text, 4."""
    works: set[str] = set()
    length = 0
    for i, word in enumerate(words):
        bare = word.strip(",:&+/").casefold()
        if bare in _WRITING or bare in _PICTURES:
            works.add(bare)
            length = i + 1
        elif not works or bare not in _LABEL_JOINS:
            break
        elif bare in _LABEL_BY:
            return works, i + 1
        if word.endswith(":"):
            break
    return works, length


def _names_a_group(words: list[str]) -> bool:
    """The last job or group word of an entry is a group's: "Canal Notes Staff", "Metro news desk",
    "the Canal Notes editors"; not "Ana Ruiz Staff Writer"."""
    bare = (word.strip(".,;:()").casefold() for word in words)
    kinds = [word for word in bare if word in _GROUPS or _is_occupation(word)]
    return bool(kinds) and kinds[-1] in _GROUPS


_NAME_LIKE_DESK_MAX = 2


def _is_job_alone(words: list[str], *, after_person: bool) -> bool:
    """A job with its desk and no person: "Local Democracy Reporter", "Data Journalist". After a
    person's entry it is that person's job, split off at a comma, though its desk of two words
    looks like a name ("Middle East Correspondent"); a longer desk, or one with a stop word in
    it, starts with a person's name ("Ana Ruiz Harbour reporter", "Tom Gillespie News reporter")."""
    if not _is_job(words):
        return False
    desk = words[:-1]
    kept = list(itertools.takewhile(lambda word: not _is_stop_word(word.casefold()), desk))
    return not is_name(" ".join(kept)) or (after_person and kept == desk and len(desk) <= _NAME_LIKE_DESK_MAX)


_INITIALS = re.compile(r"(?:[A-Z]\.)+")


def _person(words: list[str], *, not_names: frozenset[str]) -> str | None:
    if _names_a_group(words):
        return None
    shouting = " ".join(words).isupper()  # "LISA MASCARO": capitals are no sign of an acronym
    kept: list[str] = []
    cut = None
    for word in words:
        bare = word.strip(".,;:()").casefold()
        acronym = not shouting and word.isupper() and 1 < len(word) <= 4 and not _INITIALS.fullmatch(word)
        stop = _is_stop_word(bare) or bare in not_names or _ends_organisation(bare)
        if stop or acronym or word[:1] == "@":
            cut = bare
            break
        kept.append(word.strip(",;:"))
    if not kept or (cut is not None and (len(kept) == 1 or _ends_organisation(cut))):
        return None  # "CNN Business", "Meridian House Media", "Agence France-Presse": an organisation
    if cut is not None and len(kept) > 2:
        # "Ben Silverman Games Editor": the desk before the job goes too.
        kept = kept[:3] if len(kept[1].rstrip(".")) == 1 else kept[:2]
    person = " ".join(kept)
    return person.title() if person.isupper() and len(kept) > 1 else person


def credit_names(text: str) -> tuple[str, ...]:
    """The reporters and writers a credit line names ("Reporting by A in Oslo; Editing by B" gives A)."""
    if not _CREDIT_LINE.match(text):
        return ()
    names: list[str] = []
    for match in _CREDIT.finditer(text):
        names.extend(_names_in(_CREDIT_PLACE.sub("", _without_titles(match["names"]))))
    return tuple(dict.fromkeys(names))


# The pictures' credit after the words' ("Words by A. Photographs by B."): the photographer is no author.
_PICTURES_CREDIT = re.compile(
    r"[.;,|]?\s+(?:photo(?:graph)?s|photography|pictures|images|illustrations?|video)\s*(?:by\b|:)", re.IGNORECASE
)
# A live page's reporters: "From Ana Ruiz and Ben Ode", names only.
_FROM_BYLINE = re.compile(r"^from\s+(?P<rest>\S.*)$", re.IGNORECASE)


def _from_names(text: str) -> tuple[str, ...]:
    match = _FROM_BYLINE.match(text)
    if match is None:
        return ()
    parts = _split_names(match["rest"].strip())
    return tuple(parts) if parts and all(is_name(part, max_tokens=4) for part in parts) else ()


def byline_names(text: str) -> tuple[str, ...]:
    names = _byline_names(text)
    if not names and text.isupper():
        # Set in capitals, a job reads as part of the name ("BY ANA RUIZ STAFF WRITER"): read in its case.
        names = _byline_names(_in_title_case(text))
    return names


# Small words a byline in capitals joins its names and jobs with.
_SMALL_WORDS = frozenset({"and", "by", "in", "of", "for", "at", "the", "with"})


def _in_title_case(text: str) -> str:
    return " ".join(word.lower() if word.lower() in _SMALL_WORDS else word.title() for word in text.split())


def _byline_names(text: str) -> tuple[str, ...]:
    text = _without_titles(text)
    if names := _from_names(text):
        return names
    if match := _BYLINE.match(text):
        # "By Ana Ruiz BBC News, Lima": the person before the employer and the place.
        rest = _PICTURES_CREDIT.split(match["rest"].lstrip(":： "), maxsplit=1)[0]
        return _names_in(rest) or _people_before_desk(rest) or ((rest,) if _uncased_name(rest) else ())
    if match := _CJK_BYLINE.match(text):
        return (match["name"],)
    if _DATED_PREFIX.match(text) and (match := _DATED_BYLINE.match(_without_dates(text))):
        return _names_in(match["rest"])
    if len(text) <= _DATED_BYLINE_MAX_CHARS and (match := _DATE_THEN_BY.match(text)) and _only_a_date(match["when"]):
        # "Monday November 18, 2019 7:45 am PST by Joe Rossignol", "Nov 18, 2019 | By Ana Ruiz"
        return _names_in(match["rest"])
    parts = _BYLINE_SEPARATOR.split(text)
    if (
        len(parts) > 1
        and (is_name(parts[0]) or (_uncased_name(parts[0]) and all(map(_only_a_date, parts[1:]))))
        and not _is_menu(parts)
    ):
        return (parts[0],)
    return _name_before_date(text) or _name_with_job(text)


_MENU_LABEL_MAX_WORDS = 3


def _is_menu(parts: list[str]) -> bool:
    """A site's navigation: two or more labels after the first part ("Canal Notes | Local |
    Obituaries | Opinion"). A byline gives its name one label at most beside a date, a time or a
    job ("Ana Ruiz | Saltmarsh Echo | March 3, 2025", "Ana Ruiz · Columnist · Opinion")."""
    labels = [
        part
        for part in parts[1:]
        if len(part.split()) <= _MENU_LABEL_MAX_WORDS
        and not any(c.isdigit() for c in part)
        and not _is_job(part.split())
    ]
    return len(labels) >= 2


_NAME_BEFORE_DATE_MAX_WORDS = 4


def _name_before_date(text: str) -> tuple[str, ...]:
    """A name and the date, with nothing between them: "Ana Ruiz Feb 6, 2024", "Ana Ruiz
    Tuesday, February 6, 2024" (a newsletter's byline)."""
    if len(text) > _DATED_BYLINE_MAX_CHARS or not (dates := find_dates(text)):
        return ()
    before = text[: dates[0][1][0]].split()
    for length in range(min(len(before), _NAME_BEFORE_DATE_MAX_WORDS), 1, -1):
        name = " ".join(before[:length])
        if is_name(name) and _only_a_date(text.split(None, length)[-1]):
            return (name,)
    return ()


_HANDLE = re.compile(r"@\w{2,30}")
# Words that make a phrase of a job, not a desk's name: "Meet Ana Ruiz, Our New Editor".
_NOT_DESK_WORDS = frozenset(["a", "an", "the", "our", "your", "my", "his", "her", "their", "new", "former", "as"])
_DESK_MAX_WORDS = 3


def _name_with_job(text: str) -> tuple[str, ...]:
    """A name then its job or its handle: "Ana Ruiz Transport correspondent", "Ana Ruiz, Weather
    Reporter", "Ana Ruiz, @anaruiz". Without a comma the job is in lower case: a headline in
    title case ("Ana Ruiz Named Chief Editor") capitalises it."""
    name, comma, job = text.partition(",")
    if comma:
        job = job.strip()
        return (name.strip(),) if (_HANDLE.fullmatch(job) or _is_job(job.split())) and is_name(name) else ()
    words = text.split()
    if not words or not words[-1].islower() or not _is_occupation(words[-1]):
        return ()
    people = person_names([text])
    if len(people) != 1 or not text.startswith(people[0]) or not is_name(people[0]):
        return ()
    return people if _is_job(words[len(people[0].split()) :]) else ()


def _is_job(words: list[str]) -> bool:
    """A job with its desk: "senior political correspondent", "Weather Reporter"."""
    if not words or len(words) > _DESK_MAX_WORDS + 1 or not _is_occupation(words[-1].casefold()):
        return False
    desk = words[:-1]
    return all(
        word.casefold() not in _NOT_DESK_WORDS and (word[:1].isupper() or _is_stop_word(word.casefold()))
        for word in desk
    )


_NAMES_ALONE_MAX = 4


def names_alone(text: str) -> tuple[str, ...]:
    """Two to four names and nothing else on the line: "Ana Ruiz and Tom Reid". Only its place
    makes it a byline: two capitalised pairs of words are as often a list's item."""
    parts = _split_names(_without_titles(text).strip())
    if not 2 <= len(parts) <= _NAMES_ALONE_MAX or not all(is_name(part) for part in parts):
        return ()
    return tuple(parts)


def _uncased_name(text: str) -> bool:
    """A name in a script without capitals (Hebrew, Arabic...), which only its place tells:
    two to four words of letters alone, beside a date ("דנה לוי · 2024-08-11"). One word
    (a Chinese name written without spaces) is not told from a section's label."""
    words = text.split()
    if not 2 <= len(words) <= 4 or len(text) > 40:
        return False
    return all(_LETTERS.fullmatch(word) for word in words) and not any(c.isupper() or c.islower() for c in text)


def _people_before_desk(rest: str) -> tuple[str, ...]:
    head = _NAME_CUT.split(rest, maxsplit=1)[0]
    people = person_names(_split_names(head.strip()))
    return tuple(person for person in people if is_name(person))


# A word that opens a phrase, not a name: "By the end of May", "By now".
_BY_PHRASE_STARTS = frozenset(["the", "a", "an", "this", "that", "now", "then", "far", "way", "all", "some", "most"])


def is_byline(text: str) -> bool:
    """A byline, whether or not it names a person: "By Gazette editors", "Posted by marek, Ilse on 2021-03-05"."""
    if byline_names(text):
        return True
    if (match := _BYLINE.match(text)) is not None and _PLAIN_BY.match(text):
        credited = match["rest"].split()
        # Its own line: no sentence ends it, and a name or a publisher's capital opens it, or
        # "the" and an organisation's or group's name ("By the Associated Press", "By the Canal Notes editors").
        return (
            len(credited) <= 8
            and (
                (credited[0][:1].isupper() and credited[0].lower() not in _BY_PHRASE_STARTS) or _is_the_group(credited)
            )
            and text.rstrip()[-1:] not in ".!?"
        )
    if _DATED_PREFIX.match(text) and (match := _DATED_BYLINE.match(_without_dates(text))):
        # "Posted by" names the poster, a site's user name as often as a person's.
        handles = match["rest"].split()
        return len(handles) <= 12 and handles[0][:1].isalnum() and handles[0].lower() not in _BY_PHRASE_STARTS
    return False


def _is_the_group(words: list[str]) -> bool:
    """An organisation's or a group's name after "the": "the Associated Press", "the Canal Notes editors"."""
    last = words[-1].casefold()
    return (
        len(words) >= 2
        and words[0].casefold() == "the"
        and (last in _GROUPS or last in _ORGANISATION_ENDS)
        and all(word[:1].isupper() for word in words[1:-1])
    )


# --- dates -------------------------------------------------------------------

# Month names a dateline may use, by language (English, German, French, Spanish, Portuguese,
# Italian, Dutch, Arabic as in Egypt and as in the Levant, Hebrew alone and after its "in"), with
# their usual abbreviations and spellings; a name in two languages means the same month.
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            "january jan januar jänner janvier janv enero ene janeiro gennaio gen januari يناير ינואר בינואר",
            "february feb februar février fevrier févr fevr febrero fevereiro fev febbraio februari فبراير شباط פברואר בפברואר",
            "march mar märz mär maerz mars marzo março marco maart mrt مارس آذار اذار מרץ במרץ",
            "april apr avril avr abril abr aprile أبريل ابريل إبريل نيسان אפריל באפריל",
            "may mai mayo maio maggio mag mei مايو أيار ايار מאי במאי",
            "june jun juni juin junio junho giugno giu يونيو يونيه حزيران יוני ביוני",
            "july jul juli juillet juil julio julho luglio lug يوليو يوليه تموز יולי ביולי",
            "august aug août aout agosto ago augustus أغسطس اغسطس آب אוגוסט באוגוסט",
            "september sep sept septembre septiembre setiembre setembro set settembre سبتمبر أيلول ايلول ספטמבר בספטמבר",
            "october oct oktober okt octobre octubre outubro ottobre ott أكتوبر اكتوبر אוקטובר באוקטובר",
            "november nov novembre noviembre novembro نوفمبر נובמבר בנובמבר",
            "december dec dezember dez décembre decembre diciembre dic dezembro dicembre ديسمبر דצמבר בדצמבר",
        ],
        1,
    )
    for name in names.split()
}
_MONTH = "(?P<mon>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_TIME = (
    r"(?:,?\s*(?:(?:at|um|à|a\s+las|alle|às|om)\s+)?(?P<hour>\d{1,2})(?:[:.]|h(?=\d))(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
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
    # "7 March 2022", "14. Oktober 2026", "1er mars 2026", "3 de marzo de 2026".
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?{_MONTH}\s*,?\s+(?:del?\s+)?(?P<year>\d{{4}})\b{_TIME}",
        re.IGNORECASE,
    ),
    # 08/15/2012 (read month first, unless the first number cannot be a month) and 15.08.2012.
    re.compile(rf"\b(?P<first>\d{{1,2}})/(?P<other>\d{{1,2}})/(?P<year>\d{{4}})\b{_TIME}", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})\.(?P<year>\d{{4}})\b{_TIME}", re.IGNORECASE),
    # Chinese, Japanese and Korean: "2026年11月28日 9時05分", "2026年3月1日 14:30", "2026년 11월 26일".
    re.compile(
        r"(?<!\d)(?P<year>\d{4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"
        r"(?:\s*(?P<hour>\d{1,2})\s*(?:[時时시]|:)\s*(?P<minute>\d{2})\s*[分분]?)?(?P<second>)(?P<ampm>)"
    ),
)
_YEAR = re.compile(r"(?:1[89]|2\d)\d\d")
_TZ_HOURS = {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "JST": 9, "AEST": 10,
    "EST": -5, "EDT": -4, "ET": -5, "CST": -6, "CDT": -5, "CT": -6,
    "MST": -7, "MDT": -6, "MT": -7, "PST": -8, "PDT": -7, "PT": -8,
}  # fmt: skip
# Words that may sit beside a date on a dateline without making it prose.
_DATE_WORDS = _WEEKDAYS | _word_set(
    "h uhr",  # 08h30, 14:22 Uhr
    "published updated posted last modified on at date edited first created originally",
    "min mins minute minutes read reading time hours hour ago days day issue print edition",
    "gmt utc am pm a.m. p.m. et pt ct est edt pst pdt cst cdt bst cet cest",
    # the same labels in German, French, Spanish, Portuguese, Italian and Dutch
    "am um stand aktualisiert veröffentlicht zuletzt",
    "le à publié mis jour modifié",
    "el a las de del publicado actualizado",
    "em às atualizado",
    "il alle ore pubblicato aggiornato",
    "op om gepubliceerd bijgewerkt",
)


# A time written before its date: "4:42 PM on 11/03/2024", "02:30 PM ET, 08/15/2012".
_TIME_BEFORE = re.compile(
    r"\b(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?\s*(?P<tz>UTC|GMT|[ECMP][SD]?T|BST|CES?T)?"
    r"\s*(?:on\s+|,\s*)?$",
    re.IGNORECASE,
)


def find_dates(text: str) -> list[tuple[datetime, tuple[int, int]]]:
    found: list[tuple[datetime, tuple[int, int]]] = []
    if not _YEAR.search(text):
        return found
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for _, (s, e) in found):
                continue
            if (moment := _to_datetime(match)) is not None:
                span = match.span()
                if not match.groupdict().get("hour") and (before := _TIME_BEFORE.search(text, 0, span[0])):
                    moment = _at_time(moment, before)
                    span = (before.start(), span[1])
                found.append((moment, span))
    return sorted(found, key=lambda item: item[1])


def _at_time(day: datetime, time: re.Match[str]) -> datetime:
    hour, minute = int(time["hour"]), int(time["minute"])
    ampm = (time["ampm"] or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return day
    return day.replace(hour=hour, minute=minute) - _utc_offset(time["tz"])


def _to_datetime(match: re.Match[str]) -> datetime | None:
    groups = match.groupdict()
    if groups.get("first"):
        first, other = int(groups["first"]), int(groups["other"])
        groups["month"], groups["day"] = (str(other), str(first)) if first > 12 else (str(first), str(other))
    month = int(groups["month"]) if groups.get("month") else _MONTH_NAMES[groups["mon"].lower()]
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


def _only_a_date(text: str) -> bool:
    """A date (with its weekday, time and zone), and nothing else."""
    dates = find_dates(text)
    if not dates:
        return False
    rest = re.findall(r"[^\W\d_]+", _without_dates(text, dates).lower())
    return all(word in _DATE_WORDS for word in rest)


def _without_dates(text: str, dates: list[tuple[datetime, tuple[int, int]]] | None = None) -> str:
    for _, (start, end) in reversed(find_dates(text) if dates is None else dates):
        text = f"{text[:start]} {text[end:]}"
    return SPACES.sub(" ", text).strip()


def is_date_line(text: str) -> bool:
    dates = find_dates(text)
    if not dates:
        return False
    rest, cursor = [], 0
    for _, (start, end) in dates:
        rest.append(text[cursor:start])
        cursor = end
    rest.append(text[cursor:])
    label = rest[0].strip()
    if _LABEL.fullmatch(label) or ((by := _BY_PUBLISHER.fullmatch(label)) and not is_name(by["who"].strip())):
        rest[0] = ""  # "Data publikacji: 02.09.2024": a label in any language, before the date
    leftover = re.findall(r"[^\W\d_][^\W\d]*\.?", " ".join(rest))
    return all(word.lower().rstrip(":") in _DATE_WORDS for word in leftover)


# A date's label: up to three words and a colon ("Published:", "Data publikacji:"), or words
# ending in what was done on that date ("Last medically reviewed on", "Fact checked").
_LABEL = re.compile(
    r"(?:[^\W\d_]+\s+){0,2}[^\W\d_]+\s*:\s*[\[(]?"
    r"|(?:[^\W\d_]+\s+){0,3}[^\W\d_]{2,}(?:ed|en)(?:\s+(?:on|at))?"
)
# The publisher that did it, before the date: "Published by The Lakeview Herald on". A person
# there ("Posted by Dana Whitfield on") makes the line a byline.
_BY_PUBLISHER = re.compile(
    r"[^\W\d_]{2,}(?:ed|en)\s+by\s+(?P<who>(?:(?:The|the)\s+)?(?:[A-Z][\w'’&.-]*\s+){1,4})(?:on|at)"
)
