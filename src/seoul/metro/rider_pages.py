"""The rider's own pages (issue 12): signing up with a verified mobile number, "My account"
(balance or what is owed, the card, top-ups, the deny list and paying it, phones and their
tagless tokens, the location consent, notifications), a receipt per journey with the rules that
applied in plain words and the correction of an incomplete journey, the 기후동행카드, and the
monthly statement (CSV and PDF).

Every write goes through the actions (``actions/riders.py``, ``money.py``, ``passes.py``,
``corrections.py``, ``disputes.py``), which check the actor themselves; every object a page
fetches by id or key is looked up through the signed-in rider (a rider only sees their own).
Tagless tokens are shown once, right after they were issued, from the session, and never again.
"""

from __future__ import annotations

import functools
import secrets
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import public, signed_in
from seoul.core.engine.phone import digits
from seoul.core.engine.time import SEOUL
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import PhoneChallenge
from seoul.core.phone import MAX_ATTEMPTS
from seoul.metro import actions, statements
from seoul.metro.actions import money, notify, riders
from seoul.metro.actions.passes import PRODUCT, pass_starts
from seoul.metro.engine import data
from seoul.metro.engine.fares import RULES
from seoul.metro.engine.journeys import service_day, young_adult_band
from seoul.metro.engine.riders import age_on
from seoul.metro.errors import MetroError
from seoul.metro.events import MetroEvent
from seoul.metro.forms import (
    CodeForm,
    CorrectionForm,
    DetailsForm,
    DisputeForm,
    PhoneForm,
    ReplaceDeviceForm,
    TopUpForm,
)
from seoul.metro.models import Consent, DenyListing, Journey, LedgerTransaction, Rider, RiderPass

JOIN = "metro_join"
NEW_TOKEN = "metro_new_token"  # noqa: S105 - a session key
BACKEND = "seoul.core.backends.UserWithRolesBackend"

# Every rule code the fare engine writes into a breakdown (engine/fares.py RULES), said plainly
# to the rider. test_rider_pages checks that none is missing.
RULE_WORDS: dict[str, Any] = {
    "transfer": gettext_lazy(
        "Transfer: you changed lines or vehicles within the time allowed, so the whole trip counts as one "
        "journey with one base fare."
    ),
    "re_entry": gettext_lazy(
        "Free re-entry: you left and came back in at the same station within the time allowed, so you were "
        "not charged again."
    ),
    "over_five_hours": gettext_lazy(
        "You stayed inside the paid area for more than 5 hours, so one extra base fare was added."
    ),
    "same_station": gettext_lazy(
        "You entered and left at the same station, so the base fare was charged (the train was not used for a journey)."
    ),
    # xgettext:no-python-format
    "early_bird": gettext_lazy("Early-bird discount: you entered before 06:30, so the base fare is 20% lower."),
    "free_rider": gettext_lazy("The subway is free for you (your fare category), so nothing was charged."),
    "separate_surcharge": gettext_lazy(
        "You used a separately charged line (the Sinbundang line), which adds its own section charge."
    ),
    "cash_single_ticket": gettext_lazy("Single-journey ticket: the card fare plus 100 won."),
    "maximum_fare": gettext_lazy(
        "We have only one of your taps, so the highest fare from that station was charged. Tell us where you "
        "got on or off and the difference is refunded."
    ),
    "completed_from_pattern": gettext_lazy(
        "A tap was missing; we completed the journey from the trip you usually make."
    ),
    "rider_correction": gettext_lazy("You told us the missing tap; the journey was priced again with it."),
    "pass_covered": gettext_lazy("Covered by your Climate Card: nothing was charged."),
    "outside_pass_coverage": gettext_lazy(
        "Not covered by your Climate Card: the trip starts outside Seoul or uses a separately charged line, so "
        "the regular fare was charged."
    ),
    "fare_cap": gettext_lazy("A daily or monthly fare cap lowered the charge."),
}
assert set(RULE_WORDS) >= set(RULES)  # noqa: S101 - a new engine rule needs words here


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _own_rider(request: AuthedRequest) -> Rider:
    rider = Rider.objects.filter(user=request.user).first()
    if rider is None:
        raise Http404(MetroError.NO_RIDER.message())
    return rider


def masked(number: str) -> str:
    """010-****-5678: enough for the person to recognise their number on a screen."""
    d = digits(number)
    return f"{d[:3]}-****-{d[-4:]}" if len(d) >= 10 else "****"


