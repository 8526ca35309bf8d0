"""Pages for requests for information (정보공개 청구): the citizen's requests and their files,
and the department's worklist with the decision page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from seoul.core import audit
from seoul.core.access import require_role, signed_in
from seoul.core.flow import form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.personal_data import need_reason
from seoul.core.roles import Role, Service
from seoul.records import selectors
from seoul.records.actions import requests as actions
from seoul.records.cloud import outside_needs_second_factor
from seoul.records.engine import requests as rules
from seoul.records.events import RecordsEvent, RecordsPurpose
from seoul.records.forms import ExtendForm, RequestDecisionForm, RequestForm
from seoul.records.models import Department, DisclosureRequest, departments_of


def _citizen_only(request: AuthedRequest) -> HttpResponse | None:
    if request.user.kind == User.Kind.CITIZEN:
        return None
    message = _("Requests for information are made from a citizen's account.")
    return render(request, "core/error.html", {"status": 403, "message": message}, status=403)


@signed_in
@require_http_methods(["GET", "POST"])
def mine(request: AuthedRequest) -> HttpResponse:
    """A citizen's requests, and a new one."""
    refused = _citizen_only(request)
    if refused:
        return refused
    form = RequestForm(
        request.POST or None, departments=selectors.department_choices(Department.objects.order_by("code"))
    )
    done = form_action(
        request,
        form,
        lambda d: actions.file_request(
            request.user,
            get_object_or_404(Department, code=d["department"]),
            content=d["content"],
            purpose=d["purpose"] or "",
        ),
        then=lambda r: reverse("records:my_request", args=[r.pk]),
        success=lambda r: (
            _("Your request is received. The department decides by %(day)s.") % {"day": r.due_on.isoformat()}
        ),
    )
    if done:
        return done
    own = DisclosureRequest.objects.filter(requester=request.user).select_related("department")
    return render(request, "records/requests_mine.html", {"form": form, "requests": own}, status=form_status(form))


@signed_in
@require_GET
def my_request(request: AuthedRequest, pk: int) -> HttpResponse:
    refused = _citizen_only(request)
    if refused:
        return refused
    found = get_object_or_404(
        DisclosureRequest.objects.select_related("department", "record"), pk=pk, requester=request.user
    )
    return render(request, "records/request_mine.html", {"request_": found})


@signed_in
@require_GET
def my_file(request: AuthedRequest, pk: int) -> HttpResponse:
    refused = _citizen_only(request)
    if refused:
        return refused
    found = get_object_or_404(DisclosureRequest, pk=pk, requester=request.user)
    if not found.file_key or found.file_removed_at:
        return HttpResponse(status=404)
    data = actions.delivered(found, reader=request.user)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="disclosure-{found.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---- the department ------------------------------------------------------------------------------


@require_role(Service.RECORDS, Role.OPERATOR)
@outside_needs_second_factor
@require_GET
def worklist(request: AuthedRequest) -> HttpResponse:
    """The requests to the reader's departments: undecided first, the earliest deadline first."""
    mine_ = DisclosureRequest.objects.filter(department__in=departments_of(request.user)).select_related("department")
    return render(
        request,
        "records/requests.html",
        {
            "pending": mine_.filter(decision=DisclosureRequest.Decision.PENDING).order_by("due_on", "received_at"),
            "decided": mine_.exclude(decision=DisclosureRequest.Decision.PENDING).order_by("-decided_at")[:50],
        },
    )


@require_role(Service.RECORDS, Role.OPERATOR)
@outside_needs_second_factor
@require_http_methods(["GET", "POST"])
def handle(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request: who asked what, the deadline; extend once, or decide."""
    found = get_object_or_404(
        DisclosureRequest.objects.select_related("department", "requester", "record", "decided_by"),
        pk=pk,
        department__in=departments_of(request.user),
    )
    then = reverse("records:request", args=[found.pk])
    action = request.POST.get("do", "")
    extend = ExtendForm(request.POST if action == "extend" else None)
    decide = RequestDecisionForm(request.POST if action == "decide" else None)
    if request.method == "POST" and action == "extend":
        done = form_action(
            request,
            extend,
            lambda d: actions.extend(found, reason=d["reason"], actor=request.user),
            then=then,
            success=lambda r: (
                _("The period is extended to %(day)s; the requester sees why.") % {"day": r.due_on.isoformat()}
            ),
        )
        if done:
            return done
    elif request.method == "POST" and action == "decide":
        done = form_action(
            request,
            decide,
            lambda d: actions.decide(
                found,
                actions.Decision(
                    decision=rules.Decision(d["decision"]),
                    explanation=d["explanation"],
                    exemptions=tuple(d["exemptions"]),
                    registration_number=d["registration_number"] or "",
                    boxes=d["boxes"] or "",
                    words=(d["words"] or "").splitlines(),
                ),
                actor=request.user,
            ),
            then=then,
            success=_("The decision is recorded with its legal ground; the requester can see it now."),
        )
        if done:
            return done
    elif request.method == "GET":
        reason = need_reason(
            request, found, purposes=RecordsPurpose, title=_("Request for information %(n)s") % {"n": found.pk}
        )
        audit.record(RecordsEvent.REQUEST_VIEWED, target=found, reason=str(reason), actor=request.user)
    else:
        messages.error(request, _("This request cannot be changed here."))
        return redirect(then)
    bound = [f for f in (extend, decide) if f.is_bound]
    context: dict[str, Any] = {"request_": found, "extend": extend, "decide": decide}
    return render(request, "records/request.html", context, status=400 if any(f.errors for f in bound) else 200)
