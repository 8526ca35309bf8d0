"""The business service's codes in words, in the reader's language: stages and why, each
eligibility rule (what it asks, and what the business has), selection criteria, outcomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from seoul.core import districts
from seoul.core.engine.money import format_krw

STAGES = {
    "startup": gettext_lazy("Start-up"),
    "growth": gettext_lazy("Growth"),
    "restart": gettext_lazy("Restart"),
}

CONSENT_TEXT = gettext_lazy(
    "I agree that the Seoul Business Agency's business service copies from the guarantee service what it knows "
    "about this business — when it opened, its industry and district, whether it is or was closed, its sales of "
    "the last two years, tax arrears and my guarantee applications — into a business profile, to place the "
    "business in a stage and show which programmes it qualifies for; and that for three years after a programme "
    "the city follows from the same source whether the business is still open and how its sales changed, to "
    "evaluate the programme. I can delete the profile at any time."
)


def _lang() -> str:
    return "ko" if (get_language() or "ko").startswith("ko") else "en"


def won(value: Any) -> str:
    return "—" if value is None else format_krw(int(value), _lang())


def months(value: Any) -> str:
    if value is None:
        return "—"
    years, rest = divmod(int(value), 12)
    if years and rest:
        return _("%(years)s years %(months)s months") % {"years": years, "months": rest}
    if years:
        return _("%(years)s years") % {"years": years}
    return _("%(months)s months") % {"months": rest}


def percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:+.1f}%"


def stage(code: str) -> str:
    return str(STAGES.get(code, code))


def placement(reason: Mapping[str, Any]) -> str:
    """Why the business is in its stage, in a sentence."""
    code, params = reason.get("reason", ""), reason.get("params", {})
    if code == "closed":
        return _("The business registration says the business is closed.")
    if code == "defaulted_on_guaranteed_loan":
        return _(
            "A guaranteed loan of the business went into default: the restart programmes help it to recover and "
            "lead to the restart guarantee."
        )
    if code == "reopened_after_closure":
        return _("The business opened %(months)s ago after an earlier closure (within 3 years of reopening).") % {
            "months": months(params.get("months"))
        }
    if code == "under_three_years":
        return _("The business has been open for %(months)s: less than 3 years.") % {
            "months": months(params.get("months"))
        }
    if code == "three_years_or_more":
        return _("The business has been open for %(months)s: 3 years or more.") % {
            "months": months(params.get("months"))
        }
    return _("The business registration does not say when the business opened.")


def _names(codes: Any, names: Mapping[str, str] | None = None) -> str:
    return ", ".join((names or {}).get(str(c), str(c)) for c in codes)


def _range(lo: Any, hi: Any, fmt: Any) -> str:
    if lo is not None and hi is not None:
        return _("from %(lo)s to under %(hi)s") % {"lo": fmt(lo), "hi": fmt(hi)}
    if lo is not None:
        return _("at least %(lo)s") % {"lo": fmt(lo)}
    return _("under %(hi)s") % {"hi": fmt(hi)}


def _yes(value: Any) -> str:
    return _("yes") if value else _("no")


def rule_asks(rule: Mapping[str, Any], industries: Mapping[str, str] | None = None) -> str:
    """What an eligibility rule of the catalogue asks, in words (for the programme's page)."""
    name = rule.get("rule")
    if name == "stage":
        return _("Stage: %(stages)s") % {"stages": ", ".join(stage(s) for s in rule["in"])}
    if name == "months":
        return _("Time in business: %(range)s") % {"range": _range(rule.get("min"), rule.get("max"), months)}
    if name == "sales":
        return _("Sales last year: %(range)s") % {"range": _range(rule.get("min"), rule.get("max"), won)}
    if name == "sales_growth":
        return _("Sales change from the year before: %(range)s") % {
            "range": _range(rule.get("min"), rule.get("max"), percent)
        }
    if name == "industry":
        if "in" in rule:
            return _("Industry: one of %(names)s") % {"names": _names(rule["in"], industries)}
        return _("Industry: not %(names)s") % {"names": _names(rule["not_in"], industries)}
    if name == "district":
        return _("Site in: %(names)s") % {"names": ", ".join(district(n) for n in rule["in"])}
    if name == "prior_closure":
        return _("Closed a business before: %(answer)s") % {"answer": _yes(rule["is"])}
    if name == "closed":
        return _("Business closed now: %(answer)s") % {"answer": _yes(rule["is"])}
    if name == "good_standing":
        return _("In good standing: no tax arrears, no guaranteed loan declined or in arrears")
    if name == "guarantee_loan":
        return _("Has a guaranteed loan paid out: %(answer)s") % {"answer": _yes(rule["is"])}
    return str(name)


def rule_has(result: Mapping[str, Any], industries: Mapping[str, str] | None = None) -> str:
    """What the business has for a rule, in words (the reason it passes or not)."""
    code, params = result.get("code", ""), result.get("params", {})
    value = params.get("value")
    if code.endswith("_unknown"):
        if code == "good_standing_unknown":
            return _("Not known: the guarantee service has not fetched your tax payment certificates.")
        if code == "district_unknown":
            return _("Not known: the registration's address names no Seoul district.")
        if code.startswith("sales"):
            return _("Not known: the guarantee service has no sales of the last two years for your business.")
        return _("Not known.")
    if code == "stage":
        return _("Your business: %(value)s") % {"value": stage(str(value))}
    if code == "months":
        return _("Your business: %(value)s") % {"value": months(value)}
    if code == "sales":
        return _("Your business: %(value)s") % {"value": won(value)}
    if code == "sales_growth":
        return _("Your business: %(value)s") % {"value": percent(value)}
    if code in ("industry_in", "industry_not_in"):
        return _("Your business: %(value)s") % {"value": (industries or {}).get(str(value), str(value))}
    if code == "district":
        return _("Your business: %(value)s") % {"value": value}
    if code in ("prior_closure", "closed", "guarantee_loan", "good_standing"):
        return _("Your business: %(value)s") % {"value": _yes(value)}
    return str(value)


def why_not(results: list[Mapping[str, Any]], industries: Mapping[str, str] | None = None) -> str:
    """The failing rules of an eligibility, in one line."""
    return "; ".join(
        f"{rule_asks({'rule': r['rule'], **r['params']}, industries)} ({rule_has(r, industries)})"
        for r in results
        if not r["passed"]
    )


def criterion(c: Mapping[str, Any]) -> str:
    """A selection criterion's name."""
    name = c.get("criterion")
    if name == "assessed":
        return str(c["name_ko"] if _lang() == "ko" else c["name_en"])
    return {
        "months": _("Time in business"),
        "sales": _("Sales last year"),
        "sales_growth": _("Sales change from the year before"),
        "programmes_completed": _("Programmes of this service completed before"),
        "district": _("Site in a priority district"),
    }.get(str(name), str(name))


def criterion_rule(c: Mapping[str, Any]) -> str:
    """How a criterion gives its points, in words (published on the programme's page)."""
    name = c.get("criterion")
    if name == "assessed":
        guide = c["guide_ko"] if _lang() == "ko" else c["guide_en"]
        return _("The programme officer's assessment, 0 to %(weight)s points: %(guide)s") % {
            "weight": c["weight"],
            "guide": guide,
        }
    if name == "district":
        return _("%(points)s points for a site in %(names)s") % {
            "points": c["points"],
            "names": ", ".join(district(n) for n in c["in"]),
        }
    fmt = {"months": months, "sales": won, "sales_growth": percent}.get(str(name), lambda v: f"{v:g}")
    parts = [
        _("%(range)s: %(points)s points")
        % {"range": _range(b.get("min"), b.get("max"), fmt), "points": f"{b['points']:g}"}
        if b.get("min") is not None or b.get("max") is not None
        else _("otherwise: %(points)s points") % {"points": f"{b['points']:g}"}
        for b in c["bands"]
    ]
    return "; ".join(parts)


def value_text(line: Mapping[str, Any]) -> str:
    name, value = line.get("criterion"), line.get("value")
    if name == "months":
        return months(value)
    if name == "sales":
        return won(value)
    if name == "sales_growth":
        return percent(value)
    if value is None:
        return "—"
    return str(value)


def programme_name(p: Any) -> str:
    return str(p.name_ko if _lang() == "ko" else p.name_en)


def industry_names() -> dict[str, str]:
    """The industry codes the catalogue's rules use → names in the reader's language."""
    from seoul.business.engine.catalogue import catalogue

    ko = _lang() == "ko"
    return {code: names[0] if ko else names[1] for code, names in catalogue().industries.items()}


def district(name: str | None) -> str:
    """A district kept by its Korean name, in the page's language ("—" when unknown)."""
    if not name:
        return "—"
    try:
        return districts.label(districts.by_name(name))
    except KeyError:
        return name
