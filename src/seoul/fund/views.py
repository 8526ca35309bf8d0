"""Pages of the start-up fund (docs/fund.md): the calls (public, with who may apply before
anyone spends time), applying, a start-up's own applications with the next step, milestone
evidence and quarterly KPIs; fund staff's worklist, screening, the committee's meetings
(declarations, scores, quorum, decision with terms), an investee's file, and the dashboard."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from seoul.core import audit, personal_data
from seoul.core.access import public, require_role, signed_in
from seoul.core.exports import csv_response
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.http import AuthedRequest
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.fund import actions, labels, reports, selectors, storage
from seoul.fund.engine import committee as committee_engine
from seoul.fund.engine import quarters
from seoul.fund.engine.rules import rules
from seoul.fund.engine.terms import Terms
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent, FundPurpose
from seoul.fund.forms import (
    ApplyForm,
    CallFilterForm,
    CallForm,
    CloseCallForm,
    DecideForm,
    DeclareForm,
    DistributionForm,
    EvidenceForm,
    KpiForm,
    MeetingForm,
    MemberForm,
    PayForm,
    ScoreForm,
    ScreeningForm,
    ValuationForm,
    VerifyForm,
    WorklistFilterForm,
)
from seoul.fund.models import (
    Application,
    CallState,
    CommitteeMember,
    Declaration,
    Instrument,
    Meeting,
    Score,
    Tranche,
)

States = Application.States


def _citizen(request: AuthedRequest) -> None:
    if request.user.kind != User.Kind.CITIZEN:
        raise PermissionDenied(_("These pages are for citizens signed in with their own account."))


def _tickets(stages: list[str], instruments: list[str]) -> list[dict[str, Any]]:
    out = []
    for code in stages:
        stage = rules().stage(code)
        if stage is None:
            continue
        out.append(
            {
                "name": labels.stage(code),
                "max_years": stage.max_years,
                "tickets": [
                    (label, labels.won(stage.tickets[i][0]), labels.won(stage.tickets[i][1]))
                    for i, label in (
                        ("equity", _("Equity investment")),
                        ("convertible", _("Convertible note")),
                        ("loan", pgettext("fund", "Loan")),
                    )
                    if i in stage.tickets and i in instruments
                ],
            }
        )
    return out


def _call_context(call: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "call": call,
        "open": call.is_open(today),
        "state": labels.call_state(call.state_on(today)),
        "sectors": [labels.sector(s) for s in call.sectors],
        "stages": _tickets(call.stages, call.instruments),
        "fund_name": labels.fund_name(),
        "manager": labels.manager(),
    }


# ---- public ---------------------------------------------------------------------------------


@public
@require_GET
def start(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [(c, labels.call_state(c.state_on(today)), [labels.sector(s) for s in c.sectors]) for c in selectors.calls()]
    fund = rules()
    context = {
        "rows": rows,
        "fund_name": labels.fund_name(),
        "manager": labels.manager(),
        "size": labels.won(fund.size),
        "sectors": [(labels.sector(s.code), labels.won(s.allocation)) for s in fund.sectors],
    }
    return render(request, "fund/start.html", context)


@public
@require_GET
def call(request: AuthedRequest, code: str) -> HttpResponse:
    return render(request, "fund/call.html", _call_context(selectors.call(code)))


# ---- start-ups ------------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def apply(request: AuthedRequest, code: str) -> HttpResponse:
    _citizen(request)
    found = selectors.call(code)
    form = ApplyForm(request.POST or None, request.FILES or None, call=found)

    def run(d: dict[str, Any]) -> Application:
        deck = d["deck"]
        proposal = actions.Proposal(
            startup_name=d["startup_name"],
            brn=d["brn"],
            sector=d["sector"],
            stage=d["stage"],
            amount=d["amount"],
            instrument=d["instrument"],
            summary=d["summary"],
            team=form.team(),
            revenue_12m=d["revenue_12m"],
            employees=d["employees"],
            users=d["users"],
            follow_on=d["follow_on"],
        )
        return actions.apply(found, proposal, deck, deck.size, actor=request.user)

    done = form_action(
        request,
        form,
        run,
        then=lambda a: reverse("fund:my_application", args=[a.reference]),
        success=lambda a: _("Application sent. Your reference is %(reference)s.") % {"reference": a.reference},
    )
    if done:
        return done
    parts = [
        (_("Your start-up"), form.part(["startup_name", "brn", "sector", "stage"])),
        (_("What you ask for"), form.part(["instrument", "amount", "summary"])),
        (_("The team"), form.part([f"team_{i}_{k}" for i in range(1, 5) for k in ("name", "role")])),
        (_("Traction"), form.part(["revenue_12m", "employees", "users", "follow_on"])),
        (_("Pitch deck and confirmation"), form.part(["deck", "confirm"])),
    ]
    context = _call_context(found) | {"form": form, "parts": parts}
    return render(request, "fund/apply.html", context, status=form_status(form))


@signed_in
@require_GET
def me(request: AuthedRequest) -> HttpResponse:
    _citizen(request)
    rows = [
        {"application": a, "sector": labels.sector(a.sector), "next": labels.next_step(a)}
        for a in selectors.own_applications(request.user)
    ]
    return render(request, "fund/me.html", {"rows": rows})


def _tranche_rows(application: Application) -> list[Tranche]:
    return list(application.tranches.order_by("number"))


@signed_in
@require_http_methods(["GET", "POST"])
def my_application(request: AuthedRequest, reference: str) -> HttpResponse:
    """The start-up's application: its state and next step, the decision, each tranche with the
    milestone evidence form, and the quarterly KPI report."""
    _citizen(request)
    found = selectors.own_application(request.user, reference)
    back = reverse("fund:my_application", args=[found.reference])
    which = request.POST.get("form", "") if request.method == "POST" else ""
    tranches = _tranche_rows(found)
    waiting = next((t for t in tranches if t.state == Tranche.States.PLANNED), None)
    evidence = EvidenceForm(
        request.POST if which == "evidence" else None,
        request.FILES if which == "evidence" else None,
        prefix="evidence",
    )
    since = timezone.localdate(found.decided_at) if found.decided_at else timezone.localdate()
    open_quarters = quarters.reportable(timezone.localdate(), since) if found.is_investee else []
    kpi = KpiForm(request.POST if which == "kpi" else None, prefix="kpi", quarters=open_quarters)
    done = None
    if which == "evidence" and waiting is not None:
        done = form_action(
            request,
            evidence,
            lambda d: actions.send_evidence(
                waiting,
                d["evidence"],
                evidence_file=d.get("evidence_file"),
                evidence_size=d["evidence_file"].size if d.get("evidence_file") else 0,
                actor=request.user,
            ),
            then=back,
            success=_("Evidence sent. Fund staff will check it."),
        )
    elif which == "kpi":
        done = form_action(
            request,
            kpi,
            lambda d: actions.report_kpis(
                found,
                year=kpi.year_quarter()[0],
                quarter=kpi.year_quarter()[1],
                revenue=d["revenue"],
                employees=d["employees"],
                follow_on=d["follow_on"],
                note=d["note"],
                actor=request.user,
            ),
            then=back,
            success=_("Quarterly figures saved."),
        )
    if done:
        return done
    decision = getattr(found, "decision", None)
    context = {
        "application": found,
        "sector": labels.sector(found.sector),
        "stage": labels.stage(found.stage),
        "next": labels.next_step(found),
        "decision": decision,
        "tranches": tranches,
        "waiting": waiting,
        "evidence": evidence,
        "kpi": kpi if open_quarters else None,
        "kpis": selectors.kpi_history(found),
        "transitions": found.transitions.all(),
    }
    bound = evidence if which == "evidence" else kpi
    return render(request, "fund/my_application.html", context, status=form_status(bound))


# ---- fund staff -----------------------------------------------------------------------------


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def worklist(request: AuthedRequest) -> HttpResponse:
    """Applications to screen, milestones to verify, tranches to pay and due; the meetings."""
    filters = WorklistFilterForm(request.GET or None)
    state = filters.cleaned_data.get("state", "") if filters.is_valid() else ""
    sort = filters.cleaned_data.get("sort", "") if filters.is_valid() else ""
    meeting_form = MeetingForm(
        request.POST or None,
        members=User.objects.filter(fund_member__active=True).order_by("username"),
        prefix="meeting",
    )
    done = form_action(
        request,
        meeting_form,
        lambda d: actions.set_meeting(d["held_on"], d["title"], d["present"], actor=request.user),
        then=lambda m: reverse("fund:meeting", args=[m.pk]),
        success=_("Meeting set up."),
    )
    if done:
        return done
    today = timezone.localdate()
    call_states = [c.state_on(today) for c in selectors.staff_calls(request.user)]
    context = selectors.worklist(request.user, state=state, sort=sort) | {
        "filters": filters,
        "meetings": selectors.meetings(request.user)[:20],
        "meeting_form": meeting_form,
        "members": selectors.members().count(),
        "calls_open": call_states.count(CallState.OPEN),
        "calls_upcoming": call_states.count(CallState.UPCOMING),
    }
    return render(request, "fund/worklist.html", context, status=form_status(meeting_form))


def _reason(request: AuthedRequest, found: Application, back: str) -> personal_data.Reason:
    return personal_data.need_reason(
        request,
        found,
        purposes=FundPurpose,
        title=_("Start-up application %(reference)s") % {"reference": found.reference},
        back=back,
    )


def _facts(found: Application) -> list[tuple[str, str]]:
    return [
        (_("Business registration number"), f"{found.brn[:3]}-{found.brn[3:5]}-{found.brn[5:]}"),
        (_("Call"), found.call.title_ko if labels.lang() == "ko" else found.call.title_en),
        (_("Sector"), labels.sector(found.sector)),
        (_("Stage"), labels.stage(found.stage)),
        (_("Instrument wished"), str(found.get_instrument_display())),
        (_("Amount asked"), labels.won(found.amount)),
        (_("Revenue in the last 12 months"), labels.won(found.revenue_12m)),
        (_("Employees"), f"{found.employees:,}"),
        (_("Users or customers"), f"{found.users:,}"),
        (_("Investment raised from others"), labels.won(found.follow_on)),
    ]


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def screening(request: AuthedRequest, reference: str) -> HttpResponse:
    found = selectors.staff_application(request.user, reference)
    back = reverse("fund:screening", args=[found.reference])
    reason = _reason(request, found, back)
    upcoming = Meeting.objects.filter(held_on__gte=timezone.localdate()).order_by("held_on")
    form = ScreeningForm(request.POST or None, meetings=upcoming)
    done = form_action(
        request,
        form,
        lambda d: actions.screen(
            found,
            checks=form.checks(),
            outcome=d["outcome"],
            note=d["note"],
            reason=d["reason"],
            meeting=d["meeting"],
            actor=request.user,
        ),
        then=back,
        success=_("Screening saved."),
    )
    if done:
        return done
    if request.method == "GET":
        audit.record(FundEvent.APPLICATION_VIEWED, target=found, request=request, reason=str(reason))
    context = {
        "application": found,
        "facts": _facts(found),
        "form": form if found.state in (States.SUBMITTED, States.SCREENING) else None,
        "screenings": [
            (s, [(labels.screening_check(c), ok) for c, ok in s.checks.items()]) for s in found.screenings.all()
        ],
        "transitions": found.transitions.select_related("by"),
    }
    return render(request, "fund/screening.html", context, status=form_status(form))


@require_role(Service.FUND, Role.OPERATOR)
@require_GET
def deck(request: AuthedRequest, reference: str) -> FileResponse:
    """The pitch deck, after a reason (audited)."""
    found = selectors.staff_application(request.user, reference)
    reason = _reason(request, found, reverse("fund:screening", args=[found.reference]))
    if not storage.exists(found.deck_key):
        raise Http404(str(FundError.DECK_MISSING.label))
    audit.record(
        FundEvent.DECK_DOWNLOADED,
        target=found,
        request=request,
        reason=str(reason),
        new={"sha256": found.deck_sha256, "bytes": found.deck_size},
    )
    response = FileResponse(
        storage.open_deck(found.deck_key), content_type="application/pdf", filename=f"{found.reference}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _agenda_rows(meeting: Meeting, user: User) -> list[dict[str, Any]]:
    rows = []
    for a in selectors.agenda(meeting):
        tally = actions.tally_of(a)
        mine = next((d for d in a.declarations.all() if d.member_id == user.pk), None)
        rows.append(
            {
                "application": a,
                "sector": labels.sector(a.sector),
                "tally": tally,
                "declared": mine,
                "scored": any(s.member_id == user.pk for s in a.scores.all()),
            }
        )
    return rows


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def meeting(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.meeting(request.user, pk)
    back = reverse("fund:meeting", args=[found.pk])
    form = MeetingForm(
        request.POST or None,
        members=User.objects.filter(fund_member__active=True).order_by("username"),
        initial={"title": found.title, "held_on": found.held_on, "present": list(found.present.all())},
    )
    done = form_action(
        request,
        form,
        lambda d: actions.set_attendance(found, d["present"], actor=request.user),
        then=back,
        success=_("Attendance saved."),
    )
    if done:
        return done
    sat = found.sat()
    context = {
        "meeting": found,
        "present": found.present.order_by("username"),
        "members": selectors.members().count(),
        "rows": _agenda_rows(found, request.user),
        "form": form,
        "may_edit": not found.decisions.exists() and found.held_on >= timezone.localdate(),
        "sat": [u.display_name or u.username for u in found.present.order_by("username") if u.pk in sat],
        "is_member": CommitteeMember.objects.filter(user=request.user, active=True).exists(),
    }
    return render(request, "fund/meeting.html", context, status=form_status(form))


def _terms(d: dict[str, Any]) -> Terms | None:
    if not d.get("instrument") or not d.get("amount"):
        return None

    def num(key: str) -> float | None:
        value = d.get(key)
        return None if value is None else float(value)

    return Terms(
        instrument=d["instrument"],
        amount=int(d["amount"]),
        equity_percent=num("equity_percent") if d["instrument"] == "equity" else None,
        valuation_cap=d.get("valuation_cap") if d["instrument"] == "convertible" else None,
        discount_percent=num("discount_percent") if d["instrument"] == "convertible" else None,
        interest_rate=num("interest_rate") if d["instrument"] == "loan" else None,
        term_months=d.get("term_months") if d["instrument"] in ("convertible", "loan") else None,
    )


def _member_names(ids: list[int] | tuple[int, ...]) -> list[str]:
    return [u.display_name or u.username for u in User.objects.filter(pk__in=ids).order_by("username")]


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def committee(request: AuthedRequest, reference: str) -> HttpResponse:
    """One application before the committee: the member's declaration, their scores, the quorum
    and the tally as they stand, and the decision with its terms and tranches."""
    found = selectors.staff_application(request.user, reference)
    if found.meeting is None:
        raise Http404
    back = reverse("fund:committee", args=[found.reference])
    reason = _reason(request, found, back)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    declare = DeclareForm(request.POST if which == "declare" else None, prefix="declare")
    scores = ScoreForm(request.POST if which == "score" else None, prefix="score")
    decide = DecideForm(request.POST if which == "decide" else None, prefix="decide")
    done = None
    if which == "declare":
        done = form_action(
            request,
            declare,
            lambda d: actions.declare(found, conflicted=d["conflicted"], reason=d["reason"], actor=request.user),
            then=back,
            success=_("Declaration recorded."),
        )
    elif which == "score":
        done = form_action(
            request,
            scores,
            lambda d: actions.score(found, scores.points(), actor=request.user),
            then=back,
            success=_("Your scores were recorded."),
        )
    elif which == "decide":
        done = form_action(
            request,
            decide,
            lambda d: actions.decide(
                found,
                outcome=d["outcome"],
                terms=_terms(d),
                tranches=[actions.PlannedTranche(a, m, due) for a, m, due in decide.planned()],
                reason=d["reason"],
                actor=request.user,
            ),
            then=back,
            success=_("The committee's decision was recorded."),
        )
    if done:
        return done
    if request.method == "GET":
        audit.record(FundEvent.APPLICATION_VIEWED, target=found, request=request, reason=str(reason))
    found.refresh_from_db()
    tally = actions.tally_of(found)
    mine = Declaration.objects.filter(application=found, member=request.user).first()
    present = found.meeting.present.filter(pk=request.user.pk).exists()
    member = CommitteeMember.objects.filter(user=request.user, active=True).exists() and request.user.has_role(
        Service.FUND, Role.APPROVER
    )
    scored = Score.objects.filter(application=found, member=request.user).exists()
    deciding = found.state == States.COMMITTEE
    criteria = rules().criteria
    context = {
        "application": found,
        "facts": _facts(found),
        "meeting": found.meeting,
        "tally": tally,
        "score": None if tally.score is None else f"{tally.score:.1f}",
        "means": [(labels.criterion(c.code), c.weight, tally.means.get(c.code)) for c in criteria],
        "waiting_names": _member_names(tally.waiting),
        "declarations": found.declarations.select_related("member"),
        "mine": mine,
        "may_declare": deciding and member and present and mine is None,
        "may_score": deciding and member and present and mine is not None and not mine.conflicted and not scored,
        "may_decide": deciding and member and present and not (mine and mine.conflicted),
        "member": member,
        "present": present,
        "declare": declare,
        "scores": scores,
        "decide": decide,
        "decision": getattr(found, "decision", None),
        "transitions": found.transitions.select_related("by"),
    }
    bound = {"declare": declare, "score": scores, "decide": decide}.get(which, declare)
    return render(request, "fund/committee.html", context, status=form_status(bound))


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def investee(request: AuthedRequest, reference: str) -> HttpResponse:
    """An investee's file: the terms, each tranche (verify the milestone, pay), the KPIs with
    their corrections, valuations and distributions."""
    found = selectors.staff_application(request.user, reference)
    if found.state != States.INVEST:
        raise Http404
    back = reverse("fund:investee", args=[found.reference])
    reason = _reason(request, found, back)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    number = request.POST.get("tranche", "")
    tranche = None
    if which in ("verify", "pay"):
        tranche = get_object_or_404(Tranche, application=found, number=int(number) if number.isdigit() else 0)
        tranche.refresh_from_db()
    verify = VerifyForm(
        request.POST if which == "verify" else None, request.FILES if which == "verify" else None, prefix="verify"
    )
    pay = PayForm(request.POST if which == "pay" else None, prefix="pay", initial={"paid_on": timezone.localdate()})
    valuation = ValuationForm(request.POST if which == "valuation" else None, prefix="valuation")
    distribution = DistributionForm(request.POST if which == "distribution" else None, prefix="distribution")
    done = None
    if which == "verify" and tranche is not None:
        done = form_action(
            request,
            verify,
            lambda d: actions.verify(
                tranche,
                accepted=d["accepted"],
                note=d["note"],
                evidence_file=d.get("evidence_file"),
                evidence_size=d["evidence_file"].size if d.get("evidence_file") else 0,
                actor=request.user,
            ),
            then=back,
            success=_("Milestone checked."),
        )
    elif which == "pay" and tranche is not None:
        done = form_action(
            request,
            pay,
            lambda d: actions.pay(tranche, paid_on=d["paid_on"], actor=request.user),
            then=back,
            success=_("Tranche recorded as paid."),
        )
    elif which == "valuation":
        done = form_action(
            request,
            valuation,
            lambda d: actions.record_valuation(found, on=d["on"], value=d["value"], note=d["note"], actor=request.user),
            then=back,
            success=_("Valuation recorded."),
        )
    elif which == "distribution":
        done = form_action(
            request,
            distribution,
            lambda d: actions.record_distribution(
                found, on=d["on"], amount=d["amount"], note=d["note"], actor=request.user
            ),
            then=back,
            success=_("Distribution recorded."),
        )
    if done:
        return done
    if request.method == "GET":
        audit.record(FundEvent.APPLICATION_VIEWED, target=found, request=request, reason=str(reason))
    tranches = _tranche_rows(found)
    context = {
        "application": found,
        "facts": _facts(found),
        "decision": found.decision,
        "tranches": tranches,
        "has_evidence_files": any(t.evidence_key for t in tranches),
        "failed_tranche": tranche.number if tranche is not None else None,
        "verify": verify,
        "pay": pay,
        "valuation": valuation,
        "distribution": distribution,
        "kpis": selectors.kpi_history(found),
        "valuations": found.valuations.all(),
        "distributions": found.distributions.all(),
        "paid": sum(t.amount for t in found.tranches.all() if t.state == Tranche.States.PAID),
    }
    bound = {"verify": verify, "pay": pay, "valuation": valuation, "distribution": distribution}.get(which, verify)
    # a refusal about a tranche whose form is no longer shown (paid meanwhile) is said at the top
    shown = {"verify": Tranche.States.EVIDENCED, "pay": Tranche.States.VERIFIED}
    if tranche is not None and bound.errors and tranche.state != shown.get(which):
        context["orphan"] = bound
    return render(request, "fund/investee.html", context, status=form_status(bound))


@require_role(Service.FUND, Role.OPERATOR)
@require_GET
def evidence(request: AuthedRequest, reference: str, number: int) -> FileResponse:
    """The milestone evidence file of a tranche (the start-up's or staff's), after a reason (audited)."""
    found = selectors.staff_application(request.user, reference)
    if found.state != States.INVEST:
        raise Http404
    tranche = get_object_or_404(Tranche, application=found, number=number)
    if not tranche.evidence_key:
        raise Http404
    reason = _reason(request, found, reverse("fund:investee", args=[found.reference]))
    if not storage.exists(tranche.evidence_key, folder=storage.EVIDENCE):
        raise Http404(str(FundError.EVIDENCE_MISSING.label))
    audit.record(
        FundEvent.EVIDENCE_DOWNLOADED,
        target=found,
        request=request,
        reason=str(reason),
        new={"tranche": tranche.number, "sha256": tranche.evidence_sha256, "bytes": tranche.evidence_size},
    )
    response = FileResponse(
        storage.open_file(tranche.evidence_key, folder=storage.EVIDENCE),
        content_type="application/pdf",
        filename=f"{found.reference}-{tranche.number}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---- calls for proposals and the committee's membership (fund staff) ------------------------


def _sector_room() -> list[dict[str, Any]]:
    """Each sector's allocation, what the committee committed and what is left (the budget's bound)."""
    committed = actions.calls.committed_by_sector()
    return [
        {
            "name": labels.sector(s.code),
            "allocation": s.allocation,
            "committed": committed.get(s.code, 0),
            "remaining": max(0, s.allocation - committed.get(s.code, 0)),
        }
        for s in rules().sectors
    ]


@require_role(Service.FUND, Role.OPERATOR)
@require_GET
def calls(request: AuthedRequest) -> HttpResponse:
    """Every call with its state (opens later, taking applications, closed), to filter and sort."""
    today = timezone.localdate()
    filters = CallFilterForm(request.GET or None)
    wanted = filters.cleaned_data.get("state", "") if filters.is_valid() else ""
    rows = []
    for c in selectors.staff_calls(request.user):
        state = c.state_on(today)
        if wanted and state != wanted:
            continue
        rows.append({"call": c, "state": labels.call_state(state), "sectors": [labels.sector(x) for x in c.sectors]})
    return render(request, "fund/calls.html", {"rows": rows, "filters": filters})


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def call_new(request: AuthedRequest) -> HttpResponse:
    form = CallForm(request.POST or None, initial={"instruments": list(Instrument.values)})
    done = form_action(
        request,
        form,
        lambda d: actions.publish(d["code"], form.terms(), actor=request.user),
        then=lambda c: reverse("fund:call_edit", args=[c.code]),
        success=lambda c: _("Call %(code)s published.") % {"code": c.code},
    )
    if done:
        return done
    context = {"form": form, "room": _sector_room()}
    return render(request, "fund/call_new.html", context, status=form_status(form))


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def call_edit(request: AuthedRequest, code: str) -> HttpResponse:
    """One call for staff: what it says and its state; change it while nobody has applied; close
    it early."""
    found = selectors.staff_call(request.user, code)
    back = reverse("fund:call_edit", args=[found.code])
    which = request.POST.get("form", "") if request.method == "POST" else ""
    initial = {name: getattr(found, name) for name in actions.calls.CHANGEABLE}
    change = CallForm(request.POST if which == "change" else None, with_code=False, initial=initial, prefix="change")
    close = CloseCallForm(request.POST if which == "close" else None, prefix="close")
    done = None
    if which == "change":
        done = form_action(
            request,
            change,
            lambda d: actions.change_call(found, change.terms(), actor=request.user),
            then=back,
            success=_("Call changed."),
        )
    elif which == "close":
        done = form_action(
            request,
            close,
            lambda d: actions.close_call(found, reason=d["reason"], actor=request.user),
            then=back,
            success=_("Call closed: it takes no more applications."),
        )
    if done:
        return done
    today = timezone.localdate()
    state = found.state_on(today)
    context = {
        "call": found,
        "state": labels.call_state(state),
        "sectors": [labels.sector(x) for x in found.sectors],
        "stages": [labels.stage(x) for x in found.stages],
        "instruments": [labels.instrument(x) for x in found.instruments],
        "applied": found.applied,  # type: ignore[attr-defined]  # annotated by selectors.staff_calls
        "may_change": found.closed_on is None and not found.applied,  # type: ignore[attr-defined]
        "may_close": state != CallState.CLOSED,
        "change": change,
        "close": close,
        "room": _sector_room(),
    }
    bound = close if which == "close" else change
    return render(request, "fund/call_edit.html", context, status=form_status(bound))


@require_role(Service.FUND, Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def members(request: AuthedRequest) -> HttpResponse:
    """The investment committee's members, current and former; the fund's administrators add a
    member (with their seat) or end a membership (never deleted)."""
    back = reverse("fund:members")
    which = request.POST.get("form", "") if request.method == "POST" else ""
    add = MemberForm(request.POST if which == "add" else None, candidates=selectors.eligible_members(), prefix="add")
    if which == "end":
        pk = request.POST.get("member", "")
        member = get_object_or_404(selectors.membership(request.user), pk=int(pk) if pk.isdigit() else 0, active=True)
        name = member.user.display_name or member.user.username
        return button_action(
            request,
            lambda: actions.set_member(member.user, active=False, actor=request.user),
            then=back,
            success=_("%(name)s is no longer a member of the committee.") % {"name": name},
        )
    done = None
    if which == "add":
        done = form_action(
            request,
            add,
            lambda d: actions.set_member(d["user"], active=True, seat=d["seat"], actor=request.user),
            then=back,
            success=lambda m: (
                _("%(name)s is now a member of the committee.") % {"name": m.user.display_name or m.user.username}
            ),
        )
    if done:
        return done
    rows = list(selectors.membership(request.user))
    fund = rules()
    context = {
        "rows": rows,
        "active": sum(1 for m in rows if m.active),
        "planned": fund.committee.members,
        "needed": committee_engine.needed(fund.committee, sum(1 for m in rows if m.active)),
        "may_manage": request.user.has_role(Service.FUND, Role.ADMIN),
        "add": add,
    }
    return render(request, "fund/members.html", context, status=form_status(add))


# ---- the dashboard --------------------------------------------------------------------------


def _dashboard_rows() -> dict[str, Any]:
    today = timezone.localdate()
    found = reports.dashboard(today)
    fund = rules()
    allocations = {s.code: s.allocation for s in fund.sectors}

    def rows(d: dict[str, Any], name: Any, allocation: dict[str, int] | None = None) -> list[dict[str, Any]]:
        return [
            {
                "code": code,
                "name": name(code),
                "allocation": allocation.get(code) if allocation else None,
                "committed": t.committed,
                "invested": t.invested,
                "count": t.count,
            }
            for code, t in d.items()
        ]

    return {
        "on": today,
        "figures": found,
        "tvpi": labels.multiple(found.tvpi),
        "irr": "—" if found.irr is None else f"{found.irr * 100:.1f} %",
        "by_sector": rows(found.by_sector, labels.sector, allocations),
        "by_stage": rows(found.by_stage, labels.stage),
    }


@require_role(Service.FUND, Role.VIEWER)
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    return render(request, "fund/dashboard.html", _dashboard_rows() | {"fund_name": labels.fund_name()})


@require_role(Service.FUND, Role.VIEWER)
@require_GET
def dashboard_csv(request: AuthedRequest) -> HttpResponse:
    d = _dashboard_rows()
    f = d["figures"]
    header = [_("Group"), _("Name"), _("Allocation (won)"), _("Committed (won)"), _("Invested (won)"), _("Investees")]
    lines: list[list[Any]] = [[_("Fund"), labels.fund_name(), f.size, f.committed, round(f.invested), ""]]
    lines += [
        [_("Sector"), r["name"], r["allocation"] or "", r["committed"], round(r["invested"]), r["count"]]
        for r in d["by_sector"]
    ]
    lines += [[_("Stage"), r["name"], "", r["committed"], round(r["invested"]), r["count"]] for r in d["by_stage"]]
    lines.append([_("Remaining to commit"), "", "", f.remaining, "", ""])
    lines.append([_("TVPI"), "", "", "" if f.tvpi is None else round(f.tvpi, 4), "", ""])
    lines.append([_("IRR"), "", "", "" if f.irr is None else round(f.irr, 4), "", ""])
    audit.record(
        FundEvent.DASHBOARD_EXPORTED,
        request=request,
        service=Service.FUND,
        new={"export": "fund.dashboard", "rows": len(lines)},
    )
    return csv_response(f"fund-dashboard-{timezone.localdate():%Y%m%d}", header, lines)
