"""Summary sentences read on their own: never furniture, code, a table row, a lead-in, or a dangling pronoun."""

from __future__ import annotations

import pytest

from digest.extract.html import extract_html
from digest.models import Article
from digest.summarize.algorithms import PositionCentralitySummarizer, summarize
from digest.summarize.filters import (
    back_matter_start,
    candidates_in_paragraph,
    is_candidate,
    is_citation,
    opens_with_pronoun,
    stands_alone,
    transcript_speakers,
)

STORY = [
    (
        "The harbour authority in Kestrel Bay approved a plan on Tuesday to dredge the old fishing channel, ending "
        "three years of argument between the ferry operators and the shellfish farmers."
    ),
    (
        "The channel has silted up so badly since the storms of 2021 that the larger ferry can only cross it for two "
        "hours either side of high water, which has cut the winter timetable almost in half."
    ),
    (
        "Shellfish farmers had warned that dredging would stir up sediment over the oyster beds north of the pier, "
        "and the approved plan limits the dredging of the channel to the six weeks after the harvest ends."
    ),
    (
        "The dredging will cost about 2.4 million, most of it from a regional transport fund, and the authority "
        "expects the ferry timetable to run in full again by the start of the summer season."
    ),
]

FURNITURE = [
    "© 2024 Kestrel Bay Courier. All rights reserved.",
    "Sign up for our harbour newsletter to get the ferry timetable and dredging news in your inbox.",
    "Read more stories about the harbour, the ferry and the channel from other authors.",
    "Get a 0% intro APR on ferry tickets for 15 months with the Voyager card, and no annual fee. Apply now.",
    "Tags: harbour, ferry, channel, dredging, shellfish.",
    "This post is for paid subscribers.",
    "Continue reading with a free account to see the rest of the harbour report.",
    "This episode is brought to you by Stellar Sleep, the mattress for deep rest.",
    "Hi all, and welcome to issue 142 of the harbour letter.",
    "Welcome to this week's roundup of ferry and harbour news.",
]
CODE_AND_TABLES = [
    "channel_depth = (high_water - silt) / 2; if (channel_depth < 3) { cancel(ferry); }",
    "Ferry · Crossings · Channel depth · Dredging cost",
    "| Kestrel | 12 | 2.4 |",
    r"The depth follows d = \frac{h}{2} + \sum_{i} s_i for the channel.",
    "2.4m / 12 / 6 / 2021 / 3.5 / 2.0",
]
LEAD_IN = "The harbour master broke the news about the channel dredging and the ferry timetable to the farmers:"


def article(paragraphs: list[str]) -> Article:
    return Article(url="https://courier.example/dredging", title="Dredging approved", paragraphs=tuple(paragraphs))


