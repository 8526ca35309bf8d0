"""The yearly disposal review: nothing is destroyed before the committee has decided every
record; destruction removes files, text and index entry and keeps the registration data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from seoul.core.models import AuditEvent
from seoul.records import actions, index, storage
from seoul.records.engine.rules import Retention
from seoul.records.errors import RecordsError
from seoul.records.models import Correction, DisposalItem, DisposalReview, Page, Record, StoredFile
from seoul.records.tests.conftest import Archive, registered

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_review_destroys_one_record_and_keeps_another(archive: Archive) -> None:
    old = registered(
        archive, "old.png", ["회의록 폐기 대상", "보존기간 1년 회의록"], completed=2020, retention=Retention.YEARS_1
    )
    kept = registered(
        archive, "kept.png", ["계약서 보존 연장", "보존기간 3년 계약서"], completed=2021, retention=Retention.YEARS_3
    )
    young = registered(
        archive, "young.png", ["올해 보고서", "보존기간 10년"], completed=2025, retention=Retention.YEARS_10
    )
    on = date(2026, 1, 15)
    assert [r.pk for r, _ in actions.disposal.due(on)] == [old.pk, kept.pk]  # 2021-12-31 and 2024-12-31 ended
    with pytest.raises(PermissionDenied):
        actions.open_review(actor=archive.clerk, on=on)
    review = actions.open_review(actor=archive.officer, on=on)
    items = {i.record_id: i for i in review.items.all()}
    assert set(items) == {old.pk, kept.pk} and young.pk not in items
    with pytest.raises(ValidationError):  # decisions come after the committee's meeting is recorded
        actions.decide(items[old.pk], "destroy", reason="", actor=archive.officer)
    actions.record_meeting(
        review, meeting_on=date(2026, 1, 20), minutes="2026-기록-01", members="위원장 외 4명", actor=archive.officer
    )
    actions.decide(items[old.pk], "destroy", reason="", actor=archive.officer)
    with pytest.raises(ValidationError):  # nothing is destroyed before every record is decided
        actions.carry_out(review, actor=archive.officer)
    assert Record.objects.get(pk=old.pk).status == Record.Status.REGISTERED
    with pytest.raises(ValidationError):  # keeping longer needs a period that ends later
        actions.decide(items[kept.pk], "keep", reason="소송 진행 중", new_retention="1", actor=archive.officer)
    with pytest.raises(ValidationError):  # and a reason
        actions.decide(items[kept.pk], "keep", reason="", new_retention="10", actor=archive.officer)
    actions.decide(items[kept.pk], "keep", reason="소송 진행 중", new_retention="10", actor=archive.officer)
    assert DisposalReview.objects.get(pk=review.pk).status == DisposalReview.Status.DECIDED

    keys = list(StoredFile.objects.filter(record=old).values_list("key", flat=True))
    assert all(storage.storage().exists(k) for k in keys)
    assert old.pk in {h.id for h in index.index().search("폐기", audiences=None).hits}
    actions.carry_out(review, actor=archive.officer)

    destroyed = Record.objects.get(pk=old.pk)
    assert destroyed.status == Record.Status.DESTROYED
    assert destroyed.registration_number == old.registration_number  # registration data kept
    assert not Page.objects.filter(record=old).exists()
    assert not any(storage.storage().exists(k) for k in keys)
    assert old.pk not in {h.id for h in index.index().search("폐기", audiences=None).hits}
    item = DisposalItem.objects.get(review=review, record=old)
    assert sorted(f["key"] for f in item.files_removed) == sorted(keys) and item.carried_out_at is not None
    assert AuditEvent.objects.filter(event="records.destroyed", target_id=str(old.pk)).exists()
    # the other one is kept ten years, through a correction that cites the committee
    still = Record.objects.get(pk=kept.pk)
    assert (still.status, still.retention) == (Record.Status.REGISTERED, "10")
    assert "2026-기록-01" in Correction.objects.get(record=kept, field="retention").reason
    assert Path(archive.folder).exists()
    with pytest.raises(ValidationError):
        actions.carry_out(review, actor=archive.officer)
    # the sanity check no longer looks for the destroyed files
    assert actions.check_files().problems == []


def test_the_review_page_walks_the_steps(archive: Archive) -> None:
    old = registered(archive, "old.png", ["회의록 폐기 대상"], completed=2020, retention=Retention.YEARS_1)
    officer = Client()
    officer.force_login(archive.officer)
    assert officer.get("/records/disposal/").context["due"][0][0].pk == old.pk
    opened = officer.post("/records/disposal/")
    review = DisposalReview.objects.get()
    assert opened["Location"] == f"/records/disposal/{review.pk}/"
    item = review.items.get()
    early = officer.post(opened["Location"], {"do": "decide", "item": item.pk, f"item{item.pk}-decision": "destroy"})
    assert early.status_code == 400  # before the meeting: refused, and said at the top of the page
    assert str(RecordsError.COMMITTEE_FIRST.message()) in [str(m) for m in early.context["messages"]]
    meeting = {"do": "meeting", "meeting_on": "2026-01-20", "minutes": "2026-기록-01", "members": "위원 5명"}
    assert officer.post(opened["Location"], meeting).status_code == 302
    bad = officer.post(opened["Location"], {"do": "decide", "item": item.pk, f"item{item.pk}-decision": "keep"})
    assert bad.status_code == 400  # keeping needs a period and a reason, said on the form
    good = officer.post(opened["Location"], {"do": "decide", "item": item.pk, f"item{item.pk}-decision": "destroy"})
    assert good.status_code == 302
    assert officer.post(opened["Location"], {"do": "carry_out"}).status_code == 302
    assert Record.objects.get(pk=old.pk).status == Record.Status.DESTROYED
    page = officer.get(f"/records/{old.pk}/")
    assert page.status_code == 200 and b'id="destroyed"' in page.content
    clerk = Client()
    clerk.force_login(archive.clerk)
    assert clerk.get("/records/disposal/").status_code == 403
