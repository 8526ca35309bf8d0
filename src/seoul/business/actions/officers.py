"""Programme officers' work: score each applicant by the programme's published criteria, select
by the ranking, record completion; administrators assign officers to programmes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.business.actions._base import move
from seoul.business.engine import scoring
from seoul.business.engine.facts import Facts
from seoul.business.errors import BusinessError
from seoul.business.events import BusinessEvent
from seoul.business.models import Programme, ProgrammeApplication, ProgrammeOfficer
from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text

States = ProgrammeApplication.States


def check_officer(actor: User, programme: Programme) -> None:
    if not actor.has_role(Service.BUSINESS, Role.OPERATOR):
        raise BusinessError.NEEDS_OFFICER.denied()
    if not Programme.objects.run_by(actor).filter(pk=programme.pk).exists():
        raise BusinessError.NOT_YOUR_PROGRAMME.denied()


def _locked(application: ProgrammeApplication, actor: User) -> ProgrammeApplication:
    locked = ProgrammeApplication.objects.select_for_update().select_related("programme").get(pk=application.pk)
    check_officer(actor, locked.programme)
    return locked


def score_of(application: ProgrammeApplication, assessed: Mapping[str, float], today: date) -> scoring.Score:
    """The applicant's score from the facts as they stood at application."""
    return scoring.score(application.programme.entry(), Facts.from_dict(application.facts), today, assessed)


def score(
    application: ProgrammeApplication, assessed: Mapping[str, float], *, actor: User, today: date | None = None
) -> ProgrammeApplication:
    """The officer's points for each assessed criterion (0…weight) and the whole breakdown."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(application, actor)
        if locked.state != States.APPLIED or locked.programme.selection_made_at is not None:
            raise BusinessError.WRONG_STATE.error(state=locked.get_state_display())
        criteria = {
            str(c["code"]): int(c["weight"]) for c in locked.programme.entry().scoring if c["criterion"] == "assessed"
        }
        given: dict[str, float] = {}
        for code, weight in criteria.items():
            if code not in assessed:
                continue
            points = float(assessed[code])
            if not 0 <= points <= weight:
                raise BusinessError.SCORE_RANGE.error(f"assessed_{code}", weight=weight)
            given[code] = points
        before = locked.score
        found = score_of(locked, given, today)
        locked.assessed = given
        locked.score = found.to_dict()
        locked.scored_by = actor
        locked.scored_at = timezone.now()
        locked.save()
        audit.record(
            BusinessEvent.SCORED,
            target=locked,
            actor=actor,
            old={"total": before.get("total")} if before else None,
            new={"total": found.total, "assessed": given, "complete": found.complete},
        )
    return locked


def select(programme: Programme, *, actor: User, today: date | None = None) -> scoring.Selection:
    """Select the highest scores for the programme's seats (ties: the earlier application); the
    rest are not selected, each told their rank and the cut-off. Once per programme."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked_programme = Programme.objects.select_for_update().get(pk=programme.pk)
        check_officer(actor, locked_programme)
        if locked_programme.selection_made_at is not None:
            raise BusinessError.ALREADY_SELECTED.error(day=timezone.localdate(locked_programme.selection_made_at))
        waiting = list(
            ProgrammeApplication.objects.select_for_update()
            .filter(programme=locked_programme, state=States.APPLIED)
            .order_by("applied_at", "pk")
        )
        if not waiting:
            raise BusinessError.NO_APPLICANTS.error()
        unscored = [a for a in waiting if not (a.score and a.score.get("complete"))]
        if unscored:
            raise BusinessError.NOT_ALL_SCORED.error(count=len(unscored))
        chosen = scoring.select(
            [scoring.Ranked(a.pk, float(a.score["total"]), i) for i, a in enumerate(waiting)],  # type: ignore[index]
            locked_programme.seats,
        )
        by_pk = {a.pk: a for a in waiting}
        for pk, rank in chosen.ranks.items():
            app = by_pk[pk]
            app.rank = rank
            note = f"rank {rank} of {len(waiting)}; cut-off {chosen.cut_off:g}" if chosen.cut_off is not None else ""
            if pk in chosen.selected:
                move(app, States.SELECTED, event=BusinessEvent.SELECTED, actor=actor, note=note)
            else:
                move(app, States.NOT_SELECTED, event=BusinessEvent.NOT_SELECTED, actor=actor, note=note)
        locked_programme.selection_made_at = timezone.now()
        locked_programme.selection_made_by = actor
        locked_programme.save(update_fields=["selection_made_at", "selection_made_by"])
    return chosen


def record_completion(
    application: ProgrammeApplication,
    *,
    completed: bool,
    on: date,
    reason: str = "",
    actor: User,
    today: date | None = None,
) -> ProgrammeApplication:
    """A selected business completed the programme on ``on`` (or did not, and why)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked(application, actor)
        if locked.state != States.SELECTED:
            raise BusinessError.WRONG_STATE.error(state=locked.get_state_display())
        selected = locked.programme.selection_made_at
        earliest = timezone.localdate(selected) if selected else locked.applied_at.date()
        if not earliest <= on <= today:
            raise BusinessError.DATE_RANGE.error("on")
        locked.completed_on = on
        if completed:
            move(locked, States.COMPLETED, event=BusinessEvent.COMPLETED, actor=actor, note=on.isoformat())
        else:
            why = check_text(reason, "reason", max_length=300) if reason.strip() else ""
            if not why:
                raise BusinessError.REASON_REQUIRED.error("reason")
            locked.dropped_reason = why
            move(locked, States.DROPPED, event=BusinessEvent.DROPPED, actor=actor, note=why)
    return locked


def set_officer(user: User, programme: Programme, *, officer: bool, actor: User | None) -> bool:
    """Make ``user`` an officer of ``programme`` (they then see its applicants) or end it."""
    if actor is not None and not actor.has_role(Service.BUSINESS, Role.ADMIN):
        raise BusinessError.NEEDS_ADMIN.denied()
    if officer and (
        not user.has_role(Service.BUSINESS, Role.OPERATOR) or user.institution_id != programme.institution_id
    ):
        raise BusinessError.OTHER_INSTITUTION.error("user")
    with transaction.atomic():
        rows = ProgrammeOfficer.objects.select_for_update().filter(user=user, programme=programme)
        was = rows.exists()
        if was == officer:
            return False
        if officer:
            ProgrammeOfficer.objects.create(user=user, programme=programme, assigned_by=actor)
        else:
            rows.delete()
        audit.record(
            BusinessEvent.OFFICER_SET,
            target=programme,
            actor=actor,
            actor_label="" if actor else "system",
            old={"officer": user.username if was else None},
            new={"officer": user.username if officer else None},
        )
    return True
