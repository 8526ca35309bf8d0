"""Shapes of what the plan API receives and answers (django-ninja / pydantic).

Everything a payload can get wrong by itself is refused here, before any action runs, with the
field named in the 422 (``loc``) and the rule published in the OpenAPI document: free text
without control characters (``core.schemas.Text``), dates within the plan's era or planning
horizon (``core.schemas.Day``), amounts and counts within bounds, known statuses, a unit for a
quantity, KPI names that differ. The actions check the same rules again for every other caller
and add what needs the database (the institution's projects, KPI names already taken).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Schema
from pydantic import Field, ValidationInfo, WithJsonSchema, field_validator

from seoul.core.schemas import Day, Text
from seoul.core.validation import PANDEMIC_ERA, PLANNING_HORIZON
from seoul.plan.models import KPI_DECIMALS, KPI_DIGITS, MAX_KRW, MAX_QUANTITY, ProjectStatus

CODE_PATTERN = r"^[A-Z0-9_-]{1,40}$"
INSTITUTION_PATTERN = r"^[A-Z0-9_]{1,32}$"


def _horizon_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "format": "date",
        "description": f"from {PLANNING_HORIZON.earliest.isoformat()} to ten years after today (Seoul time)",
    }


if TYPE_CHECKING:
    Name = str
    Unit = str
    KpiUnit = str
    LongText = str
    Note = str
    HappenedOn = date
    DueOn = date
else:
    Name = Text(max_length=200, min_length=1)
    Unit = Text(max_length=20)
    KpiUnit = Text(max_length=30, min_length=1)
    LongText = Text(max_length=5000, multiline=True)
    Note = Text(max_length=2000, multiline=True)
    HappenedOn = Day(PANDEMIC_ERA)
    DueOn = Annotated[Day(PLANNING_HORIZON), WithJsonSchema(_horizon_schema())]

Krw = Annotated[int, Field(ge=0, le=MAX_KRW, description="whole won")]
InstitutionCode = Annotated[
    str, Field(min_length=1, max_length=32, pattern=INSTITUTION_PATTERN, description="e.g. SEOUL_METRO")
]
VisionCode = Annotated[int, Field(ge=1, le=5, description="the vision's number, 1 to 5")]
KpiNumber = Annotated[Decimal, Field(max_digits=KPI_DIGITS, decimal_places=KPI_DECIMALS, allow_inf_nan=False)]


class KpiIn(Schema):
    name: Name
    unit: KpiUnit = Field(description="e.g. %, persons, sites")
    target: KpiNumber | None = None


class ProjectIn(Schema):
    vision: VisionCode
    institution: InstitutionCode = Field(description="the institution's code; operators give their own")
    name_ko: Name
    name_en: Name = Field(description="the project's name on the English pages")
    description: LongText = ""
    description_en: LongText = ""
    budget_krw: Krw | None = None
    quantity: Annotated[int, Field(ge=0, le=MAX_QUANTITY)] | None = None
    unit: Unit = Field(default="", validate_default=True, description="the unit of the quantity; needed with one")
    deadline: DueOn | None = None
    kpis: list[KpiIn] = Field(default_factory=list, max_length=20, description="KPI names differ from each other")

    @field_validator("unit")
    @classmethod
    def _unit_of_quantity(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("quantity") is not None and not value.strip():
            raise ValueError("give the unit of the quantity")
        return value

    @field_validator("kpis")
    @classmethod
    def _kpi_names_differ(cls, value: list[KpiIn]) -> list[KpiIn]:
        seen: set[str] = set()
        for kpi in value:
            if kpi.name.strip() in seen:
                raise ValueError(f"two KPIs are named {kpi.name.strip()!r}: KPI names must differ")
            seen.add(kpi.name.strip())
        return value


class ProgressIn(Schema):
    reported_on: HappenedOn  # the day the figures are as of
    status: ProjectStatus
    budget_executed_krw: Krw = Field(description="budget executed so far (cumulative), in won")
    note: Note = ""


class VisionOut(Schema):
    code: int
    symbol: str
    name_ko: str
    name_en: str
    projects_announced: int
    budget_announced_krw: int
    projects_registered: int
    budget_registered_krw: int
    budget_executed_krw: int
    period_start: int
    period_end: int


class ProjectOut(Schema):
    code: str
    vision: int
    institution: str
    name_ko: str
    name_en: str
    origin: str
    status: str
    budget_krw: int | None
    budget_executed_krw: int
    quantity: int | None
    unit: str
    deadline: date | None
