"""What every action of the overseas-sales service shares."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import models

from seoul.core import history
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.overseas.engine import files
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.models import Application, Transition

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_reference(model: type[models.Model], prefix: str, today: date) -> str:
    while True:
        ref = f"{prefix}-{today:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        if not model._default_manager.filter(reference=ref).exists():
            return ref


def check_officer(actor: User) -> None:
    if not actor.has_role(Service.OVERSEAS, Role.OPERATOR):
        raise OverseasError.NEEDS_OFFICER.denied()


def check_own(application: Application, actor: User) -> None:
    """The business's representative (the citizen who applied) or the programme's officers."""
    if application.applicant_id != actor.pk and not actor.has_role(Service.OVERSEAS, Role.OPERATOR):
        raise OverseasError.NOT_YOURS.denied()


def check_selected(application: Application) -> None:
    if application.state != Application.States.SELECTED:
        raise OverseasError.NOT_SELECTED_YET.error()


def check_file(content: bytes, field: str) -> files.Checked:
    found = files.check(content)
    if found.problem == "empty":
        raise OverseasError.FILE_EMPTY.error(field)
    if found.problem == "too_large":
        raise OverseasError.FILE_SIZE.error(field, max="2 MB")
    if found.problem is not None:
        raise OverseasError.FILE_TYPE.error(field)
    return found


def move(
    application: Application, to: str, *, event: OverseasEvent, actor: User | None, note: str = "", **new: Any
) -> None:
    """Change the state (inside the caller's transaction), keep the transition, audit it."""
    history.move(Transition, application, to, event=event, actor=actor, note=note, **new)
