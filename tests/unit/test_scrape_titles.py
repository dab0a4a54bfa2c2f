"""The headline of a plain-text scrape, one kind of wrong choice per test.

Each scrape is invented, in the style of ``lynx -dump -nolist``: headings as
plain lines between blank lines, list items as ``  * ``. Each puts a line that
is easy to take for the headline (a caption, a dek, a subheading, a tag list,
a chart's label) where real pages put one, beside the real headline.
"""

from __future__ import annotations

from datetime import UTC, datetime

from digest.extract.byline import byline_names, names_alone
from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind, normalise
from digest.models import Article

MENU = "\n".join(f"  * {item}" for item in ("Home", "World", "Business", "Science", "Sport", "Weather"))
SHARE = "\n".join(f"  * {item}" for item in ("Facebook", "Twitter", "Email", "Print"))

TIDAL_BODY = """\
Orkney's harbour towns are betting that tidal turbines can cut their power bills in half, and the first two machines went into the water at Stromness this week after three years of delays.

The turbines sit on the seabed at the mouth of the harbour, where the tide runs fastest. Each one is about the size of a bus and turns slowly enough, the engineers say, for seals to swim past it without harm.

Councillors expect the pair to supply about a fifth of the town's electricity by the spring, and a third machine has been ordered for the autumn if the winter storms do not damage the first two.
"""


def assert_header(scrape: str, *, title: str, authors: tuple[str, ...]) -> Article:
    """The scrape's article, once its headline and authors are these."""
    article = extract_scrape(scrape)
    assert article is not None
    assert article.title == title
    assert article.authors == authors
    return article


def _title(scrape: str) -> str:
    article = extract_scrape(scrape)
    assert article is not None
    return article.title


# --- a byline that names a desk or a place ---------------------------------------


def test_byline_with_a_desk_and_place_is_a_byline():
    assert classify("By Mara Lindqvist BBC News, Stromness") is Kind.BYLINE
    assert byline_names("By Mara Lindqvist BBC News, Stromness") == ("Mara Lindqvist",)
    assert classify("By Gazette editors") is Kind.BYLINE


def test_posted_by_handles_is_a_byline():
    assert classify("Posted by marek, JonasK, Ilse on 2021-03-05, all posts") is Kind.BYLINE


def test_a_byline_in_another_language_or_for_an_interview_names_the_person():
    for line, name in [
        ("Von Katrin Bauer | 03.09.2025, 14:22 Uhr | Lesezeit: 3 Minuten", "Katrin Bauer"),
        ("Par Claire Fontaine — Publié le 4 septembre 2025 à 06h45", "Claire Fontaine"),
        ("Por Lucía Ortega", "Lucía Ortega"),
        ("Interview by Jonah Feld | February 20, 2025", "Jonah Feld"),
        ("Autor: Krzysztof Wiśniewski", "Krzysztof Wiśniewski"),  # a name outside Latin-1
        ("By Łukasz Żak and Zoë Dvořák", "Łukasz Żak|Zoë Dvořák"),
    ]:
        assert classify(line) is Kind.BYLINE, line
        assert byline_names(line) == tuple(name.split("|")), line
    # the same words opening a sentence are no byline
    for sentence in ("Par ailleurs, le conseil a voté le projet.", "Von Anfang an war klar, dass es teuer wird."):
        assert byline_names(sentence) == (), sentence
    scrape = f"{MENU}\n\nLibraries are the last place you can be without buying anything\n\n"
    scrape += "Interview by Jonah Feld | February 20, 2025\n\n" + TIDAL_BODY
    assert_header(
        scrape, title="Libraries are the last place you can be without buying anything", authors=("Jonah Feld",)
    )


def test_a_section_label_is_read_without_its_count_colon_or_dots():
    for label in ("You may also like...", "Related…", "Tags:", "Read more (3)"):
        assert classify(label) is Kind.SECTION, label
    # a long run of dots or digits is read from the end once, not from every place in it
    assert classify("." * 5000 + "x") is not Kind.SECTION


