"""Demo contact tracing: an outbreak in Mapo-gu with cases, a case-to-case chain, contacts
with a few days of follow-up, discovery candidates waiting for a decision and a contact's
self-report text, and a case from a small synthetic city written into the presence store
(its planted contacts are what "search movement data" finds). Made through the real actions;
dates are relative to today.

The accounts (``tracer.mapo``, ``tracer.mapo2``, ``tracer.gangnam``, ``tracer.gwanak``,
``tracing.supervisor``, ``epi.investigator``) are created by the core's demo with the other demo accounts; this
module gives the tracers and the supervisor their districts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from seoul.core.districts import by_name
from seoul.core.engine.time import local_midnight
from seoul.core.models import User
from seoul.tracing import actions
from seoul.tracing.engine import simulate, store
from seoul.tracing.models import Case, Contact, Outbreak, movement_dir
from seoul.tracing.sources import geometry

OUTBREAK = "마포구 코인노래방 관련 (시연)"
OUTBREAK_EN = "Mapo-gu coin karaoke cluster (demo)"
PROFILES = {
    "tracer.mapo": "마포구",
    "tracer.gangnam": "강남구",
    "tracer.gwanak": "관악구",
    "tracing.supervisor": "마포구",
}
SECOND_MAPO_TRACER = "tracer.mapo2"


@dataclass
class DemoEpisode:
    """One co-presence, stored as data like the engine's episodes (``Episode.record``), so
    that each page says it in its own language."""

    place: str
    setting: str
    source: str
    start: datetime
    minutes: float
    same_car: bool | None = None
    district: int | None = None

    def record(self) -> dict[str, object]:
        return {
            "place": self.place,
            "setting": self.setting,
            "source": self.source,
            "start": self.start.isoformat(),
            "end": (self.start + timedelta(minutes=self.minutes)).isoformat(),
            "car": None,
            "same_car": self.same_car,
            "minutes": self.minutes,
            "district": self.district,
        }


@dataclass
class DemoCandidate:
    person_id: str
    score: float
    overlap_minutes: float
    first_contact: datetime
    places: list[str]
    setting: str
    source: str
    district: int | None = None
    """The place's district as the movement data gives it (a train has none)."""
    reasons: list[str] = field(default_factory=list)

    @property
    def episodes(self) -> list[DemoEpisode]:
        return [
            DemoEpisode(
                self.places[0],
                self.setting,
                self.source,
                self.first_contact,
                self.overlap_minutes,
                district=self.district,
            )
        ]


