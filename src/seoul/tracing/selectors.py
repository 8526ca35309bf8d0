"""Reads of contact tracing for pages: the tracer's worklist, case and contact pages, the
supervisor's WHO indicators and backlog, and the transmission-chain graph. Every read starts
from ``visible_to(user)``: nobody reads past their assignment, district or outbreak."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.core import badges, districts
from seoul.core.crypto import blind_index
from seoul.core.engine.districts import shapes
from seoul.core.models import ServiceRole, User
from seoul.core.roles import Role, Service
from seoul.tracing.engine.monitoring import silent_days
from seoul.tracing.engine.release import Release
from seoul.tracing.models import (
    Assignment,
    Candidate,
    Case,
    Contact,
    DuplicateRegistration,
    FollowUp,
    LineListImport,
    Outbreak,
    TimelineEntry,
    TracerProfile,
)
from seoul.tracing.release import release_of


def cases_for(user: User) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related("outbreak", "person")


def contacts_for(user: User) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).select_related("outbreak", "person", "source_case")


def _monitored_on(qs: QuerySet[Contact], day: date) -> list[Contact]:
    """Contacts under monitoring on ``day`` (the quarantine end depends on the outbreak)."""
    candidates = qs.filter(status=Contact.Status.MONITORING, last_exposure_on__lt=day).select_related(
        "outbreak", "source_case"
    )
    return [c for c in candidates if c.monitored_on(day)]


@dataclass
class Worklist:
    cases: list[Case]
    contacts: list[Contact]
    due_today: list[Contact]
    flagged: list[Contact]
    done: set[int]  # contacts with a follow-up entry today
    pending_candidates: dict[int, int] = field(default_factory=dict)
    release: dict[int, Release] = field(default_factory=dict)
    """The earliest release of each isolated case (``seoul.tracing.release``)."""
    today: date | None = None
    silent: dict[int, int] = field(default_factory=dict)
    """Full days without a report, of each contact under monitoring who has gone silent for at
    least the outbreak's ``escalate_after_days`` (``engine/monitoring.py``)."""

    @property
    def to_call(self) -> list[Contact]:
        """The call list: contacts silent for the outbreak's escalation days, longest first."""
        return sorted((c for c in self.contacts if c.pk in self.silent), key=lambda c: (-self.silent[c.pk], c.pk))

    @property
    def due_release(self) -> list[Case]:
        """Isolated cases the criteria of the period let go today or earlier, longest due first."""
        due = [c for c in self.cases if self.today and (r := self.release.get(c.pk)) and r.due(self.today)]
        return sorted(due, key=lambda c: (self.release[c.pk].on, c.pk))

    @property
    def done_today(self) -> int:
        return len(self.done)

    def outbreaks(self) -> list[Outbreak]:
        """The outbreaks this work belongs to, newest first (read from the work itself)."""
        found = {c.outbreak_id: c.outbreak for c in self.cases}
        found |= {c.outbreak_id: c.outbreak for c in [*self.contacts, *self.flagged]}
        return sorted(found.values(), key=lambda o: (o.opened_on, o.pk), reverse=True)

    def of(self, outbreak_id: int) -> Worklist:
        """The same work narrowed to one outbreak."""
        cases = [c for c in self.cases if c.outbreak_id == outbreak_id]
        contacts = [c for c in self.contacts if c.outbreak_id == outbreak_id]
        return Worklist(
            cases=cases,
            contacts=contacts,
            due_today=[c for c in self.due_today if c.outbreak_id == outbreak_id],
            flagged=[c for c in self.flagged if c.outbreak_id == outbreak_id],
            done=self.done & {c.pk for c in contacts},
            pending_candidates={c.pk: n for c in cases if (n := self.pending_candidates.get(c.pk))},
            release={c.pk: r for c in cases if (r := self.release.get(c.pk))},
            today=self.today,
            silent={c.pk: n for c in contacts if (n := self.silent.get(c.pk))},
        )


