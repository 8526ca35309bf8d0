"""A business applies once for a programme with its profile, and may withdraw while it waits."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.business.actions._base import move, new_reference
from seoul.business.engine import eligibility
from seoul.business.errors import BusinessError
from seoul.business.events import BusinessEvent
from seoul.business.labels import industry_names, why_not
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication, Transition
from seoul.core import audit, history
from seoul.core.models import User
from seoul.core.validation import check_text

NOTE_MAX = 1000


def apply(
    profile: BusinessProfile, programme: Programme, *, note: str = "", actor: User, today: date | None = None
) -> ProgrammeApplication:
    today = today or timezone.localdate()
    if profile.owner_id != actor.pk:
        raise BusinessError.NOT_REPRESENTATIVE.denied()
    note = check_text(note, "note", max_length=NOTE_MAX, multiline=True) if note else ""
    if not programme.taking_applications:
        raise BusinessError.NOT_OPEN.error()
    found = eligibility.evaluate(programme.entry(), profile.engine_facts(), today)
    if not found.eligible:
        raise BusinessError.NOT_ELIGIBLE.error(why=why_not(found.to_dict()["results"], industry_names()))
    earlier = ProgrammeApplication.objects.filter(programme=programme, brn_index=profile.brn_index).first()
    if earlier is not None:
        raise BusinessError.ALREADY_APPLIED.error(reference=earlier.reference)
    facts = profile.engine_facts()
    try:
        with transaction.atomic():
            made = ProgrammeApplication.objects.create(
                reference=new_reference(today),
                programme=programme,
                profile=profile,
                applicant=actor,
                brn_index=profile.brn_index,
                note=note,
                stage=profile.stage,
                district=facts.district or "",
                industry=facts.industry,
                facts=profile.facts,
                eligibility=found.to_dict(),
            )
            history.begin(Transition, made, actor=actor)
            audit.record(BusinessEvent.APPLIED, target=made, actor=actor, new={"programme": programme.code})
    except IntegrityError:  # the same business from another tab or account, at the same moment
        other = ProgrammeApplication.objects.filter(programme=programme, brn_index=profile.brn_index).first()
        raise BusinessError.ALREADY_APPLIED.error(reference=other.reference if other else "") from None
    return made


def withdraw(application: ProgrammeApplication, *, actor: User) -> ProgrammeApplication:
    with transaction.atomic():
        locked = ProgrammeApplication.objects.select_for_update().select_related("programme").get(pk=application.pk)
        if locked.applicant_id != actor.pk:
            raise BusinessError.NOT_REPRESENTATIVE.denied()
        if locked.state != ProgrammeApplication.States.APPLIED:
            raise BusinessError.WRONG_STATE.error(state=locked.get_state_display())
        move(locked, ProgrammeApplication.States.WITHDRAWN, event=BusinessEvent.WITHDRAWN, actor=actor)
    return locked
