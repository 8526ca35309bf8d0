"""Pages of contact tracing.

The worklist, supervisor, outbreak and chain pages show reference numbers (C-12, K-34),
districts and dates, never names or phone numbers. Case and contact pages show personal data:
the reader states why once per record per session (``core.personal_data``), and each render
writes an audit record with that reason. Every record a page fetches by id comes through the
reader's scope (``selectors``: ``visible_to`` / ``manageable_by``); what lies outside answers
404, the same as what does not exist. Forms run their action through ``core.flow``; forms
sharing a page carry a prefix so that every id on the page is unique.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from seoul.core import audit
from seoul.core.access import public, require_role
from seoul.core.districts import district as district_of
from seoul.core.districts import label as district_label
from seoul.core.engine.phone import format_phone
from seoul.core.exports import csv_response, xlsx_sheets_response
from seoul.core.flow import apply_errors, button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.personal_data import Reason, carry_reason, need_reason
from seoul.core.roles import Role, Service
from seoul.hospitals.interfaces import bed_request
from seoul.tracing import actions, exports, selectors, uploads
from seoul.tracing.engine import linelist
from seoul.tracing.events import TracingEvent, TracingPurpose
from seoul.tracing.forms import (
    FIELD_LABELS,
    AlertRulesForm,
    CandidateForm,
    CaseForm,
    ClassifyForm,
    CloseContactForm,
    ContactForm,
    ConvertForm,
    FeverEndForm,
    FlagForm,
    FollowUpForm,
    HospitalBedForm,
    InvestigatorForm,
    IsolationForm,
    LabResultForm,
    LineListMappingForm,
    LineListUploadForm,
    LongTailForm,
    OutbreakForm,
    OutcomeForm,
    PersonPairForm,
    ReassignForm,
    ReviewForm,
    SelfReportForm,
    TimelineForm,
    TracerProfileForm,
    TransferDecisionForm,
    TransferForm,
    VaccinationForm,
)
from seoul.tracing.models import (
    EPISODE_SETTINGS,
    STAFF_ROLES,
    Candidate,
    Case,
    Contact,
    Exposure,
    FollowUp,
    LabResult,
    LineListImport,
    Person,
    SelfReportCode,
    Transfer,
    movement_dir,
)
from seoul.tracing.release import basis_words, release_asking_vaccination, rule_words, waiting_words

# --- shared pieces -------------------------------------------------------------------------


def _case_url(case: Case | int, anchor: str = "") -> str:
    return f"{reverse('tracing:case', args=[getattr(case, 'pk', case)])}{anchor}"


def _contact_url(contact: Contact | int, anchor: str = "") -> str:
    return f"{reverse('tracing:contact', args=[getattr(contact, 'pk', contact)])}{anchor}"


def _visible_case(request: AuthedRequest, pk: int) -> Case:
    return get_object_or_404(selectors.cases_for(request.user), pk=pk)


def _visible_contact(request: AuthedRequest, pk: int) -> Contact:
    return get_object_or_404(selectors.contacts_for(request.user), pk=pk)


def _case_reason(request: HttpRequest, case: Case) -> Reason:
    """Why the reader opens this case (asked once per case per session)."""
    return need_reason(
        request,
        case,
        purposes=TracingPurpose,
        title=_("Case %(ref)s") % {"ref": case.reference},
        back=_case_url(case),
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
        back=_contact_url(contact),
    )


def _role_word(user: Any) -> str:
    role = user.role_in(Service.TRACING)
    return str(STAFF_ROLES[Role(role)]) if role else "—"


def _staff_label(user: Any) -> str:
    """A staff member as a choice: account name and contact-tracing role in words."""
    return f"{user} ({_role_word(user)})"


def _choice(request: HttpRequest, name: str, allowed: dict[str, Any]) -> str:
    """A filter's value from the query string, if it is one of ``allowed`` (else "": all)."""
    value = request.GET.get(name, "")
    return value if value in allowed else ""


# --- worklist ------------------------------------------------------------------------------


