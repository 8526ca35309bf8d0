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


def contact_of(
    case: Case, person: Person, last_exposure_on: date, *, actor: User | None, continuous: bool = False
) -> Contact:
    """The person's contact record for this case, or the monitoring the person is already under
    in this outbreak (one monitoring per person, as SORMAS keeps it: a second case's exposure
    does not start a second follow-up), with its last exposure moved later so that monitoring
    restarts from the latest exposure; else a new contact, assigned. ``continuous``: the
    exposure goes on while the case is isolated (a household): the monitoring ends only the
    outbreak's days after the case's isolation does (``release``). Inside the caller's
    transaction."""
    contact = Contact.objects.select_for_update().filter(person=person, source_case=case).first()
    if contact is None:
        contact = (
            Contact.objects.select_for_update()
            .filter(person=person, outbreak=case.outbreak, status=Contact.Status.MONITORING)
            .first()
        )
    if contact is not None:
        if continuous and not contact.continuous_exposure:
            contact.continuous_exposure = True
            contact.save(update_fields=["continuous_exposure"])
        if last_exposure_on > contact.last_exposure_on:
            old = contact.last_exposure_on
            contact.last_exposure_on = last_exposure_on
            contact.save(update_fields=["last_exposure_on"])
            audit.record(
                TracingEvent.CONTACT_RESTARTED,
                actor=actor,
                target=contact,
                old={"last_exposure_on": str(old)},
                new={"last_exposure_on": str(last_exposure_on), "case": case.pk},
            )
        return contact
    contact = Contact.objects.create(
        person=person,
        outbreak=case.outbreak,
        source_case=case,
        district=person.district,
        last_exposure_on=last_exposure_on,
        continuous_exposure=continuous,
    )
    audit.record(
        TracingEvent.CONTACT_ADDED,
        actor=actor,
        target=contact,
        new={
            "case": case.pk,
            "last_exposure_on": str(last_exposure_on),
            "district": contact.district,
            **({"continuous": True} if continuous else {}),
        },
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
    language: str = "",
) -> Contact:
    """A contact named in the case's interview, with the exposure that makes them one."""
    with transaction.atomic():
        case = case_for(actor, case)
        exposure = checked_exposure(case, exposure)
        person = find_or_add_person(name, phone, district, presence_id, language)
        record_exposure_row(case, person, exposure, actor=actor)
        return contact_of(case, person, exposure.on, actor=actor, continuous=exposure.setting == Setting.HOUSEHOLD)


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
        contact_of(case, exposed, data.on, actor=actor, continuous=data.setting == Setting.HOUSEHOLD)
    return exposure
