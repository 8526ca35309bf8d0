"""The programme (``reference/programme.json``) into the database: ``seoul load-reference``
checks the file (every mistake with its path) and keeps the round's row in step with it.
Marketplaces and their listing fields are read from the file by the engine whenever a listing
is checked; the round keeps its own selection criteria and subsidy terms."""

from __future__ import annotations

from django.db import transaction

from seoul.core.models import Institution
from seoul.overseas.engine import reference as ref
from seoul.overseas.models import Round


def definition(p: ref.Reference) -> dict[str, object]:
    s = p.subsidy
    return {
        "selection": [
            {
                "code": c.code,
                "weight": c.weight,
                "name_ko": c.name_ko,
                "name_en": c.name_en,
                "guide_ko": c.guide_ko,
                "guide_en": c.guide_en,
            }
            for c in p.selection
        ],
        "subsidy": {
            "rate_percent": s.rate_percent,
            "cap_won": s.cap_won,
            "min_claim_won": s.min_claim_won,
            "max_claim_won": s.max_claim_won,
            "claim_days": s.claim_days,
        },
        "eligibility_ko": list(p.eligibility_ko),
        "eligibility_en": list(p.eligibility_en),
    }


def load() -> dict[str, int]:
    ref.programme.cache_clear()
    p = ref.programme()
    r = p.round
    institution = Institution.objects.filter(code=r.institution).first()
    if institution is None:
        raise ValueError(
            f"programme.json: unknown institution code {r.institution!r} (core/reference/institutions.csv)"
        )
    with transaction.atomic():
        Round.objects.update_or_create(
            code=r.code,
            defaults={
                "institution": institution,
                "name_ko": r.name_ko,
                "name_en": r.name_en,
                "summary_ko": r.summary_ko,
                "summary_en": r.summary_en,
                "intake_opens": r.intake_opens,
                "intake_closes": r.intake_closes,
                "runs_until": r.runs_until,
                "places": r.places,
                "subsidy_budget_won": r.subsidy_budget_won,
                "definition": definition(p),
            },
        )
    return {"rounds": 1, "marketplaces": len(p.marketplaces)}