def test_a_date_then_by_a_name_is_a_byline():
    for line, name in [
        ("Monday November 18, 2025 7:45 am PST by Mara Lindqvist", "Mara Lindqvist"),
        ("Nov 18, 2025 | By Mara Lindqvist", "Mara Lindqvist"),
        ("18.11.2025 von Jonas Keller", "Jonas Keller"),
    ]:
        assert classify(line) is Kind.BYLINE, line
        assert byline_names(line) == (name,)
    # a date in a sentence, or "by" naming no person, is no byline
    assert byline_names("In 2025 by contrast the council spent more on the harbour") == ()
    assert byline_names("November 18, 2025 by the harbour board") == ()


def test_long_dek_under_the_headline_past_its_section_link_is_not_the_headline():
    """Over the dateline, the section's link between headline and dek leaves the dek a dek."""
    scrape = f"""{MENU}

Orkney's harbours look to the sea

Energy

The first two tidal turbines went into the water at Stromness this week, and the harbour towns hope to halve their power bills

Tue 11 Mar 2025 15.24 GMT

{TIDAL_BODY}"""
    assert _title(scrape) == "Orkney's harbours look to the sea"


def test_caption_under_the_byline_is_not_the_headline():
    scrape = f"""{MENU}

{SHARE}

Orkney harbour towns bet on the tide

By Mara Lindqvist BBC News, Stromness

Engineers lower the first two tidal turbines into Stromness harbour this week

{TIDAL_BODY}"""
    assert _title(scrape) == "Orkney harbour towns bet on the tide"


def test_subheading_under_the_byline_is_not_the_headline():
    scrape = f"""{MENU}

Weekly notes #41 - spring is here

Posted by marek, JonasK, Ilse on 2021-03-05, all posts

Two turbines in Stromness harbour (marek)

{TIDAL_BODY}"""
    assert _title(scrape) == "Weekly notes #41 - spring is here"


# --- a dek under the headline ------------------------------------------------------


def test_long_dek_under_the_headline_is_not_the_headline():
    scrape = f"""{MENU}

Tidal power comes to Stromness

The harbour's first two turbines went into the water this week, and the council hopes they will cut the town's power bills by half

{TIDAL_BODY}"""
    assert _title(scrape) == "Tidal power comes to Stromness"


# --- a tag list run together -------------------------------------------------------


def test_tags_run_together_are_not_the_headline():
    scrape = f"""{MENU}

Tidal power comes to Stromness

tidal powerturbinesstromness harbourorkney councilpower billsAll topics

{TIDAL_BODY}"""
    assert _title(scrape) == "Tidal power comes to Stromness"


# --- a headline far above the body -------------------------------------------------


def test_headline_above_a_long_score_box_is_found():
    score_box = "\n".join(["Verdict", "Pros", *(f"  * {w}" for w in ("Quiet", "Cheap", "Tidy")), "Cons"])
    axis = "\n".join(f"’{year:02d}" for year in range(60))
    scrape = f"""{MENU}

Tidal turbine review: quiet, cheap and slow

By Mara Lindqvist

{score_box}

{axis}

{TIDAL_BODY}"""
    assert _title(scrape) == "Tidal turbine review: quiet, cheap and slow"


def test_the_same_headline_twice_is_the_headline():
    scrape = f"""{MENU}

Harbour towns of the north

Stromness turns to the tide

Ola Rendall at the harbour. Photograph: Ana Ruiz

Orkney's harbour towns are betting that tidal turbines in the water at Stromness will cut their power bills

By Mara Lindqvist (reporting) and Ana Ruiz (photography)

Stromness turns to the tide

{TIDAL_BODY}"""
    assert _title(scrape) == "Stromness turns to the tide"


# --- a headline in an appeal's shape -------------------------------------------------


def test_how_to_headline_shaped_like_an_appeal_is_the_headline():
    scrape = f"""{MENU}

Get your tidal turbines through the winter storms

{TIDAL_BODY}"""
    assert _title(scrape) == "Get your tidal turbines through the winter storms"


def test_newsletter_appeal_above_the_body_is_not_the_headline():
    scrape = f"""{MENU}

Tidal power comes to Stromness

Sign up for our newsletter and get the news in your inbox

{TIDAL_BODY}"""
    assert _title(scrape) == "Tidal power comes to Stromness"


def test_a_table_row_printed_by_a_terminal_is_code_not_a_headline():
    assert classify("12 │ 2.4873951240050256 │ t │ t │ f") is Kind.CODE


# --- a reference page: a title of a word or two, far above the lead that defines it ----------

