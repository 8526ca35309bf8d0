"""The business service's writes: a profile with consent, one application per business per
programme, officers' scoring, selection and completion within their programmes, the audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seoul.business import actions
from seoul.business.errors import BusinessError
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication
from seoul.business.tests import builders
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def codes(exc: Any) -> list[str]:
    return codes_of(exc.value)


def test_a_profile_is_built_with_consent_and_placed_in_a_stage(citizen: User, records: Any, programmes: None) -> None:
    records.add(citizen)
    with pytest.raises(ValidationError) as refused:
        actions.build_profile(builders.BRN, consent=False, actor=citizen)
    assert codes(refused) == [BusinessError.CONSENT_REQUIRED]
    made = actions.build_profile(builders.BRN, consent=True, actor=citizen)
    assert made.stage == "growth" and made.stage_reason["reason"] == "three_years_or_more"
    assert made.consent_text.startswith("I agree") or "동의" in made.consent_text
    assert made.consent_at is not None and made.observations.count() == 1
    # data minimisation: no guarantee references, no names beyond the business's
    assert "GT-1" not in str(made.facts) and made.facts["guarantee_loans"] == 1
    # the number is encrypted at rest and found by blind index
    raw = BusinessProfile.objects.filter(pk=made.pk).values_list("brn", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT brn FROM business_businessprofile WHERE id = %s", [made.pk])
        stored = cursor.fetchone()[0]
    assert builders.BRN not in stored and list(raw) == [builders.BRN]
    assert AuditEvent.objects.filter(event="business.profile.built", actor=citizen).count() == 1


def test_only_the_representative_gets_a_profile(citizen: User, other_citizen: User, records: Any) -> None:
    records.add(citizen)
    with pytest.raises(ValidationError) as refused:
        actions.build_profile(builders.BRN, consent=True, actor=other_citizen)
    assert codes(refused) == [BusinessError.NOT_REPRESENTATIVE]


def test_staff_do_not_get_profiles(officer: User, records: Any) -> None:
    records.add(officer)
    with pytest.raises(PermissionDenied):
        actions.build_profile(builders.BRN, consent=True, actor=officer)


def test_a_business_outside_seoul_is_refused(citizen: User, records: Any) -> None:
    records.add(citizen, in_seoul=False, district=None)
    with pytest.raises(ValidationError) as refused:
        actions.build_profile(builders.BRN, consent=True, actor=citizen)
    assert codes(refused) == [BusinessError.NOT_IN_SEOUL]


def test_one_profile_per_business(citizen: User, records: Any) -> None:
    builders.profile(citizen, records)
    with pytest.raises(ValidationError) as refused:
        actions.build_profile(builders.BRN, consent=True, actor=citizen)
    assert codes(refused) == [BusinessError.PROFILE_EXISTS]


def test_a_refresh_keeps_the_earlier_observation_and_places_again(citizen: User, records: Any) -> None:
    made = builders.profile(citizen, records)
    records.add(citizen, closed=True)
    again = actions.refresh_profile(made, actor=citizen)
    assert again.stage == "restart"
    assert [o.facts["closed"] for o in again.observations.all()] == [False, True]


def test_apply_once_per_business_per_programme(citizen: User, records: Any, programmes: None) -> None:
    made = builders.applied(citizen, records)
    assert made.state == "applied" and made.reference.startswith("SB-")
    assert made.eligibility["eligible"] and made.transitions.count() == 1
    profile = made.profile
    assert profile is not None
    with pytest.raises(ValidationError) as refused:
        actions.apply(profile, made.programme, actor=citizen)
    assert codes(refused) == [BusinessError.ALREADY_APPLIED]
    assert AuditEvent.objects.filter(event="business.application.applied").count() == 1


def test_an_ineligible_business_is_refused_with_the_rules_it_fails(
    citizen: User, records: Any, programmes: None
) -> None:
    profile = builders.profile(citizen, records)
    with pytest.raises(ValidationError) as refused:
        actions.apply(profile, Programme.objects.get(code="rent_support"), actor=citizen)
    assert codes(refused) == [BusinessError.NOT_ELIGIBLE]
    assert "-4.2%" in str(refused.value)


def test_someone_elses_profile_cannot_apply(citizen: User, other_citizen: User, records: Any, programmes: None) -> None:
    profile = builders.profile(citizen, records)
    with pytest.raises(PermissionDenied):
        actions.apply(profile, Programme.objects.get(code="smart_store"), actor=other_citizen)


def test_an_officer_scores_only_their_programmes_applicants(
    citizen: User, records: Any, officer: User, startup_officer: User
) -> None:
    made = builders.applied(citizen, records)
    with pytest.raises(PermissionDenied):
        actions.score(made, {"plan": 50}, actor=startup_officer)
    with pytest.raises(ValidationError) as refused:
        actions.score(made, {"plan": 61}, actor=officer)
    assert codes(refused) == [BusinessError.SCORE_RANGE]
    scored = actions.score(made, {"plan": 50}, actor=officer)
    assert scored.score["complete"] and scored.score["total"] == 80  # 20 (sales down 4 %) + 10 (중구) + 50
    assert [line["points"] for line in scored.score["lines"]] == [20.0, 10.0, 50.0]


def test_selection_needs_every_score_and_follows_the_ranking(
    citizen: User, other_citizen: User, records: Any, officer: User
) -> None:
    first = builders.applied(citizen, records, "growth_clinic")
    second = builders.applied(other_citizen, records, "growth_clinic", brn=builders.OTHER_BRN)
    programme = first.programme
    actions.score(first, {"need": 20}, actor=officer)
    with pytest.raises(ValidationError) as refused:
        actions.select(programme, actor=officer)
    assert codes(refused) == [BusinessError.NOT_ALL_SCORED]
    actions.score(second, {"need": 30}, actor=officer)
    Programme.objects.filter(pk=programme.pk).update(seats=1)
    programme.refresh_from_db()
    chosen = actions.select(programme, actor=officer)
    assert chosen.selected == (second.pk,)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.rank, second.state, second.rank) == ("not_selected", 2, "selected", 1)
    with pytest.raises(ValidationError):
        actions.select(programme, actor=officer)
    assert AuditEvent.objects.filter(event="business.application.not_selected").count() == 1


def test_completion_is_recorded_for_the_selected_only(citizen: User, records: Any, officer: User) -> None:
    made = builders.applied(citizen, records, "growth_clinic")
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        actions.record_completion(made, completed=True, on=today, actor=officer)
    actions.score(made, {"need": 30}, actor=officer)
    actions.select(made.programme, actor=officer)
    with pytest.raises(ValidationError) as refused:
        actions.record_completion(made, completed=False, on=today, reason="", actor=officer)
    assert codes(refused) == [BusinessError.REASON_REQUIRED]
    with pytest.raises(ValidationError) as refused:
        actions.record_completion(made, completed=True, on=today + timedelta(days=1), actor=officer)
    assert codes(refused) == [BusinessError.DATE_RANGE]
    done = actions.record_completion(made, completed=True, on=today, actor=officer)
    assert done.state == "completed" and done.completed_on == today
    assert [t.to_state for t in done.transitions.all()] == ["applied", "selected", "completed"]


def test_a_withdrawn_application_is_kept_with_its_history(citizen: User, records: Any, programmes: None) -> None:
    made = builders.applied(citizen, records)
    done = actions.withdraw(made, actor=citizen)
    assert done.state == "withdrawn" and done.transitions.count() == 2


def test_officers_are_assigned_only_within_the_programmes_institution(make_user: Any, programmes: None) -> None:
    admin = make_user(institution="SBA", roles={"business": "admin"}, username="sba.admin")
    elsewhere = make_user(institution="CITY_HALL", roles={"business": "operator"}, username="city.op")
    clinic = Programme.objects.get(code="growth_clinic")
    with pytest.raises(ValidationError):
        actions.set_officer(elsewhere, clinic, officer=True, actor=admin)
    with pytest.raises(PermissionDenied):
        actions.set_officer(elsewhere, clinic, officer=True, actor=elsewhere)


def test_the_outcome_job_stores_the_measures(citizen: User, records: Any, officer: User) -> None:
    made = builders.applied(citizen, records, "growth_clinic")
    actions.score(made, {"need": 30}, actor=officer)
    actions.select(made.programme, actor=officer)
    actions.record_completion(made, completed=True, on=timezone.localdate(), actor=officer)
    done_on = timezone.localdate() - timedelta(days=400)
    ProgrammeApplication.objects.filter(pk=made.pk).update(completed_on=done_on)
    assert made.profile is not None
    made.profile.observations.update(as_of=done_on)  # the profile as read when the programme ended
    counts = actions.take_outcomes(refresh=False)
    assert counts["applications"] == 1
    made.refresh_from_db()
    assert made.outcome["survival"] == {"1": "unknown", "3": "not_due"}  # seen only at the start
    BusinessProfile.objects.filter(pk=made.profile_id).update(refreshed_at=timezone.now() - timedelta(days=40))
    actions.take_outcomes()
    made.refresh_from_db()
    assert made.outcome["survival"]["1"] == "survived"
    assert AuditEvent.objects.filter(event="business.outcomes.taken").count() == 2


def test_deleting_a_profile_keeps_the_anonymous_application(citizen: User, records: Any, programmes: None) -> None:
    made = builders.applied(citizen, records)
    profile = made.profile
    assert profile is not None
    actions.delete_profile(profile, actor=citizen)
    made.refresh_from_db()
    assert made.profile is None and made.stage == "growth" and made.district == "중구"


def test_a_defaulted_business_is_placed_in_restart_and_its_completed_restart_programme_is_attested(
    citizen: User, records: Any, officer: User
) -> None:
    from seoul.business.models import Programme
    from seoul.core.attestations import about_business

    today = timezone.localdate()
    defaulted = builders.GuaranteeFile(
        "GT-9", "paid_out", "loan_executed", "regular", 30_000_000, today, today, 30_000_000, today, "subrogated"
    )
    made = builders.applied(citizen, records, "restart_education", files=(defaulted,))
    assert made.profile is not None and made.profile.stage == "restart"
    assert about_business(builders.BRN) == frozenset()  # applied is not completed
    restart = Programme.objects.get(code="restart_education")
    actions.set_officer(officer, restart, officer=True, actor=None)
    actions.score(made, {"plan": 70}, actor=officer)
    actions.select(restart, actor=officer)
    assert about_business(builders.BRN) == frozenset()
    actions.record_completion(made, completed=True, on=today, actor=officer)
    assert about_business(builders.BRN) == frozenset({"restart_programme_completed"})
    assert about_business(builders.OTHER_BRN) == frozenset()
