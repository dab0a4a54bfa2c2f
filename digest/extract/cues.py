"""The block classifier of the plain-text scrape: which Kind each block is.

The boilerplate cue lists (captions, section labels, legal lines, appeals,
comment furniture, credits, ads, menus, code) and the ordered rules that read
them, with the byline and date finders, to give one block its Kind; what is
left is prose, a sentence or a fragment by length and punctuation. An appeal
speaks to the reader (you, an order) or as the publisher (we, this story): a
statement in the third person with an attribution, a past tense or a figure is
news, whatever it says about advertisers, paywalls or sign-ups. A credit
line is a label ("Reporting by", "With research from") then only names: the
same words opening a sentence ("Research from the university suggests") are text.
"""

from __future__ import annotations

import re

from digest.extract.byline import TEASER_BYLINE, credit_names, is_byline, is_date_line, is_name
from digest.extract.scrape_lines import BULLET, TERMINAL, Kind, count_words, title_ratio, unquoted, unspaced_share
from digest.summarize.filters import is_appeal, is_author_contact
from digest.summarize.reader_prompts import is_reader_prompt
from digest.text import is_attributed

_CODE_START = re.compile(
    r"^(?:\$ |> |>>> |# |// |-- |#include\b|from \S+ import\b"
    r"|(?:sudo|curl|kubectl|docker|git|pip|npm|psql|def|class|import|return|const|let|var"
    r"|func|fn|pub|package|SELECT|UPDATE|INSERT|CREATE|ALTER|DROP)\s)"
)
_YAML_LINE = re.compile(r"^[a-z_][\w.-]*:(?:\s*[\w\"'./:@-]+)?$")
# With the bars and rules of a table a terminal printed ("12 │ 2.48 │ t"): a query's output.
_CODE_CHARS = '{}[]()<>=;$_/\\|`#*&%~^"│┃║┼─━═'


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

    def remove(self, text: str, low: str) -> str:
        return self._pattern.sub(" ", text) if self._armed(low) else text


_CAPTION = _Cue(
    "photo|image|picture|credit|illustration|file|screenshot|getty|shutterstock|istock|alamy|/|reuters|afp|epa",
    r"\([^()]*?\b(?:photo|photograph|image|picture|credit|illustration|file|screenshot)s?\b"
    r"[^()]*\)\s*$"
    r"|^(?:(?:photo|image|picture) credits?|photos?|photographs?|images?|illustrations?|pictures?|credits?"
    r"|pictured|file photo"
    r"|screenshot|main image)\s*(?:by\b|:)"
    # "PHOTO | ANA RUIZ | NMG": the label, then the photographer's name and the agency between bars
    r"|^(?:file )?(?:photo|photograph|image|picture|foto)s?\s*\|\s*(?-i:[A-Z][\w'’.-]*)(?:\s+(?-i:[A-Z][\w'’.-]*)){1,3}"
    r"\s*(?:\|\s*[^|]{1,40})?$"
    r"|^an?\s+(?:photo|photograph|image|picture|file photo|screenshot|illustration)\s+"
    r"(?:of|shows|showing|taken)\b"
    r"|^(?:file\s*[-–—:]\s*)?in (?:this|these|a|an) (?:[\w.,]+ ){0,5}?"
    r"(?:photos?|photographs?|images?|pictures?|screenshots?|still|video frame)"
    r"(?:,|\s+(?:provided|released|taken|made|issued|shot|from|by|courtesy|obtained|posted|distributed)\b)"
    r"|^this (?:\w+ )?(?:photo|photograph|image|picture|screenshot) (?:shows|taken|provided|released|made)\b"
    r"|/\s?(?:ap|afp|reuters|epa|getty|xinhua|anadolu)\b"
    r"|\b(?:(?:photo|photograph|image|illustration)s?:\s+(?-i:[A-Z])|getty images|shutterstock"
    r"|istock(?:photo)?|alamy|ap photo|via getty|(?:reuters|afp|epa)\s?/)",
)
# "Related" and "You may also like" on sites in other languages (Portuguese, Spanish, French,
# German, Italian, Dutch): the headings of other stories' teasers.
_OTHER_STORIES_ELSEWHERE = (
    r"|voc[êe] (?:tamb[ée]m )?(?:pode|poder[áa]) gostar"
    r"|(?:not[íi]cias|mat[ée]rias|artigos|posts) relacionad[oa]s|relacionad[oa]s|mais lid[oa]s"
    r"|(?:tambi[ée]n )?te (?:puede|podr[íi]a) (?:interesar|gustar)"
    r"|(?:noticias|art[íi]culos) relacionad[oa]s|lo m[áa]s (?:le[íi]do|visto)|m[áa]s le[íi]d[oa]s"
    r"|vous aimerez (?:aussi|[ée]galement)|(?:articles?|sujets?) (?:similaires|li[ée]s)"
    r"|sur le m[êe]me (?:sujet|th[èe]me)|les plus lus"
    r"|das k[öo]nnte sie auch interessieren|(?:auch|ebenfalls) interessant"
    r"|weitere (?:artikel|nachrichten|beitr[äa]ge)|meistgelesene?"
    r"|potrebbe (?:interessarti|piacerti)|articoli correlati|(?:i )?pi[ùu] lett[ie]"
    r"|meer nieuws|gerelateerde artikelen"
)
# "Read more", "Read also" (here and elsewhere): a heading over a link or two, often between
# two paragraphs of the story, not over a list of teasers.
_READ_ALSO = re.compile(
    r"(?:read|see) (?:more|next|this next|also)|also read"
    r"|(?:leia|veja) (?:tamb[ée]m|mais)|le[eé] (?:tambi[ée]n|m[áa]s)|(?:[àa] )?lire aussi|mehr zum thema"
    r"|leggi anche|lees ook|lesen sie (?:auch|mehr)|اقرأ (?:أيضا|أيضاً|ايضا|المزيد)|קראו (?:גם|עוד)|קרא גם"
    r"|関連記事|あわせて読みたい|続きを読む|相关(?:阅读|新闻|文章)|延伸阅读|阅读更多",
    re.IGNORECASE,
)
# "READ MORE: Council raises parking rates", "Lire aussi : ...", "Related: ...": a link to
# another story printed with its label on one line, between two paragraphs or under them.
_READ_ALSO_LINK = re.compile(
    r"(?:"
    + _READ_ALSO.pattern
    + r"|read|related(?: (?:stories|story|articles?|coverage|content|links?))?)\s*[:：]\s*\S",
    re.IGNORECASE,
)
_READ_ALSO_LINK_MAX_WORDS = 30

