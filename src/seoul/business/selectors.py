"""Reads of the business service. Every record is found through the reader's scope: a citizen's
own profiles and applications, an officer's programmes' applicants (``Programme.objects.run_by``);
outside it, a 404 that does not say whether the record exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.http import Http404

from seoul.business.engine import eligibility, outcomes, scoring
from seoul.business.engine.facts import Facts
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication

States = ProgrammeApplication.States


def own_profiles(user: Any) -> list[BusinessProfile]:
    return list(BusinessProfile.objects.own(user))


def own_profile(user: Any, pk: int) -> BusinessProfile:
    found = BusinessProfile.objects.own(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such profile")
    return found


def own_applications(user: Any) -> list[ProgrammeApplication]:
    return list(ProgrammeApplication.objects.own(user).select_related("programme", "profile"))


def own_application(user: Any, reference: str) -> ProgrammeApplication:
    found = ProgrammeApplication.objects.own(user).select_related("programme").filter(reference=reference).first()
    if found is None:
        raise Http404("no such application")
    return found


def programme(code: str) -> Programme:
    found = Programme.objects.select_related("institution").filter(code=code).first()
    if found is None:
        raise Http404("no such programme")
    return found


def programmes() -> list[Programme]:
    return list(Programme.objects.select_related("institution").order_by("stage", "code"))


@dataclass(frozen=True)
class Offer:
    programme: Programme
    eligibility: eligibility.Eligibility
    application: ProgrammeApplication | None


def offers(profile: BusinessProfile, today: date) -> list[Offer]:
    """Every programme with whether the business qualifies and why (rule by rule), and its
    application if it applied: those it qualifies for first, then the nearest misses."""
    facts = profile.engine_facts()
    applied = {a.programme_id: a for a in ProgrammeApplication.objects.filter(brn_index=profile.brn_index)}
    found = [Offer(p, eligibility.evaluate(p.entry(), facts, today), applied.get(p.pk)) for p in programmes()]
    return sorted(found, key=lambda o: (not o.eligibility.eligible, len(o.eligibility.failed), o.programme.code))


# ---- officers -------------------------------------------------------------------------------


def officer_programmes(user: Any) -> list[Programme]:
    """The programmes ``user`` works on, with counts of their applications by state."""
    return list(
        Programme.objects.run_by(user)
        .annotate(
            n_applied=Count("applications", filter=Q(applications__state=States.APPLIED)),
            n_unscored=Count(
                "applications", filter=Q(applications__state=States.APPLIED, applications__scored_at__isnull=True)
            ),
            n_selected=Count("applications", filter=Q(applications__state=States.SELECTED)),
            n_completed=Count("applications", filter=Q(applications__state=States.COMPLETED)),
        )
        .select_related("institution")
        .order_by("stage", "code")
    )


def officer_programme(user: Any, code: str) -> Programme:
    found = Programme.objects.run_by(user).filter(code=code).first()
    if found is None:
        raise Http404("no such programme among yours")
    return found


def officer_application(user: Any, code: str, reference: str) -> ProgrammeApplication:
    found = (
        ProgrammeApplication.objects.for_officer(user)
        .select_related("programme", "profile")
        .filter(programme__code=code, reference=reference)
        .first()
    )
    if found is None:
        raise Http404("no such applicant among your programmes'")
    return found


def breakdown(application: ProgrammeApplication, today: date) -> scoring.Score:
    """The application's score as the officer left it, or the automatic part so far."""
    return scoring.score(
        application.programme.entry(), Facts.from_dict(application.facts), today, application.assessed or {}
    )


def applicants(programme: Programme, today: date, state: str = "") -> list[tuple[ProgrammeApplication, scoring.Score]]:
    """The programme's applications (withdrawn ones left out) with each score, best first."""
    qs = programme.applications.exclude(state=States.WITHDRAWN).select_related("programme")
    if state:
        qs = qs.filter(state=state)
    rows = [(a, breakdown(a, today)) for a in qs.order_by("applied_at", "pk")]
    return sorted(rows, key=lambda r: (r[0].rank or 10**6, -r[1].total))


# ---- the city's evaluation ------------------------------------------------------------------


def evaluation(today: date) -> list[outcomes.Summary]:
    """Outcomes of completed participations by programme and stage: from the profiles'
    observations while the profile exists, else the outcome the job last stored."""
    rows = []
    done = ProgrammeApplication.objects.filter(state=States.COMPLETED, completed_on__isnull=False).select_related(
        "programme", "profile"
    )
    for app in done.prefetch_related("profile__observations"):
        assert app.completed_on is not None  # noqa: S101 - filtered above
        if app.profile is not None:
            seen = [
                outcomes.Observation(o.as_of, Facts.from_dict(o.facts).closed, Facts.from_dict(o.facts).sales_by_year)
                for o in app.profile.observations.all()
            ]
            found = outcomes.outcome(app.completed_on, seen, today)
        elif app.outcome:
            found = outcomes.Outcome.from_dict(app.outcome)
        else:
            found = outcomes.Outcome(dict.fromkeys(outcomes.HORIZONS, "unknown"), None)
        rows.append(outcomes.Row(app.programme.code, app.stage, found))
    return outcomes.summarise(rows)
