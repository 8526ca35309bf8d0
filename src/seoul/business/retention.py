"""How long the business service keeps personal data.

* A profile that never applied for a programme: 1 year after it was last read (365 days), then
  deleted with its observations.
* A profile that applied: until the outcome follow-up ends — 3 years after the last completion,
  4 years (1,461 days) after it was last read — then deleted; its applications keep only the
  anonymous figures the evaluation needs (stage, district, industry, scores, outcome) and lose
  the applicant's note.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from seoul.business.models import BusinessProfile, ProgrammeApplication
from seoul.core.retention import Policy

IDLE_DAYS = 365
FOLLOWED_DAYS = 1461


def _idle(cutoff: datetime) -> QuerySet[BusinessProfile]:
    return BusinessProfile.objects.filter(refreshed_at__lt=cutoff, applications__isnull=True)


def _followed(cutoff: datetime) -> QuerySet[BusinessProfile]:
    return BusinessProfile.objects.filter(refreshed_at__lt=cutoff, applications__isnull=False).distinct()


def _purge_followed(cutoff: datetime) -> dict[str, int]:
    profiles = list(_followed(cutoff))
    notes = ProgrammeApplication.objects.filter(profile__in=profiles).exclude(note="").update(note="")
    deleted = BusinessProfile.objects.filter(pk__in=[p.pk for p in profiles]).delete()[1]
    return {"profiles": deleted.get("business.BusinessProfile", 0), "notes_erased": notes}


POLICIES = [
    Policy(
        "idle_profiles",
        _("business profiles that never applied for a programme"),
        IDLE_DAYS,
        lambda cutoff: _idle(cutoff).count(),
        lambda cutoff: {"profiles": _idle(cutoff).delete()[1].get("business.BusinessProfile", 0)},
        purpose=_("so that a business can come back and apply within a year without building its profile again"),
    ),
    Policy(
        "followed_profiles",
        _("business profiles of businesses that applied, and the notes of their applications"),
        FOLLOWED_DAYS,
        lambda cutoff: _followed(cutoff).count(),
        _purge_followed,
        purpose=_(
            "the city evaluates each programme by whether the businesses are still open and how their sales "
            "changed up to three years after it, with the representative's consent"
        ),
    ),
]
