"""The quality gate: extraction F1 and summary ROUGE on fixed subsets of ../shared/data.

Runs the code of ``bench/quality.py`` (our extractor on 1 page in 3 of the
extraction set, the default summariser on 1 article in 2 of the summaries
set) and fails when a score falls below its floor in ``quality_floors.json``.
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