FACT_BOX = "\n".join(
    f" {label}  {value}"
    for label, value in (
        ("Type", "Tidal stream generator"),
        ("Location", "Stromness harbour, Orkney"),
        ("Operator", "Orkney Tidal Energy Partnership"),
        ("Installed", "March 2026"),
        ("Capacity", "2 x 1.2 MW"),
    )
)

SALTIRE_LEAD = """\
The Saltire turbine (Orcadian: the Sautire) is a tidal stream generator moored at the mouth of Stromness harbour in Orkney. Two of them were installed in the spring of 2026 after three years of delays.

Each machine sits on the seabed where the tide runs fastest, and turns slowly enough for seals to swim past it without harm. The pair supply about a fifth of the town's electricity.

A third machine was ordered for the autumn, if the winter storms do not damage the first two.
"""


REGATTA_BODY = """\
Stromness rower Ola Rendall won the single sculls at the harbour regatta on Saturday, beating Ewan Flett of Kirkwall by two lengths in a strong tide.

Flett had the faster start, but Rendall caught him at the harbour mouth and held on. Kirkwall's sailors took three of the five dinghy races.

In the junior races Ana Ruiz of Stromness won both of her heats, and the harbour board said next year's regatta would add a race for tidal-powered boats.
"""


def test_a_galleries_captions_between_headline_and_date_are_not_the_headline():
    """Each slide's caption under the same line (the gallery's button), slide after slide: the
    captions name the story's people, but the headline is over the first slide."""
    scrape = f"""{MENU}

Harbour Regatta Results

Enlarge this image

Ola Rendall Stromness sculls

Enlarge this image

Ewan Flett Kirkwall sculls

Enlarge this image

Ana Ruiz Stromness juniors

Posted: Sat 6:45 PM, Mar 8, 2025

{REGATTA_BODY}"""
    assert _title(scrape) == "Harbour Regatta Results"


def test_a_short_title_is_the_subject_the_lead_defines():
    scrape = f"""{MENU}

Saltire turbine

From the Orkney Encyclopedia, the free reference
Jump to: navigation, search

{FACT_BOX}

{SALTIRE_LEAD}"""
    article = extract_scrape(scrape)
    assert article is not None
    assert article.title == "Saltire turbine"
    assert article.standfirst == ""
    assert article.paragraphs[0].startswith("The Saltire turbine")


def test_one_word_title_and_a_lead_in_a_field():
    lead = SALTIRE_LEAD.replace(
        "The Saltire turbine (Orcadian: the Sautire) is", "In engineering, a Saltire (or tide mill) is"
    )
    scrape = f"""{MENU}

Saltire

From the Orkney Encyclopedia, the free reference

Tidal machine of the Orkney harbours

{lead}"""
    assert _title(scrape) == "Saltire"


def test_a_menu_item_that_opens_a_news_lead_is_not_its_title():
    # "Business is ..." opens the story but defines nothing; the headline stays the headline.
    lead = TIDAL_BODY.replace("Orkney's harbour towns are betting", "Business is booming as Orkney's harbour towns bet")
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

By Mara Lindqvist BBC News, Stromness

{lead}"""
    assert _title(scrape) == "Orkney harbour towns bet on the tide"


# --- a blog's byline: the author's bare name over a date line, a button between ------------


def test_a_subheading_under_a_name_and_date_is_not_the_headline():
    scrape = f"""Harbour Engineering
Sign in

Power from the sea in Stromness (three years in the making)

Mara Lindqvist
Mara Lindqvist
(BUTTON) Follow
Oct 18, 2025 · 8 min read

Why tidal turbines in Orkney harbours?

{TIDAL_BODY}"""
    assert_header(
        scrape, title="Power from the sea in Stromness (three years in the making)", authors=("Mara Lindqvist",)
    )


def test_a_byline_printed_as_a_list_names_the_author():
    scrape = f"""{MENU}

Tidal turbines go into the water at Stromness

Three years late, the first two machines are turning

  * Mara Lindqvist
  * Friday 25 December 2025
  * 0 comments

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published is not None and article.published.day == 25


