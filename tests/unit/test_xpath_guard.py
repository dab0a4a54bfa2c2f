from __future__ import annotations

import random
import re

import pytest
from lxml import etree
from trafilatura import xpaths

import digest.extract.html  # noqa: F401 -- installs the guarded expressions
from digest.extract.xpath_guard import (
    BODY_LISTS,
    ORIGINAL_PATHS,
    REGEXP_NS,
    attributes_needed,
    descendant_steps,
    guard_trafilatura_expressions,
    guarded,
)

_TAGS = ["div", "p", "span", "section", "article", "main", "aside", "header", "ol", "ul", "li", "h1", "h2", "a"]
_TAGS += ["list", "item", "ref", "head", "quote", "details", "table", "td", "b"]  # trafilatura's renamed tags
_ATTRIBUTES = ["id", "class", "style", "role", "itemprop", "data-component", "aria-hidden", "href", "rel"]


def _vocabulary(path: str) -> list[str]:
    """Words that make the expression's tests match, read from it, and a few that do not."""
    words = {"", " ", "x", "content", "main", "display:none", "true", "navigation", "hidden"}
    for pattern in re.findall(r"'([^']*)'", path):
        for part in pattern.split("|"):
            word = re.sub(r"[\\^$()?:*+\[\]{}]", "", part)
            words.update([word, word.lower(), f"a-{word}-b", f"{word} other"])
    return sorted(words)


def _random_page(rng: random.Random, words: list[str], elements: int = 200) -> etree._Element:
    root = etree.Element("html")
    body = etree.SubElement(root, "body")
    nodes = [body]
    for _ in range(elements):
        element = etree.SubElement(rng.choice(nodes), rng.choice(_TAGS))
        for name in (a for a in _ATTRIBUTES if rng.random() < (0.5 if a in ("id", "class") else 0.25)):
            element.set(name, " ".join(rng.choice(words) for _ in range(rng.randint(1, 2))))
        element.text = rng.choice(["", "text", "some words here"])
        nodes.append(element)
    return root


def _expressions() -> list[tuple[str, int]]:
    return [(name, index) for name, paths in sorted(ORIGINAL_PATHS.items()) for index in range(len(paths))]


@pytest.mark.parametrize(("name", "index"), _expressions())
def test_each_guarded_expression_selects_what_trafilaturas_selects(name, index):
    original = etree.XPath(ORIGINAL_PATHS[name][index], namespaces={"re": REGEXP_NS})
    installed = getattr(xpaths, name)[index]
    rng = random.Random(f"{name}-{index}")
    words = _vocabulary(original.path)
    selected = 0
    for _ in range(20):
        page = _random_page(rng, words)
        for context in (page, page[0]):
            expected = original(context)
            assert installed(context) == expected
            selected += len(expected)
    assert selected or "re:test" not in original.path, "the pages never exercise this expression"


def test_the_lists_trafilatura_prunes_with_are_guarded():
    assert guard_trafilatura_expressions() == 0  # once only
    for expressions in (xpaths.OVERALL_DISCARD_XPATH, xpaths.BODY_XPATH, xpaths.REMOVE_COMMENTS_XPATH):
        assert any("((@id) and " in e.path or "((@class) and " in e.path for e in expressions)
        assert all(".//*[self::" not in e.path for e in expressions if "[1]" not in e.path)


def test_a_pattern_matching_the_empty_string_is_left_alone():
    # without the attribute the empty string is tested, and this pattern matches it
    expression = etree.XPath(".//*[re:test(@class, '^$|x?')]", namespaces={"re": REGEXP_NS})
    assert guarded(expression).path == "descendant::*[re:test(@class, '^$|x?')]"
    page = etree.fromstring("<r><a/><b class='x'/></r>")
    assert len(expression(page)) == 2  # <a>, without a class, too


def test_a_test_with_flags_or_on_text_is_left_alone():
    for path in (".//*[re:test(@class, 'nav', 'i')]", ".//*[re:test(text(), 'nav')]"):
        expression = etree.XPath(path, namespaces={"re": REGEXP_NS})
        assert guarded(expression).path == path.replace(".//*", "descendant::*")