# A share button's label, or the heading over a row of them.
_SHARE_LABEL = r"share(?: this(?: post| article| story| page)?)?"
_SECTION = re.compile(
    r"related(?: (?:articles?|stories|coverage|posts?|reading|content|news|links))?"
    r"|latest(?: news| stories| posts| headlines)?|more(?: (?:from|in|on|about|stories|news)\b.*)?"
    r"|recommended(?: for you| reading| stories)?"
    r"|you (?:might|may) (?:also )?(?:like|enjoy)|popular(?: now| stories)?"
    r"|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories|(?:\d+ )?comments?"
    r"|leave a (?:comment|reply)|join the (?:conversation|discussion)|discussion"
    r"|" + _SHARE_LABEL + r"|tags?|topics?|filed under|see all"
    r"|view all|about the author|further reading|in other news|editor'?s picks"
    r"|what to read next|sponsored content|from around the web|(?:table of )?contents"
    r"|in this (?:article|post|story)|on this page|key points|highlights|at a glance"
    r"|summary|in brief|what you need to know|load more(?: comments| stories)?"
    r"|show more(?: comments| replies)?"
    r"|(?:\d+|one|two|three) (?:responses?|thoughts|replies)(?: (?:to|on)\b.*)?"
    + _OTHER_STORIES_ELSEWHERE
    + "|"
    + _READ_ALSO.pattern,
    re.IGNORECASE,
)
# A section heading over other stories: what sits right under it is their teasers.
_OTHER_STORIES = re.compile(
    r"related(?: (?:articles?|stories|coverage|posts?|reading|content|news))?"
    r"|latest(?: news| stories| posts| headlines)?|more (?:from|in|on|about|stories|news)\b.*"
    r"|recommended(?: for you| reading| stories)?|you (?:might|may) (?:also )?(?:like|enjoy)"
    r"|popular(?: now| stories)?|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories"
    r"|in other news|editor'?s picks|what to read next|sponsored content|from around the web"
    + _OTHER_STORIES_ELSEWHERE,
    re.IGNORECASE,
)


_SHARE = re.compile(_SHARE_LABEL, re.IGNORECASE)


def is_share_label(text: str) -> bool:
    """A share button's label alone on its line: "Share", "Share this story"."""
    return _SHARE.fullmatch(_section_label(BULLET.sub("", text, count=1))) is not None


def is_story_link(text: str) -> bool:
    """Another story's headline under its label on one line: "READ MORE: ...", "Lire aussi : ..."."""
    return count_words(text) <= _READ_ALSO_LINK_MAX_WORDS and _READ_ALSO_LINK.match(text) is not None


def heads_read_also(text: str) -> bool:
    """A "Read more" or "Read also" heading (in English or another language)."""
    return _READ_ALSO.fullmatch(_section_label(BULLET.sub("", text, count=1))) is not None


def heads_other_stories(text: str) -> bool:
    """A section heading such as "Related coverage" or "Most read", over teasers of other stories."""
    return _OTHER_STORIES.fullmatch(_section_label(BULLET.sub("", text, count=1))) is not None


