"""Release from isolation as the pages and actions see it: the criteria shipped with the
platform, a case's earliest release day from what is on record, and the words for a rule
(``engine/release.py`` decides; docs/tracing-release.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine.release import CaseFacts, PcrResult, Release, Rule, Version, earliest_release, find_rule
from seoul.tracing.engine.release import load_criteria as _load
from seoul.tracing.models import Case, LabResult

WAITING_WORDS = {
    "afebrile": gettext_lazy("the end of the fever (no fever without antipyretics, symptoms improving)"),
    "tests": gettext_lazy("negative PCR results taken far enough apart"),
    "onset": gettext_lazy("the symptom onset date"),
    "vaccination": gettext_lazy("whether the vaccination was complete"),
}
ANCHOR_WORDS = {
    "onset": gettext_lazy("symptom onset"),
    "specimen": gettext_lazy("the day the positive specimen was taken"),
    "confirmed": gettext_lazy("confirmation"),
}


@lru_cache(maxsize=1)
def criteria() -> tuple[Version, ...]:
    """The release criteria shipped with the platform (``reference/release_criteria.toml``, read once)."""
    return _load()


def release_of(case: Case, today: date | None = None) -> Release:
    """The earliest day ``case`` may leave isolation by what is on record: its PCR results
    (``lab_results`` may be prefetched), onset, test and confirmation days, the end of its
    fever, its vaccination."""
    return earliest_release(_facts(case), criteria(), SEOUL, today or timezone.localdate(timezone.now(), SEOUL))


def release_asking_vaccination(case: Case, today: date) -> tuple[Release, bool]:
    """The case's earliest release (as :func:`release_of`) and whether its vaccination would
    change it (a case isolated over 2022-01-26 to 02-08): then its page asks for it. The
    case's records are read once."""
    facts = _facts(case)
    vaccinated, other = (
        earliest_release(replace(facts, vaccinated=v), criteria(), SEOUL, today) for v in (True, False)
    )
    return earliest_release(facts, criteria(), SEOUL, today), vaccinated.on != other.on


def _facts(case: Case) -> CaseFacts:
    pcrs = [
        PcrResult(r.collected_at, r.resulted_at, r.result == LabResult.Result.NEGATIVE)
        for r in case.lab_results.all()
        if r.test == LabResult.Test.PCR
    ]
    return CaseFacts(
        confirmed_on=case.known_on,
        onset_on=case.onset_on,
        specimen_on=case.test_on,
        afebrile_since=case.afebrile_since,
        pcrs=pcrs,
        vaccinated=case.vaccination_complete,
    )


def waiting_words(release: Release) -> str:
    return ", ".join(str(WAITING_WORDS.get(w, w)) for w in release.waiting)


def rule_words(rule: Rule) -> str:
    """A rule in plain words ("10 days after symptom onset and 72 hours without fever")."""
    anchor = ANCHOR_WORDS[rule.anchor]
    if rule.kind == "days":
        words = _("%(days)s days after %(anchor)s") % {"days": rule.days, "anchor": anchor}
        if rule.afebrile_hours:
            words += _(" and %(hours)s hours without fever") % {"hours": rule.afebrile_hours}
        if rule.vaccinated:
            words += _(", vaccination complete")
        return words
    return _("%(n)s negative PCR results taken at least %(hours)s hours apart, from %(days)s days after %(anchor)s") % {
        "n": rule.negatives,
        "hours": rule.apart_hours,
        "days": rule.days,
        "anchor": anchor,
    }


def basis_words(version_id: str, key: str) -> str:
    """The recorded basis of a release (``Case.release_rule`` is "version key") in words."""
    found = find_rule(criteria(), version_id, key)
    if found is None:
        return f"{version_id} {key}".strip()
    version, rule = found
    title = version.title if (get_language() or "ko").startswith("ko") else version.title_en
    return f"{rule_words(rule)} ({title})"
