"""The investment committee: its membership (a defined set, so that a quorum means something),
meetings and who is present, each member's conflict-of-interest declaration and scores, and the
decision with its terms and tranches — refused while the quorum is not met."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import PLANNING_HORIZON, check_text
from seoul.fund import labels
from seoul.fund.actions._base import check_member, check_staff, move, wrong_state
from seoul.fund.engine import committee as engine
from seoul.fund.engine import terms as terms_rules
from seoul.fund.engine.rules import rules
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.labels import won
from seoul.fund.models import (
    MANAGER_INSTITUTION,
    Application,
    CommitteeMember,
    Decision,
    Declaration,
    Meeting,
    Score,
    Tranche,
)

States = Application.States


def _on_staff(user: User) -> bool:
    """A working account on the staff of the fund's manager."""
    return (
        user.kind == User.Kind.STAFF
        and user.is_active
        and user.institution is not None
        and user.institution.code == MANAGER_INSTITUTION
    )


def _deciding(user: User) -> bool:
    """Has ``user`` declared or scored on an application still with the committee?"""
    waiting = Application.objects.filter(state=States.COMMITTEE)
    return (
        Declaration.objects.filter(member=user, application__in=waiting).exists()
        or Score.objects.filter(member=user, application__in=waiting).exists()
    )


def set_member(
    user: User, *, active: bool, seat: str = "", actor: User | None, today: date | None = None
) -> CommitteeMember:
    """Make ``user`` (an approver of the fund on its manager's staff) a member of the committee
    in ``seat``, or end the membership. A membership is never deleted: past meetings,
    declarations and scores keep naming the member. Ending it takes the member off the meetings
    still to come; it is refused while they have declared or scored on an application the
    committee has not decided."""
    today = today or timezone.localdate()
    if actor is not None and not actor.has_role(Service.FUND, Role.ADMIN):
        raise FundError.NEEDS_ADMIN.denied()
    seat = check_text(seat, "seat", max_length=60) if seat.strip() else ""
    if active and not _on_staff(user):
        raise FundError.MEMBER_INSTITUTION.error("user", manager=labels.manager())
    if active and not user.has_role(Service.FUND, Role.APPROVER):
        raise FundError.NOT_MEMBER.error("user")
    with transaction.atomic():
        member, created = CommitteeMember.objects.select_for_update().get_or_create(
            user=user, defaults={"active": active, "since": today, "seat": seat}
        )
        if not created and member.active == active and (not active or not seat or member.seat == seat):
            return member
        before = None if created else {"active": member.active, "seat": member.seat}
        taken_off: list[int] = []
        if not active:
            if _deciding(user):
                raise FundError.MEMBER_DECIDING.error("member")
            upcoming = Meeting.objects.filter(present=user, held_on__gte=today, decisions__isnull=True).distinct()
            taken_off = sorted(upcoming.values_list("pk", flat=True))
            for meeting in Meeting.objects.filter(pk__in=taken_off):
                meeting.present.remove(user)
        if active and not created and not member.active:
            member.since = today
        member.active = active
        member.until = None if active else today
        if seat:
            member.seat = seat
        member.save()
        audit.record(
            FundEvent.MEMBER_SET,
            target=member,
            actor=actor,
            actor_label="" if actor else "system",
            old=before,
            new={"active": active, "seat": member.seat, "member": user.username}
            | ({"meetings_left": taken_off} if taken_off else {}),
        )
    return member


def members() -> set[int]:
    return set(CommitteeMember.objects.filter(active=True).values_list("user_id", flat=True))


def _present(users: Iterable[User]) -> list[User]:
    chosen = list(users)
    active = members()
    if any(u.pk not in active for u in chosen):
        raise FundError.NOT_MEMBER.error("present")
    return chosen


def set_meeting(
    held_on: date, title: str, present: Iterable[User], *, actor: User, today: date | None = None
) -> Meeting:
    """A committee meeting on ``held_on`` (today or later: a meeting already held, with members
    who could still declare and score at it, would let decisions be dated back)."""
    check_staff(actor)
    today = today or timezone.localdate()
    title = check_text(title, "title", max_length=120)
    PLANNING_HORIZON.check(held_on, "held_on")
    if held_on < today:
        raise FundError.MEETING_IN_PAST.error("held_on")
    chosen = _present(present)
    with transaction.atomic():
        made = Meeting.objects.create(held_on=held_on, title=title, created_by=actor)
        made.present.set(chosen)
        audit.record(
            FundEvent.MEETING_SET,
            target=made,
            actor=actor,
            new={"held_on": held_on.isoformat(), "present": sorted(u.username for u in chosen)},
        )
    return made