# The heading or footer of a reader-comment section, and its empty-thread notices.
_THREAD = re.compile(
    r"(?:there (?:are|is) )?(?:\d[\d,.]*k?|no|one|two|three|four|five) (?:comments?|responses?|replies|thoughts"
    r"|reactions)(?: (?:to|on)\b.*| so far| yet(?: on this (?:post|article|story))?)?"
    r"|(?:reader |user |your )?comments?(?: \(\d[\d,]*(?: of \d[\d,]*)?\)| \d[\d,]*)?"
    r"|(?:be the first to (?:comment|reply)|(?:be the first to |please )?(?:leave|post|add|write|submit|make)"
    r" (?:a |your |the first )?(?:comment|reply|response)(?: to \S.*)?)"
    r"|(?:view|show|load|see|read|hide) (?:all )?(?:the )?(?:\d[\d,]* )?(?:more |older |newer )?comments?(?: \(\d+\))?"
    r"|(?:join|start|continue) the (?:conversation|discussion)|comments? (?:are|is) (?:now )?closed"
    r"|(?:please )?(?:sign|log) ?in to (?:post a |leave a |add a |make a )?(?:comment|reply)"
    r"|you must be logged in to post a comment|cancel reply|comment policy|refresh comments"
    r"|(?:newest|oldest|top|best) (?:first|comments)|sort comments by",
    re.IGNORECASE,
)
_LEGAL = _Cue(
    "©|(c)|copyright|rights reserved|privacy|terms|cookie|licensed|creative commons|republish"
    "|501|registered|this article|this story|this piece|this segment|this report|this interview|dieses thema"
    "|print edition|standards|licensing"
    "|delayed|policy|policies|guidelines|code",
    r"©|\(c\)\s*\d{4}|\b(?:copyright\s+(?:©|\(c\)|\d{4})|all rights reserved"
    r"|privacy (?:policy|notice|settings|statement)|terms (?:of (?:use|service)|and conditions)"
    r"|cookie (?:policy|settings|preferences|notice)|licensed under|creative commons|republish"
    r"|501\s?\(c|registered (?:charity|non-?profit|in england)"
    r"|this (?:article|story|piece|segment|report|interview) (?:(?:originally|first|also) )?"
    r"(?:appeared|appears|ran|aired|was (?:originally |first )?(?:published|broadcast|aired))"
    # a broadcaster's note of the programme that carried the story ("Dieses Thema im Programm: ...")
    r"|dieses thema im programm|über dieses thema berichtete"
    r"|print edition|our standards|licensing rights|quotes (?:are )?delayed"
    r"|our (?:ethics|editorial|corrections|comments?|community) (?:policy|policies|guidelines|standards|code))\b",
)
# The small print of a betting or shopping offer: an age limit, the terms that apply, who may claim, the
# least stake, odds or prices good only when written. Two marks, or one on a short line: a story's sentence
# mentions one in passing ("The festival is for those aged 18+, the organisers said").
_SMALL_PRINT = _Cue(
    "18+|t&c|t & c|terms|respons|aware|gamcare|gamstop|only|min|correct|accurate|subject to change|expire",
    r"(?<!\w)18\+|\bt\s?&\s?cs?\b|\b(?:full |the )?terms(?: and (?:conditions|exclusions))? apply"
    r"|\b(?:gamble|bet|play) (?:responsibly|safely)|\b(?:be)?gambleaware|\bgamcare\b|\bgamstop\b"
    r"|\bnew (?:customers?|members?|players?|users?|accounts?) only\b"
    r"|\bmin(?:imum|\.)? (?:odds|deposit|stake|spend|bet)\b"
    r"|\b(?:odds|prices?) (?:are |were )?(?:correct|accurate|right) (?:at|as of) (?:the )?time of"
    r"|\b(?:odds|prices?)\b[^.]{0,40}\bsubject to change\b|\b(?:bonus|free bets?|offer|spins) (?:expires?|ends)\b",
)
_SMALL_PRINT_ALONE_WORDS = 12


def _is_small_print(text: str, low: str, n: int) -> bool:
    marks = _SMALL_PRINT.count(text, low)
    return marks >= 2 or (marks == 1 and n <= _SMALL_PRINT_ALONE_WORDS and not is_attributed(text))


# The page's note on its own transcript: made by a machine or in a hurry, it may hold errors, the audio is
# the record. A story's sentence about a transcript tells what it held, and who said so.
_TRANSCRIPT_HEDGE = re.compile(
    r"\b(?:may|might|can|could|will) (?:still )?(?:contain|include|have) (?:some )?(?:errors|mistakes|inaccuracies|typos)"
    r"|\b(?:machine|computer|ai)[- ]generated|\bautomat(?:ed|ic|ically)\b|\bspeech[- ]to[- ]text|\bspeech recognition"
    r"|\brush (?:transcript|deadline)|\bnot (?:be )?in (?:its|their) final form"
    r"|\b(?:refer|listen) to the (?:audio|recording)|\bcheck (?:it against )?the (?:audio|recording)"
    r"|\bauthoritative record|\b(?:lightly )?edited for (?:length|clarity|brevity)|\blightly edited"
    r"|\bedited transcript|\bmay differ (?:\w+ )?from the (?:broadcast|audio|recording)",
    re.IGNORECASE,
)
# The transcript the note is about is the page's own: "This transcript ...", "Transcripts are ...".
_OWN_TRANSCRIPT = re.compile(
    r"\bthis (?:is an? )?(?:\w+ )?transcript|\btranscripts? (?:is|are|was|were|has|have|may|might|can|will)\b",
    re.IGNORECASE,
)
_NOTE_MAX_WORDS = 60
# A broadcast's cue in brackets, alone on its line: "[MUSIC]", "(LAUGHTER)", "[Break for adverts]".
_BRACKETED_CUE = re.compile(r"\[[^\[\]]{2,40}\]|\([^()]{2,40}\)")
_CUE_MAX_WORDS = 5


def _is_transcript_note(text: str, n: int) -> bool:
    return (
        n <= _NOTE_MAX_WORDS
        and _OWN_TRANSCRIPT.search(text) is not None
        and _TRANSCRIPT_HEDGE.search(text) is not None
        and not is_attributed(text)
    )


# A show's credits, in sentences: two of its makers, said of the show now ("X is produced by A and mixed
# by B") or by the page of itself ("This episode was reported by ..."). A review's "The album was produced
# by A and mixed by B" tells a fact about the work in the past.
_MADE_BY = re.compile(
    r"\b(?:produced|co-produced|edited|mixed|engineered|hosted|presented|reported|fact[- ]checked|composed"
    r"|sound[- ]designed|recorded|researched) by\s+(?-i:[A-Z])"
    r"|\b(?:theme )?music (?:is )?by\s+(?-i:[A-Z])",
    re.IGNORECASE,
)
_SHOW_SPEAKS = re.compile(
    r"\b(?:is|are) (?:\w+ )?(?:produced|edited|hosted|presented|mixed)\b|\b[Oo]ur\b"
    r"|\bthis (?:episode|show|podcast|programme|program|series)\b",
    re.IGNORECASE,
)


def _is_show_credits(text: str, n: int) -> bool:
    return (
        n <= _NOTE_MAX_WORDS
        and len(_MADE_BY.findall(text)) >= 2
        and _SHOW_SPEAKS.search(text) is not None
        and not is_attributed(text)
    )


