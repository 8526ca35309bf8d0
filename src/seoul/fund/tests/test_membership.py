"""The investment committee's membership on pages: the fund's administrators add a member (an
approver on the manager's staff, with a seat) and end a membership (never deleted; refused
while the member has declared or scored on an undecided application); staff choose who sits on
a meeting before it is held, and cannot take off a member who already declared or scored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.core.roles import Role, Service
from seoul.fund import actions
from seoul.fund.errors import FundError
from seoul.fund.models import CommitteeMember, Declaration, Meeting
from seoul.fund.tests import builders
from seoul.fund.tests.conftest import client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    """An approver of the fund on the foundation's staff, not a member yet."""
    return make_user(institution="SEOULSHINBO", roles={Service.FUND: Role.APPROVER}, username="choi.approver")


def field_codes(form: object) -> dict[str, list[str]]:
    return {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()}  # type: ignore[attr-defined]


# ---- the actions ----------------------------------------------------------------------------


def test_an_administrator_adds_a_member_with_a_seat(fund_admin: User, approver: User) -> None:
    made = actions.set_member(approver, active=True, seat="외부 전문위원 (회계)", actor=fund_admin)
    assert (made.active, made.seat, made.since, made.until) == (
        True,
        "외부 전문위원 (회계)",
        timezone.localdate(),
        None,
    )
    event = AuditEvent.objects.get(event="fund.member.set", target_id=str(made.pk))
    assert event.actor == fund_admin and event.old is None
    assert event.new == {"active": True, "seat": "외부 전문위원 (회계)", "member": "choi.approver"}


@pytest.mark.parametrize(
    ("kind", "institution", "role", "error"),
    [
        ("staff", "CITY_HALL", Role.APPROVER, FundError.MEMBER_INSTITUTION),  # another institution
        ("staff", "SEOULSHINBO", Role.OPERATOR, FundError.NOT_MEMBER),  # not an approver
        ("citizen", None, None, FundError.MEMBER_INSTITUTION),
    ],
)
def test_only_approvers_on_the_managers_staff_become_members(
    fund_admin: User, make_user: Callable[..., User], kind: str, institution: str | None, role: str | None, error: str
) -> None:
    who = make_user(kind=kind, institution=institution, roles={Service.FUND: role} if role else None)
    with pytest.raises(ValidationError) as refused:
        actions.set_member(who, active=True, seat="위원", actor=fund_admin)
    assert codes_of(refused.value) == [error]
    assert not CommitteeMember.objects.filter(user=who).exists()


@pytest.mark.parametrize("who", ["staff", "founder", "outsider", "viewer"])
def test_only_the_funds_administrators_change_the_membership(
    who: str, approver: User, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied) as denied:
        actions.set_member(approver, active=True, seat="위원", actor=request.getfixturevalue(who))
    assert denied.value.code == FundError.NEEDS_ADMIN  # type: ignore[attr-defined]
    assert not CommitteeMember.objects.exists()


def test_an_ended_membership_is_kept_and_leaves_the_meetings_to_come(
    fund_admin: User, staff: User, members: list[User], founder: User
) -> None:
    investee = builders.investee(founder, staff, members)  # decided: members[0..5] declared
    coming = builders.meeting(staff, members, days=14)
    ended = actions.set_member(members[1], active=False, actor=fund_admin)
    assert (ended.active, ended.until) == (False, timezone.localdate())
    assert CommitteeMember.objects.filter(user=members[1]).exists()  # never deleted
    assert Declaration.objects.filter(application=investee, member=members[1]).exists()  # the record names them
    assert members[1] not in coming.present.all()  # off the meeting still to come
    assert members[1] in investee.meeting.present.all()  # the decided meeting keeps who sat
    event = AuditEvent.objects.filter(event="fund.member.set", target_id=str(ended.pk)).latest("at")
    assert event.old == {"active": True, "seat": ""} and event.new["meetings_left"] == [coming.pk]
    assert actions.tally_of(investee).quorum.members == 6
    again = actions.set_member(members[1], active=True, seat="위원", actor=fund_admin)
    assert again.active and again.until is None and again.seat == "위원"