@pytest.mark.parametrize("sentence", [*FURNITURE, *CODE_AND_TABLES, LEAD_IN])
def test_furniture_code_tables_and_lead_ins_are_no_candidates(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize("sentence", STORY)
def test_prose_is_a_candidate(sentence):
    assert is_candidate(sentence)


def test_summary_never_picks_furniture_code_tables_or_lead_ins_even_when_they_repeat_the_story():
    # Each bad line repeats the story's words, so centrality alone would like it.
    body = [
        STORY[0],
        *FURNITURE[:2],
        STORY[1],
        *CODE_AND_TABLES,
        LEAD_IN,
        STORY[2],
        FURNITURE[2],
        STORY[3],
        FURNITURE[3],
    ]
    picked = summarize(article(body), sentences=5).sentences
    assert set(picked) <= set(STORY)


@pytest.mark.parametrize(
    ("sentence", "pointing"),
    [
        ("Their boats cannot cross the bar at low water.", True),
        ("They had warned about the sediment for years.", True),
        ("“Them and the council never listened,” she said.", True),
        ("This means the ferry will run in full by June.", True),
        ("It was approved by seven votes to two.", True),
        ("It is not clear who will pay for the testing.", False),
        ("This year the harvest ends in March.", False),
        ("The farmers had warned about the sediment.", False),
        ("Theirs is a small town.", True),
        ("That was the last straw for the farmers.", True),
    ],
)
def test_opening_pronouns(sentence, pointing):
    assert opens_with_pronoun(sentence) is pointing


def test_a_sentence_with_a_dangling_pronoun_gives_way_to_one_of_similar_score(monkeypatch):
    body = [
        STORY[0],
        (
            "The ferry operators said the dredging of the channel was overdue and the timetable would return to full "
            "service once the work ends."
        ),
        "Crossings to the islands were cancelled on most winter days when the tide was low.",
        (
            "Their boats have missed two winters of crossings because of the silted channel, and the ferry timetable "
            "was cut almost in half."
        ),
        (
            "Ferry passengers said the channel work could not come soon enough after two winters of cancelled "
            "crossings and a timetable cut in half."
        ),
    ]
    picked = summarize(article(body), sentences=2).sentences
    assert not any(s.startswith("Their") for s in picked)
    # Without the rule, it would have been picked: the two were close.
    monkeypatch.setattr(PositionCentralitySummarizer, "pronoun_penalty", 0.0)
    assert any(s.startswith("Their") for s in summarize(article(body), sentences=2).sentences)


def test_a_dangling_pronoun_gives_way_even_to_a_sentence_that_scores_a_little_lower(monkeypatch):
    # "She" leads the sentences that elaborate on the story, but the name it stands for is in
    # the sentence before it, which the summary would leave out.
    body = [
        STORY[0],
        "Mara Quist has skippered the island ferry for nineteen years.",
        "She says the silted channel has cost the ferry two winters of crossings and cut the timetable almost in half.",
        "Shellfish farmers had warned that dredging would stir up sediment over the oyster beds north of the pier.",
        "The approved plan limits the dredging of the channel to the six weeks after the oyster harvest ends.",
        "Work on the channel is due to start in March, and the ferry timetable should return to full service by summer.",
    ]

    def dangling(picked: tuple[str, ...]) -> list[str]:
        return [s for s in picked if s.startswith("She") and body[body.index(s) - 1] not in picked]

    assert not dangling(summarize(article(body), sentences=2).sentences)
    # A penalty that only breaks near-ties keeps it: it scored ahead of the others.
    monkeypatch.setattr(PositionCentralitySummarizer, "pronoun_penalty", 0.1)
    assert dangling(summarize(article(body), sentences=2).sentences)


def test_a_pronoun_may_stay_when_the_sentence_it_points_to_is_picked():
    body = [
        "Kestrel Bay's two ferry operators run six crossings a day between the harbour and the islands in summer.",
        "Their boats have missed two winters of crossings because of the silted channel in Kestrel Bay harbour.",
    ]
    assert summarize(article(body), sentences=2).sentences == tuple(body)


def test_a_body_of_nothing_but_fragments_still_gets_its_lead():
    body = ["Ferry · Crossings · Depth", "Kestrel · 12 · 3.5", "Gull · 8 · 2.0"]
    assert summarize(article(body), sentences=2).sentences == tuple(body[:2])


def test_summaries_of_extracted_pages_carry_no_footnote_markers():
    glued = [
        STORY[0].replace("farmers.", "farmers.1"),
        STORY[1].replace("half.", "half,2 officials said."),
        STORY[2],
        STORY[3],
    ]
    html = "<html><head><title>Dredging approved</title></head><body><article>" + "".join(f"<p>{p}</p>" for p in glued)
    extracted = extract_html(html + "</article></body></html>")
    assert extracted is not None
    picked = summarize(extracted, sentences=3).sentences
    assert picked and not any(".1" in s or ",2" in s for s in picked)


def test_the_headline_printed_again_in_the_body_is_never_a_summary_sentence():
    headline = "Kestrel Bay Will Dredge Its Old Fishing Channel at Last (Finally!)"
    body = [headline, *STORY]
    story = Article(url="https://courier.example/dredging", title=headline, paragraphs=tuple(body))
    picked = summarize(story, sentences=3).sentences
    assert headline not in picked and len(picked) == 3


@pytest.mark.parametrize(
    "sentence",
    [
        "The council voted to keep reading rooms open on Sundays at the harbour library.",
        "Children who keep reading on holiday do better at school, the ferry survey found.",
        "The festival's sponsors include the Harbour Trust and two of the ferry operators.",
        "Hikers welcome the new harbour trail, which opened on Monday after two years of work.",
        "The dear old ferry returns to service on Monday, the operator said in a statement.",
    ],
)
def test_news_that_shares_words_with_a_paywall_or_a_sponsor_read_is_a_candidate(sentence):
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Q: Why fibre, and why now?",
        "A: Because the copper network is forty years old.",
        "Question: What did the council decide on Tuesday night?",
    ],
)
def test_interview_labels_are_no_candidates(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize("algorithm", ["default", "lead"])
def test_a_quotation_that_goes_on_in_the_next_paragraph_is_not_cut_out_of_it(algorithm):
    body = (
        "The health board voted on Monday to close the clinic in Marrow Bay at the end of the year.",
        "“If you close it, you are telling us that our health does not matter. We will have to drive an hour.",
        "We will not accept that,” said Ruth Okoye, who chairs the residents' group.",
        "The board said the clinic sees fewer than ten patients a day and costs too much to staff.",
        "A public meeting is planned for next week in the village hall, the board said on Monday.",
    )
    article = Article(url="https://e.org/c", title="Clinic to close", paragraphs=body, source="s")
    picked = summarize(article, sentences=3, algorithm=algorithm).sentences
    assert not [s for s in picked if s.startswith("“")], picked


def test_a_thing_expected_to_do_something_is_a_pronoun_pointing_back():
    assert opens_with_pronoun("It is expected to cut carbon emissions by 150,000 tonnes a year.")
    assert not opens_with_pronoun("It is expected that prices will rise in the spring.")


def test_an_initial_is_no_interview_label():
    assert is_candidate("A. J. Smith said the plan would work across the whole region.")


EDITORIAL_NOTES = [
    "Editor's note: A previous version of this article gave the wrong date for the harbour vote.",
    "Editors’ Note: The ferry operator was given a chance to respond before this story ran.",
    "Correction: The dredging will cost 2.4 million, not 4.2 million as first reported.",
    "CLARIFICATION (June 4): Tidewater Lines is a private company, not a council service.",
    "An earlier version of this report misspelled the name of the harbour master.",
    "This article has been amended to correct the cost of the dredging.",
    "This story was updated on Friday with a response from the shellfish farmers.",
]


@pytest.mark.parametrize("sentence", EDITORIAL_NOTES)
def test_editorial_notes_and_corrections_are_no_candidates(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Correction officers at the county jail voted on Monday to strike over staffing.",
        "The update to the ferry timetable takes effect in June, when the channel reopens.",
        "Updated flood maps show that 300 more homes in Kestrel Bay are at risk.",
        "An earlier version of the bill had put the cost of the dredging at 4.2 million.",
        "The harbour authority said the plan has been updated to protect the oyster beds.",
        "Editors at the Courier met the harbour master on Monday to discuss the dredging.",
    ],
)
def test_news_about_corrections_updates_and_earlier_versions_is_a_candidate(sentence):
    assert is_candidate(sentence)


def test_the_sentences_that_go_on_with_an_editorial_note_in_its_paragraph_are_no_summary_sentences():
    note = (
        "Editor's note: An earlier version of this article named the wrong ferry operator in Kestrel Bay. "
        "The operator of the harbour ferry is Tidewater Lines, not Tideway Ferries. "
        "The ferry operator's name has been corrected throughout."
    )
    picked = summarize(article([note, *STORY]), sentences=3).sentences
    assert set(picked) <= set(STORY), picked
    # A note further down, after the story's own paragraphs, is no candidate either.
    picked = summarize(article([*STORY[:2], note.replace("Editor's note", "Correction"), *STORY[2:]])).sentences
    assert set(picked) <= set(STORY), picked