def test_a_timestamp_over_the_byline_is_not_the_headline():
    """A time and date with a button's label glued to it sit right over the byline."""
    scrape = f"""{MENU}

Mara's Turbines

© REUTERS / POOL

Columnists

21:17 18.11.2025Get short URL

by Mara Lindqvist

{TIDAL_BODY}"""
    assert _title(scrape) == "Mara's Turbines"


def test_entities_the_page_escaped_twice_are_the_characters_they_stand_for():
    scrape = f"""{MENU}

Tidal turbines go in at Stromness &mdash; three years late

By Mara Lindqvist

Orkney&#39;s harbour towns say the machines will cut bills in half, and the council&#8217;s engineers agree.

{TIDAL_BODY}

A page about markup prints &lt;p&gt; on purpose."""
    article = extract_scrape(scrape)
    assert article is not None
    assert article.title == "Tidal turbines go in at Stromness — three years late"
    assert article.paragraphs[0] == (
        "Orkney's harbour towns say the machines will cut bills in half, and the council’s engineers agree."
    )
    assert normalise("A page about markup prints &lt;p&gt; and &#60;b&#62; on purpose, and AT&amp;T &#0;") == [
        "A page about markup prints &lt;p&gt; and &#60;b&#62; on purpose, and AT&T &#0;"
    ]


# --- a video player between the byline and the story --------------------------------------

PLAYER = """Full Screen

Closed Captions

Type Size

Style Options

Captions will look like this

  * 100% (opaque)
  * 75% (transparency)
  * 50% (transparency)
  * 25% (transparency)

Captions will look like this

Video Not Available

Unfortunately, this video is not available in your region.

Tidal turbines lowered into Stromness harbour

Now watching

Next video starts in : 7 Play

Tidal turbines lowered into Stromness harbour"""


def test_a_video_players_title_under_the_byline_is_not_the_headline():
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

By Mara Lindqvist March 11, 2025 3:46 PM

{PLAYER}

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))
    assert article.standfirst == ""  # the player's notice is no dek


def test_a_name_under_an_author_label_is_the_byline_not_the_headline():
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

Two harbours want the turbines that tested in their waters to stay there for good.

Author:

Mara Lindqvist, Harbour Reporter

Publish date:

Mar 11, 2025

{TIDAL_BODY}"""
    assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))


def test_a_desk_credited_under_an_author_label_is_not_the_headline():
    """The line under "Author:" is the credit, whether it names a person or a desk."""
    scrape = f"""{MENU}

News

Three weekends worth the ferry

Author:

Orkney Harbour Towns Editorial Staff

Publish date:

Mar 11, 2025

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Three weekends worth the ferry", authors=())
    assert article.published == datetime(2025, 3, 11, tzinfo=UTC)


def test_a_headline_printed_twice_as_a_link_is_still_over_its_dek():
    """The dek under the headline's second (linked) copy, printed again under the byline, is
    no headline, however many of the story's words it shares."""
    scrape = f"""{MENU}

News

Three weekends worth the ferry

Three weekends worth the ferry

Our picks for the harbour towns this winter, with what the tidal turbines cost and when the boats run.

Author:

Mara Lindqvist, Harbour Reporter

Publish date:

Mar 11, 2025

Ana Ruiz/Orkney Press

Our picks for the harbour towns this winter, with what the tidal turbines cost and when the boats run.

  *
  *
  *

{TIDAL_BODY}"""
    assert_header(scrape, title="Three weekends worth the ferry", authors=("Mara Lindqvist",))


def test_a_kicker_over_the_headline_is_not_the_headline():
    """A short topic line over a headline that stands on its byline is the kicker, even when
    it shares more of the story's words."""
    scrape = f"""{MENU}

Ferry timetables for the winter: what changes on the Stromness route

Orkney Harbour Tidal Turbines

Two machines go in after three years of waiting

By Mara Lindqvist

March 11, 2025 3:46 PM

{TIDAL_BODY}"""
    assert_header(scrape, title="Two machines go in after three years of waiting", authors=("Mara Lindqvist",))


def test_an_alert_banner_over_the_headline_is_not_the_headline():
    """A banner in capitals over the headline ("SPRING TIDE WARNING for ..."), sharing the story's
    words as a caption would, is the page's alert, not the headline under it."""
    scrape = f"""{MENU}

SPRING TIDE WARNING for Stromness harbour towns after three years of delays

Tidal turbines go into the water at Stromness

By Mara Lindqvist

{TIDAL_BODY}"""
    assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))


