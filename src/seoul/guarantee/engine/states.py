"""The one state machine of a guarantee application, enforced here and nowhere else.

::

    draft → submitted → screening → approved | referred | rejected
    referred → approved | rejected | more_info_requested (→ submitted again)
    approved → agreement_signed → certificate_issued → loan_executed | bank_declined
    withdrawn: from draft, submitted, referred, more_info_requested, approved, agreement_signed

Every transition names the event, who may cause it (applicant, system, examiner, bank) and
the states it leaves from. Maker-checker: above the second-approver threshold an examiner's
approval is recorded but the file stays ``referred`` until a *different* approver approves.
Actions call :func:`transition`; models never change ``state`` any other way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    REFERRED = "referred"
    MORE_INFO = "more_info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    AGREEMENT_SIGNED = "agreement_signed"
    CERTIFICATE_ISSUED = "certificate_issued"
    LOAN_EXECUTED = "loan_executed"
    BANK_DECLINED = "bank_declined"
    WITHDRAWN = "withdrawn"


class Actor(enum.StrEnum):
    APPLICANT = "applicant"
    SYSTEM = "system"
    EXAMINER = "examiner"
    BANK = "bank"


class Event(enum.StrEnum):
    SUBMIT = "submit"
    START_SCREENING = "start_screening"
    AUTO_APPROVE = "auto_approve"
    AUTO_REJECT = "auto_reject"
    REFER = "refer"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_MORE = "request_more"
    SIGN_AGREEMENT = "sign_agreement"
    ISSUE_CERTIFICATE = "issue_certificate"
    EXECUTE_LOAN = "execute_loan"
    BANK_DECLINE = "bank_decline"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Rule:
    event: Event
    sources: frozenset[State]
    target: State
    actor: Actor


S = State
RULES: dict[Event, Rule] = {
    r.event: r
    for r in [
        Rule(Event.SUBMIT, frozenset({S.DRAFT, S.MORE_INFO}), S.SUBMITTED, Actor.APPLICANT),
        Rule(Event.START_SCREENING, frozenset({S.SUBMITTED}), S.SCREENING, Actor.SYSTEM),
        Rule(Event.AUTO_APPROVE, frozenset({S.SCREENING}), S.APPROVED, Actor.SYSTEM),
        Rule(Event.AUTO_REJECT, frozenset({S.SCREENING}), S.REJECTED, Actor.SYSTEM),
        Rule(Event.REFER, frozenset({S.SCREENING}), S.REFERRED, Actor.SYSTEM),
        Rule(Event.APPROVE, frozenset({S.REFERRED}), S.APPROVED, Actor.EXAMINER),
        Rule(Event.REJECT, frozenset({S.REFERRED}), S.REJECTED, Actor.EXAMINER),
        Rule(Event.REQUEST_MORE, frozenset({S.REFERRED}), S.MORE_INFO, Actor.EXAMINER),
        Rule(Event.SIGN_AGREEMENT, frozenset({S.APPROVED}), S.AGREEMENT_SIGNED, Actor.APPLICANT),
        Rule(Event.ISSUE_CERTIFICATE, frozenset({S.AGREEMENT_SIGNED}), S.CERTIFICATE_ISSUED, Actor.SYSTEM),
        Rule(Event.EXECUTE_LOAN, frozenset({S.CERTIFICATE_ISSUED}), S.LOAN_EXECUTED, Actor.BANK),
        Rule(Event.BANK_DECLINE, frozenset({S.CERTIFICATE_ISSUED}), S.BANK_DECLINED, Actor.BANK),
        Rule(
            Event.WITHDRAW,
            frozenset({S.DRAFT, S.SUBMITTED, S.REFERRED, S.MORE_INFO, S.APPROVED, S.AGREEMENT_SIGNED}),
            S.WITHDRAWN,
            Actor.APPLICANT,
        ),
    ]
}

TERMINAL = frozenset({S.REJECTED, S.LOAN_EXECUTED, S.BANK_DECLINED, S.WITHDRAWN})
EDITABLE = frozenset({S.DRAFT, S.MORE_INFO})
# An application in progress: a business has at most one (see ``models.Application``).
OPEN = frozenset(State) - TERMINAL


class TransitionError(Exception):
    """The event is not allowed from this state or by this actor; ``code`` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def transition(
    state: State | str,
    event: Event,
    actor: Actor,
    *,
    amount: int = 0,
    second_approver_above: int | None = None,
    approvals: tuple[str, ...] = (),
    examiner: str = "",
) -> State:
    """The state after ``event`` by ``actor``, or :class:`TransitionError`.

    For ``APPROVE``, ``approvals`` are the examiners who approved before; if the amount needs a
    second approver and this is the first approval the file stays ``referred``.
    """
    state = State(state)
    rule = RULES[event]
    if actor != rule.actor:
        raise TransitionError("wrong_actor", f"{event.value} is done by the {rule.actor.value}, not the {actor.value}")
    if state not in rule.sources:
        raise TransitionError("wrong_state", f"{event.value} is not allowed when the application is {state.value}")
    if event is Event.APPROVE:
        if not examiner:
            raise TransitionError("no_examiner", "an approval needs the examiner")
        if examiner in approvals:
            raise TransitionError("same_approver", "the second approval must come from a different approver")
        if second_approver_above is not None and amount > second_approver_above and not approvals:
            return State.REFERRED
    return rule.target


def allowed_events(state: State | str, actor: Actor) -> list[Event]:
    state = State(state)
    return [e for e, r in RULES.items() if state in r.sources and r.actor == actor]