_APPEAL = _Cue(
    "subscri|sign|newsletter|inbox|donat|chip in|contribut|become a|membership|support"
    "|reader|paywall|log|create an account|free trial|download|follow us|share|email|cookie"
    "|advertis|sponsored|spam|give|click|difference|javascript|browser|live|refresh|thank|posts"
    # the same appeals on pages in other languages
    "|abonn|unterstützen sie|suscr|únete|apóyanos|hazte|inscrivez|soutenez|faites un don"
    "|اشترك|النشرة|ادعم|تبرع|הירשמו|הרשמו|ניוזלטר|תמכו"
    "|ニュースレター|会員|メルマガ|点击|订阅|简报|关注我们",
    r"\b(?:subscrib\w*|sign(?:ing|ed)? up|newsletters?|inbox|donat\w*|chip in"
    r"|contribut\w+ (?:to us|today|now)|become a (?:member|subscriber|supporter|patron)"
    r"|membership|support (?:our|us|my|independent|local|quality|this)\b"
    # a newsletter's thanks under the post: "Thanks for reading X! Subscribe for free to receive new posts"
    r"|thanks? (?:you )?for reading|receive new posts"
    r"|reader[- ](?:supported|funded)"
    r"|paywalls?|log ?in|sign ?in|create an account|free trial|download (?:the|our) app"
    r"|follow us|share (?:this|on|via)|unsubscrib\w*|email address|enter your email|cookies?"
    r"|follow (?:along with )?(?:our|the) live (?:coverage|updates|blog)"
    r"|refresh (?:this |the )?(?:page )?for (?:the )?(?:latest|updates|new posts)"
    r"|advertis\w*|sponsored|no spam|give (?:today|now|monthly)|ways to give|click here|make a difference"
    # what a page shows a browser it cannot run in: no part of the story
    r"|enable javascript|javascript (?:is |must be )?(?:disabled|required|turned off|enabled)"
    r"|requires? javascript|(?:update|upgrade) your browser|browser (?:is )?(?:not supported|out of date)"
    # German, French, Spanish: an order to subscribe, join or give ("Jetzt abonnieren", "Apóyanos")
    r"|abonnier\w*|abonnez-vous|abonne-toi|unterstützen sie|suscr[íi]b(?:ete|ase)|suscr[íi]bir(?:se|te)"
    r"|[úu]nete|ap[óo]yanos|hazte (?:socio|miembro|suscriptor)|inscrivez-vous|soutenez|faites un don"
    r"|nuestro bolet[íi]n|notre lettre d'information"
    # Arabic and Hebrew: subscribe to the newsletter, support our journalism, donate now
    r"|اشترك (?:الآن|في (?:النشرة|نشرتنا))|النشرة البريدية|نشرتنا|ادعمنا|ادعم (?:صحافتنا|عملنا)|تبرع الآن"
    r"|הירשמו|הרשמו|לניוזלטר|ניוזלטר|תמכו בנו)\b"
    # Chinese and Japanese have no word boundaries to hold these to
    r"|ニュースレター|メルマガ|会員登録|有料会員|会員限定|点击(?:关注|这里|订阅)|订阅(?:我们|本)|新闻简报|关注我们",
)
_SECOND_PERSON = _Cue("you", r"\b(?:you|your|yours|yourself)\b")
# Case-sensitive on purpose: "US" the country is not "us".
# And "our" in German, French and Spanish ("unseren Newsletter", "notre lettre", "nuestro boletín").
_FIRST_PLURAL = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us|[Uu]nser(?:e[mnrs]?)?|[Nn]otre|[Nn]uestr[oa]s?)\b")
_IMPERATIVES = frozenset(
    [
        "subscribe",
        "sign",
        "join",
        "follow",
        "support",
        "donate",
        "give",
        "get",
        "download",
        "click",
        "tap",
        "share",
        "enter",
        "accept",
        "become",
        "help",
        "register",
        "try",
        "start",
        "discover",
        "don't",
        "never",
        "watch",
        "listen",
        "chip",
        "contribute",
        "stay",
        "feel",
        "learn",
        "manage",
        "allow",
    ]
)
_STAMP_TOKENS = frozenset(["posted", "updated", "published", "first", "last", "modified", "edited", "at", "on"])
_COMMENT_TOKENS = frozenset(
    [
        "reply",
        "replies",
        "like",
        "likes",
        "liked",
        "report",
        "flag",
        "upvote",
        "downvote",
        "permalink",
        "edit",
        "delete",
        "helpful",
        "vote",
        "votes",
        "abuse",
        "cancel",
        "quote",
        "recommend",
    ]
)
_RELATIVE_TIME = _Cue(
    "ago|just now",
    r"\b(?:(?:\d+|an?|one)\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?"
    r"|weeks?|mo|months?|y|yrs?|years?)\s+ago|just now)\b",
)
_SORT_BY = re.compile(r"^sort by\b", re.IGNORECASE)
_COMMENTER_SAYS = re.compile(
    r"^\S.{0,60}\s(?:says|said|wrote|writes|commented|replied|replies)(?: to \S.{0,40})?\s?:$", re.IGNORECASE
)
_META_SHORT = re.compile(
    r"^(?:\d+\s*[-–]?\s*min(?:ute)?s?\s+(?:read|listen)|reading time\b|listen to (?:this )?"
    r"(?:article|story)|(?:staff|senior|contributing) (?:writer|reporter|editor|correspondent)"
    r"|(?:from )?staff reports?$"
    r"|updated\b|tags?:|topics?:|filed under\b|posted in\b|categor(?:y|ies):)",
    re.IGNORECASE,
)
# How to cite the page, under the story: "Cite this page: ...", "To cite this article: ...".
_CITE_THIS = re.compile(r"(?:cite (?:this|as)\b|how to cite\b|to cite this\b|citation\s*:)", re.IGNORECASE)
_CITE_THIS_MAX_WORDS = 60
_CREDITS = re.compile(
    r"^(?:with )?(?:additional )?(?:reporting|writing|editing|research|production|graphics|fact-checking)"
    r" (?:by|from)\b",
    re.IGNORECASE,
)
# Any participle's credit, then a person: "Medically reviewed by Ana Ruiz, RN", "Fact checked by".
# Not a headline in title case: "Russian Riled By Parliament" names no person.
_DONE_BY = re.compile(r"^(?:[^\W\d_]+[ -])?[^\W\d_]{2,}(?:ed|en)(?: and [^\W\d_]{2,}(?:ed|en))? by\s", re.IGNORECASE)
# The words a credit joins its names with ("Reporting by A in Paris and B; editing by C").
_CREDIT_JOINERS = frozenset(
    {"and", "in", "by", "from", "with", "additional", "staff", "de", "van", "von", "der", "da", "del", "di", "du"}
    | {"la", "le", "al", "et", "reporting", "writing", "editing", "research", "production", "graphics"}
    | {"fact-checking"}
)
_CONTACT = _Cue(
    "@|reach |contact |email |follow ",
    r"[\w.+-]+@[\w-]+\.\w|\b(?:(?:reach|contact|email) (?:her|him|them|me) at"
    r"|follow (?:her|him|them|me|@\w+) on)\b",
)
_AD = re.compile(
    r"(?:advertisement|advert|sponsored|ad|story continues below(?: advertisement)?"
    r"|article continues (?:below|after (?:the )?advertisement)|continue reading below|skip advert|back to top\W*"
    r"|loading(?:\.{3}|…)?"
    # the same label in the languages of the pages we meet most
    r"|anzeige|werbung|publicité|publicidad|publicidade|pubblicità|advertentie|reclame|reklama|annons|annonce)",
    re.IGNORECASE,
)
# The label over an advertiser's listing: "Sponsored Content", "Paid Post", "Partner Stories".
_SPONSORED = re.compile(
    r"(?:sponsored|promoted|paid|partner)(?: (?:content|stories|story|posts?|links?|listings?|offers?))?",
    re.IGNORECASE,
)
# A sponsor's line in a newsletter: the sponsor's name after its label, then its copy or nothing
# ("Presented by Tidewell: insure your boat...", "Brought to you by Acme."). A sentence of the story
# goes on after a comma or with a common noun ("Supported by a grant from the county, ...").
_SPONSOR_LINE = re.compile(
    r"(?:presented|brought to you|sponsored|powered|underwritten|made possible)(?: in part)? by"
    r"\s+(?-i:[A-Z][\w&'’.-]*)(?:\s+(?-i:[A-Z][\w&'’.-]*)){0,4}\s*(?:[:.!—–]|\s-\s|$)",
    re.IGNORECASE,
)
_SPONSOR_LINE_MAX_WORDS = 40
# The label of a widget set between paragraphs (a video player, a link to the story in another language):
# "Recommended Videos", "Read in Telugu", "Read this story in Spanish".
_WIDGET_LABEL = re.compile(
    r"(?:recommended|related|featured|trending|popular|latest|top|more) (?:videos?|clips|podcasts?|galleries)"
    r"|(?:read|listen to|watch) (?:this (?:story|article) )?in (?-i:[A-Z][a-z]+)",
    re.IGNORECASE,
)
_MENU_SEPARATOR = re.compile(r"\s[|›»>/·•▪◦]\s")
# A list item that opens with a clock time, a date or a slide counter is an
# entry of a live feed, a timeline box or a gallery, not the article's text.
_STAMPED_ITEM = re.compile(
    r"^(?:\d{1,2}[:h.]\d{2}\b(?!\s*(?:%|percent))|\d{1,2}/\d{1,3}\s+\D"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}\s*:)",
    re.IGNORECASE,
)
# A footnote set under the text: "^22 Sometimes known as...", "[3] See ...".
_FOOTNOTE = re.compile(r"^(?:\^\d{1,3}|\[\d{1,3}\]|\d{1,3}\.\s*\^)\s*\S")
# The author's biography under a story: "Ana Ruiz is a senior reporter for ...".
_AUTHOR_BIO = re.compile(
    r"^(?:(?i:about the (?:author|writer|reporter)s?)\s*:\s*)?"
    r"[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3} (?:is|was|has been) (?:an? |the )?(?:[\w-]+ ){0,4}"
    r"(?i:reporter|writer|editor|producer|correspondent|columnist|contributor|journalist|author|critic"
    r"|photographer|intern|fellow)\b",
)


