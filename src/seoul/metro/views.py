from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit, pagecache
from seoul.core.access import public, require_role, signed_in
from seoul.core.engine.time import SEOUL
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.personal_data import need_reason
from seoul.core.roles import Role, Service
from seoul.metro import actions, rider_pages, selectors
from seoul.metro.engine import data
from seoul.metro.engine.congestion import baseline as congestion_baseline
from seoul.metro.engine.congestion.board import PlatformError
from seoul.metro.engine.fares import FareError
from seoul.metro.engine.network import UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent, MetroPurpose
from seoul.metro.forms import (
    CongestionForm,
    DeviceStopForm,
    DisputeFilterForm,
    DisputeForm,
    FareForm,
    FindingForm,
    ResolveForm,
    SensorDeviceForm,
    WorkOrderFilterForm,
)
from seoul.metro.models import (
    OPERATOR_INSTITUTION,
    Asset,
    Dispute,
    Journey,
    LedgerEntry,
    LedgerTransaction,
    Rider,
    SensorDevice,
    WorkOrder,
    handles_disputes,
    maintains_trains,
)


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
        {"form": form, "result": result, "stations_datalist": rider_pages.stations_datalist(get_language() or "ko")},
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


# --- operator reports (docs/metro-riders.md "Operator reports") ------------------------------


def _check_operator_staff(request: AuthedRequest) -> None:
    """The reports show Seoul Metro's money: staff of 서울교통공사 holding a metro role of viewer
    or above, and platform admins; a metro role held in another institution is refused (403,
    audited as authz.denied by the refusal middleware)."""
    user = request.user
    if user.is_platform_admin:
        return
    if user.institution is None or user.institution.code != OPERATOR_INSTITUTION:
        raise MetroError.NOT_OPERATOR_STAFF.denied()


def _report_exports(found: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each table of the reports page as (header, rows) for its CSV, in the page's language."""
    from seoul.metro.reports import outcome_labels

    labels = outcome_labels()
    incomplete_head = [
        _("No exit"),
        _("No entry"),
        labels["pattern"],
        labels["maximum"],
        _("Maximum fares charged (won)"),
        labels["late_tap"],
        labels["correction"],
        _("Dispute refunds"),
        _("Dispute refunds (won)"),
        _("Automatic refunds"),
        _("Automatic refunds (won)"),
    ]

    def incomplete_cells(r: dict[str, Any]) -> list[Any]:
        keys = ["no_exit", "no_entry", "pattern", "maximum", "maximum_won", "late_tap", "correction"]
        keys += ["dispute_refunds", "dispute_won", "automatic_refunds", "automatic_won"]
        return [r[k] for k in keys]

    lang = get_language() or "ko"
    inc = found["incomplete"]
    money_keys = ["asked", "captured", "declined", "pending", "top_ups", "debts", "payouts"]
    money_head = [
        _("Settlements asked"),
        _("Captured"),
        _("Declined"),
        _("Pending"),
        _("Top-ups"),
        _("Debt payments"),
        _("Refunds to cards"),
    ]
    return {
        "incomplete-stations": (
            [_("Line"), _("Station"), *incomplete_head],
            [[r["line_name"], data.station_name(r["station"], lang), *incomplete_cells(r)] for r in inc["by_station"]],
        ),
        "incomplete-lines": (
            [_("Line"), *incomplete_head],
            [[r["line_name"], *incomplete_cells(r)] for r in inc["by_line"]],
        ),
        "settlement": (
            [_("Day"), *[h for head in money_head for h in (head, f"{head} ({_('won')})")]],
            [
                [r["day"].isoformat(), *[v for k in money_keys for v in (r[k], r[f"{k}_won"])]]
                for r in found["settlement"]
            ],
        ),
        "deny-list": (
            [_("Day"), _("Listed"), _("Cleared"), _("Open at the end of the day")],
            [[r["day"].isoformat(), r["listed"], r["cleared"], r["open"]] for r in found["deny_list"]["by_day"]],
        ),
        "reconciliation": (
            [_("Day"), _("Difference"), _("Movement"), _("Gateway id"), _("Ledger (won)"), _("Gateway (won)")],
            [
                [
                    run["day"].isoformat(),
                    d["kind_label"],
                    d["purpose_label"],
                    d["gateway_id"],
                    d["ledger"],
                    d["gateway"],
                ]
                for run in found["reconciliations"]
                for d in run["differences"]
            ],
        ),
    }


@require_role(Service.METRO, Role.VIEWER)
@require_GET
def reports(request: AuthedRequest) -> HttpResponse:
    """Incomplete journeys and refunds per station and line, settlement totals, the deny list
    and the gateway reconciliation over a period: aggregates, no rider named. ``?export=<table>``
    gives one table as CSV; the reconciliation's (gateway ids of movements) is audited."""
    from seoul.core.exports import csv_response
    from seoul.metro import reports as metro_reports
    from seoul.metro.forms import ReportFilterForm

    _check_operator_staff(request)
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    found = metro_reports.report(filters)
    table = request.GET.get("export")
    if table:
        exports = _report_exports(found)
        if table not in exports:
            raise Http404(table)
        header, rows = exports[table]
        if table == "reconciliation":
            audit.record(
                MetroEvent.REPORT_EXPORTED,
                request=request,
                target_type="metro.report",
                target_id=table,
                new={
                    "table": table,
                    "start": filters.start.isoformat(),
                    "end": filters.end.isoformat(),
                    "rows": len(rows),
                },
                service="metro",
            )
        line = f"-line{filters.line}" if filters.line else ""
        return csv_response(f"seoul-metro-{table}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{line}", header, rows)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "metro/reports.html",
        {
            "form": form,
            "filters": filters,
            "report": found,
            "labels": metro_reports.outcome_labels(),
            "chart": metro_reports.incomplete_chart(found["incomplete"]["by_line"]),
            "query": query.urlencode(),
            "differences": [d for run in found["reconciliations"] for d in run["differences"]],
        },
        status=form_status(form),
    )