def worklist(user: User, today: date) -> Worklist:
    """What is assigned to ``user`` now: open cases, contacts under monitoring, the follow-ups
    due today that are not yet recorded (a contact with any entry today is done), and contacts
    who reported symptoms. One query over the tracer's open assignments, each with its case or
    contact, the case's candidates still to decide and whether the contact has an entry today
    (the page is opened all day long: building one query costs less than three); narrowing to
    an outbreak is :meth:`Worklist.of`. A second query reads the isolated cases' laboratory
    results for their earliest release day (``seoul.tracing.release``)."""
    # The two per-row figures as fixed SQL with bound parameters: the ORM's own subqueries give
    # the same plan but took longer to build than the query takes to run (docs/performance.md).
    pending = RawSQL(  # fixed SQL, values bound
        "SELECT COUNT(*) FROM tracing_candidate c WHERE c.case_id = tracing_assignment.case_id AND c.status = %s",
        (Candidate.Status.PENDING,),
    )
    entry_today = RawSQL(  # fixed SQL, values bound
        "EXISTS (SELECT 1 FROM tracing_followup f WHERE f.contact_id = tracing_assignment.contact_id AND f.day = %s)",
        (today,),
    )
    last_report = RawSQL(  # fixed SQL, values bound
        "SELECT MAX(f.day) FROM tracing_followup f WHERE f.contact_id = tracing_assignment.contact_id "
        "AND f.status IN (%s, %s)",
        tuple(FollowUp.REACHED),
        output_field=DateField(),
    )
    assignments = (
        Assignment.objects.filter(tracer=user, ended_at=None)
        .select_related("case__outbreak", "contact__outbreak", "contact__source_case")
        .annotate(pending=pending, seen_today=entry_today, last_report=last_report)
        .order_by()
    )
    cases: list[Case] = []
    mine_contacts: list[Contact] = []
    seen: set[int] = set()
    counts: dict[int, int] = {}
    silent: dict[int, int] = {}
    for a in assignments:
        if a.case is not None and a.case.status != Case.Status.RELEASED:
            cases.append(a.case)
            if a.pending:
                counts[a.case.pk] = a.pending
        elif a.contact is not None:
            mine_contacts.append(a.contact)
            if a.seen_today:
                seen.add(a.contact.pk)
            if a.contact.status == Contact.Status.MONITORING:
                days = silent_days(a.contact.quarantine_start, a.last_report, today)
                if days >= a.contact.outbreak.rules.escalate_after_days:
                    silent[a.contact.pk] = days
    # the models' own orderings: newest confirmation, latest exposure first
    cases.sort(key=lambda c: (c.known_on, c.pk), reverse=True)
    mine_contacts.sort(key=lambda c: (c.last_exposure_on, c.pk), reverse=True)
    monitored = [c for c in mine_contacts if c.monitored_on(today)]
    seen_today = {c.pk for c in monitored if c.pk in seen}
    isolated = [
        c for c in cases if c.is_confirmed and c.status == Case.Status.ISOLATED and c.outcome != Case.Outcome.DIED
    ]
    prefetch_related_objects(isolated, "lab_results")
    return Worklist(
        cases=cases,
        contacts=[c for c in mine_contacts if c.status == Contact.Status.MONITORING],
        due_today=[c for c in monitored if c.pk not in seen_today],
        flagged=[c for c in mine_contacts if c.symptoms_flagged_at is not None],
        done=seen_today,
        pending_candidates=counts,
        release={c.pk: release_of(c, today) for c in isolated},
        today=today,
        silent=silent,
    )


def search_by_phone(user: User, phone: str) -> tuple[list[Case], list[Contact]]:
    """Cases and contacts ``user`` may see whose person has this phone number (blind index:
    the number is never compared in clear)."""
    if not phone.strip():
        return [], []
    index = blind_index(phone, purpose="tracing.person.phone")
    return (
        list(cases_for(user).filter(person__phone_index=index)),
        list(contacts_for(user).filter(person__phone_index=index)),
    )


