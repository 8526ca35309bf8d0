from __future__ import annotations

import json

import pytest
from django.utils import timezone

from seoul.core import demo as core_demo
from seoul.core.models import User
from seoul.tracing import actions, demo, selectors
from seoul.tracing.models import Candidate, Case, Contact

pytestmark = pytest.mark.django_db


def test_demo_gives_each_role_something_to_see(reference: None, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.SEOUL_TRACING_DATA_DIR = tmp_path / "tracing"
    core_demo.load()
    counts = demo.load()
    assert counts == {"cases": 6, "contacts": 6}
    assert demo.load() == counts  # a second run adds nothing
    users = {u.username: u for u in User.objects.filter(username__startswith="tracer.")}
    today = timezone.localdate()
    work = selectors.worklist(users["tracer.mapo"], today)
    assert work.cases and work.contacts and work.flagged
    assert len(work.due_release) == 1  # isolated ten days ago: seven days from the specimen have passed
    assert Candidate.objects.filter(status="pending").count() == 3
    supervisor = User.objects.get(username="tracing.supervisor")
    assert selectors.indicators(supervisor, today, timezone.now()).backlog
    # The supervisor has a second Mapo tracer to reassign to; the first keeps the work.
    assert {"tracer.mapo", "tracer.mapo2"} <= {p.user.username for p in selectors.tracers_for(supervisor)}
    assert not selectors.worklist(users["tracer.mapo2"], today).cases
    investigator = User.objects.get(username="epi.investigator")
    assert Case.objects.visible_to(investigator).count() == 6
    graph = selectors.chains(investigator, Case.objects.first().outbreak)  # type: ignore[union-attr]
    assert graph["clusters"] == 5 and len(graph["edges"]) == 1
    assert Contact.objects.filter(status="became_case").count() == 1
    # one suspected case, the others confirmed, each with its first classification on record
    assert sorted(Case.objects.values_list("classification", flat=True)) == ["confirmed"] * 5 + ["suspected"]
    assert all(c.classifications.count() == 1 for c in Case.objects.all())


def test_demo_movement_case_finds_its_planted_contacts(reference: None, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.SEOUL_TRACING_DATA_DIR = tmp_path / "tracing"
    core_demo.load()
    demo.load()
    planted = json.loads((tmp_path / "tracing" / "planted.json").read_text())["cases"][0]
    case = Case.objects.get(person__presence_id=planted["person_id"])
    actions.run_discovery(case, tmp_path / "tracing", actor=None)
    found = set(Candidate.objects.filter(case=case).values_list("presence_id", flat=True))
    assert set(planted["true_contacts"]) <= found