# --- smart train maintenance (docs/metro-maintenance.md) ----------------------------------------


def _check_maintenance_staff(request: AuthedRequest) -> None:
    """Trains and track are Seoul Metro's: its staff with a metro role, and platform admins."""
    if not maintains_trains(request.user):
        raise MetroError.NOT_MAINTENANCE_STAFF.denied()


@require_role(Service.METRO, Role.VIEWER)
@require_GET
def maintenance(request: AuthedRequest) -> HttpResponse:
    """The maintenance worklist: work orders from sensor alerts, filtered and sorted as asked."""
    _check_maintenance_staff(request)
    form = WorkOrderFilterForm(request.GET or None)
    rows = selectors.work_orders(request.user, form.filters())[:500]
    template = "metro/_work_order_table.html" if getattr(request, "htmx", False) else "metro/maintenance.html"
    return render(request, template, {"orders": rows, "form": form, "now": timezone.now()}, status=form_status(form))


def _order(request: AuthedRequest, pk: int) -> WorkOrder:
    _check_maintenance_staff(request)
    return get_object_or_404(WorkOrder.objects.visible_to(request.user).select_related("asset", "sensor__asset"), pk=pk)


@require_role(Service.METRO, Role.VIEWER)
@require_http_methods(["GET", "POST"])
def work_order(request: AuthedRequest, pk: int) -> HttpResponse:
    """One work order: why it was opened (the signal around the alert), its history, and the
    next step for staff who may act (operators): acknowledge, inspect, record the finding."""
    order = _order(request, pk)
    form = FindingForm(request.POST or None)
    done = form_action(
        request,
        form,
        lambda d: actions.close_order(order, finding=d["finding"], note=d["note"], actor=request.user),
        then=reverse("metro:work_order", args=[order.pk]),
        success=_("Finding recorded; the work order is closed."),
    )
    if done:
        return done
    threshold = actions.maintenance.detector_settings(order.sensor).alert_at
    points = selectors.order_signal(order)
    return render(
        request,
        "metro/work_order.html",
        {
            "order": order,
            "form": form,
            "points": points,
            "chart": selectors.signal_chart(order, points, threshold),
            "events": list(order.events.select_related("actor")),
            "may_act": maintains_trains(request.user, role=Role.OPERATOR),
            "now": timezone.now(),
        },
        status=form_status(form),
    )


