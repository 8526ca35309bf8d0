"""Designed error pages: a title in plain words, a way back, both languages, no traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory

from seoul.core import request_id, views
from seoul.core.models import User
from seoul.core.tests.urls_raise import SECRET


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "title", "home"),
    [("ko", "페이지를 찾을 수 없습니다", "첫 화면으로 이동"), ("en", "Page not found", "Go to the home page")],
)
def test_404_in_both_languages_with_a_way_home(lang: str, title: str, home: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    assert f'<html lang="{lang}"' in page
    assert re.search(rf'<a class="button" href="/">{home}</a>', page)
    assert 'class="site-footer"' in page  # the whole shell, not a bare message


@pytest.mark.django_db
def test_back_link_only_to_a_page_of_this_site() -> None:
    same_site = Client().get("/no-such-page/", HTTP_REFERER="http://testserver/plan/").content.decode()
    assert 'href="http://testserver/plan/">이전 화면으로 돌아가기' in same_site
    elsewhere = Client().get("/no-such-page/", HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in elsewhere
    assert "이전 화면으로 돌아가기" not in elsewhere


@pytest.mark.django_db
def test_403_for_staff_without_the_role(make_user: Callable[..., User]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(roles={"plan": "viewer"}))
    response = client.get("/audit/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>You cannot open this page</h1>" in page
    assert "ask your institution's administrator for the role" in page


@pytest.mark.django_db
def test_csrf_failure_page(reference: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>양식의 유효 시간이 지났습니다</h1>" in page
    assert "쿠키를 허용하는지" in page


@pytest.mark.django_db
def test_400_for_a_host_we_do_not_serve() -> None:
    response = Client(HTTP_HOST="evil.example").get("/")
    assert response.status_code == 400
    assert "<h1>요청을 처리할 수 없습니다</h1>" in response.content.decode()


@pytest.mark.django_db
def test_413_for_an_oversized_body(settings: Any) -> None:
    settings.SEOUL_MAX_BODY_BYTES = 100
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/login/", {"username": "x" * 500})
    assert response.status_code == 413
    assert "<h1>What you sent is too large</h1>" in response.content.decode()


# No django_db mark: any database access during the request fails the test.
@pytest.mark.parametrize(
    ("lang", "title"), [("ko", "시스템에 문제가 생겼습니다"), ("en", "Something went wrong on our side")]
)
def test_500_page_without_database_shows_a_reference_and_no_traceback(
    settings: Any, caplog: pytest.LogCaptureFixture, lang: str, title: str
) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = "seoul.core.tests.urls_raise"
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=lang, HTTP_REFERER="http://testserver/metro/")
    with caplog.at_level(logging.ERROR):
        response = client.get("/fail/")
    assert response.status_code == 500
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    for leak in (SECRET, "Traceback", "RuntimeError", "urls_raise", 'File "'):
        assert leak not in page
    reference = response["X-Request-ID"]
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", reference)
    assert f'data-testid="error-reference">{reference}</strong>' in page
    assert 'href="http://testserver/metro/"' in page  # the way back
    # The same reference is on the log lines of this request, the traceback's among them.
    mine = [r for r in caplog.records if getattr(r, "request_id", None) == reference]
    assert any(r.exc_info and SECRET in str(r.exc_info[1]) for r in mine), [r.getMessage() for r in caplog.records]
    assert any(reference in r.getMessage() for r in mine)


def test_500_page_renders_from_a_bare_request() -> None:
    """No middleware ran (no user, no session, no request id): the page still renders."""
    response = views.error_500(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert re.search(r'data-testid="error-reference">[A-Z2-9]{4}-[A-Z2-9]{4}<', response.content.decode())


def test_request_id_filter_marks_records_outside_a_request() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    assert request_id.RequestIdFilter().filter(record)
    assert record.request_id == "-"  # type: ignore[attr-defined]
    token = request_id.set_current("ABCD-EFGH")
    try:
        inside = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
        request_id.RequestIdFilter().filter(inside)
        assert inside.request_id == "ABCD-EFGH"  # type: ignore[attr-defined]
    finally:
        request_id.reset(token)
