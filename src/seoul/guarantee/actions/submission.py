"""Sending the application and screening it at once; withdrawing it.

A file is sent only when its checklist (``engine/checklist.py``) is empty: every answer given,
every document present and sound, and no eligibility rule the documents already show it would
fail — so an applicant learns a refusal while answering, not after sending. Screening then
decides approve / refer / reject by the same rules ``seoul guarantee simulate`` runs.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core.models import User
from seoul.guarantee.actions import pools
from seoul.guarantee.actions._base import move, own
from seoul.guarantee.actions.notifications import notify
from seoul.guarantee.adapters import clients
from seoul.guarantee.engine import lifecycle
from seoul.guarantee.engine.checklist import Item
from seoul.guarantee.engine.screening import Outcome, screen
from seoul.guarantee.engine.states import EDITABLE, Actor, Event, allowed_events
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.models import Application, BudgetPool


def checklist(app: Application, today: date | None = None) -> list[Item]:
    """What must change before ``app`` can be sent (empty: it can)."""
    return app.checklist(today or timezone.localdate(), frozenset(clients.BANKS))


def submit(app: Application, *, actor: User, today: date | None = None) -> Application:
    """Send (or send again, after a request for more information) and screen at once. A second
    send of the same file is refused, whatever tab or client it comes from."""
    today = today or timezone.localdate()
    with transaction.atomic():
        app = own(actor, app, lock=True)
        if app.state not in EDITABLE:
            raise GuaranteeError.ALREADY_SUBMITTED.error()
        if checklist(app, today):
            raise GuaranteeError.INCOMPLETE.error()
        move(app, Event.SUBMIT, Actor.APPLICANT, person=actor)
        _screen(app, today)
        return app


def _screen(app: Application, today: date) -> None:
    move(app, Event.START_SCREENING, Actor.SYSTEM)
    facts = app.facts(today)
    if facts is None:  # cannot happen once the registration is fetched; an examiner decides
        app.screening = {"outcome": "refer", "refer_reasons": ["documents_uploaded"], "reasons": []}
        app.save()
        move(app, Event.REFER, Actor.SYSTEM, reason="documents_uploaded")
        notify(app, "received")
        return
    result = screen(facts, app.product, app.amount or 0, today, pool_remaining=BudgetPool.remaining_for(app.product))
    stage, programmes = lifecycle.recommend(facts, today)
    app.screening = result.as_json()
    app.lifecycle = {"stage": stage, "programmes": [p["code"] for p in programmes]}
    app.save()
    if result.outcome is Outcome.APPROVE:
        move(app, Event.AUTO_APPROVE, Actor.SYSTEM, reason="within the auto-approval rules")
        pools.commit(app)
        notify(app, "approved")
    elif result.outcome is Outcome.REJECT:
        move(app, Event.AUTO_REJECT, Actor.SYSTEM, reason=", ".join(result.reasons))
        notify(app, "rejected")
    else:
        move(app, Event.REFER, Actor.SYSTEM, reason=", ".join(result.refer_reasons))
        notify(app, "received")


def withdraw(app: Application, *, actor: User) -> Application:
    """The applicant withdraws their own application while that is allowed (before the
    certificate is with the bank)."""
    with transaction.atomic():
        app = own(actor, app, lock=True)
        if Event.WITHDRAW not in allowed_events(app.state, Actor.APPLICANT):
            raise GuaranteeError.CANNOT_WITHDRAW.error()
        move(app, Event.WITHDRAW, Actor.APPLICANT, person=actor)
        pools.release(app)
        return app
