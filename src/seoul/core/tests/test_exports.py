"""Exports hold whatever a cell holds: a control character in one row must not break the file
for everyone, and nothing in a cell may run as a formula."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from seoul.core.exports import csv_response, xlsx_response

ROWS = [
    ["P-1", "그린\x00뉴딜\x1b[31m", 1000],
    ["P-2", '=HYPERLINK("http://evil")', 2000],
    ["P-3", "여러 줄\n설명", None],
]


def test_xlsx_export_survives_control_characters_and_neutralises_formulas() -> None:
    response = xlsx_response("x", "projects", ["code", "name\x07", "budget"], ROWS)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["code", "name\ufffd", "budget"]
    assert values[1] == ["P-1", "그린\ufffd뉴딜\ufffd[31m", 1000]
    assert values[2][1].startswith("'=")
    assert values[3][1] == "여러 줄\n설명"


def test_csv_export_applies_the_same_rules() -> None:
    response = csv_response("x", ["code", "name", "budget"], ROWS)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1] == "그린\ufffd뉴딜\ufffd[31m" and rows[2][1].startswith("'=")
