"""Contacts and exposures: a person exposed to a case, with the exposure that makes them a
contact. Quarantine follows from the last exposure (``Contact.quarantine_end``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db import transaction

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import case_for, choice
from seoul.tracing.actions._people import find_or_add_person
from seoul.tracing.actions.assignment import assign
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, Contact, Exposure, Person, Setting, Source


@dataclass(frozen=True)
class ExposureInput:
    on: date
    place: str
    setting: str
    duration_minutes: int
    proximity: str = Exposure.Proximity.UNKNOWN
    mask: str = Exposure.Mask.UNKNOWN
    certainty: str = Exposure.Certainty.PROBABLE
    found_by: str = Source.INTERVIEW


def checked_exposure(case: Case, data: ExposureInput) -> ExposureInput:
    """The exposure with its place cleaned, if it is one the case may have given."""
    choice(data.setting, Setting.values, "setting")
    choice(data.proximity, Exposure.Proximity.values, "proximity")
    choice(data.mask, Exposure.Mask.values, "mask")
    choice(data.certainty, Exposure.Certainty.values, "certainty")
    choice(data.found_by, Source.values, "found_by")
    if not 0 <= data.duration_minutes <= 24 * 60 * 14:
        raise TracingError.DURATION.error("duration_minutes")
    window = case.window()
    if not window.start.astimezone(SEOUL).date() <= data.on <= window.end.astimezone(SEOUL).date():
        raise TracingError.EXPOSURE_OUTSIDE_WINDOW.error("on")
    return replace(data, place=check_text(data.place, "place", max_length=200))


def record_exposure_row(case: Case, exposed: Person, data: ExposureInput, *, actor: User | None) -> Exposure:
    """The exposure (checked by :func:`checked_exposure`), inside the caller's transaction."""
    if exposed.pk == case.person_id:
        raise TracingError.OWN_CONTACT.error("name")
    exposure = Exposure.objects.create(
        outbreak=case.outbreak,
        source=case.person,
        exposed=exposed,
        case=case,
        on=data.on,
        place=data.place,
        setting=data.setting,
        duration_minutes=data.duration_minutes,
        proximity=data.proximity,
        mask=data.mask,
        certainty=data.certainty,
        found_by=data.found_by,
        recorded_by=actor,
    )
    audit.record(
        TracingEvent.EXPOSURE_RECORDED,
        actor=actor,
        target=case,
        new={"exposure": exposure.pk, "exposed": str(exposed), "on": str(data.on), "setting": data.setting},
    )
    return exposure


def contact_of(case: Case, person: Person, last_exposure_on: date, *, actor: User | None) -> Contact:
    """The person's contact record for this case: created (and assigned), or its last
    exposure moved later; inside the caller's transaction."""
    contact = Contact.objects.filter(person=person, source_case=case).first()
    if contact is not None:
        if last_exposure_on > contact.last_exposure_on:
            contact.last_exposure_on = last_exposure_on
            contact.save(update_fields=["last_exposure_on"])
        return contact
    contact = Contact.objects.create(
        person=person,
        outbreak=case.outbreak,
        source_case=case,
        district=person.district,
        last_exposure_on=last_exposure_on,
    )
    audit.record(
        TracingEvent.CONTACT_ADDED,
        actor=actor,
        target=contact,
        new={"case": case.pk, "last_exposure_on": str(last_exposure_on), "district": contact.district},
    )
    assign(actor=actor, contact=contact, reason="new contact")
    return contact


def add_contact(
    case: Case,
    *,
    actor: User | None,
    name: str,
    phone: str,
    district: int,
    exposure: ExposureInput,
    presence_id: str = "",
) -> Contact:
    """A contact named in the case's interview, with the exposure that makes them one."""
    with transaction.atomic():
        case = case_for(actor, case)
        exposure = checked_exposure(case, exposure)
        person = find_or_add_person(name, phone, district, presence_id)
        record_exposure_row(case, person, exposure, actor=actor)
        return contact_of(case, person, exposure.on, actor=actor)


def record_exposure(case: Case, exposed: Person, data: ExposureInput, *, actor: User | None) -> Exposure:
    """Another exposure between the case and a known person (keeps their contact current).
    The person must be one the actor sees, through a case or a contact."""
    with transaction.atomic():
        case = case_for(actor, case)
        if actor is not None and not (
            Case.objects.visible_to(actor).filter(person=exposed).exists()
            or Contact.objects.visible_to(actor).filter(person=exposed).exists()
        ):
            raise TracingError.CONTACT_NOT_IN_SCOPE.denied()
        data = checked_exposure(case, data)
        exposure = record_exposure_row(case, exposed, data, actor=actor)
        contact_of(case, exposed, data.on, actor=actor)
    return exposure
