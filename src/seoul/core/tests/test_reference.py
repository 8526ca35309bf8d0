from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from seoul.core import reference as core_reference
from seoul.core.engine.csvload import ReferenceDataError
from seoul.core.models import Institution

pytestmark = pytest.mark.django_db


def test_institutions_load_idempotently_with_sources() -> None:
    core_reference.load()
    core_reference.load()
    assert Institution.objects.count() >= 16
    for code in [
        "SEOUL_METRO",
        "SH",
        "SISUL",
        "GARAK",
        "SES",
        "SMC",
        "SBA",
        "SEOULSHINBO",
        "SDF",
        "SDT",
        "SEJONG",
        "SPO",
        "SFAC",
        "SMILE",
        "SEOUL50",
    ]:
        inst = Institution.objects.get(code=code)
        assert inst.name_ko
        assert inst.name_en
        assert inst.source


def test_bad_reference_rows_name_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "institutions.csv").write_text(
        "code,name_ko,name_en,kind,in_2020_plan,source,note\n"
        "OK,좋은기관,Good,contribution,likely,src,\n"
        "BAD,,Bad,alien,likely,src,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(core_reference, "DATA", tmp_path)
    with pytest.raises(ReferenceDataError) as info:
        core_reference.load()
    messages = [str(e) for e in info.value.errors]
    assert "institutions.csv:3: kind: unknown kind 'alien'" in messages
    assert any(m.startswith("institutions.csv:3: name_ko:") for m in messages)
    assert not Institution.objects.filter(code="OK").exists()  # nothing half-loaded


def test_command_reports_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "institutions.csv").write_text("code,name_ko\n", encoding="utf-8")
    monkeypatch.setattr(core_reference, "DATA", tmp_path)
    with pytest.raises(CommandError, match="column missing from header"):
        call_command("load_reference")