def test_a_headline_set_in_capitals_is_still_the_headline():
    scrape = f"""{MENU}

TIDAL TURBINES GO INTO THE WATER AT STROMNESS

By Mara Lindqvist

{TIDAL_BODY}"""
    assert _title(scrape) == "TIDAL TURBINES GO INTO THE WATER AT STROMNESS"


def test_an_advertisement_label_in_another_language_is_an_ad():
    for label in ("REKLAMA", "Anzeige", "Publicidad", "Publicité", "Back to top ↑", "Continue reading below"):
        assert classify(label) is Kind.AD, label
    assert classify("Reklama w Polsce rośnie szybciej niż kiedykolwiek przedtem.") is not Kind.AD


# --- bylines without "By", or with the job before the name -----------------------


def test_a_job_or_desk_before_the_name_is_not_the_author():
    for line, names in [
        ("By Highlands reporter Ewan MacRae", ("Ewan MacRae",)),
        ("By political reporter Ewan MacRae", ("Ewan MacRae",)),
        ("By Western Isles correspondent Ailsa Munro and Tom Reid", ("Ailsa Munro", "Tom Reid")),
        ("By Senior Energy Correspondent Ailsa Munro", ("Ailsa Munro",)),
    ]:
        assert classify(line) is Kind.BYLINE, line
        assert byline_names(line) == names, line


def test_a_name_then_its_job_is_a_byline():
    for line, name in [
        ("Mara Lindqvist Energy correspondent", "Mara Lindqvist"),
        ("Ewan MacRae, Harbour Reporter", "Ewan MacRae"),
        ("Ailsa Munro, senior political correspondent", "Ailsa Munro"),
    ]:
        assert classify(line) is Kind.BYLINE, line
        assert byline_names(line) == (name,), line
    # a title-case headline about a job is no byline
    for headline in ("Jonas Keller Named Chief Editor", "Meet Jonas Keller, Our New Editor"):
        assert byline_names(headline) == (), headline
    scrape = f"""{MENU}

Tidal turbines go into the water at Stromness

Mara Lindqvist Energy correspondent

Wed 12 Mar 2025 09.15 GMT

{TIDAL_BODY}"""
    assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))


def test_names_alone_on_a_line_under_the_headline_are_the_authors():
    three = ("Mara Lindqvist", "Ewan MacRae", "Ailsa Munro")
    assert names_alone("Mara Lindqvist, Ewan MacRae and Ailsa Munro") == three
    # Alone, such a line is no byline: a list's item in title case reads the same.
    assert classify("Painted Doors and Brass Lanterns") is not Kind.BYLINE
    scrape = f"""{MENU}

Tidal turbines go into the water at Stromness

Mara Lindqvist and Ewan MacRae

March 11, 2025

{TIDAL_BODY}"""
    assert_header(
        scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist", "Ewan MacRae")
    )


def test_a_byline_in_capitals_is_cut_at_its_employer():
    assert byline_names("By MARA LINDQVIST FOR ORKNEYTODAY") == ("Mara Lindqvist",)
    assert byline_names("By MARA LINDQVIST AND EWAN MACRAE FOR ORKNEYTODAY") == ("Mara Lindqvist", "Ewan Macrae")
    assert byline_names("By Mara Lindqvist for OrkneyToday") == ("Mara Lindqvist",)


# --- another story's headline over the story's own ------------------------------


def test_a_teaser_box_over_the_headline_on_its_byline_is_not_the_headline():
    """The last of a box of other stories' headlines, right over the story's headline and
    sharing nearly as many of its words, is no caption or dek: those sit under a headline."""
    scrape = f"""{MENU}

Latest stories

Ferry fares to rise in the spring

Councillors back a third tidal turbine for Stromness harbour

Harbour board elects a new chair

Orkney harbour towns bet on the tide

By Mara Lindqvist March 11, 2025 3:46 PM

{TIDAL_BODY}"""
    assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))


def test_a_byline_under_the_headline_is_not_beside_the_line_over_it():
    """Another story's headline two lines over the story's own reaches the byline only past
    the headline: the byline is no sign it is a headline."""
    scrape = f"""{MENU}

Ferry fares to rise in the spring

Tidal turbines could cut Orkney power bills in half

Harbour board elects a new chair

Orkney harbour towns bet on the tide

By Mara Lindqvist March 11, 2025 3:46 PM

{TIDAL_BODY}"""
    assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))


