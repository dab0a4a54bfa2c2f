"""Summariser invariants and offline tokenisation (the quality gate is test_quality_gate.py)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from digest.errors import DigestError, UnknownAlgorithm
from digest.models import Article, Summary
from digest.summarize import algorithms as summarize_module, sentences as sentences_module
from digest.summarize.algorithms import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    MAX_CHARS,
    MAX_SENTENCES,
    summarize,
    summarize_text,
)
from digest.summarize.filters import stands_alone
from digest.summarize.sentences import (
    build_document,
    detect_language,
    split_paragraphs,
    split_sentences,
    split_words,
)

SHORT = "The council approved the plan on Monday. Work starts in May."

LONG = """The city council voted on Tuesday to build forty kilometres of protected bike lanes over the next three years, the largest cycling project in the city's history.

The plan, approved by nine votes to four, will connect the central station with the university, the hospital and the three largest residential districts. Supporters said the network would cut car traffic in the centre by a fifth. Opponents argued that the council had underestimated the cost and ignored the concerns of shop owners.

"This is the most important transport decision we have made in a generation," said the mayor, Anna Lindqvist. She added that the first section, along the river, would open next spring.

The project is expected to cost 120 million euros. About half of the money will come from a national fund for sustainable transport, and the rest from the city's own budget. The council's finance committee warned that other road repairs might have to be delayed.

Shop owners on Market Street, where the lanes will replace most parking spaces, have collected more than two thousand signatures against the plan. They say customers who drive in from the suburbs will simply go elsewhere. The council has promised to build a new car park near the northern end of the street.

Cycling groups welcomed the vote. Their spokesman said the number of people cycling to work had doubled in five years despite the lack of safe routes. He called on the council to publish a detailed timetable.

Construction will happen in four phases. The first phase covers the river route and the link to the station. The second and third phases reach the university and the hospital. The final phase, planned for the third year, extends the network into the eastern suburbs.

A public meeting about the first phase will be held at the town hall next Thursday. Residents can also comment on the plans online until the end of the month."""

BLOG = """I have been baking sourdough bread at home for about two years now, and I finally think I understand what makes a good loaf.

The first thing I learned is that the starter matters more than anything else. A weak starter gives a dense, sour loaf no matter how carefully you shape it. I feed mine twice a day with equal weights of flour and water, and I keep it in the warmest corner of the kitchen.

Flour is the second thing. I used cheap supermarket flour for months and could never get a good rise. Switching to a strong bread flour with about thirteen percent protein changed everything.

Timing is the third. Most recipes give fixed times, but the dough does not read recipes. I now watch the dough instead of the clock and wait until it has grown by about half before shaping.

Finally, bake hotter than you think. A heavy pot with a lid, heated for an hour, gives the crust that recipes promise. My oven goes to two hundred and fifty degrees, and I use all of it.

