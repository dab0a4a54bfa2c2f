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

A test against a pattern that needs one of a few literal runs ("cookie", "bottom"
or "link") is guarded by those runs too: ``contains(@class, 'cookie') and
re:test(@class, '...')``, and libxml2 answers for an element whose class holds
none of them. A pattern of many alternatives keeps the one call: a dozen
``contains`` cost more than it. In the same way ``contains(translate(@id, 'T', 't'),
'teaser')`` is tested only where the id holds "easer", the run translate leaves.

And ``.//*[self::div or self::p][...]`` is read by libxml2 as every child of every
node (text included) tested against each name in turn, a node-set built for each
test: ``descendant::div[...] | descendant::p[...]`` selects the same elements in
the same order, each name found by one walk, in about half the time. Only steps
whose predicates are true or false (never a position: ``[1]``, ``position()``,
``last()``) are rewritten so; the others keep their meaning by staying as they are.
But a last ``[1]``, the first child of its parent to pass the tests, is one with no
sibling before it that passes them: ``[not(preceding-sibling::*[...])]``.
A step testing every element (``descendant::*[...]``) whose test can only be true
with one of a few attributes there first passes over the elements with none of
them: ``descendant::*[@class or @id][...]``.
"""

from __future__ import annotations

import re

from lxml import etree

from digest.extract.prefilter import needed_literals

__all__ = [
    "BODY_LISTS",
    "ORIGINAL_PATHS",
    "attributes_needed",
    "descendant_steps",
    "guard_trafilatura_expressions",
    "guarded",
]

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


# A pattern needing one of more literal runs than this keeps only the attribute's guard.
_MAX_GUARD_LITERALS = 3


def guarded(expression: etree.XPath) -> etree.XPath:
    """``expression``, each test of an attribute against a pattern made only where the attribute is
    (and holds a literal run the pattern needs), each step over descendants by name."""

    def guard(match: re.Match[str]) -> str:
        attributes, pattern = match.group(1), match.group(2)
        try:
            compiled = re.compile(pattern)
        except re.error:
            return match.group(0)
        if compiled.search("") is not None:
            return match.group(0)
        return f"(({attributes}) and {_literal_guard(attributes, compiled)}{match.group(0)})"

    path = descendant_steps(_TRANSLATED_TEST.sub(_guard_translated, _ATTRIBUTE_TEST.sub(guard, expression.path)))
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


# contains(translate(@id, 'T', 't'), 'teaser'): a test ignoring the case of some letters
_TRANSLATED_TEST = re.compile(
    r"(?<!\) and )contains\(translate\((@[\w-]+(?:\|@[\w-]+)*),\s*'([^']*)',\s*'([^']*)'\),\s*'([^']+)'\)"
)
_MIN_TRANSLATED_RUN = 3


def _guard_translated(match: re.Match[str]) -> str:
    """The test guarded by the longest run of the literal that translate leaves as it is
    ("easer" of "teaser" when T becomes t): the attribute holds that run wherever the test holds."""
    attributes, source, target, literal = match.groups()
    if len(target) < len(source):
        return match.group(0)  # letters translate deletes would join runs the attribute has apart
    changed = set(source) | set(target[: len(source)])
    runs = re.split("|".join(map(re.escape, sorted(changed))), literal) if changed else [literal]
    run = max(runs, key=len)
    if len(run) < _MIN_TRANSLATED_RUN or (quoted := _xpath_string(run)) is None:
        return match.group(0)
    return f"(contains({attributes}, {quoted}) and {match.group(0)})"


def _literal_guard(attributes: str, pattern: re.Pattern[str]) -> str:
    """``contains(...) and `` for the few literal runs one of which any match holds; else ''."""
    found = needed_literals(pattern, fold_case=False) or frozenset()
    # a text holding a run holds every run inside it: the shortest runs are enough
    needs = {literal for literal in found if not any(other in literal and other != literal for other in found)}
    if not needs or len(needs) > _MAX_GUARD_LITERALS:
        return ""
    quoted = [_xpath_string(literal) for literal in sorted(needs)]
    if any(q is None for q in quoted):
        return ""
    tests = " or ".join(f"contains({attributes}, {q})" for q in quoted)
    return f"({tests}) and "


def _xpath_string(text: str) -> str | None:
    if "'" not in text:
        return f"'{text}'"
    return f'"{text}"' if '"' not in text else None


# --- steps over descendants ------------------------------------------------------

_NAME = r"[A-Za-z_][\w.-]*"
_CHILD_STEP = re.compile(rf"\.//(\*|{_NAME})")
_NAME_TESTS = re.compile(rf"self::({_NAME})(?:\s+or\s+self::({_NAME}))*")
_SELF_NAME = re.compile(rf"self::({_NAME})")
_BOOLEAN_FUNCTIONS = frozenset(["not", "contains", "starts-with", "re:test", "boolean", "true", "false", "lang"])
_CALL = re.compile(r"([\w:-]+)\(_*\)")
_OPERATOR = re.compile(r"\s(?:or|and)\s|[=<>]")
_POSITIONAL = re.compile(r"\b(?:position|last)\s*\(")


def descendant_steps(path: str) -> str:
    """``path`` with each ``.//*[self::a or self::b][P]`` written ``descendant::a[P] | descendant::b[P]``
    and each ``.//a[P]`` written ``descendant::a[P]``, where no predicate of the step is a position."""
    alternatives = _split(path, "|")
    if alternatives is None:
        return path
    rewritten = [_descendant_alternative(alternative) for alternative in alternatives]
    if all(new is None for new in rewritten):
        return path
    return " | ".join(new if new is not None else old.strip() for new, old in zip(rewritten, alternatives, strict=True))