def test_a_video_caption_under_a_byline_past_its_share_buttons_is_not_the_headline():
    """Share buttons between the dek and the byline still leave the headline on its byline:
    what is under the byline (a video's caption) is no headline."""
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

The first two turbines went into the water this week.

{SHARE}

By Mara Lindqvist

The harbour master explains how the tidal turbines at Stromness could cut the town's power bills in half. video

{TIDAL_BODY}"""
    assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))


def test_a_long_headline_over_a_shorter_dek_on_the_byline_is_the_headline():
    """Over the byline the dek sits under the headline, whichever is the longer."""
    scrape = f"""{MENU}

Tidal power in Orkney: how the first two turbines at Stromness could halve the harbour towns' bills

Stromness turbines go into the water after three years

By Mara Lindqvist

{TIDAL_BODY}"""
    title = "Tidal power in Orkney: how the first two turbines at Stromness could halve the harbour towns' bills"
    assert_header(scrape, title=title, authors=("Mara Lindqvist",))


def test_the_headline_with_its_breadcrumb_glued_on_is_not_the_headline():
    """A breadcrumb's links ("Home", a menu's section) run into a copy of the headline make a
    longer line with all of the headline's words, over the headline itself."""
    headline = "Orkney harbour towns bet that tidal turbines at Stromness can cut their power bills in half"
    scrape = f"""{MENU}

Home Business {headline}

{headline}

By Mara Lindqvist

{TIDAL_BODY}"""
    assert_header(scrape, title=headline, authors=("Mara Lindqvist",))
    # a picture's alt text is the headline with "image" glued on
    assert _title(scrape.replace(f"Home Business {headline}", f"{headline} image")) == headline


def test_a_subheading_under_the_dateline_is_not_the_headline():
    """A dateline right under the headline stands for its byline: the subheading under the
    date, which repeats the lead, is no headline. The date may be bracketed after its label."""
    assert classify("Published :[ 2025-03-11 15:24 ]") is Kind.DATE
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

Published :[ 2025-03-11 15:24 ]

Tidal turbines can cut the harbour towns' power bills in half

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=())
    assert article.published == datetime(2025, 3, 11, 15, 24, tzinfo=UTC)


def test_a_headline_a_share_button_repeats_wins_over_its_dek():
    """A share button's copy of the headline ("Share all options for: ...") names it again,
    as a headline printed twice is: it outweighs a dek as close to the byline."""
    scrape = f"""{MENU}

Orkney harbour towns bet on the tide

New, 15 comments

Tidal turbines at Stromness could cut the power bills in half

By Mara Lindqvist

  * Share all options

Share all options for: Orkney harbour towns bet on the tide

{TIDAL_BODY}"""
    assert_header(scrape, title="Orkney harbour towns bet on the tide", authors=("Mara Lindqvist",))


# --- a short or all-caps headline ------------------------------------------------


def test_a_short_headline_alone_over_the_byline_is_the_headline():
    """Three words without a full stop read as a menu item, but a menu is a run of them: one
    alone between a caption and the byline is the headline."""
    scrape = f"""{MENU}

Engineers lower a tidal turbine into the water at Stromness harbour on Tuesday

Stromness harbour turbines

By Mara Lindqvist

{TIDAL_BODY}"""
    assert_header(scrape, title="Stromness harbour turbines", authors=("Mara Lindqvist",))


def test_an_all_caps_headline_over_a_staff_byline_and_date_is_the_headline():
    """Under a menu printed as a list: its items are no run the headline's line belongs to."""
    scrape = f"""{MENU}

TIDAL TURBINES REACH STROMNESS HARBOUR

Staff report

March 11, 2025

{TIDAL_BODY}"""
    article = assert_header(scrape, title="TIDAL TURBINES REACH STROMNESS HARBOUR", authors=())
    assert article.published == datetime(2025, 3, 11, tzinfo=UTC)
    assert classify("Staff report") is Kind.META


def test_a_run_of_short_topic_links_over_the_byline_is_not_the_headline():
    scrape = f"""{MENU}

Tidal turbines go into the water at Stromness

Orkney tidal power
Stromness harbour works
Turbines and tides

By Mara Lindqvist

{TIDAL_BODY}"""
    assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))


