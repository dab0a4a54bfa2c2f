"""Who a byline names: a person, never a desk, a job or an organisation; a person's name
without the title before it. One kind of wrong reading per test, read from the byline line
(``byline_names``), from the names the markup gives (``split_authors``) and from a scrape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.extract.byline import byline_names, find_dates, is_byline, is_date_line
from digest.extract.html import extract_html
from digest.extract.html_meta import split_authors
from digest.extract.scrape import extract_scrape

_SCRAPE = """\
  * Home
  * Harbour
  * Weather

Ferry timetable cut for the winter months

{byline}

The island ferry will run twice a day instead of four times from November, the operator said on Monday, blaming a shortage of crew and the rising cost of fuel over the last two years.

Islanders who commute to the mainland for work said the change would leave them with a choice between arriving an hour early or half an hour late, and asked the council to step in with a subsidy.

The operator said it would review the timetable in the spring and restore the extra sailings if it could recruit enough deckhands before the summer season began in earnest.
"""


def _scraped_authors(byline: str) -> tuple[str, ...]:
    article = extract_scrape(_SCRAPE.format(byline=byline))
    assert article is not None
    assert article.title == "Ferry timetable cut for the winter months"
    return article.authors


# --- a desk, a staff or an organisation is no person --------------------------------------------


@pytest.mark.parametrize(
    "byline",
    [
        "By Saltmarsh Echo Staff",
        "By Metro Desk",
        "By Saltmarsh Echo news desk",
        "By the Saltmarsh Echo newsroom",
        "By Agence France-Presse",
        "By Deutsche Presse-Agentur",
        "By the Associated Press",
    ],
)
def test_a_byline_naming_a_desk_or_an_organisation_names_no_person(byline):
    assert byline_names(byline) == ()
    assert is_byline(byline)
    assert split_authors(byline.removeprefix("By ")) == ()
    assert _scraped_authors(byline) == ()


def test_a_group_word_before_a_job_is_the_job_of_the_person_before_it():
    assert byline_names("By Orla Brennan Staff Writer") == ("Orla Brennan",)
    assert split_authors("Orla Brennan Staff Writer") == ("Orla Brennan",)
    assert byline_names("By Orla Brennan and the Saltmarsh Echo staff") == ("Orla Brennan",)


def test_by_the_opening_a_sentence_is_still_no_byline():
    assert not is_byline("By the end of the week")
    assert not is_byline("By the time the press arrived")


# --- a title before the name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Dr. Orla Brennan", ("Orla Brennan",)),
        ("By Dr Orla Brennan", ("Orla Brennan",)),
        ("By Prof. Wen Hao", ("Wen Hao",)),
        ("By Prof. Dr. Jonas Keller", ("Jonas Keller",)),
        ("By Rev. Tobias Wren Jr.", ("Tobias Wren Jr.",)),
        ("By Ms. Orla Brennan and Mr. Tobias Wren", ("Orla Brennan", "Tobias Wren")),
        ("By DR. ORLA BRENNAN", ("Orla Brennan",)),
        ("Dr. Orla Brennan · March 3, 2025", ("Orla Brennan",)),
    ],
)
def test_a_title_before_the_name_is_no_part_of_the_author(byline, expected):
    assert byline_names(byline) == expected
    assert split_authors(byline.removeprefix("By ").replace(" and ", "; ")) == expected


def test_a_titled_byline_in_a_scrape_names_the_author():
    assert _scraped_authors("By Dr. Orla Brennan") == ("Orla Brennan",)
    assert _scraped_authors("By Rev. Tobias Wren Jr.") == ("Tobias Wren Jr.",)


def test_a_credential_after_the_name_is_still_no_title():
    assert split_authors("Orla Brennan, MS, RDN") == ("Orla Brennan",)


# --- a job after the name -----------------------------------------------------------------


@pytest.mark.parametrize(
    "byline",
    [
        "By Tobias Wren, Software Engineer",
        "By Tobias Wren, Product Designer",
        "By Tobias Wren, Senior Research Scientist",
        "By Tobias Wren, Chief Executive Officer",
        "By Tobias Wren, Staff Writer",
    ],
)
def test_a_job_after_a_comma_is_no_second_author(byline):
    assert byline_names(byline) == ("Tobias Wren",)
    assert split_authors(byline.removeprefix("By ").replace(", ", "; ")) == ("Tobias Wren",)
    assert _scraped_authors(byline) == ("Tobias Wren",)


@pytest.mark.parametrize(
    "byline",
    [
        "By Tobias Wren, Chief Meteorologist",
        "By Tobias Wren, Marine Biologist",
        "By Tobias Wren, Senior Videographer",
        "By Tobias Wren, Pediatric Physician",
        "By Tobias Wren, Harbour Spokeswoman",
        "By Tobias Wren, Program Coordinator",
        "By Tobias Wren, School Superintendent",
        "By Tobias Wren, Research Assistant",
    ],
)
def test_any_occupation_after_a_comma_is_no_second_author(byline):
    assert byline_names(byline) == ("Tobias Wren",)
    assert split_authors(byline.removeprefix("By ").replace(", ", "; ")) == ("Tobias Wren",)
    assert _scraped_authors(byline) == ("Tobias Wren",)


def test_a_job_after_two_names_is_no_third_author():
    assert byline_names("By Orla Brennan and Tobias Wren, Climate Scientists") == ("Orla Brennan", "Tobias Wren")


@pytest.mark.parametrize("byline", ["By Meteorologist Tobias Wren", "By Harbour Historian Tobias Wren"])
def test_an_occupation_before_the_name_is_no_part_of_it(byline):
    assert byline_names(byline) == ("Tobias Wren",)
    assert _scraped_authors(byline) == ("Tobias Wren",)


def test_surnames_that_end_like_an_occupation_are_names():
    names = ("Orla Lindqvist", "Tobias Feist", "Wen Gilchrist", "Ana Laurent", "Tom Walker")
    assert byline_names("By " + ", ".join(names[:-1]) + " and " + names[-1]) == names


def test_names_after_a_comma_are_more_authors():
    three = ("Orla Brennan", "Tobias Wren", "Wen Hao")
    assert byline_names("By Orla Brennan, Tobias Wren and Wen Hao") == three
    assert _scraped_authors("By Orla Brennan, Tobias Wren and Wen Hao") == three


# --- a handle or initials beside the name ----------------------------------------------------


def test_a_handle_after_the_name_is_no_part_of_it():
    assert byline_names("By Orla Brennan @orlabrennan") == ("Orla Brennan",)
    assert split_authors("Orla Brennan @orlabrennan") == ("Orla Brennan",)


def test_initials_are_part_of_the_name_not_an_acronym():
    assert byline_names("By T. J. Okafor") == ("T. J. Okafor",)
    assert split_authors("T. J. Okafor") == ("T. J. Okafor",)
    assert split_authors("T.J. Okafor") == ("T.J. Okafor",)
    assert split_authors("Orla Brennan, CNN Business") == ("Orla Brennan",)


# --- names in other scripts and languages stay whole ----------------------------------------


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By ORLA BRENNAN", ("Orla Brennan",)),
        ("By Inés Fernández-Ocaña", ("Inés Fernández-Ocaña",)),
        ("By Jean-Marc O'Dowd", ("Jean-Marc O'Dowd",)),
        ("By Orla Brennan | Saltmarsh Echo", ("Orla Brennan",)),
        ("Words by Orla Brennan, photos by Tobias Wren", ("Orla Brennan",)),
        ("Von Ulrike Brandauer und Timo Kessel", ("Ulrike Brandauer", "Timo Kessel")),
        ("Por Inés Ferrer y Pablo Soto", ("Inés Ferrer", "Pablo Soto")),
        ("Par Odile Marchand", ("Odile Marchand",)),
        ("By Kim Jae-In and Park Ji-An", ("Kim Jae-In", "Park Ji-An")),
    ],
)
def test_names_in_capitals_accents_and_other_languages_are_read_whole(byline, expected):
    assert byline_names(byline) == expected


# --- a site's menu is no byline ----------------------------------------------------------------


def test_a_menu_line_under_the_sites_name_names_no_author():
    assert byline_names("Saltmarsh Echo | Local | Obituaries | Opinion") == ()
    assert byline_names("Saltmarsh Echo · Harbour · Weather · Sport") == ()
    article = extract_scrape(
        _SCRAPE.replace("  * Home\n  * Harbour\n  * Weather\n", "Saltmarsh Echo | Local | Harbour | Opinion").format(
            byline="March 3, 2025"
        )
    )
    assert article is not None and article.authors == ()


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Orla Brennan | Saltmarsh Echo | March 3, 2025", ("Orla Brennan",)),
        ("Orla Brennan · Columnist · Opinion", ("Orla Brennan",)),
        ("Orla Brennan · 5 min read", ("Orla Brennan",)),
    ],
)
def test_a_name_beside_its_date_job_or_one_label_is_still_a_byline(byline, expected):
    assert byline_names(byline) == expected


# --- a job that is a surname too --------------------------------------------------------------


@pytest.mark.parametrize("name", ["Orla Nurse", "Wen Pilot", "Tobias Host", "Ana Mayor", "Orla Coach", "Tom Sergeant"])
def test_a_job_that_is_a_surname_after_a_given_name_is_the_surname(name):
    assert byline_names("By " + name) == (name,)
    assert split_authors(name) == (name,)
    assert _scraped_authors("By " + name) == (name,)
    assert byline_names(f"By {name} and Tobias Wren") == (name, "Tobias Wren")
    assert byline_names(f"By {name}, Health Reporter") == (name,)


@pytest.mark.parametrize("byline", ["By Chief Nurse", "By Senior Pilot", "By Metro Reporter", "By Staff Nurse"])
def test_a_job_after_a_desk_or_a_rank_names_no_person(byline):
    assert byline_names(byline) == ()


def test_a_surname_job_after_a_comma_is_still_the_job():
    assert byline_names("By Tobias Wren, Pediatric Nurse") == ("Tobias Wren",)
    assert byline_names("By Captain Tobias Wren") == ("Tobias Wren",)


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("מאת דנה לוי", ("דנה לוי",)),
        ("بقلم سارة المنصوري", ("سارة المنصوري",)),
        ("بقلم: سارة المنصوري", ("سارة المنصوري",)),
        ("文・山田太郎", ("山田太郎",)),
        ("文／佐藤花子", ("佐藤花子",)),
        ("記者 鈴木一郎", ("鈴木一郎",)),
        ("记者 王小明", ("王小明",)),
        ("作者：李华", ("李华",)),
    ],
)
def test_a_byline_in_hebrew_arabic_japanese_or_chinese_names_its_writer(line, names):
    assert byline_names(line) == names
    assert is_byline(line)


@pytest.mark.parametrize("line", ["文化祭が始まった", "记者会见将于明天举行", "作者不明の絵画が見つかった"])
def test_a_sentence_opening_with_the_same_characters_is_no_byline(line):
    assert byline_names(line) == ()
    assert not is_byline(line)


STORIES_JA = (
    (
        "北海道東部を走るローカル線の存続をめぐり、沿線の住民団体が二十八日、町に新たな支援策を提案した。"
        "利用者の減少が続くなか、観光客を呼び込むための臨時列車の運行が盛り込まれている。"
    ),
    (
        "鉄道会社によると、この路線の一日あたりの平均利用者数は昨年度、約三百人にとどまった。"
        "十年前と比べると半分以下に落ち込んでおり、年間の赤字は十億円を超えている。"
    ),
    "住民団体は来月、沿線で署名活動を始める予定だ。集まった署名は年明けにも道と鉄道会社に提出するという。",
)


STORIES_ZH = (
    "本市老城区改造工程于本周一正式启动。根据规划，改造将涉及二十多条街巷和近三千户居民，预计在三年内完成。",
    "市住建局负责人介绍，此次改造坚持“留改拆”并举，尽量保留老建筑的历史风貌。对于有价值的传统民居，将以修缮为主。",
    "改造资金主要来自市财政和中央补助，总投资约十二亿元。部分居民也将根据自愿原则承担少量费用。",
)


def test_a_japanese_byline_in_the_page_gives_the_name_without_its_label():
    page = (
        '<html lang="ja"><head><meta charset="utf-8"><title>地方鉄道の存続へ</title></head><body><article>'
        '<h1>地方鉄道の存続へ</h1><p class="byline">文・山田太郎</p>'
        + "".join(f"<p>{p}</p>" for p in STORIES_JA)
        + "</article></body></html>"
    )
    article = extract_html(page, url="https://news.example/a")
    assert article is not None
    assert article.authors == ("山田太郎",)
    assert "文・山田太郎" not in article.text


@pytest.mark.parametrize(
    ("line", "moment"),
    [
        ("2026年11月26日", datetime(2026, 11, 26, tzinfo=UTC)),
        ("2026年11月28日 9時05分", datetime(2026, 11, 28, 9, 5, tzinfo=UTC)),
        ("2026年3月1日 14:30", datetime(2026, 3, 1, 14, 30, tzinfo=UTC)),
        ("2026년 11월 26일", datetime(2026, 11, 26, tzinfo=UTC)),
    ],
)
def test_a_date_written_with_year_month_and_day_marks_is_a_date_line(line, moment):
    assert is_date_line(line)
    assert find_dates(line)[0][0] == moment


def test_a_chinese_page_without_a_date_in_its_markup_is_dated_from_the_line_under_its_headline():
    page = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>老城区改造启动</title></head><body><article>'
        "<h1>老城区改造启动</h1><p>记者 王小明</p><p>2026年11月26日</p>"
        + "".join(f"<p>{p}</p>" for p in STORIES_ZH)
        + "</article></body></html>"
    )
    article = extract_html(page, url="https://news.example/b")
    assert article is not None
    assert article.published == datetime(2026, 11, 26, tzinfo=UTC)
    assert article.authors == ("王小明",)
    assert article.paragraphs == STORIES_ZH


@pytest.mark.parametrize(
    ("line", "moment"),
    [
        ("27 نوفمبر 2026", datetime(2026, 11, 27, tzinfo=UTC)),
        ("3 أيلول 2026", datetime(2026, 9, 3, tzinfo=UTC)),
        ("27 בנובמבר 2026", datetime(2026, 11, 27, tzinfo=UTC)),
        ("1 במרץ 2026", datetime(2026, 3, 1, tzinfo=UTC)),
    ],
)
def test_a_date_with_an_arabic_or_hebrew_month_is_a_date_line(line, moment):
    assert is_date_line(line)
    assert find_dates(line)[0][0] == moment
