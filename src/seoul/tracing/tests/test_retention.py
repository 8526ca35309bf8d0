from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from seoul.core import retention
from seoul.core.engine.time import local_midnight
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.models import (
    Candidate,
    Case,
    Contact,
    FollowUp,
    LabResult,
    Outbreak,
    Person,
    SelfReportCode,
    TimelineEntry,
)
from seoul.tracing.retention import RECORD_DAYS, TIMELINE_DAYS
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import FakeCandidate
from seoul.tracing.tests.conftest import MAPO, World

pytestmark = pytest.mark.django_db


def _report(now) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    return {r["policy"]: r["deleted"] for r in retention.run(now=now) if r["app"] == "tracing"}


def test_tracing_personal_data_is_destroyed_after_its_periods(world: World, tmp_path: Path) -> None:
    case = world.make_case(presence_id="p-case")
    start = case.window().start + timedelta(hours=30)
    actions.add_timeline_entry(
        case,
        actions.TimelineInput(start=start, end=start + timedelta(hours=1), place="식당", setting="other"),
        actor=None,
    )
    builders.candidates(case, FakeCandidate("p-1", 0.3))
    taken = world.now - timedelta(hours=3)
    actions.record_lab_result(
        case, actions.LabInput("pcr", "saliva", "보건소", "positive", taken, taken + timedelta(hours=1)), actor=None
    )
    contact = world.make_contact(case)
    actions.record_follow_up(contact, world.today, "seen_well", actor=None)
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=tmp_path / "o.jsonl"):
        actions.send_self_report_code(contact, "http://testserver", actor=None)
    converted = actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=None).case
    other = builders.outbreak("진행 중인 집단", MAPO)  # keeps going: untouched
    later_case = builders.case(other, name="나중 환자")
    # confirmed months from now (dates cannot be typed in the future: the clock moves instead)
    Case.objects.filter(pk=later_case.pk).update(
        confirmed_on=world.today + timedelta(days=TIMELINE_DAYS + 5),
        onset_on=world.today + timedelta(days=TIMELINE_DAYS + 4),
    )
    midnight = local_midnight(world.today)

    # Timelines go 90 days after the day of confirmation; not a day before; case records stay.
    report = _report(midnight + timedelta(days=TIMELINE_DAYS, hours=23))
    assert not any(report["timelines"].values())
    assert report["self_report_codes"] == {"self_report_codes": 1}  # 30 days after expiry
    report = _report(midnight + timedelta(days=TIMELINE_DAYS + 1, hours=1))
    assert report["timelines"] == {"timeline_entries": 1, "candidates": 1, "mass_text_recipients": 0}
    assert not any(report["records"].values())
    assert not TimelineEntry.objects.exists() and not Candidate.objects.exists()
    assert Case.objects.count() == 3

    # The outbreak's records go a year after its last case and exposure, all together.
    last = max(world.today, contact.last_exposure_on)
    report = _report(local_midnight(last) + timedelta(days=RECORD_DAYS, hours=23))
    assert not any(report["records"].values())
    report = _report(local_midnight(last) + timedelta(days=RECORD_DAYS + 1, hours=1))
    assert report["records"]["cases"] == 2 and report["records"]["contacts"] == 1
    assert report["records"]["follow_ups"] == 1 and report["records"]["persons"] == 2
    assert report["records"]["lab_results"] == 1 and not LabResult.objects.exists()
    assert list(Case.objects.all()) == [later_case]
    assert not Contact.objects.exists() and not FollowUp.objects.exists() and not SelfReportCode.objects.exists()
    assert list(Person.objects.all()) == [later_case.person]
    assert Outbreak.objects.filter(pk=world.outbreak.pk).exists()  # no personal data in it
    assert converted.pk not in set(Case.objects.values_list("pk", flat=True))
    destroyed = AuditEvent.objects.filter(event="core.data.destroyed", service="tracing")
    assert destroyed.count() == 3
    assert all("홍길동" not in str(e.new) for e in destroyed)


def test_movement_data_is_destroyed_after_four_weeks(tmp_path: Path, reference: None) -> None:
    from datetime import date

    from seoul.tracing.engine import ingest, store
    from seoul.tracing.retention import MOVEMENT_DAYS

    source = tmp_path / "in.csv"
    source.write_text(
        "person_id,place_id,start,end,source,setting,car\n"
        "old,cafe-1,2026-10-01T10:00:00+09:00,2026-10-01T11:00:00+09:00,venue,,\n"
        "new,cafe-1,2026-10-20T10:00:00+09:00,2026-10-20T11:00:00+09:00,venue,,\n"
    )
    root = tmp_path / "store"
    ingest.import_presence(source, root)
    assert store.presence_days(root) == [date(2026, 10, 1), date(2026, 10, 20)]
    with override_settings(SEOUL_TRACING_DATA_DIR=root):
        just_before = local_midnight(date(2026, 10, 2)) + timedelta(days=MOVEMENT_DAYS) - timedelta(minutes=1)
        assert _report(just_before)["presence"] == {"presence_days": 0, "presence_rows": 0, "person_ids": 0}
        at = local_midnight(date(2026, 10, 2)) + timedelta(days=MOVEMENT_DAYS)
        dry = [r for r in retention.run(now=at, dry_run=True) if (r["app"], r["policy"]) == ("tracing", "presence")]
        assert dry[0]["would_delete"] == 1
        assert _report(at)["presence"] == {"presence_days": 1, "presence_rows": 1, "person_ids": 1}
    assert store.presence_days(root) == [date(2026, 10, 20)]
    assert AuditEvent.objects.filter(event="core.data.destroyed", target_type="tracing.presence").count() == 1
