"""Rules of the Official Information Disclosure Act (공공기관의 정보공개에 관한 법률) for a
citizen's request, as plain data and arithmetic.

- Decision period (§11①): the institution decides within 10 days of receiving the request; it may
  extend once by another 10 days, telling the requester why (§11②). Days are counted as the Civil
  Act counts periods (§157: the day of receipt is not counted); when the last day is not a
  working day the period is not carried to the next one here (an assumption, said in
  docs/records.md).
- Decisions: full disclosure (§13, the information given in the form asked for); partial
  disclosure (§14: the exempt parts separated and removed, the rest given); non-disclosure
  (§9① items, with the reason and the means of appeal, §13⑤); the information is not held (the
  requester is told so). Each decision states its legal ground.

Plain Python: no Django.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

DECISION_DAYS = 10  # §11①
EXTENSION_DAYS = 10  # §11②
LAW = "공공기관의 정보공개에 관한 법률"


class Decision(StrEnum):
    PENDING = "pending"
    FULL = "full"
    PARTIAL = "partial"
    REFUSED = "refused"
    NOT_HELD = "not_held"


def decision_due(received: date, *, extended: bool = False) -> date:
    """The last day to decide on a request received on ``received``."""
    return received + timedelta(days=DECISION_DAYS + (EXTENSION_DAYS if extended else 0))


def legal_ground(decision: Decision, exemptions: tuple[int, ...] = ()) -> str:
    """The ground a decision states, in the law's words (Korean, as the notice is written)."""
    items = ", ".join(f"제{n}호" for n in sorted(set(exemptions)))
    if decision is Decision.FULL:
        return f"{LAW} 제13조(정보공개 여부 결정의 통지) — 전부 공개"
    if decision is Decision.PARTIAL:
        return f"{LAW} 제14조(부분 공개), 제9조제1항 {items} — 비공개 부분을 지우고 공개"
    if decision is Decision.REFUSED:
        return f"{LAW} 제9조제1항 {items} — 비공개, 제13조제5항에 따라 사유와 불복 방법을 알림"
    if decision is Decision.NOT_HELD:
        return f"{LAW} 제11조 — 청구한 정보를 보유·관리하지 않음(정보 부존재)"
    return ""


def check_decision(decision: Decision, exemptions: tuple[int, ...]) -> str | None:
    """What is wrong with a decision's exemptions, as a code, or None: ``unknown_item`` (not 1 to
    8 of §9①), ``needs_ground`` (a partial disclosure or a refusal names its items),
    ``no_ground`` (a full disclosure or a not-held answer names none)."""
    if any(n not in range(1, 9) for n in exemptions):
        return "unknown_item"
    if decision in (Decision.PARTIAL, Decision.REFUSED) and not exemptions:
        return "needs_ground"
    if decision in (Decision.FULL, Decision.NOT_HELD) and exemptions:
        return "no_ground"
    return None
