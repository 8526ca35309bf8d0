"""Pages of contact tracing.

The worklist, supervisor and chain pages show reference numbers (C-12, K-34), districts and
dates, never names or phone numbers. Case and contact pages show personal data: the reader
states why once per record per session (``core.personal_data``), and each render writes an
audit record with that reason. Records outside the person's assignment, district or outbreak are
answered with 404, the same as records that do not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import public, require_role
from seoul.core.districts import label as district_label
from seoul.core.engine.time import SEOUL
from seoul.core.exports import csv_response
from seoul.core.models import User
from seoul.core.personal_data import Reason, carry_reason, need_reason
from seoul.core.roles import Role, Service
from seoul.tracing import actions, selectors
from seoul.tracing.events import TracingEvent, TracingPurpose
from seoul.tracing.forms import (
    CandidateForm,
    CaseForm,
    ContactForm,
    ConvertForm,
    FlagForm,
    FollowUpForm,
    InvestigatorForm,
    IsolationForm,
    OutbreakForm,
    ReassignForm,
    SelfReportForm,
    TimelineForm,
    TracerProfileForm,
)
from seoul.tracing.models import EPISODE_SETTINGS, Candidate, Case, Contact, Outbreak, TimelineEntry, movement_dir


def _user(request: HttpRequest) -> Any:
    return request.user


def _back(request: HttpRequest, name: str, pk: int, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse(name, args=[pk])}{anchor}")


def _case_reason(request: HttpRequest, case: Case) -> Reason:
    """Why the reader opens this case (asked once per case per session)."""
    return need_reason(
        request,
        case,
        purposes=TracingPurpose,
        title=_("Case %(ref)s") % {"ref": case.reference},
        back=reverse("tracing:case", args=[case.pk]),
    )


def _contact_reason(request: HttpRequest, contact: Contact) -> Reason:
    """Why the reader opens this contact: asked once per contact per session, unless the
    reader already stated why they work on the case the contact comes from (the same
    investigation: a contact is opened from its case's page)."""
    carry_reason(request, contact.source_case, contact, keep=True)
    return need_reason(
        request,
        contact,
        purposes=TracingPurpose,
        title=_("Contact %(ref)s") % {"ref": contact.reference},
        back=reverse("tracing:contact", args=[contact.pk]),
    )


def _errors(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, _("You may not change this record."))
        return
    for msg in exc.messages:
        messages.error(request, msg)


# --- worklist ------------------------------------------------------------------------------


@require_role(Service.TRACING, Role.OPERATOR)
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    work = selectors.worklist(_user(request), today)
    return render(
        request,
        "tracing/worklist.html",
        {"work": work, "today": today, "outbreaks": selectors.outbreaks_for(_user(request))},
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """Register a confirmed case (from the laboratory or health centre notification); it is
    assigned to the least loaded tracer of the person's district."""
    choices = [(o.pk, f"{o.name} ({district_label(o.district_obj)})") for o in Outbreak.objects.all()]
    form = CaseForm(request.POST or None, outbreaks=choices)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        outbreak = get_object_or_404(Outbreak, pk=d.pop("outbreak"))
        try:
            case = actions.register_case(_user(request), outbreak, actions.CaseInput(**d))
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            tracer = case.assignments.filter(ended_at=None).select_related("tracer").first()
            messages.success(
                request,
                _("Case %(ref)s registered and assigned to %(tracer)s.")
                % {"ref": case.reference, "tracer": tracer.tracer if tracer else "—"},
            )
            if selectors.cases_for(_user(request)).filter(pk=case.pk).exists():
                return redirect("tracing:case", case.pk)
            return redirect("tracing:worklist")
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/new_case.html", {"form": form, "title": _("Register a case")}, status=status)


@require_role(Service.TRACING, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def new_outbreak(request: HttpRequest) -> HttpResponse:
    form = OutbreakForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outbreak = actions.open_outbreak(
                _user(request),
                d["name"],
                d["district"],
                monitoring_days=d["monitoring_days"],
                infectious_days_before=d["infectious_days_before"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("Outbreak %(name)s opened.") % {"name": outbreak.name})
            return redirect("tracing:supervisor")
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/new_case.html", {"form": form, "title": _("Open an outbreak")}, status=status)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def isolate(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = IsolationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date and time of isolation."))
    else:
        try:
            actions.isolate(_user(request), case, form.cleaned_data["isolated_at"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Isolation recorded."))
    return _back(request, "tracing:case", case.pk)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def send_daily_texts(request: HttpRequest) -> HttpResponse:
    counts = actions.send_daily_texts(_user(request), request.build_absolute_uri("/"))
    messages.success(
        request,
        _("Self-report texts sent: %(sent)d (not needed: %(skipped)d).") % counts,
    )
    return redirect("tracing:worklist")


# --- case page -----------------------------------------------------------------------------


def _candidates(request: HttpRequest, case: Case) -> tuple[list[Candidate], dict[str, Any]]:
    """The case's candidates narrowed by the filter form: decision, setting of at least one
    episode, minimum minutes together. Bad filter values are ignored (the whole list shows)."""
    chosen = {
        "status": request.GET.get("cand_status", ""),
        "setting": request.GET.get("cand_setting", ""),
        "min": request.GET.get("cand_min", "").strip(),
    }
    rows = case.candidates.select_related("decided_by")
    if chosen["status"] in Candidate.Status.values:
        rows = rows.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    if chosen["min"].isdigit():
        rows = rows.filter(overlap_minutes__gte=int(chosen["min"]))
    else:
        chosen["min"] = ""
    listed = list(rows)
    total = case.candidates.count()
    if chosen["setting"] in EPISODE_SETTINGS:
        listed = [c for c in listed if c.has_setting(chosen["setting"])]
    else:
        chosen["setting"] = ""
    filters = {
        **chosen,
        "active": any(chosen.values()),
        "total": total,
        "statuses": Candidate.Status.choices,
        "settings": list(EPISODE_SETTINGS.items()),
    }
    return listed, filters


def _case_page(request: HttpRequest, case: Case, reason: Reason, status: int = 200, **forms: Any) -> HttpResponse:
    audit.record(TracingEvent.CASE_VIEWED, request=request, target=case, reason=str(reason), service="tracing")
    user = _user(request)
    window = case.window()
    candidates, filters = _candidates(request, case)
    # contacts the reader may not open (another tracer's, another district's): no name or link
    visible = set(selectors.contacts_for(user).filter(source_case=case).values_list("pk", "person_id"))
    context = {
        "case": case,
        "window_start": window.start.astimezone(SEOUL),
        "window_end": window.end.astimezone(SEOUL),
        "timeline": case.timeline.all(),
        "exposures": case.exposures.select_related("exposed"),
        "contacts": case.contacts.select_related("person").prefetch_related("assignments__tracer"),
        "visible_contact_ids": {pk for pk, _ in visible},
        "visible_person_ids": {person for _, person in visible},
        "candidates": candidates,
        "candidate_filters": filters,
        "assignment": case.assignments.filter(ended_at=None).select_related("tracer").first(),
        "can_write": user.has_role(Service.TRACING, Role.OPERATOR),
        "timeline_form": forms.get("timeline_form") or TimelineForm(),
        "contact_form": forms.get("contact_form") or ContactForm(initial={"district": case.district}),
        "candidate_form": CandidateForm(),
        "discovery_ready": bool(case.person.presence_id),
        "isolation_form": IsolationForm(),
    }
    return render(request, "tracing/case.html", context, status=status)


def _visible_case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(selectors.cases_for(_user(request)), pk=pk)


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    reason = _case_reason(request, case)
    return _case_page(request, case, reason)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def add_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = TimelineForm(request.POST)
    if form.is_valid():
        try:
            actions.add_timeline_entry(_user(request), case, actions.TimelineInput(**form.cleaned_data))
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("Timeline entry added."))
            return _back(request, "tracing:case", case.pk, "#timeline-h")
    reason = _case_reason(request, case)
    return _case_page(request, case, reason, status=400, timeline_form=form)


def _add_form_errors(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error(None, _("You may not change this record."))
        return
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def edit_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        TimelineEntry.objects.filter(case__in=selectors.cases_for(_user(request)).values("pk")), pk=pk
    )
    reason = _case_reason(request, entry.case)
    initial = {
        "start": entry.start.astimezone(SEOUL),
        "end": entry.end.astimezone(SEOUL),
        "place": entry.place,
        "setting": entry.setting,
        "found_by": entry.found_by,
        "note": entry.note,
    }
    form = TimelineForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.change_timeline_entry(_user(request), entry, actions.TimelineInput(**form.cleaned_data))
            except (ValidationError, PermissionDenied) as exc:
                _add_form_errors(form, exc)
            else:
                messages.success(request, _("Timeline entry changed."))
                return _back(request, "tracing:case", entry.case_id, "#timeline-h")
        status = 400
    audit.record(TracingEvent.CASE_VIEWED, request=request, target=entry.case, reason=str(reason), service="tracing")
    return render(
        request,
        "tracing/timeline_edit.html",
        {"entry": entry, "form": form},
        status=status,
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        exposure = actions.ExposureInput(
            on=d["on"],
            place=d["place"],
            setting=d["setting"],
            duration_minutes=d["duration_minutes"],
            proximity=d["proximity"],
            mask=d["mask"],
            certainty=d["certainty"],
        )
        try:
            actions.add_contact(
                _user(request), case, name=d["name"], phone=d["phone"], district=d["district"], exposure=exposure
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return _back(request, "tracing:case", case.pk, "#contacts-h")
    reason = _case_reason(request, case)
    return _case_page(request, case, reason, status=400, contact_form=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def discover(request: HttpRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    try:
        counts = actions.run_discovery(_user(request), case, movement_dir())
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Discovery found %(new)d new candidates (%(refreshed)d updated, %(decided)d already decided).")
            % {"new": counts["new"], "refreshed": counts["refreshed"], "decided": counts["already_decided"]},
        )
    return _back(request, "tracing:case", case.pk, "#candidates-h")


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def decide_candidate(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(
        Candidate.objects.filter(case__in=selectors.cases_for(_user(request)).values("pk")), pk=pk
    )
    form = CandidateForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            for e in errs:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {e}")
        return _back(request, "tracing:case", candidate.case_id, f"#candidate-{candidate.pk}")
    d = form.cleaned_data
    try:
        if d["decision"] == "confirm":
            contact = actions.confirm_candidate(
                _user(request),
                candidate,
                reason=d["reason"],
                name=d["name"],
                phone=d["phone"],
                district=d["district"],
                setting=d["setting"],
                proximity=d["proximity"],
            )
            messages.success(request, _("Confirmed: contact %(ref)s added.") % {"ref": contact.reference})
        else:
            actions.dismiss_candidate(_user(request), candidate, d["reason"])
            messages.success(request, _("Candidate dismissed."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return _back(request, "tracing:case", candidate.case_id, "#candidates-h")


# --- contact page --------------------------------------------------------------------------


def _visible_contact(request: HttpRequest, pk: int) -> Contact:
    return get_object_or_404(selectors.contacts_for(_user(request)), pk=pk)


def _contact_page(
    request: HttpRequest, contact: Contact, reason: Reason, status: int = 200, **forms: Any
) -> HttpResponse:
    audit.record(TracingEvent.CONTACT_VIEWED, request=request, target=contact, reason=str(reason), service="tracing")
    today = timezone.localdate()
    user = _user(request)
    context = {
        "contact": contact,
        "today": today,
        "follow_ups": contact.follow_ups.select_related("recorded_by"),
        "exposures": contact.source_case.exposures.filter(exposed=contact.person),
        "assignment": contact.assignments.filter(ended_at=None).select_related("tracer").first(),
        "became_case": Case.objects.filter(from_contact=contact).first(),
        "can_write": user.has_role(Service.TRACING, Role.OPERATOR) and contact.status == Contact.Status.MONITORING,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"day": today}),
        "convert_form": forms.get("convert_form") or ConvertForm(),
        "flag_form": FlagForm(),
        "codes": contact.self_report_codes.all()[:5],
    }
    return render(request, "tracing/contact.html", context, status=status)


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    reason = _contact_reason(request, contact)
    return _contact_page(request, contact, reason)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def record_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_follow_up(_user(request), contact, d["day"], d["status"], d["symptoms"])
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            return _back(request, "tracing:contact", contact.pk, "#follow-ups-h")
    reason = _contact_reason(request, contact)
    return _contact_page(request, contact, reason, status=400, follow_up_form=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = ConvertForm(request.POST)
    if form.is_valid():
        try:
            case = actions.convert_to_case(_user(request), contact, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("%(contact)s is now case %(case)s.") % {"contact": contact, "case": case})
            carry_reason(request, contact, case)
            return _back(request, "tracing:case", case.pk)
    reason = _contact_reason(request, contact)
    return _contact_page(request, contact, reason, status=400, convert_form=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def send_text(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    try:
        actions.send_self_report_code(_user(request), contact, request.build_absolute_uri("/"))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The self-report text was sent."))
    return _back(request, "tracing:contact", contact.pk)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def clear_flag(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe what was done in at least 5 characters."))
    else:
        try:
            actions.clear_symptom_flag(_user(request), contact, form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Symptom report reviewed."))
    return _back(request, "tracing:contact", contact.pk)


# --- search and export of personal data --------------------------------------------------


@require_role(Service.TRACING, Role.VIEWER)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Find a person's case and contact records by phone number, among those the person may
    see. A search of personal data: a reason first, and an audit record (without the number).
    The number is posted, so it never appears in a URL or an access log."""
    reason = need_reason(request, "tracing.search", purposes=TracingPurpose, title=_("Search by phone number"))
    phone = request.POST.get("phone", "").strip()[:30] if request.method == "POST" else ""
    cases, contacts = selectors.search_by_phone(_user(request), phone)
    if phone:
        audit.record(
            TracingEvent.PERSON_SEARCHED,
            request=request,
            reason=str(reason),
            new={"cases": [str(c) for c in cases], "contacts": [str(c) for c in contacts]},
            service="tracing",
        )
    return render(
        request,
        "tracing/search.html",
        {"phone": phone, "cases": cases, "contacts": contacts},
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def export_quarantine(request: HttpRequest) -> HttpResponse:
    """Contacts under quarantine today in the supervisor's scope, as CSV, for the district
    health centres' quarantine notices: reference, name, phone, district and quarantine dates
    only (no case, exposure or health data). A reason first; audited with the count."""
    reason = need_reason(request, "tracing.quarantine_list", purposes=TracingPurpose, title=_("Quarantine list"))
    today = timezone.localdate()
    rows = selectors.quarantine_list(_user(request), today)
    audit.record(
        audit.CoreEvent.PERSONAL_DATA_EXPORTED,
        request=request,
        reason=str(reason),
        target_type="tracing.contact",
        new={"rows": len(rows), "day": today.isoformat(), "what": "quarantine list"},
        service="tracing",
    )
    header = [_("Contact"), _("Name"), _("Mobile phone"), _("District"), _("Quarantine from"), _("Quarantine until")]
    return csv_response(
        f"quarantine-{today:%Y%m%d}",
        header,
        (
            [
                c.reference,
                c.person.name,
                c.person.phone,
                district_label(c.district_obj),
                c.quarantine_start,
                c.quarantine_end,
            ]
            for c in rows
        ),
    )


# --- supervisor ----------------------------------------------------------------------------


def _tracer_choices(request: HttpRequest) -> list[tuple[int, str]]:
    return [(p.user_id, f"{p.user} ({district_label(p.district_obj)})") for p in selectors.tracers_for(_user(request))]


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    tracers = _tracer_choices(request)
    return render(
        request,
        "tracing/supervisor.html",
        {
            "today": today,
            "ind": selectors.indicators(user, today, timezone.now()),
            "assignments": selectors.open_assignments(user),
            "tracers": tracers,
            "form": ReassignForm(tracers=tracers),
            "profile": getattr(user, "tracer_profile", None),
            "outbreaks": selectors.outbreaks_for(user),
        },
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.open_assignments(_user(request)), pk=pk)
    form = ReassignForm(request.POST, tracers=_tracer_choices(request))
    if not form.is_valid():
        messages.error(request, _("Choose a tracer and give a reason of at least 5 characters."))
        return redirect("tracing:supervisor")
    tracer = get_object_or_404(User, pk=form.cleaned_data["tracer"])
    try:
        actions.reassign(_user(request), assignment, tracer, form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        target = assignment.case or assignment.contact
        messages.success(request, _("%(ref)s reassigned to %(tracer)s.") % {"ref": target, "tracer": tracer})
    return redirect("tracing:supervisor")


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def outbreaks(request: HttpRequest) -> HttpResponse:
    """Outbreaks with cases the person may see (an investigator's way in), by reference."""
    user = _user(request)
    cases = selectors.cases_for(user).order_by("confirmed_on", "pk")
    by_outbreak: dict[int, list[Case]] = {}
    for case in cases:
        by_outbreak.setdefault(case.outbreak_id, []).append(case)
    rows = [(o, by_outbreak.get(o.pk, [])) for o in selectors.outbreaks_for(user)]
    can_add = user.has_role(Service.TRACING, Role.APPROVER)
    form = InvestigatorForm(staff=_staff_choices(min_role=Role.VIEWER)) if can_add else None
    return render(request, "tracing/outbreaks.html", {"rows": rows, "investigator_form": form})


def _staff_choices(*, min_role: str) -> list[tuple[int, str]]:
    return [
        (u.pk, f"{u} ({u.role_in(Service.TRACING)})")
        for u in selectors.tracing_staff()
        if u.has_role(Service.TRACING, min_role)
    ]


@require_role(Service.TRACING, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def tracers(request: HttpRequest) -> HttpResponse:
    """Tracing administrators give tracers and supervisors their district."""
    form = TracerProfileForm(request.POST or None, staff=_staff_choices(min_role=Role.OPERATOR))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user = get_object_or_404(User, pk=d["user"])
        try:
            actions.set_tracer_profile(_user(request), user, d["district"], active=d["active"])
        except (ValidationError, PermissionDenied) as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("%(user)s: district saved.") % {"user": user})
            return redirect("tracing:tracers")
    status = 400 if request.method == "POST" else 200
    staff = [(u, u.role_in(Service.TRACING)) for u in selectors.tracing_staff()]
    return render(request, "tracing/tracers.html", {"form": form, "staff": staff}, status=status)


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def add_investigator(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = get_object_or_404(Outbreak, pk=pk)
    form = InvestigatorForm(request.POST, staff=_staff_choices(min_role=Role.VIEWER))
    if not form.is_valid():
        messages.error(request, _("Choose a staff member with a contact-tracing role."))
        return redirect("tracing:outbreaks")
    user = get_object_or_404(User, pk=form.cleaned_data["user"])
    try:
        actions.add_investigator(_user(request), outbreak, user)
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(user)s now investigates %(outbreak)s.") % {"user": user, "outbreak": outbreak})
    return redirect("tracing:outbreaks")


# --- chains --------------------------------------------------------------------------------


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def chains(request: HttpRequest, pk: int) -> HttpResponse:
    outbreak = get_object_or_404(selectors.outbreaks_for(_user(request)), pk=pk)
    graph = selectors.chains(_user(request), outbreak)
    title = _("Transmission chains of %(name)s") % {"name": outbreak.name}
    return render(
        request,
        "tracing/chains.html",
        {"outbreak": outbreak, "graph": graph, "chart": selectors.chain_spec(graph, title), "title": title},
    )


# --- self-report (no account) --------------------------------------------------------------

REFUSALS = {
    "expired": gettext_lazy("This link has expired. You will receive a new one by text message."),
    "used": gettext_lazy("Today's report has already been sent with this link. Thank you."),
    "locked": gettext_lazy("Too many wrong codes. Try again in 15 minutes."),
    "wrong_code": gettext_lazy("The code does not match the one in your text message."),
}


@public
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, invite: str) -> HttpResponse:
    """The page a contact opens from the text message: today's health, with the texted code."""
    try:
        row = actions.self_report_code(invite)
    except actions.SelfReportRefused as exc:
        return render(request, "tracing/self_report.html", {"refused": REFUSALS[exc.kind]}, status=410)
    form = SelfReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.submit_self_report(invite, d["code"], symptoms=d["symptoms"] if d["feeling"] == "symptoms" else "")
        except actions.SelfReportRefused as exc:
            if exc.kind in ("wrong_code", "locked"):
                form.add_error("code", REFUSALS[exc.kind])
            else:
                return render(request, "tracing/self_report.html", {"refused": REFUSALS[exc.kind]}, status=410)
        else:
            return render(request, "tracing/self_report.html", {"done": True, "symptoms": d["feeling"] == "symptoms"})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "tracing/self_report.html",
        {"form": form, "day": row.day, "end": row.contact.quarantine_end},
        status=status,
    )