def set_attendance(meeting: Meeting, present: Iterable[User], *, actor: User, today: date | None = None) -> Meeting:
    """Who sits on ``meeting``: set before it is held (its day included) and before any
    decision; a member who has declared or scored at it cannot be taken off."""
    check_staff(actor)
    today = today or timezone.localdate()
    chosen = _present(present)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.decisions.exists():
            raise FundError.MEETING_DECIDED.error("present")
        if locked.held_on < today:
            raise FundError.MEETING_HELD.error("present")
        before_users = list(locked.present.all())
        kept = {u.pk for u in chosen}
        sat = locked.sat()
        leaving = [u for u in before_users if u.pk not in kept and u.pk in sat]
        if leaving:
            names = ", ".join(sorted(u.display_name or u.username for u in leaving))
            raise FundError.MEMBER_SAT.error("present", names=names)
        before = sorted(u.username for u in before_users)
        locked.present.set(chosen)
        audit.record(
            FundEvent.MEETING_SET,
            target=locked,
            actor=actor,
            old={"present": before},
            new={"present": sorted(u.username for u in chosen)},
        )
    return locked


def _at_meeting(application: Application, actor: User) -> Application:
    """The application locked, with the committee, the actor a member present at its meeting."""
    check_member(actor)
    locked: Application = (
        Application.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=application.pk)
    )
    if locked.state != States.COMMITTEE or locked.meeting is None:
        raise wrong_state(locked)
    if not locked.meeting.present.filter(pk=actor.pk).exists():
        raise FundError.NOT_PRESENT.denied()
    return locked


def declare(application: Application, *, conflicted: bool, reason: str = "", actor: User) -> Declaration:
    """The member's declaration of interest (once): none, or conflicted and why."""
    why = check_text(reason, "reason", max_length=300) if reason.strip() else ""
    if conflicted and not why:
        raise FundError.REASON_REQUIRED.error("reason")
    with transaction.atomic():
        locked = _at_meeting(application, actor)
        if Declaration.objects.filter(application=locked, member=actor).exists():
            raise FundError.ALREADY_DECLARED.error()
        made = Declaration.objects.create(
            application=locked, member=actor, conflicted=conflicted, reason=why if conflicted else ""
        )
        audit.record(
            FundEvent.DECLARED,
            target=locked,
            actor=actor,
            new={"conflicted": conflicted} | ({"reason": why} if conflicted else {}),
        )
    return made


def score(application: Application, points: Mapping[str, float], *, actor: User) -> list[Score]:
    """The member's points for every criterion (0…the scale), given once after declaring none."""
    fund = rules()
    with transaction.atomic():
        locked = _at_meeting(application, actor)
        declared = Declaration.objects.filter(application=locked, member=actor).first()
        if declared is None:
            raise FundError.DECLARE_FIRST.error()
        if declared.conflicted:
            raise FundError.CONFLICTED.denied()
        if Score.objects.filter(application=locked, member=actor).exists():
            raise FundError.ALREADY_SCORED.error()
        problems = {
            f"points_{c.code}": [FundError.SCORE_RANGE.error(scale=fund.score_scale)]
            for c in fund.criteria
            if c.code not in points or not 0 <= float(points[c.code]) <= fund.score_scale
        }
        if problems:
            raise ValidationError(problems)
        made = [
            Score.objects.create(
                application=locked, member=actor, criterion=c.code, points=Decimal(str(points[c.code]))
            )
            for c in fund.criteria
        ]
        total = engine.member_total(fund.criteria, fund.score_scale, {c: float(v) for c, v in points.items()})
        audit.record(
            FundEvent.SCORED,
            target=locked,
            actor=actor,
            new={"points": {c.code: float(points[c.code]) for c in fund.criteria}, "total": round(total, 2)},
        )
    return made


def tally_of(application: Application) -> engine.Tally:
    """The committee's tally for ``application`` now (members present, conflicts, sheets)."""
    fund = rules()
    meeting = application.meeting
    present = set(meeting.present.values_list("pk", flat=True)) if meeting else set()
    conflicted = set(
        Declaration.objects.filter(application=application, conflicted=True).values_list("member_id", flat=True)
    )
    sheets: dict[int, dict[str, float]] = {}
    for s in Score.objects.filter(application=application):
        sheets.setdefault(s.member_id, {})[s.criterion] = float(s.points)
    return engine.tally(
        fund.committee,
        fund.criteria,
        fund.score_scale,
        members=members(),
        present=present,
        conflicted=conflicted,
        sheets=sheets,
    )


@dataclass(frozen=True)
class PlannedTranche:
    amount: int
    milestone: str
    due_on: date


def committed_total() -> int:
    return int(Decision.objects.filter(outcome=Decision.Outcomes.INVEST).aggregate(s=Sum("amount"))["s"] or 0)


