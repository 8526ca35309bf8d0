"""CSV and XLSX responses for table exports (shared by every app)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from seoul.core.engine.text import forbidden_characters

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet can hold and will not run: control characters (which the
    forms refuse, but older rows may hold and which break the XLSX writer for every row) become
    U+FFFD so the reader sees something was there, and formula injection (=, +, -, @ at the
    start) is neutralised."""
    if not isinstance(value, str):
        return value
    for position, _code in reversed(forbidden_characters(value, multiline=True)):
        value = value[:position] + "\ufffd" + value[position + 1 :]
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    buf = io.StringIO()
    buf.write("\ufeff")  # BOM so that Excel opens UTF-8 Korean text correctly
    writer = csv.writer(buf)
    writer.writerow([_safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    return xlsx_sheets_response(filename, [(sheet, header, rows)])


def xlsx_sheets_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> HttpResponse:
    """One workbook, a sheet per (title, header, rows): each with its header frozen and its
    columns sized to their contents."""
    wb = Workbook()
    first = wb.active
    if first is None:  # a new workbook always has one sheet
        raise RuntimeError("openpyxl workbook without a sheet")
    for n, (title, header, rows) in enumerate(sheets):
        ws = first if n == 0 else wb.create_sheet()
        ws.title = title[:31]
        ws.append([_safe_cell(h) for h in header])
        widths = [len(str(h)) for h in header]
        for row in rows:
            values = [_safe_cell(v) for v in row]
            ws.append(values)
            widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, values, strict=False)]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, w + 2))
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