def load() -> dict[str, int]:
    if Outbreak.objects.filter(name=OUTBREAK).exists():
        return {"cases": Case.objects.count(), "contacts": Contact.objects.count()}
    users = {u.username: u for u in User.objects.filter(username__in=[*PROFILES, "epi.investigator"])}
    for username, district_name in PROFILES.items():
        if username in users:
            actions.set_tracer_profile(users[username], by_name(district_name).index, actor=None)
    mapo, gangnam, gwanak = (by_name(n).index for n in ("마포구", "강남구", "관악구"))
    today = timezone.localdate()
    outbreak = actions.open_outbreak(OUTBREAK, mapo, name_en=OUTBREAK_EN, actor=None)
    if "epi.investigator" in users:
        actions.add_investigator(outbreak, users["epi.investigator"], actor=None)

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        return local_midnight(today - timedelta(days=days_ago)) + timedelta(hours=hour, minutes=minute)

    index = actions.register_case(
        outbreak,
        actions.CaseInput(
            name="김민준",
            phone="010-2000-0001",
            district=mapo,
            confirmed_on=today - timedelta(days=3),
            onset_on=today - timedelta(days=5),
            presence_id="demo-p-000017",
            isolated_at=at(3, 18),
        ),
        actor=None,
    ).case
    assert index is not None  # noqa: S101 - a new outbreak has no case yet
    for start, hours, place, where, setting in [
        (at(6, 8, 30), 9, "상암동 사무실 (회사)", mapo, "workplace"),
        (at(6, 19, 40), 2, "망원동 코인노래방", mapo, "nightlife"),
        (at(5, 7, 50), 1, "지하철 6호선 망원→디지털미디어시티", mapo, "transit"),
        (at(4, 12, 10), 1, "합정역 인근 식당", mapo, "other"),
    ]:
        actions.add_timeline_entry(
            index,
            actions.TimelineInput(
                start=start, end=start + timedelta(hours=hours), place=place, setting=setting, district=where
            ),
            actor=None,
        )
    people: list[tuple[str, str, int, int, str, str, int, str]] = [
        ("이서연", "010-2000-0002", mapo, 6, "망원동 코인노래방", "nightlife", 120, "close"),
        ("박도윤", "010-2000-0003", mapo, 6, "망원동 코인노래방", "nightlife", 120, "same_room"),
        ("최지우", "010-2000-0004", gangnam, 6, "상암동 사무실 (회사)", "workplace", 480, "close"),
        ("정하준", "010-2000-0005", gwanak, 4, "합정역 인근 식당", "other", 50, "same_room"),
        ("강서윤", "010-2000-0006", mapo, 3, "자택", "household", 600, "touch"),
    ]
    contacts = []
    for name, phone, district, days_ago, place, setting, minutes, proximity in people:
        contacts.append(
            actions.add_contact(
                index,
                actor=None,
                name=name,
                phone=phone,
                district=district,
                exposure=actions.ExposureInput(
                    on=today - timedelta(days=days_ago),
                    place=place,
                    setting=setting,
                    duration_minutes=minutes,
                    proximity=proximity,
                    mask="neither" if setting == "nightlife" else "unknown",
                ),
            )
        )
    for contact in contacts:
        for day in range(1, (today - contact.last_exposure_on).days):
            status = "seen_well" if (contact.pk + day) % 4 else "missed"
            actions.record_follow_up(contact, contact.last_exposure_on + timedelta(days=day), status, actor=None)
    # One contact tested positive: a second-generation case of the chain.
    second = actions.convert_to_case(
        contacts[1], confirmed_on=today - timedelta(days=1), onset_on=today - timedelta(days=2), actor=None
    ).case
    assert second is not None  # noqa: S101
    actions.add_contact(
        second,
        actor=None,
        name="윤지호",
        phone="010-2000-0007",
        district=mapo,
        exposure=actions.ExposureInput(
            on=today - timedelta(days=2), place="홍대입구 카페", setting="other", duration_minutes=40
        ),
    )
    # A separate cluster: a case in Gangnam with no link yet.
    actions.register_case(
        outbreak,
        actions.CaseInput(
            name="한예린",
            phone="010-2000-0008",
            district=gangnam,
            confirmed_on=today,
            test_on=today - timedelta(days=1),
        ),
        actor=None,
    )
    # Laboratory results: the index case's positive PCR; and a case isolated ten days ago,
    # due for release today by the criteria in force (seven days from the specimen).
    actions.record_lab_result(
        index,
        actions.LabInput("pcr", "nasopharyngeal", "서울특별시 보건환경연구원", "positive", at(4, 10), at(3, 9)),
        actor=None,
    )
    recovering = actions.register_case(
        outbreak,
        actions.CaseInput(
            name="송하윤",
            phone="010-2000-0010",
            district=mapo,
            confirmed_on=today - timedelta(days=9),
            onset_on=today - timedelta(days=11),
            test_on=today - timedelta(days=10),
            isolated_at=at(9, 17),
        ),
        actor=None,
    ).case
    assert recovering is not None  # noqa: S101
    actions.record_lab_result(
        recovering,
        actions.LabInput("pcr", "nasopharyngeal", "마포구 보건소 선별진료소", "positive", at(10, 14), at(9, 11)),
        actor=None,
    )
    actions.record_fever_end(recovering, at(5, 8), actor=None)
    # Today: a missed morning call to one contact, then symptoms when the tracer got through
    # (both entries kept); another contact was reached.
    earlier = max(local_midnight(today), timezone.now() - timedelta(hours=2))
    actions.record_follow_up(contacts[0], today, "missed", actor=None, now=earlier)
    actions.record_follow_up(
        contacts[0], today, "seen_symptoms", symptom_list=["sore_throat"], temperature=37.9, actor=None
    )
    # Someone of the index case's household has a fever and a cough: a suspected case, isolated
    # while the test is run (a positive PCR recorded on the case page confirms it).
    actions.register_case(
        outbreak,
        actions.CaseInput(
            name="강민호",
            phone="010-2000-0011",
            district=mapo,
            classification="suspected",
            basis="발열 38.1℃·기침, 확진자 김민준과 같은 집에 사는 가족",
            onset_on=today - timedelta(days=1),
            isolated_at=at(1, 20),
        ),
        actor=None,
    )
    actions.store_candidates(
        index,
        [
            DemoCandidate("demo-p-004211", 184.0, 115, at(6, 19, 45), ["망원동 코인노래방"], "indoor", "venue", mapo),
            DemoCandidate("demo-p-001093", 52.5, 35, at(5, 7, 52), ["6호선 망원→디지털미디어시티"], "transit", "metro"),
            DemoCandidate("demo-p-007730", 9.0, 15, at(4, 12, 20), ["합정역 인근 식당"], "indoor", "card", mapo),
        ],
        actor=None,
    )
    _movement_case(outbreak, mapo, today)
    # A second Mapo tracer joins after the cases were assigned: tracer.mapo keeps the full
    # worklist, and the supervisor has someone to reassign work to.
    joiner = User.objects.filter(username=SECOND_MAPO_TRACER).first()
    if joiner is not None:
        actions.set_tracer_profile(joiner, mapo, actor=None)
    return {"cases": Case.objects.count(), "contacts": Contact.objects.count()}


def _movement_case(outbreak: Outbreak, district: int, today: date) -> None:
    """A small synthetic city in the presence store (when it holds none) and a case from its
    planted outbreak, so that "search movement data" on the case finds the planted contacts."""
    root = movement_dir()
    if store.presence_days(root):
        return
    simulate.simulate(geometry(), people=3000, days=10, seed=2020, out=root, start=today - timedelta(days=10), cases=1)
    planted = json.loads((root / "planted.json").read_text(encoding="utf-8"))["cases"][0]
    onset = date.fromisoformat(planted["onset"])
    actions.register_case(
        outbreak,
        actions.CaseInput(
            name="오지민",
            phone="010-2000-0009",
            district=district,
            confirmed_on=onset + timedelta(days=2),
            onset_on=onset,
            presence_id=planted["person_id"],
            isolated_at=datetime.fromisoformat(planted["isolated_at"]),
        ),
        actor=None,
    )
