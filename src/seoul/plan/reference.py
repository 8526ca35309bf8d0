"""Reference data of the plan: the five visions and the projects named in the announcement.

Loading is idempotent: rows are matched by code and updated; progress that institutions
have reported (status, executed budget, reports) is never overwritten.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from seoul.core.engine.csvload import ReferenceDataError, RowError, parse, read_rows
from seoul.core.models import Institution
from seoul.plan import figures
from seoul.plan.models import Project, Vision

DATA = Path(__file__).parent / "reference"
VISION_FIELDS = [
    "code",
    "symbol",
    "name_ko",
    "name_en",
    "projects_announced",
    "budget_announced_krw",
    "period_start",
    "period_end",
    "source",
]
PROJECT_FIELDS = [
    "code",
    "vision",
    "institution",
    "name_ko",
    "name_en",
    "budget_krw",
    "quantity",
    "unit",
    "deadline",
    "description_ko",
    "description_en",
    "verification",
    "verification_en",
    "source",
    "source_en",
]


def _typed(
    file: str, line: int, row: dict[str, str], spec: dict[str, tuple[Any, bool]], errors: list[RowError]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field, (kind, optional) in spec.items():
        try:
            out[field] = parse(row[field], kind, optional=optional)
        except ValueError as exc:
            errors.append(RowError(file, line, field, f"{exc} (got '{row[field]}')"))
    return out


def load() -> dict[str, int]:
    errors: list[RowError] = []
    visions = []
    for line, row in read_rows(DATA / "visions.csv", VISION_FIELDS):
        typed = _typed(
            "visions.csv",
            line,
            row,
            {
                "code": (int, False),
                "projects_announced": (int, False),
                "budget_announced_krw": (int, False),
                "period_start": (int, False),
                "period_end": (int, False),
            },
            errors,
        )
        visions.append({**row, **typed})
    institutions = set(Institution.objects.values_list("code", flat=True))
    vision_codes = {v["code"] for v in visions if isinstance(v.get("code"), int)}
    projects = []
    for line, row in read_rows(DATA / "projects.csv", PROJECT_FIELDS):
        typed = _typed(
            "projects.csv",
            line,
            row,
            {"vision": (int, False), "budget_krw": (int, True), "quantity": (int, True), "deadline": (date, True)},
            errors,
        )
        if row["institution"] not in institutions:
            errors.append(
                RowError("projects.csv", line, "institution", f"unknown institution code '{row['institution']}'")
            )
        if "vision" in typed and typed["vision"] not in vision_codes:
            errors.append(RowError("projects.csv", line, "vision", f"unknown vision {typed['vision']}"))
        projects.append({**row, **typed})
    if errors:
        raise ReferenceDataError(errors)
    with transaction.atomic():
        figures.changed()
        by_code = {}
        for v in visions:
            obj, _ = Vision.objects.update_or_create(code=v["code"], defaults={k: v[k] for k in VISION_FIELDS[1:]})
            by_code[v["code"]] = obj
        inst = {i.code: i for i in Institution.objects.all()}
        for p in projects:
            Project.objects.update_or_create(
                code=p["code"],
                defaults={
                    "vision": by_code[p["vision"]],
                    "institution": inst[p["institution"]],
                    "name_ko": p["name_ko"],
                    "name_en": p["name_en"],
                    "description": p["description_ko"],
                    "description_en": p["description_en"],
                    "budget_krw": p["budget_krw"],
                    "quantity": p["quantity"],
                    "unit": p["unit"],
                    "deadline": p["deadline"],
                    "origin": Project.Origin.ANNOUNCED,
                    "verification": p["verification"],
                    "verification_en": p["verification_en"],
                    "source": p["source"],
                    "source_en": p["source_en"],
                },
            )
    return {"visions": len(visions), "projects": len(projects)}
