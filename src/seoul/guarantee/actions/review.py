"""Examiners' decisions on referred files: approve (possibly for less than asked), reject, or
ask for more information, with a comment the applicant reads. Maker-checker above the
second-approver threshold (``engine/states.py``)."""

from __future__ import annotations

from django.db import transaction

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.guarantee.actions import pools
from seoul.guarantee.actions._base import examined, move, record, won
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.engine import screening as screening_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.states import Actor, Event, State
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Review

COMMENT_MIN, COMMENT_MAX = 5, 2000


def _lower_amount(app: Application, amount: int | None, decision: str) -> int | None:
    """A valid lower approved amount, or None (approve what is on file). Only an approval may
    set one; it never exceeds what the file currently carries (a second approver may lower the
    first approver's amount further, not raise it)."""
    if amount is None or amount == app.loan_amount:
        return None
    if decision != Review.Decision.APPROVE:
        raise GuaranteeError.LOWER_ONLY_ON_APPROVAL.error("amount")
    product = catalogue().products[app.product]
    if amount > app.loan_amount:
        raise GuaranteeError.LOWER_AT_MOST.error("amount", amount=won(app.loan_amount))
    if amount < product.min_amount:
        raise GuaranteeError.LOWER_AT_LEAST.error("amount", amount=won(product.min_amount))
    return amount


def _set_approved_amount(app: Application, amount: int | None) -> None:
    """Approve ``amount`` (None: the amount asked); the guaranteed part and fee follow it."""
    app.approved_amount = amount
    product = catalogue().products[app.product]
    app.screening = screening_rules.with_amount(app.screening or {}, product, app.loan_amount)
    app.save(update_fields=["approved_amount", "screening"])


def review(app: Application, decision: str, comment: str, *, actor: User, amount: int | None = None) -> Application:
    """Approve / reject / ask for more on a referred file of the examiner's own institution.

    ``amount`` (won) approves less than was asked: the guaranteed part and the fee follow it,
    and the applicant accepts it by signing the agreement. The second-approver threshold stays
    that of the amount asked, so lowering it cannot skip the second approval."""
    app = examined(actor, app)  # who may decide, before anything is said about the input
    if decision not in Review.Decision.values:
        raise GuaranteeError.DECISION_REQUIRED.error("decision")
    comment = comment.strip()
    if len(comment) < COMMENT_MIN:
        raise GuaranteeError.COMMENT_REQUIRED.error("comment")
    comment = check_text(comment, "comment", max_length=COMMENT_MAX, min_length=COMMENT_MIN, multiline=True)
    with transaction.atomic():
        app = examined(actor, app, lock=True)
        if app.state != State.REFERRED:
            raise GuaranteeError.NOT_REFERRED.error()
        lower = _lower_amount(app, amount, decision)
        if decision == Review.Decision.APPROVE:
            earlier = app.reviews.filter(decision=Review.Decision.APPROVE, current=True).exists()
            if earlier and not actor.has_role(Service.GUARANTEE, Role.APPROVER):
                raise GuaranteeError.SECOND_APPROVAL_NEEDS_APPROVER.error("decision")
            new = move(app, Event.APPROVE, Actor.EXAMINER, person=actor, examiner=actor.get_username(), reason=comment)
            if lower is not None:
                _set_approved_amount(app, lower)
        elif decision == Review.Decision.REJECT:
            new = move(app, Event.REJECT, Actor.EXAMINER, person=actor, reason=comment)
        else:
            new = move(app, Event.REQUEST_MORE, Actor.EXAMINER, person=actor, reason=comment)
            app.reviews.filter(current=True).update(current=False)
            if app.approved_amount is not None:  # the voided approvals' amount goes with them
                _set_approved_amount(app, None)
        Review.objects.create(application=app, examiner=actor, decision=decision, comment=comment, amount=lower)
        change = {"decision": decision, "state": new.value} | ({"approved_amount": lower} if lower else {})
        record(GuaranteeEvent.REVIEWED, app, new=change, reason=comment, actor=actor)
        if new is State.APPROVED:
            pools.commit(app)  # the approved amount, after a lower one was set
        if new is State.APPROVED and app.approved_amount is not None:
            notify(app, "approved_lower", amount=f"{app.approved_amount:,}", asked=f"{app.amount or 0:,}")
        elif new is State.APPROVED:
            notify(app, "approved")
        elif new is State.REJECTED:
            notify(app, "rejected")
        elif new is State.MORE_INFO:
            notify(app, "more_info")
        return app
