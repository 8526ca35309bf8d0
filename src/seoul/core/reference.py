"""Reference data of the core: the city institutions (see reference/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from seoul.core.engine.csvload import ReferenceDataError, RowError, read_rows
from seoul.core.models import Institution

DATA = Path(__file__).parent / "reference"
FIELDS = ["code", "name_ko", "name_en", "kind", "in_2020_plan", "source", "note"]


def load() -> dict[str, int]:
    errors: list[RowError] = []
    rows = []
    for line, row in read_rows(DATA / "institutions.csv", FIELDS):
        if row["kind"] not in Institution.Kind.values:
            errors.append(RowError("institutions.csv", line, "kind", f"unknown kind '{row['kind']}'"))
        for f in ("code", "name_ko", "name_en"):
            if not row[f]:
                errors.append(RowError("institutions.csv", line, f, "is required"))
        rows.append(row)
    if errors:
        raise ReferenceDataError(errors)
    with transaction.atomic():
        for row in rows:
            Institution.objects.update_or_create(code=row["code"], defaults={f: row[f] for f in FIELDS[1:]})
    return {"institutions": len(rows)}
