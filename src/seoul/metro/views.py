from __future__ import annotations

import functools
from datetime import date
from typing import Any

from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, pagecache
from seoul.core.access import public, require_role, signed_in
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.personal_data import need_reason
from seoul.core.roles import Role, Service
from seoul.metro import actions, rider_pages, selectors
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError
from seoul.metro.engine.network import UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent, MetroPurpose
from seoul.metro.forms import DisputeFilterForm, DisputeForm, FareForm, ResolveForm
from seoul.metro.models import Dispute, Journey, LedgerEntry, LedgerTransaction, Rider, handles_disputes


@functools.cache
def _stations_datalist(lang: str) -> str:
    """The calculator's station suggestions in a page language, the same for everyone: rendered
    once per process and language (the network is reference data shipped with the code, so a new
    network is a new process)."""
    names = ((data.station_name(name, lang),) for name in data.network().names)
    return format_html('<datalist id="stations">{}</datalist>', format_html_join("", '<option value="{}">', names))


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
        {"form": form, "result": result, "stations_datalist": _stations_datalist(get_language() or "ko")},
        status=400 if form.errors else 200,
    )


def _own_rider(request: AuthedRequest) -> Rider:
    """The signed-in person's own rider profile (404 without one)."""
    rider = Rider.objects.filter(user=request.user).first()
    if rider is None:
        raise Http404(MetroError.NO_RIDER.message())
    return rider


def _dispute_form(journey: Journey, data: Any = None) -> DisputeForm:
    """The dispute form of one journey: field ids of their own, so each of the page's forms and
    its error summary point at their own field."""
    return DisputeForm(data, auto_id=f"dispute-{journey.pk}-%s")


def _charged_so_far(rider: Rider) -> int:
    """What the rider's journeys, passes and refunds came to (the ledger without the payments that
    paid for them: a prepaid rider's top-ups are on "My account")."""
    entries = LedgerEntry.objects.filter(account=rider.ledger_account()).exclude(
        transaction__kind__in=[LedgerTransaction.Kind.PAYMENT, LedgerTransaction.Kind.PAYOUT]
    )
    return int(entries.aggregate(s=Sum("amount"))["s"] or 0)


def _journeys_page(
    request: AuthedRequest, rider: Rider, failed: DisputeForm | None = None, key: str = ""
) -> HttpResponse:
    """The rider's journeys page; the dispute view re-renders it with a failed form."""
    journeys = list(selectors.rider_journeys(rider.pk)[:200])
    for j in journeys:
        j.dispute_form = failed if failed is not None and j.key == key else _dispute_form(j)  # type: ignore[attr-defined]
    context = {
        "rider": rider,
        "journeys": journeys,
        "balance": _charged_so_far(rider),
        "form": failed,
        "failed": key,
        **rider_pages.pass_context(rider),
        "months": rider_pages.statement_months(rider),
    }
    return render(request, "metro/my_journeys.html", context, status=form_status(failed) if failed else 200)


@signed_in
@require_GET
def my_journeys(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return _journeys_page(request, rider)


@signed_in
@require_POST
def dispute(request: AuthedRequest, key: str) -> HttpResponse:
    """A rider disputes a charge of one of their own journeys (scoped by their rider profile)."""
    rider = _own_rider(request)
    journey = get_object_or_404(Journey.objects.filter(rider=rider), key=key)
    form = _dispute_form(journey, request.POST)
    back = request.POST.get("back") == "receipt"
    done = form_action(
        request,
        form,
        lambda d: actions.open_dispute(journey, d["reason"], actor=request.user),
        then=reverse("metro:receipt", args=[journey.key]) if back else reverse("metro:my_journeys"),
        success=_("Your dispute was sent. Staff will review it."),
    )
    if done:
        return done
    if back:
        return rider_pages.receipt_page(request, rider, journey, dispute_form=form)
    return _journeys_page(request, rider, failed=form, key=key)


def _month(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise MetroError.PASS_MONTH.error("month") from None


@signed_in
@require_POST
def buy_pass(request: AuthedRequest) -> HttpResponse:
    """Buy a 30-day 기후동행카드 from a first day the rider chooses (today or one of the next days)."""
    rider = _own_rider(request)

    def buy() -> Any:
        first = request.POST.get("first_day") or request.POST.get("month")
        variant = request.POST.get("variant") or "standard"
        return actions.buy_pass(rider, _month(first), actor=request.user, variant=variant)

    return button_action(
        request,
        buy,
        then=reverse("metro:my_journeys") + "#pass-h",
        success=lambda bought: (
            _("Your Climate Card is bought: %(first)s to %(last)s.")
            % {"first": f"{bought.month:%Y-%m-%d}", "last": f"{bought.ends_on:%Y-%m-%d}"}
        ),
    )


def _check_dispute_handler(request: AuthedRequest) -> None:
    """Disputes are handled by Seoul Metro staff (models.handles_disputes); others are refused
    (403, audited as authz.denied by the refusal middleware)."""
    if not handles_disputes(request.user):
        raise MetroError.NOT_METRO_STAFF.denied()


@require_role(Service.METRO, Role.APPROVER)
@require_GET
def disputes(request: AuthedRequest) -> HttpResponse:
    """The dispute worklist: filtered by status, age, amount and station, sorted as asked."""
    _check_dispute_handler(request)
    form = DisputeFilterForm(request.GET or None)
    rows = selectors.disputes(request.user, form.filters())
    template = "metro/_dispute_table.html" if getattr(request, "htmx", False) else "metro/disputes.html"
    return render(request, template, {"disputes": rows, "form": form}, status=form_status(form))


@require_role(Service.METRO, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def dispute_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The page shows a rider's personal data: the reader states why once per dispute per
    session, and every render writes an audit record with that reason."""
    _check_dispute_handler(request)
    item = get_object_or_404(
        Dispute.objects.visible_to(request.user).select_related(
            "journey__entry__gate", "journey__exit__gate", "rider", "resolved_by"
        ),
        pk=pk,
    )
    reason = need_reason(
        request,
        item,
        purposes=MetroPurpose,
        title=_("Fare dispute"),
        back=reverse("metro:dispute_detail", args=[item.pk]),
    )
    form = ResolveForm(request.POST or None, initial={"refund": item.journey.refundable})
    done = form_action(
        request,
        form,
        lambda d: actions.resolve_dispute(item, refund=d["refund"], resolution=d["resolution"], actor=request.user),
        then=reverse("metro:disputes"),
        success=_("Dispute resolved."),
    )
    if done:
        return done
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=item.rider, reason=str(reason), service="metro")
    history = list(selectors.rider_journeys(item.rider_id)[:20])
    return render(
        request,
        "metro/dispute_detail.html",
        {"dispute": item, "form": form, "history": history},
        status=form_status(form),
    )


@require_role(Service.METRO, Role.VIEWER)
@require_GET
def operations(request: AuthedRequest) -> HttpResponse:
    try:
        days = max(1, min(31, int(request.GET.get("days", "7"))))
    except ValueError:
        days = 7
    now = timezone.now()
    revenue = selectors.revenue(days, timezone.localdate())
    return render(
        request,
        "metro/operations.html",
        {
            "days": days,
            "revenue": revenue,
            "gates": selectors.gate_health(24, now),
            "chart": selectors.revenue_chart(revenue["by_day"]),
        },
    )
