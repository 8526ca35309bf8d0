"""The fare calculator without a question is kept for anonymous visitors (core.pagecache); its
station list is rendered once per process. Both come from the network and tariffs shipped with
the code, so a new version of that reference data arrives with a new process."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from seoul.core import pagecache
from seoul.core.models import User
from seoul.metro.engine import data


def token(body: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert found
    return found.group(1)


def test_the_empty_calculator_is_kept_once_with_each_visitors_own_token() -> None:
    first, second = Client().get("/metro/"), Client().get("/metro/")
    assert first.status_code == second.status_code == 200
    assert token(first.content.decode()) != token(second.content.decode())
    (kept,) = pagecache.kept_pages()
    assert pagecache.CSRF_PLACEHOLDER in kept
    names = data.network().names
    assert kept.count("<option value=") >= len(names)
    assert all(f'<option value="{name}">' in kept for name in names)


def test_a_question_is_answered_per_request_and_not_kept() -> None:
    for origin in ("서울역", "강남"):
        body = Client().get("/metro/", {"origin": origin, "destination": "시청"}).content.decode()
        assert f"{origin} → 시청" in body
    assert pagecache.kept_pages() == []


@pytest.mark.django_db
def test_a_signed_in_riders_calculator_is_not_kept(make_user: Callable[..., User]) -> None:
    client = Client()
    client.force_login(make_user(kind=User.Kind.CITIZEN, institution=None, username="rider.kim"))
    assert "rider.kim" in client.get("/metro/").content.decode()
    assert pagecache.kept_pages() == []
    Client().get("/metro/")
    assert all("rider.kim" not in page for page in pagecache.kept_pages())
