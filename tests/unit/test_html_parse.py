from __future__ import annotations

import copy
import random
import re

import pytest
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from digest.extract.html_parse import PageElement, has_xml_illegal, load_html

PAGES = [
    "<html><head><title>T</title></head><body><p>One paragraph.</p></body></html>",
    (
        "<!DOCTYPE html>\n<html><body><form><input name='q' value='x'><select><option>a</select>"
        "<textarea>t</textarea><label>l</label></form><p>Text</p></body></html>"
    ),
    # a doctype with a slash libxml2 misreads, on a first line holding the whole page
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"><html><body><p>x</p></body></html>',
    '<!doctype html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html><p>y</p></html>',
    # a self-closing <html/> in the first lines
    "<!DOCTYPE html>\n<html lang='en'/>\n<body><p>Body text here.</p></body>",
    # characters XML forbids, among others
    "<html><body><p>a\x00b\x08c\x0bd\x1fe\ufffef\uffffg\tg\nh\ri</p><p>é ü € 😀</p></body></html>",
    "<html><body><p>only a form feed \x0c here</p></body></html>",
    # read from its UTF-8 whatever charset it declares, as the string it was decoded into
    "<html><head><meta charset='iso-8859-1'></head><body><p>Ĳssel, Māori, 東京, 😀</p></body></html>",
    "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1251'></head><p>é</p></html>",
    # a lone surrogate, which no UTF-8 holds
    "<html><body><p>a\ud800b</p></body></html>",
    # a string declaring its encoding: lxml wants bytes
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>Declared.</p></body></html>',
    # fragments and text that is no page
    "<p>a lone paragraph</p>",
    "<div><p>one</p><p>two</p></div>",
    "just some words, no markup at all",
    "",
    "   \n  ",
    "<html></html>",
    "<!-- a comment --><html><body><?pi x?><p>after</p></body></html>",
    "<html><body><p>broken <b>markup <i>nested</p></div></span> tail",
]


def _serialised(tree) -> bytes | None:
    return None if tree is None else etree.tostring(tree.getroottree(), encoding="utf-8")


@pytest.mark.parametrize("page", PAGES)
def test_the_tree_is_trafilaturas(page):
    assert _serialised(load_html(page)) == _serialised(trafilatura.load_html(page))


def test_every_element_is_an_html_element():
    tree = load_html(PAGES[1])
    assert tree is not None
    elements = list(tree.iter())
    assert {e.tag for e in elements} >= {"form", "input", "select", "textarea", "label", "p"}
    assert all(type(e) is PageElement for e in elements)
    assert all(isinstance(e, HtmlElement) for e in elements)
    assert tree.find(".//p").text_content() == "Text"


# Text in every shape a page holds it: nested inline elements, tails, entities, CDATA in a
# script, characters outside the BMP, empty elements, a table, text after the root's end.
_TEXT_PAGES = [
    *PAGES,
    (
        "<html><body><div id='a'>lead <b>bold <i>deep</i> more</b> tail &amp; &eacute;&nbsp;x"
        "<p>para <a href='#'>link</a>, after</p><p></p><br>between<span> </span>"
        "<table><tr><td>cell <em>one</em></td><td/></tr></table></div>"
        "<script><![CDATA[var x = '<b>';]]></script><style>p {}</style>"
        "<p>😀 &#x1F600; \u00e9 <sup>2</sup></p></body></html>trailing"
    ),
]


@pytest.mark.parametrize("page", _TEXT_PAGES)
def test_text_content_is_lxml_html_s(page):
    tree = load_html(page)
    if tree is None:
        return
    reference = etree.XPath("string()")
    for element in [tree, *tree.iterdescendants()]:
        if isinstance(element.tag, str):
            assert element.text_content() == reference(element), element.tag


def test_copies_keep_the_element_class():
    # trafilatura copies the tree it is given, and its copies' elements are read the same way
    tree = load_html(_TEXT_PAGES[-1])
    assert tree is not None
    for copied in (copy.copy(tree), copy.deepcopy(tree), copy.deepcopy(tree.find(".//div"))):
        assert {type(e) for e in copied.iter() if isinstance(e.tag, str)} == {PageElement}
        assert copied.text_content() == etree.XPath("string()")(copied)


_REFERENCE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def test_forbidden_characters_are_found_wherever_they_are():
    rng = random.Random(7)
    alphabet = ["a", "é", "€", "😀", "\ufffd", "\ud800", "\t", "\n", "\r", " ", "\x7f", "\x85", "\ufeff"]
    alphabet += [chr(c) for c in range(0x20)] + ["\ufffe", "\uffff"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert has_xml_illegal(text) == bool(_REFERENCE.search(text)), repr(text)


def test_text_content_of_an_element_without_children_is_its_text():
    tree = load_html("<html><body><p>One <a href='#'>link</a><b></b> and <i><!-- x --></i></p></body></html>")
    assert tree is not None
    link, bold, italic = tree.find(".//a"), tree.find(".//b"), tree.find(".//i")
    assert (link.text_content(), bold.text_content(), italic.text_content()) == ("link", "", "")
    paragraph = tree.find(".//p")
    for child in list(paragraph):
        paragraph.remove(child)  # their tails go with them
    assert paragraph.text_content() == "One " == etree.XPath("string()")(paragraph)


@pytest.mark.parametrize("path", [".//a", ".//p", ".//b", ".//section", ".//a-b", ".//*", ".//p/a", "a", ".//a[@href]"])
def test_find_and_findall_answer_as_lxml_does(path):
    page = "<html><body><p>x <a href='#'>1</a><b><a>2</a></b></p><a-b/><section><p><a>3</a></p></section></body></html>"
    tree = load_html(page)
    assert tree is not None
    for element in [tree, *tree.iterdescendants()]:
        assert element.findall(path) == HtmlElement.findall(element, path), (path, element.tag)
        assert element.find(path) is HtmlElement.find(element, path), (path, element.tag)