APPEALS = [
    "If every reader of the Courier gave the price of a coffee a month, our harbour desk would be paid for.",
    "Reporting like this costs money, and it is paid for by readers rather than advertisers.",
    "Independent local reporting like ours takes months of work and real money.",
    "Thank you for reading the Kestrel Bay Courier to the very end.",
    "Your donations keep our reporters on the waterfront every week of the year.",
    "Any gift, however small, helps our newsroom stay independent of the harbour's owners.",
    "Before you go, we would like to ask you a small favour.",
    "We depend on readers like you to keep the Courier free to read.",
    # Imperatives and slogans that ask for support of journalism without naming the publication.
    "Support independent local journalism!",
    "Please support quality journalism on the coast today.",
    "Fund local news.",
    "Donate to keep local reporting strong.",
    "Keep independent journalism alive.",
    "Help sustain nonprofit news in Kestrel Bay.",
    "Independent journalism needs your support.",
    "Local news depends on readers like you.",
    "Stand up for facts: become a member.",
    "Become a paying subscriber for full access.",
]
AUTHOR_CONTACTS = [
    "You can reach him with tips on Signal or WhatsApp at 555-0173.",
    "Send her story ideas by email at m.quist@courier.example.",
    "She can be contacted by phone on 01632 960123.",
    "Email the newsroom at harbour@courier.example with questions about this story.",
    "Contact the reporter on Twitter at @mquist_courier.",
    "Have a news tip about the harbour or the ferry?",
]


@pytest.mark.parametrize("sentence", APPEALS)
def test_a_publications_appeal_to_its_readers_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize("sentence", AUTHOR_CONTACTS)
def test_how_to_reach_the_author_or_the_newsroom_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Donations to the lifeboat charity doubled after the storm, its chairman said.",
        "The lifeboat station relies on donations from the public for most of its funding.",
        "The Courier's newsroom moved to a smaller office on the quay last year to cut costs.",
        "The nonprofit newsroom is funded by its readers and two local foundations.",
        "Our reporting found that money from the dredging fund was spent on the marina instead.",
        "If you want to help, the lifeboat charity takes donations online and at the harbour office.",
        "“We rely on donations from people like you,” the station manager told the meeting.",
        "Residents can report flooding to the council by phone on 01632 960000 or by email.",
        "Anyone who saw the collision is asked to call police on 101 or email the incident team.",
        "Fans follow her on Instagram, where she posts videos from the ferry's wheelhouse.",
        "Friends call him the harbour's unofficial mayor, and the ferry crews agree.",
        "The harbour master can be reached only by radio when the ferry is at sea.",
        "Police said tips from the public had led them to the stolen boat within a day.",
        "Support for local journalism has fallen as advertising moved online, the study found.",
        "Funding local news is the aim of the new state grant, which opens in March.",
        "Donate blood at the harbour clinic, the health board urged after the storm.",
        "Keep an eye on the tide tables before walking out to the island.",
        "Local news outlets depend on advertising for most of their income, the report said.",
        "She had become a member of the lifeboat crew at seventeen.",
    ],
)
def test_news_about_donations_newsrooms_funding_and_phone_numbers_is_a_candidate(sentence):
    assert is_candidate(sentence)


def test_no_sentence_of_an_appeal_or_of_the_authors_box_is_a_summary_sentence():
    # An appeal box opens with its ask, an author's box with how to reach them.
    appeal = (
        "Will you stand with us and give what you can? "
        "Independent reporting on the harbour and the ferry has never mattered more."
    )
    box = (
        "You can reach her with story tips by email at m.quist@courier.example. "
        "Mara Quist covers the harbour, the ferry and the islands for the Courier. "
        "Before that she skippered the island ferry for nineteen years."
    )
    body = [STORY[0], STORY[1], appeal, STORY[2], STORY[3], box]
    picked = summarize(article(body), sentences=5).sentences
    assert set(picked) <= set(STORY), picked


@pytest.mark.parametrize(
    "sentence",
    [
        '"We are not giving up on the mill, whatever the bank decides.',
        'We never said we would sell it," said the owner, Lena Brandt, on Monday.',
        "“The orders are there, and the staff are ready to start in May.",
        "The staff are ready to start in May,” said the owner, Lena Brandt.",
        "She called the mill “the best employer in the valley, and it always will be.",
    ],
)
def test_a_sentence_with_an_unbalanced_quotation_mark_does_not_stand_alone(sentence):
    assert not stands_alone(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The Brandts' mill won't close before the end of the year, the union said.",
        "The owners’ lawyers said the workers’ claims would be heard in May.",
        "“We have the orders,” said the owner, Lena Brandt, on Monday.",
        "She called the plan ‘a lifeline for the valley’ and said work starts in May.",
        "“He told us, ‘Pack your tools,’ and we did,” said a welder at the mill.",
        "Rock 'n' roll nights at the mill hall sold out within an hour, organisers said.",
        "The mill's new line makes 12\" pipes for half the cost of the old one.",
        "« Nous avons les commandes », a dit la patronne de la scierie lundi.",
        "It was the whistle heard ’round the valley when the mill reopened in May.",
        "그는 기자회견에서 ‘공정한 경쟁’이라는 말을 여러 번 강조했다.",
    ],
)
def test_apostrophes_and_closed_quotations_leave_a_sentence_standing_alone(sentence):
    assert stands_alone(sentence)
    assert is_candidate(sentence)


@pytest.mark.parametrize("algorithm", ["default", "lexrank", "luhn"])
def test_a_quotation_of_several_sentences_is_never_cut_in_half_in_a_summary(algorithm):
    # The quotation's two halves repeat the story's words, so centrality alone would like each of them.
    body = [
        "The owner of the Brandt paper mill said on Monday that the mill would reopen in May with sixty workers.",
        (
            '"The Brandt paper mill will reopen in May with sixty workers. We never said the mill would close for '
            'good," said the owner, Lena Brandt. "We have the orders, and we have the staff."'
        ),
        "The mill closed in January after a flood damaged its two paper machines and the bridge to the yard.",
        "The bank that holds the mill's loans agreed last week to delay repayments until the end of the year.",
    ]
    picked = summarize(article(body), sentences=3, algorithm=algorithm).sentences
    assert picked, picked
    for sentence in picked:
        assert sentence.count('"') % 2 == 0, picked


