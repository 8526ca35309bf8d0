"""Pages of the Electronic Document Center: the department's worklist with the scan upload, a
record (read text, registration, corrections, pipeline history) and the Korean search."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import require_role
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import Institution
from seoul.core.personal_data import need_reason
from seoul.core.roles import Role, Service
from seoul.records import actions, selectors
from seoul.records.actions import sharing
from seoul.records.actions.sharing import may_share
from seoul.records.cloud import (
    PERSONAL_INFORMATION,
    SHARE_MADE_SESSION_KEY,
    in_office,
    may_enrol,
    outside_needs_second_factor,
    share_form,
)
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.engine.search import Filters
from seoul.records.events import RecordsEvent, RecordsPurpose
from seoul.records.forms import (
    CorrectionForm,
    DecisionForm,
    MeetingForm,
    RegistrationForm,
    SearchForm,
    ShareForm,
    UploadForm,
)
from seoul.records.models import Batch, Department, DisposalReview, DocumentType, Record, departments_of

PAGE_SIZE = 20


@require_role(Service.RECORDS, Role.VIEWER)
@outside_needs_second_factor
@require_http_methods(["GET", "POST"])
def home(request: AuthedRequest) -> HttpResponse:
    """The department's worklist: what is being read, what waits to be registered, what was
    refused and why; and the upload of new scans. Staff who only read are sent to the search."""
    if not request.user.has_role(Service.RECORDS, Role.OPERATOR):
        return redirect("records:search")
    choices = selectors.department_choices(departments_of(request.user))
    form = UploadForm(request.POST or None, request.FILES or None, departments=choices)
    if request.method == "POST" and form.is_valid():
        department = get_object_or_404(departments_of(request.user), code=form.cleaned_data["department"])
        with tempfile.TemporaryDirectory(prefix="upload-") as spool:
            files: list[tuple[str, Path]] = []
            for n, upload in enumerate(form.cleaned_data["scans"]):
                path = Path(spool) / str(n)
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                files.append((upload.name or f"file-{n + 1}", path))
            received = actions.receive(files, source=Batch.Source.UPLOAD, department=department, actor=request.user)
            actions.start_after_commit()
        messages.success(
            request,
            _("%(n)d file(s) received; they are being read. You can leave this page.") % {"n": len(received.records)},
        )
        return redirect(f"{reverse('records:home')}?batch={received.batch.pk}")
    batch = None
    if request.GET.get("batch", "").isdigit():
        batch = Batch.objects.filter(pk=int(request.GET["batch"]), department__in=departments_of(request.user)).first()
    context: dict[str, Any] = {
        "form": form,
        "batch": batch,
        "enrol_hint": may_enrol(request),
        **selectors.worklist(request.user),
    }
    if request.headers.get("HX-Request") and batch is not None:
        return render(request, "records/_progress.html", context)
    return render(request, "records/home.html", context, status=form_status(form))


def _initial(record: Record) -> dict[str, Any]:
    kind = record.doc_type or (record.suggested_type if record.status == Record.Status.READY else None)
    produced = record.produced_on or timezone.localdate()
    return {
        "title": record.title,
        "produced_on": produced,
        "doc_type": kind.pk if kind else None,
        "completed_year": record.completed_year or produced.year,
        "retention": record.retention or (kind.retention if kind else Retention.YEARS_10.value),
        "disclosure": record.disclosure or Disclosure.OPEN.value,
        "exemptions": record.exemptions,
    }


@require_role(Service.RECORDS, Role.VIEWER)
@outside_needs_second_factor
@require_http_methods(["GET", "POST"])
def record(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.record(request.user, pk)
    form = _registration_form(request, found, request.POST or None)
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This record cannot be changed here."))
            return redirect("records:record", pk=found.pk)
        then = reverse("records:record", args=[found.pk])
        if isinstance(form, CorrectionForm):
            done = form_action(
                request,
                form,
                lambda d: actions.correct(
                    found,
                    {
                        "title": d["title"],
                        "produced_on": d["produced_on"],
                        "doc_type": d["doc_type"],
                        "completed_year": d["completed_year"],
                        "retention": d["retention"],
                        "disclosure": d["disclosure"],
                        "exemptions": d["exemptions"],
                    },
                    reason=d["reason"],
                    actor=request.user,
                ),
                success=_("The correction is recorded with its reason."),
                then=then,
            )
        else:
            done = form_action(
                request,
                form,
                lambda d: actions.register(
                    found,
                    actions.Registration(
                        title=d["title"],
                        produced_on=d["produced_on"],
                        department=found.department,  # type: ignore[arg-type]
                        completed_year=d["completed_year"],
                        retention=Retention(d["retention"]),
                        disclosure=Disclosure(d["disclosure"]),
                        exemptions=tuple(d["exemptions"]),
                        doc_type=d["doc_type"],
                    ),
                    actor=request.user,
                ),
                success=lambda r: _("Registered as %(number)s.") % {"number": r.registration_number},
                then=then,
            )
        if done:
            return done
    else:
        _viewed(request, found)
    return _record_page(request, found, form=form)


def _registration_form(request: AuthedRequest, found: Record, data: Any) -> RegistrationForm | None:
    """The registration form for a record ready to register (its department's clerks), the
    correction form for a registered one (records officers), else None."""
    user = request.user
    if (
        found.status == Record.Status.READY
        and user.has_role(Service.RECORDS, Role.OPERATOR)
        and found.department_id is not None
        and departments_of(user).filter(pk=found.department_id).exists()
    ):
        return RegistrationForm(data, initial=_initial(found))
    if found.status == Record.Status.REGISTERED and user.has_role(Service.RECORDS, Role.APPROVER):
        return CorrectionForm(data, initial=_initial(found))
    return None


def _viewed(request: AuthedRequest, found: Record) -> None:
    """Audit a view of the record, asking first for the reason where it holds personal data."""
    reason = ""
    if PERSONAL_INFORMATION in (found.exemptions or []):
        reason = str(
            need_reason(
                request,
                found,
                purposes=RecordsPurpose,
                title=found.registration_number or found.source_name,
                back=reverse("records:record", args=[found.pk]),
            )
        )
    audit.record(RecordsEvent.VIEWED, target=found, actor=request.user, reason=reason)


def _record_page(
    request: AuthedRequest,
    found: Record,
    *,
    form: RegistrationForm | None,
    bound_share: ShareForm | None = None,
) -> HttpResponse:
    sharing = found.status == Record.Status.REGISTERED and may_share(found, request.user)
    waiting = request.session.get(SHARE_MADE_SESSION_KEY, {})
    made = waiting.pop(str(found.pk), None) if sharing else None
    if made:  # the new link's address is shown this once, in the share section
        request.session[SHARE_MADE_SESSION_KEY] = waiting
    failing = form if form is not None and form.errors else bound_share
    return render(
        request,
        "records/record.html",
        {
            "record": found,
            "form": form,
            "can_register": form is not None and not isinstance(form, CorrectionForm),
            "can_correct": isinstance(form, CorrectionForm),
            "numbers": range(1, found.pages + 1) if found.files.all() else range(0),
            # outside the office a restricted record is shown only as watermarked page images
            "show_text": not found.restricted or in_office(request),
            "can_download": found.status == Record.Status.REGISTERED
            and not found.restricted
            and bool(found.files.all()),
            "share_form": (bound_share or share_form(request.user)) if sharing else None,
            "share_made": made,
            "links": found.share_links.select_related("institution") if sharing else [],
            "now": timezone.now(),
        },
        status=form_status(failing) if failing is not None else 200,
    )


@require_role(Service.RECORDS, Role.OPERATOR)
@outside_needs_second_factor
@require_POST
def share(request: AuthedRequest, pk: int) -> HttpResponse:
    """Make a share link; its address goes to the share section once, through the session."""
    found = selectors.record(request.user, pk)
    form = share_form(request.user, request.POST)

    def act(d: dict[str, Any]) -> None:
        institution = get_object_or_404(Institution, pk=d["institution"])
        _link, token = sharing.share(found, institution, days=d["days"], reason=d["reason"], actor=request.user)
        made = request.session.get(SHARE_MADE_SESSION_KEY, {})
        made[str(found.pk)] = request.build_absolute_uri(f"{reverse('records:shared_open')}?t={token}")
        request.session[SHARE_MADE_SESSION_KEY] = made

    done = form_action(request, form, act, then=f"{reverse('records:record', args=[found.pk])}#share-h")
    if done:
        return done
    _viewed(request, found)
    return _record_page(request, found, form=_registration_form(request, found, None), bound_share=form)


def _filters(data: dict[str, Any]) -> Filters:
    return Filters(
        department=data.get("department") or "",
        doc_type=data.get("doc_type") or "",
        year_from=data.get("year_from"),
        year_to=data.get("year_to"),
        retention=data.get("retention") or "",
        disclosure=data.get("disclosure") or "",
    )


@require_role(Service.RECORDS, Role.VIEWER)
@outside_needs_second_factor
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    """Korean full-text search over the records the reader may see, with filters."""
    form = SearchForm(
        request.GET or None,
        departments=selectors.department_choices(Department.objects.order_by("code")),
        kinds=[(k.code, k.name) for k in DocumentType.objects.order_by("code")],
    )
    results = None
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    page = max(1, min(page, 500))
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = selectors.search(
            request.user,
            form.cleaned_data["q"],
            filters=_filters(form.cleaned_data),
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            restricted_text=in_office(request),
        )
        audit.record(
            RecordsEvent.SEARCHED,
            new={"query": form.cleaned_data["q"], "results": results.total},
            actor=request.user,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/search.html",
        {
            "form": form,
            "results": results,
            "page": page,
            "first": (page - 1) * PAGE_SIZE + 1,
            "pages": (results.total + PAGE_SIZE - 1) // PAGE_SIZE if results else 0,
            "query": query.urlencode(),
            "enrol_hint": may_enrol(request),
        },
        status=form_status(form) if form.is_bound else 200,
    )


# ---- disposal review ------------------------------------------------------------------------


@require_role(Service.RECORDS, Role.APPROVER)
@outside_needs_second_factor
@require_http_methods(["GET", "POST"])
def disposal(request: AuthedRequest) -> HttpResponse:
    """The yearly reviews, and what is due for the next one."""
    if request.method == "POST":
        return button_action(
            request,
            lambda: actions.open_review(actor=request.user),
            then=lambda review: reverse("records:review", args=[review.pk]),
            back=reverse("records:disposal"),
            success=_("The review is open: record the committee's meeting, then its decisions."),
        )
    return render(
        request,
        "records/disposal.html",
        {"reviews": DisposalReview.objects.all()[:50], "due": actions.disposal.due(timezone.localdate())},
    )


@require_role(Service.RECORDS, Role.APPROVER)
@outside_needs_second_factor
@require_http_methods(["GET", "POST"])
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(DisposalReview, pk=pk)
    then = reverse("records:review", args=[found.pk])
    meeting = MeetingForm(
        request.POST if request.POST.get("do") == "meeting" else None,
        initial={"meeting_on": found.meeting_on, "minutes": found.minutes, "members": found.members},
    )
    decision: DecisionForm | None = None
    item_id = request.POST.get("item", "")
    if request.method == "POST":
        action = request.POST.get("do", "")
        if action == "meeting":
            done = form_action(
                request,
                meeting,
                lambda d: actions.record_meeting(
                    found, meeting_on=d["meeting_on"], minutes=d["minutes"], members=d["members"], actor=request.user
                ),
                then=then,
                success=_("The committee's meeting is recorded."),
            )
            if done:
                return done
        elif action == "decide":
            item = get_object_or_404(found.items, pk=int(item_id) if item_id.isdigit() else 0)
            decision = DecisionForm(request.POST, prefix=f"item{item.pk}")
            done = form_action(
                request,
                decision,
                lambda d: actions.decide(
                    item, d["decision"], reason=d["reason"] or "", new_retention=d["new_retention"], actor=request.user
                ),
                then=f"{then}#item-{item.pk}",
                success=_("Decision recorded."),
            )
            if done:
                return done
            if not found.minutes:  # the decision cards are not shown yet: say it at the top
                for error in decision.non_field_errors():
                    messages.error(request, str(error))
        elif action == "carry_out":
            return button_action(
                request, lambda: actions.carry_out(found, actor=request.user), then=then, success=_("Carried out.")
            )
    items = []
    for item in found.items.select_related("record__department", "record__doc_type"):
        form = (
            decision
            if decision is not None and str(item.pk) == item_id
            else DecisionForm(
                prefix=f"item{item.pk}",
                initial={
                    "decision": item.decision if item.decision != "pending" else None,
                    "reason": item.reason,
                    "new_retention": item.new_retention,
                },
            )
        )
        items.append((item, form))
    bound = [f for f in (meeting, decision) if f is not None and f.is_bound]
    return render(
        request,
        "records/review.html",
        {"review": found, "meeting": meeting, "items": items},
        status=400 if any(f.errors for f in bound) else 200,
    )