def _descendant_alternative(alternative: str) -> str | None:
    text = alternative.strip()
    if text.startswith("("):
        close = _closing(text, 0)
        if close is None:
            return None
        inner = text[1:close]
        new = descendant_steps(inner)
        return None if new == inner else f"({new}){text[close + 1 :]}"
    step = _CHILD_STEP.match(text)
    if step is None:
        return None
    predicates = _predicates(text[step.end() :])
    if predicates and predicates[-1].strip() == "1" and all(_is_truth_value(p) for p in predicates[:-1]):
        # the first child of its parent to pass the tests: no sibling before it passes them
        tests = "".join(f"[{p}]" for p in predicates[:-1])
        predicates[-1] = f"not(preceding-sibling::{step.group(1)}{tests})"
    if predicates is None or not all(_is_truth_value(p) for p in predicates):
        return None
    name = step.group(1)
    if name == "*" and predicates and _NAME_TESTS.fullmatch(predicates[0].strip()):
        rest = "".join(f"[{p}]" for p in predicates[1:])
        return " | ".join(f"descendant::{tag}{rest}" for tag in _SELF_NAME.findall(predicates[0]))
    if name == "*" and predicates and (needed := attributes_needed(predicates[0])):
        # every element is tested: those without any attribute the test reads are passed over first
        predicates.insert(0, " or ".join(f"@{attribute}" for attribute in sorted(needed)))
    return f"descendant::{name}" + "".join(f"[{p}]" for p in predicates)


_ATTRIBUTES = rf"@{_NAME}(?:\s*\|\s*@{_NAME})*"
_ATTRIBUTE_NAME = re.compile(rf"@({_NAME})")
# @class, (@id|@class), @role = 'x', contains(@class, 'x'), starts-with(translate(@id, 'T', 't'), 'x')
_READS_ATTRIBUTES = (
    re.compile(rf"\(?({_ATTRIBUTES})\)?"),
    re.compile(rf"({_ATTRIBUTES})\s*(?:!=|<=|>=|=|<|>)\s*(?:'[^']*'|\"[^\"]*\"|[\d.]+)"),
    re.compile(
        rf"(?:contains|starts-with)\(\s*(?:translate\(\s*)?({_ATTRIBUTES})\s*(?:,\s*'[^']*'\s*){{0,2}}\)?\s*,\s*'[^']+'\s*\)"
    ),
)


