"""The cloud standard model: records reachable outside the office under rules per class.

- Outside the office networks (``SEOUL_OFFICE_NETWORKS``) staff open the records service only
  after a second factor (a TOTP code, django-otp) in this session. The authenticator app is set
  up from inside the office, never from outside (a stolen password alone must not enrol one).
- Partly open and closed records are never downloaded: their pages are shown as images with the
  viewer's name, the time and their institution drawn into the pixels. Open records may also be
  downloaded as the signed archive copy. Every page shown and every download is audited.
- A share link shows one registered record, view-only, to the staff of another institution
  until it expires or is withdrawn; every view through it is audited.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from seoul.core import audit
from seoul.core.access import require_role, signed_in
from seoul.core.audit import client_ip
from seoul.core.errors import Refused
from seoul.core.flow import button_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import Institution, User
from seoul.core.personal_data import stated
from seoul.core.roles import Role, Service
from seoul.core.templatetags.seoul import loc
from seoul.records import selectors
from seoul.records.actions import sharing
from seoul.records.engine import viewer
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.forms import CodeForm, ShareForm
from seoul.records.models import Record, ShareLink, StoredFile
from seoul.records.storage import storage

PERSONAL_INFORMATION = 6  # 정보공개법 §9① 제6호: the record holds personal information
DEVICE_NAME = "records"
SHARES_SESSION_KEY = "records_shares"
SHARE_MADE_SESSION_KEY = "records_share_made"  # record id -> the new link, until shown once

View = TypeVar("View", bound=Callable[..., Any])


@functools.cache
def _office_networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def in_office(request: HttpRequest) -> bool:
    """Whether the request comes from one of the office networks."""
    ip = client_ip(request)
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _office_networks(tuple(settings.SEOUL_OFFICE_NETWORKS)))


def may_enrol(request: AuthedRequest) -> bool:
    """Whether to offer a staff member in the office to set up the authenticator app (they have
    none yet, and it can be set up only from here)."""
    user = request.user
    return (
        user.kind == User.Kind.STAFF
        and in_office(request)
        and not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    )


def needs_second_factor(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_authenticated and not in_office(request) and not user.is_verified())


def outside_needs_second_factor(view: View) -> View:
    """Outside the office, the view opens only after a second factor in this session."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if needs_second_factor(request):
            target = request.get_full_path() if request.method == "GET" else reverse("records:home")
            return redirect(f"{reverse('records:second_factor')}?{urlencode({'next': target})}")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("records:home")