@pytest.mark.parametrize("algorithm", ["default", "lexrank", "luhn"])
def test_a_sentence_that_opens_a_quotation_going_on_in_the_next_paragraph_is_no_summary_sentence(algorithm):
    body = [
        "The Brandt paper mill in Oberau will reopen in May, the company said on Monday.",
        (
            "The owner, Lena Brandt, told the workers on Monday: “The paper mill reopens in May with sixty workers "
            "and two new paper machines."
        ),
        "“We have the orders, and we have the workers. What we do not have yet is a bridge to the yard.”",
        "The mill closed in January after a flood damaged its paper machines and the bridge to the yard.",
        "The bank that holds the mill's loans agreed last week to delay repayments until the end of the year.",
        "Sixty workers will return to the paper mill in May, and the new machines arrive in April.",
    ]
    picked = summarize(article(body), sentences=3, algorithm=algorithm).sentences
    assert len(picked) == 3, picked
    assert set(picked) <= set(body) - {body[1]}, picked


@pytest.mark.parametrize(
    "sentence",
    [
        "[00:12:09] MARA QUIST: The channel silted up after the storms of 2021, and nobody dredged it.",
        "[1:02:33] Jonas Hale: We asked the harbour authority for the dredging report twice this winter.",
        "(14:52) So the ferry only runs for two hours either side of high water these days.",
        "03:17 The ferry crews have been saying this for three winters, and nobody listened to them.",
        "Mara Quist (00:14:09): The channel silted up after the storms of 2021, and nobody dredged it.",
    ],
)
def test_a_timestamped_transcript_line_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "10:30 a.m. is when the first ferry leaves the harbour on weekdays, the operator said.",
        "The ferry leaves at 10:30 every weekday and returns at 4:15 in the afternoon.",
        "KESTREL BAY: The harbour authority approved a plan on Tuesday to dredge the fishing channel.",
    ],
)
def test_a_time_of_day_or_a_dateline_is_no_transcript_label(sentence):
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Welcome to Harbour Hours.",
        "Hello and welcome to the show.",
        "Hi everyone, and welcome back to Harbour Hours, the podcast about life on the coast.",
        "Good evening and welcome to our live coverage of the storm, which reached the coast overnight.",
        "Welcome back to another episode of the harbour podcast with Mara Quist and Jonas Hale.",
    ],
)
def test_a_show_or_a_live_blog_greeting_is_no_candidate(sentence):
    assert not is_candidate(sentence)


def test_a_welcome_that_tells_the_story_is_a_candidate():
    assert is_candidate("Welcome to Kestrel Bay, where the ferry has not run on time for two winters.")


SHOW_NOTES = [
    (
        "Kestrel Bay's ferry has lost two winters of crossings to a silted channel, and the harbour authority has "
        "finally approved a plan to dredge it."
    ),
    (
        "Skipper Mara Quist tells Jonas Hale why the channel silted up after the storms of 2021 and what the dredging "
        "will mean for the island ferry timetable."
    ),
]
TRANSCRIPT = [
    "JONAS HALE: Welcome to Harbour Hours. My guest today has skippered the Kestrel Bay island ferry for nineteen years.",
    (
        "MARA QUIST: Thanks, Jonas. The ferry channel silted up after the storms of 2021, and the harbour authority "
        "never dredged the channel."
    ),
    "JONAS HALE: So the island ferry only crosses the silted channel at high water now?",
    (
        "MARA QUIST: Exactly. The island ferry timetable was cut in half, and the dredging of the channel is the only "
        "way to bring the ferry back."
    ),
]


def test_the_turns_of_a_transcript_with_speaker_labels_are_no_summary_sentences():
    # A transcript stamps its lines with times, if only some of them.
    picked = summarize(article([*SHOW_NOTES, "[00:00:04] " + TRANSCRIPT[0], *TRANSCRIPT[1:]]), sentences=3).sentences
    assert picked, picked
    assert set(picked) <= set(SHOW_NOTES), picked


def test_the_turns_of_a_timestamped_transcript_are_no_summary_sentences():
    stamped = [f"[00:0{n}:1{n}] {turn}" for n, turn in enumerate(TRANSCRIPT)]
    picked = summarize(article([*SHOW_NOTES, *stamped]), sentences=3).sentences
    assert picked, picked
    assert set(picked) <= set(SHOW_NOTES), picked


def test_a_label_that_opens_one_paragraph_only_is_no_speaker():
    dateline = "KESTREL BAY: The harbour authority approved a plan on Tuesday to dredge the old fishing channel."
    picked = summarize(article([dateline, *STORY[1:]]), sentences=3).sentences
    assert dateline in picked, picked


def test_the_speakers_of_a_transcript_are_the_names_that_open_two_or_more_turns():
    stamped = [*SHOW_NOTES, "[00:00:04] " + TRANSCRIPT[0], *TRANSCRIPT[1:]]
    assert transcript_speakers(stamped) == {"jonas hale", "mara quist"}
    title = ["Harbour Lights: The Musical", "Harbour Lights: The Musical opens at the pier theatre on Friday."]
    assert transcript_speakers(title) == frozenset()


STORY_OPENING = "Halvard Marine said on Monday it would build a ferry yard on the north quay of Kestrel Bay."