@require_role(Service.TRACING, Role.OPERATOR)
@require_GET
def worklist(request: AuthedRequest) -> HttpResponse:
    """The tracer's own work; the outbreak filter (the outbreaks of that work) narrows every table."""
    today = timezone.localdate()
    work = selectors.worklist(request.user, today)
    outbreaks = work.outbreaks()
    chosen = _choice(request, "outbreak", {str(o.pk): o for o in outbreaks})
    if chosen:
        work = work.of(int(chosen))
    return render(
        request,
        "tracing/worklist.html",
        {"work": work, "today": today, "outbreaks": outbreaks, "outbreak_filter": chosen},
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def new_case(request: AuthedRequest) -> HttpResponse:
    """Register a confirmed case (from the laboratory or health centre notification); it is
    assigned to the least loaded tracer of the person's district. A registration that ends up
    outside the registering person's own work — another district's case, or a case already
    on record that they may not see — gets the same answer, naming only the district typed."""
    outbreaks = {o.pk: o for o in selectors.outbreaks_for(request.user)}
    choices = [(pk, f"{o.label} ({district_label(o.district_obj)})") for pk, o in outbreaks.items()]
    form = CaseForm(request.POST or None, outbreaks=choices)

    def register(d: dict[str, Any]) -> actions.Registration:
        data = {k: v for k, v in d.items() if k != "outbreak"}
        return actions.register_case(outbreaks[d["outbreak"]], actions.CaseInput(**data), actor=request.user)

    def mine(result: actions.Registration) -> Case | None:
        if result.case is not None and selectors.cases_for(request.user).filter(pk=result.case.pk).exists():
            return result.case
        return None

    def said(result: actions.Registration) -> str:
        case = mine(result)
        if case is not None:
            tracer = case.assignments.filter(ended_at=None).select_related("tracer").first()
            return _("Case %(ref)s registered and assigned to %(tracer)s.") % {
                "ref": case.reference,
                "tracer": tracer.tracer if tracer else "—",
            }
        return _(
            "Registration received. The case is handled by the contact-tracing team of %(district)s, "
            "so it is not on your worklist."
        ) % {"district": district_label(district_of(form.cleaned_data["district"]))}

    def then(result: actions.Registration) -> str:
        case = mine(result)
        return _case_url(case) if case is not None else reverse("tracing:worklist")

    done = form_action(request, form, register, success=said, then=then)
    if done:
        return done
    return render(
        request, "tracing/new_case.html", {"form": form, "title": _("Register a case")}, status=form_status(form)
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_http_methods(["GET", "POST"])
def new_outbreak(request: AuthedRequest) -> HttpResponse:
    """Open an outbreak: supervisors in their own district, administrators anywhere."""
    form = OutbreakForm(request.POST or None, districts=selectors.outbreak_districts(request.user))
    done = form_action(
        request,
        form,
        lambda d: actions.open_outbreak(
            d["name"],
            d["district"],
            name_en=d["name_en"],
            monitoring_days=d["monitoring_days"],
            infectious_days_before=d["infectious_days_before"],
            actor=request.user,
        ),
        success=lambda outbreak: _("Outbreak %(name)s opened.") % {"name": outbreak.label},
        then=reverse("tracing:outbreaks"),
    )
    if done:
        return done
    return render(
        request, "tracing/new_case.html", {"form": form, "title": _("Open an outbreak")}, status=form_status(form)
    )


# --- case page -----------------------------------------------------------------------------


def _candidates(request: HttpRequest, case: Case) -> tuple[list[Candidate], dict[str, Any]]:
    """The case's candidates narrowed by the filter form: decision, setting of at least one
    episode, minimum minutes together. Bad filter values are ignored (the whole list shows)."""
    chosen = {
        "status": _choice(request, "cand_status", dict(Candidate.Status.choices)),
        "setting": _choice(request, "cand_setting", EPISODE_SETTINGS),
        "min": request.GET.get("cand_min", "").strip(),
    }
    rows = case.candidates.select_related("decided_by", "contact")
    if chosen["status"]:
        rows = rows.filter(status=chosen["status"])
    if chosen["min"].isdigit() and len(chosen["min"]) <= 6:
        rows = rows.filter(overlap_minutes__gte=int(chosen["min"]))
    else:
        chosen["min"] = ""
    listed = list(rows)
    if chosen["setting"]:
        listed = [c for c in listed if c.has_setting(chosen["setting"])]
    filters = {
        **chosen,
        "active": any(chosen.values()),
        "total": case.candidates.count(),
        "statuses": Candidate.Status.choices,
        "settings": list(EPISODE_SETTINGS.items()),
    }
    return listed, filters


def _case_page(request: AuthedRequest, case: Case, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
    """The case page; ``bound`` holds a form that came back with errors (by its prefix)."""
    reason = _case_reason(request, case)
    audit.record(TracingEvent.CASE_VIEWED, request=request, target=case, reason=str(reason), service="tracing")
    user = request.user
    window = case.window()
    timeline = list(case.timeline.all())
    candidates, filters = _candidates(request, case)
    # contacts the reader may not open (another tracer's, another district's): no name or link
    visible = set(selectors.contacts_for(user).filter(source_case=case).values_list("pk", "person_id"))
    candidate_forms = {
        c.pk: bound.get(f"candidate-{c.pk}") or CandidateForm(prefix=f"candidate-{c.pk}", initial={"setting": "other"})
        for c in candidates
        if c.status == Candidate.Status.PENDING
    }
    context = {
        "case": case,
        "window_start": window.start,
        "window_end": window.end,
        "timeline": timeline,
        "place_map": selectors.district_map_spec(
            Counter(e.district for e in timeline if e.district is not None),
            _("Places of %(case)s by district") % {"case": case.reference},
            _("Places"),
        ),
        "exposures": case.exposures.select_related("exposed"),
        "contacts": case.contacts.select_related("person", "outbreak"),
        "visible_contact_ids": {pk for pk, _ in visible},
        "visible_person_ids": {person for _, person in visible},
        "candidates": candidates,
        "candidate_filters": filters,
        "candidate_forms": candidate_forms,
        "assignment": case.assignments.filter(ended_at=None).select_related("tracer").first(),
        "can_write": user.has_role(Service.TRACING, Role.OPERATOR),
        "timeline_form": bound.get("timeline") or TimelineForm(prefix="timeline"),
        "contact_form": bound.get("contact") or ContactForm(prefix="contact", initial={"district": case.district}),
        "isolation_form": bound.get("isolation") or IsolationForm(prefix="isolation"),
        "lab_results": case.lab_results.all(),
        "lab_form": bound.get("lab") or LabResultForm(prefix="lab"),
        "fever_form": bound.get("fever")
        or FeverEndForm(prefix="fever", initial={"afebrile_since": case.afebrile_since}),
        "vaccination_form": bound.get("vaccination")
        or VaccinationForm(prefix="vaccination", initial={"vaccination_complete": _yes_no(case.vaccination_complete)}),
        "outcome_form": bound.get("outcome") or OutcomeForm(prefix="outcome"),
        "hospital_form": bound.get("hospital") or HospitalBedForm(prefix="hospital"),
        "hospital_request": bed_request(case.hospital_request) if case.hospital_request else None,
        "classifications": case.classifications.select_related("lab_result", "recorded_by"),
        "classify_form": bound.get("classify") or ClassifyForm(prefix="classify"),
        "transfer_form": bound.get("transfer") or TransferForm(prefix="transfer"),
        "transfers": case.transfers.select_related("requested_by", "decided_by"),
        "can_long_tail": user.has_role(Service.TRACING, Role.APPROVER) and bool(case.person.presence_id),
        "long_tail_form": bound.get("long_tail") or LongTailForm(prefix="long_tail"),
        "mass_texts": [(m, actions.tested_later(m)) for m in case.mass_texts.all()],
        **_release_context(case),
        "discovery_ready": bool(case.person.presence_id),
    }
    return render(request, "tracing/case.html", context, status=status)


def _release_context(case: Case) -> dict[str, Any]:
    today = timezone.localdate()
    if case.release_rule == Case.NOT_A_CASE_RULE:
        return {"release_basis": _("classified as not a case")}
    if case.status == Case.Status.RELEASED or case.outcome == Case.Outcome.DIED:
        version, _sep, key = case.release_rule.partition(" ")
        return {"release_basis": basis_words(version, key)}
    if not case.is_confirmed:
        return {}
    due, asks_vaccination = release_asking_vaccination(case, today)
    return {
        "release": due,
        "release_due": due.due(today),
        "release_rule_words": rule_words(due.basis) if due.basis else "",
        "release_waiting": waiting_words(due),
        "asks_vaccination": asks_vaccination,
    }


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _case_page(request, _visible_case(request, pk))


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def isolate(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = IsolationForm(request.POST, prefix="isolation")
    done = form_action(
        request,
        form,
        lambda d: actions.isolate(case, d["isolated_at"], actor=request.user),
        success=_("Isolation recorded."),
        then=_case_url(case),
    )
    return done or _case_page(request, case, status=form_status(form), isolation=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def add_lab_result(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = LabResultForm(request.POST, prefix="lab")
    was_confirmed = case.is_confirmed

    def said(result: LabResult) -> str:
        if not was_confirmed and result.classifications.exists():
            return _("Laboratory result recorded. It confirms the case: classified as confirmed.")
        return _("Laboratory result recorded.")

    done = form_action(
        request,
        form,
        lambda d: actions.record_lab_result(case, actions.LabInput(**d), actor=request.user),
        success=said,
        then=_case_url(case, "#lab-h"),
    )
    return done or _case_page(request, case, status=form_status(form), lab=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def classify(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = ClassifyForm(request.POST, prefix="classify")
    done = form_action(
        request,
        form,
        lambda d: actions.classify(case, d["classification"], d["on"], d["basis"], actor=request.user),
        success=lambda change: _("Classified as %(class)s.") % {"class": change.get_classification_display()},
        then=_case_url(case, "#classification-h"),
    )
    return done or _case_page(request, case, status=form_status(form), classify=form)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def request_hospital_bed(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = HospitalBedForm(request.POST, prefix="hospital")
    done = form_action(
        request,
        form,
        lambda d: actions.request_hospital_bed(case, d["tier"], tuple(d["needs"]), actor=request.user),
        success=_("The hospital network's patient-management team has the request."),
        then=_case_url(case, "#hospital-h"),
    )
    return done or _case_page(request, case, status=form_status(form), hospital=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def record_vaccination(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = VaccinationForm(request.POST, prefix="vaccination")
    done = form_action(
        request,
        form,
        lambda d: actions.record_vaccination(case, d["vaccination_complete"], actor=request.user),
        success=_("Vaccination recorded."),
        then=_case_url(case, "#release-h"),
    )
    return done or _case_page(request, case, status=form_status(form), vaccination=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def record_fever_end(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = FeverEndForm(request.POST, prefix="fever")
    done = form_action(
        request,
        form,
        lambda d: actions.record_fever_end(case, d["afebrile_since"], actor=request.user),
        success=_("End of fever recorded."),
        then=_case_url(case, "#release-h"),
    )
    return done or _case_page(request, case, status=form_status(form), fever=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def record_outcome(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = OutcomeForm(request.POST, prefix="outcome")
    done = form_action(
        request,
        form,
        lambda d: actions.record_outcome(case, d["outcome"], d["outcome_on"], actor=request.user),
        success=_("Outcome recorded."),
        then=_case_url(case, "#release-h"),
    )
    return done or _case_page(request, case, status=form_status(form), outcome=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def release(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    return button_action(
        request,
        lambda: actions.release(case, actor=request.user),
        success=_("Released from isolation."),
        then=_case_url(case, "#release-h"),
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def add_timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = TimelineForm(request.POST, prefix="timeline")
    done = form_action(
        request,
        form,
        lambda d: actions.add_timeline_entry(case, actions.TimelineInput(**d), actor=request.user),
        success=_("Timeline entry added."),
        then=_case_url(case, "#timeline-h"),
    )
    return done or _case_page(request, case, status=form_status(form), timeline=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def timeline_from_candidate(request: AuthedRequest, pk: int, episode: int) -> HttpResponse:
    """A place of a candidate's movement-data record onto the case's timeline (a button)."""
    candidate = get_object_or_404(selectors.candidates_for(request.user), pk=pk)
    return button_action(
        request,
        lambda: actions.add_timeline_from_candidate(candidate, episode, actor=request.user),
        success=_("Added to the timeline from the movement data."),
        then=_case_url(candidate.case_id, "#timeline-h"),
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def edit_timeline(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(selectors.timeline_entries_for(request.user), pk=pk)
    reason = _case_reason(request, entry.case)
    initial = {
        "start": timezone.localtime(entry.start),
        "end": timezone.localtime(entry.end),
        "place": entry.place,
        "district": entry.district,
        "setting": entry.setting,
        "found_by": entry.found_by,
        "note": entry.note,
    }
    form = TimelineForm(request.POST or None, initial=initial)
    done = form_action(
        request,
        form,
        lambda d: actions.change_timeline_entry(entry, actions.TimelineInput(**d), actor=request.user),
        success=_("Timeline entry changed."),
        then=_case_url(entry.case_id, "#timeline-h"),
    )
    if done:
        return done
    audit.record(TracingEvent.CASE_VIEWED, request=request, target=entry.case, reason=str(reason), service="tracing")
    return render(request, "tracing/timeline_edit.html", {"entry": entry, "form": form}, status=form_status(form))


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def add_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = ContactForm(request.POST, prefix="contact")

    def add(d: dict[str, Any]) -> Contact:
        exposure = actions.ExposureInput(
            on=d["on"],
            place=d["place"],
            setting=d["setting"],
            duration_minutes=d["duration_minutes"],
            proximity=d["proximity"],
            mask=d["mask"],
            certainty=d["certainty"],
        )
        return actions.add_contact(
            case,
            name=d["name"],
            phone=d["phone"],
            district=d["district"],
            language=d["language"],
            exposure=exposure,
            actor=request.user,
        )

    done = form_action(request, form, add, success=_("Contact added."), then=_case_url(case, "#contacts-h"))
    return done or _case_page(request, case, status=form_status(form), contact=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def discover(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    return button_action(
        request,
        lambda: actions.run_discovery(case, movement_dir(), actor=request.user),
        success=lambda counts: (
            _("Discovery found %(new)d new candidates (%(refreshed)d updated, %(decided)d already decided).")
            % {"new": counts["new"], "refreshed": counts["refreshed"], "decided": counts["already_decided"]}
        ),
        then=_case_url(case, "#candidates-h"),
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def long_tail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A supervisor splits the case's discovery at a score: above to the tracers, below one
    text each, sent by the scheduled job (``seoul tracing send-mass-texts``)."""
    case = _visible_case(request, pk)
    form = LongTailForm(request.POST, prefix="long_tail")
    done = form_action(
        request,
        form,
        lambda d: actions.split_long_tail(case, d["threshold"], notice=d["notice"], actor=request.user),
        success=lambda split: (
            _(
                "%(tracers)d candidates for the tracers; %(texts)d texts planned (%(opted)d opted out), sent within minutes."
            )
            % {
                "tracers": split.to_tracers["new"] + split.to_tracers["refreshed"],
                "texts": split.mass_text.recipients,
                "opted": split.mass_text.opted_out,
            }
        ),
        then=_case_url(case, "#long-tail-h"),
    )
    return done or _case_page(request, case, status=form_status(form), long_tail=form)


@public
@require_http_methods(["GET", "POST"])
def mass_text_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The opt-out link of a mass text: a page that asks, then a button (a link scanner that
    fetches the page opts nobody out)."""
    if request.method == "POST":
        found = actions.opt_out(token)
        return render(request, "tracing/mass_text_stop.html", {"done": found, "unknown": not found})
    return render(request, "tracing/mass_text_stop.html", {"ask": True})


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def decide_candidate(request: AuthedRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(selectors.candidates_for(request.user), pk=pk)
    form = CandidateForm(request.POST, prefix=f"candidate-{candidate.pk}")

    def decide(d: dict[str, Any]) -> Contact | Candidate:
        if d["decision"] == "confirm":
            return actions.confirm_candidate(
                candidate,
                reason=d["reason"],
                name=d["name"],
                phone=d["phone"],
                district=d["district"],
                setting=d["setting"],
                proximity=d["proximity"],
                actor=request.user,
            )
        return actions.dismiss_candidate(candidate, d["reason"], actor=request.user)

    def said(result: Contact | Candidate) -> str:
        if isinstance(result, Contact):
            return _("Confirmed as a contact: %(ref)s added.") % {"ref": result.reference}
        return _("Candidate dismissed.")

    done = form_action(request, form, decide, success=said, then=_case_url(candidate.case_id, "#candidates-h"))
    return done or _case_page(request, candidate.case, status=form_status(form), **{f"candidate-{candidate.pk}": form})


# --- contact page --------------------------------------------------------------------------


def _contact_page(request: AuthedRequest, contact: Contact, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
    reason = _contact_reason(request, contact)
    audit.record(TracingEvent.CONTACT_VIEWED, request=request, target=contact, reason=str(reason), service="tracing")
    today = timezone.localdate()
    user = request.user
    context = {
        "contact": contact,
        "today": today,
        "follow_ups": selectors.follow_up_history(contact),
        # every exposure of the person in the outbreak: a second case's restarts the monitoring
        "exposures": Exposure.objects.filter(exposed=contact.person, outbreak=contact.outbreak).select_related("case"),
        "assignment": contact.assignments.filter(ended_at=None).select_related("tracer").first(),
        "became_case": selectors.cases_for(user).filter(from_contact=contact).first(),
        "can_write": user.has_role(Service.TRACING, Role.OPERATOR) and contact.status == Contact.Status.MONITORING,
        "follow_up_form": bound.get("follow_up") or FollowUpForm(prefix="follow_up", initial={"day": today}),
        "convert_form": bound.get("convert") or ConvertForm(prefix="convert"),
        "flag_form": bound.get("flag") or FlagForm(prefix="flag"),
        "close_form": bound.get("close") or CloseContactForm(prefix="close"),
        "codes": contact.self_report_codes.all()[:5],
        "transfer_form": bound.get("transfer") or TransferForm(prefix="transfer"),
        "transfers": contact.transfers.select_related("requested_by", "decided_by"),
    }
    return render(request, "tracing/contact.html", context, status=status)


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def contact_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _contact_page(request, _visible_contact(request, pk))


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def record_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = FollowUpForm(request.POST, prefix="follow_up")
    done = form_action(
        request,
        form,
        lambda d: actions.record_follow_up(
            contact,
            d["day"],
            d["status"],
            d["symptoms"],
            symptom_list=d["symptom_list"],
            temperature=d["temperature"],
            actor=request.user,
        ),
        success=_("Follow-up recorded."),
        then=_contact_url(contact, "#follow-ups-h"),
    )
    return done or _contact_page(request, contact, status=form_status(form), follow_up=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def close_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = CloseContactForm(request.POST, prefix="close")
    done = form_action(
        request,
        form,
        lambda d: actions.close_contact(contact, d["status"], reason=d["reason"], actor=request.user),
        success=_("Monitoring closed."),
        then=_contact_url(contact),
    )
    return done or _contact_page(request, contact, status=form_status(form), close=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def convert(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = ConvertForm(request.POST, prefix="convert")

    def said(result: actions.Registration) -> str:
        if result.case is None:
            return _(
                "This person needs a supervisor's review before becoming a case: it has been passed on. "
                "The contact stays under monitoring until then."
            )
        return _("%(contact)s is now case %(case)s.") % {"contact": contact.reference, "case": result.case.reference}

    def then(result: actions.Registration) -> str:
        if result.case is None:
            return _contact_url(contact)
        carry_reason(request, contact, result.case)
        return _case_url(result.case)

    done = form_action(
        request, form, lambda d: actions.convert_to_case(contact, actor=request.user, **d), success=said, then=then
    )
    return done or _contact_page(request, contact, status=form_status(form), convert=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def send_text(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    asked = timezone.now()

    def said(row: SelfReportCode) -> str:
        if row.created_at < asked:
            return _("A text was already sent at %(at)s; its code stays valid.") % {
                "at": timezone.localtime(row.created_at).strftime("%H:%M")
            }
        if row.delivery == SelfReportCode.Delivery.SENT:
            return _("The self-report text was sent.")
        return _("The self-report text is on its way.")

    return button_action(
        request,
        lambda: actions.send_self_report_code(contact, request.build_absolute_uri("/"), actor=request.user),
        success=said,
        then=_contact_url(contact, "#self-report-h"),
    )


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def clear_flag(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = FlagForm(request.POST, prefix="flag")
    done = form_action(
        request,
        form,
        lambda d: actions.clear_symptom_flag(contact, d["note"], actor=request.user),
        success=_("Symptom report reviewed."),
        then=_contact_url(contact),
    )
    return done or _contact_page(request, contact, status=form_status(form), flag=form)


# --- search and export of personal data --------------------------------------------------


@require_role(Service.TRACING, Role.VIEWER)
@require_http_methods(["GET", "POST"])
def search(request: AuthedRequest) -> HttpResponse:
    """Find a person's case and contact records by phone number, among those the person may
    see. A search of personal data: a reason first, and an audit record (without the number).
    The number is posted, so it never appears in a URL or an access log."""
    reason = need_reason(request, "tracing.search", purposes=TracingPurpose, title=_("Search by phone number"))
    phone = request.POST.get("phone", "").strip()[:30] if request.method == "POST" else ""
    cases, contacts = selectors.search_by_phone(request.user, phone)
    if phone:
        audit.record(
            TracingEvent.PERSON_SEARCHED,
            request=request,
            reason=str(reason),
            new={"cases": [str(c) for c in cases], "contacts": [str(c) for c in contacts]},
            service="tracing",
        )
    return render(request, "tracing/search.html", {"phone": phone, "cases": cases, "contacts": contacts})


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def export_quarantine(request: AuthedRequest) -> HttpResponse:
    """Contacts under quarantine today in the supervisor's scope, as CSV, for the district
    health centres' quarantine notices: reference, name, phone, district and quarantine dates
    only (no case, exposure or health data). A reason first; audited with the count."""
    reason = need_reason(request, "tracing.quarantine_list", purposes=TracingPurpose, title=_("Quarantine list"))
    today = timezone.localdate()
    rows = selectors.quarantine_list(request.user, today)
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
                format_phone(c.person.phone),
                district_label(c.district_obj),
                c.quarantine_start,
                c.quarantine_end,
            ]
            for c in rows
        ),
    )


# --- supervisor ----------------------------------------------------------------------------


def _tracer_choices(user: Any) -> list[tuple[int, str]]:
    return [(p.user_id, f"{p.user} ({district_label(p.district_obj)})") for p in selectors.tracers_for(user)]


def _supervisor_page(request: AuthedRequest, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    tracers = _tracer_choices(user)
    ind = selectors.indicators(user, today, timezone.now())
    districts = {str(r["district"].index): r["district"] for r in ind.backlog}
    district_filter = _choice(request, "district", districts) if len(districts) > 1 else ""
    backlog = [r for r in ind.backlog if not district_filter or str(r["district"].index) == district_filter]
    if request.GET.get("due") == "1":
        backlog = [r for r in backlog if r["due_today"] or r["flagged"]]
    tracer_names = {str(pk): label for pk, label in tracers}
    kinds = {"case": _("Cases"), "contact": _("Contacts")}
    assignment_filter = {
        "tracer": _choice(request, "tracer", tracer_names),
        "kind": _choice(request, "kind", kinds),
    }
    assignments = selectors.open_assignments(user, **assignment_filter)
    return render(
        request,
        "tracing/supervisor.html",
        {
            "today": today,
            "ind": ind,
            "backlog": backlog,
            "districts": sorted(districts.items(), key=lambda kv: int(kv[0])),
            "district_filter": district_filter,
            "due_filter": request.GET.get("due") == "1",
            "assignments": [
                (
                    a,
                    bound.get(f"assignment-{a.pk}")
                    or ReassignForm(prefix=f"assignment-{a.pk}", tracers=tracers, initial={"tracer": a.tracer_id}),
                )
                for a in assignments
            ],
            "assignment_filter": assignment_filter,
            "tracer_names": sorted(tracer_names.items(), key=lambda kv: kv[1]),
            "kinds": list(kinds.items()),
            "duplicates": [
                (d, bound.get(f"duplicate-{d.pk}") or ReviewForm(prefix=f"duplicate-{d.pk}"))
                for d in selectors.open_duplicates(user)
            ],
            "profile": getattr(user, "tracer_profile", None),
            "outbreaks": selectors.outbreaks_for(user),
            "transfers": [
                (t, bound.get(f"transfer-{t.pk}") or TransferDecisionForm(prefix=f"transfer-{t.pk}"))
                for t in actions.incoming(user)
            ],
        },
        status=status,
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def supervisor(request: AuthedRequest) -> HttpResponse:
    return _supervisor_page(request)


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def reassign(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.open_assignments(request.user), pk=pk)
    form = ReassignForm(request.POST, prefix=f"assignment-{pk}", tracers=_tracer_choices(request.user))

    def move(d: dict[str, Any]) -> Any:
        tracer = selectors.tracers_for(request.user).filter(user_id=d["tracer"]).select_related("user").first()
        if tracer is None:
            raise Http404
        return actions.reassign(assignment, tracer.user, d["reason"], actor=request.user)

    done = form_action(
        request,
        form,
        move,
        success=lambda new: (
            _("%(ref)s reassigned to %(tracer)s.") % {"ref": (new.case or new.contact).reference, "tracer": new.tracer}
        ),
        then=reverse("tracing:supervisor") + "#assign-h",
    )
    return done or _supervisor_page(request, status=form_status(form), **{f"assignment-{pk}": form})


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def review_duplicate(request: AuthedRequest, pk: int) -> HttpResponse:
    duplicate = get_object_or_404(selectors.open_duplicates(request.user), pk=pk)
    form = ReviewForm(request.POST, prefix=f"duplicate-{pk}")
    done = form_action(
        request,
        form,
        lambda d: actions.review_duplicate(duplicate, d["note"], actor=request.user),
        success=_("Registration reviewed."),
        then=reverse("tracing:supervisor") + "#duplicates-h",
    )
    return done or _supervisor_page(request, status=form_status(form), **{f"duplicate-{pk}": form})


# --- outbreaks -------------------------------------------------------------------------------

_ADD = gettext_lazy("Investigator to add")
_REMOVE = gettext_lazy("Investigator to remove")


def _outbreaks_page(request: AuthedRequest, *, status: int = 200, **bound: forms.Form) -> HttpResponse:
    """Outbreaks the person takes part in (an investigator's way in), by reference; the ones
    they manage carry the forms that change their investigators."""
    user = request.user
    outbreaks = list(selectors.outbreaks_for(user))
    districts = {str(o.district): o.district_obj for o in outbreaks}
    chosen = _choice(request, "district", districts)
    if chosen:
        outbreaks = [o for o in outbreaks if str(o.district) == chosen]
    cases = selectors.cases_for(user).filter(outbreak__in=outbreaks).order_by("confirmed_on", "pk")
    by_outbreak: dict[int, list[Case]] = {}
    for case in cases:
        by_outbreak.setdefault(case.outbreak_id, []).append(case)
    managed = set(selectors.managed_outbreaks(user).values_list("pk", flat=True))
    staff = [(u.pk, _staff_label(u)) for u in selectors.investigator_candidates(user)]
    rows = []
    for o in outbreaks:
        investigators = list(o.investigators.order_by("username"))
        add_form: forms.Form | None = None
        remove_form: forms.Form | None = None
        rules_form: forms.Form | None = None
        if o.pk in managed:
            rules_form = bound.get(f"rules-{o.pk}") or AlertRulesForm(
                prefix=f"rules-{o.pk}", initial=o.rules.to_mapping()
            )
            present = {u.pk for u in investigators}
            add_form = bound.get(f"outbreak-{o.pk}") or InvestigatorForm(
                prefix=f"outbreak-{o.pk}", staff=[(pk, label) for pk, label in staff if pk not in present], label=_ADD
            )
            remove_form = bound.get(f"outbreak-{o.pk}-remove") or InvestigatorForm(
                prefix=f"outbreak-{o.pk}-remove", staff=[(u.pk, str(u)) for u in investigators], label=_REMOVE
            )
        rows.append(
            {
                "outbreak": o,
                "cases": by_outbreak.get(o.pk, []),
                "investigators": investigators,
                "add_form": add_form,
                "remove_form": remove_form,
                "rules_form": rules_form,
            }
        )
    return render(
        request,
        "tracing/outbreaks.html",
        {
            "rows": rows,
            "districts": sorted(districts.items(), key=lambda kv: int(kv[0])),
            "district_filter": chosen,
            "can_open": user.has_role(Service.TRACING, Role.APPROVER),
        },
        status=status,
    )


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def outbreaks(request: AuthedRequest) -> HttpResponse:
    return _outbreaks_page(request)


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def add_investigator(request: AuthedRequest, pk: int) -> HttpResponse:
    """Only someone who may manage the outbreak reaches it here (others: 404), and the choices
    never include the person asking."""
    outbreak = get_object_or_404(selectors.managed_outbreaks(request.user), pk=pk)
    present = set(outbreak.investigators.values_list("pk", flat=True))
    staff = [(u.pk, str(u)) for u in selectors.investigator_candidates(request.user) if u.pk not in present]
    form = InvestigatorForm(request.POST, prefix=f"outbreak-{pk}", staff=staff, label=_ADD)

    def add(d: dict[str, Any]) -> Any:
        user = selectors.staff_member(d["user"])
        if user is None:
            raise Http404
        actions.add_investigator(outbreak, user, actor=request.user)
        return user

    done = form_action(
        request,
        form,
        add,
        success=lambda user: _("%(user)s now investigates %(outbreak)s.") % {"user": user, "outbreak": outbreak.label},
        then=reverse("tracing:outbreaks") + f"#ob-{outbreak.pk}",
    )
    return done or _outbreaks_page(request, status=form_status(form), **{f"outbreak-{pk}": form})


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def set_alert_rules(request: AuthedRequest, pk: int) -> HttpResponse:
    outbreak = get_object_or_404(selectors.managed_outbreaks(request.user), pk=pk)
    form = AlertRulesForm(request.POST, prefix=f"rules-{pk}")
    done = form_action(
        request,
        form,
        lambda _d: actions.set_alert_rules(outbreak, form.rules(), actor=request.user),
        success=_("Alert rules of %(outbreak)s saved.") % {"outbreak": outbreak.label},
        then=reverse("tracing:outbreaks") + f"#ob-{outbreak.pk}",
    )
    return done or _outbreaks_page(request, status=form_status(form), **{f"rules-{pk}": form})


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def remove_investigator(request: AuthedRequest, pk: int) -> HttpResponse:
    outbreak = get_object_or_404(selectors.managed_outbreaks(request.user), pk=pk)
    investigators = {u.pk: u for u in outbreak.investigators.all()}
    form = InvestigatorForm(
        request.POST,
        prefix=f"outbreak-{pk}-remove",
        staff=[(u.pk, str(u)) for u in investigators.values()],
        label=_REMOVE,
    )

    def remove(d: dict[str, Any]) -> Any:
        actions.remove_investigator(outbreak, investigators[d["user"]], actor=request.user)
        return investigators[d["user"]]

    done = form_action(
        request,
        form,
        remove,
        success=lambda user: (
            _("%(user)s no longer investigates %(outbreak)s.") % {"user": user, "outbreak": outbreak.label}
        ),
        then=reverse("tracing:outbreaks") + f"#ob-{outbreak.pk}",
    )
    return done or _outbreaks_page(request, status=form_status(form), **{f"outbreak-{pk}-remove": form})


@require_role(Service.TRACING, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def tracers(request: AuthedRequest) -> HttpResponse:
    """Tracing administrators give tracers and supervisors their district."""
    staff = [u for u in selectors.tracing_staff() if u.has_role(Service.TRACING, Role.OPERATOR)]
    form = TracerProfileForm(request.POST or None, staff=[(u.pk, _staff_label(u)) for u in staff])
    by_pk = {u.pk: u for u in staff}
    done = form_action(
        request,
        form,
        lambda d: actions.set_tracer_profile(by_pk[d["user"]], d["district"], active=d["active"], actor=request.user),
        success=lambda profile: _("%(user)s: district saved.") % {"user": profile.user},
        then=reverse("tracing:tracers"),
    )
    if done:
        return done
    everyone = [(u, _role_word(u), getattr(u, "tracer_profile", None)) for u in selectors.tracing_staff()]
    districts = {str(p.district): p.district_obj for _u, _r, p in everyone if p is not None}
    chosen = _choice(request, "district", districts)
    if chosen:
        everyone = [row for row in everyone if row[2] is not None and str(row[2].district) == chosen]
    return render(
        request,
        "tracing/tracers.html",
        {
            "form": form,
            "staff": everyone,
            "districts": sorted(districts.items(), key=lambda kv: int(kv[0])),
            "district_filter": chosen,
        },
        status=form_status(form),
    )


# --- chains --------------------------------------------------------------------------------


@require_role(Service.TRACING, Role.VIEWER)
@require_GET
def chains(request: AuthedRequest, pk: int) -> HttpResponse:
    outbreak = get_object_or_404(selectors.outbreaks_for(request.user), pk=pk)
    graph = selectors.chains(request.user, outbreak)
    title = _("Transmission chains of %(name)s") % {"name": outbreak.label}
    by_district = selectors.districts_of_outbreak(request.user, outbreak)
    map_title = _("Cases of %(name)s by district of residence") % {"name": outbreak.label}
    district_map = selectors.district_map_spec({i: n for i, _name, n, _c in by_district}, map_title, _("Cases"))
    return render(
        request,
        "tracing/chains.html",
        {
            "outbreak": outbreak,
            "graph": graph,
            "chart": selectors.chain_spec(graph, title),
            "title": title,
            "by_district": by_district,
            "district_map": district_map,
            "map_title": map_title,
        },
    )


# --- self-report (no account) --------------------------------------------------------------


def _speak(request: HttpRequest, language: str) -> None:
    """Speak the person's language (their texts are in it), until they choose another in the
    language menu."""
    if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(language)
        request.LANGUAGE_CODE = language


@public
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, invite: str) -> HttpResponse:
    """The page a contact opens from the text message: today's health, with the texted code."""
    try:
        row = actions.self_report_code(invite)
    except actions.SelfReportRefused as exc:
        _speak(request, exc.language)
        return render(request, "tracing/self_report.html", {"refused": exc.error.message()}, status=410)
    _speak(request, row.contact.person.language)
    form = SelfReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = actions.submit_self_report(invite, d["code"], **form.report())
        except actions.SelfReportRefused as exc:
            if exc.kind not in ("wrong_code", "locked"):
                return render(request, "tracing/self_report.html", {"refused": exc.error.message()}, status=410)
            form.add_error("code", exc.error.message())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            unwell = entry.status == FollowUp.Status.SEEN_SYMPTOMS
            return render(request, "tracing/self_report.html", {"done": True, "symptoms": unwell})
    return render(
        request,
        "tracing/self_report.html",
        {"form": form, "day": row.day, "end": row.contact.quarantine_end},
        status=form_status(form),
    )


# --- line lists in ---------------------------------------------------------------------------


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedRequest) -> HttpResponse:
    """Step 1 of a line-list import: the file and what it lists. The file is kept for the
    mapping step only (``uploads.py``)."""
    outbreaks = {o.pk: o for o in selectors.outbreaks_for(request.user)}
    form = LineListUploadForm(
        request.POST or None, request.FILES or None, outbreaks=[(pk, o.label) for pk, o in outbreaks.items()]
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        staged = uploads.stage(d["file"], user_id=request.user.pk, kind=d["kind"], outbreak_id=d["outbreak"])
        try:
            linelist.read_rows(staged.path)
        except linelist.LineListError as exc:
            staged.discard()
            form.add_error("file", actions.file_words(exc))
        else:
            return redirect("tracing:import_map", token=staged.token)
    imports = selectors.line_list_imports(request.user)[:10]
    return render(request, "tracing/import_upload.html", {"form": form, "imports": imports}, status=form_status(form))


@require_role(Service.TRACING, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def import_map(request: AuthedRequest, token: str) -> HttpResponse:
    """Step 2: which column holds each field (suggested from the headers), then the import."""
    staged = uploads.staged(token, request.user.pk)
    if staged is None:
        raise Http404
    headers, _rows = linelist.read_rows(staged.path)
    kind = cast("linelist.Kind", staged.kind)
    form = LineListMappingForm(
        request.POST or None, kind=kind, headers=headers, suggested=linelist.suggest_mapping(kind, headers)
    )
    outbreak = (
        selectors.outbreaks_for(request.user).filter(pk=staged.outbreak_id).first() if staged.outbreak_id else None
    )

    def run(_d: dict[str, Any]) -> LineListImport:
        done = actions.import_line_list(
            staged.path,
            kind,
            form.mapping(),
            actor=request.user,
            outbreak=outbreak,
            filename=staged.filename,
        )
        staged.discard()
        return done

    done = form_action(
        request,
        form,
        run,
        success=lambda i: (
            _("%(imported)d of %(rows)d rows imported; %(refused)d refused.")
            % {"imported": i.imported, "rows": i.rows, "refused": len(i.refused)}
        ),
        then=lambda i: reverse("tracing:import_report", args=[i.pk]),
    )
    if done:
        return done
    context = {
        "form": form,
        "kind": LineListImport.Kind(kind).label,
        "filename": staged.filename,
        "columns": len([h for h in headers if h]),
    }
    return render(request, "tracing/import_map.html", context, status=form_status(form))


@require_role(Service.TRACING, Role.OPERATOR)
@require_GET
def import_report(request: AuthedRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(selectors.line_list_imports(request.user), pk=pk)
    refused = [(r["line"], FIELD_LABELS.get(r["field"], r["field"]), r["reason"]) for r in done.refused]
    return render(request, "tracing/import_report.html", {"report": done, "refused": refused})


# --- line lists out ---------------------------------------------------------------------------


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def exports_page(request: AuthedRequest) -> HttpResponse:
    """The line lists a supervisor may download (what they see), each with its data dictionary."""
    outbreaks = list(selectors.outbreaks_for(request.user))
    chosen = _choice(request, "outbreak", {str(o.pk): o for o in outbreaks})
    tables = [(kind, title) for kind, (title, _columns) in exports.TABLES.items()]
    return render(
        request,
        "tracing/exports.html",
        {"tables": tables, "outbreaks": outbreaks, "outbreak_filter": chosen},
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def export_table(request: AuthedRequest, kind: str, fmt: str) -> HttpResponse:
    """One line list as CSV or XLSX (the XLSX with its data dictionary as a second sheet): a
    reason first, audited with the table, the outbreak and the row count."""
    if kind not in exports.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    allowed = {str(o.pk): o for o in selectors.outbreaks_for(request.user)}
    chosen = _choice(request, "outbreak", allowed)
    if request.GET.get("outbreak") and not chosen:
        raise Http404  # not an outbreak the reader takes part in
    outbreak = allowed[chosen] if chosen else None
    title, _columns = exports.TABLES[kind]
    reason = need_reason(request, f"tracing.export.{kind}", purposes=TracingPurpose, title=str(title))
    items = list(exports.records(kind, request.user, outbreak))
    audit.record(
        audit.CoreEvent.PERSONAL_DATA_EXPORTED,
        request=request,
        reason=str(reason),
        target_type=f"tracing.{kind}",
        new={"rows": len(items), "what": kind, "format": fmt, "outbreak": outbreak.pk if outbreak else None},
        service="tracing",
    )
    name = f"{kind}-{exports.stamp()}"
    if fmt == "csv":
        return csv_response(name, exports.header(kind), exports.rows(kind, items))
    dict_head, dict_rows = exports.dictionary(kind)
    return xlsx_sheets_response(
        name,
        [(kind, exports.header(kind), exports.rows(kind, items)), (str(_("data dictionary")), dict_head, dict_rows)],
    )


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def export_dictionary(request: AuthedRequest, kind: str) -> HttpResponse:
    """A line list's data dictionary as CSV (no personal data: no reason asked)."""
    if kind not in exports.TABLES:
        raise Http404
    head, rows = exports.dictionary(kind)
    return csv_response(f"{kind}-dictionary", head, rows)


# --- district transfers ------------------------------------------------------------------------


def _transfer_asked(transfer: Transfer) -> str:
    return _("Transfer to %(district)s asked; the record stays here until that district accepts.") % {
        "district": district_label(transfer.to_district_obj)
    }


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def transfer_case(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _visible_case(request, pk)
    form = TransferForm(request.POST, prefix="transfer")
    done = form_action(
        request,
        form,
        lambda d: actions.request_transfer(case, d["to_district"], d["reason"], actor=request.user),
        success=_transfer_asked,
        then=_case_url(case, "#transfer-h"),
    )
    return done or _case_page(request, case, status=form_status(form), transfer=form)


@require_role(Service.TRACING, Role.OPERATOR)
@require_POST
def transfer_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = _visible_contact(request, pk)
    form = TransferForm(request.POST, prefix="transfer")
    done = form_action(
        request,
        form,
        lambda d: actions.request_transfer(contact, d["to_district"], d["reason"], actor=request.user),
        success=_transfer_asked,
        then=_contact_url(contact, "#transfer-h"),
    )
    return done or _contact_page(request, contact, status=form_status(form), transfer=form)


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def decide_transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    transfer = next((t for t in actions.incoming(request.user) if t.pk == pk), None)
    if transfer is None:
        raise Http404
    form = TransferDecisionForm(request.POST, prefix=f"transfer-{pk}")
    done = form_action(
        request,
        form,
        lambda d: actions.decide_transfer(transfer, d["decision"] == "accept", d["note"], actor=request.user),
        success=lambda t: (
            _("%(ref)s is now your district's.") % {"ref": t.record.reference}
            if t.status == "accepted"
            else _("Transfer refused; the record stays with its district.")
        ),
        then=reverse("tracing:supervisor") + "#transfers-h",
    )
    return done or _supervisor_page(request, status=form_status(form), **{f"transfer-{pk}": form})


# --- duplicate persons -----------------------------------------------------------------------------


def _pair_row(pair: actions.people.Pair) -> dict[str, Any]:
    def records(person: Person) -> list[str]:
        return [c.reference for c in person.cases.all()] + [c.reference for c in person.contacts.all()]

    return {"pair": pair, "first": records(pair.first), "second": records(pair.second)}


@require_role(Service.TRACING, Role.APPROVER)
@require_GET
def duplicate_people(request: AuthedRequest) -> HttpResponse:
    """Person records that may be one person, for the supervisor's review: names and phones
    shown behind a stated reason, the viewing audited."""
    reason = need_reason(request, "tracing.people", purposes=TracingPurpose, title=_("Possibly the same person"))
    pairs = actions.possible_duplicates(request.user)
    audit.record(
        TracingEvent.PEOPLE_REVIEWED,
        request=request,
        reason=str(reason),
        new={"pairs": [f"{p.first}:{p.second}" for p in pairs]},
        service="tracing",
    )
    return _people_page(request, pairs)


def _people_page(
    request: AuthedRequest, pairs: list[actions.people.Pair], *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    rows = []
    for pair in pairs:
        key = f"pair-{pair.first.pk}-{pair.second.pk}"
        rows.append({**_pair_row(pair), "key": key, "form": bound.get(key) or PersonPairForm(prefix=key)})
    return render(request, "tracing/people.html", {"rows": rows}, status=status)


@require_role(Service.TRACING, Role.APPROVER)
@require_POST
def decide_people(request: AuthedRequest, first: int, second: int) -> HttpResponse:
    pairs = actions.possible_duplicates(request.user)
    pair = next((p for p in pairs if (p.first.pk, p.second.pk) == (first, second)), None)
    if pair is None:
        raise Http404
    key = f"pair-{first}-{second}"
    form = PersonPairForm(request.POST, prefix=key)

    def decide(d: dict[str, Any]) -> str:
        if d["decision"] == "different":
            actions.mark_different(pair.first, pair.second, d["note"], actor=request.user)
            return str(_("Marked as different people."))
        keep, drop = (pair.first, pair.second) if d["decision"] == "keep_first" else (pair.second, pair.first)
        actions.merge_persons(keep, drop, d["note"], actor=request.user)
        return str(_("Merged: %(drop)s's records are now %(keep)s's.") % {"drop": drop, "keep": keep})

    done = form_action(request, form, decide, success=lambda said: said, then=reverse("tracing:duplicate_people"))
    return done or _people_page(request, pairs, status=form_status(form), **{key: form})
