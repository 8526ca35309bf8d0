"""The long tail: a supervisor splits a case's discovery over a simulated city at a score; the
closest go to the tracers, everyone below gets one text -- counted right, under the rate limit,
with an opt-out, and with nothing in any message that identifies the case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions, sms
from seoul.tracing.actions.discovery import search_movement_data
from seoul.tracing.actions.long_tail import opt_out_token
from seoul.tracing.engine import simulate
from seoul.tracing.models import Candidate, Case, MassText, MassTextOptOut, MassTextRecipient
from seoul.tracing.sources import geometry
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db

RATE = 8.0


class FlakySender:
    """A carrier relay that refuses every 9th message (the SMS adapter's ``send``)."""

    count = 0

    def send(self, to: str, text: str) -> str:
        FlakySender.count += 1
        if FlakySender.count % 9 == 0:
            raise sms.SmsError("relay busy")
        return sms.FileOutbox().send(to, text)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.t += seconds


class Recording(actions.RateLimit):
    """The rate limit, noting the moment each message was let through."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(RATE, clock=clock, sleep=clock.sleep)
        self.times: list[float] = []

    def wait(self) -> None:
        super().wait()
        self.times.append(self.clock())
        self.clock.t += 0.001  # the gateway call itself takes a moment  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("city")
    start = builders.today() - timedelta(days=10)
    simulate.simulate(geometry(), people=4000, days=10, seed=77, out=out, start=start, cases=1)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))["cases"][0]
    return out, planted


@pytest.fixture(autouse=True)
def outbox(tmp_path: Path) -> Iterator[Path]:
    FlakySender.count = 0
    with override_settings(
        SEOUL_TRACING_SMS_OUTBOX=tmp_path / "outbox.jsonl",
        SEOUL_SMS_SENDER="seoul.tracing.tests.test_long_tail.FlakySender",
    ):
        yield tmp_path / "outbox.jsonl"


def planted_case(world: World, planted: dict[str, object]) -> Case:
    onset = date.fromisoformat(str(planted["onset"]))
    case = world.make_case(
        onset=onset,
        confirmed_on=onset + timedelta(days=2),
        presence_id=str(planted["person_id"]),
        isolated_at=datetime.fromisoformat(str(planted["isolated_at"])),
        name="표지환자",
        phone="010-9000-0001",
    )
    actions.add_timeline_entry(
        case,
        actions.TimelineInput(
            start=datetime.fromisoformat(str(planted["isolated_at"])) - timedelta(hours=30),
            end=datetime.fromisoformat(str(planted["isolated_at"])) - timedelta(hours=28),
            place="비공개 스터디카페",
            setting="other",
        ),
        actor=None,
    )
    return case


def test_the_long_tail_is_texted_counted_rate_limited_and_anonymous(world: World, city, outbox: Path) -> None:  # type: ignore[no-untyped-def]
    data, planted = city
    case = planted_case(world, planted)
    found = search_movement_data(data, case.person.presence_id, case.window(), None)
    scores = sorted(f.score for f in found if f.person_id != case.person.presence_id)
    assert len(scores) > 40, "the simulated city gives a long tail"
    threshold = scores[-10]  # the 10 closest (ties included) to the tracers
    low = [f for f in found if f.score < threshold and f.person_id != case.person.presence_id]
    # someone texted about an earlier case already asked for no more
    earlier = world.make_case()
    stale = MassText.objects.create(case=earlier, threshold=1.0)
    MassTextRecipient.objects.create(
        mass_text=stale,
        presence_id=low[0].person_id,
        stop_token=opt_out_token(low[0].person_id),
        score=0.1,
        status="sent",
    )
    assert actions.opt_out(opt_out_token(low[0].person_id))
    assert MassTextOptOut.objects.count() == 1

    split = actions.split_long_tail(
        case, threshold, notice="마포구 소재 노래방 방문자 (공개 동선)", actor=world.supervisor_mapo, data_dir=data
    )
    planned = split.mass_text
    to_tracers = Candidate.objects.filter(case=case).count()
    assert to_tracers == len(scores) - len(low) and all(
        c.score >= threshold for c in Candidate.objects.filter(case=case)
    )
    assert (planned.candidates, planned.recipients, planned.opted_out) == (len(found), len(low) - 1, 1)

    clock = FakeClock()
    limit = Recording(clock)
    first = actions.send_mass_text(planned, "https://seoul.example/", batch=10, limit=limit, max_batches=2)
    assert first.batches == 2 and first.sent + first.failed == 20  # stopped after two batches...
    rest = actions.send_mass_text(planned, "https://seoul.example/", batch=10, limit=limit)  # ...and resumed
    planned.refresh_from_db()
    assert planned.sent + planned.failed == planned.recipients == first.sent + first.failed + rest.sent + rest.failed
    assert planned.failed == len(limit.times) // 9 and planned.finished_at is not None
    messages = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert len(messages) == planned.sent and len({m["to"] for m in messages}) == planned.sent  # once each
    assert f"pid:{low[0].person_id}" not in {m["to"] for m in messages}  # opted out
    # the rate limit: never more than RATE messages in any one second
    times = limit.times
    assert len(times) == planned.recipients
    assert all(times[i + int(RATE)] - times[i] >= 1.0 - 1e-9 for i in range(len(times) - int(RATE)))
    # nothing identifying: no name, phone, reference, id or unannounced place of the case
    forbidden = ["표지환자", "010-9000-0001", case.reference, case.person.presence_id, "스터디카페"]
    for m in messages:
        assert not any(term in m["text"] for term in forbidden), m["text"]
        assert "마포구 소재 노래방 방문자" in m["text"] and "/tracing/stop/" in m["text"]
    # a recipient tested later is counted
    texted = MassTextRecipient.objects.filter(mass_text=planned, status="sent").first()
    assert texted is not None
    later = world.make_case(presence_id=texted.presence_id, confirmed_on=world.today, onset=world.today)
    actions.record_lab_result(
        later,
        actions.LabInput("pcr", "nasopharyngeal", "선별진료소", "positive", timezone.now(), timezone.now()),
        actor=None,
    )
    assert actions.tested_later(planned) == 1
    page = client_for(world.supervisor_mapo, language="en").get(f"/tracing/cases/{case.pk}/").content.decode()
    assert f'data-mass-text="{planned.pk}"' in page
    assert AuditEvent.objects.filter(event="tracing.mass_text.planned").count() == 1
    assert AuditEvent.objects.filter(event="tracing.mass_text.sent").count() == 1
    # a second run sends nothing
    assert actions.send_pending_mass_texts("https://seoul.example/").sent == 0


def test_a_notice_that_names_the_case_or_an_unannounced_place_is_refused(world: World, city) -> None:  # type: ignore[no-untyped-def]
    data, planted = city
    case = planted_case(world, planted)
    for notice in ("표지환자 방문 장소", "비공개 스터디카페 방문자", case.reference):
        with pytest.raises(ValidationError) as refused:
            actions.split_long_tail(case, 1.0, notice=notice, actor=world.supervisor_mapo, data_dir=data)
        assert codes_of(refused.value) == ["tracing.notice_identifies"]
    with pytest.raises(ValidationError) as zero:
        actions.split_long_tail(case, 0, actor=world.supervisor_mapo, data_dir=data)
    assert codes_of(zero.value) == ["tracing.threshold"]
    assert not MassText.objects.exists()


def test_the_opt_out_page_asks_before_it_acts(world: World) -> None:
    planned = MassText.objects.create(case=world.make_case(), threshold=1.0)
    MassTextRecipient.objects.create(
        mass_text=planned, presence_id="P00000042", stop_token=opt_out_token("P00000042"), score=0.2
    )
    c = Client()
    url = f"/tracing/stop/{opt_out_token('P00000042')}/"
    assert 'id="stop-form"' in c.get(url).content.decode() and not MassTextOptOut.objects.exists()
    assert 'data-testid="stopped"' in c.post(url).content.decode()
    assert MassTextRecipient.objects.get().status == "opted_out"
    assert 'data-testid="unknown"' in c.post("/tracing/stop/0123456789abcdef0123456789abcdef/").content.decode()
