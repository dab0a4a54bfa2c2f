"""The library stays plain: no Prefect in digest/, and pure stages import no I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

DIGEST = Path(__file__).resolve().parents[2] / "digest"
PURE = ("extract", "extract_html", "scrape", "summarize", "sentences")
IO_MODULES = {"digest.store", "digest.fetch", "digest.gather", "digest.files", "httpx", "sqlalchemy", "prefect"}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DIGEST.glob("*.py")), ids=lambda p: p.name)
def test_digest_never_imports_prefect(path):
    assert not any(n == "prefect" or n.startswith("prefect.") for n in imports(path))


@pytest.mark.parametrize("name", PURE)
def test_pure_stages_import_no_io(name):
    path = DIGEST / f"{name}.py"
    if not path.exists():
        pytest.skip(f"{name}.py not present")
    assert not imports(path) & IO_MODULES


def test_extract_command_does_not_load_prefect():
    code = "import sys; import digest.cli, digest.extract; print('prefect' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