# --- signing up ---------------------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def join_phone(request: HttpRequest) -> HttpResponse:
    """Step 1: the mobile number; a code is texted to it."""
    if request.user.is_authenticated and Rider.objects.filter(user_id=request.user.pk).exists():
        return redirect("metro:account")
    form = PhoneForm(_posted(request))

    def start(d: dict[str, Any]) -> None:
        challenge = riders.start_phone_check(d["phone"])
        request.session[JOIN] = {"challenge": challenge, "phone": digits(d["phone"])}

    done = form_action(request, form, start, then=reverse("metro:join_code"))
    return done or render(request, "metro/join_phone.html", {"form": form}, status=form_status(form))


def _join(request: HttpRequest) -> dict[str, Any] | None:
    value = request.session.get(JOIN)
    return value if isinstance(value, dict) and value.get("challenge") else None


@public
@require_http_methods(["GET", "POST"])
def join_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the texted code, with the tries left and a way to have it sent again."""
    joining = _join(request)
    if joining is None:
        return redirect("metro:join")
    form = CodeForm(_posted(request), auto_id="id_%s")

    def confirm(d: dict[str, Any]) -> None:
        riders.confirm_phone_check(int(joining["challenge"]), d["code"])
        request.session[JOIN] = {**joining, "verified": True}

    done = form_action(request, form, confirm, then=reverse("metro:join_details"))
    if done:
        return done
    challenge = PhoneChallenge.objects.filter(pk=joining["challenge"]).first()
    left = MAX_ATTEMPTS - challenge.attempts if challenge is not None else 0
    context = {"form": form, "phone": masked(joining["phone"]), "tries_left": max(0, left)}
    return render(request, "metro/join_code.html", context, status=form_status(form))


@public
@require_POST
def join_resend(request: HttpRequest) -> HttpResponse:
    """A new code (a second request within a minute gets the code already on its way)."""
    joining = _join(request)
    if joining is None:
        return redirect("metro:join")

    def resend() -> int:
        challenge = riders.start_phone_check(joining["phone"])
        request.session[JOIN] = {"challenge": challenge, "phone": joining["phone"]}
        return challenge

    return button_action(
        request,
        resend,
        then=reverse("metro:join_code"),
        success=lambda pk: (
            _("We sent a new code to %(phone)s.") % {"phone": masked(joining["phone"])}
            if pk != joining["challenge"]
            else _("The code is on its way; a new code can be sent once a minute.")
        ),
    )


@public
@require_http_methods(["GET", "POST"])
def join_details(request: HttpRequest) -> HttpResponse:
    """Step 3: password, date of birth, how to pay, the terms and the location consent. Then the
    person is signed in and sees their phone's tagless token once."""
    joining = _join(request)
    if joining is None:
        return redirect("metro:join")
    if not joining.get("verified"):
        return redirect("metro:join_code")
    form = DetailsForm(_posted(request))

    def sign_up(d: dict[str, Any]) -> str:
        rider, token = riders.sign_up(
            challenge_id=int(joining["challenge"]),
            password=d["password"],
            birth_date=d["birth_date"],
            accept_terms=d["accept_terms"],
            location_consent=d["location_consent"],
            payment_mode=d["payment_mode"],
        )
        assert rider.user is not None  # noqa: S101 - sign_up makes the user
        request.session.pop(JOIN, None)
        login(request, rider.user, backend=BACKEND)
        request.session[NEW_TOKEN] = {"token": token, "first": True}
        return reverse("metro:join_done")

    done = form_action(request, form, sign_up, then=lambda target: str(target))
    if done:
        return done
    taken = any(e.code == MetroError.PHONE_TAKEN.value for e in form.errors.as_data().get("__all__", []))
    context = {"form": form, "phone": masked(joining["phone"]), "taken": taken}
    return render(request, "metro/join_details.html", context, status=form_status(form))


@signed_in
@require_GET
def new_token(request: AuthedRequest) -> HttpResponse:
    """The tagless token just issued (sign-up, a replaced phone), shown this once."""
    rider = _own_rider(request)
    shown = request.session.pop(NEW_TOKEN, None)
    return render(
        request,
        "metro/token.html",
        {
            "rider": rider,
            "token": shown.get("token") if isinstance(shown, dict) else None,
            "first": isinstance(shown, dict) and shown.get("first"),
        },
    )