def quarantine_list(user: User, today: date) -> list[Contact]:
    """Contacts under monitoring today that ``user`` may see, by district and quarantine end:
    what a district health centre needs to issue quarantine notices (격리통지서)."""
    rows = _monitored_on(contacts_for(user), today)
    return sorted(rows, key=lambda c: (c.district, c.quarantine_end, c.pk))


def outbreaks_for(user: User) -> QuerySet[Outbreak]:
    """The outbreaks ``user`` takes part in (``Outbreak.objects.visible_to``), newest first."""
    return Outbreak.objects.visible_to(user).order_by("-opened_on", "pk")


def managed_outbreaks(user: User) -> QuerySet[Outbreak]:
    """The outbreaks whose investigators ``user`` may change (``manageable_by``)."""
    return Outbreak.objects.manageable_by(user)


def investigator_candidates(user: User) -> list[User]:
    """Staff ``user`` may add to an outbreak they manage: active staff holding a contact-tracing
    role, never ``user`` themselves."""
    return [u for u in tracing_staff().exclude(pk=user.pk) if u.has_role(Service.TRACING, Role.VIEWER)]


def staff_member(pk: int) -> User | None:
    """An active member of the contact-tracing staff, by id (``None`` for anyone else)."""
    return tracing_staff().filter(pk=pk).first()


def open_duplicates(user: User) -> QuerySet[DuplicateRegistration]:
    """Registrations of cases ``user`` sees, made by someone who may not see them, not yet
    reviewed: a supervisor's to compare with the case on record."""
    return (
        DuplicateRegistration.objects.filter(case__in=Case.objects.visible_to(user).values("pk"), reviewed_at=None)
        .select_related("case", "case__outbreak", "registered_by")
        .order_by("registered_at", "pk")
    )


# --- supervisor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def share(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass
class Indicators:
    followed_up_today: Ratio
    cases_from_contact_list: Ratio
    traced_within_24h: Ratio
    followed_full_period: Ratio
    lost_to_follow_up: Ratio
    backlog: list[dict[str, Any]]
    first_call_hours: float | None = None
    """Median hours from a case's registration to the first reach of each of its contacts
    (contacts listed in the period and reached)."""
    first_call_n: int = 0


