"""The fund dashboard's figures from the database (``engine.figures``): committed, invested and
remaining overall and by sector and stage, TVPI and IRR."""

from __future__ import annotations

from datetime import date

from seoul.fund.engine import figures as engine
from seoul.fund.engine.rules import rules
from seoul.fund.models import Application, Decision


def investments(on: date) -> list[engine.Investment]:
    out = []
    decided = Application.objects.filter(decision__outcome=Decision.Outcomes.INVEST).select_related("decision")
    for app in decided.prefetch_related("tranches", "valuations", "distributions"):
        out.append(
            engine.Investment(
                sector=app.sector,
                stage=app.stage,
                committed=app.decision.amount,
                paid=tuple((t.paid_on, float(t.amount)) for t in app.tranches.all() if t.paid_on),
                distributions=tuple((d.on, float(d.amount)) for d in app.distributions.all()),
                valuations=tuple((v.on, float(v.value)) for v in app.valuations.all()),
            )
        )
    return out


def dashboard(on: date) -> engine.Figures:
    fund = rules()
    return engine.figures(
        fund.size,
        investments(on),
        on,
        sectors=[s.code for s in fund.sectors],
        stages=[s.code for s in fund.stages],
    )
