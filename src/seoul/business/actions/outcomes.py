"""The outcome job (``seoul business outcomes``): for each completed participation still within
its follow-up (3 years and a quarter after completion), read the business's record again under
the consent its representative gave, keep it as an observation, and store the outcome measures
on the application, where they stay after the profile is gone."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from seoul.business.actions.profiles import refresh_profile
from seoul.business.engine import outcomes
from seoul.business.engine.facts import Facts
from seoul.business.events import BusinessEvent
from seoul.business.models import BusinessProfile, ProgrammeApplication
from seoul.core import audit

FOLLOW_DAYS = 3 * 365 + 90
REFRESH_EVERY = timedelta(days=30)


def observations(profile: BusinessProfile) -> list[outcomes.Observation]:
    out = []
    for o in profile.observations.all():
        f = Facts.from_dict(o.facts)
        out.append(outcomes.Observation(o.as_of, f.closed, dict(f.sales_by_year)))
    return out


def take_outcomes(*, today: date | None = None, refresh: bool = True) -> dict[str, int]:
    today = today or timezone.localdate()
    counts = {"applications": 0, "refreshed": 0, "not_readable": 0}
    done = ProgrammeApplication.objects.filter(
        state=ProgrammeApplication.States.COMPLETED,
        completed_on__gte=today - timedelta(days=FOLLOW_DAYS),
        profile__isnull=False,
    ).select_related("profile")
    now = timezone.now()
    for app in done:
        profile = app.profile
        assert profile is not None  # noqa: S101 - filtered above
        if refresh and now - profile.refreshed_at >= REFRESH_EVERY:
            try:
                profile = refresh_profile(profile, actor=None, today=today)
                counts["refreshed"] += 1
            except ValidationError:
                counts["not_readable"] += 1
        assert app.completed_on is not None  # noqa: S101 - completed applications have their day
        found = outcomes.outcome(app.completed_on, observations(profile), today)
        ProgrammeApplication.objects.filter(pk=app.pk).update(outcome=found.to_dict())
        counts["applications"] += 1
    audit.record(
        BusinessEvent.OUTCOMES_TAKEN, actor_label="system (outcomes)", target_type="business.outcomes", new=counts
    )
    return counts