If you are just starting, be patient. My first ten loaves were bricks. The eleventh was bread."""


def positions_in_order(text: str, picked: tuple[str, ...]) -> bool:
    cursor = 0
    for sentence in picked:
        found = text.find(sentence, cursor)
        if found < 0:
            return False
        cursor = found + len(sentence)
    return True


def check_invariants(text: str, picked: tuple[str, ...], asked: int, *, language: str = "english") -> None:
    assert isinstance(picked, tuple)
    assert all(type(s) is str for s in picked)
    assert len(picked) <= asked
    assert len(set(picked)) == len(picked)
    assert all(s and s == s.strip() for s in picked)
    assert all(s in text for s in picked)
    assert positions_in_order(text, picked)
    # Whole sentences only: each one is a sentence of its paragraph.
    whole = {s for p in split_paragraphs(text) for s in split_sentences(p, language=language)}
    assert set(picked) <= whole


# --- registry and API -----------------------------------------------------


def test_registry_has_the_required_algorithms():
    for name in ("lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl", "edmundson", "lead"):
        assert name in ALGORITHMS
    assert DEFAULT_ALGORITHM in ALGORITHMS


def test_the_names_the_config_checks_are_the_registrys():
    from digest.summarize import ALGORITHM_NAMES

    assert tuple(ALGORITHMS) == ALGORITHM_NAMES


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("text", [SHORT, LONG, BLOG], ids=["short", "long", "blog"])
def test_every_algorithm_keeps_the_invariants(algorithm, text):
    picked = summarize_text(text, sentences=3, algorithm=algorithm)
    check_invariants(text, picked, 3)
    assert len(picked) == min(3, len(split_sentences(text.replace("\n\n", " "))))


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_every_algorithm_drops_a_wire_dateline_and_keeps_the_rest_of_the_sentence(algorithm):
    dateline = "LINKÖPING, May 6 (Nordic Press) - "
    text = dateline + LONG
    picked = summarize_text(text, sentences=8, algorithm=algorithm)
    assert all(sentence in text and not sentence.startswith(dateline.strip()) for sentence in picked), picked
    if algorithm == "lead":
        assert picked[0] == split_sentences(LONG.split("\n\n", maxsplit=1)[0])[0]


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("count", [1, 2, 5])
def test_count_is_respected(algorithm, count):
    picked = summarize_text(LONG, sentences=count, algorithm=algorithm)
    check_invariants(LONG, picked, count)
    assert len(picked) == count


def test_short_body_gives_fewer_sentences():
    assert summarize_text(SHORT, sentences=5) == (
        "The council approved the plan on Monday.",
        "Work starts in May.",
    )


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("text", ["", "   ", "\n\n \n"])
def test_empty_input_gives_empty_tuple(algorithm, text):
    assert summarize_text(text, algorithm=algorithm) == ()


def test_zero_and_negative_counts():
    assert summarize_text(LONG, sentences=0) == ()
    with pytest.raises(ValueError, match="sentences must be >= 0"):
        summarize_text(LONG, sentences=-1)


def test_unknown_algorithm_lists_the_valid_names():
    with pytest.raises(UnknownAlgorithm) as caught:
        summarize_text(LONG, algorithm="nope")
    assert isinstance(caught.value, DigestError) and isinstance(caught.value, LookupError)
    for name in ALGORITHMS:
        assert name in str(caught.value)
    with pytest.raises(UnknownAlgorithm):
        summarize_text("", algorithm="nope")
    with pytest.raises(UnknownAlgorithm):
        summarize(Article(url="u", title="t", paragraphs=()), algorithm="nope")


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        summarize_text(LONG, 3)  # type: ignore[misc]
    with pytest.raises(TypeError):
        summarize(Article(url="u", title="t", paragraphs=(LONG,)), 3)  # type: ignore[misc]


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_summarize_article_uses_body_only(algorithm):
    # Title and standfirst restate the story; they must never be returned.
    title = "City council votes to build forty kilometres of protected bike lanes"
    standfirst = "The city council voted on Tuesday to build forty kilometres of protected bike lanes."
    article = Article(
        url="https://example.org/bike-lanes",
        title=title,
        standfirst=standfirst,
        paragraphs=tuple(split_paragraphs(LONG)),
    )
    summary = summarize(article, sentences=3, algorithm=algorithm)
    assert isinstance(summary, Summary)
    assert summary.article is article
    assert summary.algorithm == algorithm
    assert len(summary.sentences) == 3
    check_invariants(article.text, summary.sentences, 3)
    assert title not in summary.sentences and standfirst not in summary.sentences


def test_summarize_empty_article():
    summary = summarize(Article(url="u", title="A title only", paragraphs=()))
    assert summary.sentences == ()
    assert summary.algorithm == DEFAULT_ALGORITHM


def test_duplicates_are_removed():
    text = "Same sentence here about the vote. Same sentence here about the vote.\n\n" + LONG
    for algorithm in ALGORITHMS:
        picked = summarize_text(text, sentences=5, algorithm=algorithm)
        assert len(set(picked)) == len(picked) == 5


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_degenerate_text_still_gives_sentences(algorithm):
    # No content words at all: some sumy algorithms cannot rate anything.
    text = "It is. He was. 123. 456!"
    picked = summarize_text(text, sentences=2, algorithm=algorithm)
    check_invariants(text, picked, 2)
    assert len(picked) == 2


def test_default_is_not_just_the_lead():
    lead = summarize_text(LONG, algorithm="lead")
    assert summarize_text(LONG) != lead or summarize_text(BLOG) != summarize_text(BLOG, algorithm="lead")


def test_title_and_standfirst_reach_sumy_as_headings_only():
    document = build_document(["First sentence here. Second one."], headings=("A title", "", "A standfirst."))
    assert [str(h) for h in document.headings] == ["A title", "A standfirst."]
    assert [str(s) for s in document.sentences] == ["First sentence here.", "Second one."]
    # Still one first paragraph, which Edmundson's location method rewards.
    assert len(document.paragraphs) == 1


def test_keep_sees_each_paragraphs_sentences_together():
    shown = []

    def keep(texts):
        shown.append(tuple(texts))
        return [not text.startswith("Note") for text in texts]

    document = build_document(["One here. Note two.", "Three here."], keep=keep)
    assert shown == [("One here.", "Note two."), ("Three here.",)]
    assert [str(s) for s in document.sentences] == ["One here.", "Three here."]


# --- caps -----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Number of words")  # sumy's LSA on near-identical sentences
def test_only_the_first_sentences_are_read():
    many = " ".join(f"Sentence number {i} talks about topic {i % 7} and nothing else." for i in range(400))
    body = split_sentences(many)
    for algorithm in ALGORITHMS:
        picked = summarize_text(many, algorithm=algorithm)
        check_invariants(many, picked, 3)
        assert all(body.index(s) < MAX_SENTENCES for s in picked)


def test_character_budget_never_cuts_a_sentence():
    sentence = "This rather long sentence about the weather repeats {} times without much variation at all. "
    giant = "".join(sentence.format(i) for i in range(2 * MAX_CHARS // len(sentence)))
    document = build_document([giant], max_chars=MAX_CHARS, max_sentences=10_000)
    kept = [str(s) for s in document.sentences]
    assert kept and sum(len(s) for s in kept) <= MAX_CHARS
    whole = set(split_sentences(giant))
    assert set(kept) <= whole
    picked = summarize_text(giant)
    check_invariants(giant, picked, 3)


# --- sumy internals we rely on --------------------------------------------


def test_similarity_matrix_is_lexrank_cosine():
    from sumy.summarizers.lex_rank import LexRankSummarizer

    summarizer = summarize_module._summarizer(DEFAULT_ALGORITHM, "english")
    document = build_document(split_paragraphs(LONG))
    words = [summarizer._to_words_set(s) for s in document.sentences]
    matrix = summarizer.similarity_matrix(words)
    tf = LexRankSummarizer._compute_tf(summarizer, words)
    idf = LexRankSummarizer._compute_idf(words)
    for i in range(len(words)):
        for j in range(len(words)):
            expected = 0.0 if i == j else LexRankSummarizer.cosine_similarity(words[i], words[j], tf[i], tf[j], idf)
            assert matrix[i, j] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("count", [1, 3, 6])
def test_greedy_kl_matches_sumy_kl(count):
    from sumy.summarizers.kl import KLSummarizer

    from digest.summarize.sentences import stemmer_for, stop_words_for

    reference = KLSummarizer(stemmer_for("english"))
    reference.stop_words = stop_words_for("english")
    document = build_document(split_paragraphs(LONG + "\n\n" + BLOG))
    expected = tuple(str(s) for s in reference(document, count))
    assert summarize_text(LONG + "\n\n" + BLOG, sentences=count, algorithm="kl") == expected


# --- tokenisation ---------------------------------------------------------


def test_sentences_are_exact_substrings():
    text = 'Dr. Smith went home. He was  tired.\n"Really?" she asked. Yes!'
    parts = split_sentences(text)
    assert parts == ("Dr. Smith went home.", "He was  tired.", '"Really?" she asked.', "Yes!")
    assert all(p in text for p in parts)


@pytest.mark.parametrize("language", ["english", "french", "spanish"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Les classes n’ont pas de professeur. « On fait avec les moyens du bord », regrette une principale.",
            ("Les classes n’ont pas de professeur.", "« On fait avec les moyens du bord », regrette une principale."),
        ),
        (
            "Die Bahn streicht Züge. „Wir bedauern das“, sagte ein Sprecher.",
            ("Die Bahn streicht Züge.", "„Wir bedauern das“, sagte ein Sprecher."),
        ),
        (
            "El puente cerrará en marzo. ¿Habrá otra ruta? El ayuntamiento no lo dice.",
            ("El puente cerrará en marzo.", "¿Habrá otra ruta?", "El ayuntamiento no lo dice."),
        ),
    ],
)
def test_an_opening_quotation_mark_starts_the_next_sentence(text, expected, language):
    assert split_sentences(text, language=language) == expected


def test_words_skip_numbers_and_punctuation():
    assert split_words("Don't panic: 42 well-known élan, 3rd!") == ("Don't", "panic", "well-known", "élan", "rd")


def test_paragraphs_split_on_blank_lines():
    assert split_paragraphs("a\nb\n\n  \n c \n\n\n") == ("a\nb", "c")


def test_unsupported_language_falls_back_to_english(caplog):
    with caplog.at_level(logging.WARNING, logger="digest.summarize.sentences"):
        picked = summarize_text(LONG, language="klingon")
    assert picked == summarize_text(LONG)
    assert any("klingon" in r.getMessage() for r in caplog.records)


def test_language_codes_and_other_languages(caplog):
    german = (
        "Der Stadtrat hat am Dienstag den Bau von vierzig Kilometern Radwegen beschlossen. "
        "Die Kosten liegen bei etwa 120 Mio. Euro. Die Hälfte zahlt der Bund, z.B. aus einem Fonds. "
        "Geschäftsleute in der Marktstraße sind dagegen. Sie fürchten um ihre Kunden."
    )
    with caplog.at_level(logging.WARNING, logger="digest.summarize.sentences"):
        assert summarize_text(LONG, language="en") == summarize_text(LONG, language="english")
        picked = summarize_text(german, language="de", sentences=2)
    assert not caplog.records
    check_invariants(german, picked, 2, language="german")
    assert "Die Kosten liegen bei etwa 120 Mio. Euro." in split_sentences(german, language="german")


# --- offline --------------------------------------------------------------


def test_no_network_and_no_nltk_download(monkeypatch):
    import nltk
    import punkt

    def refuse(*args, **kwargs):
        raise AssertionError("network or NLTK data access attempted")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", refuse)
    monkeypatch.setattr(nltk.data, "load", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # Start cold so model loading happens under the patches too.
    punkt.clear_cache()
    sentences_module._sentence_splitter.cache_clear()
    summarize_module._summarizer.cache_clear()
    for algorithm in ALGORITHMS:
        check_invariants(LONG, summarize_text(LONG, algorithm=algorithm), 3)
        summarize_text(LONG, algorithm=algorithm, language="german")


def test_fresh_interpreter_needs_no_nltk_data(tmp_path):
    code = """
