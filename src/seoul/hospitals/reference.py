"""Reference data of the hospital network (``reference/SOURCE.md``): the register of city
hospitals, the four medical sub-regions with their control towers, and which district belongs
to which sub-region. Hospitals and regions are brought up to date from the files; the district
mapping is created once and then edited in the service, so a reload never undoes an edit."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from seoul.core.engine.csvload import ReferenceDataError, RowError, read_rows
from seoul.core.engine.districts import by_name
from seoul.hospitals.engine.network import Need
from seoul.hospitals.models import DistrictRegion, Hospital, Region

DATA = Path(__file__).parent / "reference"
HOSPITAL_FIELDS = [
    "code", "name_ko", "name_en", "kind", "district", "address_ko", "lat", "lon", "coord_quality",
    "licensed_beds", "licensed_beds_as_of", "specialty", "capabilities", "capabilities_basis", "roster_status", "sources",
]  # fmt: skip


def _number(errors: list[RowError], file: str, line: int, field: str, text: str, kind: type) -> float | int | None:
    if not text:
        return None
    try:
        return kind(text)  # type: ignore[no-any-return]
    except ValueError:
        errors.append(RowError(file, line, field, f"{text!r} is not a number"))
        return None


def load() -> dict[str, int]:
    errors: list[RowError] = []
    hospitals: list[dict[str, object]] = []
    for line, row in read_rows(DATA / "hospitals.csv", HOSPITAL_FIELDS):
        try:
            district = by_name(row["district"]).index
        except KeyError:
            errors.append(RowError("hospitals.csv", line, "district", f"unknown district {row['district']!r}"))
            continue
        if row["kind"] not in Hospital.Kind.values:
            errors.append(RowError("hospitals.csv", line, "kind", f"unknown kind {row['kind']!r}"))
        if row["coord_quality"] not in Hospital.CoordQuality.values:
            errors.append(RowError("hospitals.csv", line, "coord_quality", f"unknown value {row['coord_quality']!r}"))
        needs = [n for n in row["capabilities"].split(";") if n]
        for n in needs:
            if n not in Need.__members__.values():
                errors.append(RowError("hospitals.csv", line, "capabilities", f"unknown need {n!r}"))
        hospitals.append(
            {
                "code": row["code"],
                "name_ko": row["name_ko"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "district": district,
                "address": row["address_ko"],
                "lat": _number(errors, "hospitals.csv", line, "lat", row["lat"], float),
                "lon": _number(errors, "hospitals.csv", line, "lon", row["lon"], float),
                "coord_quality": row["coord_quality"],
                "licensed_beds": _number(errors, "hospitals.csv", line, "licensed_beds", row["licensed_beds"], int),
                "licensed_beds_as_of": _number(
                    errors, "hospitals.csv", line, "licensed_beds_as_of", row["licensed_beds_as_of"], int
                ),
                "specialty": row["specialty"],
                "capabilities": needs,
                "capabilities_basis": row["capabilities_basis"],
                "roster_status": row["roster_status"],
                "sources": row["sources"],
            }
        )
    regions = list(read_rows(DATA / "regions.csv", ["code", "name_ko", "name_en", "control_tower", "source"]))
    codes = {h["code"] for h in hospitals}
    for line, row in regions:
        if row["control_tower"] and row["control_tower"] not in codes:
            errors.append(
                RowError("regions.csv", line, "control_tower", f"{row['control_tower']!r} is not in hospitals.csv")
            )
    region_codes = {row["code"] for _, row in regions}
    mapping: dict[int, tuple[str, str]] = {}
    for line, row in read_rows(DATA / "district_regions.csv", ["district", "region", "verified", "note"]):
        try:
            index = by_name(row["district"]).index
        except KeyError:
            errors.append(RowError("district_regions.csv", line, "district", f"unknown district {row['district']!r}"))
            continue
        if row["region"] not in region_codes:
            errors.append(RowError("district_regions.csv", line, "region", f"unknown region {row['region']!r}"))
        if index in mapping:
            errors.append(RowError("district_regions.csv", line, "district", "listed twice"))
        mapping[index] = (row["region"], row["note"])
    if len(mapping) != 25 and not errors:
        errors.append(RowError("district_regions.csv", 1, "district", "every one of the 25 districts must be listed"))
    if errors:
        raise ReferenceDataError(errors)
    with transaction.atomic():
        for h in hospitals:
            code = h.pop("code")
            Hospital.objects.update_or_create(code=code, defaults=h)
        by_code = {h.code: h for h in Hospital.objects.all()}
        for _, row in regions:
            Region.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name_ko": row["name_ko"],
                    "name_en": row["name_en"],
                    "control_tower": by_code.get(row["control_tower"]),
                    "source": row["source"],
                },
            )
        region_by_code = {r.code: r for r in Region.objects.all()}
        for index, (region, note) in mapping.items():
            DistrictRegion.objects.get_or_create(
                district=index, defaults={"region": region_by_code[region], "verified": False, "note": note}
            )
    return {"hospitals": len(hospitals), "regions": len(regions), "district regions": len(mapping)}