# A chart printed as text: each axis label and value on a line of its own ("$900", "6.6%", "’17").
_CHART_NUMBER = re.compile(r"[$€£¥+−-]?[’'‘]?\d[\d.,]*\s?%?")


def _is_code(text: str) -> bool:
    if _CODE_START.match(text) or _YAML_LINE.match(text):
        return True
    symbols = sum(map(text.count, _CODE_CHARS))
    return symbols >= 3 and symbols / len(text) >= 0.1


# A help line the page sets beside the story: the reader addressed, by a condition ("If you or someone you
# know is in crisis, call or text 988.", "When the fun stops, stop. If gambling is hurting you, call ...")
# or by a short question that leaves out its "Are you" ("Gambling problem? Call 1-800-GAMBLER."), and a
# number to call or text. A story's sentence tells who is asked to call ("Anyone with information is asked
# to call police on 101"), and says so.
_HELP_CONDITION = re.compile(r"(?:^|(?<=[.!?])\s+)if\b[^.?!]*\b(?:you|your)\b", re.IGNORECASE)
_HELP_QUESTION = re.compile(r"^[^.?!]{3,60}\?\s", re.IGNORECASE)
_HELP_NUMBER = re.compile(
    r"\b(?:call|text|contact|dial|phone|ring|helpline|help line|line)\b[^.?!]*?"
    r"(?:\d{3}|\b\d-\d{3}-[A-Z]{4,}\b)",
    re.IGNORECASE,
)
_HELP_LINE_MAX_WORDS = 50


