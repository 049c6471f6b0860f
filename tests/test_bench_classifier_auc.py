"""bench/classifier_auc.py: the AUC it reports, and a run over a labelled file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import classifier_auc


def test_auc_counts_the_fine_scores_below_each_risky_one_and_ties_as_half():
    assert classifier_auc.auc([0.9, 0.8], [0.1, 0.8]) == pytest.approx((2 + 1.5) / 4)
    assert classifier_auc.auc([0.9], [0.1, 0.2]) == 1.0
    assert classifier_auc.auc([0.1], [0.9]) == 0.0


def test_a_run_prints_each_groups_auc_and_what_the_flag_catches(tmp_path, capsys):
    items = [{"text": "To the 53 people who watched every day for 18 days: who hurt you?",
              "label": "backlash"},
             {"text": "Our new store on Elm Street opens Saturday at 9am.", "label": "fine"},
             {"text": "Mixed feelings about this one.", "label": "mixed"}]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    assert classifier_auc.main([f"tiny={path}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny: AUC 1.000")
    assert "1/1 risky, 0/1 fine" in out
