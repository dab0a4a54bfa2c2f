"""Summary benchmark: our default summariser against LEAD-3 and sumy's algorithms.

usage: python bench/summaries.py [--data DIR] [--limit N] [--json OUT] [--only NAME]

DIR is the shared data folder (default ``<repo>/../shared/data``); articles
are read from ``DIR/summaries/summaries.jsonl`` (CNN/DailyMail stories with
human highlights; field ``text`` is the body, ``reference`` the highlights).
Each system picks 3 sentences with ``digest.summarize.algorithms.summarize_text`` and is
scored the way ``shared/tools/score_summaries.py`` does: ROUGE-1, ROUGE-2 and
ROUGE-Lsum F-measure (rouge-score, Porter stemming), the reference split at
sentence ends and joined with newlines, the summary sentences joined with
newlines; means over articles, times 100. The same scores are also given for
the articles with even and odd ids (the SHA-1 id read as a number) as a
split-half check against overfitting: the default's constants were chosen
looking at the even half.

Time is wall time per article for one ``summarize_text`` call (tokenising
included), after one warm-up call that loads the Punkt model. Each article
runs once: a repeat would find its words already in the stemmer's memo.

It also prints the default's gain over LEAD-3 with a paired bootstrap
interval: the articles are resampled with replacement (10,000 times, a fixed
seed) and the mean per-article difference is taken each time; the 2.5th and
97.5th percentiles bound the 95% interval. Wins, losses and ties count the
articles where the default's ROUGE-1 is above, below or equal to LEAD-3's.

Exits 1 when our default raised on any article.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from digest.summarize.algorithms import DEFAULT_ALGORITHM, summarize_text  # noqa: E402

log = logging.getLogger("bench.summaries")

SENTENCES = 3
METRICS = ("rouge1", "rouge2", "rougeLsum")
# Row label -> algorithm name in digest.summarize.algorithms.ALGORITHMS.
SYSTEMS = {
    f"{DEFAULT_ALGORITHM} (default)": DEFAULT_ALGORITHM,
    "LEAD-3": "lead",
    "sumy lexrank": "lexrank",
    "sumy textrank": "textrank",
    "sumy lsa": "lsa",
    "sumy luhn": "luhn",
    "sumy sumbasic": "sumbasic",
    "sumy kl": "kl",
    # Title and location methods only (no cue words); these stories have no
    # title, so this is sumy's location method alone.
    "sumy edmundson": "edmundson",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    reference: str

    @property
    def even(self) -> bool:
        return int(self.id, 16) % 2 == 0


@dataclass(frozen=True, slots=True)
class ArticleResult:
    id: str
    rouge1: float
    rouge2: float
    rougeLsum: float
    ms: float
    sentences: tuple[str, ...]
    error: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    system: str
    rouge1: float
    rouge2: float
    rougeLsum: float
    rouge1_even: float
    rouge2_even: float
    rouge1_odd: float
    rouge2_odd: float
    mean_ms: float
    max_ms: float
    errors: int


# --- scoring --------------------------------------------------------------


def reference_lines(reference: str) -> str:
    return "\n".join(s.strip() for s in _SENTENCE_END.split(reference) if s.strip())


def make_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def summarise(system: str, items: list[Item], results: list[ArticleResult]) -> Row:
    def mean(metric: str, subset: list[ArticleResult]) -> float:
        return 100 * sum(getattr(r, metric) for r in subset) / (len(subset) or 1)

    even = [r for item, r in zip(items, results, strict=True) if item.even]
    odd = [r for item, r in zip(items, results, strict=True) if not item.even]
    times = [r.ms for r in results]
    return Row(
        system=system,
        rouge1=mean("rouge1", results),
        rouge2=mean("rouge2", results),
        rougeLsum=mean("rougeLsum", results),
        rouge1_even=mean("rouge1", even),
        rouge2_even=mean("rouge2", even),
        rouge1_odd=mean("rouge1", odd),
        rouge2_odd=mean("rouge2", odd),
        mean_ms=sum(times) / (len(times) or 1),
        max_ms=max(times, default=0.0),
        errors=sum(bool(r.error) for r in results),
    )


@dataclass(frozen=True, slots=True)
class Gain:
    """The mean per-article gain of one system over another, x 100, with its paired bootstrap interval."""

    metric: str
    gain: float
    low: float
    high: float
    wins: int
    losses: int
    ties: int


def paired_gain(
    ours: list[ArticleResult], baseline: list[ArticleResult], metric: str, *, resamples: int = 10_000, seed: int = 16
) -> Gain:
    differences = [100 * (getattr(a, metric) - getattr(b, metric)) for a, b in zip(ours, baseline, strict=True)]
    n = len(differences)
    if not n:
        return Gain(metric, 0.0, 0.0, 0.0, 0, 0, 0)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(differences, k=n)) / n for _ in range(resamples))
    return Gain(
        metric=metric,
        gain=sum(differences) / n,
        low=means[int(0.025 * resamples)],
        high=means[int(0.975 * resamples) - 1],
        wins=sum(d > 1e-9 for d in differences),
        losses=sum(d < -1e-9 for d in differences),
        ties=sum(abs(d) <= 1e-9 for d in differences),
    )


def format_gains(gains: list[Gain], *, label: str) -> str:
    lines = [f"{label}: mean gain per article, 95% paired bootstrap interval"]
    lines.extend(
        f"  {g.metric:<9} {g.gain:+6.2f}  [{g.low:+.2f}, {g.high:+.2f}]  wins {g.wins}, losses {g.losses}, ties {g.ties}"
        for g in gains
    )
    return "\n".join(lines)


# --- running --------------------------------------------------------------


def load_items(data: Path, limit: int | None = None) -> list[Item]:
    path = data / "summaries" / "summaries.jsonl"
    items = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                items.append(Item(record["id"], record["text"], record["reference"]))
    return items[:limit] if limit is not None else items


def run_system(algorithm: str, items: list[Item], scorer) -> list[ArticleResult]:
    if items:
        # Warm up model loading and caches so the first article's time is not theirs.
        _safe_call(algorithm, items[0].text)
    results = []
    for item in items:
        started = time.perf_counter()
        sentences, error = _safe_call(algorithm, item.text)
        ms = (time.perf_counter() - started) * 1000
        scores = scorer.score(reference_lines(item.reference), "\n".join(sentences))
        results.append(
            ArticleResult(
                id=item.id,
                rouge1=scores["rouge1"].fmeasure,
                rouge2=scores["rouge2"].fmeasure,
                rougeLsum=scores["rougeLsum"].fmeasure,
                ms=ms,
                sentences=sentences,
                error=error,
            )
        )
    return results


def _safe_call(algorithm: str, text: str) -> tuple[tuple[str, ...], str]:
    try:
        return summarize_text(text, sentences=SENTENCES, algorithm=algorithm), ""
    except Exception as exc:  # noqa: BLE001 -- a bench reports every failure and goes on
        log.error("%s failed: %s", algorithm, exc)
        log.debug("%s", traceback.format_exc())
        return (), f"{type(exc).__name__}: {exc}"


def format_table(rows: list[Row], items: list[Item]) -> str:
    evens = sum(item.even for item in items)
    header = (
        f"{'system':<18} {'R1':>6} {'R2':>6} {'RLsum':>6}  {'R1 even':>7} {'R2 even':>7} "
        f"{'R1 odd':>7} {'R2 odd':>7}  {'mean ms':>7} {'max ms':>7} {'errors':>6}"
    )
    lines = [
        f"{len(items)} articles ({evens} even ids, {len(items) - evens} odd), {SENTENCES} sentences each",
        header,
        "-" * len(header),
    ]
    lines.extend(
        f"{r.system:<18} {r.rouge1:6.2f} {r.rouge2:6.2f} {r.rougeLsum:6.2f}  "
        f"{r.rouge1_even:7.2f} {r.rouge2_even:7.2f} {r.rouge1_odd:7.2f} {r.rouge2_odd:7.2f}  "
        f"{r.mean_ms:7.1f} {r.max_ms:7.1f} {r.errors:6d}"
        for r in rows
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder")
    parser.add_argument("--limit", type=int, help="score only the first N articles")
    parser.add_argument("--json", type=Path, help="also write rows and per-article results here")
    parser.add_argument("--only", action="append", help="run only this algorithm name (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    if not (args.data / "summaries" / "summaries.jsonl").is_file():
        print(f"no summaries/summaries.jsonl under {args.data}", file=sys.stderr)
        return 2
    items = load_items(args.data, args.limit)
    scorer = make_scorer()
    rows, details = [], {}
    kept: dict[str, list[ArticleResult]] = {}
    for label, algorithm in SYSTEMS.items():
        if args.only and algorithm not in args.only:
            continue
        results = run_system(algorithm, items, scorer)
        rows.append(summarise(label, items, results))
        details[label] = [asdict(r) for r in results]
        kept[label] = results
    print(format_table(rows, items))
    default, lead = kept.get(f"{DEFAULT_ALGORITHM} (default)"), kept.get("LEAD-3")
    if default and lead:
        print(format_gains([paired_gain(default, lead, m) for m in METRICS], label="default over LEAD-3"))
    if args.json:
        payload = {
            "data": str(args.data),
            "articles": len(items),
            "sentences": SENTENCES,
            "rows": [asdict(r) for r in rows],
            "per_article": details,
        }
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    failed = next((r for r in rows if r.system.startswith(DEFAULT_ALGORITHM) and r.errors), None)
    if failed:
        print(f"{DEFAULT_ALGORITHM} raised on {failed.errors} article(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