@require_role(Service.METRO, Role.OPERATOR)
@require_POST
def work_order_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    """The buttons of a work order: acknowledge it, or start the inspection."""
    order = _order(request, pk)
    steps = {
        "acknowledge": (actions.acknowledge, _("Acknowledged: the order is yours to inspect.")),
        "inspect": (actions.start_inspection, _("Inspection started.")),
    }
    if step not in steps:
        raise Http404
    run, success = steps[step]
    back = reverse("metro:work_order", args=[order.pk])
    return button_action(request, lambda: run(order, actor=request.user), then=back, success=success)


def _asset(request: AuthedRequest, code: str) -> Asset:
    _check_maintenance_staff(request)
    return get_object_or_404(Asset.objects.visible_to(request.user), code=code)


def _asset_page(
    request: AuthedRequest,
    item: Asset,
    *,
    add_form: SensorDeviceForm | None = None,
    stop_form: DeviceStopForm | None = None,
    stopping: int | None = None,
) -> HttpResponse:
    history = selectors.asset_history(item)
    charts = []
    for order in history["orders"]:
        threshold = actions.maintenance.detector_settings(order.sensor).alert_at
        chart = selectors.signal_chart(order, selectors.order_signal(order), threshold)
        charts.append((order, chart, f"chart-order-{order.pk}"))
    failed = (add_form is not None and add_form.errors) or (stop_form is not None and stop_form.errors)
    orphan = None  # a refused stop of a device whose row has no form any more (already stopped)
    for device in history["devices"]:  # each row's own form, so its field ids are its own
        device.stop_form = stop_form if stopping == device.pk else DeviceStopForm(prefix=f"device-{device.pk}")
        if stopping == device.pk and device.revoked_at is not None:
            orphan = stop_form
    context = {
        "asset": item,
        "history": history,
        "charts": charts,
        "may_manage": maintains_trains(request.user, role=Role.ADMIN),
        "add_form": add_form or SensorDeviceForm(),
        "stopping": stopping,
        "stop_refused": orphan,
    }
    return render(request, "metro/asset.html", context, status=400 if failed else 200)


@require_role(Service.METRO, Role.VIEWER)
@require_GET
def asset(request: AuthedRequest, code: str) -> HttpResponse:
    """An asset's history: its parts, sensors and sensor devices, and every recent alert with
    its signal and finding. Admins register devices and stop or renew their tokens here."""
    return _asset_page(request, _asset(request, code))


DEVICE_TOKEN = "metro_sensor_device_token"  # noqa: S105 - a session key


def _show_token(request: AuthedRequest, device: SensorDevice, token: str) -> str:
    """Keep the new token for the one page that shows it (after the redirect, then gone)."""
    request.session[DEVICE_TOKEN] = {"device": device.pk, "token": token}
    return reverse("metro:sensor_device_token", args=[device.pk])


@require_role(Service.METRO, Role.ADMIN)
@require_POST
def asset_device_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Register a sensor device on this asset; its token is shown once on the next page."""
    item = _asset(request, code)
    form = SensorDeviceForm(request.POST)

    def register(d: dict[str, Any]) -> str:
        device, token = actions.register_device(item, d["name"], actor=request.user)
        return _show_token(request, device, token)

    done = form_action(request, form, register, then=lambda target: str(target))
    return done or _asset_page(request, item, add_form=form)


def _device(request: AuthedRequest, pk: int) -> SensorDevice:
    _check_maintenance_staff(request)
    return get_object_or_404(
        SensorDevice.objects.filter(asset__in=Asset.objects.visible_to(request.user)).select_related("asset"), pk=pk
    )


@require_role(Service.METRO, Role.ADMIN)
@require_POST
def sensor_device_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    """Stop a device's token (with the reason) or give it a new one (shown once)."""
    device = _device(request, pk)
    back = reverse("metro:asset", args=[device.asset.code])
    if step == "reissue":
        return button_action(
            request,
            lambda: _show_token(request, device, actions.reissue_device_token(device, actor=request.user)),
            then=lambda target: str(target),
            back=back,
        )
    if step != "stop":
        raise Http404
    form = DeviceStopForm(request.POST, prefix=f"device-{device.pk}")
    done = form_action(
        request,
        form,
        lambda d: actions.revoke_device(device, reason=d["reason"], actor=request.user),
        then=back + f"#device-{device.pk}",
        success=_("The device's token is stopped: its readings are refused from now on."),
    )
    return done or _asset_page(request, device.asset, stop_form=form, stopping=device.pk)


