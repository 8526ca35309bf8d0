"""Duplicate persons: two records of one person (a new phone number, a name typed another
way) found and merged after a supervisor's review (Go.Data's duplicate review, SORMAS #2571).

``possible_duplicates`` proposes pairs among the persons whose records the supervisor sees:
the same name in the same district with another phone, or the same phone with a name written
differently (spaces, Latin letters). ``merge_persons`` moves every case, contact and exposure of
the second person to the first and deletes the second; it refuses what would break a record
(both are cases of one outbreak, both contacts of one case, two movement-data ids).
``mark_different`` keeps a pair from being proposed again. Both are audited by reference only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import need_role
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, Contact, Exposure, Person, PersonDecision


def _name_key(name: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def people_seen_by(user: User | None) -> QuerySet[Person]:
    """Persons with a case or contact the user sees (everyone for the system)."""
    if user is None:
        return Person.objects.order_by("pk")
    cases = Case.objects.visible_to(user).values("person_id")
    contacts = Contact.objects.visible_to(user).values("person_id")
    return Person.objects.filter(Q(pk__in=cases) | Q(pk__in=contacts)).order_by("pk")


@dataclass(frozen=True)
class Pair:
    first: Person
    second: Person
    why: str  # "name_district" or "phone"


def possible_duplicates(user: User | None) -> list[Pair]:
    """Pairs of persons the user sees that may be one person, not yet decided."""
    people = people_seen_by(user)
    decided = set(PersonDecision.objects.values_list("pair", flat=True))
    pairs: dict[str, Pair] = {}
    by_name: dict[tuple[str, int], list[Person]] = {}
    by_phone: dict[str, list[Person]] = {}
    for p in people:
        by_name.setdefault((_name_key(p.name), p.district), []).append(p)
        if p.phone_index:
            by_phone.setdefault(p.phone_index, []).append(p)
    for groups, why in ((by_name.values(), "name_district"), (by_phone.values(), "phone")):
        for group in groups:
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    key = PersonDecision.key(a.pk, b.pk)
                    if key not in decided and key not in pairs:
                        pairs[key] = Pair(a, b, why)
    return sorted(pairs.values(), key=lambda p: (p.first.pk, p.second.pk))


def _both_seen(actor: User | None, a: Person, b: Person) -> None:
    need_role(actor, Role.APPROVER)
    if actor is not None and people_seen_by(actor).filter(pk__in=[a.pk, b.pk]).count() != 2:
        raise TracingError.PERSON_NOT_IN_SCOPE.denied()


def merge_persons(keep: Person, drop: Person, note: str, *, actor: User | None) -> Person:
    """Move ``drop``'s cases, contacts and exposures to ``keep`` and delete ``drop``."""
    note = check_text(note, "note", min_length=5, max_length=300)
    if keep.pk == drop.pk:
        raise TracingError.SAME_PERSON.error("note")
    _both_seen(actor, keep, drop)
    with transaction.atomic():
        keep = Person.objects.select_for_update().get(pk=keep.pk)
        drop = Person.objects.select_for_update().get(pk=drop.pk)
        outbreaks = set(Case.objects.filter(person=keep).values_list("outbreak_id", flat=True))
        if Case.objects.filter(person=drop, outbreak_id__in=outbreaks).exists():
            raise TracingError.MERGE_TWO_CASES.error("note")
        sources = set(Contact.objects.filter(person=keep).values_list("source_case_id", flat=True))
        if Contact.objects.filter(person=drop, source_case_id__in=sources).exists():
            raise TracingError.MERGE_TWO_CONTACTS.error("note")
        if keep.presence_id and drop.presence_id and keep.presence_id != drop.presence_id:
            raise TracingError.MERGE_TWO_IDS.error("note")
        if drop.presence_id and not keep.presence_id:
            keep.presence_id, drop.presence_id = drop.presence_id, ""
            drop.save(update_fields=["presence_id"])
            keep.save(update_fields=["presence_id"])
        moved = {
            "cases": Case.objects.filter(person=drop).update(person=keep),
            "contacts": Contact.objects.filter(person=drop).update(person=keep),
            "exposures_given": Exposure.objects.filter(source=drop).update(source=keep),
            "exposures_received": Exposure.objects.filter(exposed=drop).update(exposed=keep),
        }
        dropped, dropped_pk = str(drop), drop.pk
        drop.delete()
        PersonDecision.objects.create(
            pair=PersonDecision.key(keep.pk, dropped_pk),
            decision=PersonDecision.Decision.MERGED,
            note=note,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        audit.record(
            TracingEvent.PERSONS_MERGED,
            actor=actor,
            target=keep,
            old={"person": dropped},
            new={"person": str(keep), **moved},
            reason=note,
        )
    return keep


def mark_different(a: Person, b: Person, note: str, *, actor: User | None) -> PersonDecision:
    """The two records are different people: the pair is not proposed again."""
    note = check_text(note, "note", min_length=5, max_length=300)
    _both_seen(actor, a, b)
    with transaction.atomic():
        decision, created = PersonDecision.objects.get_or_create(
            pair=PersonDecision.key(a.pk, b.pk),
            defaults={"decision": PersonDecision.Decision.DIFFERENT, "note": note, "decided_by": actor},
        )
        if not created:
            raise TracingError.PAIR_DECIDED.error("note")
        audit.record(TracingEvent.PERSONS_DIFFERENT, actor=actor, target=a, new={"other": str(b)}, reason=note)
    return decision
