"""Fund staff screen an application against the fund's checks: keep screening (a note), take it
to a committee meeting (every check passed), or not take it forward (with the reason)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import check_text
from seoul.fund.actions._base import check_staff, move, wrong_state
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.models import Application, Meeting, Screening

States = Application.States
#: what staff check before the committee sees an application (labels.SCREENING_CHECKS words them)
CHECKS = ("seoul_based", "sector_fit", "deck_complete", "good_standing")
CONTINUE = "screening"


def screen(
    application: Application,
    *,
    checks: Mapping[str, bool],
    outcome: str,
    note: str = "",
    reason: str = "",
    meeting: Meeting | None = None,
    actor: User,
) -> Screening:
    check_staff(actor)
    note = check_text(note, "note", max_length=2000, multiline=True) if note.strip() else ""
    given = {c: bool(checks.get(c)) for c in CHECKS}
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.state not in (States.SUBMITTED, States.SCREENING):
            raise wrong_state(locked)
        if outcome == Screening.Outcomes.COMMITTEE:
            failed = [c for c, ok in given.items() if not ok]
            if failed:
                raise ValidationError({f"check_{c}": [FundError.CHECK_FAILED.error()] for c in failed})
            if meeting is None:
                raise FundError.MEETING_REQUIRED.error("meeting")
        elif outcome == Screening.Outcomes.SCREENED_OUT:
            reason = check_text(reason, "reason", max_length=300) if reason.strip() else ""
            if not reason:
                raise FundError.REASON_REQUIRED.error("reason")
        elif outcome != CONTINUE:
            raise FundError.WRONG_STATE.error("outcome", state=outcome)
        made = Screening.objects.create(
            application=locked,
            checks=given,
            note=note,
            outcome=outcome,
            by=actor,
        )
        if locked.state == States.SUBMITTED:
            move(locked, States.SCREENING, event=FundEvent.SCREENING_STARTED, actor=actor)
        if outcome == Screening.Outcomes.COMMITTEE:
            locked.meeting = meeting
            move(locked, States.COMMITTEE, event=FundEvent.SCREENED, actor=actor, note=str(meeting))
        elif outcome == Screening.Outcomes.SCREENED_OUT:
            locked.screened_out_reason = reason
            locked.decided_at = made.at
            move(locked, States.SCREENED_OUT, event=FundEvent.SCREENED, actor=actor, note=reason)
        else:
            audit.record(FundEvent.SCREENED, target=locked, actor=actor, new={"checks": given, "outcome": outcome})
    return made
