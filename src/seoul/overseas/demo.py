"""Demo data of the overseas-sales service: the programme officer of the Seoul Business Agency
(``overseas.officer``, approver role: selects, reviews listings, decides claims), a reader of the
KPIs (``overseas.kpi``) and a citizen shop owner (``overseas.shop``) whose shop, 한강공방, was
selected with two products: listings on Amazon (live), Shopee (sent for review) and one on
Amazon still in draft with a title over the limit; two shipping claims (one paid, one waiting)
and sales reports for the last three months of the rate table. Three other shops applied: one
scored and waiting, one not scored, one not selected. Passwords are kept with the other demo
accounts' (``var/demo_accounts.json``, 0600) and printed with them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from seoul.core.demo import DemoAccount, ensure_accounts, printed
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.overseas import actions
from seoul.overseas import reference as overseas_reference
from seoul.overseas.actions.applications import ProductData
from seoul.overseas.engine import reference as ref
from seoul.overseas.models import Application, Listing, Round

ACCOUNTS = [
    DemoAccount(
        "overseas.officer",
        "Seoul Business Agency overseas-sales officer: selects shops, reviews listings, decides shipping claims",
        institution="SBA",
        roles={Service.OVERSEAS: Role.APPROVER},
    ),
    DemoAccount(
        "overseas.kpi",
        "City staff: reads the overseas-sales KPIs",
        institution="CITY_HALL",
        roles={Service.OVERSEAS: Role.VIEWER},
    ),
    DemoAccount(
        "overseas.shop", "Citizen shop owner (한강공방) selected for overseas online sales", kind=User.Kind.CITIZEN
    ),
]

# Valid business registration numbers (check digit per the National Tax Service rule).
SHOPS = [
    ("overseas.shop", "한강공방", "220-81-62517"),
    ("overseas.shop2", "북촌한지", "124-81-00998"),
    ("overseas.shop3", "망원김부각", "120-86-45678"),
    ("overseas.shop4", "성수가죽", "101-86-12346"),
]


def _shop(username: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.CITIZEN, "display_name": username}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% demo " + text.encode() + b"\n%%EOF\n"


def _months(today_month: str) -> list[str]:
    return [m for m in sorted(ref.programme().exchange_rates) if m < today_month][-3:]


def load() -> dict[str, int]:
    users = ensure_accounts(ACCOUNTS)
    officer = users["overseas.officer"]
    if not Round.objects.exists():
        overseas_reference.load()
    round = Round.objects.filter(code=ref.programme().round.code).first() or Round.objects.first()
    if round is None or Application.objects.exists():
        return {"applications": Application.objects.count()}
    opened = round.intake_opens
    made = []
    for i, (username, name, brn) in enumerate(SHOPS):
        owner = users.get(username) or _shop(username)
        made.append(
            actions.apply(
                round,
                business_name=name,
                brn=brn,
                marketplaces=["amazon", "shopee"] if i != 2 else ["qoo10"],
                countries=["US", "SG", "MY"] if i != 2 else ["JP"],
                plan="미국과 동남아 온라인 구매자에게 수제 제품을 판매합니다. (demo)",
                product=ProductData(
                    name=["한지 조명", "한지 노트", "김부각", "가죽 지갑"][i],
                    description="손으로 만든 제품입니다. (demo)",
                    category="craft" if i != 2 else "food",
                    price_won=[45_000, 12_000, 8_000, 60_000][i],
                    weight_g=[800, 250, 150, 200][i],
                    hs_code=["9405.49", "4820.10", "2008.99", "4202.31"][i],
                    length_cm=Decimal("30.0"),
                    width_cm=Decimal("20.0"),
                    height_cm=Decimal("20.0"),
                ),
                actor=owner,
                today=opened,
            )
        )
    shop, waiting, _unscored, refused = made
    for app, points in (
        (shop, {"product": 36, "readiness": 25, "plan": 27}),
        (waiting, {"product": 30, "readiness": 20, "plan": 20}),
        (refused, {"product": 15, "readiness": 10, "plan": 10}),
    ):
        actions.score(app, points, actor=officer)
    owner = users["overseas.shop"]
    actions.add_product(
        shop,
        ProductData("한지 컵받침", "한지로 만든 컵받침 네 개 묶음입니다. (demo)", "craft", 15_000, 120, "4823.90"),
        actor=owner,
    )
    actions.decide(shop, select=True, reason="", actor=officer)
    actions.decide(refused, select=False, reason="해외 판매 계획이 아직 구체적이지 않습니다. (demo)", actor=officer)
    listings = {(li.product.name, li.marketplace): li for li in Listing.objects.filter(product__application=shop)}
    amazon = {
        "title": "Hanji Paper Table Lamp, Handmade in Seoul, Warm Light",
        "brand": "Hangang Craft",
        "bullet_points": "Handmade Korean hanji paper\nWarm, soft light\nE26 bulb (not included)",
        "description": "A table lamp of Korean mulberry paper, made by hand in Seoul.",
        "price": "59.00",
        "currency": "USD",
        "condition": "new",
        "hs_code": "9405.49",
        "weight_g": "800",
    }
    lamp = actions.save_listing(listings[("한지 조명", "amazon")], amazon, translated_by="translator", actor=owner)
    actions.mark_ready(lamp, actor=owner)
    actions.upload_document(
        lamp, kind="commercial_invoice", content=_pdf("invoice"), file_name="invoice.pdf", actor=owner
    )
    actions.listing_live(lamp, listing_id="B0D1234567", actor=officer)
    shopee = {
        "title": "Hanji Paper Table Lamp Handmade Korea",
        "description": "A table lamp of Korean mulberry paper, made by hand in Seoul. Ships from Korea.",
        "price": "79.00",
        "currency": "SGD",
        "hs_code": "9405.49",
        "weight_g": "800",
    }
    sent = actions.save_listing(listings[("한지 조명", "shopee")], shopee, translated_by="business", actor=owner)
    actions.mark_ready(sent, actor=owner)
    coaster = dict(amazon, title="Hanji Coasters " * 20, hs_code="4823.90", weight_g="120", price="18.00")
    actions.save_listing(listings[("한지 컵받침", "amazon")], coaster, translated_by="business", actor=owner)
    today = timezone.localdate()
    paid = actions.claim(
        shop,
        carrier="kpost_ems",
        tracking_number="EG123456789KR",
        ship_date=today - timedelta(days=20),
        destination="US",
        cost_won=48_000,
        content=_pdf("EMS receipt EG123456789KR"),
        file_name="ems-receipt.pdf",
        actor=owner,
    )
    actions.decide_claim(paid, approve=True, reason="", actor=officer)
    actions.claim(
        shop,
        carrier="dhl",
        tracking_number="1234567890",
        ship_date=today - timedelta(days=5),
        destination="SG",
        cost_won=62_000,
        content=_pdf("DHL receipt 1234567890"),
        file_name="dhl-receipt.pdf",
        actor=owner,
    )
    header = "month,marketplace,country,currency,orders,units,gross_sales,returns\n"
    for n, month in enumerate(_months(f"{today:%Y-%m}")):
        body = f"{month},amazon,US,USD,{4 + n * 3},{5 + n * 3},{236 + n * 177}.00,{0 if n else 59}.00\n"
        body += f"{month},shopee,SG,SGD,{2 + n},{2 + n},{158 + n * 79}.00,0\n"
        if n == 2:
            body += f"{month},shopee,US,USD,1,1,20.00,0\n"  # refused: Shopee does not sell to the US
        actions.import_sales(shop, content=(header + body).encode(), file_name=f"sales-{month}.csv", actor=owner)
    return {"applications": Application.objects.count(), "listings": Listing.objects.count()}


def demo_accounts() -> list[dict[str, str]]:
    return printed(ACCOUNTS)
