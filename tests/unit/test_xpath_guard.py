from __future__ import annotations

import random
import re

import pytest
from lxml import etree
from trafilatura import xpaths

import digest.extract.html  # noqa: F401 -- installs the guarded expressions
from digest.extract.xpath_guard import BODY_LISTS, ORIGINAL_PATHS, REGEXP_NS, guard_trafilatura_expressions, guarded

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
        assert any("(@id) and re:test(@id," in e.path or "(@class) and re:test(@class," in e.path for e in expressions)


def test_a_pattern_matching_the_empty_string_is_left_alone():
    # without the attribute the empty string is tested, and this pattern matches it
    expression = etree.XPath(".//*[re:test(@class, '^$|x?')]", namespaces={"re": REGEXP_NS})
    assert guarded(expression) is expression
    page = etree.fromstring("<r><a/><b class='x'/></r>")
    assert len(expression(page)) == 2  # <a>, without a class, too


def test_a_test_with_flags_or_on_text_is_left_alone():
    for path in (".//*[re:test(@class, 'nav', 'i')]", ".//*[re:test(text(), 'nav')]"):
        expression = etree.XPath(path, namespaces={"re": REGEXP_NS})
        assert guarded(expression) is expression


def test_a_guarded_test_selects_the_same_elements():
    path = ".//*[self::div or self::p][re:test(@id|@class, 'share|^nav') or re:test(@style, 'none')]"
    expression = etree.XPath(path, namespaces={"re": REGEXP_NS})
    rewritten = guarded(expression)
    assert rewritten is not expression
    assert "((@id|@class) and re:test(@id|@class," in rewritten.path
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