def _qr_svg(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1d1d1d", light="#ffffff"))


def _secret_groups(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@signed_in
@require_http_methods(["GET", "POST"])
def second_factor(request: AuthedRequest) -> HttpResponse:
    """The code from the authenticator app; from the office, setting the app up the first time."""
    user = request.user
    if user.kind != User.Kind.STAFF:
        return render(
            request, "core/error.html", {"status": 403, "message": _("This page is for institution staff.")}, status=403
        )
    then = _next(request)
    office = in_office(request)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        if not office:
            return render(request, "records/second_factor.html", {"outside_unenrolled": True, "next": then}, status=403)
        device, _created = TOTPDevice.objects.get_or_create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            with transaction.atomic():
                if enrolling:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    audit.record(RecordsEvent.SECOND_FACTOR_ENROLLED, target=user, actor=user)
                audit.record(RecordsEvent.SECOND_FACTOR_PASSED, target=user, actor=user, new={"office": office})
            otp_login(request, device)
            return redirect(then)
        audit.record(RecordsEvent.SECOND_FACTOR_FAILED, target=user, actor=user)
        # django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s...): say so once it matters
        form.add_error(
            "code",
            _("That code is not the one your app shows now.")
            if device.throttling_failure_count < 3
            else _("Too many wrong codes: wait a few seconds and try again."),
        )
    context: dict[str, Any] = {"form": form, "next": then, "enrolling": enrolling, "office": office}
    if enrolling:
        context |= {"qr": _qr_svg(device), "secret": _secret_groups(device)}
    return render(request, "records/second_factor.html", context, status=form_status(form))


# ---- pages as watermarked images, downloads ------------------------------------------------------


def _watermark_lines(user: User) -> list[str]:
    name = f"{user.display_name} ({user.username})" if user.display_name else user.username
    institution = loc(user.institution, "name") if user.institution else _("no institution")
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
    return [name, when, institution]


def _archive(record: Record) -> StoredFile | None:
    return record.files.filter(role=StoredFile.Role.ARCHIVE, destroyed_at__isnull=True).first()


def _page_response(request: HttpRequest, record: Record, number: int) -> HttpResponse:
    archive = _archive(record)
    if archive is None:
        return HttpResponse(status=404)
    with storage().open(archive.key) as fh:
        data = fh.read()
    try:
        png = viewer.page_png(data, number, _watermark_lines(request.user))  # type: ignore[arg-type]
    except viewer.PageNotFound:
        return HttpResponse(status=404)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="page-{number}.png"'
    return response


@require_role(Service.RECORDS, Role.VIEWER)
@outside_needs_second_factor
@require_GET
def page(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """One page of a record the reader may see, as a watermarked image (audited)."""
    found = selectors.record(request.user, pk)
    reason = ""
    if PERSONAL_INFORMATION in (found.exemptions or []):
        stated_reason = stated(request, found)
        if stated_reason is None:  # the record page asks for it first; an image cannot
            return HttpResponse(status=403)
        reason = str(stated_reason)
    audit.record(RecordsEvent.PAGE_VIEWED, target=found, new={"page": number}, reason=reason, actor=request.user)
    return _page_response(request, found, number)


@require_role(Service.RECORDS, Role.VIEWER)
@outside_needs_second_factor
@require_GET
def download(request: AuthedRequest, pk: int) -> HttpResponse | FileResponse:
    """The signed archive copy of an open record (audited); other classes are never downloaded."""
    found = selectors.record(request.user, pk)
    archive = _archive(found)
    if found.status != Record.Status.REGISTERED or archive is None:
        return HttpResponse(status=404)
    if found.restricted:
        raise RecordsError.NO_DOWNLOAD.denied()
    audit.record(RecordsEvent.DOWNLOADED, target=found, new={"file": archive.key}, actor=request.user)
    name = f"{found.registration_number or found.pk}.pdf"
    return FileResponse(storage().open(archive.key), as_attachment=True, filename=name, content_type="application/pdf")


# ---- share links ---------------------------------------------------------------------------------


def share_form(user: User, data: Any = None) -> ShareForm:
    institutions = Institution.objects.exclude(pk=user.institution_id or 0).order_by("name_ko")
    return ShareForm(
        data,
        institutions=[(i.pk, loc(i, "name")) for i in institutions],
        longest=settings.SEOUL_RECORDS_SHARE_MAX_DAYS,
        prefix="share",  # the record page may also hold the correction form, with its own reason
    )


@require_role(Service.RECORDS, Role.OPERATOR)
@outside_needs_second_factor
@require_POST
def revoke(request: AuthedRequest, pk: int, link: int) -> HttpResponse:
    found = selectors.record(request.user, pk)
    link_row = get_object_or_404(found.share_links, pk=link)
    then = f"{reverse('records:record', args=[found.pk])}#share-h"
    return button_action(
        request,
        lambda: sharing.revoke(link_row, actor=request.user),
        then=then,
        success=_("The link is withdrawn: it no longer opens."),
    )


def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    status = 410 if exc.code == RecordsError.SHARE_GONE.value else 403
    return render(request, "core/error.html", {"status": status, "message": str(exc)}, status=status)


@signed_in
@outside_needs_second_factor
@require_GET
def shared_open(request: AuthedRequest) -> HttpResponse:
    """The link as sent (``?t=token``): checked, remembered in this session, then shown under the
    link's number so the token stays out of the address bar, the history and the audit routes."""
    try:
        link = sharing.opened(request.GET.get("t", ""), request.user)
    except Refused as exc:
        return _refused(request, exc)
    request.session[SHARES_SESSION_KEY] = sorted({*request.session.get(SHARES_SESSION_KEY, []), link.pk})
    return redirect("records:shared", link=link.pk)


def _session_link(request: AuthedRequest, link: int, *, page: int | None) -> ShareLink:
    row = ShareLink.objects.filter(pk=link).first()  # for the audit; the reader sees it only below
    if row is None or link not in request.session.get(SHARES_SESSION_KEY, []):  # not opened here
        sharing.refuse(row, request.user, "not_opened", number=link)
        raise RecordsError.SHARE_GONE.denied()  # the same answer whether the number exists or not
    return sharing.reopened(row, request.user, page=page)


@signed_in
@outside_needs_second_factor
@require_GET
def shared(request: AuthedRequest, link: int) -> HttpResponse:
    try:
        row = _session_link(request, link, page=None)
    except Refused as exc:
        return _refused(request, exc)
    record = row.record
    return render(
        request,
        "records/shared.html",
        {"link": row, "record": record, "numbers": range(1, record.pages + 1)},
    )


@signed_in
@outside_needs_second_factor
@require_GET
def shared_page(request: AuthedRequest, link: int, number: int) -> HttpResponse:
    try:
        row = _session_link(request, link, page=number)
    except Refused:
        return HttpResponse(status=410)
    return _page_response(request, row.record, number)
