"""Logistics subsidy claims: a shipping receipt (carrier, tracking number, ship date, destination,
cost in won, the receipt file) claimed once. The same carrier and tracking number, or the same
file (SHA-256), is refused "already claimed" with the earlier claim's date, is audited, and never
changes a balance. The officer (approver role) approves — the payable amount is the round's rate
of the cost, capped by what is left of the business's cap and of the round's budget — or refuses
with a reason."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import check_text
from seoul.overseas.actions._base import check_file, check_own, check_selected, new_reference
from seoul.overseas.engine import reference as ref
from seoul.overseas.engine import subsidy
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.models import Application, SubsidyClaim

MAX_NAME = 120


def paid_to(application: Application) -> int:
    return int(application.claims.filter(state=SubsidyClaim.States.PAID).aggregate(s=Sum("paid_won"))["s"] or 0)


def remaining_cap(application: Application) -> int:
    return subsidy.remaining(int(application.round.subsidy["cap_won"]), paid_to(application))


def _earlier(carrier: str, tracking: str, sha256: str) -> SubsidyClaim | None:
    return (
        SubsidyClaim.objects.filter(Q(carrier=carrier, tracking_number=tracking) | Q(sha256=sha256))
        .order_by("claimed_at")
        .first()
    )


def _duplicate(
    application: Application, earlier: SubsidyClaim, actor: User, *, carrier: str, tracking: str
) -> Exception:
    audit.record(
        OverseasEvent.CLAIM_REFUSED_DUPLICATE,
        target=application,
        actor=actor,
        new={"carrier": carrier, "tracking_number": tracking, "earlier": earlier.reference},
    )
    day = timezone.localtime(earlier.claimed_at).date().isoformat()
    # Another business's claim is not named to this one (only that the receipt was claimed, and when).
    reference = earlier.reference if earlier.application_id == application.pk else "—"
    return OverseasError.ALREADY_CLAIMED.error("tracking_number", day=day, reference=reference)


def claim(
    application: Application,
    *,
    carrier: str,
    tracking_number: str,
    ship_date: date,
    destination: str,
    cost_won: int,
    content: bytes,
    file_name: str,
    actor: User,
    today: date | None = None,
) -> SubsidyClaim:
    today = today or timezone.localdate()
    application = Application.objects.select_related("round").get(pk=application.pk)  # as it stands now
    check_own(application, actor)
    check_selected(application)
    terms = application.round.subsidy
    found = ref.programme().subsidy.carrier(carrier)
    if found is None:
        raise OverseasError.CARRIER.error("carrier")
    tracking = "".join(check_text(tracking_number, "tracking_number", max_length=40).split()).upper()
    if re.fullmatch(found.tracking, tracking) is None:
        raise OverseasError.TRACKING.error("tracking_number", carrier=found.name_en, example=found.example)
    days = int(terms["claim_days"])
    if not today - timedelta(days=days) <= ship_date <= today:
        raise OverseasError.SHIP_DATE.error("ship_date", days=days)
    if destination not in application.countries:
        raise OverseasError.DESTINATION.error("destination")
    lo, hi = int(terms["min_claim_won"]), int(terms["max_claim_won"])
    if not lo <= int(cost_won) <= hi:
        raise OverseasError.COST_RANGE.error("cost_won", min=f"{lo:,}", max=f"{hi:,}")
    checked = check_file(content, "receipt")
    earlier = _earlier(carrier, tracking, checked.sha256)
    if earlier is not None:
        raise _duplicate(application, earlier, actor, carrier=carrier, tracking=tracking)
    try:
        with transaction.atomic():
            made = SubsidyClaim.objects.create(
                reference=new_reference(SubsidyClaim, "SC", today),
                application=application,
                carrier=carrier,
                tracking_number=tracking,
                ship_date=ship_date,
                destination=destination,
                cost_won=int(cost_won),
                file_name=(file_name or "receipt")[-MAX_NAME:],
                content_type=checked.content_type or "",
                size=len(content),
                sha256=checked.sha256,
                content=content,
                claimed_by=actor,
            )
            audit.record(
                OverseasEvent.CLAIM_SUBMITTED,
                target=made,
                actor=actor,
                new={"application": application.reference, "cost_won": made.cost_won, "carrier": carrier},
            )
    except IntegrityError:  # the same receipt claimed at the same moment
        earlier = _earlier(carrier, tracking, checked.sha256)
        if earlier is None:
            raise
        raise _duplicate(application, earlier, actor, carrier=carrier, tracking=tracking) from None
    return made


def decide_claim(claim: SubsidyClaim, *, approve: bool, reason: str, actor: User) -> SubsidyClaim:
    if not actor.has_role(Service.OVERSEAS, Role.APPROVER):
        raise OverseasError.NEEDS_APPROVER.denied()
    if not approve and not reason.strip():
        raise OverseasError.REASON_REQUIRED.error("reason")
    reason = check_text(reason, "reason", max_length=500) if reason.strip() else ""
    with transaction.atomic():
        # The business's application row is the lock: two claims of one business are decided one at a time.
        application = Application.objects.select_for_update().select_related("round").get(pk=claim.application_id)
        locked = SubsidyClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.state != SubsidyClaim.States.SUBMITTED:
            raise OverseasError.CLAIM_STATE.error()
        if approve:
            terms = application.round.subsidy
            found = subsidy.calculate(
                locked.cost_won,
                rate_percent=int(terms["rate_percent"]),
                cap_won=int(terms["cap_won"]),
                paid_before_won=paid_to(application),
            )
            spent = int(
                SubsidyClaim.objects.filter(
                    application__round=application.round, state=SubsidyClaim.States.PAID
                ).aggregate(s=Sum("paid_won"))["s"]
                or 0
            )
            payable = min(found.payable_won, max(application.round.subsidy_budget_won - spent, 0))
            if payable <= 0:
                raise OverseasError.NO_CAP_LEFT.error()
            locked.calculation = found.to_dict() | {"budget_left_won": application.round.subsidy_budget_won - spent}
            locked.paid_won = payable
            locked.state = SubsidyClaim.States.PAID
        else:
            locked.state = SubsidyClaim.States.REFUSED
        locked.reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save()
        audit.record(
            OverseasEvent.CLAIM_PAID if approve else OverseasEvent.CLAIM_REFUSED,
            target=locked,
            actor=actor,
            old={"state": SubsidyClaim.States.SUBMITTED},
            new={"state": locked.state, "paid_won": locked.paid_won} | ({"reason": reason} if reason else {}),
        )
    return locked