# --- a date or byline over the headline ---------------------------------------------


def test_a_date_right_over_the_headline_is_the_story_date():
    scrape = f"""{MENU}

Thursday 4 December 2025

Tidal turbines go into the water at Stromness

By Mara Lindqvist

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_posted_line_over_a_caption_over_the_headline_is_the_story_date():
    scrape = f"""{MENU}

Posted Thu 4 Dec 2025 at 6:40am, updated Thu 4 Dec 2025 at 9:05am

A turbine is lowered from the barge at Stromness.(Orkney: Ewan MacRae)

Tidal turbines go into the water at Stromness

By Mara Lindqvist

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, 6, 40, tzinfo=UTC)


def test_a_blogs_date_and_category_line_over_the_title_is_the_post_date():
    scrape = f"""Harbour Notes
Home About Archive Contact

December 4, 2025 / Energy / 3 Comments

Tidal turbines go into the water at Stromness

Posted by Mara Lindqvist

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_byline_right_over_the_headline_names_the_author():
    scrape = f"""{MENU}

By Mara Lindqvist

Tidal turbines go into the water at Stromness

December 4, 2025

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_date_far_over_the_headline_is_the_sites_not_the_storys():
    scrape = f"""Thursday 4 December 2025

{MENU}

Tidal turbines go into the water at Stromness

By Mara Lindqvist

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published is None


def test_the_date_under_the_headline_wins_over_one_above_it():
    scrape = f"""{MENU}

Monday 1 December 2025

Tidal turbines go into the water at Stromness

By Mara Lindqvist | December 4, 2025

{TIDAL_BODY}"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


# --- a live blog ---------------------------------------------------------------------

LIVE_ENTRIES = """\
12 min ago
Ferries cancelled from Stromness

The morning sailings from Stromness to Scrabster have been cancelled, and the operator says the afternoon crossing will be decided at noon.

Passengers booked on the early boat can change their tickets without charge until the end of the week, the operator said.

40 min ago
Power cut on Hoy

About three hundred homes on Hoy lost power overnight when a line came down near Lyness, and engineers are waiting for the wind to drop.

The tidal turbines in Stromness harbour were stopped before the storm arrived and came through without damage, their operator said.

1 hr ago
Schools closed across the islands

Every school in Orkney will stay shut today, the council said, as gusts of more than eighty miles an hour were forecast for the afternoon.

Council staff were asked to work from home where they could, and the recycling collections have been moved to Saturday.
"""


def test_a_live_blogs_title_is_over_its_first_entry_not_the_entrys_heading():
    scrape = f"""{MENU}

Live: Storm Ingrid batters Orkney

Key points

  * Ferries from Stromness cancelled for the day
  * Schools closed across the islands

{LIVE_ENTRIES}
{SHARE}
"""
    assert _title(scrape) == "Live: Storm Ingrid batters Orkney"