# Or the order alone, opening the line: "Ring the studio on 0300 ...", "Text COAST to 81234".
_CALL_ORDER = re.compile(r"^(?:call|ring|phone|text|dial|whatsapp)\b", re.IGNORECASE)


def _is_help_line(text: str, n: int) -> bool:
    if n > _HELP_LINE_MAX_WORDS or _HELP_NUMBER.search(text) is None or is_attributed(text):
        return False
    return (
        _HELP_CONDITION.search(text) is not None
        or _HELP_QUESTION.match(text) is not None
        or _CALL_ORDER.match(text) is not None
    )


def _is_cta(text: str, low: str, words: list[str], *, item: bool = False) -> bool:
    if any(q in text for q in '"“'):
        text = unquoted(text)
        low = text.lower()
    if _is_help_line(text, len(words)):
        return True
    appeals = _APPEAL.count(text, low)
    second = _SECOND_PERSON.count(text, low)
    # A list item opening with a verb is a step of instructions as often as an appeal.
    imperative = not item and (_opens_with_imperative(words[0]) or _orders_an_appeal(text))
    n = count_words(text)
    if not (appeals or second or imperative):
        return False
    plural = len(_FIRST_PLURAL.findall(text))
    if not (imperative or plural) and _reports(text, second=bool(second)):
        return False
    if n > 40:
        # Long blocks: only a dense mix of appeal vocabulary and reader address.
        return appeals >= 2 and second + plural >= 2
    if appeals >= 2:
        return True
    if appeals == 1 and (second or plural or imperative or n <= 8):
        return True
    if imperative and (second or (n <= 6 and not TERMINAL.search(text))):
        return True
    return bool(second and plural and n <= 25)


def _orders_an_appeal(text: str) -> bool:
    """A sentence after the first gives the appeal as an order: "X is an independent newsroom.
    Donate today to keep it free." """
    sentences = _SENTENCE_START.split(text)[1:]
    return any(
        _opens_with_imperative(sentence.split()[0]) and _APPEAL.count(sentence, sentence.lower())
        for sentence in sentences
        if sentence.split()
    )


def _opens_with_imperative(word: str) -> bool:
    return word.lower().strip(".,:!?\"'“‘") in _IMPERATIVES


# The page's own box between the story's paragraphs, in sentences: it opens with the publication's appeal, a prompt
# to its readers (a promotion, a paywall, a sponsor's line) or how to reach the newsroom, as the summary reads them, or with a question to the
# reader and the ask after it ("Want to work on problems like this? We're hiring."). A paragraph of the story
# that mentions a newsletter or a ticket in the third person is neither.
_BOX_MAX_WORDS = 80
_SHORT_BOX_WORDS = 40


def _speaks_to_reader(text: str, n: int) -> bool:
    if n > _BOX_MAX_WORDS or not TERMINAL.search(text):
        return False  # a label ("Continue reading the main story") is read by the rules for labels
    sentences = [s for s in _SENTENCE_START.split(text) if s.strip()]
    asks = sentences[:2] if n <= _SHORT_BOX_WORDS and sentences[0].endswith("?") else sentences[:1]
    if any(is_appeal(s) or is_reader_prompt(s) or is_author_contact(s) for s in asks):
        return True
    if n <= _SHORT_BOX_WORDS and len(sentences) > 1 and _asks_the_reader(sentences[0]) and _orders(sentences[1]):
        return True  # "Got a view on the closure? Write to the editor."
    # The page speaking as itself, and closing on its appeal.
    return len(sentences) > 1 and _PAGE_SPEAKS.search(text) is not None and is_appeal(sentences[-1])


# A question to the reader that leaves out its "Do you" ("Got a tip?", "Have thoughts on ...?"). One
# that says "you" is as often the story's own, or a show's invitation that the story reprints.
_TO_THE_READER = re.compile(r"^(?:got|have|want|need|know|interested|looking|care)\b[^?]*\?$", re.IGNORECASE)
# The order a page gives after its question: its own verbs, and those that ask for a piece or a letter.
_ORDERS = _IMPERATIVES | {"submit", "send", "write", "email", "tell", "text", "pitch"}


def _asks_the_reader(sentence: str) -> bool:
    return _TO_THE_READER.search(sentence.strip()) is not None


def _orders(sentence: str) -> bool:
    words = sentence.split()
    return bool(words) and words[0].lower().strip(".,:!?\"'“‘") in _ORDERS and not is_attributed(sentence)


# News tells what others said or did, in the third person: an attribution ("said", "wrote",
# "according to"), a verb in the past ("had fallen", "have signed up"), a figure ("$120", "40%").
# An appeal speaks to the reader (you, an order) or as the publisher (we, this story).
# "Claim" and "claims" too ("advertisers claim that", "the lawsuit claims"), which the shared test leaves
# out as nouns or an offer's verb as often ("insurance claims", "claim your discount").
_CLAIM = re.compile(r"\bclaims?\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did|been|(?:has|have) \w+ed)\b", re.IGNORECASE)
_FIGURE = re.compile(r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:%|percent|per cent)|\b\d{1,3}(?:,\d{3})+\b")
_SELF_REFERENCE = re.compile(
    r"\bthis (?:article|story|piece|content|page|site|post|newsletter|podcast|episode|video|blog)\b", re.IGNORECASE
)
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+")
# Case-sensitive on purpose: "US" the country is not "us".
_PAGE_SPEAKS = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")
_READER_OPENERS = frozenset(["if", "please", "thanks", "thank", "already", "want", "enjoy", "enjoyed", "like", "love"])