@pytest.mark.parametrize(
    "dateline",
    [
        "KESTREL BAY, June 4, 2024 /HarbourWire/ -- ",
        "OSLO and ABERDEEN, Feb. 12, 2024 /PRNewswire/ -- ",
        "BERGEN (Nordic Press) - ",
        "PORTLAND, Maine, March 9 (AP) — ",
        "(CNN) -- ",
        "ATLANTA, Georgia (CNN) -- ",
        "SAN DIEGO--(BUSINESS WIRE)--",
        "ST. JOHN'S, Newfoundland, Oct. 03, 2023 (GLOBE NEWSWIRE) -- ",
        "KYIV — ",
        "(Nordic Press)",
        "FOR IMMEDIATE RELEASE KESTREL BAY, June 4, 2024 -- ",
    ],
)
def test_a_summary_sentence_reads_from_the_storys_first_word_after_a_dateline(dateline):
    body = [dateline + STORY_OPENING, *STORY]
    picked = summarize(article(body), sentences=5).sentences
    assert STORY_OPENING in picked, picked
    assert is_candidate(dateline + STORY_OPENING)


@pytest.mark.parametrize(
    "sentence",
    [
        "NASA said on Monday that the probe had reached the harbour of Kestrel Bay.",
        "U.S. officials - who asked not to be named - said the ferry deal was close.",
        "NATO - the alliance's harbour command - will move to the north quay next year.",
        "The BBC (British Broadcasting Corporation) - a public broadcaster - filmed the dredging.",
        "OK -- the ferry runs again from Tuesday.",
        "Kestrel Bay, June 4 - the ferry ran late again.",
    ],
)
def test_an_ordinary_opening_is_no_dateline(sentence):
    picked = summarize(article([sentence, *STORY]), sentences=5).sentences
    assert sentence in picked, picked


RELEASE_BOILERPLATE = [
    "For immediate release.",
    "About Halvard Marine: Halvard Marine builds electric ferries for island routes across the North Sea.",
    "This announcement contains forward-looking statements within the meaning of securities laws.",
    "Actual outcomes could differ materially from those the company expects today.",
    "Readers should not place undue reliance on these statements, which speak only as of today.",
    "The company undertakes no obligation to update or revise any of these statements.",
    "Press contact: Sigrid Vale, +47 22 55 01 99, press@halvard.example.",
    "Investor Relations: Tom Birk, ir@halvard.example, 555-0142.",
    "SOURCE Halvard Marine ASA.",
]


@pytest.mark.parametrize("sentence", RELEASE_BOILERPLATE)
def test_a_press_releases_boilerplate_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The regulator said the company's forward-looking statements had misled small investors.",
        "Results of the water tests may differ materially between the two ends of the channel, the study found.",
        "About two hundred people came to the harbour to watch the first ferry leave.",
        "About Time, the ferry company's first boat, was launched in 1998.",
        "The statements the ferry company made in March turned out to be wrong.",
        "The company's results for the year were better than the harbour authority had expected.",
        "Anyone who saw the collision is asked to call police on 555-0100 or email tips@police.example.",
        "Source code for the ferry's booking system was published on Monday.",
    ],
)
def test_news_about_statements_results_and_contacts_is_a_candidate(sentence):
    assert is_candidate(sentence)


def test_the_back_matter_of_a_press_release_never_reaches_the_summary():
    back_matter = [
        "About Halvard Marine",
        "Halvard Marine builds electric ferries and charging quays for island routes in Norway and Scotland.",
        "Forward-Looking Statements",
        (
            "This release includes statements about the yard's opening and the jobs it will bring. "
            "These statements rest on the company's current plans for the ferry yard in Kestrel Bay."
        ),
        "Media Contacts",
        "Sigrid Vale, Head of Communications.",
        "The harbour ferry yard will employ about eighty people in Kestrel Bay when it opens.",
    ]
    body = ["FOR IMMEDIATE RELEASE", "KESTREL BAY, June 4, 2024 /HarbourWire/ -- " + STORY_OPENING, *STORY]
    picked = summarize(article([*body, *back_matter]), sentences=6).sentences
    assert set(picked) <= {STORY_OPENING, *STORY}, picked


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        (
            [
                "Backing for the tunnel fell to 38 per cent, a survey released on Tuesday showed.",
                "Our magazine's survey, funded by the harbour trust, polled 1,500 islanders.",
            ],
            [True, True],
        ),
        (
            [
                "Our newsroom lost a third of its funding this spring, the Courier's editor wrote to staff.",
                "The cuts will close the island bureau and end the weekend edition in June.",
            ],
            [True, True],
        ),
        (
            [
                "The ferry will run twice a day from May, the operator said on Friday.",
                "Your donations keep our reporters on the waterfront every week of the year.",
                "Tickets for the new service go on sale at the harbour office next week.",
            ],
            [True, False, True],
        ),
        (
            [
                "Your donations keep our reporters on the waterfront every week of the year.",
                "Every gift, large or small, goes to the harbour desk.",
            ],
            [False, False],
        ),
    ],
)
def test_an_appeal_takes_its_paragraph_only_when_it_opens_it(sentences, expected):
    assert candidates_in_paragraph(sentences) == expected


def test_a_live_blogs_update_is_news():
    update = [
        "Update: The coast road at Kestrel Bay has reopened after a four-hour closure.",
        "Police said the lorry that overturned near the harbour had been towed away.",
    ]
    assert is_candidate(update[0])
    assert candidates_in_paragraph(update) == [True, True]
    assert is_candidate("Updated, 6 p.m.: The ferry is running again on its usual timetable.")


def test_an_about_subheading_in_the_middle_of_a_story_is_no_back_matter():
    story = [
        "The island of Hoy will get a new ferry pier next spring, the council said on Monday.",
        "About Lyness",
        "The navy's base in both world wars, Lyness has not had its pier repaired since 1946.",
        "The new pier will take ferries of up to 90 metres and open in April.",
    ]
    assert back_matter_start(story) == len(story)
    release = [
        "Halvard Marine opens its ferry yard in Kestrel Bay today.",
        "About Halvard Marine",
        "Halvard Marine, founded in 2009, builds electric ferries for island routes.",
    ]
    assert back_matter_start(release) == 1
    after_a_sign = ["Halvard Marine opens its yard today.", "Media Contacts", "Sigrid Vale.", "About Lyness", "Text."]
    assert back_matter_start(after_a_sign) == 1
    assert back_matter_start(["Story.", "###", "About Lyness", "Lyness is a village."]) == 1
    disclaimer = "Actual results could differ materially from those in forward-looking statements."
    assert back_matter_start(["Story.", disclaimer, "About Lyness", "Text."]) == 2