def indicators(user: User, today: date, now: datetime, *, days: int = 7) -> Indicators:
    """WHO's contact-tracing indicators over what ``user`` may see:

    - contacts followed up today: contacts under monitoring today who were reached (seen well
      or with symptoms) today / contacts under monitoring today;
    - new cases already on a contact list: cases confirmed in the last ``days`` days whose
      person was a contact before becoming a case / those cases;
    - contacts traced within 24 hours: contacts listed in the last ``days`` days who were
      first reached within 24 hours of their source case's registration / those contacts,
      counting only contacts whose 24 hours are over or who were reached;
    - median time from confirmation to first contact call: hours from the registration of the
      source case (when the platform learnt of the confirmation) to the first follow-up that
      reached the contact, over contacts listed in the last ``days`` days and reached;
    - contacts followed for the full period, and lost to follow-up: among contacts whose
      monitoring was closed in the last ``days`` days as completed or lost (those who became
      cases left monitoring for another reason), the share completed and the share lost;
    - backlog per tracer: open cases, contacts under monitoring, follow-ups due today not yet
      recorded, symptom reports to review.
    """
    contacts = Contact.objects.visible_to(user)
    monitored = _monitored_on(contacts, today)
    # a contact reached twice today (a call and a self-report) is one contact followed up
    reached = (
        FollowUp.objects.filter(contact__in=[c.pk for c in monitored], day=today, status__in=FollowUp.REACHED)
        .values("contact")
        .distinct()
        .count()
    )

    since = today - timedelta(days=days - 1)
    new_cases = Case.objects.visible_to(user).filter(confirmed_on__gte=since)
    earlier_contact = Contact.objects.filter(person=OuterRef("person"), created_at__lt=OuterRef("created_at"))
    on_list = new_cases.annotate(listed=Exists(earlier_contact)).filter(Q(listed=True) | Q(from_contact__isnull=False))

    recent = contacts.filter(created_at__date__gte=since).select_related("source_case")
    traced = due = 0
    delays: list[float] = []
    for c in recent:
        deadline = c.source_case.created_at + timedelta(hours=24)
        if c.traced_at is not None or now >= deadline:
            due += 1
            traced += c.traced_at is not None and c.traced_at <= deadline
        if c.traced_at is not None:
            delays.append(max(0.0, (c.traced_at - c.source_case.created_at).total_seconds() / 3600))
    closed = dict(
        contacts.filter(closed_on__gte=since, status__in=[Contact.Status.COMPLETED, Contact.Status.LOST])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    ended = sum(closed.values())
    return Indicators(
        followed_up_today=Ratio(reached, len(monitored)),
        cases_from_contact_list=Ratio(on_list.count(), new_cases.count()),
        traced_within_24h=Ratio(traced, due),
        backlog=backlog(user, today),
        followed_full_period=Ratio(closed.get(Contact.Status.COMPLETED, 0), ended),
        lost_to_follow_up=Ratio(closed.get(Contact.Status.LOST, 0), ended),
        first_call_hours=round(statistics.median(delays), 1) if delays else None,
        first_call_n=len(delays),
    )


def tracers_for(user: User) -> QuerySet[TracerProfile]:
    """Tracers a supervisor manages: those of their district (all for tracing admins)."""
    return TracerProfile.objects.managed_by(user).select_related("user").order_by("district", "user__username")


def backlog(user: User, today: date) -> list[dict[str, Any]]:
    rows = []
    for profile in tracers_for(user):
        mine = Contact.objects.filter(assignments__tracer=profile.user, assignments__ended_at=None)
        monitored = _monitored_on(mine, today)
        done = (
            FollowUp.objects.filter(contact__in=[c.pk for c in monitored], day=today)
            .values("contact")
            .distinct()
            .count()
        )
        rows.append(
            {
                "tracer": profile.user,
                "district": profile.district_obj,
                "cases": Case.objects.filter(assignments__tracer=profile.user, assignments__ended_at=None)
                .exclude(status=Case.Status.RELEASED)
                .count(),
                "contacts": len(monitored),
                "due_today": len(monitored) - done,
                "flagged": mine.filter(symptoms_flagged_at__isnull=False).count(),
            }
        )
    return rows


def open_assignments(user: User, *, tracer: str = "", kind: str = "") -> QuerySet[Assignment]:
    """Open assignments of the records ``user`` may see, for reassignment; narrowed to one
    tracer (their id) or one kind of record (``case``, ``contact``) when given."""
    rows = Assignment.objects.filter(ended_at=None).filter(
        Q(case__in=Case.objects.visible_to(user).values("pk"))
        | Q(contact__in=Contact.objects.visible_to(user).filter(status=Contact.Status.MONITORING).values("pk"))
    )
    if tracer:
        rows = rows.filter(tracer_id=int(tracer))
    if kind == "case":
        rows = rows.filter(case__isnull=False)
    elif kind == "contact":
        rows = rows.filter(contact__isnull=False)
    return rows.select_related("case", "contact", "tracer").order_by("tracer__username", "assigned_at")


def candidates_for(user: User) -> QuerySet[Candidate]:
    """Discovery candidates of the cases ``user`` may see."""
    return Candidate.objects.filter(case__in=Case.objects.visible_to(user).values("pk")).select_related("case")


def timeline_entries_for(user: User) -> QuerySet[TimelineEntry]:
    """Timeline entries of the cases ``user`` may see."""
    return TimelineEntry.objects.filter(case__in=Case.objects.visible_to(user).values("pk")).select_related(
        "case", "case__outbreak", "case__person"
    )


@dataclass(frozen=True)
class FollowUpEntry:
    entry: FollowUp
    current: bool  # the latest entry of its day: the day's status


def follow_up_history(contact: Contact) -> list[FollowUpEntry]:
    """Every follow-up entry of the contact, newest day first and, within a day, latest
    first; the first of each day is the day's status, the others are kept as history."""
    seen: set[date] = set()
    out = []
    for entry in contact.follow_ups.select_related("recorded_by"):
        out.append(FollowUpEntry(entry, entry.day not in seen))
        seen.add(entry.day)
    return out


def outbreak_districts(user: User) -> list[tuple[int, str]]:
    """The districts ``user`` may open an outbreak in: their own as a supervisor, all for
    tracing administrators."""
    if user.has_role(Service.TRACING, Role.ADMIN):
        return districts.choices()
    own = TracerProfile.objects.filter(user=user, active=True).first()
    return [] if own is None else [(own.district, districts.label(own.district_obj))]


# --- transmission chains ---------------------------------------------------------------------


def chains(user: User, outbreak: Outbreak) -> dict[str, Any]:
    """Cases of ``outbreak`` that ``user`` may see, the case-to-case links (a case that was a
    contact of another case) and clusters (connected groups), laid out for drawing: one
    column per generation, clusters stacked."""
    cases = list(Case.objects.visible_to(user).filter(outbreak=outbreak).select_related("from_contact"))
    by_id = {c.pk: c for c in cases}
    parent = {
        c.pk: c.from_contact.source_case_id
        for c in cases
        if c.from_contact is not None and c.from_contact.source_case_id in by_id
    }
    root: dict[int, int] = {}

    def find(pk: int) -> int:
        seen = []
        while pk in parent and pk not in seen:
            seen.append(pk)
            pk = parent[pk]
        return pk

    generation: dict[int, int] = {}
    for c in cases:
        root[c.pk] = find(c.pk)
        depth, pk = 0, c.pk
        while pk in parent and depth < len(cases):
            pk, depth = parent[pk], depth + 1
        generation[c.pk] = depth
    clusters: dict[int, list[int]] = defaultdict(list)
    for pk in sorted(by_id, key=lambda p: (by_id[p].known_on, p)):
        clusters[root[pk]].append(pk)
    ordered = sorted(clusters.values(), key=lambda members: (-len(members), members[0]))
    y: dict[int, float] = {}
    row = 0
    cluster_name: dict[int, str] = {}
    for n, members in enumerate(ordered, start=1):
        rows_by_gen: dict[int, int] = defaultdict(int)
        for pk in members:
            g = generation[pk]
            y[pk] = row + rows_by_gen[g]
            rows_by_gen[g] += 1
            cluster_name[pk] = _("Cluster %(n)d") % {"n": n}
        row += max(rows_by_gen.values()) + 1
    nodes = [
        {
            "id": str(by_id[pk]),
            "x": generation[pk],
            "y": y[pk],
            "cluster": cluster_name[pk],
            "confirmed": _iso(by_id[pk].confirmed_on),
            "status": str(by_id[pk].get_status_display()),
            "kind": badges.kind_of(by_id[pk], "status"),  # the status badge's meaning
        }
        for pk in by_id
    ]
    edges = [
        {
            "from": str(by_id[src]),
            "to": str(by_id[dst]),
            "x": generation[src],
            "y": y[src],
            "x2": generation[dst],
            "y2": y[dst],
        }
        for dst, src in parent.items()
    ]
    return {"nodes": nodes, "edges": edges, "clusters": len(ordered), "height": max(row, 1)}


def chain_spec(graph: dict[str, Any], title: str) -> dict[str, Any]:
    """A Vega-Lite spec drawing the chain graph: links as rules, cases as labelled points.

    The scales keep room around the outermost points (``padding``, in pixels) so that no point
    is cut at the plot's edge and the last generation's labels stay inside it, and the legend
    sits under the plot: on a phone a legend at the side overlapped the labels of the last
    generation and took a third of the width."""
    x = {
        "field": "x",
        "type": "quantitative",
        "title": _("Generation"),
        "axis": {"tickMinStep": 1, "format": "d"},
        "scale": {"padding": 44},
    }
    y = {"field": "y", "type": "quantitative", "axis": None, "scale": {"reverse": True, "padding": 14}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": min(600, 40 + 36 * graph["height"]),
        "layer": [
            {
                "data": {"values": graph["edges"]},
                "mark": {"type": "rule", "color": "#8a949e", "strokeWidth": 1.5},
                "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}},
            },
            {
                "data": {"values": graph["nodes"]},
                "mark": {"type": "point", "filled": True, "size": 220, "tooltip": True},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {
                        "field": "cluster",
                        "type": "nominal",
                        "title": _("Cluster"),
                        "legend": {"orient": "bottom", "direction": "horizontal"},
                    },
                    "tooltip": [
                        {"field": "id", "title": _("Case")},
                        {"field": "confirmed", "title": _("Confirmed on")},
                        {"field": "status", "title": _("Status")},
                        {"field": "cluster", "title": _("Cluster")},
                    ],
                },
            },
            {
                "data": {"values": graph["nodes"]},
                "mark": {"type": "text", "dx": 14, "align": "left", "fontSize": 12},
                "encoding": {"x": x, "y": y, "text": {"field": "id"}},
            },
        ],
    }


