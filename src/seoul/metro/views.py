from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, pagecache
from seoul.core.access import ask_reason, personal_data_reason, public, require_role, signed_in
from seoul.core.roles import Role, Service
from seoul.metro import actions, selectors
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError
from seoul.metro.engine.network import UnknownStation
from seoul.metro.events import MetroEvent
from seoul.metro.forms import DisputeForm, FareForm, ResolveForm
from seoul.metro.models import Dispute, Journey


@functools.cache
def _stations_datalist() -> str:
    """The calculator's station suggestions, the same for everyone: rendered once per process
    (the network is reference data shipped with the code, so a new network is a new process)."""
    options = format_html_join("", '<option value="{}">', ((name,) for name in data.network().names))
    return format_html('<datalist id="stations">{}</datalist>', options)


def _empty_calculator_key(request: HttpRequest) -> tuple[()] | None:
    """The calculator without a question is one page for every anonymous visitor; an answer
    is computed per request."""
    return None if request.GET else ()


@public
@require_GET
@pagecache.anonymous_page(_empty_calculator_key)
def fare(request: HttpRequest) -> HttpResponse:
    """Fare calculator for everyone: the same engine as the gates, with its breakdown."""
    # A link with only the two stations prices an adult card journey, as the API does.
    form = FareForm({"card": "adult", "payment": "card", **request.GET.dict()} if request.GET else None)
    result = None
    if request.GET and form.is_valid():
        d = form.cleaned_data
        lines = frozenset({"SBD"}) if d["sinbundang"] else frozenset()
        try:
            result = data.subway_fare(
                d["origin"], d["destination"], category=d["card"], payment=d["payment"], at=form.boarding(), lines=lines
            )
        except UnknownStation as exc:
            field = "origin" if exc.name == d["origin"].strip() else "destination"
            form.add_error(
                field, _("Unknown station. Did you mean: %(names)s?") % {"names": ", ".join(exc.suggestions)}
            )
        except FareError as exc:
            form.add_error("at", str(exc))
    return render(
        request,
        "metro/fare.html",
        {"form": form, "result": result, "stations_datalist": _stations_datalist()},
        status=400 if form.errors else 200,
    )


def _rider_or_404(request: HttpRequest) -> Any:
    rider = getattr(request.user, "rider", None)
    if rider is None:
        raise Http404(_("This account has no metro rider profile."))
    return rider


def _journeys_page(request: HttpRequest, rider: Any, status: int = 200, **extra: Any) -> HttpResponse:
    """The rider's journeys page; the dispute view re-renders it with a failed form."""
    this_month = timezone.localdate().replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    owned = set(rider.passes.values_list("month", flat=True))
    context = {
        "rider": rider,
        "journeys": list(selectors.rider_journeys(rider.pk)[:200]),
        "balance": selectors.rider_balance(rider.account),
        "form": DisputeForm(),
        "pass_price": data.tariffs().raw["products"]["climate_card"]["price"],
        "pass_months": [(m, m in owned) for m in (this_month, next_month)],
        **extra,
    }
    return render(request, "metro/my_journeys.html", context, status=status)


@signed_in
@require_GET
def my_journeys(request: HttpRequest) -> HttpResponse:
    rider = _rider_or_404(request)
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return _journeys_page(request, rider)


@signed_in
@require_POST
def dispute(request: HttpRequest, key: str) -> HttpResponse:
    rider = _rider_or_404(request)
    journey = get_object_or_404(Journey, key=key, rider=rider)
    form = DisputeForm(request.POST)
    if form.is_valid():
        try:
            actions.open_dispute(request.user, journey, form.cleaned_data["reason"])  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
        else:
            messages.success(request, _("Your dispute was sent. Staff will review it."))
            return redirect("metro:my_journeys")
    return _journeys_page(request, rider, status=400, form=form, failed=key)


@signed_in
@require_POST
def buy_pass(request: HttpRequest) -> HttpResponse:
    """Buy the 기후동행카드 for this month or the next (Seoul time)."""
    rider = _rider_or_404(request)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    next_month = (this_month + timedelta(days=32)).replace(day=1)
    choice = request.POST.get("month")
    months = {this_month.isoformat(): this_month, next_month.isoformat(): next_month}
    if choice not in months:
        messages.error(request, _("Choose this month or the next."))
        return redirect("metro:my_journeys")
    actions.buy_pass(request.user, rider, months[choice])  # type: ignore[arg-type]
    messages.success(request, _("Your Climate Card for %(month)s is active.") % {"month": choice[:7]})
    return redirect("metro:my_journeys")


@require_role(Service.METRO, Role.APPROVER)
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    return render(request, "metro/disputes.html", {"disputes": selectors.open_disputes()})


@require_role(Service.METRO, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The page shows a rider's personal data: every render needs a stated reason (kept in the
    query string, which the resolve form posts back to) and writes an audit record."""
    item = get_object_or_404(
        Dispute.objects.select_related("journey__entry__gate", "journey__exit__gate", "rider"), pk=pk
    )
    reason = personal_data_reason(request)
    if reason is None:
        return ask_reason(request, _("Fare dispute"))
    form = ResolveForm(request.POST or None, initial={"refund": item.journey.refundable})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.resolve_dispute(
                    request.user,  # type: ignore[arg-type]
                    item,
                    refund=form.cleaned_data["refund"],
                    resolution=form.cleaned_data["resolution"],
                )
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("Dispute resolved."))
                return redirect("metro:disputes")
        status = 400
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=item.rider, reason=reason, service="metro")
    history = list(selectors.rider_journeys(item.rider_id)[:20])
    return render(
        request, "metro/dispute_detail.html", {"dispute": item, "form": form, "history": history}, status=status
    )


@require_role(Service.METRO, Role.VIEWER)
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    try:
        days = max(1, min(31, int(request.GET.get("days", "7"))))
    except ValueError:
        days = 7
    now = timezone.now()
    data = selectors.revenue(days, timezone.localdate())
    chart = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Charged revenue per day"),
        "width": "container",
        "height": 200,
        # one bar per day, labelled MM-DD (reads the same in every language, no empty next day)
        "data": {"values": [{"day": r["day"].strftime("%m-%d"), "won": r["won"] or 0} for r in data["by_day"]]},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {"field": "day", "type": "ordinal", "sort": None, "title": None, "axis": {"labelAngle": 0}},
            "y": {"field": "won", "type": "quantitative", "title": _("Won")},
        },
    }
    return render(
        request,
        "metro/operations.html",
        {"days": days, "revenue": data, "gates": selectors.gate_health(24, now), "chart": chart},
    )