def _reports(text: str, *, second: bool) -> bool:
    """A statement in the third person that reports news, not a page speaking to its reader:
    full sentences, none an order, none to the reader or about the page itself, with an
    attribution, a past tense or a figure (or, when it says "you", an attribution: "the app
    asks you to sign in, the lawsuit says")."""
    if not (text[:1].isupper() or text[:1].isdigit()) or not text.rstrip("\"'”’)").endswith("."):
        return False
    openers = [sentence.split()[0] for sentence in _SENTENCE_START.split(text) if sentence.split()]
    if any(_opens_with_imperative(w) or w.lower().strip(",") in _READER_OPENERS for w in openers):
        return False
    if _SELF_REFERENCE.search(text):
        return False
    if is_attributed(text, ambiguous_verbs=True) or _CLAIM.search(text):
        return True
    return not second and (_PAST.search(text) is not None or _FIGURE.search(text) is not None)


# The stamp over a live blog's entry: a clock time or a time dated from now, and at most its
# label ("2h ago", "14:32", "4:50 p.m. ET", "Posted 14m ago").
_ENTRY_STAMP = re.compile(
    r"(?:(?:posted|updated)\s+)?(?:\d+\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s+ago"
    r"|just now|\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)",
    re.IGNORECASE,
)
# A clock time with its hour's half of the day in dotted letters ("4:50 p.m."), alone on its line.
_DOTTED_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}\s*[ap]\.m\.(?:\s+[A-Z]{2,4})?", re.IGNORECASE)


def is_entry_stamp(text: str) -> bool:
    """A live blog entry's timestamp alone on its line."""
    return _ENTRY_STAMP.fullmatch(text) is not None


def is_relative_time(text: str) -> bool:
    """A line dated from now ("3 hours ago", "Posted 14m ago"): a story's stamp or a comment's."""
    return _RELATIVE_TIME.search(text, text.lower())


def _is_stamp(low: str) -> bool:
    """A time dated from now and at most its label ("3 hours ago", "Updated 2h ago"): not a
    line that also says something else ("Founded May 4, 1998; 18 years ago")."""
    return bool(_RELATIVE_TIME.search(low, low)) and _words_beside_time(low) <= _STAMP_TOKENS


def _is_comment_meta(text: str, low: str) -> bool:
    if _SORT_BY.match(text) or (text.endswith(":") and _COMMENTER_SAYS.match(text) is not None):
        return True
    # A comment's buttons may carry its stamp ("Like · Reply · 2h ago"); the stamp alone is no button.
    words = _words_beside_time(low)
    return bool(words) and words <= _COMMENT_TOKENS


def _words_beside_time(low: str) -> set[str]:
    """The words of a line less any time dated from now in it."""
    return set(re.findall(r"[a-z]+", _RELATIVE_TIME.remove(low, low)))


def _is_meta(text: str, low: str, n: int) -> bool:
    if n <= 6 and _META_SHORT.match(text):
        return True
    if n <= _CITE_THIS_MAX_WORDS and _CITE_THIS.match(text):
        return True
    return n <= 40 and (_is_credit(text) or _CONTACT.search(text, low))


def _is_credit(text: str) -> bool:
    """A credit's label, then only names: "Production from the Brae field fell" is a sentence, no credit."""
    label = _CREDITS.match(text)
    if label is None:
        done_by = _DONE_BY.match(text)
        return done_by is not None and is_name(re.split(r",|\band\b|&", text[done_by.end() :])[0].strip())
    words = re.findall(r"[^\W\d_][\w'.-]*", text[label.end() :])
    return all(word[0].isupper() or word.lower() in _CREDIT_JOINERS for word in words)


def _is_menu(text: str, words: list[str], n: int) -> bool:
    if is_short_label(text, n):
        return True
    parts = _MENU_SEPARATOR.split(text)
    if len(parts) > 1 and all(len(p.split()) <= 4 for p in parts):
        return True
    # The site's name then its menu ("Harbour Hour Podcast — Episodes · About · Support the show"):
    # three links or more, the first run into the name.
    return (
        len(parts) > 2 and len(parts[0].split()) <= _SITE_AND_LINK_WORDS and all(len(p.split()) <= 4 for p in parts[1:])
    )


_SITE_AND_LINK_WORDS = 8


def is_short_label(text: str, n: int) -> bool:
    """Three words or fewer without a full stop, or six or fewer in capitals: read alone, a
    menu's item or a label (a short headline too, which only the lines around it tell)."""
    return (n <= 3 and not TERMINAL.search(text)) or (n <= 6 and text.isupper())


# A picture's share text or a post's tags: "... for the Holidays #ad #canning #jam #pearjam".
_HASHTAG = re.compile(r"#[^\W\d_][\w-]*")
_HASHTAGS_MIN = 3


def _is_hashtagged(words: list[str]) -> bool:
    tags = sum(1 for word in words if _HASHTAG.fullmatch(word))
    return tags >= _HASHTAGS_MIN and 3 * tags >= len(words)


def _section_label(text: str) -> str:
    """The text less a trailing count, colon or dots ("Comments (12)", "Read more..."). Read
    from the end by hand: a pattern anchored at the end costs the square of a long run."""
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1].isdecimal() or text[end - 1] in _LABEL_TAIL):
        end -= 1
    return text[:end].strip()


_LABEL_TAIL = frozenset(":().…")


def _is_thread(text: str) -> bool:
    """A comment section's heading, or a notice made of them ("No comments yet. Be the first to comment.")."""
    parts = re.split(r"(?<=[.!?])\s+", text)
    return all(_THREAD.fullmatch(part.strip(" .!:»›>|-–—")) is not None for part in parts)


# A press release's end mark: "###", "# # #", "-30-", "- ENDS -". What follows is about the sender.
_END_MARK = re.compile(r"#\s?#\s?#|[-–—]\s?30\s?[-–—]|[-–—]?\s?ENDS?\s?[-–—]?", re.IGNORECASE)


def is_end_mark(text: str) -> bool:
    return len(text) <= 12 and _END_MARK.fullmatch(text.strip()) is not None