def test_a_dated_title_over_a_story_with_dated_comments_is_no_live_blog():
    scrape = f"""Harbour Notes
Home About Archive Contact

December 4, 2025

Tidal turbines go into the water at Stromness

{TIDAL_BODY}
3 thoughts on "Tidal turbines go into the water at Stromness"

Ewan MacRae
December 5, 2025 at 8:12 am
Good to see them in at last, after all the delays we had.
Reply

Ailsa Munro
December 5, 2025 at 9:30 am
Will the harbour stay open to the small boats while they run?
Reply

Tom Reid
December 6, 2025 at 7:02 pm
The old pier looks better with them out there, I think.
Reply
"""
    article = extract_scrape(scrape)
    assert article is not None
    assert article.title == "Tidal turbines go into the water at Stromness"
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_dated_title_over_a_timeline_is_no_live_blog():
    """Dates over the paragraphs of a timeline are not entries: none has a heading, as the title does."""
    scrape = f"""{MENU}

December 4, 2025

Tidal turbines go into the water at Stromness

{TIDAL_BODY}
March 3, 2023

The council first asked for bids to build the turbines, and four companies answered within the month.

June 9, 2024

The winning firm began building the two machines at its yard in Kirkwall, a year later than planned.

October 1, 2025

The machines were towed to Stromness and moored beside the pier to wait for a calm week.
"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=())
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)


def test_a_byline_with_and_in_another_language_names_both_authors():
    for line, names in [
        ("Por María José García y Luis Ortega", ("María José García", "Luis Ortega")),
        ("Von Anna Müller und Jonas Weber", ("Anna Müller", "Jonas Weber")),
        ("Par Claire Martin et Paul Durand", ("Claire Martin", "Paul Durand")),
        ("Di Giulia Conti e Marco Rossi", ("Giulia Conti", "Marco Rossi")),
        ("Door Jan van der Berg en Piet de Vries", ("Jan van der Berg", "Piet de Vries")),
        ("By Tom Ashworth, Local Democracy Reporter", ("Tom Ashworth",)),
        ("By Ana Ruiz and Tom Reid | Photos by Ilse Brandt", ("Ana Ruiz", "Tom Reid")),
        ("By Ana Ruiz and Tom Reid, photos by Ilse Brandt", ("Ana Ruiz", "Tom Reid")),
    ]:
        assert byline_names(line) == names, line
    # a compound surname is one person
    assert byline_names("Por José Ortega y Gasset") == ("José Ortega y Gasset",)
    assert names_alone("María García y Luis Ortega") == ("María García", "Luis Ortega")


# --- a newsletter's post -----------------------------------------------------------------


def test_a_name_then_a_date_on_one_line_is_a_byline():
    for line in (
        "Mara Lindqvist Dec 4, 2025",
        "Mara Lindqvist · Dec 4, 2025",
        "Mara Lindqvist Thursday, December 4, 2025",
    ):
        assert classify(line) is Kind.BYLINE, line
        assert byline_names(line) == ("Mara Lindqvist",), line
    # a headline that names a person and a date says more than the two
    assert byline_names("Mara Lindqvist wins the Orkney prize on Dec 4, 2025") == ()


def test_a_newsletters_thanks_and_subscribe_line_is_an_appeal():
    line = "Thanks for reading The Stromness Tide! Subscribe for free to receive new posts and support my work."
    assert classify(line) is Kind.CTA


def test_a_newsletters_bar_with_its_buttons_is_not_the_headline():
    """A newsletter's post: the site's bar ("The Stromness Tide (BUTTON) Subscribe Sign in")
    over the headline, a dek, the author and date on one line, and the site's name again in
    the thanks under the first paragraphs."""
    first, *rest = TIDAL_BODY.strip().split("\n\n")
    scrape = f"""   The Stromness Tide (BUTTON) Subscribe Sign in

                      Tidal turbines go into the water at Stromness

  Why a small harbour town is betting its power bills on the tide

   Mara Lindqvist Dec 4, 2025

{first}

   Thanks for reading The Stromness Tide! Subscribe for free to receive new
   posts and support my work.

{rest[0]}

{rest[1]}
"""
    article = assert_header(scrape, title="Tidal turbines go into the water at Stromness", authors=("Mara Lindqvist",))
    assert article.published == datetime(2025, 12, 4, tzinfo=UTC)
    assert not any("Thanks for reading" in paragraph for paragraph in article.paragraphs)


def test_a_sites_name_then_its_menu_on_one_line_is_not_the_headline():
    """ "Harbour Hour Podcast — Episodes · About · Support the show": the site's bar, whose
    words the show's transcript repeats, over the episode's title."""
    scrape = f"""   Harbour Hour Podcast — Episodes · About · Support the show

                Ep. 31: Why the tide turbines stopped at Stromness

   December 4, 2025

{TIDAL_BODY}
   Ben Okoro: Welcome back to Harbour Hour, the podcast about the harbour. Support the show and the
   episodes keep coming.
"""
    assert _title(scrape) == "Ep. 31: Why the tide turbines stopped at Stromness"


def test_a_headline_opening_on_acronyms_is_no_banner():
    """Short words in capitals opening a headline are acronyms ("UK MoD", "EU", "NHS"), not an
    alert's banner: the headline wins over the standfirst under it."""
    scrape = f"""{MENU}

UK MOD tidal turbines go into the water at Stromness

Orkney towns bet on the tide

By Mara Lindqvist

{TIDAL_BODY}"""
    assert _title(scrape) == "UK MOD tidal turbines go into the water at Stromness"
