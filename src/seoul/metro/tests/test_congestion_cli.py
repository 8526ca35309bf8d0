"""``seoul metro congestion forecast``: output shape and the errors a rider gets."""

from __future__ import annotations

import json

from click.testing import CliRunner

from seoul.cli import main
from seoul.metro.engine.congestion.levels import LEVELS


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["metro", "congestion", "forecast", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_shape() -> None:
    code, out, _ = run(
        "--station",
        "Janghanpyeong",
        "--direction",
        "toward 군자",
        "--at",
        "2026-03-04T08:00",
        "--trains",
        "2",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["source"] == "simulated"
    assert (data["station"], data["line"], data["toward"], data["day_type"]) == ("장한평", "5", "하남검단산", "weekday")
    assert data["published_percent"] == 52.9  # the second row (하선) at 08:00
    assert len(data["trains"]) == 2
    for train in data["trains"]:
        assert train["leaves_at"] >= "2026-03-04T08:00"
        assert len(train["cars"]) == 8 and [c["car"] for c in train["cars"]] == list(range(1, 9))
        for car in train["cars"]:
            assert car["level"] in LEVELS
            assert 0 <= car["low"] <= car["percent"] <= car["high"]


def test_text_says_the_source() -> None:
    code, out, _ = run(
        "--station", "사당", "--line", "2", "--direction", "외선", "--at", "2026-03-04T08:30", "--trains", "1"
    )
    assert code == 0
    assert "simulated" in out and "외선" in out and "172.3" in out


def test_unknown_station_and_direction() -> None:
    code, _, err = run("--station", "장한펑", "--direction", "상행")
    assert code == 2 and "--station" in err and "장한평" in err
    code, _, err = run("--station", "장한평", "--direction", "north", "--at", "2026-03-04T08:00")
    assert code == 2 and "--direction" in err and "상행" in err and "하남검단산" in err
    code, _, err = run("--station", "군자", "--direction", "상행", "--at", "2026-03-04T08:00")
    assert code == 2 and "--line" in err
    code, _, err = run("--station", "판교", "--direction", "상행")
    assert code == 2 and "no published congestion" in err
