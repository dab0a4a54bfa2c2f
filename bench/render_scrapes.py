"""Text scrapes for a set that has none: each page rendered by lynx as the web sets' scrapes were.

usage: python bench/render_scrapes.py OUT [--data DIR] [--set NAME]

Copies the set's ``ground-truth.json`` and ``html/`` under OUT, in the shared data folder's
layout, and writes ``scrapes/<id>.txt`` beside them with ``lynx -dump -nolist -nomargins
-width=10000`` (the command that made the web sets' scrapes). Then

    python bench/extraction.py --data OUT --set extraction --only "ours (text scrape)"

scores the scrape classifier on pages it was never tuned on (the ScrapingHub set has HTML only).
Needs lynx (Debian: ``apt-get install lynx``).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.extraction import SETS  # noqa: E402

LYNX = ["lynx", "-dump", "-nolist", "-nomargins", "-width=10000", "-force_html", "-display_charset=utf-8"]


def render(html: bytes, *, timeout: float = 30) -> str:
    with tempfile.NamedTemporaryFile(suffix=".html") as page:
        page.write(html)
        page.flush()
        done = subprocess.run([*LYNX, page.name], capture_output=True, timeout=timeout, check=False)
    return done.stdout.decode("utf-8", "replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the set to, in the shared data layout")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--set", default="extraction", choices=list(SETS))
    args = parser.parse_args(argv)
    if shutil.which("lynx") is None:
        print("render_scrapes: lynx is not installed (Debian: apt-get install lynx)", file=sys.stderr)
        return 2
    source = args.data / SETS[args.set]
    if not (source / "ground-truth.json").is_file():
        print(f"render_scrapes: no {args.set} set under {args.data}", file=sys.stderr)
        return 2
    target = args.out / SETS[args.set]
    (target / "scrapes").mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "ground-truth.json", target / "ground-truth.json")
    shutil.copytree(source / "html", target / "html", dirs_exist_ok=True)
    pages = sorted((source / "html").glob("*.html.gz"))
    for path in pages:
        page_id = path.name.removesuffix(".html.gz")
        text = render(gzip.decompress(path.read_bytes()))
        (target / "scrapes" / f"{page_id}.txt").write_text(text, encoding="utf-8")
    print(f"{len(pages)} scrapes of {args.set} in {target / 'scrapes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
