"""Line lists out: cases, contacts, follow-ups and laboratory results as CSV or XLSX, each with
a data dictionary (docs/tracing-monitoring.md "Line lists out").

Each table is a list of :class:`Column` (name, meaning, values, how to read it from a record),
so the file's header and its dictionary cannot drift apart. The rows are what the reader may
see (``visible_to``), optionally one outbreak's; the view asks for a reason and audits every
export with the table, the outbreak and the row count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.tracing.engine.monitoring import SYMPTOMS
from seoul.tracing.models import Case, Contact, FollowUp, LabResult, Outbreak


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str | Promise
    values: str | Promise
    get: Callable[[Any], Any]


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return value.astimezone(SEOUL).isoformat(timespec="minutes") if value else ""


DAY = _("date, YYYY-MM-DD (Seoul)")
MOMENT = _("date and time with offset, Seoul time")
REF = _("reference as on the pages (C-12, K-34)")


def _choices(model_choices: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(value for value, _label in model_choices)


TABLES: dict[str, tuple[str | Promise, list[Column]]] = {
    "cases": (
        _("Cases"),
        [
            Column("case", _("the case"), REF, lambda c: c.reference),
            Column("outbreak", _("the outbreak's name"), _("text"), lambda c: c.outbreak.label),
            Column(
                "classification",
                _("class of the case"),
                _choices(Case.Classification.choices),
                lambda c: c.classification,
            ),
            Column("name", _("the person's name"), _("text"), lambda c: c.person.name),
            Column("phone", _("mobile phone"), _("text"), lambda c: c.person.phone),
            Column(
                "district", _("district responsible, administrative code"), _("5 digits"), lambda c: c.district_obj.code
            ),
            Column("confirmed_on", _("confirmation date (while confirmed)"), DAY, lambda c: _day(c.confirmed_on)),
            Column("onset_on", _("symptom onset"), DAY, lambda c: _day(c.onset_on)),
            Column("test_on", _("date of the positive test"), DAY, lambda c: _day(c.test_on)),
            Column("isolated_at", _("isolation began"), MOMENT, lambda c: _moment(c.isolated_at)),
            Column("status", _("status"), _choices(Case.Status.choices), lambda c: c.status),
            Column("released_on", _("released from isolation on"), DAY, lambda c: _day(c.released_on)),
            Column("release_rule", _("criteria version and rule of the release"), _("text"), lambda c: c.release_rule),
            Column("outcome", _("outcome"), _choices(Case.Outcome.choices), lambda c: c.outcome),
            Column("outcome_on", _("day of the outcome"), DAY, lambda c: _day(c.outcome_on)),
            Column(
                "from_contact_of",
                _("the case this case was a contact of"),
                REF,
                lambda c: c.from_contact.source_case.reference if c.from_contact else "",
            ),
        ],
    ),
    "contacts": (
        _("Contacts"),
        [
            Column("contact", _("the contact"), REF, lambda c: c.reference),
            Column("case", _("the case the contact was exposed to"), REF, lambda c: c.source_case.reference),
            Column("outbreak", _("the outbreak's name"), _("text"), lambda c: c.outbreak.label),
            Column("name", _("the person's name"), _("text"), lambda c: c.person.name),
            Column("phone", _("mobile phone"), _("text"), lambda c: c.person.phone),
            Column(
                "district",
                _("district of residence, administrative code"),
                _("5 digits"),
                lambda c: c.district_obj.code,
            ),
            Column("last_exposure_on", _("last exposure"), DAY, lambda c: _day(c.last_exposure_on)),
            Column("quarantine_end", _("last day of quarantine"), DAY, lambda c: _day(c.quarantine_end)),
            Column(
                "household",
                _("exposed at home while the case is isolated"),
                "true, false",
                lambda c: c.continuous_exposure,
            ),
            Column("status", _("status"), _choices(Contact.Status.choices), lambda c: c.status),
            Column("closed_on", _("monitoring ended on"), DAY, lambda c: _day(c.closed_on)),
            Column("close_reason", _("why monitoring ended"), _("text"), lambda c: c.close_reason_text),
            Column("first_reached_at", _("first time the contact was reached"), MOMENT, lambda c: _moment(c.traced_at)),
        ],
    ),
    "follow_ups": (
        _("Follow-ups"),
        [
            Column("contact", _("the contact"), REF, lambda f: f.contact.reference),
            Column("day", _("the day followed up"), DAY, lambda f: _day(f.day)),
            Column("status", _("result"), _choices(FollowUp.Status.choices), lambda f: f.status),
            Column("symptoms", _("symptoms reported, codes"), ", ".join(SYMPTOMS), lambda f: ", ".join(f.symptom_list)),
            Column("temperature_c", _("body temperature"), _("°C, one decimal"), lambda f: f.temperature),
            Column("other_symptoms", _("other symptoms, in words"), _("text"), lambda f: f.symptoms),
            Column(
                "alerts",
                _("what the outbreak's alert rules flagged"),
                _("symptom codes, other"),
                lambda f: ", ".join(f.alerts),
            ),
            Column("channel", _("who recorded it"), _choices(FollowUp.Channel.choices), lambda f: f.channel),
            Column("recorded_at", _("when it was recorded"), MOMENT, lambda f: _moment(f.recorded_at)),
        ],
    ),
    "lab_results": (
        _("Laboratory results"),
        [
            Column("case", _("the case"), REF, lambda r: r.case.reference),
            Column("test", _("test"), _choices(LabResult.Test.choices), lambda r: r.test),
            Column("specimen", _("specimen"), _choices(LabResult.Specimen.choices), lambda r: r.specimen),
            Column("lab", _("the laboratory"), _("text"), lambda r: r.lab),
            Column("result", _("result"), _choices(LabResult.Result.choices), lambda r: r.result),
            Column("collected_at", _("specimen taken"), MOMENT, lambda r: _moment(r.collected_at)),
            Column("resulted_at", _("result reported"), MOMENT, lambda r: _moment(r.resulted_at)),
        ],
    ),
}


def records(kind: str, user: User, outbreak: Outbreak | None = None) -> QuerySet[Any]:
    """The records of table ``kind`` that ``user`` may see (one outbreak's, when given)."""
    cases = Case.objects.visible_to(user)
    contacts = Contact.objects.visible_to(user)
    if outbreak is not None:
        cases, contacts = cases.filter(outbreak=outbreak), contacts.filter(outbreak=outbreak)
    if kind == "cases":
        return cases.select_related("person", "outbreak", "from_contact__source_case").order_by("pk")
    if kind == "contacts":
        return contacts.select_related("person", "outbreak", "source_case").order_by("pk")
    if kind == "follow_ups":
        return (
            FollowUp.objects.filter(contact__in=contacts.values("pk"))
            .select_related("contact")
            .order_by("contact_id", "day", "recorded_at", "pk")
        )
    if kind == "lab_results":
        return (
            LabResult.objects.filter(case__in=cases.values("pk"))
            .select_related("case")
            .order_by("case_id", "collected_at", "pk")
        )
    raise KeyError(kind)


def header(kind: str) -> list[str]:
    return [c.name for c in TABLES[kind][1]]


def rows(kind: str, items: Iterable[Any]) -> Iterator[list[Any]]:
    columns = TABLES[kind][1]
    for item in items:
        yield [column.get(item) for column in columns]


def dictionary(kind: str) -> tuple[list[str], list[list[str]]]:
    """The data dictionary of a table: one row per column, in the page's language."""
    head = [str(_("column")), str(_("meaning")), str(_("values"))]
    return head, [[c.name, str(c.meaning), str(c.values)] for c in TABLES[kind][1]]


def stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"