def tracing_staff() -> QuerySet[User]:
    """Staff holding a contact-tracing role, with their profile (if any)."""
    holders = ServiceRole.objects.filter(service=Service.TRACING).values("user_id")
    return User.objects.filter(pk__in=holders, is_active=True).select_related("tracer_profile").order_by("username")


def line_list_imports(user: User) -> QuerySet[LineListImport]:
    """The line-list imports ``user`` made (all of them for tracing administrators)."""
    if user.has_role(Service.TRACING, Role.ADMIN):
        return LineListImport.objects.all()
    return LineListImport.objects.filter(imported_by=user)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def district_map_spec(counts: dict[int, int], title: str, measure: str) -> dict[str, Any]:
    """A Vega-Lite map of Seoul's 25 districts (boundaries shipped with the platform, no tiles)
    shaded by ``counts`` (district index → number), named in the page's language."""
    english = (get_language() or "ko").startswith("en")
    features = []
    for feature in shapes()["features"]:
        props = feature["properties"]
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "district": props["name_en"] if english else props["name_ko"],
                    "count": counts.get(props["index"], 0),
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title,
        "width": "container",
        "height": 360,
        "data": {"values": {"type": "FeatureCollection", "features": features}, "format": {"property": "features"}},
        "projection": {"type": "mercator"},
        "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 1, "tooltip": True},
        "encoding": {
            "color": {
                "field": "properties.count",
                "type": "quantitative",
                "title": measure,
                "scale": {"scheme": "blues", "domainMin": 0},
                "legend": {"orient": "bottom", "format": "d", "tickMinStep": 1},
            },
            "tooltip": [
                {"field": "properties.district", "type": "nominal", "title": _("District")},
                {"field": "properties.count", "type": "quantitative", "title": measure},
            ],
        },
    }


def districts_of_outbreak(user: User, outbreak: Outbreak) -> list[tuple[int, str, int, int]]:
    """Per district (index, name in the page's language): the outbreak's cases and contacts
    ``user`` sees, districts with none left out, most cases first."""
    cases = Counter(Case.objects.visible_to(user).filter(outbreak=outbreak).values_list("district", flat=True))
    contacts = Counter(Contact.objects.visible_to(user).filter(outbreak=outbreak).values_list("district", flat=True))
    rows = [
        (i, districts.label(districts.district(i)), cases.get(i, 0), contacts.get(i, 0))
        for i in sorted(set(cases) | set(contacts))
    ]
    return sorted(rows, key=lambda r: (-r[2], -r[3], r[1]))
