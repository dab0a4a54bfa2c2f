"""The library stays plain: no Prefect in digest/, and pure stages import no I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

DIGEST = Path(__file__).resolve().parents[2] / "digest"
# The pure stages: no network, no database, no files but their own templates.
PURE = (
    "extract/article",
    "extract/html",
    "extract/scrape",
    "summarize/algorithms",
    "summarize/sentences",
    "mail/compose",
    "mail/render",
    "mail/message",
    "extract/charset",
    "extract/html_meta",
    "extract/html_paragraphs",
    "extract/html_text",
    "extract/scrape_lines",
    "extract/cues",
    "extract/byline",
    "extract/headline",
    "extract/scrape_body",
)
IO_PACKAGES = (
    "digest.store",
    "digest.gather",
    "digest.delivery",
    "digest.app",
    "httpx",
    "sqlalchemy",
    "prefect",
    "aiosmtplib",
    "aiosmtpd",
    "psycopg",
)


def io_imports(names: set[str]) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in IO_PACKAGES)}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DIGEST.rglob("*.py")), ids=lambda p: str(p.relative_to(DIGEST)))
def test_digest_never_imports_prefect(path):
    assert not any(n == "prefect" or n.startswith("prefect.") for n in imports(path))


@pytest.mark.parametrize("name", PURE)
def test_pure_stages_import_no_io(name):
    path = DIGEST / f"{name}.py"
    assert path.exists(), f"{name}.py is missing"
    assert not io_imports(imports(path))


def test_extract_command_does_not_load_prefect():
    code = "import sys; import digest.cli, digest.extract.article; print('prefect' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
