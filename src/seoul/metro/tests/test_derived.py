"""Tables derived from the network and tariffs, kept on disk between processes."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from seoul.metro.engine import batch, data, derived
from seoul.metro.engine.network import load_network

T = data.tariffs()


class Builds:
    """A build function that counts its calls."""

    def __init__(self, value: int = 7) -> None:
        self.calls = 0
        self.value = value

    def __call__(self) -> derived.Arrays:
        self.calls += 1
        return {"a": np.arange(5) * self.value, "b": np.array([self.value], dtype=np.int8)}


def test_built_once_then_read_from_disk(tmp_path: Path) -> None:
    build = Builds()
    first = derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), build)
    second = derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), Builds(value=99))
    assert build.calls == 1
    assert second["a"].tolist() == first["a"].tolist() == [0, 7, 14, 21, 28]
    assert second["b"].dtype == np.int8
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_other_facts_other_table_and_old_versions_pruned(tmp_path: Path) -> None:
    derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), Builds(1))
    changed = Builds(2)
    got = derived.cached(tmp_path, "t", {"x": 2}, ("a", "b"), changed)
    assert changed.calls == 1 and got["b"].tolist() == [2]
    assert len(list(tmp_path.glob("t-*.npz"))) == 2
    for x in range(3, 3 + derived.KEEP):
        derived.cached(tmp_path, "t", {"x": x}, ("a", "b"), Builds(x))
    assert len(list(tmp_path.glob("t-*.npz"))) == derived.KEEP
    newest = Builds()
    derived.cached(tmp_path, "t", {"x": 2 + derived.KEEP}, ("a", "b"), newest)
    assert newest.calls == 0  # the newest version was kept


def test_changed_network_changes_the_key() -> None:
    net = load_network(data.REFERENCE, T.separately_charged_lines)
    before = derived.key("metro-distances", derived.network_facts(net))
    seg = net.segments[0]
    net.segments[0] = dataclasses.replace(seg, metres=seg.metres + 1)
    assert derived.key("metro-distances", derived.network_facts(net)) != before


def test_corrupt_or_foreign_file_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), Builds())
    (stored,) = tmp_path.glob("t-*.npz")
    stored.write_bytes(b"not a zip file")
    build = Builds()
    with caplog.at_level(logging.WARNING, logger="seoul.metro.engine.derived"):
        got = derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), build)
    assert build.calls == 1 and got["a"].tolist() == [0, 7, 14, 21, 28]
    assert "unreadable" in caplog.text
    np.savez(stored, a=np.arange(3))  # a readable file without "b"
    build = Builds()
    assert derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), build)["b"].tolist() == [7]
    assert build.calls == 1
    assert derived.cached(tmp_path, "t", {"x": 1}, ("a", "b"), Builds(5))["b"].tolist() == [7]  # repaired


def test_unwritable_directory_still_gives_the_table(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    with caplog.at_level(logging.WARNING, logger="seoul.metro.engine.derived"):
        got = derived.cached(blocker / "sub", "t", {"x": 1}, ("a", "b"), Builds())
    assert got["a"].tolist() == [0, 7, 14, 21, 28]
    assert "not stored" in caplog.text


def test_no_directory_touches_no_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    build = Builds()
    derived.cached(None, "t", {"x": 1}, ("a", "b"), build)
    derived.cached(None, "t", {"x": 1}, ("a", "b"), build)
    assert build.calls == 2 and list(tmp_path.iterdir()) == []


def test_stored_matrices_equal_computed_ones(tmp_path: Path) -> None:
    fresh = load_network(data.REFERENCE, T.separately_charged_lines)
    derived.network_matrices(fresh, tmp_path)  # builds and stores
    loaded = derived.network_matrices(load_network(data.REFERENCE, T.separately_charged_lines), tmp_path)
    assert np.array_equal(loaded.all_lines, fresh.all_lines)
    assert np.array_equal(loaded.integrated, fresh.integrated)
    with pytest.raises(ValueError, match="does not fit"):
        loaded.preload(fresh.all_lines[:-1], fresh.integrated)


def test_stored_pair_table_equals_built_one(tmp_path: Path) -> None:
    net = data.network()
    built = batch.pair_table(net, T)
    batch.pair_table(net, T, tmp_path)
    assert batch.pair_table(net, T, tmp_path).equals(built)
    assert len(list(tmp_path.glob("metro-pairs-*.arrow"))) == 1


def test_tables_stored_as_arrow_and_checked_on_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def build() -> pa.Table:
        calls.append(1)
        return pa.table({"a": [1, 2, None], "s": ["x", None, "가"]})

    first = derived.cached_table(tmp_path, "t", {"x": 1}, ("a", "s"), build)
    assert derived.cached_table(tmp_path, "t", {"x": 1}, ("a", "s"), build).equals(first) and len(calls) == 1
    (stored,) = tmp_path.glob("t-*.arrow")
    feather.write_feather(pa.table({"other": [1]}), stored)  # readable, other columns
    with caplog.at_level(logging.WARNING, logger="seoul.metro.engine.derived"):
        assert derived.cached_table(tmp_path, "t", {"x": 1}, ("a", "s"), build).equals(first)
    assert len(calls) == 2 and "unreadable" in caplog.text
    stored.write_bytes(b"not arrow")
    assert derived.cached_table(tmp_path, "t", {"x": 1}, ("a", "s"), build).equals(first) and len(calls) == 3


def test_tariff_facts_follow_every_rule_and_not_the_process() -> None:
    """Sets iterate in an order that changes with PYTHONHASHSEED; the key must not."""
    code = "from seoul.metro.engine import data, derived; print(derived.key('c', derived.tariff_facts(data.tariffs())))"
    keys = {
        subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert keys == {derived.key("c", derived.tariff_facts(T))}
    for changed in (
        dataclasses.replace(T, cash_extra=T.cash_extra + 100),
        dataclasses.replace(T, early_bird_percent=T.early_bird_percent + 1),
        dataclasses.replace(T, free_categories=T.free_categories - {"senior"}),
    ):
        assert derived.key("c", derived.tariff_facts(changed)) != derived.key("c", derived.tariff_facts(T))


def test_batch_lookups_kept_between_runs_price_the_same(tmp_path: Path) -> None:
    from datetime import date

    from seoul.metro.engine.simulate import simulate

    src = tmp_path / "day.parquet"
    simulate(data.network(), 2000, date(2025, 11, 25), 5, src)
    plain = batch.price_file(data.network(), T, src, tmp_path / "a.parquet")
    kept = tmp_path / "derived"
    for out in ("b.parquet", "c.parquet"):  # the first run stores the tables, the second reads them
        again = batch.price_file(data.network(), T, src, tmp_path / out, derived_dir=kept)
        assert (again.rows, again.errors, again.revenue) == (plain.rows, plain.errors, plain.revenue)
    assert sorted(p.name.split("-")[1] for p in kept.iterdir()) == ["combos", "pairs"]
    cheaper = dataclasses.replace(T, cash_extra=0)
    batch.price_file(data.network(), cheaper, src, tmp_path / "d.parquet", derived_dir=kept)
    assert len(list(kept.glob("metro-combos-*.arrow"))) == 2  # other tariffs: another table
