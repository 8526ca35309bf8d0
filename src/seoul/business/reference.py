"""The programme catalogue (``reference/programmes.json``) into the database: ``seoul
load-reference`` checks the file (every mistake with where it is) and keeps each programme's row in
step with it. A programme whose selection was made keeps that; a programme gone from the file is
closed, never deleted (its applications stay)."""

from __future__ import annotations

from django.db import transaction

from seoul.business.engine.catalogue import catalogue
from seoul.business.models import Programme
from seoul.core.models import Institution


def load() -> dict[str, int]:
    catalogue.cache_clear()
    cat = catalogue()
    institutions = {i.code: i for i in Institution.objects.all()}
    missing = sorted({p.institution for p in cat.programmes} - set(institutions))
    if missing:
        raise ValueError(f"programmes.json: unknown institution codes {missing} (core/reference/institutions.csv)")
    with transaction.atomic():
        for p in cat.programmes:
            d = p.to_dict()
            Programme.objects.update_or_create(
                code=p.code,
                defaults={
                    "kind": p.kind,
                    "stage": p.stage,
                    "institution": institutions[p.institution],
                    "name_ko": p.name_ko,
                    "name_en": p.name_en,
                    "summary_ko": p.summary_ko,
                    "summary_en": p.summary_en,
                    "seats": p.seats,
                    "open": p.open,
                    "example": p.example,
                    "source": p.source,
                    "definition": {k: d[k] for k in ("institution", "eligibility", "scoring")},
                },
            )
        Programme.objects.exclude(code__in=[p.code for p in cat.programmes]).update(open=False)
    return {"programmes": len(cat.programmes)}