@pytest.mark.parametrize(
    "sentence",
    [
        '(CNN)"We are not leaving the harbour," the ferry crews chanted on Tuesday night.',
        '[Updated]"The pier is safe," the harbour master said after the inspection.',
    ],
)
def test_a_quote_mark_right_after_a_parenthesis_opens_a_quotation(sentence):
    assert stands_alone(sentence)


def test_an_advice_column_or_an_interview_in_turns_without_timestamps_is_no_transcript():
    column = [
        "DEAR ABBY: My neighbour parks his boat on my drive every weekend and laughs when I complain.",
        "DEAR ABBY: Should I call the harbour police, or is there a kinder way to settle it?",
    ]
    assert transcript_speakers(column) == frozenset()
    interview = [
        "Mayor Quist: We will rebuild the pier by next spring, and the ferry will run all winter.",
        "Jonas Hale: Who pays for the new pier?",
        "Mayor Quist: The council pays half, and the harbour trust has promised the rest.",
        "Jonas Hale: And the islanders?",
        "Mayor Quist: They will not pay a penny more for the ferry while the work goes on.",
    ]
    assert transcript_speakers(interview) == frozenset()
    picked = summarize(article(interview), sentences=3).sentences
    assert len(picked) == 3, picked
    dear = ["[00:00:04] Mara Quist: Hello.", "Dear Abby: One. Two.", "Dear Abby: Three. Four."]
    assert transcript_speakers(dear) == frozenset()


PAYWALL_LINES = [
    "You've read all of your free articles this month.",
    "You have reached your limit of free stories for this month.",
    "This is your last free article before the harbour paywall.",
    "Already a subscriber?",
    "Already have an account?",
    "Subscribe to continue reading.",
    "This article is for subscribers only.",
    "Create a free account to keep reading.",
    "Log in or register to keep reading the Courier's harbour coverage.",
    "You have reached your monthly limit.",
    "Keep reading.",
    "Cancel anytime.",
]


@pytest.mark.parametrize("sentence", PAYWALL_LINES)
def test_a_paywalls_or_a_log_in_prompts_lines_are_no_candidates(sentence):
    assert not is_candidate(sentence)


def test_a_paywall_is_never_a_summary_sentence():
    body = [*STORY[:2], "You've read all of your free articles this month.", "Already a subscriber? Log in", *STORY[2:]]
    picked = summarize(article(body), sentences=4).sentences
    assert set(picked) <= set(STORY), picked


SPONSOR_READS = [
    [
        "This episode is sponsored by Tidewell.",
        "Use code HARBOUR for 20% off your first order.",
        "Tidewell makes the waterproof jackets our crew wears on the ferry.",
    ],
    [
        "Today's newsletter is brought to you by Ferrylink.",
        "Book your crossing at ferrylink.example and save on every trip to the islands.",
    ],
    [
        "Thanks to this week's sponsor, Saltmarsh Coffee.",
        "Their new harbour blend is roasted in small batches on the quay.",
    ],
]


@pytest.mark.parametrize("sentences", SPONSOR_READS)
def test_a_paragraph_that_opens_with_a_sponsor_line_is_the_ad_all_of_it(sentences):
    assert candidates_in_paragraph(sentences) == [False] * len(sentences)


def test_the_sentences_after_a_sponsor_line_in_its_paragraph_go_with_it():
    sentences = [STORY[0], "This episode is sponsored by Tidewell.", "Tidewell makes waterproof jackets for crews."]
    assert candidates_in_paragraph(sentences) == [True, False, False]


@pytest.mark.parametrize(
    "sentence",
    [
        "Use code KESTREL for 20% off your first box.",
        "Get 30% off your first month with promo code BAY30.",
        "Support the show on Patreon and get ad-free episodes.",
        "You can support this podcast at ko-fi.com/harbourtalk.",
        "Buy me a coffee if you enjoy these harbour notes.",
        "Become a patron to get bonus episodes every week.",
        "Join our Patreon for early access to every episode.",
        "If you like the show, please support us on Patreon.",
    ],
)
def test_a_promotion_or_an_appeal_for_the_show_is_no_candidate(sentence):
    assert not is_candidate(sentence)


def test_no_sentence_of_a_sponsor_read_is_a_summary_sentence():
    ad = (
        "This episode is sponsored by Tidewell, the harbour's own outfitter. "
        "Use code FERRY for 20% off your first order of jackets for the ferry crossing. "
        "Tidewell jackets keep the ferry crews dry through the winter timetable."
    )
    body = [STORY[0], ad, STORY[1], "Support the show on Patreon and get ad-free episodes.", *STORY[2:]]
    picked = summarize(article(body), sentences=4).sentences
    assert set(picked) <= set(STORY), picked


AFFILIATE_DISCLOSURES = [
    "When you buy through our links, we may earn an affiliate commission.",
    "As an Amazon Associate I earn from qualifying purchases.",
    "We may receive a commission if you buy something through the links on this page.",
    "This post may contain affiliate links.",
    "The Courier may earn a commission from products bought through links in this article.",
]


@pytest.mark.parametrize("sentence", AFFILIATE_DISCLOSURES)
def test_an_affiliate_disclosure_is_no_candidate(sentence):
    assert not is_candidate(sentence)


STATISTICS_LINES = [
    "KESTREL BAY (58): Quist 19, Hale 12, Okoye 11, Marsh 8, Vane 6, Lind 2.",
    "3-pointers: Kestrel Bay 5 (Quist 3, Hale 2); Marrow 7 (Lind 4, Okoye 2, Vane).",
    "Total fouls: Kestrel Bay 17, Marrow 20.",
    "Results: Labour 12,345; Conservatives 10,210; Greens 3,456.",
    "Quist 19, Hale 12, Okoye 11, Marsh 8.",
]


