"""trafilatura's XPath expressions with each regular-expression test skipped where its attribute is missing.

trafilatura picks the blocks it prunes (share bars, comments, teasers, navigation)
and the block it reads with expressions such as ``.//*[self::div or ...][re:test(@id,
'...') or re:test(@class, '...')]``. Each ``re:test`` is a call from libxml2 into
Python, made for every element the expression reaches, whether it has the
attribute or not (without it, the empty string is tested): a dozen calls an
element on each pass.

When the pattern cannot match the empty string, ``((@id) and re:test(@id, '...'))``
selects the same elements, and libxml2 answers for an element without the
attribute itself. The expressions are rewritten so, once, in the body lists of
``trafilatura.xpaths`` (which trafilatura's modules share), and follow them when
they change: a test with flags, on something other than attributes, or whose
pattern matches the empty string is left as it is, and an expression that does
not compile rewritten is kept whole.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["BODY_LISTS", "ORIGINAL_PATHS", "guard_trafilatura_expressions", "guarded"]

REGEXP_NS = "http://exslt.org/regular-expressions"
# re:test(@id, 'pattern') or re:test(@id|@class, 'pattern'), not already guarded
_ATTRIBUTE_TEST = re.compile(r"(?<!\) and )re:test\((@[\w-]+(?:\|@[\w-]+)*),\s*'([^']*)'\)")

# The lists trafilatura finds and prunes the body with (its metadata's are left as they are: the
# author search in html_meta checks that they are the ones it mirrors).
BODY_LISTS = (
    "BODY_XPATH",
    "COMMENTS_DISCARD_XPATH",
    "COMMENTS_XPATH",
    "DISCARD_IMAGE_ELEMENTS",
    "OVERALL_DISCARD_XPATH",
    "PRECISION_DISCARD_XPATH",
    "RAW_TREE_PRUNE_XPATH",
    "REMOVE_COMMENTS_AND_LISTS_XPATH",
    "REMOVE_COMMENTS_XPATH",
    "TEASER_DISCARD_XPATH",
)
# The expressions as trafilatura wrote them, by list name, for comparison.
ORIGINAL_PATHS: dict[str, tuple[str, ...]] = {}


def guarded(expression: etree.XPath) -> etree.XPath:
    """``expression``, each test of an attribute against a pattern made only where the attribute is."""

    def guard(match: re.Match[str]) -> str:
        attributes, pattern = match.group(1), match.group(2)
        try:
            matches_empty = re.search(pattern, "") is not None
        except re.error:
            return match.group(0)
        return match.group(0) if matches_empty else f"(({attributes}) and {match.group(0)})"

    path = _ATTRIBUTE_TEST.sub(guard, expression.path)
    if path == expression.path:
        return expression
    try:
        return etree.XPath(path, namespaces={"re": REGEXP_NS})
    except etree.XPathError:
        return expression


def guard_trafilatura_expressions() -> int:
    """Rewrite the expressions of ``trafilatura.xpaths``'s body lists in place; the number rewritten."""
    from trafilatura import xpaths

    rewritten = 0
    for name in BODY_LISTS:
        value = getattr(xpaths, name, None)
        if name in ORIGINAL_PATHS or not isinstance(value, list):
            continue
        if not all(isinstance(e, etree.XPath) for e in value):
            continue
        ORIGINAL_PATHS[name] = tuple(e.path for e in value)
        for index, expression in enumerate(value):
            new = guarded(expression)
            if new is not expression:
                value[index] = new
                rewritten += 1
    return rewritten
