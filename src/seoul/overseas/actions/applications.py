"""A business applies once per round with its first product, target marketplaces and countries;
adds products; may withdraw while it waits for the selection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from seoul.core import audit, history
from seoul.core.crypto import blind_index
from seoul.core.engine import brn as brn_rules
from seoul.core.models import User
from seoul.core.validation import check_number, check_text
from seoul.overseas.actions._base import check_own, move, new_reference
from seoul.overseas.actions.listings import ensure_listings
from seoul.overseas.engine import hs
from seoul.overseas.engine import reference as ref
from seoul.overseas.engine.problems import Problem
from seoul.overseas.errors import OverseasError
from seoul.overseas.events import OverseasEvent
from seoul.overseas.labels import CATEGORIES, reason
from seoul.overseas.models import BRN_PURPOSE, Application, Product, Round, Transition

MAX_PRODUCTS = 20


@dataclass(frozen=True)
class ProductData:
    name: str
    description: str
    category: str
    price_won: int
    weight_g: int
    hs_code: str = ""
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None


def _product(application: Application, data: ProductData) -> Product:
    name = check_text(data.name, "name", max_length=100)
    description = check_text(data.description, "description", max_length=2000, multiline=True)
    if data.category not in dict(CATEGORIES):
        raise ValidationError(
            {"category": reason(Problem("category", "not_allowed", {"allowed": ", ".join(dict(CATEGORIES))}))}
        )
    check_number(data.price_won, "price_won", lo=1, hi=100_000_000)
    check_number(data.weight_g, "weight_g", lo=1, hi=30_000)
    for f in ("length_cm", "width_cm", "height_cm"):
        v = getattr(data, f)
        if v is not None:
            check_number(float(v), f, lo=0.1, hi=150)
    code = ""
    if data.hs_code.strip():
        parsed, why = hs.parse(data.hs_code)
        if parsed is None:
            raise OverseasError.HS_CODE.error("hs_code", why=reason(Problem("hs_code", f"hs_{why}")))
        code = parsed.formatted()
    return Product.objects.create(
        application=application,
        name=name,
        description=description,
        category=data.category,
        price_won=int(data.price_won),
        weight_g=int(data.weight_g),
        length_cm=data.length_cm,
        width_cm=data.width_cm,
        height_cm=data.height_cm,
        hs_code=code,
    )


def apply(
    round: Round,
    *,
    business_name: str,
    brn: str,
    marketplaces: list[str],
    countries: list[str],
    plan: str,
    product: ProductData,
    actor: User,
    today: date | None = None,
) -> Application:
    today = today or timezone.localdate()
    if actor.kind != User.Kind.CITIZEN:
        raise OverseasError.CITIZENS_ONLY.denied()
    if not round.taking_applications(today):
        raise OverseasError.NOT_OPEN.error(opens=round.intake_opens.isoformat(), closes=round.intake_closes.isoformat())
    name = check_text(business_name, "business_name", max_length=100)
    try:
        number = brn_rules.formatted(brn_rules.validate(brn))
    except brn_rules.InvalidBRN as exc:
        raise (OverseasError.BRN_CHECK if exc.code == "check_digit" else OverseasError.BRN_FORMAT).error(
            "brn"
        ) from None
    plan = check_text(plan, "plan", max_length=2000, multiline=True) if plan.strip() else ""
    programme = ref.programme()
    chosen = [m for m in programme.marketplaces if m.code in set(marketplaces)]
    if not chosen or len(chosen) != len(set(marketplaces)):
        raise OverseasError.MARKETPLACE.error("marketplaces")
    sold = {c for m in chosen for c in m.countries}
    if not countries:
        raise OverseasError.COUNTRY.error("countries", country="—")
    for c in countries:
        if c not in sold:
            raise OverseasError.COUNTRY.error("countries", country=c)
    index = blind_index(number, purpose=BRN_PURPOSE)
    if Application.objects.filter(round=round, brn_index=index).exists():
        raise OverseasError.ALREADY_APPLIED.error("brn")
    try:
        with transaction.atomic():
            made = Application.objects.create(
                reference=new_reference(Application, "OS", today),
                round=round,
                applicant=actor,
                business_name=name,
                brn=number,
                marketplaces=[m.code for m in chosen],
                countries=sorted(set(countries)),
                plan=plan,
            )
            _product(made, product)
            history.begin(Transition, made, actor=actor)
            audit.record(
                OverseasEvent.APPLIED,
                target=made,
                actor=actor,
                new={"round": round.code, "marketplaces": made.marketplaces},
            )
    except IntegrityError:  # the same business at the same moment from another tab or account
        raise OverseasError.ALREADY_APPLIED.error("brn") from None
    return made


def add_product(application: Application, data: ProductData, *, actor: User) -> Product:
    with transaction.atomic():
        locked: Application = Application.objects.select_for_update().get(pk=application.pk)
        check_own(locked, actor)
        if locked.state not in (Application.States.SUBMITTED, Application.States.SELECTED):
            raise OverseasError.WRONG_STATE.error(state=locked.get_state_display())
        if locked.products.count() >= MAX_PRODUCTS:
            raise OverseasError.WRONG_STATE.error(state=locked.get_state_display())
        made = _product(locked, data)
        if locked.state == Application.States.SELECTED:
            ensure_listings(locked, actor=actor)
        audit.record(OverseasEvent.PRODUCT_ADDED, target=locked, actor=actor, new={"product": made.name})
    return made


def withdraw(application: Application, *, actor: User) -> Application:
    with transaction.atomic():
        locked: Application = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_id != actor.pk:
            raise OverseasError.NOT_YOURS.denied()
        if locked.state != Application.States.SUBMITTED:
            raise OverseasError.WRONG_STATE.error(state=locked.get_state_display())
        move(locked, Application.States.WITHDRAWN, event=OverseasEvent.WITHDRAWN, actor=actor)
    return locked
