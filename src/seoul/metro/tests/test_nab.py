"""The NAB scorer: the benchmark's rules on small hand-made files, then the proof on the real corpus
(numenta's raw results at its published thresholds give its published scores, file by file)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from seoul.metro.engine.maintenance import nab
from seoul.metro.engine.maintenance.nab import OUTSIDE, PROBATION, Corpus, CostMatrix, DataFile

NAB = Path(os.environ.get("SEOUL_NAB_DATA", "/work/shared/data/nab"))
needs_nab = pytest.mark.skipif(
    not (NAB / "labels" / "combined_windows.json").exists(),
    reason=f"the NAB corpus is not at {NAB} (../shared/data/nab, see its SOURCE.md; or set SEOUL_NAB_DATA)",
)
STANDARD = CostMatrix(tp=1.0, fp=0.11, fn=1.0)


def one_file(rows: int, windows: tuple[tuple[int, int], ...]) -> Corpus:
    stamps = tuple(f"2020-01-01 {i // 60:02d}:{i % 60:02d}:00" for i in range(rows))
    return Corpus((DataFile("a/one.csv", stamps, np.zeros(rows), windows),), {"standard": STANDARD})


def test_the_sigmoid_gives_a_window_s_first_row_full_credit_and_its_end_none() -> None:
    s = nab.scaled_sigmoid(np.array([-1.0, -0.5, 0.0, 1.0, 3.0, 3.01]))
    assert s[0] == pytest.approx(0.98661, abs=1e-5)
    assert s[1] == pytest.approx(0.84828, abs=1e-5)
    assert s[2] == 0.0
    assert s[3] == pytest.approx(-0.98661, abs=1e-5)
    assert s[4] > -1.0 and s[5] == -1.0


def test_row_weights_follow_the_rules() -> None:
    weight, window = nab.row_weights(100, ((40, 49),), STANDARD)
    assert (window[:15] == PROBATION).all()  # 15 % of 100 rows
    assert (window[40:50] == 0).all() and (window[15:40] == OUTSIDE).all() and (window[50:] == OUTSIDE).all()
    assert weight[40] == pytest.approx(1.0)  # the window's first row: full credit
    max_tp = 2 / (1 + np.exp(-5.0)) - 1
    assert weight[49] == pytest.approx((2 / (1 + np.exp(-0.5)) - 1) / max_tp)  # the last: little
    assert np.all(np.diff(weight[40:50]) < 0)  # earlier is better
    assert (weight[15:40] == -0.11).all()  # before any window: the full false-positive cost
    assert weight[50] == pytest.approx(0.11 * (2 / (1 + np.exp(5 * 1 / 9)) - 1))  # just after: cheap
    assert weight[99] == -0.11  # more than three widths after


def test_the_probationary_period_is_at_most_750_rows() -> None:
    _, window = nab.row_weights(20_000, (), STANDARD)
    assert (window[:750] == PROBATION).all() and window[750] == OUTSIDE


def test_only_the_best_detection_of_a_window_counts_and_misses_cost() -> None:
    corpus = one_file(100, ((40, 49), (70, 79)))
    scores = np.zeros(100)
    scores[[42, 45, 48]] = 1.0  # three detections in the first window, none in the second
    scores[20] = 1.0  # one false positive before any window
    result = nab.score_profile(corpus, {"a/one.csv": scores}, "standard", 0.5)
    weight, _ = nab.row_weights(100, corpus.files[0].windows, STANDARD)
    assert result.raw == pytest.approx(weight[42] - 0.11 - 1.0)
    assert result.windows_found == 1 and result.false_positives == 1
    assert result.score == pytest.approx(100 * (result.raw + 2) / (2 + 2))


def test_the_best_threshold_is_found_among_every_score() -> None:
    rng = np.random.default_rng(5)
    corpus = one_file(400, ((100, 139), (250, 289)))
    scores = rng.random(400) * 0.6
    scores[[105, 255]] = [0.8, 0.7]  # early in both windows
    scores[[300, 350]] = [0.75, 0.65]  # false positives between them
    by_hand = max(
        nab.score_profile(corpus, {"a/one.csv": scores}, "standard", float(t)).raw for t in np.r_[scores, 1.1]
    )
    best = nab.score_profile(corpus, {"a/one.csv": scores}, "standard")
    assert best.raw == pytest.approx(by_hand)
    assert best.threshold == pytest.approx(0.7)  # both windows, and only the false positive at 0.75


def test_a_results_file_that_does_not_match_its_data_is_refused(tmp_path: Path) -> None:
    corpus = one_file(3, ())
    folder = tmp_path / "mine" / "a"
    folder.mkdir(parents=True)
    (folder / "mine_one.csv").write_text(
        "timestamp,anomaly_score\n2020-01-01 00:00:00,0.1\n2020-01-01 00:01:00,x\n", encoding="utf-8"
    )
    with pytest.raises(nab.NabError, match=r"line 3: anomaly_score is not a number: 'x'"):
        nab.read_results(tmp_path / "mine", corpus)
    (folder / "mine_one.csv").write_text("timestamp,anomaly_score\n2020-01-01 00:00:00,0.1\n", encoding="utf-8")
    with pytest.raises(nab.NabError, match="timestamps are not those"):
        nab.read_results(tmp_path / "mine", corpus)


@needs_nab
def test_numenta_s_published_scores_are_reproduced_file_by_file() -> None:
    corpus = nab.load_corpus(NAB)
    assert len(corpus.files) == 58 and corpus.windows == 116
    results = nab.read_results(NAB / "results" / "numenta", corpus)
    thresholds = json.loads((NAB / "config" / "thresholds.json").read_text(encoding="utf-8"))["numenta"]
    published = json.loads((NAB / "results" / "final_results.json").read_text(encoding="utf-8"))["numenta"]
    for profile in nab.PROFILES:
        scored = nab.score_profile(corpus, results, profile, thresholds[profile]["threshold"])
        assert scored.score == pytest.approx(published[profile], abs=1e-6)
        assert scored.raw == pytest.approx(thresholds[profile]["score"], abs=1e-6)
        with (NAB / "results" / "numenta" / f"numenta_{profile}_scores.csv").open(encoding="utf-8") as handle:
            per_file = {row["File"]: float(row["Score"]) for row in csv.DictReader(handle) if row["File"]}
        assert per_file.keys() == scored.per_file.keys()
        for name, raw in per_file.items():
            assert scored.per_file[name] == pytest.approx(raw, abs=1e-6), name
        # the sweep's best threshold is at least as good as the published one
        assert nab.score_profile(corpus, results, profile).score >= scored.score - 1e-9


@needs_nab
def test_the_command_scores_a_results_folder() -> None:
    from seoul.metro.cli import group  # Django is set up by the test runner by now

    done = CliRunner().invoke(
        group, ["maintenance", "nab", "--data", str(NAB), "--score-results", str(NAB / "results" / "numenta"), "--json"]
    )
    assert done.exit_code == 0, done.output
    out = json.loads(done.output)
    assert out["detector"] == "numenta"
    assert abs(out["at_published_thresholds"]["standard"] - 70.10) < 0.5
    assert set(out) >= {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}


def test_lead_time_measures_the_first_detection_against_the_label() -> None:
    corpus = one_file(1400, ((500, 600), (1000, 1100)))
    stamps = corpus.files[0].timestamps
    scores = np.zeros(1400)
    scores[[530, 580, 60]] = 1.0  # the first window's first detection is 20 rows (minutes) before its label
    labels = {"a/one.csv": (stamps[550], stamps[1050])}
    lead = nab.lead_time(corpus, {"a/one.csv": scores}, 0.5, labels)
    assert (lead.windows, lead.detected, lead.before_label) == (2, 1, 1)
    assert lead.median_hours == pytest.approx(20 / 60)
    assert lead.median_window_share == pytest.approx(20 / 101)
