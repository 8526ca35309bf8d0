from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import translation

from conftest import PASSWORD
from seoul.core import audit
from seoul.core.models import AuditEvent, User
from seoul.core.personal_data import purpose_label
from seoul.core.testing import reason_ticket, state_reason

pytestmark = pytest.mark.django_db


def test_audit_events_are_append_only(reference: None) -> None:
    event = audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="tester", new={"rows": 3})
    event.reason = "rewritten"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.reason == ""
    assert stored.new == {"rows": 3}
    assert stored.at.utcoffset().total_seconds() == 0  # stored in UTC


def test_the_database_refuses_changes_to_audit_rows(reference: None) -> None:
    """Around the model (raw SQL): PostgreSQL's trigger refuses UPDATE and DELETE (ADR 3)."""
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (the embedded SQLite demo has none); CI runs it")
    event = audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="tester", new={"rows": 3})
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'rewritten' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
    later = audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="tester", new={"rows": 4})  # appending works
    assert list(
        AuditEvent.objects.filter(pk__in=[event.pk, later.pk]).values_list("new", flat=True).order_by("pk")
    ) == [
        {"rows": 3},
        {"rows": 4},
    ]


def test_sign_in_success_and_failure_are_audited(make_user: Callable[..., User]) -> None:
    user = make_user(username="kim")
    client = Client(REMOTE_ADDR="10.1.2.3")
    response = client.post("/accounts/login/", {"username": "kim", "password": "wrong-password-123"})
    assert response.status_code == 200
    assert "kim" not in client.session.get("_auth_user_id", "")
    failed = AuditEvent.objects.get(event=audit.CoreEvent.LOGIN_FAILED)
    assert failed.actor_label == "kim"
    assert failed.ip == "10.1.2.3"
    assert failed.route == "/accounts/login/"

    response = client.post("/accounts/login/", {"username": "kim", "password": PASSWORD})
    assert response.status_code == 302
    ok = AuditEvent.objects.get(event=audit.CoreEvent.LOGIN_SUCCEEDED)
    assert ok.actor == user
    assert ok.institution == user.institution


def test_lockout_after_five_failures(make_user: Callable[..., User]) -> None:
    make_user(username="lee")
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "lee", "password": "nope-nope-nope"})
    # Even the right password is refused while locked out.
    response = client.post("/accounts/login/", {"username": "lee", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event=audit.CoreEvent.LOGIN_LOCKED_OUT, actor_label="lee").exists()


def test_refused_authorisation_is_audited(make_user: Callable[..., User]) -> None:
    citizen = make_user(kind=User.Kind.CITIZEN, institution=None, username="citizen1")
    client = Client()
    client.force_login(citizen)
    response = client.get("/plan/dashboard/")
    assert response.status_code == 403
    denied = AuditEvent.objects.get(event=audit.CoreEvent.ACCESS_DENIED)
    assert denied.actor == citizen
    assert denied.new == {"needs": "plan:viewer"}
    assert denied.route == "/plan/dashboard/"


def test_audit_page_requires_a_reason_and_records_it(auditor: User) -> None:
    client = Client()
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert not AuditEvent.objects.filter(event=audit.CoreEvent.AUDIT_SEARCHED).exists()
    ticket = reason_ticket(response)

    short = client.post("/reason/", {"ticket": ticket, "reason": "core.audit", "reason_detail": "x"})
    assert short.status_code == 400  # detail too short
    assert client.get("/audit/").status_code == 200 and b'name="ticket"' in client.get("/audit/").content
    unknown = client.post(
        "/reason/", {"ticket": ticket, "reason": "tracing.investigation", "reason_detail": "민원 확인"}
    )
    assert unknown.status_code == 400  # not a reason the audit log offers
    forged = client.post("/reason/", {"ticket": ticket + "x", "reason": "core.audit", "reason_detail": "quarterly"})
    assert forged.status_code == 400

    stated = client.post(
        "/reason/", {"ticket": ticket, "reason": "core.audit", "reason_detail": "quarterly inspection"}
    )
    assert stated.status_code == 302 and stated["Location"] == "/audit/"
    assert "reason" not in stated["Location"]
    response = client.get("/audit/")
    assert response.status_code == 200
    searched = AuditEvent.objects.get(event=audit.CoreEvent.AUDIT_SEARCHED)
    assert searched.reason == "core.audit: quarterly inspection"
    assert searched.actor == auditor
    # asked once per session: the next search needs no reason and is recorded with the same one
    client.get("/audit/", {"event": audit.CoreEvent.AUDIT_SEARCHED})
    assert AuditEvent.objects.filter(event=audit.CoreEvent.AUDIT_SEARCHED, reason=searched.reason).count() == 2
    # a new session asks again
    client.logout()
    client.force_login(auditor)
    assert b'name="ticket"' in client.get("/audit/").content


def test_a_reason_form_never_sends_back_to_another_site(auditor: User) -> None:
    from seoul.core.personal_data import CorePurpose, ReasonRequired, _ticket

    client = Client()
    client.force_login(auditor)
    ticket = _ticket(
        ReasonRequired(subject="core.audit_log", purposes=CorePurpose, title="t", back="https://evil.example/")
    )
    stated = client.post(
        "/reason/", {"ticket": ticket, "reason": "core.audit", "reason_detail": "quarterly inspection"}
    )
    assert stated.status_code == 302 and stated["Location"] == "/"


def test_audit_page_shows_reasons_and_values_in_words(auditor: User) -> None:
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="a", reason="investigation: 민원 2026-11", new={"rows": 3})
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="b", reason="own account")
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="c", reason="core.security: 침해 사고 2026-7")
    client = Client()
    client.force_login(auditor)
    page = state_reason(client, "/audit/", "core.audit", "quarterly inspection").content.decode()
    with translation.override("ko"):
        investigating = str(purpose_label("investigation"))
        security = str(purpose_label("core.security"))
    assert f"{investigating}: 민원 2026-11" in page
    assert f"{security}: 침해 사고 2026-7" in page
    assert "investigation: 민원" not in page and "own account" not in page and "core.security:" not in page
    assert "rows: 3" in page and "{&#x27;rows&#x27;" not in page