def attributes_needed(predicate: str) -> frozenset[str] | None:
    """Attributes one of which an element needs for ``predicate`` to be true; None when that cannot
    be read from it (a test that may be true without any: ``not(@x)``, an unguarded ``re:test``)."""
    text = predicate.strip()
    outline = _outline(text)
    if outline is None:
        return None
    if outline.startswith("(") and _closing(text, 0) == len(text) - 1:
        return attributes_needed(text[1:-1])
    disjuncts = _cut(text, outline, "or")
    if len(disjuncts) > 1:
        needs = [attributes_needed(d) for d in disjuncts]
        return None if any(n is None for n in needs) else frozenset().union(*needs)  # type: ignore[arg-type]
    conjuncts = _cut(text, outline, "and")
    if len(conjuncts) > 1:  # false as soon as one is: the attributes of any one are enough
        known = [n for n in map(attributes_needed, conjuncts) if n is not None]
        return min(known, key=len) if known else None
    for form in _READS_ATTRIBUTES:
        if (match := form.fullmatch(text)) is not None:
            return frozenset(_ATTRIBUTE_NAME.findall(match.group(1)))
    return None


def _cut(text: str, outline: str, operator: str) -> list[str]:
    """``text`` cut at each ``operator`` (or, and) outside strings and brackets."""
    cuts = [m.span() for m in re.finditer(rf"\s{operator}\s", outline)]
    starts = [0, *(end for _, end in cuts)]
    ends = [*(start for start, _ in cuts), len(text)]
    return [text[a:b] for a, b in zip(starts, ends, strict=True)]


def _is_truth_value(predicate: str) -> bool:
    """Whether ``predicate`` is certainly true or false, never a number (a position), and does not
    read its element's position: its meaning is the same whatever axis the step walks."""
    text = predicate.strip()
    outline = _outline(text)
    if outline is None or _POSITIONAL.search(_without_strings(text)):
        return False
    if outline.startswith("(") and _closing(text, 0) == len(text) - 1:
        return _is_truth_value(text[1:-1])
    if _OPERATOR.search(outline):
        return True  # an "or", an "and" or a comparison, outside any bracket: true or false
    call = _CALL.fullmatch(outline)
    if call is not None:
        return call.group(1) in _BOOLEAN_FUNCTIONS
    return re.fullmatch(rf"@{_NAME}|self::{_NAME}|\.//?[\w*@:./-]+", outline) is not None  # a node-set: any node there


def _without_strings(text: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)


def _outline(text: str) -> str | None:
    """``text`` with string literals and whatever is inside brackets blanked, the outermost
    brackets kept; None when a string or a bracket is left open."""
    out, depth, quote = [], 0, ""
    for char in text:
        if quote:
            out.append("_")
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
            out.append("_")
        elif char in "([":
            out.append(char if depth == 0 else "_")
            depth += 1
        elif char in ")]":
            depth -= 1
            out.append(char if depth == 0 else "_")
            if depth < 0:
                return None
        else:
            out.append(char if depth == 0 else "_")
    return "".join(out) if depth == 0 and not quote else None


def _split(text: str, separator: str) -> list[str] | None:
    """``text`` cut at each ``separator`` outside strings and brackets."""
    outline = _outline(text)
    if outline is None:
        return None
    parts, start = [], 0
    for index, char in enumerate(outline):
        if char == separator:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _closing(text: str, opening: int) -> int | None:
    """The index of the bracket closing the one at ``opening``."""
    outline = _outline(text[opening:])
    if outline is None:
        return None
    depth = 0
    for index, char in enumerate(outline):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                return opening + index
    return None


def _predicates(text: str) -> list[str] | None:
    """The insides of the bracketed predicates ``text`` is made of; None when it holds anything else."""
    predicates, rest = [], text.strip()
    while rest:
        if not rest.startswith("["):
            return None
        close = _closing(rest, 0)
        if close is None:
            return None
        predicates.append(rest[1:close])
        rest = rest[close + 1 :].strip()
    return predicates