@require_role(Service.METRO, Role.ADMIN)
@require_GET
def sensor_device_token(request: AuthedRequest, pk: int) -> HttpResponse:
    """The token just issued to a sensor device, shown this once (never cached)."""
    device = _device(request, pk)
    shown = request.session.pop(DEVICE_TOKEN, None)
    token = shown.get("token") if isinstance(shown, dict) and shown.get("device") == device.pk else None
    response = render(request, "metro/sensor_device_token.html", {"device": device, "token": token})
    response["Cache-Control"] = "private, no-store"
    return response


# --- per-car congestion (docs/metro-congestion.md) ----------------------------------------------


def _platform_error(form: CongestionForm, exc: PlatformError) -> None:
    """The engine's refusal as the page's words, on the field it is about."""
    lang = get_language() or "ko"
    if exc.field == "station":
        form.add_error("station", _("Seoul Metro publishes congestion for lines 1 to 8; this station has none."))
    elif exc.field == "line":
        lines = ", ".join(data.line_name(code, lang) for code in exc.suggestions)
        form.add_error("line", _("This station is on %(lines)s: choose the line.") % {"lines": lines})
    else:
        form.add_error("direction", _("Choose where the train goes from the list below."))


def _congestion_context(
    request: HttpRequest, *, trains: int = 3, summary: bool = True
) -> tuple[CongestionForm, dict[str, Any]]:
    """The form and, for a platform it names, the next ``trains`` trains, the platforms to choose
    from and (with ``summary``) the station's published day."""
    form = CongestionForm(request.GET or None)
    found: dict[str, Any] = {
        "stations_datalist": rider_pages.stations_datalist(get_language() or "ko"),
        "open_data_day": selectors.yesterday_with_measurements(timezone.now()),
    }
    if not request.GET or not form.is_valid():
        return form, found
    d = form.cleaned_data
    found["choices"] = selectors.platform_choices(d["station"])
    if not found["choices"]:
        form.add_error("station", _("Seoul Metro publishes congestion for lines 1 to 8; this station has none."))
        return form, found
    if not d["direction"]:
        return form, found
    try:
        platform = selectors.find_platform(d["station"], d["direction"], d["line"] or None)
        board = selectors.congestion_board(platform, timezone.now(), trains)
    except PlatformError as exc:
        _platform_error(form, exc)
        return form, found
    except ValueError:
        form.add_error(None, _("There is no forecast for today's date yet."))
        return form, found
    found |= {
        "platform": platform,
        "board": board,
        "display_query": urlencode({"station": platform.station, "direction": d["direction"], "line": platform.line}),
    }
    if summary:
        day = selectors.station_summary(platform, date.fromisoformat(board["service_day"]))
        found |= {"summary": day, "chart": selectors.summary_chart(day, board["slot"])}
    return form, found


@public
@require_GET
def congestion(request: HttpRequest) -> HttpResponse:
    """For riders: how full each car of the next trains will be, and the station's usual day."""
    form, found = _congestion_context(request)
    return render(request, "metro/congestion.html", {"form": form, **found}, status=form_status(form))


@public
@require_GET
def congestion_display(request: HttpRequest) -> HttpResponse:
    """The platform display (a kiosk screen above the platform): one bar per car of the next
    two trains, read from 5 m, refreshed every 20 seconds without reloading the page."""
    form, found = _congestion_context(request, trains=2, summary=False)
    try:  # a screen may refresh more or less often (5 s to 2 min); 20 s by default
        found["refresh"] = max(5, min(120, int(request.GET.get("refresh", "20"))))
    except ValueError:
        found["refresh"] = 20
    template = "metro/_display_board.html" if getattr(request, "htmx", False) else "metro/congestion_display.html"
    return render(request, template, {"form": form, **found}, status=form_status(form))


@public
@require_GET
def congestion_csv(request: HttpRequest, day: str) -> HttpResponse:
    """Open data: a past service day's measured congestion per station, direction, half-hour and
    car (counts only), as Seoul Metro publishes its own table. Written once per day and kept."""
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    today = congestion_baseline.service_day(timezone.now().astimezone(SEOUL))
    if wanted >= today:
        raise Http404(_("A day's measured congestion is published once the day's service has ended."))
    body = selectors.measured_csv(wanted)
    if body is None:
        raise Http404(_("No measured congestion was stored for that day."))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seoul-metro-congestion-{wanted.isoformat()}.csv"'
    return response
