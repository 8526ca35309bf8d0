"""Case classification: suspected, probable, confirmed, not a case (docs/tracing-cases.md
"Classification"), and which laboratory results confirm a case.

KDCA's case definitions (코로나바이러스감염증-19 대응지침): a *confirmed* case has laboratory
evidence of infection by a confirmatory test; a *suspected* case (의사환자) has symptoms within
14 days of contact with a confirmed case; a *probable* case — WHO's term, which Korea folded into
의사환자 and 조사대상 유증상자 — has symptoms and an epidemiological link but no conclusive test.

Which tests confirm changed with the period, and is kept here as data:

- a PCR (RT-PCR) positive always confirmed;
- a rapid antigen test positive, done by a medical professional, confirmed from 2022-03-14
  (KDCA press briefing of 2022-03-11: "전문가용 신속항원검사 양성 시 확진 판정", in force
  14 March 2022); a self-test positive never did, and this platform records only tests done by
  a laboratory or clinic;
- an antibody test never confirmed an acute case.

Pure: stdlib only.
"""

from __future__ import annotations

from datetime import date

SUSPECTED = "suspected"
PROBABLE = "probable"
CONFIRMED = "confirmed"
NOT_A_CASE = "not_a_case"
CLASSES = (SUSPECTED, PROBABLE, CONFIRMED, NOT_A_CASE)

RAT_CONFIRMS_FROM = date(2022, 3, 14)
"""Professional rapid antigen positives confirm a case from this day (KDCA, 2022-03-11)."""


def confirms(test: str, result: str, collected_on: date) -> bool:
    """Whether a ``result`` of ``test`` (``pcr``, ``rat``, ``antibody``) on a specimen taken on
    ``collected_on`` confirms a case by the rule of its day."""
    if result != "positive":
        return False
    if test == "pcr":
        return True
    if test == "rat":
        return collected_on >= RAT_CONFIRMS_FROM
    return False


def may_change(old: str, new: str) -> bool:
    """Any class may follow any other (a suspected case confirmed, a confirmed case found a
    false positive, a closed case reopened), never itself: a change records a new basis."""
    return old in CLASSES and new in CLASSES and old != new
