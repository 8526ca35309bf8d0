"""A small archive: the reference departments and types, a clerk of the general-affairs
division, a records officer, a reader of another division, and someone with no role here.
Files, spool and index live in the test's own folder; scans are read in the request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.test import Client, override_settings

from seoul.core.models import User
from seoul.records import actions, index, reference, storage
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.models import Department, Post, Record
from seoul.records.tests.builders import page_image


@dataclass
class Archive:
    general: Department
    digital: Department
    clerk: User
    officer: User
    reader: User
    outsider: User
    folder: Path


@pytest.fixture
def archive(make_user: Callable[..., User], tmp_path: Path) -> Iterator[Archive]:
    with override_settings(SEOUL_RECORDS_DIR=tmp_path / "records", SEOUL_RECORDS_PROCESSING="inline"):
        storage.storage.cache_clear()
        index._open.clear()
        reference.load()
        general, digital = (Department.objects.get(code=c) for c in ("6110101", "6110201"))
        clerk = make_user(institution="CITY_HALL", roles={"records": "operator"}, username="clerk.general")
        officer = make_user(institution="CITY_HALL", roles={"records": "approver"}, username="records.officer")
        reader = make_user(institution="CITY_HALL", roles={"records": "viewer"}, username="reader.digital")
        outsider = make_user(roles={"plan": "operator"}, username="plan.person")
        Post.objects.create(user=clerk, department=general)
        Post.objects.create(user=reader, department=digital)
        yield Archive(general, digital, clerk, officer, reader, outsider, tmp_path)
        storage.storage.cache_clear()
        index._open.clear()


def registered(
    archive: Archive,
    name: str,
    lines: list[str],
    *,
    completed: int,
    retention: Retention,
    disclosure: Disclosure = Disclosure.OPEN,
    exemptions: tuple[int, ...] = (),
) -> Record:
    """A page image of ``lines`` received, read and registered by the general-affairs clerk."""
    path = page_image(archive.folder / name, lines)
    [received] = actions.receive(
        [(name, path)], source="upload", department=archive.general, actor=archive.clerk
    ).records
    read = actions.process(received.pk)
    assert read is not None
    return actions.register(
        read,
        actions.Registration(
            title=lines[0],
            produced_on=date(completed, 3, 1),
            department=archive.general,
            completed_year=completed,
            retention=retention,
            disclosure=disclosure,
            exemptions=exemptions,
        ),
        actor=archive.clerk,
    )


def client_of(user: User) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
