"""How long the hospital network keeps personal data.

* Patients: name, phone, year of birth and the coordinator's note are erased 90 days after the
  stay or the request ended (discharged or withdrawn) — long enough to answer the patient or
  their family and to check a complaint; the clinical record is the hospital's, not ours. The
  reference, severity, district, times and hospitals stay, with no one named, for the network's
  performance figures.
* Refused capacity reports and the stored daily reports hold no personal data and are kept.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.retention import Policy
from seoul.hospitals.models import Patient

PATIENT_DAYS = int(getattr(settings, "SEOUL_HOSPITALS_PATIENT_RETENTION_DAYS", 90))


def _ended(cutoff: datetime) -> QuerySet[Patient]:
    return Patient.objects.filter(
        status__in=[Patient.Status.DISCHARGED, Patient.Status.CANCELLED], closed_at__lt=cutoff, erased_at=None
    )


def _erase(cutoff: datetime) -> dict[str, int]:
    patients = list(_ended(cutoff))
    now = timezone.now()
    for p in patients:
        p.name = p.phone = p.note = ""
        p.birth_year = None
        p.erased_at = now
        p.save(update_fields=["name", "phone", "note", "birth_year", "erased_at"])
    return {"patients_erased": len(patients)}


POLICIES = [
    Policy(
        "ended_patients",
        _("names, phone numbers, years of birth and notes of patients whose hospital stay or bed request ended"),
        PATIENT_DAYS,
        lambda cutoff: _ended(cutoff).count(),
        _erase,
        purpose=_("to answer the patient or their family about the placement and to check a complaint"),
    ),
]