def test_a_membership_does_not_end_while_the_member_is_deciding(
    fund_admin: User, staff: User, members: list[User], founder: User
) -> None:
    app = builders.to_committee(builders.applied(founder, builders.call()), staff, builders.meeting(staff, members))
    actions.declare(app, conflicted=False, actor=members[2])
    with pytest.raises(ValidationError) as refused:
        actions.set_member(members[2], active=False, actor=fund_admin)
    assert codes_of(refused.value) == [FundError.MEMBER_DECIDING]
    assert CommitteeMember.objects.get(user=members[2]).active
    ended = actions.set_member(members[3], active=False, actor=fund_admin)  # not declared: may leave
    assert not ended.active and members[3] not in Meeting.objects.get(pk=app.meeting_id).present.all()


def test_a_member_who_declared_or_scored_stays_on_the_meeting(
    staff: User, members: list[User], founder: User, approver: User
) -> None:
    at = builders.meeting(staff, members[:6])
    app = builders.to_committee(builders.applied(founder, builders.call()), staff, at)
    actions.declare(app, conflicted=True, reason="자문 계약", actor=members[0])
    actions.declare(app, conflicted=False, actor=members[1])
    actions.score(app, builders.GOOD, actor=members[1])
    with pytest.raises(ValidationError) as refused:
        actions.set_attendance(at, members[2:7], actor=staff)
    assert codes_of(refused.value) == [FundError.MEMBER_SAT]
    assert set(at.present.all()) == set(members[:6])
    kept = actions.set_attendance(at, [members[0], members[1], members[6]], actor=staff)  # others may go
    assert set(kept.present.all()) == {members[0], members[1], members[6]}
    with pytest.raises(ValidationError) as refused:  # only members sit
        actions.set_attendance(at, [members[0], members[1], approver], actor=staff)
    assert codes_of(refused.value) == [FundError.NOT_MEMBER]


def test_who_sits_is_set_before_the_meeting_is_held(staff: User, members: list[User]) -> None:
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:  # a meeting already held cannot be added
        actions.set_meeting(yesterday, "지난 회의", members[:5], actor=staff)
    assert codes_of(refused.value) == [FundError.MEETING_IN_PAST]
    held = actions.set_meeting(yesterday, "지난 회의", members[:5], actor=staff, today=yesterday)  # set the day before
    with pytest.raises(ValidationError) as refused:
        actions.set_attendance(held, members[:6], actor=staff)
    assert codes_of(refused.value) == [FundError.MEETING_HELD]
    on_the_day = actions.set_meeting(today, "오늘 회의", members[:5], actor=staff)
    assert actions.set_attendance(on_the_day, members[:6], actor=staff).present.count() == 6
    assert AuditEvent.objects.filter(event="fund.meeting.set", target_id=str(on_the_day.pk)).count() == 2


# ---- the pages ------------------------------------------------------------------------------


def test_an_administrator_adds_and_ends_a_membership_on_the_page(
    fund_admin: User, approver: User, members: list[User]
) -> None:
    c = client_of(fund_admin)
    page = c.get("/fund/staff/members/")
    assert page.status_code == 200 and page.context["may_manage"]
    offered = set(page.context["add"].fields["user"].queryset)
    assert offered == {approver, fund_admin}  # approvers (an administrator is one too); not members, not others
    missing = c.post("/fund/staff/members/", {"form": "add", "add-user": approver.pk, "add-seat": ""})
    assert missing.status_code == 400 and "seat" in missing.context["add"].errors
    done = c.post("/fund/staff/members/", {"form": "add", "add-user": approver.pk, "add-seat": "위원"})
    assert done.status_code == 302
    member = CommitteeMember.objects.get(user=approver)
    assert member.active and member.seat == "위원"
    ended = c.post("/fund/staff/members/", {"form": "end", "member": member.pk})
    assert ended.status_code == 302
    member.refresh_from_db()
    assert not member.active and member.until == timezone.localdate()
    listed = client_of(fund_admin, "ko").get("/fund/staff/members/")
    assert listed.status_code == 200 and approver.username.encode() in listed.content  # kept, as a former member
    assert client_of(fund_admin).post("/fund/staff/members/", {"form": "end", "member": member.pk}).status_code == 404


