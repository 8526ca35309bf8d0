"""What every guarantee action shares: the audit event, the one way to change a state, and the
reader's scope for every application an action is handed (an action never trusts that the
caller looked it up correctly)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from seoul.core import audit
from seoul.core.engine.money import format_krw
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue
from seoul.guarantee.engine.states import Actor, Event, State, TransitionError, transition
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.events import GuaranteeEvent
from seoul.guarantee.models import Application, Document, Review

INSTITUTION = "SEOULSHINBO"


def record(event: str, app: Application, **kw: Any) -> None:
    audit.record(event, target=app, target_label=app.reference, service="guarantee", **kw)


def won(amount: int) -> str:
    """An amount of won as the reader's language writes it."""
    return format_krw(amount, lang=(get_language() or "ko")[:2])


def move(
    app: Application, event: Event, actor: Actor, *, person: User | None = None, examiner: str = "", reason: str = ""
) -> State:
    """Apply one state machine event to a locked application and audit it (``person``: who
    caused it, when a person did); the only code that assigns ``Application.state``."""
    approvals: tuple[str, ...] = ()
    if event is Event.APPROVE:
        approvals = tuple(
            app.reviews.filter(decision=Review.Decision.APPROVE, current=True).values_list(
                "examiner__username", flat=True
            )
        )
    old = app.state
    try:
        new = transition(
            old,
            event,
            actor,
            amount=app.amount or 0,
            second_approver_above=int(catalogue().scorecard["second_approver_above"]),
            approvals=approvals,
            examiner=examiner,
        )
    except TransitionError as exc:
        if exc.code == "same_approver":
            raise GuaranteeError.SAME_APPROVER.error("decision") from None
        if exc.code == "wrong_state":
            raise GuaranteeError.WRONG_STATE.error() from None
        raise  # a wrong actor or a missing examiner is a bug of the caller, not a person's mistake
    now = timezone.now()
    app.state = new
    app.state_changed_at = now
    if new is State.SUBMITTED:
        app.submitted_at = now
    if new is State.REFERRED and old != State.REFERRED:
        app.referred_at = now
    if new in (State.APPROVED, State.REJECTED):
        app.decided_at = now
    app.save()
    record(
        GuaranteeEvent.TRANSITION,
        app,
        old={"state": old},
        new={"state": new.value, "event": event.value},
        reason=reason,
        actor=person,
    )
    return new


def own(actor: User, app: Application, *, lock: bool = False) -> Application:
    """The applicant's own application, fresh from the database (locked for update when asked);
    anyone else's is refused."""
    qs = Application.objects.select_for_update() if lock else Application.objects
    found = qs.filter(pk=app.pk, applicant_id=actor.pk).first() if actor.is_authenticated else None
    if found is None:
        raise GuaranteeError.NOT_YOURS.denied()
    return found


def examined(actor: User, app: Application, *, lock: bool = False) -> Application:
    """A file the examiner may decide on: the guarantee role, and a file of their institution."""
    if not actor.is_authenticated or not actor.has_role(Service.GUARANTEE, Role.OPERATOR):
        raise GuaranteeError.EXAMINERS_ONLY.denied()
    qs = Application.objects.select_for_update() if lock else Application.objects
    qs = qs.filter(pk=app.pk)
    if not actor.is_platform_admin:
        qs = qs.filter(institution_id=actor.institution_id) if actor.institution_id else qs.none()
    found = qs.first()
    if found is None:
        raise GuaranteeError.OTHER_INSTITUTION.denied()
    return found


def recheck_documents(app: Application, today: date) -> list[doc_rules.Problem]:
    """Check the fetched documents of a locked application as one set (dates, numbers, names
    the same on all of them) and store each one's problems; a kind that was uploaded instead
    is not missing. Returns the problems."""
    fetched = list(app.documents.filter(source=Document.Source.FETCHED))
    uploaded = set(app.documents.filter(source=Document.Source.UPLOADED).values_list("kind", flat=True))
    problems = [
        p
        for p in doc_rules.validate([d.data for d in fetched if d.data], app.brn, today)
        if not (p.code == "missing" and (p.kind in uploaded or p.kind == doc_rules.REGISTRATION))
    ]
    by_kind: dict[str, list[dict[str, str]]] = {}
    for p in problems:
        by_kind.setdefault(p.kind, []).append(p.as_json())
    for d in fetched:
        d.problems = by_kind.get(d.kind, []) + by_kind.get("*", [])
        d.save(update_fields=["problems"])
    return problems


def day(value: Any) -> date | None:
    """A document's ISO date, or None when it is not one."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