@pytest.mark.parametrize("sentence", STATISTICS_LINES)
def test_a_box_score_or_a_results_line_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The company earned $4 billion in 2023, up 12%.",
        "Quist scored 19 points, Hale added 12 and Okoye had 11 rebounds.",
        "Kestrel Bay beat Marrow 58-51 on Friday, its first win in 12 games.",
        "Smith, 42, Jones, 38, and Brown, 27, were arrested on Monday.",
        "The box score showed Quist with 19 points, Hale with 12 and Okoye with 11.",
        "Routes 9, 22 and 46 were closed after the storm, and the A12 reopened at noon.",
        "Turnout: 64%, up from 58% in 2019.",
    ],
)
def test_a_sentence_with_numbers_in_it_is_a_candidate(sentence):
    assert is_candidate(sentence)


def test_a_box_score_is_never_a_summary_sentence():
    box = STATISTICS_LINES[0]
    body = [*STORY[:2], box, box.replace("Quist", "Quist's ferry"), *STORY[2:], STATISTICS_LINES[1]]
    picked = summarize(article(body), sentences=4).sentences
    assert box not in picked and STATISTICS_LINES[1] not in picked, picked


LIVE_PROMPTS = [
    "Follow our live coverage.",
    "Refresh for the latest.",
    "Follow along here for updates.",
    "This story will be updated.",
    "Check back later for updates on the ferry.",
    "This is a developing story.",
    "Refresh this page for the latest updates on the storm.",
    "For the latest updates on the storm, follow our live blog.",
]


@pytest.mark.parametrize("sentence", LIVE_PROMPTS)
def test_a_live_coverage_prompt_is_no_candidate(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        # paywalls, subscribers and log-ins in the news
        "The newspaper said subscribers had fallen by 10% since it put its stories behind a paywall.",
        "The Courier put its website behind a paywall in 2019, and readers now get five free articles a month.",
        "Already a member of the harbour board, she was elected its chair on Monday.",
        "The library's new app lets children keep reading when the building is closed.",
        "Keep reading glasses in a hard case, the optician advised.",
        "Hackers stole the log-in details of 40,000 ferry passengers, the operator said.",
        # sponsors, promotions, podcasts and Patreon in the news
        "The bill, sponsored by Senator Ruth Okoye, passed the harbour committee on Tuesday.",
        "The podcast, which is sponsored by a local brewery, has 20,000 listeners.",
        "The festival's main sponsor, Tidewell, pulled out on Friday after a row over fees.",
        "Patreon said on Monday that it would cut 80 jobs.",
        "Fans launched a campaign to support the show after the network cancelled it.",
        "Sponsored by the harbour trust, the survey counted 300 seals on the sandbanks.",
        "Back to the show, the host turned to the ferry timetable.",
        "Support for the show has grown since the ferry episode aired in March.",
        "Shops cut the price of winter coats by 40% after a mild autumn.",
        "Insulating a loft can take 20% off your energy bill, the harbour council said.",
        "Use code like this to read the tide gauge's data every hour.",
        # affiliate links, Amazon and commissions in the news
        "Amazon said on Thursday that its sales rose 12% in the third quarter.",
        "Estate agents earn a commission of about 1% on each house they sell.",
        "The European Commission fined the retailer 1.2 billion euros on Monday.",
        "The retailer cut the commissions it pays to websites that link to its products.",
        # live coverage and updates in the news
        "Follow-up inspections found cracks in two of the pier's supports.",
        "Follow the coast path along the cliffs to the lighthouse.",
        "The council said its flood maps will be updated next year.",
        "The BBC's live coverage of the race drew four million viewers.",
        "Crews worked through the night to refresh the harbour's fuel supplies.",
    ],
)
def test_news_about_paywalls_sponsors_affiliates_and_live_coverage_is_a_candidate(sentence):
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        # a checkout or a discount told of in the third person, or attributed
        "About 2,400 ferry passengers were charged twice at checkout on Friday after an update failed, the operator said.",
        "Self-service tills at checkout have halved the number of cashiers at the harbour supermarket.",
        "The aquarium will offer 30% off your first visit to islanders this winter, the harbour council said.",
        # affiliate links and commissions in the news
        "Under the new code, harbour bloggers must label affiliate links clearly.",
        "The lawsuit alleges the ferry guide hid affiliate commissions from its readers for years.",
        "Some of the Courier's lost advertising revenue has been replaced by affiliate commissions.",
        # "brought to you by" and a sponsored show told of in the third person
        "The regatta is brought to you by the same volunteers who ran the harbour fair for twenty years.",
        "This year's show is sponsored by the Kestrel Bay Savings Bank for the first time.",
    ],
)
def test_news_of_checkouts_discounts_affiliates_and_sponsors_is_a_candidate(sentence):
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Get 30% off your first month of harbour tours.",
        "Save 15% at checkout on every ferry crossing this weekend.",
        "You'll get 20% off your first order of oysters.",
        "Brought to you by Tidewell.",
        "This episode is brought to you by Tidewell.",
        "This post contains affiliate links.",
        "Our guides may include affiliate links, and we earn from qualifying purchases.",
    ],
)
def test_an_offer_to_the_reader_or_the_page_naming_its_sponsor_or_its_links_is_no_candidate(sentence):
    assert not is_candidate(sentence)


def test_a_sentence_that_tells_of_a_festivals_volunteers_keeps_the_rest_of_its_paragraph():
    sentences = [
        "The regatta is brought to you by the same volunteers who ran the harbour fair for twenty years.",
        "They raised 12,000 for the lifeboat station last summer.",
    ]
    assert candidates_in_paragraph(sentences) == [True, True]


