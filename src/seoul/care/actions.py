"""Writes of the care service: a facility with its first model, a new model, a design change
applied as a new version (docs/care-facility.md). Each takes the acting person as ``actor=`` and
checks the role itself; each is audited."""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from seoul.care.engine import facility as engine_facility
from seoul.care.engine import ifc, interventions
from seoul.care.errors import CareError
from seoul.care.events import CareEvent
from seoul.care.models import DistrictOfficer, Facility, FacilityDirector, FacilityVersion, UnitCostSet, scope_of
from seoul.core import audit
from seoul.core.engine.districts import COUNT as DISTRICTS
from seoul.core.models import User
from seoul.core.roles import Role, Service

log = logging.getLogger("seoul.care")
MAX_JSON_MB = 5
MAX_IFC_MB = 100


def _check_operator(actor: User | None, facility: Facility | None = None) -> None:
    """The operator role, and the facility within the actor's scope (``models.scope_of``)."""
    if actor is None:
        return
    if not actor.has_role(Service.CARE, Role.OPERATOR):
        raise CareError.NEEDS_OPERATOR.denied()
    if facility is not None and not Facility.objects.visible_to(actor).filter(pk=facility.pk).exists():
        raise CareError.NOT_IN_SCOPE.denied()


@dataclass(frozen=True)
class Model:
    """A validated facility model, ready to be stored as a version."""

    document: dict[str, Any]
    source: str
    notes: list[str]


def _invalid(errors: list[tuple[str, str]]) -> ValidationError:
    log.warning("care: model refused: %s", errors[:20])
    return ValidationError([CareError.MODEL_INVALID.error(where=where or "model", why=why) for where, why in errors])