def classify(text: str) -> Kind:
    """The kind of one block; a list item's marker is set aside while the cues are read."""
    bullet = BULLET.match(text)
    if bullet is None:
        return _classify(text)
    if text[:1].isdigit() and count_words(text) <= 20 and is_date_line(text):
        return Kind.DATE  # "26. November 2026": the day's number, not a list's
    kind = _classify(text[bullet.end() :], item=True)
    if kind in (Kind.PROSE, Kind.SENTENCE, Kind.FRAGMENT, Kind.NAV, Kind.NAME):
        # A numbered item is part of a list the text counts through (a ranking,
        # steps); a short item under a plain marker is a menu's link.
        numbered = text[:1].isdigit()
        return Kind.BULLET if numbered or count_words(text) > 6 else Kind.NAV
    return kind


def _classify(text: str, *, item: bool = False) -> Kind:
    words = text.split()
    if not words:
        return Kind.NAV
    n = count_words(text)
    low = text.lower()
    if not item and n == 1 and _CHART_NUMBER.fullmatch(text):
        return Kind.FIGURE
    if is_end_mark(text):
        return Kind.SECTION
    if _is_code(text):
        return Kind.CODE
    if n <= 80 and _CAPTION.search(text, low):
        return Kind.CAPTION
    if n <= _MEDIA_TEASER_MAX_WORDS and _is_media_teaser(text):
        return Kind.CTA
    if "#" in text and _is_hashtagged(words):
        return Kind.META
    if n <= 12 and _is_thread(text):
        return Kind.THREAD
    if n <= 3 and _SPONSORED.fullmatch(text.strip(" :")):
        return Kind.AD
    if n <= _SPONSOR_LINE_MAX_WORDS and _SPONSOR_LINE.match(text):
        return Kind.AD
    if n <= 12 and _SECTION.fullmatch(_section_label(text)):
        return Kind.SECTION
    if n <= 6 and (_AD.fullmatch(text) or _WIDGET_LABEL.fullmatch(text)):
        return Kind.AD
    if is_story_link(text):
        return Kind.CTA
    if n <= 40 and (_LEGAL.search(text, low) or _is_small_print(text, low, n)):
        return Kind.LEGAL
    if _is_transcript_note(text, n) or _is_show_credits(text, n):
        return Kind.META
    if n <= 20 and is_date_line(text):
        return Kind.DATE
    if n <= 8 and _is_comment_meta(text, low):
        return Kind.COMMENT
    if n <= 8 and _is_stamp(low):
        return Kind.DATE  # a comment's stamp only among comment furniture, which only the page around it shows
    if n <= _PLACEHOLDER_MAX_WORDS and _PLACEHOLDER.fullmatch(text):
        return Kind.CTA
    if _is_cta(text, low, words, item=item) or (not item and _speaks_to_reader(text, n)):
        return Kind.CTA
    if n <= 20 and is_byline(text):
        return Kind.BYLINE
    if n <= 40 and credit_names(text):
        return Kind.BYLINE
    if n <= _CUE_MAX_WORDS and _BRACKETED_CUE.fullmatch(text):
        return Kind.META
    if item and _STAMPED_ITEM.match(text):
        return Kind.TEASER
    if _FOOTNOTE.match(text) or (n <= 60 and _AUTHOR_BIO.match(text)):
        return Kind.META
    if n <= 6 and (m := TEASER_BYLINE.match(text)) and is_name(m["name"]):
        return Kind.TEASER
    if _is_meta(text, low, n):
        return Kind.META
    if is_name(text):
        return Kind.NAME
    if item:
        return Kind.PROSE  # the caller decides between a list item and a link
    if _is_menu(text, words, n) or _DOTTED_CLOCK.fullmatch(text):
        return Kind.NAV  # the dots of "p.m." end no sentence: a clock time is a label, as "4:50 PM" is
    return _prose_kind(text, words, n)


# A form field's placeholder: "Type your email...", "Enter a postcode…", "Search…".
_PLACEHOLDER = re.compile(
    r"(?:(?:[^\W\d_]+\s+){1,2}(?:your|an?)\s+[^\W\d_][\w-]*(?:\s+[\w-]+)?|[^\W\d_]+)\s*(?:\.{3}|…)",
    re.IGNORECASE,
)
_PLACEHOLDER_MAX_WORDS = 5
_UNMARKED_SENTENCE_WORDS = 8

# A video's or a podcast's teaser: its title under a label ("Watch:", "VIDEO |"), or with its running
# time in brackets ("... (1:24)"), and no sentence's end.
_MEDIA_LABEL = re.compile(r"^(?:watch(?: now| live)?|video|listen|audio|podcast)\s*(?:[:|]|\s[–—-]\s)", re.IGNORECASE)
_RUNNING_TIME = re.compile(r"\((?:\d{1,2}:)?\d{1,2}:\d{2}\)$")
_MEDIA_TEASER_MAX_WORDS = 25


def _is_media_teaser(text: str) -> bool:
    if TERMINAL.search(text):
        return False
    return _MEDIA_LABEL.match(text) is not None or _RUNNING_TIME.search(text) is not None


def _prose_kind(text: str, words: list[str], n: int) -> Kind:
    if TERMINAL.search(text) or text.endswith(":"):
        headline_like = title_ratio(words) >= 0.75 and n <= 20
        if n >= 8 and not headline_like:
            return Kind.PROSE
        return Kind.SENTENCE if n >= 2 else Kind.NAV
    if n >= 30:
        return Kind.PROSE
    # A writer in a script without spaces often breaks the line at a pause, with no end mark:
    # sixteen characters or more of it read as a sentence (a menu item or a label is shorter).
    if n >= _UNMARKED_SENTENCE_WORDS and unspaced_share(text) >= 0.6:
        return Kind.SENTENCE
    return Kind.FRAGMENT