# --- my account ---------------------------------------------------------------------------------

REFUSALS: dict[str, Any] = {
    riders.Refusal.NO_LOCATION_CONSENT: gettext_lazy(
        "Tagless gates are off: you have not given the location consent. Give it below, or tap a card."
    ),
    riders.Refusal.DENIED: gettext_lazy("Tagless gates are stopped until the unpaid amount is paid."),
    riders.Refusal.LOW_BALANCE: gettext_lazy(
        "Tagless gates are paused: your balance is below the base fare. Top up to use them again."
    ),
    riders.Refusal.NO_CARD: gettext_lazy("Tagless gates need a payment card: register one below."),
}


def _nonce() -> str:
    return secrets.token_hex(16)


def _account_page(request: AuthedRequest, rider: Rider, top_up: TopUpForm | None = None) -> HttpResponse:
    now = timezone.now()
    postpaid = rider.payment_mode == Rider.PaymentMode.POSTPAID
    listing = DenyListing.objects.filter(rider=rider, cleared_at__isnull=True).select_related("payment").first()
    today = now.astimezone(SEOUL).date()
    refusal = riders.tagless_refusal(rider, now)
    context = {
        "rider": rider,
        "postpaid": postpaid,
        "balance": money.balance(rider),
        "owed": money.outstanding(rider) if postpaid else max(0, -money.balance(rider)),
        "next_settlement": today + timedelta(days=1),
        "today": today,
        "card": money.live_card(rider),
        "listing": listing,
        "refusal": REFUSALS.get(refusal or "", "") if refusal else "",
        "refusal_code": refusal or "",
        "devices": list(rider.devices.filter(revoked_at__isnull=True).order_by("issued_at")),
        "location": riders.live_consent(rider, Consent.Kind.LOCATION),
        "notifications": [
            {"at": n.created_at, "text": notify.wording(n.kind, n.params), "kind": n.kind}
            for n in rider.notifications.order_by("-created_at")[:20]
        ],
        "payments": list(rider.payments.select_related("card").order_by("-created_at")[:10]),
        "top_up": top_up or TopUpForm(initial={"amount": 10_000}),
        "top_up_nonce": _nonce(),  # a new one on every render: a refused top-up is not the next one
        "pay_nonce": _nonce(),
        "form": top_up,
        "phone": masked(rider.user.phone) if rider.user is not None and rider.user.phone else "",
    }
    return render(request, "metro/account.html", context, status=form_status(top_up) if top_up else 200)