def test_ending_a_deciding_member_on_the_page_is_refused(
    fund_admin: User, staff: User, members: list[User], founder: User
) -> None:
    app = builders.to_committee(builders.applied(founder, builders.call()), staff, builders.meeting(staff, members))
    actions.declare(app, conflicted=False, actor=members[0])
    member = CommitteeMember.objects.get(user=members[0])
    refused = client_of(fund_admin).post("/fund/staff/members/", {"form": "end", "member": member.pk}, follow=True)
    assert refused.status_code == 200 and [m.level_tag for m in refused.context["messages"]] == ["error"]
    assert CommitteeMember.objects.get(pk=member.pk).active


def test_fund_staff_see_the_membership_but_do_not_change_it(staff: User, approver: User, members: list[User]) -> None:
    c = client_of(staff)
    page = c.get("/fund/staff/members/")
    assert page.status_code == 200 and not page.context["may_manage"] and b'id="add-member"' not in page.content
    tried = c.post("/fund/staff/members/", {"form": "add", "add-user": approver.pk, "add-seat": "위원"})
    assert tried.status_code == 400 and not CommitteeMember.objects.filter(user=approver).exists()
    assert b"error-summary" in tried.content  # the refusal is said, though there is no form
    assert AuditEvent.objects.filter(event="authz.denied", actor=staff).exists()
    member = CommitteeMember.objects.get(user=members[0])
    c.post("/fund/staff/members/", {"form": "end", "member": member.pk})
    assert CommitteeMember.objects.get(pk=member.pk).active


@pytest.mark.parametrize("who", ["founder", "outsider", "viewer"])
def test_the_membership_page_is_for_fund_staff(who: str, approver: User, request: pytest.FixtureRequest) -> None:
    c = client_of(request.getfixturevalue(who))
    assert c.get("/fund/staff/members/").status_code == 403
    assert (
        c.post("/fund/staff/members/", {"form": "add", "add-user": approver.pk, "add-seat": "위원"}).status_code == 403
    )
    assert not CommitteeMember.objects.exists()


def test_the_meeting_page_keeps_a_member_who_declared(staff: User, members: list[User], founder: User) -> None:
    at = builders.meeting(staff, members[:6])
    app = builders.to_committee(builders.applied(founder, builders.call()), staff, at)
    actions.declare(app, conflicted=False, actor=members[0])
    c = client_of(staff)
    url = f"/fund/staff/meetings/{at.pk}/"
    page = c.get(url)
    assert page.context["may_edit"] and page.context["sat"] == [members[0].username]
    data = {"title": at.title, "held_on": at.held_on.isoformat(), "present": [m.pk for m in members[1:7]]}
    refused = c.post(url, data)
    assert refused.status_code == 400 and field_codes(refused.context["form"]) == {"present": [FundError.MEMBER_SAT]}
    assert members[0] in at.present.all()
    done = c.post(url, data | {"present": [m.pk for m in members[:3]] + [members[6].pk]})
    assert done.status_code == 302 and set(at.present.all()) == {members[0], members[1], members[2], members[6]}
    Meeting.objects.filter(pk=at.pk).update(held_on=timezone.localdate() - timedelta(days=1))
    held = c.get(url)
    assert not held.context["may_edit"] and b'id="attendance-fixed"' in held.content
    late = c.post(url, data | {"present": [m.pk for m in members[:4]]})
    assert late.status_code == 400 and field_codes(late.context["form"]) == {"present": [FundError.MEETING_HELD]}
    assert b"error-summary" in late.content


def test_the_worklist_refuses_a_meeting_already_held_on_its_date_field(staff: User, members: list[User]) -> None:
    c = client_of(staff, "en")
    data = {"meeting-title": "지난 회의", "meeting-present": [m.pk for m in members[:5]]}
    yesterday = timezone.localdate() - timedelta(days=1)
    refused = c.post("/fund/staff/", data | {"meeting-held_on": yesterday.isoformat()})
    assert refused.status_code == 400 and not Meeting.objects.filter(title="지난 회의").exists()
    assert "one already held cannot be added" in " ".join(refused.context["meeting_form"].errors["held_on"])
    done = c.post("/fund/staff/", data | {"meeting-held_on": timezone.localdate().isoformat()})
    assert done.status_code == 302 and Meeting.objects.get(title="지난 회의").present.count() == 5