def test_audit_viewer_sees_only_own_institution(make_user: Callable[..., User]) -> None:
    metro_auditor = make_user(institution="SEOUL_METRO", roles={"core": "viewer"}, username="m.aud")
    smc_user = make_user(institution="SMC", username="smc.user")
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor=smc_user, target_label="smc-export")
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor=metro_auditor, target_label="metro-export")
    client = Client()
    client.force_login(metro_auditor)
    body = state_reason(client, "/audit/", "core.audit", "own institution review").content.decode()
    assert "metro-export" in body
    assert "smc-export" not in body


def test_audit_search_filters(auditor: User) -> None:
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="a", target_label="alpha")
    audit.record(audit.CoreEvent.ROLE_GRANTED, actor_label="b", target_label="beta")
    client = Client()
    client.force_login(auditor)
    state_reason(client, "/audit/", "core.audit", "filter check")
    base: dict[str, str] = {}
    body = client.get("/audit/", {**base, "event": audit.CoreEvent.ROLE_GRANTED}).content.decode()
    assert "beta" in body
    assert "alpha" not in body
    response = client.get("/audit/", {**base, "date_from": "2030-01-02", "date_to": "2030-01-01"})
    assert (
        "The end date is before the start date." in response.content.decode() or "종료일" in response.content.decode()
    )


def test_audit_log_orders_like_the_other_tables(auditor: User) -> None:
    audit.record(audit.CoreEvent.ROLE_GRANTED, actor_label="zed", target_label="first")
    audit.record(audit.CoreEvent.DATA_EXPORTED, actor_label="amy", target_label="second")
    client = Client()
    client.force_login(auditor)
    state_reason(client, "/audit/", "core.audit", "ordering check")

    def targets(**query: str) -> list[str]:
        """The two recorded events' targets in the order the page lists them."""
        page = client.get("/audit/", query).content.decode().split('id="audit-table"')[1]
        return sorted(("first", "second"), key=page.index)

    assert targets() == ["second", "first"]  # newest first by default
    assert targets(sort="oldest") == ["first", "second"]
    assert targets(sort="actor") == ["second", "first"]  # amy before zed
    assert targets(sort="event") == ["first", "second"]  # core.role.granted before data.exported