REFERENCES = [
    "Okafor, T. & Wren, B. Tidal mixing over the oyster beds of a shallow harbour. Estuarine Letters 14, 301–318 (2021).",
    "Okafor, T., Wren, B. (2019). Silt and the winter ferry. Harbour Studies 12, 34–56.",
    "Brennan, O. J., Wren, T. and Hao, W. (2022) Seal counts on the sandbanks. Marine Notes, 4(2), pp. 11-19.",
    "Hao, W. et al. Dredging and shellfish in a small bay. Coastal Science 9, 1120–1131 (2023).",
    "2. Hao, W. Dredging and shellfish in a small bay. Coastal Science 9, 1120–1131 (2023).",
    "Okafor T, Wren B, Hao W. Silt in shallow channels. Estuar Lett. 2021;14:301-18.",
    'Cite this page: Kestrel Bay Courier. "Dredging approved." 4 March 2025.',
]


@pytest.mark.parametrize("reference", REFERENCES)
def test_a_reference_or_a_citation_is_no_summary_sentence_in_any_of_its_parts(reference):
    assert is_citation(reference)
    picked = summarize(article([*STORY[:2], "References", reference, *STORY[2:]]), sentences=5).sentences
    assert set(picked) <= set(STORY), picked


@pytest.mark.parametrize(
    "sentence",
    [
        "Washington, D.C., officials said on Monday that the ferry subsidy would be extended.",
        "Washington, D.C. (AP) - The Senate voted on Tuesday to extend the ferry subsidy.",
        "Okafor, 42, Wren, 38, and Hao, 27, were arrested on Monday.",
        "T. Okafor and B. Wren reported in 2021 that the oyster beds had recovered.",
        "Pier B, Gate C and Gate D were closed after the storm.",
    ],
)
def test_a_sentence_that_names_places_or_people_with_commas_is_no_citation(sentence):
    assert not is_citation(sentence)
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Lisbon, Ohio, and Salem, Ore., both closed their schools on Friday after the ice storm.",
        "Hartford, Conn., and Albany, N.Y., each reported more than a foot of snow overnight.",
    ],
)
def test_places_with_their_states_going_on_as_a_sentence_are_no_citation(sentence):
    assert not is_citation(sentence)
    assert candidates_in_paragraph([sentence, "Schools reopened on Tuesday."]) == [True, True]


@pytest.mark.parametrize(
    "sentence",
    [
        # a pledge, a warning or an urging attributed to a source, whatever the verb
        "We will have more ferries on the crossing by spring, harbour master Aoife Byrne pledged on Monday.",
        "We'll have more to say about the budget next week, the council's leader vowed.",
        "Check back often for the revised timetable, Port Director Sam Idris urged commuters.",
        "Check back later for road closures, officials warned residents on Tuesday.",
        # the noun, not the imperative
        "Shop owners along the quay are offering 30% off to bring visitors back in winter.",
        "Use of paper vouchers offering 10% off fell by half last year, the traders' association found.",
        "Order books at the yard were full, and buyers took 15% off list prices in the autumn.",
        # the meter told of in the third person
        "Under the new scheme, readers who register will have five free articles remaining each month.",
        # an evening's show told of in the past, by a review
        "Last night's show was presented by the Kestrel Bay Arts Trust, which has funded the choir since 2018.",
    ],
)
def test_a_prompt_s_words_reported_or_in_the_third_person_are_news(sentence):
    assert is_candidate(sentence), sentence
    assert candidates_in_paragraph([sentence, "The plan goes to a vote in March."]) == [True, True]


@pytest.mark.parametrize(
    "sentence",
    [
        "We'll have more on this story as it develops.",
        "You have 2 free articles remaining this month.",
        "Shop now and save 20% at checkout.",
        "This week's show is presented by Ferrylink.",
        "This video was sponsored by Tidewell.",
    ],
)
def test_the_page_s_own_prompts_are_still_no_summary_sentences(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Mara Dunn started a weekly canal newsletter in 2019 with 40 readers.",
        "About 18,000 of the newsletter's 90,000 readers now pay for it.",
        "She plans to launch a second newsletter, on boat restoration, in the spring.",
    ],
)
def test_a_story_about_a_newsletter_is_news(sentence):
    assert is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Get our free newsletter delivered every morning.",
        "You are reading the Towpath Notes newsletter.",
        "Forward this newsletter to a friend.",
        "Cet article est réservé aux abonnés.",
        "Dieser Artikel ist nur für Abonnenten.",
        "Este artículo es exclusivo para suscriptores.",
    ],
)
def test_the_page_naming_its_own_newsletter_or_its_wall_in_any_language_is_no_summary_sentence(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Abonnez-vous à notre newsletter pour ne rien manquer de l'actualité locale.",
        "Soutenez une information locale et indépendante.",
        "Jetzt abonnieren und nichts mehr verpassen!",
        "Unterstützen Sie unabhängigen Lokaljournalismus!",
        "Suscríbete a nuestro boletín para recibir las noticias.",
        "Apóyanos para seguir haciendo periodismo independiente.",
        "Únete a nuestra comunidad de lectores.",
        "ニュースレターに登録して最新情報を受け取ろう。",
        "この記事は有料会員限定です。",
        "点击关注，获取更多本地新闻。",
        "اشترك في النشرة البريدية لتصلك آخر الأخبار.",
        "ادعم صحافتنا المستقلة.",
        "הירשמו לניוזלטר שלנו.",
    ],
)
def test_an_appeal_to_subscribe_or_support_in_another_language_is_no_summary_sentence(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Die Stadtwerke haben inzwischen mehr als 3.000 Abonnenten für ihren Energie-Newsletter gewonnen.",
        "La suscripción al boletín municipal creció un 40 % este año, según el ayuntamiento.",
        "Les abonnés du réseau de bus pourront voyager gratuitement le week-end.",
        "在新规出台后，订阅该报纸的读者在一年内增加了三成。",
        "اشترك أكثر من مئة عداء في السباق الذي أقيم صباح الجمعة.",
        "会員数は昨年から二割増えた。",
        "有料会員数は昨年から二割増え、会員登録者も十万人を超えた。",
    ],
)
def test_news_of_subscribers_in_another_language_is_a_summary_sentence(sentence):
    assert is_candidate(sentence)
