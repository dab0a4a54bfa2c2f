"""Content quality and speed: extraction F1 and titles, summary ROUGE and checks, pages per second.

usage: python bench/quality.py [--data DIR] [--json OUT] [--only PART] [--workers N] [--speed-runs N]

DIR is the shared data folder (default ``<repo>/../shared/data``). Three parts
(``--only extraction|summaries|speed``, repeatable; all three by default):

- extraction: each set of ``bench/extraction.py`` that is present
  (``DIR/extraction/``, ``DIR/extraction-web/readability/`` and
  ``.../portals/``), scored as there (the ScrapingHub article extraction
  benchmark's metric): our extractor on the HTML, our scrape classifier on
  the plain-text scrapes of the two web sets, trafilatura's defaults,
  trafilatura with favor_precision, readability-lxml; for our two paths the
  share of pages whose title is the page's headline (``bench/titles.py``);
  then every article our two paths found is summarised by the default and
  its sentences checked (``bench/summary_checks.py``).
- summaries: ``DIR/summaries/summaries.jsonl`` scored as in
  ``bench/summaries.py``: ROUGE-1/2/Lsum F x 100 (rouge-score, Porter
  stemming), 3 sentences, for our default, LEAD-3 and each sumy algorithm,
  and the default's gain over LEAD-3 with a paired bootstrap interval.
- speed: every page of the extraction sets through ``extract_html`` then
  ``summarize`` (the default, 3 sentences) on a pool of N worker processes
  (default 2), each a fresh interpreter ("spawn"). Each worker first runs
  both steps on two built-in pages, one of them with a body short enough to
  take every extraction path, so that imports and word lists loaded once
  per process are not timed; then all pages are handed out one at a time
  and the wall-clock time from the first hand-out to the last result gives
  pages per second. The pass is repeated ``--speed-runs`` times (default
  3), each with a fresh pool, and the median run is the figure. Each page's
  own time (extract + summarise, in its worker; extraction alone beside it),
  best of its runs as with timeit, gives the median and slowest page per
  set. CPU times (the worker's, every thread included) are printed too:
  unlike wall-clock times they do not grow when other programs take the
  cores. "cpu share" is the workers' CPU time over workers x wall-clock
  time: well under 100% when something else ran.

It also prints the figures of the quality gate (``tests/unit/test_quality_gate.py``)
on its fixed subsets: 1 page in 3 of each extraction set for the HTML path,
1 page in 2 of the web sets for the text-scrape path and its titles, the
summary checks on the articles of both, and 1 article in 2 of the summaries
set.

Writes every table's rows, per-page and per-article scores (ids and numbers
only, no text from the data) and the speed runs to OUT (default
``docs/benchmarks-quality.json``). Exits 1 when our extractor or our default
summariser raised anywhere.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import (  # noqa: E402
    extraction as extraction_bench,
    summaries as summaries_bench,
    summary_checks,
)
from digest.extract.html import extract_html  # noqa: E402
from digest.summarize.algorithms import DEFAULT_ALGORITHM, summarize  # noqa: E402

log = logging.getLogger("bench.quality")

DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_JSON = REPO / "docs" / "benchmarks-quality.json"
PARTS = ("extraction", "summaries", "speed")
OURS = extraction_bench.OURS
OURS_TEXT = extraction_bench.OURS_TEXT
DEFAULT_ROW = f"{DEFAULT_ALGORITHM} (default)"
WEB_SETS = ("readability", "portals")

# The quality gate's fixed subsets (sorted page ids; articles in file order, which is id order).
GATE_PAGE_STEP = 3
GATE_SCRAPE_STEP = 2  # the text-scrape path: 1 page in 2 of each web set
GATE_ARTICLE_STEP = 2


# --- the quality gate ------------------------------------------------------


def gate_pages(samples: list[extraction_bench.Sample]) -> list[extraction_bench.Sample]:
    return samples[::GATE_PAGE_STEP]


def gate_scrapes(samples: list[extraction_bench.Sample]) -> list[extraction_bench.Sample]:
    return samples[::GATE_SCRAPE_STEP]


def gate_articles(items: list[summaries_bench.Item]) -> list[summaries_bench.Item]:
    return items[::GATE_ARTICLE_STEP]


def gate_extraction(data: Path) -> dict:
    """Our extractor's F1 on the gate's pages of the extraction set."""
    samples = gate_pages(extraction_bench.load_samples(data))
    return _extraction_gate(extraction_bench.run_system(extraction_bench.ours, samples))


def gate_web(data: Path, name: str) -> dict:
    """A web set: the HTML path on 1 page in 3, the text-scrape path on 1 in 2, and the summary checks on both."""
    samples = extraction_bench.load_samples(data, name)
    pages, scrapes = gate_pages(samples), gate_scrapes(samples)
    html_found: list[extraction_bench.Extracted] = []
    text_found: list[extraction_bench.Extracted] = []
    html = extraction_bench.run_system(extraction_bench.ours, pages, keep=html_found)
    text = extraction_bench.run_system(extraction_bench.ours_text, scrapes, keep=text_found)
    return _web_gate(pages, html, html_found, scrapes, text, text_found)


def gate_summaries(data: Path) -> dict:
    """The default summariser's ROUGE-1 and ROUGE-2 on the gate's articles."""
    items = gate_articles(summaries_bench.load_items(data))
    return _summaries_gate(items, summaries_bench.run_system(DEFAULT_ALGORITHM, items, summaries_bench.make_scorer()))


def _extraction_gate(results: list[extraction_bench.PageResult], system: str = OURS) -> dict:
    row = extraction_bench.summarise(system, results)
    return {"pages": len(results), "f1": row.f1, "title": row.title, "errors": row.errors}


def _web_gate(
    html_samples: list[extraction_bench.Sample],
    html: list[extraction_bench.PageResult],
    html_found: list[extraction_bench.Extracted],
    text_samples: list[extraction_bench.Sample],
    text: list[extraction_bench.PageResult],
    text_found: list[extraction_bench.Extracted],
) -> dict:
    checks = summary_checks.check_articles(
        [(s.id, f.article) for s, f in zip(html_samples, html_found, strict=True)]
        + [(s.id, f.article) for s, f in zip(text_samples, text_found, strict=True)]
    )
    return {
        "html": _extraction_gate(html),
        "text": _extraction_gate(text, OURS_TEXT),
        "checks": {k: v for k, v in checks.as_dict().items() if k != "pages"},
    }


def _summaries_gate(items: list[summaries_bench.Item], results: list[summaries_bench.ArticleResult]) -> dict:
    row = summaries_bench.summarise(DEFAULT_ROW, items, results)
    return {"articles": len(results), "rouge1": row.rouge1, "rouge2": row.rouge2, "errors": row.errors}


# --- extraction and summaries -----------------------------------------------


def run_extraction(data: Path) -> dict:
    payload: dict = {}
    checks: dict[str, summary_checks.CheckCounts] = {}
    for name in extraction_bench.SETS:
        if not (extraction_bench.set_folder(data, name) / "ground-truth.json").is_file():
            print(f"{name}: not present, skipped")
            continue
        samples = extraction_bench.load_samples(data, name)
        rows, per_page, found = [], {}, {}
        for system, extractor in extraction_bench.systems(samples).items():
            keep: list[extraction_bench.Extracted] | None = [] if system in (OURS, OURS_TEXT) else None
            results = extraction_bench.run_system(extractor, samples, keep=keep)
            rows.append(extraction_bench.summarise(system, results))
            per_page[system] = results
            if keep is not None:
                found[system] = keep
        print(extraction_bench.format_table(rows, len(samples), name=name), end="\n\n")
        for system, kept in found.items():
            path = "html" if system == OURS else "text"
            checks[f"{name}, {path}"] = summary_checks.check_articles(
                (s.id, f.article) for s, f in zip(samples, kept, strict=True)
            )
        entry: dict = {
            "pages": len(samples),
            "rows": [asdict(r) for r in rows],
            "per_page_ours": [asdict(r) for r in per_page[OURS]],
        }
        gate_ids = {s.id for s in gate_pages(samples)}
        scrape_ids = {s.id for s in gate_scrapes(samples)}
        if name == "extraction":
            entry["gate"] = _extraction_gate([r for r in per_page[OURS] if r.id in gate_ids])
        else:
            entry["per_page_ours_text"] = [asdict(r) for r in per_page[OURS_TEXT]]
            html_pairs = [(s, r, f) for s, r, f in zip(samples, per_page[OURS], found[OURS], strict=True)]
            html_pairs = [p for p in html_pairs if p[0].id in gate_ids]
            text_pairs = [(s, r, f) for s, r, f in zip(samples, per_page[OURS_TEXT], found[OURS_TEXT], strict=True)]
            text_pairs = [p for p in text_pairs if p[0].id in scrape_ids]
            entry["gate"] = _web_gate(
                [p[0] for p in html_pairs],
                [p[1] for p in html_pairs],
                [p[2] for p in html_pairs],
                [p[0] for p in text_pairs],
                [p[1] for p in text_pairs],
                [p[2] for p in text_pairs],
            )
        payload[name] = entry
    print(summary_checks.format_checks(checks))
    payload["summary_checks"] = {label: counts.as_dict() for label, counts in checks.items()}
    return payload


def run_summaries(data: Path) -> dict:
    items = summaries_bench.load_items(data)
    scorer = summaries_bench.make_scorer()
    rows, per_article = [], {}
    for label, algorithm in summaries_bench.SYSTEMS.items():
        results = summaries_bench.run_system(algorithm, items, scorer)
        rows.append(summaries_bench.summarise(label, items, results))
        per_article[label] = results
    print(summaries_bench.format_table(rows, items))
    default = per_article[DEFAULT_ROW]
    lead = per_article["LEAD-3"]
    gains = [summaries_bench.paired_gain(default, lead, metric) for metric in summaries_bench.METRICS]
    print(summaries_bench.format_gains(gains, label="default over LEAD-3"))
    gate_items = gate_articles(items)
    gate_ids = {item.id for item in gate_items}
    return {
        "articles": len(items),
        "sentences": summaries_bench.SENTENCES,
        "rows": [asdict(r) for r in rows],
        "gain_over_lead3": [asdict(g) for g in gains],
        # Scores only: the sentences are the publishers' text.
        "per_article_default": [
            {"id": r.id, "rouge1": r.rouge1, "rouge2": r.rouge2, "rougeLsum": r.rougeLsum, "ms": r.ms, "error": r.error}
            for r in default
        ],
        "gate": _summaries_gate(gate_items, [r for r in default if r.id in gate_ids]),
        "gate_lead3": _summaries_gate(gate_items, [r for r in lead if r.id in gate_ids]),
    }


# --- speed -------------------------------------------------------------------

_WARM_UP_PARAGRAPHS = (
    (
        "The city council voted on Tuesday to turn the old rail yard into a public park, ending a decade of "
        "argument over what should happen to the land beside the river."
    ),
    (
        "Council members approved the plan by seven votes to two after a meeting that ran late into the evening, "
        "with residents filling the chamber and the corridor outside it."
    ),
    (
        "The park will include a playground, a community garden and a path along the water, according to "
        "documents published by the planning department ahead of the vote."
    ),
    "Construction is expected to begin next spring and to take about two years, the mayor said.",
)
_WARM_UP_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Council backs riverside park plan | The Riverside Gazette</title>
<meta property="og:site_name" content="The Riverside Gazette">
<meta property="article:published_time" content="2024-03-05T18:30:00+01:00">
<meta name="author" content="Jane Example"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<main><article><h1>Council backs riverside park plan</h1>{body}</article></main>
<footer><p>Copyright 2024 The Riverside Gazette. All rights reserved.</p></footer></body></html>"""
# A short body takes every extraction path: fast precision, full precision, balanced.
WARM_UP_PAGES = (
    _WARM_UP_PAGE.format(body="".join(f"<p>{p}</p>" for p in _WARM_UP_PARAGRAPHS)).encode(),
    _WARM_UP_PAGE.format(body=f"<p>{_WARM_UP_PARAGRAPHS[0]}</p>").encode(),
)


