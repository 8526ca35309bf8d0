"""Line lists in: cases, contacts or follow-ups from a CSV or XLSX file, each row through the
same action a tracer's form uses (so every check, scope rule and audit record applies), with a
report of every refused row -- its line, field and reason -- and the good rows kept
(``engine/linelist.py``; docs/tracing-linelists.md).

Each row is its own transaction: a refused row never undoes the rows before it, and a file cut
short (a crash, a full disk) leaves exactly the rows already reported as imported.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from seoul.core import audit
from seoul.core.models import User
from seoul.tracing.actions.cases import CaseInput, register_case
from seoul.tracing.actions.contacts import ExposureInput, add_contact
from seoul.tracing.actions.follow_up import record_follow_up
from seoul.tracing.engine.linelist import Kind, LineListError, RowError, check_mapping, parse_row, read_rows
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, Contact, LineListImport, Outbreak, Setting

log = logging.getLogger("seoul.tracing")


@dataclass
class Refused:
    line: int
    field: str
    reason: str


@dataclass
class LineListReport:
    kind: Kind
    rows: int = 0
    imported: int = 0
    referred: int = 0
    """Cases already on record with someone the importer may not see: kept for their supervisors."""
    refused: list[Refused] = field(default_factory=list)
    references: list[str] = field(default_factory=list)


ROW_WORDS = {
    "empty": _("empty, but needed"),
    "phone": _("not a phone number (8 to 20 digits, spaces or dashes)"),
    "date": _("“%(value)s” is not a date (write 2020-08-15)"),
    "district": _("“%(value)s” is not a Seoul district (a name such as 구로구, a code such as 11530, or 0–24)"),
    "minutes": _("“%(value)s” is not a number of minutes (0 to 20160)"),
    "temperature": _("“%(value)s” is not a temperature in °C"),
    "reference": _("“%(value)s” is not a reference such as C-12 or K-34"),
    "choice": _("“%(value)s” is not one of %(choices)s"),
    "not_yours": _("%(value)s is not on record among the records you may change"),
}


FILE_WORDS = {
    "binary": _("This is not a CSV or XLSX file."),
    "old_format": _("Save the sheet as XLSX or CSV first (older Excel and other formats are not read)."),
    "empty": _("The file is empty."),
    "encoding": _("The text is neither UTF-8 nor CP949 (the Korean Excel encoding)."),
    "xlsx": _("This XLSX file cannot be read; open it and save it again."),
    "no_header": _("The first row must name the columns."),
    "duplicate_header": _("Two columns have the same name; rename one."),
    "too_many": _("More than 200,000 rows: split the file."),
}


MAPPING_WORDS = {
    "unknown": _("not a field of this line list"),
    "no_column": _("the file has no column “%(header)s”"),
    "required": _("needed: choose the column that holds it"),
    "twice": _("column “%(header)s” is already used for another field"),
}


def mapping_words(code: str, header: str) -> str:
    return str(MAPPING_WORDS[code]) % {"header": header}


def file_words(exc: LineListError) -> str:
    return str(FILE_WORDS[exc.code])


def row_words(exc: RowError) -> str:
    return str(ROW_WORDS[exc.code]) % {"value": exc.value, "choices": ", ".join(exc.choices)}


def _first(exc: ValidationError) -> tuple[str, str]:
    """The field and words of the first problem in ``exc``."""
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.message_dict.items()))
        return ("row" if name == "__all__" else name), errors[0]
    return "row", exc.messages[0]


def _row_action(
    kind: Kind, values: dict[str, Any], *, actor: User | None, outbreak: Outbreak | None
) -> tuple[str, bool]:
    """Import one parsed row; returns the record's reference and whether it was only referred."""
    if kind == "contacts":
        cases = Case.objects.all() if actor is None else Case.objects.visible_to(actor)
        case = cases.filter(pk=values["case"]).first()
        if case is None:  # not on record, or not the importer's: the same words, nothing to learn
            raise RowError("case", "not_yours", f"C-{values['case']}")
        contact = add_contact(
            case,
            actor=actor,
            name=values["name"],
            phone=values.get("phone", ""),
            district=values["district"],
            language=values.get("language", ""),
            exposure=ExposureInput(
                on=values["on"],
                place=values["place"],
                setting=values.get("setting", Setting.OTHER),
                duration_minutes=values.get("duration_minutes", 0),
                proximity=values.get("proximity", "unknown"),
            ),
        )
        return contact.reference, False
    if kind == "cases":
        if outbreak is None:
            raise RowError("outbreak", "choose the outbreak the cases belong to")
        registration = register_case(
            outbreak,
            CaseInput(
                name=values["name"],
                phone=values.get("phone", ""),
                district=values["district"],
                language=values.get("language", ""),
                confirmed_on=values["confirmed_on"],
                onset_on=values.get("onset_on"),
                test_on=values.get("test_on"),
            ),
            actor=actor,
        )
        if registration.case is None:
            return "", True
        return registration.case.reference, False
    contacts = Contact.objects.all() if actor is None else Contact.objects.visible_to(actor)
    followed = contacts.filter(pk=values["contact"]).first()
    if followed is None:
        raise RowError("contact", "not_yours", f"K-{values['contact']}")
    entry = record_follow_up(
        followed,
        values["day"],
        values["status"],
        values.get("symptoms", ""),
        symptom_list=values.get("symptom_list", ()),
        temperature=values.get("temperature"),
        actor=actor,
    )
    return f"{followed.reference} {entry.day:%Y-%m-%d}", False


