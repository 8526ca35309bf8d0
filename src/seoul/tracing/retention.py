"""How long contact tracing keeps personal data (enforced by ``seoul retention``).

The Infectious Disease Control and Prevention Act (감염병예방법 제76조의2) allows this data only
for the response and requires its destruction once that work is over. Six policies:

- ``presence`` (``SEOUL_TRACING_MOVEMENT_RETENTION_DAYS``, default 28): the presence records
  exposure discovery searches (venue check-ins, metro journeys, card payments, by day under
  ``SEOUL_TRACING_DATA_DIR``) and the pseudonymous ids only they used. 28 days, as Korea's
  electronic visitor logs (전자출입명부) were destroyed after four weeks in 2020: an infectious
  window (2 days before onset to isolation) plus the 14-day monitoring, with a margin.

- ``timelines`` (``SEOUL_TRACING_TIMELINE_RETENTION_DAYS``, default 90): where a case went,
  the discovery candidates found from it (pseudonymous ids with places and times) and the ids
  its long-tail text went to, counted
  from the case's confirmation. Their purpose is finding contacts, which ends with the
  14-day monitoring of the last contacts; 90 days leaves time for review of the response.
- ``records`` (``SEOUL_TRACING_RECORD_RETENTION_DAYS``, default 365): everything personal of an
  outbreak — cases, contacts, exposures, follow-ups, assignments, self-report codes and the
  persons (names, phone numbers) no other record still needs — destroyed together once the
  outbreak's last case confirmation and last contact exposure are older than the period
  (an outbreak's chains stay whole while any of it is kept). The outbreak row (name,
  district, rules) holds no personal data and stays.
- ``self_report_codes`` (30 days after they expire): hashes of one-time codes.
- ``mass_text_opt_outs`` (365 days): keyed hashes of ids that asked for no more mass texts.
- ``line_list_uploads`` (1 day): a line-list file uploaded and never imported (one that is
  imported is deleted at once; ``uploads.py``).

The audit log is kept by the core (730 days) and holds references (C-12, K-34, P-5), never
names or phone numbers.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.retention import Policy
from seoul.tracing.models import (
    Assignment,
    Candidate,
    Case,
    ClassificationChange,
    Contact,
    DuplicateRegistration,
    Exposure,
    FollowUp,
    LabResult,
    MassText,
    MassTextOptOut,
    MassTextRecipient,
    Outbreak,
    Person,
    SelfReportCode,
    TimelineEntry,
    Transfer,
    movement_dir,
)
from seoul.tracing.uploads import older_than

TIMELINE_DAYS = int(getattr(settings, "SEOUL_TRACING_TIMELINE_RETENTION_DAYS", 90))
RECORD_DAYS = int(getattr(settings, "SEOUL_TRACING_RECORD_RETENTION_DAYS", 365))
CODE_DAYS = 30
MOVEMENT_DAYS = int(getattr(settings, "SEOUL_TRACING_MOVEMENT_RETENTION_DAYS", 28))


def _movement_count(cutoff: datetime) -> int:
    from seoul.tracing.engine import store

    root = movement_dir()
    return store.count_rows(root, store.expired_days(root, store.seoul_date(cutoff)))


def _movement_purge(cutoff: datetime) -> dict[str, int]:
    from seoul.tracing.engine import store

    return store.purge(movement_dir(), store.seoul_date(cutoff))


def _day(cutoff: datetime) -> object:
    return cutoff.astimezone(SEOUL).date()


def _old_cases(cutoff: datetime) -> QuerySet[Case]:
    """Cases confirmed before the cutoff day; those never confirmed (suspected, probable, not a
    case) by the day they were registered."""
    return Case.objects.filter(Q(confirmed_on__lt=_day(cutoff)) | Q(confirmed_on=None, created_at__lt=cutoff))


def _timelines_count(cutoff: datetime) -> int:
    cases = _old_cases(cutoff)
    return (
        TimelineEntry.objects.filter(case__in=cases).count()
        + Candidate.objects.filter(case__in=cases).count()
        + MassTextRecipient.objects.filter(mass_text__case__in=cases).count()
    )


def _timelines_purge(cutoff: datetime) -> dict[str, int]:
    cases = _old_cases(cutoff)
    n_timeline, _ = TimelineEntry.objects.filter(case__in=cases).delete()
    n_candidates, _ = Candidate.objects.filter(case__in=cases).delete()
    # the pseudonymous ids a long-tail text went to; the mass text's counts stay
    n_texted, _ = MassTextRecipient.objects.filter(mass_text__case__in=cases).delete()
    return {"timeline_entries": n_timeline, "candidates": n_candidates, "mass_text_recipients": n_texted}


def finished_outbreaks(cutoff: datetime) -> QuerySet[Outbreak]:
    """Outbreaks with personal data whose last confirmation, last registration of a case never
    confirmed, and last exposure are before the cutoff."""
    day = _day(cutoff)
    return (
        Outbreak.objects.annotate(
            last_case=Max("cases__confirmed_on"),
            last_registered=Max("cases__created_at", filter=Q(cases__confirmed_on=None)),
            last_exposure=Max("contacts__last_exposure_on"),
        )
        .filter(Q(last_case__isnull=False) | Q(last_registered__isnull=False) | Q(last_exposure__isnull=False))
        .filter(Q(last_case__lt=day) | Q(last_case__isnull=True))
        .filter(Q(last_registered__lt=cutoff) | Q(last_registered__isnull=True))
        .filter(Q(last_exposure__lt=day) | Q(last_exposure__isnull=True))
    )


def _records_count(cutoff: datetime) -> int:
    outbreaks = finished_outbreaks(cutoff)
    return Case.objects.filter(outbreak__in=outbreaks).count() + Contact.objects.filter(outbreak__in=outbreaks).count()


def _records_purge(cutoff: datetime) -> dict[str, int]:
    outbreaks = list(finished_outbreaks(cutoff).values_list("pk", flat=True))
    cases = Case.objects.filter(outbreak__in=outbreaks)
    contacts = Contact.objects.filter(outbreak__in=outbreaks)
    people = set(cases.values_list("person_id", flat=True)) | set(contacts.values_list("person_id", flat=True))
    counts = {
        "follow_ups": FollowUp.objects.filter(contact__in=contacts).delete()[0],
        "self_report_codes": SelfReportCode.objects.filter(contact__in=contacts).delete()[0],
        "assignments": Assignment.objects.filter(Q(case__in=cases) | Q(contact__in=contacts)).delete()[0],
        "candidates": Candidate.objects.filter(case__in=cases).delete()[0],
        "timeline_entries": TimelineEntry.objects.filter(case__in=cases).delete()[0],
        "lab_results": LabResult.objects.filter(case__in=cases).delete()[0],
        "exposures": Exposure.objects.filter(outbreak__in=outbreaks).delete()[0],
        "duplicate_registrations": DuplicateRegistration.objects.filter(case__in=cases).delete()[0],
        "classifications": ClassificationChange.objects.filter(case__in=cases).delete()[0],
        "transfers": Transfer.objects.filter(Q(case__in=cases) | Q(contact__in=contacts)).delete()[0],
        "mass_texts": MassText.objects.filter(case__in=cases).delete()[0],
    }
    cases.update(from_contact=None)  # cases and contacts point at each other (chains)
    counts["contacts"] = contacts.delete()[0]
    counts["cases"] = cases.delete()[0]
    still_needed = Q(cases__isnull=False) | Q(contacts__isnull=False) | Q(exposures_given__isnull=False)
    still_needed |= Q(exposures_received__isnull=False)
    counts["persons"] = Person.objects.filter(pk__in=people).exclude(still_needed).delete()[0]
    return counts


def _uploads_purge(cutoff: datetime) -> dict[str, int]:
    files = older_than(cutoff)
    for path in files:
        path.unlink(missing_ok=True)
    return {"line_list_uploads": sum(1 for p in files if p.suffix == ".data")}


POLICIES = [
    Policy(
        # Not "movement": metro's policy has that name, and reports are read by policy name.
        "presence",
        _("presence records (check-ins, journeys, card payments) and the pseudonymous ids only they used"),
        MOVEMENT_DAYS,
        _movement_count,
        _movement_purge,
        purpose=_(
            "to find who was near a confirmed case during the infectious period: that period plus the "
            "14-day monitoring, with a margin"
        ),
    ),
    Policy(
        "timelines",
        _("movement timelines of cases and the discovery candidates found from them"),
        TIMELINE_DAYS,
        _timelines_count,
        _timelines_purge,
        purpose=_("to find the contacts of a case; counted from the confirmation, with time to review the response"),
    ),
    Policy(
        "records",
        _("cases, contacts, exposures, follow-ups and the persons' names and phone numbers of finished outbreaks"),
        RECORD_DAYS,
        _records_count,
        _records_purge,
        purpose=_(
            "to manage cases and quarantine under the Infectious Disease Control and Prevention Act; counted "
            "from an outbreak's last case and last exposure"
        ),
    ),
    Policy(
        "self_report_codes",
        _("hashes of one-time self-report codes"),
        CODE_DAYS,
        lambda cutoff: SelfReportCode.objects.filter(expires_at__lt=cutoff).count(),
        lambda cutoff: {"self_report_codes": SelfReportCode.objects.filter(expires_at__lt=cutoff).delete()[0]},
        purpose=_("to check the code of a daily health report sent without an account; counted from its expiry"),
    ),
    Policy(
        "mass_text_opt_outs",
        _("keyed hashes of the ids that asked for no more mass texts"),
        RECORD_DAYS,
        lambda cutoff: MassTextOptOut.objects.filter(created_at__lt=cutoff).count(),
        lambda cutoff: {"mass_text_opt_outs": MassTextOptOut.objects.filter(created_at__lt=cutoff).delete()[0]},
        purpose=_("to send no further mass texts to someone who asked"),
    ),
    Policy(
        "line_list_uploads",
        _("line-list files uploaded and left at the column-mapping step"),
        1,
        lambda cutoff: len(older_than(cutoff)) // 2,
        _uploads_purge,
        purpose=_("to map the columns of a line list before importing it"),
    ),
]