def test_a_guarded_test_selects_the_same_elements():
    path = ".//*[self::div or self::p][re:test(@id|@class, 'share|^nav') or re:test(@style, 'none')]"
    expression = etree.XPath(path, namespaces={"re": REGEXP_NS})
    rewritten = guarded(expression)
    assert rewritten is not expression
    assert (
        "((@id|@class) and (contains(@id|@class, 'nav') or contains(@id|@class, 'share')) and re:test("
        in rewritten.path
    )
    page = etree.fromstring(
        "<r><div id='navbar' class='x'/><div class='share'/><p id='' class='share'/><p style='display:none'/>"
        "<div/><p class='nav'/><span class='share'/><div id='main' class='share'/></r>"
    )
    assert rewritten(page) == expression(page)
    assert [e.get("class") or e.get("style") for e in rewritten(page)] == ["x", "share", "display:none", "nav"]


def test_the_metadata_expressions_stay_as_trafilatura_wrote_them():
    # the author search mirrors trafilatura's only while they are the ones it was written against
    from digest.extract import html_meta

    assert set(ORIGINAL_PATHS) <= set(BODY_LISTS)
    assert all("(@class) and re:test" not in e.path for e in xpaths.AUTHOR_XPATHS)
    assert html_meta._AUTHOR_SEARCH_MIRRORED


def _xpath(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces={"re": REGEXP_NS})


def test_a_test_needing_a_few_literal_runs_is_guarded_by_them():
    rewritten = guarded(
        _xpath(".//*[re:test(@class, '(^|\\s)bottom|bottom(\\s|$)') or re:test(@id, 'cookie|x-?cookie')]")
    )
    assert "(contains(@class, 'bottom')) and re:test(@class," in rewritten.path
    assert "(contains(@id, 'cookie')) and re:test(@id," in rewritten.path  # "x-cookie" holds "cookie"
    page = etree.fromstring(
        "<r><a class='page-bottom'/><a class='bottomless'/><a class='bottom'/><a class='x-cookie'/><a id='xcookie'/></r>"
    )
    assert [e.get("class") or e.get("id") for e in rewritten(page)] == [
        "page-bottom",
        "bottomless",
        "bottom",
        "xcookie",
    ]


def test_a_test_of_many_alternatives_keeps_only_the_attributes_guard():
    rewritten = guarded(_xpath(".//*[re:test(@class, 'nav|menu|bar|share-|footer')]"))
    assert "contains(@class" not in rewritten.path
    assert "((@class) and re:test(@class," in rewritten.path


def test_a_test_ignoring_case_inside_the_pattern_gets_no_literal_guard():
    rewritten = guarded(_xpath(".//*[re:test(@class, '(?i)cookie')]"))
    assert "contains(" not in rewritten.path
    assert [e.get("class") for e in rewritten(etree.fromstring("<r><a class='COOKIE'/></r>"))] == ["COOKIE"]


def test_a_step_over_named_descendants_is_a_union_of_descendant_steps():
    path = ".//*[self::div or self::p][@class='x' or contains(@id, 'y')]"
    assert (
        descendant_steps(path)
        == "descendant::div[@class='x' or contains(@id, 'y')] | descendant::p[@class='x' or contains(@id, 'y')]"
    )
    page = etree.fromstring("<r><p class='x'><div id='y'><p id='yy'/></div></p><div class='x'/><span class='x'/></r>")
    assert _xpath(descendant_steps(path))(page) == _xpath(path)(page)
    assert [e.tag for e in _xpath(descendant_steps(path))(page)] == ["p", "div", "p", "div"]  # document order


@pytest.mark.parametrize(
    "path",
    [
        ".//*[self::div][@class][2]",
        ".//*[self::div][1][@class]",
        ".//*[self::div][position() < 3]",
        ".//p[last()]",
        ".//p[count(a)]",
        "//*[self::div]",
        ".//div/p",
    ],
)
def test_a_step_that_reads_a_position_or_is_not_a_plain_step_is_left_alone(path):
    assert descendant_steps(path) == path


def test_the_first_of_a_bracketed_union_is_the_first_in_document_order():
    path = "(.//*[self::section or self::div][@class='a'])[1] | (.//main)[1]"
    rewritten = descendant_steps(path)
    assert rewritten == "(descendant::section[@class='a'] | descendant::div[@class='a'])[1] | (descendant::main)[1]"
    page = etree.fromstring("<r><div class='b'><div class='a' id='1'/></div><section class='a' id='2'/><main/></r>")
    assert _xpath(rewritten)(page) == _xpath(path)(page)
    assert [e.get("id") or e.tag for e in _xpath(rewritten)(page)] == ["1", "main"]


