"""The state history every application-like record keeps: each change of its ``state`` — from
and to, who, when and why — as a row of the app's own table, and audited.

An app defines its history model (``Transition``: ``application``, the record; ``from_state``,
``to_state``, ``by``, ``at``, ``note``) and calls :func:`begin` and :func:`move` from its actions,
inside the transaction that changes the record. (The model stays in each app: a shared abstract
model, or a mixin imported by the models, flipped the type checker's Django plugin about which of
two models both named ``Application`` a manager returns.)
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seoul.core import audit


def begin(history: Any, record: Any, *, actor: Any) -> None:
    """The record's first state, as it was made (``history``: the app's history model)."""
    history.objects.create(application=record, from_state="", to_state=record.state, by=actor)


def move(
    history: Any,
    record: Any,
    to: str,
    *,
    event: str | None,
    actor: Any,
    note: str = "",
    **new: Any,
) -> None:
    """Change ``record``'s state (inside the caller's transaction), keep the change in
    ``history`` and audit it as ``event`` with ``new`` added (no audit when ``event`` is None:
    the caller records a fuller event itself)."""
    before = record.state
    record.state = to
    record.state_changed_at = timezone.now()
    record.save()
    longest = history._meta.get_field("note").max_length
    history.objects.create(application=record, from_state=before, to_state=to, by=actor, note=note[:longest])
    if event is None:
        return
    audit.record(
        event,
        target=record,
        actor=actor,
        actor_label="" if actor else "system",
        old={"state": before},
        new={"state": to, **new} | ({"note": note} if note else {}),
    )