@dataclass(frozen=True, slots=True)
class PageTime:
    id: str
    ms: float  # extract + summarise
    cpu_ms: float
    worker: int
    error: str = ""
    extract_ms: float = 0.0  # extraction alone
    set: str = ""
    extract_cpu_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class SpeedRun:
    workers: int
    pages: int
    seconds: float
    pages_per_second: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    slowest_id: str
    cpu_mean_ms: float
    cpu_max_ms: float
    cpu_share: float
    errors: int


def extract_and_summarise(html: bytes, url: str) -> tuple[float, float]:
    """The work timed per page: what the pipeline does with a fetched HTML page.

    Returns the wall-clock and CPU seconds that extraction took.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    article = extract_html(html, url=url)
    extracted, cpu_extracted = time.perf_counter() - started, time.process_time() - cpu_started
    if article is not None:
        summarize(article)
    return extracted, cpu_extracted


def _warm_up(barrier) -> int:
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    for page in WARM_UP_PAGES:
        extract_and_summarise(page, "https://gazette.example/news/park")
    # Hold this worker until every worker is warm, so each takes one warm-up.
    barrier.wait(timeout=120)
    return os.getpid()


def _timed_page(task: tuple[str, str, str, bytes]) -> PageTime:
    name, page_id, url, html = task
    started, cpu_started = time.perf_counter(), time.process_time()
    error, extract_s, extract_cpu_s = "", 0.0, 0.0
    try:
        extract_s, extract_cpu_s = extract_and_summarise(html, url)
    except Exception as exc:  # noqa: BLE001 -- a bench reports every failure and goes on
        error = f"{type(exc).__name__}: {exc}"
        log.debug("%s", traceback.format_exc())
    ms, cpu_ms = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
    return PageTime(page_id, ms, cpu_ms, os.getpid(), error, extract_s * 1000, name, extract_cpu_s * 1000)


def speed_run(samples: list[tuple[str, extraction_bench.Sample]], workers: int) -> tuple[SpeedRun, list[PageTime]]:
    tasks = [(name, s.id, s.url, s.html) for name, s in samples]
    # Fresh interpreters, not forks of this process and everything it holds.
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        barrier = manager.Barrier(workers)
        pids = [f.result() for f in [pool.submit(_warm_up, barrier) for _ in range(workers)]]
        if len(set(pids)) != workers:
            raise RuntimeError(f"warm-up reached {len(set(pids))} of {workers} workers")
        started = time.perf_counter()
        times = list(pool.map(_timed_page, tasks))
        seconds = time.perf_counter() - started
    ms = sorted(t.ms for t in times)
    slowest = max(times, key=lambda t: t.ms)
    run = SpeedRun(
        workers=workers,
        pages=len(times),
        seconds=seconds,
        pages_per_second=len(times) / seconds,
        mean_ms=statistics.fmean(ms),
        p50_ms=statistics.median(ms),
        p95_ms=ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))],
        max_ms=slowest.ms,
        slowest_id=slowest.id,
        cpu_mean_ms=statistics.fmean(t.cpu_ms for t in times),
        cpu_max_ms=max(t.cpu_ms for t in times),
        cpu_share=sum(t.cpu_ms for t in times) / 1000 / (workers * seconds),
        errors=sum(bool(t.error) for t in times),
    )
    return run, times


def run_speed(data: Path, *, workers: int, runs: int) -> dict:
    samples = [
        (name, sample)
        for name in extraction_bench.SETS
        if (extraction_bench.set_folder(data, name) / "ground-truth.json").is_file()
        for sample in extraction_bench.load_samples(data, name)
    ]
    load_before = os.getloadavg()
    results = [speed_run(samples, workers) for _ in range(runs)]
    load_after = os.getloadavg()
    speed_runs = [run for run, _ in results]
    median_rate = statistics.median(r.pages_per_second for r in speed_runs)
    # Each page's time is its best of the runs, as timeit does: a page slowed
    # by another program in one run is not slow.
    best: dict[tuple[str, str], PageTime] = {}
    for _, times in results:
        for t in times:
            key = (t.set, t.id)
            if key not in best or t.ms < best[key].ms:
                best[key] = t
    slowest = sorted(best.values(), key=lambda t: -t.ms)
    per_set = {name: _page_times([t for t in best.values() if t.set == name]) for name in dict(samples)}
    per_set["all"] = _page_times(list(best.values()))
    print(format_speed(speed_runs, median_rate, slowest[0]))
    print(format_page_times(per_set, runs))
    return {
        "workers": workers,
        "runs": [asdict(r) for r in speed_runs],
        "median_pages_per_second": median_rate,
        "per_set_best_of_runs": per_set,
        "slowest": {
            "id": slowest[0].id,
            "set": slowest[0].set,
            "ms": slowest[0].ms,
            "extract_ms": slowest[0].extract_ms,
            "cpu_ms": slowest[0].cpu_ms,
            "of": "best of each page's runs",
        },
        "slowest_pages": [asdict(t) for t in slowest[:10]],
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def _page_times(times: list[PageTime]) -> dict:
    extract = sorted(t.extract_ms for t in times)
    extract_cpu = sorted(t.extract_cpu_ms for t in times)
    total = sorted(t.ms for t in times)
    slowest = max(times, key=lambda t: t.extract_ms)
    return {
        "extract_cpu_p50_ms": statistics.median(extract_cpu),
        "extract_cpu_max_ms": extract_cpu[-1],
        "pages": len(times),
        "extract_p50_ms": statistics.median(extract),
        "extract_p95_ms": extract[min(len(extract) - 1, round(0.95 * (len(extract) - 1)))],
        "extract_max_ms": slowest.extract_ms,
        "extract_slowest_id": slowest.id,
        "extract_over_150_ms": sum(ms > 150 for ms in extract),
        "total_p50_ms": statistics.median(total),
        "total_max_ms": total[-1],
    }


def format_page_times(per_set: dict[str, dict], runs: int) -> str:
    header = (
        f"{'set':<12} {'pages':>5} {'extract p50':>11} {'p95':>6} {'max':>6} {'>150 ms':>7}  "
        f"{'cpu p50':>7} {'cpu max':>7}  {'+ summary p50':>13} {'max':>6}  slowest extraction"
    )
    lines = [f"per page, best of {runs} runs (ms; cpu: the extraction's CPU time)", header, "-" * len(header)]
    lines.extend(
        f"{name:<12} {t['pages']:5d} {t['extract_p50_ms']:11.1f} {t['extract_p95_ms']:6.1f} {t['extract_max_ms']:6.1f} "
        f"{t['extract_over_150_ms']:7d}  {t['extract_cpu_p50_ms']:7.1f} {t['extract_cpu_max_ms']:7.1f}  "
        f"{t['total_p50_ms']:13.1f} {t['total_max_ms']:6.1f}  {t['extract_slowest_id'][:24]}"
        for name, t in per_set.items()
    )
    return "\n".join(lines)


def format_speed(runs: list[SpeedRun], median_rate: float, slowest: PageTime) -> str:
    header = (
        f"{'run':>3} {'workers':>7} {'pages':>5} {'seconds':>7} {'pages/s':>7} "
        f"{'mean ms':>7} {'p50 ms':>6} {'p95 ms':>6} {'max ms':>6}  {'slowest page':<16} "
        f"{'cpu mean':>8} {'cpu max':>7} {'cpu share':>9}"
    )
    lines = ["extract + summarise, warm workers", header, "-" * len(header)]
    for n, r in enumerate(runs, 1):
        lines.append(
            f"{n:3d} {r.workers:7d} {r.pages:5d} {r.seconds:7.2f} {r.pages_per_second:7.1f} "
            f"{r.mean_ms:7.1f} {r.p50_ms:6.1f} {r.p95_ms:6.1f} {r.max_ms:6.1f}  {r.slowest_id[:16]:<16} "
            f"{r.cpu_mean_ms:8.1f} {r.cpu_max_ms:7.1f} {r.cpu_share:9.0%}"
            + (f"  ({r.errors} errors)" if r.errors else "")
        )
    lines.append(f"median {median_rate:.1f} pages/s")
    lines.append(
        f"slowest page, best of {len(runs)} runs: {slowest.set} {slowest.id} {slowest.ms:.1f} ms "
        f"(extraction {slowest.extract_ms:.1f} ms, cpu {slowest.cpu_ms:.1f} ms)"
    )
    return "\n".join(lines)


# --- main --------------------------------------------------------------------


def _versions() -> dict[str, str]:
    found = {}
    for name in ("trafilatura", "readability-lxml", "lxml", "sumy", "rouge-score", "numpy"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = ""
    return found


def _merged(path: Path, payload: dict) -> dict:
    """`payload` over what `path` holds: a run of some parts (--only) keeps the others' last
    figures, each part with the date and machine it was measured on."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = {}
    stamp = {key: payload[key] for key in ("date", "machine", "data")}
    merged = {**earlier, **payload}
    measured = dict(earlier.get("measured", {}))
    for part in PARTS:
        if part not in earlier and part not in payload:
            continue
        if part in payload:
            measured[part] = stamp
        elif part not in measured:
            measured[part] = {key: earlier.get(key) for key in ("date", "machine", "data")}
    merged["measured"] = measured
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the speed part")
    parser.add_argument("--speed-runs", type=int, default=3, help="passes over the pages for the speed part")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # trafilatura logs every discarded page at WARNING; that is noise here.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    parts = args.only or list(PARTS)
    needed = {
        "extraction": args.data / "extraction" / "ground-truth.json",
        "summaries": args.data / "summaries" / "summaries.jsonl",
        "speed": args.data / "extraction" / "ground-truth.json",
    }
    missing = [str(needed[p]) for p in parts if not needed[p].is_file()]
    if missing:
        print(f"missing: {', '.join(missing)}", file=sys.stderr)
        return 2

    payload: dict = {
        "date": date.today().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "packages": _versions()},
        "data": str(args.data),
    }
    for part in PARTS:
        if part not in parts:
            continue
        if part == "extraction":
            payload["extraction"] = run_extraction(args.data)
        elif part == "summaries":
            payload["summaries"] = run_summaries(args.data)
        else:
            payload["speed"] = run_speed(args.data, workers=args.workers, runs=args.speed_runs)
        print()
    if "extraction" in payload or "summaries" in payload:
        print(format_gate(payload))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(_merged(args.json, payload), indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 1 if _our_errors(payload) else 0


def format_gate(payload: dict) -> str:
    lines = ["quality gate subsets (tests/unit/quality_floors.json)"]
    extraction = payload.get("extraction", {})
    if "extraction" in extraction:
        gate = extraction["extraction"]["gate"]
        lines.append(f"  extraction, 1 page in {GATE_PAGE_STEP} ({gate['pages']} pages): F1 {gate['f1']:.4f}")
    for name in WEB_SETS:
        if name not in extraction:
            continue
        gate = extraction[name]["gate"]
        html, text, checks = gate["html"], gate["text"], gate["checks"]
        lines.append(
            f"  {name}, HTML 1 page in {GATE_PAGE_STEP} ({html['pages']} pages): F1 {html['f1']:.4f}; "
            f"text scrapes 1 page in {GATE_SCRAPE_STEP} ({text['pages']} pages): F1 {text['f1']:.4f}, "
            f"title {text['title']:.3f}"
        )
        lines.append(
            f"    summary checks ({checks['articles']} articles, {checks['sentences']} sentences): "
            + ", ".join(f"{c} {checks[c]}" for c in summary_checks.CHECKS)
        )
    if "summaries" in payload:
        gate = payload["summaries"]["gate"]
        lead = payload["summaries"]["gate_lead3"]
        lines.append(
            f"  summaries, 1 article in {GATE_ARTICLE_STEP} ({gate['articles']} articles): "
            f"ROUGE-1 {gate['rouge1']:.2f}  ROUGE-2 {gate['rouge2']:.2f}  "
            f"(LEAD-3 {lead['rouge1']:.2f} / {lead['rouge2']:.2f})"
        )
    return "\n".join(lines)


def _our_errors(payload: dict) -> int:
    errors = 0
    for name in extraction_bench.SETS:
        if name in payload.get("extraction", {}):
            rows = payload["extraction"][name]["rows"]
            errors += sum(r["errors"] for r in rows if r["system"] in (OURS, OURS_TEXT))
    if "summaries" in payload:
        errors += next(r["errors"] for r in payload["summaries"]["rows"] if r["system"] == DEFAULT_ROW)
    if "speed" in payload:
        errors += sum(r["errors"] for r in payload["speed"]["runs"])
    if errors:
        print(f"our extractor or default summariser raised {errors} time(s)", file=sys.stderr)
    return errors


if __name__ == "__main__":
    sys.exit(main())
