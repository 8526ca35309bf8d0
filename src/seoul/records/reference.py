"""Reference data of the Electronic Document Center (``reference/SOURCE.md``): departments with
their institution codes and the kinds of record. Rows are brought up to date from the files;
nothing with records is ever removed."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from seoul.core.engine.csvload import ReferenceDataError, RowError, read_rows
from seoul.records.engine.rules import DEPARTMENT_CODE, Retention
from seoul.records.models import Department, DocumentType

DATA = Path(__file__).parent / "reference"


def load() -> dict[str, int]:
    errors: list[RowError] = []
    departments = []
    for line, row in read_rows(DATA / "departments.csv", ["code", "name_ko", "name_en", "source"]):
        if not DEPARTMENT_CODE.match(row["code"]):
            errors.append(RowError("departments.csv", line, "code", f"{row['code']!r} is not seven digits"))
        departments.append(row)
    kinds = []
    for line, row in read_rows(DATA / "document_types.csv", ["code", "name_ko", "name_en", "retention"]):
        if row["retention"] not in Retention.__members__.values():
            errors.append(RowError("document_types.csv", line, "retention", f"unknown period {row['retention']!r}"))
        kinds.append(row)
    if errors:
        raise ReferenceDataError(errors)
    with transaction.atomic():
        for row in departments:
            Department.objects.update_or_create(
                code=row["code"],
                defaults={"name_ko": row["name_ko"], "name_en": row["name_en"], "source": row["source"]},
            )
        for row in kinds:
            DocumentType.objects.update_or_create(
                code=row["code"],
                defaults={"name_ko": row["name_ko"], "name_en": row["name_en"], "retention": row["retention"]},
            )
    return {"departments": len(departments), "document types": len(kinds)}
