"""Finding the person a new case or contact is about, so that nobody is typed twice."""

from __future__ import annotations

from seoul.core.crypto import blind_index
from seoul.core.validation import check_text
from seoul.tracing.actions._checks import district as check_district
from seoul.tracing.errors import TracingError
from seoul.tracing.models import Language, Person


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def find_or_add_person(name: str, phone: str, district: int, presence_id: str = "", language: str = "") -> Person:
    """The person already on record — same phone number (blind index) and same name, or the
    same movement-data id and same name — else a new one. A phone alone is not enough (families
    share phones); a movement-data id already linked to someone of another name is refused,
    never merged into them. ``language`` (when given) is the one the person reads: their texts
    and self-report page use it."""
    name = check_text(name, "name", max_length=100)
    if language and language not in Language.values:
        raise TracingError.CHOICE.error("language")
    phone = check_text(phone, "phone", max_length=30, min_length=0)
    presence_id = check_text(presence_id, "presence_id", max_length=64, min_length=0)
    district = check_district(district)
    found = None
    if phone:
        same_phone = Person.objects.filter(phone_index=blind_index(phone, purpose="tracing.person.phone"))
        found = next((p for p in same_phone if _same_name(p.name, name)), None)
    if found is None and presence_id:
        linked = Person.objects.filter(presence_id=presence_id).first()
        if linked is not None and not _same_name(linked.name, name):
            raise TracingError.PRESENCE_ID_TAKEN.error("presence_id")
        found = linked
    if found is not None:
        changed = []
        if presence_id and not found.presence_id:
            found.presence_id = presence_id
            changed.append("presence_id")
        if language and language != found.language:
            found.language = language
            changed.append("language")
        if changed:
            found.save(update_fields=changed)
        return found
    return Person.objects.create(
        name=name, phone=phone, district=district, presence_id=presence_id, language=language or Language.KOREAN
    )