def _check_invest(locked: Application, terms: terms_rules.Terms, tranches: list[PlannedTranche]) -> None:
    fund = rules()
    problems = terms_rules.check_terms(fund, locked.stage, terms)
    problems += terms_rules.check_tranches(fund, terms.amount, [(t.amount, t.due_on) for t in tranches])
    errors: dict[str, list[ValidationError]] = {}
    for field, code, params in problems:
        if code == "ticket":
            err = FundError.TICKET.error(lo=won(int(params["lo"])), hi=won(int(params["hi"])))
        elif code == "bound":
            # the valuation cap is in won (10억 원, never 1e+09); the rest are plain figures
            lo, hi = params["lo"], params["hi"]
            if field == "valuation_cap":
                err = FundError.TERM_BOUND.error(lo=won(int(lo)), hi=won(int(hi)))
            else:
                err = FundError.TERM_BOUND.error(lo=f"{lo:g}", hi=f"{hi:g}")
        elif code == "required":
            err = FundError.TERM_REQUIRED.error()
        elif code == "no_ticket":
            err = FundError.NO_TICKET.error()
        elif code == "tranche_sum":
            err = FundError.TRANCHE_SUM.error(total=won(int(params["total"])), amount=won(int(params["amount"])))
        elif code == "tranche_count":
            err = FundError.TRANCHE_COUNT.error(max=params["max"])
        elif code == "tranche_amount":
            err = FundError.TRANCHE_AMOUNT.error()
        else:
            err = FundError.TRANCHE_ORDER.error()
        errors.setdefault(field, []).append(err)
    for i, t in enumerate(tranches, start=1):
        try:
            check_text(t.milestone, f"tranche_{i}_milestone", max_length=300)
            PLANNING_HORIZON.check(t.due_on, f"tranche_{i}_due_on")
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                errors.setdefault(field, []).extend(ValidationError(m) for m in msgs)
    if errors:
        raise ValidationError(errors)
    remaining = fund.size - committed_total()
    if terms.amount > remaining:
        raise FundError.OVER_BUDGET.error("amount", remaining=won(remaining))


def decide(
    application: Application,
    *,
    outcome: str,
    terms: terms_rules.Terms | None = None,
    tranches: list[PlannedTranche] | None = None,
    reason: str = "",
    actor: User,
) -> Decision:
    """The committee's decision, recorded by a member present without a conflict: refused while
    the quorum is not met (and audited so) or a member present has not scored; an investment
    needs the pass mark, terms within the fund's bounds and tranches adding up to the amount."""
    why = check_text(reason, "reason", max_length=2000, multiline=True) if reason.strip() else ""
    refused: engine.Tally | None = None
    with transaction.atomic():
        locked = _at_meeting(application, actor)
        if Declaration.objects.filter(application=locked, member=actor, conflicted=True).exists():
            raise FundError.CONFLICTED.denied()
        found = tally_of(locked)
        if not found.quorum.met:
            refused = found
        else:
            if found.waiting:
                raise FundError.NOT_ALL_SCORED.error(count=len(found.waiting))
            if outcome == Decision.Outcomes.INVEST:
                if terms is None or not tranches:
                    raise FundError.TRANCHE_COUNT.error("tranches", max=rules().tranches_max)
                if not found.passed:
                    raise FundError.BELOW_PASS_MARK.error(score=f"{found.score or 0:.1f}", mark=f"{found.pass_mark:g}")
                _check_invest(locked, terms, tranches)
            elif outcome == Decision.Outcomes.DECLINE:
                if not why:
                    raise FundError.REASON_REQUIRED.error("reason")
            else:
                raise FundError.WRONG_STATE.error("outcome", state=outcome)
            invest = outcome == Decision.Outcomes.INVEST and terms is not None
            made = Decision.objects.create(
                application=locked,
                meeting=locked.meeting,  # type: ignore[misc]  # _at_meeting: never None here
                outcome=outcome,
                instrument=terms.instrument if invest and terms else "",
                amount=terms.amount if invest and terms else 0,
                equity_percent=_dec(terms.equity_percent) if invest and terms else None,
                valuation_cap=terms.valuation_cap if invest and terms else None,
                discount_percent=_dec(terms.discount_percent) if invest and terms else None,
                interest_rate=_dec(terms.interest_rate) if invest and terms else None,
                term_months=terms.term_months if invest and terms else None,
                reason=why,
                tally=found.to_dict(),
                decided_by=actor,
            )
            for i, t in enumerate((tranches or []) if invest else [], start=1):
                Tranche.objects.create(
                    application=locked, number=i, amount=t.amount, milestone=t.milestone.strip(), due_on=t.due_on
                )
            locked.decided_at = made.decided_at
            note = f"{won(made.amount)}" if invest else why
            move(locked, States.INVEST if invest else States.DECLINED, event=None, actor=actor, note=note)
            audit.record(
                FundEvent.DECIDED,
                target=made,
                actor=actor,
                new={
                    "application": locked.reference,
                    "state": locked.state,
                    "outcome": outcome,
                    "instrument": made.instrument,
                    "amount": made.amount,
                    "score": found.to_dict()["score"],
                    "quorum": found.quorum.to_dict(),
                    "tranches": [t.amount for t in (tranches or [])] if invest else [],
                },
            )
            return made
    # outside the refused transaction, so that the refusal itself stays in the audit log
    audit.record(FundEvent.DECISION_REFUSED, target=application, actor=actor, new=refused.quorum.to_dict())
    raise FundError.NO_QUORUM.error(counted=refused.quorum.counted, needed=refused.quorum.needed)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))
