from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from seoul.core.engine.csvload import ReferenceDataError
from seoul.plan import reference as plan_reference
from seoul.plan.models import Project, Vision

pytestmark = pytest.mark.django_db


def test_load_reference_is_idempotent_and_complete() -> None:
    call_command("load_reference", stdout=io.StringIO())
    stdout = io.StringIO()
    call_command("load_reference", stdout=stdout)
    assert "5 visions" in stdout.getvalue()
    assert Vision.objects.count() == 5
    assert sum(v.projects_announced for v in Vision.objects.all()) == 128
    assert sum(v.budget_announced_krw for v in Vision.objects.all()) == 611_600_000_000
    assert Project.objects.filter(origin=Project.Origin.ANNOUNCED).count() == Project.objects.count()
    tagless = Project.objects.filter(name_ko__contains="태그리스").get()
    assert tagless.institution.code == "SEOUL_METRO"


def test_reload_keeps_reported_progress(reference: None) -> None:
    project = Project.objects.first()
    assert project is not None
    Project.objects.filter(pk=project.pk).update(budget_executed_krw=123, status="in_progress")
    plan_reference.load()
    project.refresh_from_db()
    assert (project.budget_executed_krw, project.status) == (123, "in_progress")


def test_bad_project_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: None) -> None:
    (tmp_path / "visions.csv").write_text(
        (plan_reference.DATA / "visions.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "projects.csv").write_text(
        "code,vision,institution,name_ko,name_en,budget_krw,quantity,unit,deadline,"
        "description_ko,description_en,verification,verification_en,source,source_en\n"
        "X1,9,NOWHERE,이름,,-5,,,2021-13-01,,,,,,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(plan_reference, "DATA", tmp_path)
    with pytest.raises(ReferenceDataError) as info:
        plan_reference.load()
    fields = {(e.line, e.field) for e in info.value.errors}
    assert fields == {(2, "vision"), (2, "institution"), (2, "budget_krw"), (2, "deadline")}


HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def test_every_announced_project_reads_in_english(reference: None) -> None:
    """The English pages show the reference data in English: names, descriptions, how far the
    facts are confirmed, and sources wherever the Korean one has words (not only addresses)."""
    for p in Project.objects.filter(origin=Project.Origin.ANNOUNCED):
        for field in ("name_en", "description_en", "verification_en"):
            text = getattr(p, field)
            assert text and not HANGUL.search(text), (p.code, field, text)
        if HANGUL.search(p.source):
            assert p.source_en and not HANGUL.search(p.source_en), (p.code, p.source_en)
        # and the Korean texts are Korean: no English notes left in them
        assert not re.search(r"\((headline only|budget|and split)", p.source), (p.code, p.source)
