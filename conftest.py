"""Fixtures shared by every test: reference data and people with roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from seoul.core.models import Institution, ServiceRole, User

PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture(autouse=True)
def _tests_write_outside_var(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> None:
    """Tests never touch what ``make run`` keeps under ``var/``: each test's movement-data store
    and SMS outbox are its own temporary directory (a retention run in one test would otherwise
    destroy the demo's movement data, or another test's)."""
    root = tmp_path_factory.mktemp("var")
    settings.SEOUL_TRACING_DATA_DIR = root / "tracing"
    settings.SEOUL_TRACING_SMS_OUTBOX = root / "sms-outbox.jsonl"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the platform's language (Korean): a request in English made by an
    earlier test leaves its language active in the thread otherwise."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Each test starts as a freshly started worker process would. The per-process caches are
    keyed by the version of the data, and a test's writes roll back with it, so what one test
    kept would otherwise show in the next test that writes around the actions."""
    from django.core.cache import cache

    from seoul.core import navigation, pagecache
    from seoul.plan import figures

    for forget in (figures.forget, pagecache.clear, cache.clear, navigation.forget):
        forget()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Pages refer to static files by their hashed names, which only the collected manifest knows."""
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        raise pytest.UsageError(f"no static files in {settings.STATIC_ROOT}: run `make static` first")


@pytest.fixture
def reference(db: None) -> None:
    """Institutions, visions and announced projects as ``seoul load-reference`` loads them."""
    from seoul.core import reference as core_reference
    from seoul.plan import reference as plan_reference

    core_reference.load()
    plan_reference.load()


@pytest.fixture
def make_user(reference: None) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        *,
        kind: str = User.Kind.STAFF,
        institution: str | None = "SEOUL_METRO",
        roles: dict[str, str] | None = None,
        username: str | None = None,
    ) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(counter)}",
            password=PASSWORD,
            kind=kind,
            institution=Institution.objects.get(code=institution) if institution else None,
        )
        for service, role in (roles or {}).items():
            ServiceRole.objects.create(user=user, service=service, role=role)
        return user

    return make


@pytest.fixture
def operator(make_user: Callable[..., User]) -> User:
    return make_user(roles={"plan": "operator"}, username="metro.op")


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={"core": "admin"}, username="city.auditor")