def import_line_list(
    path: Path,
    kind: Kind,
    mapping: Mapping[str, str],
    *,
    actor: User | None,
    outbreak: Outbreak | None = None,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
) -> LineListImport:
    """Import ``path`` as a line list of ``kind`` with ``mapping`` (field → column). Refused
    with ``LINE_LIST`` when the file or the mapping cannot be used at all; otherwise every row
    is imported or reported, and the import (counts and refused rows, no personal data) is kept
    and audited."""
    try:
        header, rows = read_rows(path)
    except LineListError as exc:
        raise TracingError.LINE_LIST.error("file", reason=file_words(exc)) from exc
    problems = check_mapping(kind, header, mapping)
    if problems:
        name, code, column = problems[0]
        raise TracingError.LINE_LIST_MAPPING.error("mapping", name=name, reason=mapping_words(code, column))
    report = LineListReport(kind=kind)
    try:
        for line, row in rows:
            report.rows += 1
            try:
                values = parse_row(kind, mapping, row)
                reference, referred = _row_action(kind, values, actor=actor, outbreak=outbreak)
            except RowError as exc:
                report.refused.append(Refused(line, exc.field, row_words(exc)))
            except ValidationError as exc:
                report.refused.append(Refused(line, *_first(exc)))
            except PermissionDenied as exc:  # a role the importer lacks, a district not theirs
                report.refused.append(Refused(line, "row", str(exc)))
            else:
                report.referred += referred
                report.imported += not referred
                if reference:
                    report.references.append(reference)
            if progress is not None and report.rows % 200 == 0:
                progress(report.rows)
    except LineListError as exc:  # too many rows: what was imported stays, the rest is refused
        report.refused.append(Refused(report.rows + 2, "file", file_words(exc)))
    except UnicodeDecodeError:
        report.refused.append(
            Refused(report.rows + 2, "file", str(_("the text is neither UTF-8 nor CP949 from here on")))
        )
    if progress is not None:
        progress(report.rows)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = LineListImport.objects.create(
        kind=kind,
        filename=(filename or path.name)[:200],
        sha256=digest,
        mapping=dict(mapping),
        outbreak=outbreak,
        rows=report.rows,
        imported=report.imported,
        referred=report.referred,
        refused=[{"line": r.line, "field": r.field, "reason": r.reason[:300]} for r in report.refused],
        imported_by=actor,
    )
    audit.record(
        TracingEvent.LINE_LIST_IMPORTED,
        actor=actor,
        target=done,
        new={
            "kind": kind,
            "sha256": digest,
            "rows": report.rows,
            "imported": report.imported,
            "referred": report.referred,
            "refused": len(report.refused),
        },
    )
    for r in report.refused:
        log.info("line list %s line %d refused: %s: %s", done.pk, r.line, r.field, r.reason)
    return done
