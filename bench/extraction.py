"""Article-body extraction benchmark: our extractor against trafilatura and readability.

usage: python bench/extraction.py [--data DIR] [--set NAME] [--json OUT] [--only SYSTEM]

DIR is the shared data folder (default ``<repo>/../shared/data``). A set
(``--set``, repeatable; all three by default) is one of ``extraction``
(``DIR/extraction/``, the ScrapingHub benchmark), ``readability`` and
``portals`` (``DIR/extraction-web/<name>/``). Pages are read from
``html/<id>.html.gz``; the two web sets also have ``scrapes/<id>.txt``, the
same page as a plain-text scrape, which the row "ours (text scrape)" reads
with our scrape classifier. Bodies are scored against ``ground-truth.json``
the way the ScrapingHub article extraction benchmark does: ``\\w+`` tokens (case kept), multisets of
overlapping 4-token shingles, per-page precision and recall averaged over
pages, F1 of the two averages, and "exact" = share of pages whose token
sequence equals the ground truth. F1 is also given for the even- and
odd-indexed pages (sorted ids) as a split-half check against overfitting.
"title" is the share of pages whose extracted title is the page's headline
(see ``bench/titles.py``).

Exits 1 when our extractor raised on any page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.titles import page_headlines, title_matches  # noqa: E402
from digest.extract.html import extract_html  # noqa: E402
from digest.extract.scrape import extract_scrape  # noqa: E402
from digest.models import Article  # noqa: E402

log = logging.getLogger("bench.extraction")

SHINGLE = 4
_TOKEN = re.compile(r"\w+")

# Set name -> its folder under the shared data folder.
SETS = {
    "extraction": "extraction",
    "readability": "extraction-web/readability",
    "portals": "extraction-web/portals",
}
OURS = "ours"
OURS_TEXT = "ours (text scrape)"


@dataclass(frozen=True, slots=True)
class Sample:
    id: str
    url: str
    html: bytes
    truth: str
    scrape: str = ""  # the page as a plain-text scrape, when the set has one


@dataclass(frozen=True, slots=True)
class Extracted:
    """What one system found on one page; ``article`` only from our extractor."""

    text: str
    title: str = ""
    article: Article | None = None


Extractor = Callable[[Sample], Extracted]


@dataclass(frozen=True, slots=True)
class PageResult:
    id: str
    precision: float
    recall: float
    exact: bool
    ms: float
    error: str = ""
    title_ok: bool | None = None  # None: the system gives no title, or the page has no headline


@dataclass(frozen=True, slots=True)
class Row:
    system: str
    precision: float
    recall: float
    f1: float
    exact: float
    f1_even: float
    f1_odd: float
    mean_ms: float
    max_ms: float
    errors: int
    title: float | None = None  # share of titled pages whose title is the page's headline
    titled_pages: int = 0


# --- scoring --------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(words: list[str], size: int = SHINGLE) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + size]) for i in range(max(0, len(words) - size + 1)))


def page_scores(predicted: str, truth: str) -> tuple[float, float, bool]:
    """Precision, recall and exact match of one page."""
    pred_words, truth_words = tokens(predicted), tokens(truth)
    pred, gold = shingles(pred_words), shingles(truth_words)
    exact = pred_words == truth_words
    if not pred and not gold:
        return 1.0, 1.0, exact
    tp = sum((pred & gold).values())
    fp = sum((pred - gold).values())
    fn = sum((gold - pred).values())
    # tp/fp/fn scaled to sum to 1 leave these ratios unchanged.
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, exact


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def summarise(system: str, results: list[PageResult]) -> Row:
    def averaged(subset: list[PageResult]) -> tuple[float, float]:
        n = len(subset) or 1
        return sum(r.precision for r in subset) / n, sum(r.recall for r in subset) / n

    precision, recall = averaged(results)
    times = [r.ms for r in results]
    titled = [r.title_ok for r in results if r.title_ok is not None]
    return Row(
        system=system,
        precision=precision,
        recall=recall,
        f1=f1(precision, recall),
        exact=sum(r.exact for r in results) / (len(results) or 1),
        f1_even=f1(*averaged(results[0::2])),
        f1_odd=f1(*averaged(results[1::2])),
        mean_ms=sum(times) / (len(times) or 1),
        max_ms=max(times, default=0.0),
        errors=sum(bool(r.error) for r in results),
        title=sum(titled) / len(titled) if titled else None,
        titled_pages=len(titled),
    )


# --- systems --------------------------------------------------------------


def _ours(article: Article | None) -> Extracted:
    return Extracted(article.text, article.title, article) if article else Extracted("")


def ours(sample: Sample) -> Extracted:
    return _ours(extract_html(sample.html, url=sample.url))


def ours_text(sample: Sample) -> Extracted:
    """Our scrape classifier on the plain-text scrape of the page (its URL given, as a fetch would)."""
    return _ours(extract_scrape(sample.scrape, url=sample.url))


def trafilatura_defaults(sample: Sample) -> Extracted:
    import trafilatura

    return Extracted(trafilatura.extract(sample.html.decode("utf-8", errors="replace")) or "")


def trafilatura_precision(sample: Sample) -> Extracted:
    import trafilatura

    return Extracted(trafilatura.extract(sample.html.decode("utf-8", errors="replace"), favor_precision=True) or "")


def readability_lxml(sample: Sample) -> Extracted:
    import lxml.html
    from readability import Document

    summary = Document(sample.html.decode("utf-8", errors="replace")).summary(html_partial=True)
    return Extracted(lxml.html.fromstring(summary).text_content() if summary.strip() else "")


def systems(samples: list[Sample] | None = None) -> dict[str, Extractor]:
    """The systems to compare; our text-scrape row only when the pages have scrapes."""
    found: dict[str, Extractor] = {OURS: ours}
    if samples and all(s.scrape for s in samples):
        found[OURS_TEXT] = ours_text
    found |= {
        "trafilatura defaults": trafilatura_defaults,
        "trafilatura favor_precision": trafilatura_precision,
    }
    try:
        import readability  # noqa: F401
    except ImportError:
        log.warning("readability-lxml is not installed; skipping that row")
    else:
        found["readability-lxml"] = readability_lxml
    return found


# --- running --------------------------------------------------------------


def set_folder(data: Path, name: str) -> Path:
    return data / SETS[name]


def load_samples(data: Path, name: str = "extraction") -> list[Sample]:
    folder = set_folder(data, name)
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    samples = []
    for page_id, entry in sorted(truth.items()):
        html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        scrape = folder / "scrapes" / f"{page_id}.txt"
        samples.append(
            Sample(
                id=page_id,
                url=entry.get("url") or "",
                html=html,
                truth=entry["articleBody"],
                scrape=scrape.read_text(encoding="utf-8") if scrape.is_file() else "",
            )
        )
    return samples


def run_system(extractor: Extractor, samples: list[Sample], *, keep: list[Extracted] | None = None) -> list[PageResult]:
    """Score ``extractor`` on every sample; ``keep`` collects what it found, page by page."""
    if samples:
        # Warm up lazy imports and caches so the first page's time is not theirs.
        _safe_call(extractor, samples[0])
    results = []
    for sample in samples:
        started = time.perf_counter()
        found, error = _safe_call(extractor, sample)
        ms = (time.perf_counter() - started) * 1000
        precision, recall, exact = page_scores(found.text, sample.truth)
        title_ok = None
        if extractor in (ours, ours_text) and (headlines := page_headlines(sample.html)):
            title_ok = title_matches(found.title, headlines)
        results.append(PageResult(sample.id, precision, recall, exact, ms, error, title_ok))
        if keep is not None:
            keep.append(found)
    return results


def _safe_call(extractor: Extractor, sample: Sample) -> tuple[Extracted, str]:
    try:
        return extractor(sample), ""
    except Exception as exc:  # noqa: BLE001 -- a bench reports every failure and goes on
        log.error("%s failed on %s: %s", getattr(extractor, "__name__", extractor), sample.id, exc)
        log.debug("%s", traceback.format_exc())
        return Extracted(""), f"{type(exc).__name__}: {exc}"


def format_table(rows: list[Row], pages: int, *, name: str = "extraction") -> str:
    header = (
        f"{'system':<28} {'prec':>6} {'recall':>6} {'F1':>6} {'exact':>6} "
        f"{'F1 even':>7} {'F1 odd':>7} {'ms/page':>8} {'max ms':>7} {'errors':>6} {'title':>6}"
    )
    lines = [f"{name}: {pages} pages", header, "-" * len(header)]
    lines.extend(
        f"{r.system:<28} {r.precision:6.3f} {r.recall:6.3f} {r.f1:6.3f} {r.exact:6.3f} "
        f"{r.f1_even:7.3f} {r.f1_odd:7.3f} {r.mean_ms:8.1f} {r.max_ms:7.1f} {r.errors:6d} "
        + (f"{r.title:6.3f}" if r.title is not None else f"{'':>6}")
        for r in rows
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--set", action="append", choices=list(SETS), help="score only this set (repeatable)")
    parser.add_argument("--json", type=Path, help="also write rows and per-page scores here")
    parser.add_argument("--only", action="append", help="run only this system (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # trafilatura logs every discarded page at WARNING; that is noise here.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    payload: dict = {"data": str(args.data), "sets": {}}
    errors = 0
    for name in args.set or list(SETS):
        if not (set_folder(args.data, name) / "ground-truth.json").is_file():
            print(f"{name}: not present under {args.data}, skipped", file=sys.stderr)
            continue
        samples = load_samples(args.data, name)
        rows, details = [], {}
        for system, extractor in systems(samples).items():
            if args.only and system not in args.only:
                continue
            results = run_system(extractor, samples)
            rows.append(summarise(system, results))
            details[system] = [asdict(r) for r in results]
        print(format_table(rows, len(samples), name=name), end="\n\n")
        payload["sets"][name] = {"pages": len(samples), "rows": [asdict(r) for r in rows], "per_page": details}
        errors += sum(r.errors for r in rows if r.system in (OURS, OURS_TEXT))
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    if errors:
        print(f"ours raised on {errors} page(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
