from __future__ import annotations

import logging
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from seoul.core import audit, navigation, personal_data, privacy, request_id, selectors
from seoul.core.access import public, require_role, signed_in
from seoul.core.forms import BoundedDateField, TextField
from seoul.core.personal_data import CorePurpose
from seoul.core.roles import Role, Service

log = logging.getLogger("seoul.errors")


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a safe ``next``, staff land on their own worklist (``core/navigation.py``)."""
        return navigation.worklist_url(self.request.user) or super().get_default_redirect_url()


login_view = public(LoginView.as_view())
logout_view = signed_in(require_POST(auth_views.LogoutView.as_view()))
set_language = public(require_POST(django_set_language))


@signed_in
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account.html")


@signed_in
@require_POST
def state_reason(request: HttpRequest) -> HttpResponse:
    """The reason-for-access form posts here (``core.personal_data``)."""
    return personal_data.state_reason(request)


class AuditSearchForm(forms.Form):
    event = forms.ChoiceField(label=gettext_lazy("Event"), required=False)
    actor = TextField(label=gettext_lazy("Who"), required=False, max_length=150)
    target = TextField(label=gettext_lazy("Target"), required=False, max_length=200)
    date_from = BoundedDateField(label=gettext_lazy("From"), required=False)
    date_to = BoundedDateField(label=gettext_lazy("To"), required=False)
    sort = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            ("newest", gettext_lazy("Newest first")),
            ("oldest", gettext_lazy("Oldest first")),
            ("event", gettext_lazy("By event")),
            ("actor", gettext_lazy("By person")),
        ],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["event"].choices = [("", _("All events")), *audit.event_choices()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        d1, d2 = data.get("date_from"), data.get("date_to")
        if isinstance(d1, date) and isinstance(d2, date) and d1 > d2:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


@require_role(Service.CORE, Role.VIEWER)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Search the audit log. It holds personal data (who did what), so a reason is required."""
    reason = personal_data.need_reason(request, "core.audit_log", purposes=CorePurpose, title=_("Audit log"))
    form = AuditSearchForm(request.GET)
    events = selectors.search_audit(request.user, selectors.AuditFilter())  # type: ignore[arg-type]
    if form.is_valid():
        flt = selectors.AuditFilter(**form.cleaned_data)
        events = selectors.search_audit(request.user, flt)  # type: ignore[arg-type]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    # Read the page before recording this search, so the new event cannot shift the slice.
    page.object_list = list(page.object_list)
    audit.record(
        audit.CoreEvent.AUDIT_SEARCHED,
        request=request,
        reason=str(reason),
        new={k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v},
        service="core",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@public
@require_GET
def privacy_policy(request: HttpRequest) -> HttpResponse:
    """What personal data the platform keeps, why, how long and how it is protected; made from
    the apps' retention policies and the platform's settings (``core/privacy.py``)."""
    return render(
        request,
        "core/privacy.html",
        {
            "services": privacy.services(),
            "encrypted": privacy.encrypted_kinds(),
            "audit_days": settings.AUDIT_RETENTION_DAYS,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@public
@require_GET
def copyright_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/copyright.html")


# Error pages. Each has a way back; the 404/403/400/CSRF pages are full pages of the site.


def error_page(request: HttpRequest, status: int, message: str, *, title: str = "", advice: str = "") -> HttpResponse:
    """``core/error.html``: the title and the advice follow the status unless given."""
    context = {"status": status, "title": title, "message": message, "advice": advice}
    return render(request, "core/error.html", context, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(
        request,
        403,
        _("The form was open too long, or it did not come from this site, so it was not sent."),
        title=_("The form has expired"),
        advice=_(
            "Go back, reload the page and send the form again. If this keeps happening, check that your "
            "browser accepts cookies from this site."
        ),
    )


def error_400(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, _("The request was incomplete or malformed, so it could not be handled."))


def error_403(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403, _("You do not have permission to open this page."))


def error_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(
        request, 404, _("There is no page at this address. It may have moved, or the address may be mistyped.")
    )


def error_500(request: HttpRequest) -> HttpResponse:
    """Rendered without a request context: no database, no session, no context processors,
    since any of them may be what failed. The reference is the request's log reference."""
    reference = getattr(request, "request_id", "") or request_id.new()
    log.error("error page shown for %s %s with reference %s", request.method, request.path, reference)
    context = {"reference": reference, "back": navigation.previous_page(request)}
    html = loader.get_template("core/500.html").render(context)
    return HttpResponse(html, status=500)