def read_model(name: str, content: bytes) -> Model:
    """A model from an uploaded file: ``.json`` in the platform's format or ``.ifc``. Raises
    ValidationError with every problem and where it is."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        if len(content) > MAX_JSON_MB * 1024 * 1024:
            raise CareError.FILE_TOO_LARGE.error(limit=MAX_JSON_MB)
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise CareError.NOT_JSON.error(line=1, column=exc.start + 1, why="not UTF-8") from None
        except json.JSONDecodeError as exc:
            raise CareError.NOT_JSON.error(line=exc.lineno, column=exc.colno, why=exc.msg) from None
        try:
            found = engine_facility.parse_facility(data)
        except engine_facility.ValidationErrors as exc:
            raise _invalid(exc.errors) from None
        return Model(engine_facility.facility_to_dict(found), FacilityVersion.Source.JSON, [])
    if suffix == ".ifc":
        if len(content) > MAX_IFC_MB * 1024 * 1024:
            raise CareError.FILE_TOO_LARGE.error(limit=MAX_IFC_MB)
        with tempfile.NamedTemporaryFile(suffix=".ifc") as fh:
            fh.write(content)
            fh.flush()
            try:
                imported = ifc.import_ifc(fh.name)
            except engine_facility.ValidationErrors as exc:
                raise _invalid(exc.errors) from None
            except (RuntimeError, OSError, ValueError) as exc:  # ifcopenshell's refusal of a file it cannot parse
                raise _invalid([("file", f"not a readable IFC model ({exc})")]) from None
        notes = [f"{issue.element}: {issue.message}" for issue in imported.issues]
        return Model(engine_facility.facility_to_dict(imported.facility), FacilityVersion.Source.IFC, notes)
    raise CareError.FILE_KIND.error()


def example_model() -> Model:
    document = json.loads(engine_facility.example_path().read_text(encoding="utf-8"))
    return Model(document, FacilityVersion.Source.EXAMPLE, [])


def add_facility(name: str, kind: str, district: int, model: Model, *, actor: User | None) -> Facility:
    """A new facility with its first model, in a district the actor works on (any district for
    city-wide staff; a district officer's own; never for a director, whose centres are given)."""
    _check_operator(actor)
    if actor is not None and not scope_of(actor).covers_district(district):
        raise CareError.DISTRICT_NOT_IN_SCOPE.error("district")
    with transaction.atomic():
        found = Facility.objects.create(name=name, kind=kind, district=district, created_by=actor)
        FacilityVersion.objects.create(
            facility=found,
            number=1,
            document=model.document,
            source=model.source,
            import_notes=model.notes,
            made_by=actor,
        )
        audit.record(CareEvent.FACILITY_ADDED, target=found, actor=actor, new={"source": model.source})
    return found


def _next_number(facility: Facility) -> int:
    last = FacilityVersion.objects.filter(facility=facility).aggregate(n=Max("number"))["n"]
    return int(last or 0) + 1


def add_version(facility: Facility, model: Model, *, note: str, actor: User | None) -> FacilityVersion:
    _check_operator(actor, facility)
    with transaction.atomic():
        Facility.objects.select_for_update().get(pk=facility.pk)
        made = FacilityVersion.objects.create(
            facility=facility,
            number=_next_number(facility),
            document=model.document,
            source=model.source,
            note=note,
            import_notes=model.notes,
            made_by=actor,
        )
        audit.record(CareEvent.VERSION_ADDED, target=facility, actor=actor, new={"version": made.number})
    return made


def apply_change(facility: Facility, *, number: int, change: str, actor: User | None) -> FacilityVersion:
    """Apply the offered change ``change`` (an intervention id) to version ``number``, which must
    still be the latest, as a new version."""
    _check_operator(actor, facility)
    with transaction.atomic():
        Facility.objects.select_for_update().get(pk=facility.pk)
        latest = FacilityVersion.objects.filter(facility=facility).order_by("-number").first()
        if latest is None or latest.number != number:
            raise CareError.STALE_VERSION.error(number=latest.number if latest else 0)
        plan = engine_facility.parse_facility(latest.document)
        offered = {c.id: c for c in interventions.candidates(plan, UnitCostSet.current())}
        chosen = offered.get(change)
        if chosen is None:
            raise CareError.UNKNOWN_CHANGE.error()
        changed = interventions.apply(plan, change, UnitCostSet.current())
        made = FacilityVersion.objects.create(
            facility=facility,
            number=latest.number + 1,
            document=engine_facility.facility_to_dict(changed),
            source=FacilityVersion.Source.CHANGE,
            note=chosen.title,
            made_by=actor,
        )
        audit.record(
            CareEvent.CHANGE_APPLIED, target=facility, actor=actor, new={"version": made.number, "change": change}
        )
    return made


def set_costs(values: dict[str, float], *, note: str, actor: User | None) -> UnitCostSet:
    """New unit costs (every field of ``UnitCosts``); the ranking of every facility follows."""
    if actor is not None and not actor.has_role(Service.CARE, Role.ADMIN):
        raise CareError.NEEDS_ADMIN.denied()
    try:
        costs = interventions.UnitCosts(**values)  # type: ignore[arg-type] # horizon_months is a whole number
    except (TypeError, ValueError) as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        before = dataclasses.asdict(UnitCostSet.current())
        made = UnitCostSet.objects.create(values=dataclasses.asdict(costs), note=note, set_by=actor)
        changed = {k: v for k, v in made.values.items() if before.get(k) != v}
        audit.record(
            CareEvent.COSTS_CHANGED, target=made, actor=actor, old={k: before[k] for k in changed}, new=changed
        )
    return made


# ---- who sees which centre (models.scope_of) ------------------------------------------------


def _check_scope_admin(actor: User | None) -> None:
    if actor is not None and not actor.has_role(Service.CARE, Role.ADMIN):
        raise CareError.NEEDS_SCOPE_ADMIN.denied()


def set_districts(user: User, districts: Iterable[int], *, actor: User | None) -> list[int]:
    """The districts ``user`` works on as a district childcare officer (all of them at once;
    none ends it): they then see only those districts' facilities. Care administrators;
    audited with the districts before and after."""
    _check_scope_admin(actor)
    wanted = sorted(set(districts))
    if any(not 0 <= d < DISTRICTS for d in wanted):
        raise ValueError(f"districts: {wanted} are not all in 0..{DISTRICTS - 1}")  # the form offers only districts
    if wanted and not user.has_role(Service.CARE, Role.VIEWER):
        raise CareError.NOT_A_READER.error("user")
    with transaction.atomic():
        rows = DistrictOfficer.objects.select_for_update().filter(user=user)
        before = sorted(rows.values_list("district", flat=True))
        if before == wanted:
            return wanted
        rows.exclude(district__in=wanted).delete()
        DistrictOfficer.objects.bulk_create(
            [DistrictOfficer(user=user, district=d, assigned_by=actor) for d in wanted if d not in before]
        )
        audit.record(
            CareEvent.DISTRICTS_SET, target=user, actor=actor, old={"districts": before}, new={"districts": wanted}
        )
    user.__dict__.pop("_care_scope", None)
    return wanted


def set_director(user: User, facility: Facility, *, directs: bool, actor: User | None) -> bool:
    """Make ``user`` a director of ``facility`` (they then see it, and only the centres they
    direct) or end it. Care administrators; audited. Returns whether anything changed."""
    _check_scope_admin(actor)
    if directs and not user.has_role(Service.CARE, Role.VIEWER):
        raise CareError.NOT_A_READER.error("user")
    with transaction.atomic():
        found = FacilityDirector.objects.select_for_update().filter(user=user, facility=facility)
        was = found.exists()
        if was == directs:
            return False
        if directs:
            FacilityDirector.objects.create(user=user, facility=facility, assigned_by=actor)
        else:
            found.delete()
        audit.record(
            CareEvent.DIRECTOR_SET,
            target=facility,
            actor=actor,
            old={"director": user.username if was else None},
            new={"director": user.username if directs else None},
        )
    user.__dict__.pop("_care_scope", None)
    return True