def test_strings_and_nested_brackets_are_read_as_such():
    path = ".//*[self::div][contains(@class, 'a|b') or re:test(@id, '[|]x(y)')][not(.//p[@id='] | ['])]"
    rewritten = descendant_steps(path)
    assert rewritten == "descendant::div[contains(@class, 'a|b') or re:test(@id, '[|]x(y)')][not(.//p[@id='] | ['])]"
    page = etree.fromstring("<r><div class='a|b'/><div id='|xy'><p id='] | ['/></div><div id='|xy'/></r>")
    assert _xpath(rewritten)(page) == _xpath(path)(page)


@pytest.mark.parametrize(
    ("predicate", "needed"),
    [
        ("@class", {"class"}),
        ("(@id|@class)", {"id", "class"}),
        ("@class='x' or @aria-hidden='true'", {"class", "aria-hidden"}),
        ("@class='' or @id != 'x'", {"class", "id"}),  # an attribute that is not there equals nothing
        ("contains(translate(@role, 'N', 'n'), 'nav') or starts-with(@id|@class, 'reply-')", {"role", "id", "class"}),
        ("((@style) and re:test(@style, 'none')) or contains(@class, 'x')", {"style", "class"}),
        # true without any attribute, or not read from the predicate
        ("not(@class)", None),
        ("re:test(@class, 'x')", None),
        ("contains(@class, '')", None),
        ("@class or contains(., 'x')", None),
        ("@class or text()", None),
    ],
)
def test_the_attributes_a_predicate_needs(predicate, needed):
    found = attributes_needed(predicate)
    assert (None if found is None else set(found)) == needed


def test_a_test_of_every_element_passes_over_those_without_the_attributes_it_reads():
    path = ".//*[@class='x' or contains(@style, 'none') or ((@id) and re:test(@id, 'nav'))]"
    rewritten = guarded(_xpath(path))
    assert rewritten.path.startswith("descendant::*[@class or @id or @style][")
    page = etree.fromstring("<r><a/><b class='x'/><i style='display:none'/><u id='navbar'/><s id='x' title='x'/></r>")
    assert rewritten(page) == _xpath(path)(page)
    assert [e.tag for e in rewritten(page)] == ["b", "i", "u"]


def test_the_first_child_to_pass_is_the_one_no_sibling_before_it_passes():
    path = ".//*[self::div or self::p][@class='a'][1]"
    rewritten = descendant_steps(path)
    assert rewritten == (
        "descendant::div[@class='a'][not(preceding-sibling::*[self::div or self::p][@class='a'])]"
        " | descendant::p[@class='a'][not(preceding-sibling::*[self::div or self::p][@class='a'])]"
    )
    page = etree.fromstring(
        "<r><p class='a' id='1'/><div class='a' id='2'><div class='b'/><p class='a' id='3'/><p class='a' id='4'/></div>"
        "<span class='a'/><p class='a' id='5'/></r>"
    )
    assert _xpath(rewritten)(page) == _xpath(path)(page)
    assert [e.get("id") for e in _xpath(rewritten)(page)] == ["1", "3"]


def test_a_test_of_translated_letters_is_guarded_by_the_letters_it_leaves():
    path = ".//*[contains(translate(@class, 'T', 't'), 'teaser') or contains(translate(@id, 'N', 'n'), 'nav')]"
    rewritten = guarded(_xpath(path))
    assert "(contains(@class, 'easer') and contains(translate(@class, 'T', 't'), 'teaser'))" in rewritten.path
    assert "(contains(@id" not in rewritten.path  # "nav" without n is too short a run to be worth a test
    page = etree.fromstring(
        "<r><a class='Teaser'/><a class='teaser'/><a class='TEASER'/><a id='Nav'/><a class='tease'/></r>"
    )
    assert rewritten(page) == _xpath(path)(page)
    assert [e.get("class") or e.get("id") for e in rewritten(page)] == ["Teaser", "teaser", "Nav"]


def test_a_translation_deleting_letters_gets_no_guard():
    path = ".//*[contains(translate(@class, '-_', ''), 'mainbody')]"
    assert "contains(@class, 'mainbody')" not in guarded(_xpath(path)).path
    page = etree.fromstring("<r><a class='main-body'/><a class='mainbody'/></r>")
    assert len(guarded(_xpath(path))(page)) == 2