import socket, sys
def refuse(*a, **k):
    raise SystemExit("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
import nltk, nltk.data
setattr(nltk, "download", refuse)  # a fetch of tokenizer data would fail loudly
nltk.data.find = refuse
nltk.data.path[:] = [sys.argv[1]]
from digest.summarize.algorithms import ALGORITHMS, summarize_text
text = "The vote was close. The plan costs money. Shops object to it. Cyclists welcome it."
for name in ALGORITHMS:
    assert len(summarize_text(text, sentences=2, algorithm=name)) == 2, name
print("ok")
"""
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=repo, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_default_is_an_alias_for_the_default_algorithm():
    from digest.summarize.algorithms import DEFAULT_ALGORITHM, resolve_algorithm

    assert resolve_algorithm("default") == DEFAULT_ALGORITHM
    article = Article(url="u", title="t", paragraphs=("One sentence here is fine. Another one follows it.",))
    assert summarize(article, algorithm="default").algorithm == DEFAULT_ALGORITHM
    with pytest.raises(UnknownAlgorithm, match="choose one of: default, "):
        resolve_algorithm("nope")


GERMAN = (
    "Die Deutsche Bahn wird ab dem 14. Oktober auf der Strecke zwischen Köln und Düsseldorf zahlreiche "
    "Verbindungen streichen. Grund ist die Sanierung von drei Eisenbahnbrücken in Leverkusen, die seit "
    "Jahren als marode gelten. Betroffen sind vor allem die Linien RE 1 und RE 5, die in der Hauptverkehrszeit "
    "nur noch stündlich fahren. Fernzüge werden über Wuppertal umgeleitet und brauchen etwa zwanzig Minuten "
    "länger. Die Arbeiten sollen bis zum 3. März dauern, teilte ein Sprecher der Bahn mit."
)


def test_a_story_clearly_in_another_language_is_split_and_summarised_in_it():
    assert detect_language(GERMAN, default="english") == "german"
    assert detect_language(LONG, default="english") == "english"
    assert detect_language(LONG, default="german") == "english"  # clearly English, whatever the list says
    assert detect_language("", default="fr") == "french"
    picked = summarize_text(GERMAN, sentences=2, language="english")
    assert picked[0] == (
        "Die Deutsche Bahn wird ab dem 14. Oktober auf der Strecke zwischen Köln und Düsseldorf zahlreiche "
        "Verbindungen streichen."
    )
    assert not any(s.endswith(("14.", "3.")) for s in picked)


POLISH = (
    "Rada miasta zdecydowała we wtorek, że stary most zostanie zamknięty na sześć miesięcy. "
    "Inżynierowie mówią, że remont jest konieczny od wielu lat i nie można go dłużej odkładać. "
    "Kierowcy będą musieli jeździć objazdem przez centrum, co wydłuży podróż o kilka minut. "
    "Właściciele sklepów obawiają się, że stracą klientów w czasie remontu. "
    "Prace mają się zakończyć przed końcem roku, jeśli pogoda na to pozwoli."
)


def test_a_language_whose_stemmer_is_missing_is_no_language_to_summarise_in(caplog):
    # sumy knows Polish and Greek but stems them only with packages we do not install.
    assert detect_language(POLISH, default="english") == "english"
    with caplog.at_level(logging.WARNING, logger="digest.summarize.sentences"):
        assert len(summarize_text(POLISH, sentences=2, language="polish")) == 2
    assert "not supported" in caplog.text


RUSSIAN = (
    "Правительство объявило о новых мерах поддержки малого бизнеса. "
    "Министр финансов заявил, что бюджет программы будет увеличен на 5 млрд. руб. в следующем году. "
    "Эксперты считают, что это поможет предприятиям пережить трудный период. "
    "Ранее, в 2019 г., подобные меры уже принимались, но их объём был меньше."
)


def test_a_story_in_another_script_is_split_and_summarised_in_its_language():
    # No stop-word list of sumy's reads Russian: the script says the text is not the
    # list's language, and the language model says which.
    assert detect_language(RUSSIAN, default="english") == "russian"
    picked = summarize_text(RUSSIAN, sentences=4, language="english")
    assert "Министр финансов заявил, что бюджет программы будет увеличен на 5 млрд. руб. в следующем году." in picked
    assert not any(s.endswith(("млрд.", "руб.")) for s in picked)


def test_a_story_in_a_script_no_summariser_reads_keeps_the_lists_language():
    chinese = "市政府周二宣布，旧桥将关闭六个月进行维修。工程师说，这项工程已经推迟了很多年。"
    assert detect_language(chinese, default="english") == "english"
    assert detect_language(chinese, default="german") == "german"


def test_an_algorithm_that_raises_on_one_story_gives_its_lead_not_an_error(monkeypatch, caplog):
    from digest.summarize import algorithms

    def broken(algorithm, language):
        def summarizer(document, count):
            raise ValueError("a stemmer without its package")

        return summarizer

    monkeypatch.setattr(algorithms, "_summarizer", broken)
    with caplog.at_level(logging.WARNING, logger=algorithms.__name__):
        picked = summarize_text(LONG, sentences=2)
    assert len(picked) == 2 and LONG.startswith(picked[0])
    assert "ValueError: a stemmer without its package" in caplog.text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "english",
            (
                "Gov. Gavin Newsom signed the bill on Monday. Sgt. Ana Ruiz and Capt. Joe Byrne led the search "
                "up Mt. Hood. The battery lasted 11 hr. 20 min., short of the 15 hours promised. The Rev. Ellen "
                "Park spoke at No. 10 for approx. 40 minutes."
            ),
            [
                "Gov. Gavin Newsom signed the bill on Monday.",
                "Sgt. Ana Ruiz and Capt. Joe Byrne led the search up Mt. Hood.",
                "The battery lasted 11 hr. 20 min., short of the 15 hours promised.",
                "The Rev. Ellen Park spoke at No. 10 for approx. 40 minutes.",
            ],
        ),
        (
            "english",
            "The answer was no. Then the meeting ended. The test took ten min. The results came later.",
            ["The answer was no.", "Then the meeting ended.", "The test took ten min.", "The results came later."],
        ),
        (
            "german",
            (
                "Die Regel gilt in Städten wie z. B. Berlin und Hamburg, d. h. in großen Städten. Der Bundestag hat "
                "sie am Donnerstag beschlossen, u. a. mit den Stimmen der Union."
            ),
            [
                "Die Regel gilt in Städten wie z. B. Berlin und Hamburg, d. h. in großen Städten.",
                "Der Bundestag hat sie am Donnerstag beschlossen, u. a. mit den Stimmen der Union.",
            ],
        ),
        (
            "spanish",
            "La Sra. García anunció el martes la reducción de la jornada. El Dr. Pérez y la Lic. Ramos la apoyan.",
            ["La Sra. García anunció el martes la reducción de la jornada.", "El Dr. Pérez y la Lic. Ramos la apoyan."],
        ),
        (
            "french",
            "Certaines villes, p. ex. Lyon, ont déjà changé de règle. Mme Dubois et M. Martin s'y opposent.",
            ["Certaines villes, p. ex. Lyon, ont déjà changé de règle.", "Mme Dubois et M. Martin s'y opposent."],
        ),
    ],
)
def test_an_abbreviation_does_not_end_a_sentence(language, text, expected):
    assert list(split_sentences(text, language=language)) == expected


def test_chinese_and_japanese_are_split_at_their_sentence_ends_and_counted_by_character():
    chinese = "上海市15日发布新规，限制外卖骑手的工作时长。新规将于10月1日起施行。专家认为这一做法值得推广！但成本会转嫁给消费者吗？"
    assert split_sentences(chinese) == (
        "上海市15日发布新规，限制外卖骑手的工作时长。",
        "新规将于10月1日起施行。",
        "专家认为这一做法值得推广！",
        "但成本会转嫁给消费者吗？",
    )
    japanese = "東京都は1日、新しい条例を発表した。「来年から施行する」と知事は述べた。反対意見も多い。"
    assert split_sentences(japanese) == (
        "東京都は1日、新しい条例を発表した。",
        "「来年から施行する」と知事は述べた。",
        "反対意見も多い。",
    )
    assert len(split_words("新规将于10月1日起施行。")) == 9  # 新规将于 月 日起施行: one word a character
    assert split_words("The iPhone用 case") == ("The", "iPhone", "用", "case")


def test_an_arabic_question_mark_ends_a_sentence():
    text = "هل ستنجح هذه الخطة؟ يقول الخبراء إن الأمر يعتمد على التمويل. ويضيف آخرون أن الشباب هم المفتاح!"
    assert split_sentences(text) == (
        "هل ستنجح هذه الخطة؟",
        "يقول الخبراء إن الأمر يعتمد على التمويل.",
        "ويضيف آخرون أن الشباب هم المفتاح!",
    )
    assert split_sentences("«هل ستنجح؟» سأل المزارع. لا أحد يعرف.") == ("«هل ستنجح؟» سأل المزارع.", "لا أحد يعرف.")


def test_a_chinese_quotation_and_who_said_it_are_one_sentence():
    text = (
        "住在老街四十多年的李阿姨说，她最关心的是下水道的问题。“每到下雨天，院子里就积水，希望这次能彻底解决！”"
        "她说。“我们等了十年。”市民王先生表示。如何让老人生活得更方便？这是关键。"
    )
    assert split_sentences(text) == (
        "住在老街四十多年的李阿姨说，她最关心的是下水道的问题。",
        "“每到下雨天，院子里就积水，希望这次能彻底解决！”她说。",
        "“我们等了十年。”市民王先生表示。",
        "如何让老人生活得更方便？",
        "这是关键。",
    )
    # a quotation that ends its sentence is still one of its own
    assert split_sentences("他说：“会议结束了。”“下次再谈。”") == ("他说：“会议结束了。”", "“下次再谈。”")


def test_a_list_items_own_marker_does_not_reach_the_summary():
    body = (
        "The city council approved a budget of 412 million dollars on Tuesday after a long debate.",
        "- Bus fares stay the same, but monthly passes drop to 60 dollars from 75 dollars.",
        "• The parks department hires forty seasonal workers for the summer months ahead.",
        "3. Parking meters downtown run until eight in the evening instead of six.",
    )
    article = Article(url="https://e.org/b", title="Budget", paragraphs=body, source="s")
    sentences = summarize(article, sentences=4, algorithm="lead").sentences
    assert sentences[1:] == (
        "Bus fares stay the same, but monthly passes drop to 60 dollars from 75 dollars.",
        "The parks department hires forty seasonal workers for the summer months ahead.",
        "3. Parking meters downtown run until eight in the evening instead of six.",  # a number may open a sentence
    )


@pytest.mark.parametrize(
    ("language", "text", "pieces"),
    [
        ("english", "We bought wine, cheese, etc. She left early.", 2),
        ("english", "The house went to John Smith Sr. The family left the town in May.", 2),
        ("german", "Wir brauchen Plan B. Dann gehen wir nach Hause.", 2),
        ("german", "Die Sitzung ist am Fr. Die Stadt lädt alle ein.", 2),
        ("french", "Le mur mesure 3 m. Le reste du jardin est vide.", 2),
        ("english", "The answer was no. Then the meeting ended.", 2),
    ],
)
def test_a_sentence_that_ends_in_a_word_like_an_abbreviation_still_ends(language, text, pieces):
    assert len(split_sentences(text, language=language)) == pieces


def test_a_german_ordinal_opening_a_sentence_stays():
    body = ("1. FC Köln gewinnt das Derby gegen Gladbach mit zwei zu null vor vollem Haus.",)
    article = Article(url="https://e.org/k", title="Derby", paragraphs=body, source="s")
    assert summarize(article, sentences=1, algorithm="lead").sentences == body


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "english",
            (
                'The mill reopens in May. "We have the orders. We have the staff," said the owner, Lena Brandt. '
                "Work starts on Monday."
            ),
            (
                "The mill reopens in May.",
                '"We have the orders. We have the staff," said the owner, Lena Brandt.',
                "Work starts on Monday.",
            ),
        ),
        (
            "english",
            "Lena Brandt said: “We have the orders. We have the staff. What we lack is a bridge.” Work starts on Monday.",
            (
                "Lena Brandt said: “We have the orders. We have the staff. What we lack is a bridge.”",
                "Work starts on Monday.",
            ),
        ),
        (  # single marks are too often apostrophes or mistyped to join sentences
            "english",
            "‘The orders are in. The Brandts’ crew is ready,’ a welder said. Work starts on Monday.",
            ("‘The orders are in.", "The Brandts’ crew is ready,’ a welder said.", "Work starts on Monday."),
        ),
        (
            "english",
            "“He told us, ‘Pack your tools. The mill is closed.’ So we went home,” a welder said. Nobody came back.",
            (
                "“He told us, ‘Pack your tools. The mill is closed.’ So we went home,” a welder said.",
                "Nobody came back.",
            ),
        ),
        (
            "german",
            "„Wir haben die Aufträge. Wir haben die Leute“, sagte die Inhaberin. Im Mai geht es los.",
            ("„Wir haben die Aufträge. Wir haben die Leute“, sagte die Inhaberin.", "Im Mai geht es los."),
        ),
        (
            "french",
            "« Nous avons les commandes. Nous avons le personnel », a dit la patronne. Le travail reprend lundi.",
            ("« Nous avons les commandes. Nous avons le personnel », a dit la patronne.", "Le travail reprend lundi."),
        ),
    ],
)
def test_a_quotation_of_several_sentences_stays_one_sentence(language, text, expected):
    assert split_sentences(text, language=language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Apostrophes and an inch mark open and close no quotation.
        (
            "The Brandts' mill won't close. Its workers' union isn't worried. The 12\" pipes arrive in May.",
            ("The Brandts' mill won't close.", "Its workers' union isn't worried.", 'The 12" pipes arrive in May.'),
        ),
        (
            "The Brandts’ mill won’t close. Rock ’n’ roll nights go on. The ’90s hall reopens in May.",
            ("The Brandts’ mill won’t close.", "Rock ’n’ roll nights go on.", "The ’90s hall reopens in May."),
        ),
        (
            "It was the whistle heard ’round the valley. The mill's siren sounded at noon. Nobody came 'til one.",
            (
                "It was the whistle heard ’round the valley.",
                "The mill's siren sounded at noon.",
                "Nobody came 'til one.",
            ),
        ),
        # A quotation that ends a sentence inside another one does not end it.
        (
            "The town's “Slow down. Kids play here.” signs went up on Monday. Drivers ignored them.",
            ("The town's “Slow down. Kids play here.” signs went up on Monday.", "Drivers ignored them."),
        ),
        # A quotation the paragraph leaves open goes on in the next one, and one it closes began in the one before.
        (
            "The vote is on Friday. “We will fight this. We will win.",
            ("The vote is on Friday.", "“We will fight this. We will win."),
        ),
        (
            "We will not give up. We will win,” said Ruth Okoye. The vote is on Friday.",
            ("We will not give up. We will win,” said Ruth Okoye.", "The vote is on Friday."),
        ),
    ],
)
def test_apostrophes_do_not_join_sentences_and_a_quotation_crossing_a_paragraph_break_is_one_piece(text, expected):
    assert split_sentences(text) == expected


def test_single_quote_marks_neither_join_narrative_sentences_nor_keep_them_from_standing_alone():
    text = (
        "The ferry fare will rise to 6 pounds in May. The council said:’It is the only way to keep the ferry running.’ "
        "The vote is on Tuesday, and the harbour board meets on Friday."
    )
    pieces = split_sentences(text)
    assert len(pieces) == 3, pieces
    assert stands_alone("The fare goes up in May,’ said the council's transport chair, Ana Ruiz.")
    assert stands_alone(pieces[2])
