"""The quality gate: extraction F1, titles, summary ROUGE and summary checks on fixed subsets of ../shared/data.

Runs the code of ``bench/quality.py`` (our extractor on 1 page in 3 of the
extraction set; on each web extraction set, the HTML path on 1 page in 3, the
text-scrape path and its titles on every page, and the summary sentence checks
on the articles of both; the default summariser on 1 article in 2 of the
summaries set) and fails when a score falls below its floor in
``quality_floors.json``, or a check fails more often than its ceiling there.
The floors sit a little under the figures measured when they were set (the
file's "measured" entries, from ``python bench/quality.py``). Skipped when
the shared data, rouge-score or trafilatura is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FLOORS = json.loads(Path(__file__).with_name("quality_floors.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def quality():
    pytest.importorskip("trafilatura")
    pytest.importorskip("rouge_score")
    from bench import quality

    return quality


def _require(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is not present")


@pytest.mark.slow
def test_extraction_f1_stays_above_its_floor(quality, shared_data):
    _require(shared_data / "extraction" / "ground-truth.json")
    floor = FLOORS["extraction"]

    measured = quality.gate_extraction(shared_data)

    assert measured["pages"] == floor["pages"], "the gate's pages changed: measure again and set new floors"
    assert measured["errors"] == 0
    assert measured["f1"] >= floor["f1"], f"extraction F1 {measured['f1']:.4f} fell below its floor {floor['f1']}"


@pytest.mark.slow
def test_summary_rouge_stays_above_its_floors(quality, shared_data):
    _require(shared_data / "summaries" / "summaries.jsonl")
    floor = FLOORS["summaries"]

    measured = quality.gate_summaries(shared_data)

    assert measured["articles"] == floor["articles"], "the gate's articles changed: measure again and set new floors"
    assert measured["errors"] == 0
    for metric in ("rouge1", "rouge2"):
        assert measured[metric] >= floor[metric], (
            f"{metric} {measured[metric]:.2f} fell below its floor {floor[metric]}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["readability", "portals"])
def test_web_extraction_titles_and_summary_checks_stay_within_their_floors(quality, shared_data, name):
    _require(shared_data / "extraction-web" / name / "ground-truth.json")
    floor = FLOORS["web"][name]

    measured = quality.gate_web(shared_data, name)

    for path in ("html", "text"):
        assert measured[path]["pages"] == floor[path]["pages"], "the gate's pages changed: measure again"
        assert measured[path]["errors"] == 0
        assert measured[path]["f1"] >= floor[path]["f1"], (
            f"{name} {path} F1 {measured[path]['f1']:.4f} fell below its floor {floor[path]['f1']}"
        )
    title = measured["text"]["title"]
    assert title >= floor["text"]["title"], f"{name} text-scrape titles {title:.3f} fell below {floor['text']['title']}"
    for check, ceiling in floor["checks"].items():
        assert measured["checks"][check] <= ceiling, (
            f"{name}: {measured['checks'][check]} summary sentences fail {check}, more than {ceiling}"
        )


def test_a_run_of_some_parts_keeps_the_others_last_figures(tmp_path):
    from bench.quality import _merged

    record = tmp_path / "quality.json"
    first = {"date": "2026-11-01", "machine": {"cpus": 2}, "data": "d", "extraction": {"f1": 0.9}, "speed": {"p50": 30}}
    record.write_text(json.dumps(_merged(record, first)))
    later = {"date": "2026-11-29", "machine": {"cpus": 2}, "data": "d", "speed": {"p50": 20}}
    merged = _merged(record, later)
    assert merged["extraction"] == {"f1": 0.9} and merged["speed"] == {"p50": 20}
    assert merged["measured"]["extraction"]["date"] == "2026-11-01"
    assert merged["measured"]["speed"]["date"] == "2026-11-29"