@signed_in
@require_GET
def account(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return _account_page(request, rider)


def _account_url(anchor: str = "") -> str:
    return reverse("metro:account") + (f"#{anchor}" if anchor else "")


@signed_in
@require_GET
def card_start(request: AuthedRequest) -> HttpResponse:
    """To the gateway's hosted card page, by a redirect from a GET (the platform's CSP has
    ``form-action 'self'``, which would block a form POST redirected to another origin)."""
    rider = _own_rider(request)
    back = request.build_absolute_uri(reverse("metro:card_return"))
    try:
        url = money.start_card_registration(rider, back, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_account_url("card-h"))
    return HttpResponseRedirect(url)


@signed_in
@require_GET
def card_return(request: AuthedRequest) -> HttpResponse:
    """Where the gateway's page sends the browser back: the result is fetched server-side."""
    rider = _own_rider(request)
    session_id = request.GET.get("session", "")[:100]
    return button_action(
        request,
        lambda: money.finish_card_registration(rider, session_id, actor=request.user),
        then=_account_url("card-h"),
        success=lambda card: (
            _("Your card %(brand)s ····%(last4)s is registered.") % {"brand": card.brand, "last4": card.last4}
        ),
    )


@signed_in
@require_POST
def top_up(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    form = TopUpForm(request.POST)
    done = form_action(
        request,
        form,
        lambda d: money.top_up(rider, d["amount"], d["nonce"], actor=request.user),
        then=_account_url("balance-h"),
        success=lambda p: _("Top-up of %(amount)s won asked from your card.") % {"amount": f"{p.amount:,}"},
    )
    return done or _account_page(request, rider, top_up=form)


@signed_in
@require_POST
def pay_debt(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    nonce = request.POST.get("nonce", "")[:40]
    return button_action(
        request,
        lambda: money.pay_debt(rider, nonce or _nonce(), actor=request.user),
        then=_account_url("balance-h"),
        success=lambda p: _("Payment of %(amount)s won asked from your card.") % {"amount": f"{p.amount:,}"},
    )


@signed_in
@require_POST
def location_consent(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    give = request.POST.get("give") == "1"
    return button_action(
        request,
        lambda: riders.set_location_consent(rider, give, actor=request.user),
        then=_account_url("consent-h"),
        success=_("Location consent given: tagless gates work for you again.")
        if give
        else _("Location consent withdrawn: tagless gates are off for you; tap a card at the gates."),
    )


@signed_in
@require_http_methods(["GET", "POST"])
def replace_device(request: AuthedRequest, pk: int) -> HttpResponse:
    """A lost or replaced phone: its token stops at once and a new one is shown once."""
    rider = _own_rider(request)
    device = get_object_or_404(rider.devices.filter(revoked_at__isnull=True), pk=pk)
    form = ReplaceDeviceForm(_posted(request))

    def replace(d: dict[str, Any]) -> str:
        _new, token = riders.replace_device(rider, device.pk, d["reason"], actor=request.user, label=d["label"])
        request.session[NEW_TOKEN] = {"token": token, "first": False}
        return reverse("metro:new_token")

    done = form_action(
        request,
        form,
        replace,
        then=lambda target: str(target),
        success=_("The old phone's token no longer works."),
    )
    return done or render(
        request, "metro/replace_device.html", {"form": form, "device": device}, status=form_status(form)
    )


# --- journeys: receipts and corrections ------------------------------------------------------


def _journey(rider: Rider, key: str) -> Journey:
    return get_object_or_404(
        Journey.objects.filter(rider=rider).select_related("entry__gate", "exit__gate").prefetch_related("disputes"),
        key=key,
    )


def rules_of(journey: Journey) -> list[str]:
    """The rules that applied to a journey, in plain words of the reader's language."""
    codes = list(dict.fromkeys((journey.breakdown or {}).get("rules", [])))
    return [str(RULE_WORDS[c]) for c in codes if c in RULE_WORDS]


def receipt_page(
    request: AuthedRequest,
    rider: Rider,
    journey: Journey,
    dispute_form: DisputeForm | None = None,
    correction: CorrectionForm | None = None,
) -> HttpResponse:
    refunds = LedgerTransaction.objects.filter(
        rider=rider, journey_key=journey.key, kind=LedgerTransaction.Kind.REFUND
    ).order_by("posted_at")
    incomplete = journey.status in (Journey.Status.NO_EXIT, Journey.Status.NO_ENTRY) and not journey.superseded
    failed = dispute_form if dispute_form is not None and dispute_form.errors else correction
    context = {
        "j": journey,
        "rules": rules_of(journey),
        "refunds": refunds,
        "dispute_form": dispute_form or DisputeForm(auto_id=f"dispute-{journey.pk}-%s"),
        "incomplete": incomplete,
        "correction": correction or (CorrectionForm() if incomplete else None),
        "missing": "exit" if journey.status == Journey.Status.NO_EXIT else "entry",
        "form": failed,
        "stations_datalist": stations_datalist(get_language() or "ko"),
    }
    return render(request, "metro/receipt.html", context, status=form_status(failed) if failed else 200)


@functools.cache
def stations_datalist(lang: str) -> str:
    """The calculator's station suggestions in a page language, the same for everyone: rendered
    once per process and language (the network is reference data shipped with the code, so a new
    network is a new process)."""
    names = ((data.station_name(name, lang),) for name in data.network().names)
    return format_html('<datalist id="stations">{}</datalist>', format_html_join("", '<option value="{}">', names))


@signed_in
@require_GET
def receipt(request: AuthedRequest, key: str) -> HttpResponse:
    rider = _own_rider(request)
    journey = _journey(rider, key)
    audit.record(MetroEvent.RIDER_VIEWED, request=request, target=rider, reason="own account", service="metro")
    return receipt_page(request, rider, journey)


@signed_in
@require_POST
def correct(request: AuthedRequest, key: str) -> HttpResponse:
    rider = _own_rider(request)
    journey = _journey(rider, key)
    form = CorrectionForm(request.POST)
    done = form_action(
        request,
        form,
        lambda d: actions.correct_journey(journey, d["station"], d["at"], actor=request.user),
        then=lambda fixed: reverse("metro:receipt", args=[fixed.key]),
        success=_("Thank you: the journey was priced again with the station you gave."),
    )
    return done or receipt_page(request, rider, journey, correction=form)


# --- 기후동행카드 -----------------------------------------------------------------------------------


def pass_context(rider: Rider) -> dict[str, Any]:
    """What the pass section shows: the rider's passes, what a new one costs and from which days,
    and which passes may be renewed or refunded today."""
    product = data.tariffs().raw["products"][PRODUCT]
    now = timezone.now()
    today = service_day(now)
    passes = list(rider.passes.filter(product=PRODUCT).order_by("-month"))
    current = next((p for p in passes if p.refunded_at is None and p.month <= today <= (p.ends_on or p.month)), None)
    renewable = (
        current is not None
        and current.ends_on is not None
        and (current.ends_on - today).days < product["renew_within_days"]
        and not any(p.month == current.ends_on + timedelta(days=1) for p in passes)
    )
    band = young_adult_band(data.tariffs().raw, today)
    young = rider.birth_date is not None and band is not None and band[0] <= age_on(rider.birth_date, today) <= band[1]
    names = {
        "standard": _("Climate Card"),
        "standard_bike": _("Climate Card with Seoul Bike"),
        "young_adult": _("Climate Card, young adult price"),
        "young_adult_bike": _("Climate Card with Seoul Bike, young adult price"),
    }
    variants = [
        (code, names.get(code, code), spec["price"])
        for code, spec in product["variants"].items()
        if young or not spec.get("young_adult")
    ]
    for p in passes:
        p.name = names.get(p.variant, p.variant)  # type: ignore[attr-defined]
        p.refundable = p.refunded_at is None and (p.ends_on or p.month) >= today  # type: ignore[attr-defined]
        p.in_force = p is current  # type: ignore[attr-defined]
    return {
        "passes": passes,
        "pass_current": current,
        "pass_renewable": renewable,
        "pass_days": product["days"],
        "pass_starts": [] if current is not None else pass_starts(now),
        "pass_variants": variants,
        "pass_refund_fee": product["refund"]["fee"],
    }


@signed_in
@require_POST
def renew_pass(request: AuthedRequest) -> HttpResponse:
    rider = _own_rider(request)
    return button_action(
        request,
        lambda: actions.renew_pass(rider, actor=request.user),
        then=reverse("metro:my_journeys") + "#pass-h",
        success=lambda p: (
            _("Renewed: your next Climate Card runs from %(first)s to %(last)s.")
            % {"first": f"{p.month:%Y-%m-%d}", "last": f"{p.ends_on:%Y-%m-%d}"}
        ),
    )


@signed_in
@require_POST
def refund_pass(request: AuthedRequest, pk: int) -> HttpResponse:
    rider = _own_rider(request)
    bought = get_object_or_404(RiderPass.objects.filter(rider=rider), pk=pk)
    return button_action(
        request,
        lambda: actions.refund_pass(bought, actor=request.user),
        then=reverse("metro:my_journeys") + "#pass-h",
        success=lambda p: _("Your Climate Card is refunded: %(amount)s won.") % {"amount": f"{p.refund:,}"},
    )


# --- monthly statements --------------------------------------------------------------------------


def statement_months(rider: Rider) -> list[date]:
    """The months with anything on the rider's statement, newest first (at most 12)."""
    posted = LedgerTransaction.objects.filter(rider=rider).datetimes("posted_at", "month", order="DESC", tzinfo=SEOUL)
    return [d.date() for d in posted[:12]]


@signed_in
@require_GET
def statement(request: AuthedRequest, month: str, fmt: str) -> HttpResponse:
    """A month's statement (``YYYY-MM``) of the signed-in rider as CSV or PDF: an export of their
    own personal data, audited."""
    rider = _own_rider(request)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None
    if not 2000 <= first.year <= 2100:
        raise Http404
    lines = statements.lines(rider, first)
    audit.record(
        audit.CoreEvent.PERSONAL_DATA_EXPORTED,
        request=request,
        reason="own account",
        target=rider,
        new={"what": "metro statement", "month": f"{first:%Y-%m}", "format": fmt, "rows": len(lines.rows)},
        service="metro",
    )
    if fmt == "csv":
        return statements.csv(lines)
    return statements.pdf(lines)
