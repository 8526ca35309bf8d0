"""Reads of the overseas-sales service. Every record is found through the reader's scope — a
citizen's own applications and what hangs off them, every application for the programme's
officers (``visible_to``); outside it, a 404 that does not say whether the record exists."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.http import Http404

from seoul.overseas.engine import kpis as kpi_rules
from seoul.overseas.engine import reference as ref
from seoul.overseas.models import Application, Listing, Round, SalesLine, SalesUpload, SubsidyClaim

States = Application.States


def current_round() -> Round:
    found = Round.objects.filter(code=ref.programme().round.code).select_related("institution").first()
    if found is None:
        found = Round.objects.select_related("institution").first()
    if found is None:
        raise Http404("no programme round loaded")
    return found


def own_applications(user: Any) -> list[Application]:
    return list(Application.objects.own(user).select_related("round"))


def own_application(user: Any, reference: str) -> Application:
    found: Application | None = (
        Application.objects.own(user).select_related("round").filter(reference=reference).first()
    )
    if found is None:
        raise Http404("no such application")
    return found


def officer_application(user: Any, reference: str) -> Application:
    found: Application | None = (
        Application.objects.visible_to(user).select_related("round").filter(reference=reference).first()
    )
    if found is None:
        raise Http404("no such application")
    return found


def own_listing(user: Any, application: Application, pk: int) -> Listing:
    found = (
        Listing.objects.visible_to(user)
        .filter(pk=pk, product__application=application, product__application__applicant=user)
        .select_related("product__application")
        .first()
    )
    if found is None:
        raise Http404("no such listing")
    return found


def listing(user: Any, pk: int) -> Listing:
    found = Listing.objects.visible_to(user).filter(pk=pk).select_related("product__application__round").first()
    if found is None:
        raise Http404("no such listing")
    return found


def claim(user: Any, reference: str) -> SubsidyClaim:
    found = (
        SubsidyClaim.objects.visible_to(user).filter(reference=reference).select_related("application__round").first()
    )
    if found is None:
        raise Http404("no such claim")
    return found


def listings_of(application: Application) -> list[Listing]:
    return list(
        Listing.objects.filter(product__application=application)
        .select_related("product")
        .prefetch_related("documents")
        .order_by("product__pk", "marketplace")
    )


def uploads_of(application: Application) -> list[SalesUpload]:
    return list(application.sales_uploads.all()[:12])


def current_sales(application: Application) -> list[SalesLine]:
    return list(application.sales_lines.filter(current=True).order_by("-month", "marketplace", "country"))


# ---- the officer's worklist -----------------------------------------------------------------


def to_select(state: str = "", order: str = "score") -> list[Application]:
    qs = Application.objects.select_related("round").annotate(n_products=Count("products"))
    qs = qs.filter(state=state) if state else qs.exclude(state=States.WITHDRAWN)
    ordering = {"score": ["-score", "applied_at"], "applied": ["applied_at"], "name": ["business_name"]}
    return list(qs.order_by(*ordering.get(order, ordering["score"])))


def listings_to_review(marketplace: str = "") -> list[Listing]:
    qs = Listing.objects.filter(state=Listing.States.READY).select_related("product__application")
    if marketplace:
        qs = qs.filter(marketplace=marketplace)
    return list(qs.order_by("updated_at"))


def claims_to_decide(state: str = SubsidyClaim.States.SUBMITTED) -> list[SubsidyClaim]:
    qs = SubsidyClaim.objects.select_related("application")
    if state:
        qs = qs.filter(state=state)
    return list(qs.order_by("claimed_at")[:200])


# ---- KPIs -----------------------------------------------------------------------------------


def kpis(round: Round) -> kpi_rules.Kpis:
    apps = Application.objects.filter(round=round)
    listings = [
        kpi_rules.ListingRow(app_id, market, state == Listing.States.LIVE)
        for app_id, market, state in Listing.objects.filter(product__application__round=round).values_list(
            "product__application_id", "marketplace", "state"
        )
    ]
    sales = [
        kpi_rules.SalesRow(*row)
        for row in SalesLine.objects.filter(application__round=round, current=True).values_list(
            "month", "marketplace", "country", "orders", "net_won"
        )
    ]
    paid = SubsidyClaim.objects.filter(application__round=round, state=SubsidyClaim.States.PAID).aggregate(
        s=Sum("paid_won")
    )["s"]
    return kpi_rules.compute(
        applications=apps.exclude(state=States.WITHDRAWN).count(),
        selected=apps.filter(Q(state=States.SELECTED)).count(),
        listings=listings,
        sales=sales,
        subsidy_paid_won=int(paid or 0),
        subsidy_budget_won=round.subsidy_budget_won,
        marketplaces=[m.code for m in ref.programme().marketplaces],
    )
