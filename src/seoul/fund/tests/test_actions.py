"""The fund's writes: applying (registration number, ticket, deck), screening, the committee's
declarations, scores, quorum and decision, tranches against milestones, KPIs, valuations, the
audit and retention."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.fund import actions, reports, storage
from seoul.fund.engine.terms import Terms
from seoul.fund.errors import FundError
from seoul.fund.labels import won
from seoul.fund.models import Application, Decision, KpiReport, Tranche
from seoul.fund.tests import builders

pytestmark = pytest.mark.django_db


def codes(exc: Any) -> list[str]:
    return codes_of(exc.value)


def events(name: str) -> int:
    return AuditEvent.objects.filter(event=name).count()


# ---- applying -------------------------------------------------------------------------------


def test_a_start_up_applies_with_its_deck_kept_and_its_number_encrypted(founder: User) -> None:
    made = builders.applied(founder, builders.call())
    assert made.state == "submitted" and made.reference.startswith("FD-")
    assert made.transitions.count() == 1 and events("fund.application.applied") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT brn FROM fund_application WHERE id = %s", [made.pk])
        raw = cursor.fetchone()[0]
    assert "2208162517" not in raw and made.brn == "2208162517"
    assert storage.exists(made.deck_key) and made.deck_size == len(builders.PDF)
    with storage.open_deck(made.deck_key) as fh:
        assert fh.read() == builders.PDF


def test_staff_cannot_apply(staff: User) -> None:
    with pytest.raises(PermissionDenied):
        builders.applied(staff, builders.call())


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"brn": "220-81-62518"}, "brn", FundError.BRN_CHECK),
        ({"brn": "2208"}, "brn", FundError.BRN_FORMAT),
        ({"amount": 300_000_001}, "amount", FundError.TICKET),
        ({"amount": 40_000_000}, "amount", FundError.TICKET),
        ({"sector": "other_post_corona"}, "sector", FundError.SECTOR_NOT_IN_CALL),
        ({"stage": "growth"}, "stage", FundError.STAGE_NOT_IN_CALL),
        ({"team": [("", "")]}, "team_1_name", FundError.TEAM_REQUIRED),
    ],
)
def test_bad_proposals_are_refused_on_their_field(
    founder: User, changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, builders.call(), **changes)
    assert field in refused.value.error_dict
    assert codes(refused) == [code]
    assert not Application.objects.exists()


def test_a_deck_must_be_a_pdf_within_the_cap(founder: User) -> None:
    found = builders.call()
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, found, deck=b"PK\x03\x04 a zip file")
    assert codes(refused) == [FundError.DECK_NOT_PDF]
    with pytest.raises(ValidationError) as refused:
        actions.apply(found, builders.proposal(), io.BytesIO(builders.PDF), storage.MAX_BYTES + 1, actor=founder)
    assert codes(refused) == [FundError.DECK_TOO_BIG]
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, found, deck=b"")
    assert codes(refused) == [FundError.DECK_EMPTY]
    assert not Application.objects.exists() and not list(storage.root().rglob("*.pdf"))


def test_one_application_per_start_up_per_call_and_only_while_open(founder: User, other_citizen: User) -> None:
    found = builders.call()
    builders.applied(founder, found)
    with pytest.raises(ValidationError) as refused:
        builders.applied(other_citizen, found)  # the same business from another account
    assert codes(refused) == [FundError.ALREADY_APPLIED]
    today = timezone.localdate()
    closed = builders.call("closed", opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        builders.applied(founder, closed)
    assert codes(refused) == [FundError.CALL_CLOSED]


# ---- screening ------------------------------------------------------------------------------


def test_screening_needs_staff_every_check_a_meeting_or_a_reason(
    founder: User, staff: User, members: list[User]
) -> None:
    app = builders.applied(founder, builders.call())
    at = builders.meeting(staff, members)
    with pytest.raises(PermissionDenied):
        actions.screen(app, checks=builders.CHECKS, outcome="committee", meeting=at, actor=founder)
    with pytest.raises(ValidationError) as refused:
        actions.screen(
            app, checks=builders.CHECKS | {"good_standing": False}, outcome="committee", meeting=at, actor=staff
        )
    assert "check_good_standing" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        actions.screen(app, checks=builders.CHECKS, outcome="committee", actor=staff)
    assert codes(refused) == [FundError.MEETING_REQUIRED]
    with pytest.raises(ValidationError) as refused:
        actions.screen(app, checks={}, outcome="screened_out", reason=" ", actor=staff)
    assert codes(refused) == [FundError.REASON_REQUIRED]
    actions.screen(app, checks={}, outcome="screening", note="IR 자료 보완 요청", actor=staff)
    app.refresh_from_db()
    assert app.state == "screening" and app.screenings.count() == 1
    actions.screen(app, checks=builders.CHECKS, outcome="committee", meeting=at, actor=staff)
    app.refresh_from_db()
    assert app.state == "committee" and app.meeting == at and app.screenings.count() == 2
    assert [t.to_state for t in app.transitions.all()] == ["submitted", "screening", "committee"]
    with pytest.raises(ValidationError) as refused:
        actions.screen(app, checks={}, outcome="screened_out", reason="late", actor=staff)
    assert codes(refused) == [FundError.WRONG_STATE]


# ---- the committee --------------------------------------------------------------------------


@pytest.fixture
def at_committee(founder: User, staff: User, members: list[User]) -> Application:
    app = builders.applied(founder, builders.call())
    return builders.to_committee(app, staff, builders.meeting(staff, members[:6]))


def test_only_members_present_declare_and_a_conflict_needs_a_reason(
    at_committee: Application, staff: User, members: list[User]
) -> None:
    with pytest.raises(PermissionDenied) as denied:
        actions.declare(at_committee, conflicted=False, actor=staff)
    assert denied.value.code == FundError.NOT_MEMBER  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied) as denied:
        actions.declare(at_committee, conflicted=False, actor=members[6])  # a member, absent
    assert denied.value.code == FundError.NOT_PRESENT  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as refused:
        actions.declare(at_committee, conflicted=True, reason="", actor=members[0])
    assert codes(refused) == [FundError.REASON_REQUIRED]
    actions.declare(at_committee, conflicted=True, reason="공동창업자의 배우자", actor=members[0])
    with pytest.raises(ValidationError) as refused:
        actions.declare(at_committee, conflicted=False, actor=members[0])
    assert codes(refused) == [FundError.ALREADY_DECLARED]
    assert events("fund.declaration.made") == 1


def test_a_conflicted_member_cannot_score_and_scores_are_given_once_within_range(
    at_committee: Application, members: list[User]
) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.score(at_committee, builders.GOOD, actor=members[0])
    assert codes(refused) == [FundError.DECLARE_FIRST]
    actions.declare(at_committee, conflicted=True, reason="자문 계약", actor=members[0])
    with pytest.raises(PermissionDenied):
        actions.score(at_committee, builders.GOOD, actor=members[0])
    actions.declare(at_committee, conflicted=False, actor=members[1])
    with pytest.raises(ValidationError) as refused:
        actions.score(at_committee, builders.GOOD | {"market": 11}, actor=members[1])
    assert list(refused.value.error_dict) == ["points_market"]
    actions.score(at_committee, builders.GOOD, actor=members[1])
    with pytest.raises(ValidationError) as refused:
        actions.score(at_committee, builders.GOOD, actor=members[1])
    assert codes(refused) == [FundError.ALREADY_SCORED]
    tally = actions.tally_of(at_committee)
    assert tally.totals == {members[1].pk: 80.0} and tally.quorum.counted == 5


def test_the_decision_is_refused_and_audited_without_a_quorum(founder: User, staff: User, members: list[User]) -> None:
    app = builders.applied(founder, builders.call())
    app = builders.to_committee(app, staff, builders.meeting(staff, members[:5]))
    builders.scored(app, members[:5], conflicted=[members[4]])  # 5 present, 1 conflicted: 4 of 5
    with pytest.raises(ValidationError) as refused:
        builders.invest(app, members[0])
    assert codes(refused) == [FundError.NO_QUORUM]
    assert events("fund.decision.refused") == 1  # kept although the decision was not
    assert not Decision.objects.exists()
    app.refresh_from_db()
    assert app.state == "committee"


def test_the_decision_waits_for_every_counted_member_and_the_pass_mark(
    at_committee: Application, members: list[User]
) -> None:
    builders.scored(at_committee, members[:4], conflicted=[members[3]])
    actions.declare(at_committee, conflicted=False, actor=members[4])
    actions.declare(at_committee, conflicted=False, actor=members[5])
    with pytest.raises(ValidationError) as refused:
        builders.invest(at_committee, members[0])
    assert codes(refused) == [FundError.NOT_ALL_SCORED]
    low = {"team": 5, "market": 5, "technology": 5, "traction": 5, "policy_fit": 5}
    actions.score(at_committee, low, actor=members[4])
    actions.score(at_committee, low, actor=members[5])
    with pytest.raises(ValidationError) as refused:  # (80 + 80 + 80 + 50 + 50) / 5 = 68 < 70
        builders.invest(at_committee, members[0])
    assert codes(refused) == [FundError.BELOW_PASS_MARK]
    with pytest.raises(PermissionDenied):  # the conflicted member does not record the decision
        actions.decide(at_committee, outcome="decline", reason="점수 미달", actor=members[3])
    with pytest.raises(ValidationError) as refused:
        actions.decide(at_committee, outcome="decline", reason="", actor=members[0])
    assert codes(refused) == [FundError.REASON_REQUIRED]
    made = actions.decide(at_committee, outcome="decline", reason="점수 미달", actor=members[0])
    assert made.tally["score"] == 68.0 and made.tally["quorum"]["counted"] == 5
    at_committee.refresh_from_db()
    assert at_committee.state == "declined" and not at_committee.tranches.exists()


def test_an_investment_records_terms_quorum_scores_and_tranches(at_committee: Application, members: list[User]) -> None:
    builders.scored(at_committee, members[:6], conflicted=[members[5]])
    with pytest.raises(ValidationError) as refused:
        actions.decide(
            at_committee,
            outcome="invest",
            terms=Terms("equity", 300_000_000, equity_percent=45),
            tranches=builders.tranches(200_000_000),
            actor=members[0],
        )
    assert set(refused.value.error_dict) == {"equity_percent", "tranches"}
    app = builders.invest(at_committee, members[0])
    assert app.state == "invest" and app.decided_at is not None
    d = app.decision
    assert (d.instrument, d.amount, float(d.equity_percent or 0)) == ("equity", 300_000_000, 10.0)
    assert d.tally["quorum"] == {
        "members": 7,
        "present": 6,
        "conflicted": 1,
        "counted": 5,
        "needed": 5,
        "met": True,
        "reason": "",
    }
    assert d.tally["score"] == 80.0 and len(d.tally["totals"]) == 5
    assert sum(t.amount for t in app.tranches.all()) == 300_000_000
    assert events("fund.decision.made") == 1


def test_terms_out_of_bounds_say_the_bounds_as_people_write_them(
    at_committee: Application, members: list[User]
) -> None:
    builders.scored(at_committee, members[:6])
    terms = Terms("convertible", 300_000_000, discount_percent=40, valuation_cap=500_000_000, term_months=24)
    with pytest.raises(ValidationError) as refused:
        actions.decide(
            at_committee, outcome="invest", terms=terms, tranches=builders.tranches(300_000_000), actor=members[0]
        )
    said = {field: " ".join(m for e in errs for m in e.messages) for field, errs in refused.value.error_dict.items()}
    assert "0 to 30" in said["discount_percent"] or "0부터 30" in said["discount_percent"]
    # the cap's bounds (the fund's rules: 1 to 200 billion won) as amounts in won, in the reader's language
    assert won(1_000_000_000) in said["valuation_cap"] and won(200_000_000_000) in said["valuation_cap"]
    assert not any("e+" in text for text in said.values()), said


def test_an_investment_cannot_exceed_what_the_fund_has_left(at_committee: Application, members: list[User]) -> None:
    builders.scored(at_committee, members[:6])
    Decision.objects.create(
        application=builders.applied(
            User.objects.create_user(username="x", password="x-x-x-x-x-1", kind=User.Kind.CITIZEN),
            builders.call("other"),
            brn=builders.OTHER_BRN,
        ),
        meeting=at_committee.meeting,
        outcome="invest",
        amount=49_800_000_000,
        tally={},
        decided_by=members[0],
    )
    with pytest.raises(ValidationError) as refused:
        builders.invest(at_committee, members[0])
    assert codes(refused) == [FundError.OVER_BUDGET]


# ---- investees ------------------------------------------------------------------------------


@pytest.fixture
def investee(at_committee: Application, members: list[User]) -> Application:
    builders.scored(at_committee, members[:6], conflicted=[members[5]])
    return builders.invest(at_committee, members[0])


def test_a_tranche_is_paid_only_once_and_only_against_a_verified_milestone(
    investee: Application, founder: User, other_citizen: User, staff: User
) -> None:
    first = investee.tranches.get(number=1)
    with pytest.raises(ValidationError) as refused:
        actions.pay(first, paid_on=timezone.localdate(), actor=staff)
    assert codes(refused) == [FundError.TRANCHE_STATE]
    with pytest.raises(PermissionDenied):
        actions.send_evidence(first, "남의 증빙", actor=other_citizen)
    actions.send_evidence(first, "시제품 시연 영상 링크", actor=founder)
    with pytest.raises(PermissionDenied):
        actions.verify(first, accepted=True, actor=founder)
    with pytest.raises(ValidationError) as refused:
        actions.verify(first, accepted=False, note="", actor=staff)
    assert codes(refused) == [FundError.REASON_REQUIRED]
    actions.verify(first, accepted=False, note="영상이 열리지 않습니다", actor=staff)
    first.refresh_from_db()
    assert first.state == "planned" and first.verify_note
    actions.send_evidence(first, "시제품 시연 영상 (새 링크)", actor=founder)
    actions.verify(first, accepted=True, actor=staff)
    with pytest.raises(ValidationError) as refused:
        actions.pay(first, paid_on=timezone.localdate() - timedelta(days=5), actor=staff)  # before the decision
    assert "paid_on" in refused.value.error_dict
    actions.pay(first, paid_on=timezone.localdate(), actor=staff)
    with pytest.raises(ValidationError) as refused:
        actions.pay(first, paid_on=timezone.localdate(), actor=staff)
    assert codes(refused) == [FundError.TRANCHE_STATE]
    assert Tranche.objects.get(pk=first.pk).state == "paid" and events("fund.tranche.paid") == 1
    figures = reports.dashboard(timezone.localdate())
    assert (figures.committed, figures.invested, figures.remaining) == (300_000_000, 150_000_000, 49_700_000_000)
    assert figures.tvpi == 1.0  # never valued: at cost


def test_kpis_of_an_ended_quarter_and_a_correction_keeps_the_earlier_report(
    investee: Application, founder: User, other_citizen: User
) -> None:
    decided = timezone.now() - timedelta(days=200)
    Application.objects.filter(pk=investee.pk).update(decided_at=decided)
    investee.refresh_from_db()
    today = timezone.localdate()
    this_year, this_quarter = today.year, (today.month - 1) // 3 + 1
    with pytest.raises(ValidationError) as refused:  # the quarter has not ended
        actions.report_kpis(
            investee, year=this_year, quarter=this_quarter, revenue=1, employees=1, follow_on=0, actor=founder
        )
    assert codes(refused) == [FundError.KPI_QUARTER]
    y, q = (this_year, this_quarter - 1) if this_quarter > 1 else (this_year - 1, 4)
    with pytest.raises(PermissionDenied):
        actions.report_kpis(investee, year=y, quarter=q, revenue=1, employees=1, follow_on=0, actor=other_citizen)
    actions.report_kpis(investee, year=y, quarter=q, revenue=10_000_000, employees=5, follow_on=0, actor=founder)
    actions.report_kpis(
        investee, year=y, quarter=q, revenue=12_000_000, employees=5, follow_on=0, note="정정", actor=founder
    )
    rows = KpiReport.objects.filter(application=investee, year=y, quarter=q)
    assert rows.count() == 2
    assert rows.get(replaced_at__isnull=True).revenue == 12_000_000
    assert rows.get(replaced_at__isnull=False).revenue == 10_000_000


def test_valuations_and_distributions_are_staff_work_and_move_tvpi(
    investee: Application, founder: User, staff: User
) -> None:
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        actions.record_valuation(investee, on=today, value=1, actor=founder)
    first = investee.tranches.get(number=1)
    actions.send_evidence(first, "완료", actor=founder)
    actions.verify(first, accepted=True, actor=staff)
    actions.pay(first, paid_on=today, actor=staff)
    actions.record_valuation(investee, on=today, value=180_000_000, actor=staff)
    actions.record_distribution(investee, on=today, amount=30_000_000, note="배당", actor=staff)
    assert reports.dashboard(today).tvpi == pytest.approx(1.4)  # (30 + 180) / 150
    with pytest.raises(ValidationError) as refused:
        actions.record_valuation(investee, on=today + timedelta(days=1), value=1, actor=staff)
    assert "on" in refused.value.error_dict


# ---- retention ------------------------------------------------------------------------------


def test_declined_applications_and_their_decks_go_after_three_years_investees_stay(
    founder: User, other_citizen: User, staff: User, investee: Application
) -> None:
    from seoul.core import retention

    out = builders.applied(other_citizen, investee.call, brn=builders.OTHER_BRN)
    actions.screen(out, checks={}, outcome="screened_out", reason="서울 소재 아님", actor=staff)
    out.refresh_from_db()
    assert storage.exists(out.deck_key)
    Application.objects.filter(pk=out.pk).update(decided_at=timezone.now() - timedelta(days=1097))
    Application.objects.filter(pk=investee.pk).update(decided_at=timezone.now() - timedelta(days=3000))
    retention.run()
    assert not Application.objects.filter(pk=out.pk).exists()
    assert not storage.exists(out.deck_key)
    assert Application.objects.filter(pk=investee.pk).exists()


def test_membership_is_the_administrators_and_attendance_freezes_once_decided(
    investee: Application, staff: User, members: list[User], make_user: Any
) -> None:
    from seoul.core.roles import Role, Service

    outsider = make_user(institution="SEOULSHINBO", roles={Service.FUND: Role.OPERATOR}, username="not.approver")
    with pytest.raises(PermissionDenied):
        actions.set_member(outsider, active=True, actor=staff)  # staff are not administrators
    with pytest.raises(ValidationError) as refused:
        actions.set_member(outsider, active=True, actor=None)  # a member must be an approver
    assert codes(refused) == [FundError.NOT_MEMBER]
    actions.set_member(members[6], active=False, actor=None)
    assert actions.tally_of(investee).quorum.members == 6
    with pytest.raises(ValidationError) as refused:
        actions.set_attendance(investee.meeting, members[:3], actor=staff)
    assert codes(refused) == [FundError.MEETING_DECIDED]
    with pytest.raises(ValidationError) as refused:  # only members may be recorded present
        builders.meeting(staff, [outsider])
    assert codes(refused) == [FundError.NOT_MEMBER]
