"""The fund's codes in words, in the reader's language: sectors, stages, instruments, screening
checks, criteria, and the next step of an application."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from seoul.core.engine.money import format_krw
from seoul.fund.engine.rules import rules
from seoul.fund.models import CallState, Instrument

SCREENING_CHECKS = {
    "seoul_based": gettext_lazy("The start-up is based in Seoul"),
    "sector_fit": gettext_lazy("Its business is in a sector of the call"),
    "deck_complete": gettext_lazy("The pitch deck describes the product, market, team and use of the money"),
    "good_standing": gettext_lazy("No tax arrears or unresolved default declared"),
}


#: how each state of a call shows as a badge
CALL_STATE_KINDS = {"upcoming": "info", "open": "success", "closed": "neutral"}


def lang() -> str:
    return "ko" if (get_language() or "ko").startswith("ko") else "en"


def won(value: Any) -> str:
    return "—" if value is None else format_krw(int(value), lang())


def _named(item: Any) -> str:
    return str(item.name_ko if lang() == "ko" else item.name_en)


def sector(code: str) -> str:
    found = rules().sector(code)
    return _named(found) if found else code


def stage(code: str) -> str:
    found = rules().stage(code)
    return _named(found) if found else code


def criterion(code: str) -> str:
    found = next((c for c in rules().criteria if c.code == code), None)
    return _named(found) if found else code


def call_state(state: str) -> tuple[str, str]:
    """The badge kind and the words of a call's state (``Call.state_on``)."""
    return CALL_STATE_KINDS.get(state, "neutral"), str(dict(CallState.choices).get(state, state))


def instrument(code: str) -> str:
    return str(dict(Instrument.choices).get(code, code))


def screening_check(code: str) -> str:
    return str(SCREENING_CHECKS.get(code, code))


def fund_name() -> str:
    return _named(rules())


def manager() -> str:
    r = rules()
    return r.manager_ko if lang() == "ko" else r.manager_en


def percent(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f} %"


def multiple(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}×"


def next_step(application: Any) -> str:
    """What happens next, for the start-up's own list."""
    state = application.state
    if state == "submitted":
        return _("Fund staff will screen your application.")
    if state == "screening":
        return _("Fund staff are screening your application.")
    if state == "committee":
        return _("The investment committee will consider your application.")
    if state == "screened_out":
        return _("No further step: the reason is shown on the application.")
    if state == "declined":
        return _("No further step: the committee's reason is shown on the application.")
    if state == "invest":
        waiting = [t for t in application.tranches.all() if t.state == "planned"]
        if waiting:
            return _("Send the evidence of the milestone of tranche %(n)s.") % {"n": waiting[0].number}
        if any(t.state in ("evidenced", "verified") for t in application.tranches.all()):
            return _("Fund staff are checking your milestone evidence.")
        return _("Report your key figures every quarter.")
    return ""
