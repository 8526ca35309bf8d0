"""The records service under the cloud standard model, in the browser (issue 15).

- Viewed from outside with a second factor and a watermark: in the office, on a phone in Korean,
  the general-affairs clerk sets up the authenticator app (the QR code and the key on the page;
  the code is computed from the key the page shows, as the app does). Then the office networks
  are set so that the browser (127.0.0.1) is outside: the clerk, on a desktop in English, opens a
  partly open record of two pages and is sent to the second-factor page; a wrong code is refused
  with a clear message, the right one opens the record. There the page images load, no download
  is offered and no selectable text is shown; a page image fetched with the clerk's cookies
  carries the opaque watermark band at its foot, with white lettering in it (Pillow), and each
  view is audited (``records.page_viewed``). A fresh session without the code reaches neither the
  record nor its page images.
- Shared with a time-limited link that stops working after revocation: the clerk, on a desktop in
  Korean, makes a link for Seoul Metro (institution, days, reason) and reads the one-time link
  from the success message; a Seoul Metro staff member opens it on a phone in English and sees
  the pages (the token leaves the address bar); the clerk's links table counts the views; the
  clerk withdraws the link; the Metro staff member's reload is answered "expired or withdrawn"
  (410), and so is the link itself. The audit log holds ``records.shared``,
  ``records.share_viewed`` (one per view) and ``records.share_revoked``.

The record is made through the actions (received as a two-page PDF, read, registered partly
open for exemption 5, so no reason is asked first); people through the models, as in
``test_records.py``. Expected words come from the catalogue in the page's language. Page
images are fetched one at a time (``one_page_image_at_a_time``): each is audited, and two written
at once meet "database table is locked" in the tests' shared in-memory SQLite.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_records import DESKTOP, PHONE, _english, _fits, _send, _texts, _watch
from tests.browser.test_walk_services import one_page_image_at_a_time

BODY_LINE = "등록번호를 부여하고 그 기록물에 표기하여야 한다."  # the scan's text, never shown outside
SECOND_PAGE = ["기록물 열람 제한 안내", "부분공개 기록물은 쪽 이미지로만 열람한다.", "2026년 3월 3일 행정국 총무과"]
TITLE = "외부 열람 시험 기록물"
SHARE_REASON = "지하철 역사 공사 협의 자료 확인"
BAND = (30, 30, 30)  # the viewer's opaque band at the foot of every page image


@dataclass
class Cloud:
    record: Any  # registered, partly open (exemption 5), two pages, of the clerk's division
    clerk: Any  # records operator of 6110101, City Hall
    metro: Any  # Seoul Metro staff, no records role
    folder: Path


def _staff(username: str, password: str, institution: str, *, role: str = "", department: Any = None) -> Any:
    from seoul.records.models import Post

    user = new_staff(username, password, institution, "records", role, display_name=username)
    if department is not None:
        Post.objects.create(user=user, department=department)
    return user


@pytest.fixture
def cloud(reference_data: None, settings: Any, tmp_path: Path) -> Iterator[Cloud]:
    """The records reference data, the clerk, a Seoul Metro staff member and a registered partly
    open record of two pages; files and index under ``tmp_path``."""
    from seoul.records import actions, index, reference, storage
    from seoul.records.engine.rules import Disclosure, Retention
    from seoul.records.models import Department, Record
    from seoul.records.tests.builders import page_image, pdf_of

    settings.SEOUL_RECORDS_DIR = tmp_path / "records"
    settings.SEOUL_RECORDS_PROCESSING = "inline"
    storage.storage.cache_clear()
    index._open.clear()
    reference.load()
    general = Department.objects.get(code="6110101")
    clerk = _staff("clerk.general", "Deoksugung-wall-8-stones", "CITY_HALL", role="operator", department=general)
    metro = _staff("metro.records", "Euljiro-line-2-circle", "SEOUL_METRO")
    scan = pdf_of(
        [page_image(tmp_path / "p1.png"), page_image(tmp_path / "p2.png", SECOND_PAGE)], tmp_path / "cloud.pdf"
    )
    [received] = actions.receive([(scan.name, scan)], source="upload", department=general, actor=clerk).records
    read = actions.process(received.pk)
    assert read is not None and read.status == Record.Status.READY and read.pages == 2, read
    record = actions.register(
        read,
        actions.Registration(
            title=TITLE,
            produced_on=date(2026, 3, 2),
            department=general,
            completed_year=2026,
            retention=Retention.YEARS_10,
            disclosure=Disclosure.PARTIAL,
            exemptions=(5,),
        ),
        actor=clerk,
    )
    yield Cloud(record=record, clerk=clerk, metro=metro, folder=tmp_path)
    storage.storage.cache_clear()
    index._open.clear()


# --- helpers --------------------------------------------------------------------------------------


def _words(lang: str) -> dict[str, str]:
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(lang):
        return {
            "wrong code": gettext("That code is not the one your app shows now."),
            "problem": gettext("There is a problem"),
            "link made": gettext("Link made. Send it to the institution now: it is shown only this once."),
            "withdrawn message": gettext("The link is withdrawn: it no longer opens."),
            "in force": gettext("In force"),
            "withdrawn": gettext("Withdrawn"),
            "gone": gettext("This link has expired or was withdrawn. Ask the sender for a new one."),
        }


def _events(code: str, record: Any = None, actor: Any = None) -> Any:
    from seoul.core.models import AuditEvent

    found = AuditEvent.objects.filter(event=code)
    if record is not None:
        found = found.filter(target_id=str(record.pk))
    if actor is not None:
        found = found.filter(actor=actor)
    return found


def _code_from_key(key: str) -> str:
    """What the authenticator app shows now for the key typed from the page."""
    from django_otp.oath import totp

    secret = key.replace(" ", "")
    return f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def _next_time_step(user: Any) -> None:
    """The code just used cannot be used again in its 30-second step, and a wrong code slows the
    device down (django-otp's throttling): the test moves on rather than waiting."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def _images_load(page: Any, where: str) -> list[str]:
    """Scroll each page image into view (they load lazily) and wait until it has pixels; their
    addresses."""
    images = page.locator("main .page-images img")
    assert images.count() == 2, f"{where}: {images.count()} page images"
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        images.nth(i).evaluate(
            "img => new Promise((ok, fail) => img.complete ? ok() : "
            "(img.onload = ok, img.onerror = () => fail(new Error('page image did not load'))))"
        )
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths), f"{where}: page images without pixels: {widths}"
    return [images.nth(i).get_attribute("src") for i in range(images.count())]


def _no_copy_offered(page: Any, where: str) -> None:
    assert page.locator("#download, a[href*='/download/']").count() == 0, f"{where}: a download is offered"
    assert page.locator(".ocr-text, #text-h").count() == 0, f"{where}: the text is shown"
    assert BODY_LINE.replace(" ", "") not in page.inner_text("main").replace(" ", ""), where


# --- 1. outside the office: a second factor, then watermarked page images ------------------------


@pytest.mark.browser
def test_outside_the_office_a_record_opens_after_a_second_factor_as_watermarked_images(
    live_server: Any, cloud: Cloud, new_context: Any, sign_in: Any, axe: Any, settings: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from PIL import Image

    from seoul.records.events import RecordsEvent

    base, record, clerk = live_server.url, cloud.record, cloud.clerk
    ko, en = _words("ko"), _words("en")

    # --- in the office (127.0.0.1 is an office network by default), on a phone in Korean
    page = new_context(**PHONE).new_page()
    problems = _watch(page)
    sign_in(page, clerk)
    page.goto(f"{base}/records/second-factor/")
    assert page.locator(".qr-code[role=img] svg").is_visible()
    key = page.inner_text("#otp-secret").strip()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key), key
    device = TOTPDevice.objects.get(user=clerk)
    assert not device.confirmed
    assert base64.b32decode(key.replace(" ", "") + "=" * (-len(key.replace(" ", "")) % 8)) == device.bin_key
    assert_accessible(axe(page), "setting up the authenticator app (ko, 390 px)")
    _fits(page, 390, "setting up the authenticator app (ko, 390 px)")
    page.fill("#id_code", _code_from_key(key))
    assert _send(page, "#code-form button[type=submit]") == 200
    assert page.url == f"{base}/records/", page.url
    device.refresh_from_db()
    assert device.confirmed
    assert _events(RecordsEvent.SECOND_FACTOR_ENROLLED, actor=clerk).count() == 1
    assert not problems, f"script errors or CSP refusals: {problems}"

    # --- outside the office, in a new session on a desktop in English
    settings.SEOUL_OFFICE_NETWORKS = ["10.0.0.0/8"]
    _next_time_step(clerk)
    target = f"/records/{record.pk}/"
    outside = new_context(**DESKTOP)
    one_page_image_at_a_time(outside)
    page = outside.new_page()
    problems = _watch(page)
    sign_in(page, clerk)
    assert page.url.startswith(f"{base}/records/second-factor/?next="), page.url  # even the worklist
    page.goto(base + target)
    assert page.url == f"{base}/records/second-factor/?next=%2Frecords%2F{record.pk}%2F", page.url
    assert TITLE not in page.inner_text("main")
    _english(page)
    assert page.locator("#otp-secret, .qr-code").count() == 0, "the key is never shown again"
    assert_accessible(axe(page), "the second factor asked outside the office (en, 1366 px)")

    # a wrong code (six digits, not the app's): refused, said at the field and in the summary
    right = _code_from_key(key)
    page.fill("#id_code", f"{(int(right) + 1) % 10**6:06d}")
    assert _send(page, "#code-form button[type=submit]") == 400
    assert page.inner_text("main .error-summary h2").strip() == en["problem"]
    assert en["wrong code"] in page.inner_text("main .error-summary")
    assert en["wrong code"] in page.inner_text("#id_code_error")
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    assert TITLE not in page.inner_text("main")
    assert _events(RecordsEvent.SECOND_FACTOR_FAILED, actor=clerk).count() == 1
    assert_accessible(axe(page), "a wrong second-factor code (en, 1366 px)")
    _fits(page, 1366, "a wrong second-factor code (en, 1366 px)")

    # the right code opens the record asked for
    _next_time_step(clerk)  # the wrong code's throttling
    page.fill("#id_code", _code_from_key(key))
    assert _send(page, "#code-form button[type=submit]") == 200
    assert page.url == base + target, page.url
    assert page.inner_text("main h1").strip() == TITLE
    assert page.inner_text("#registration-number").strip() == record.registration_number
    assert _events(RecordsEvent.SECOND_FACTOR_PASSED, actor=clerk).count() == 2  # set-up, and now
    sources = _images_load(page, "the record outside the office")
    assert sources == [f"/records/{record.pk}/pages/{n}.png" for n in (1, 2)]
    assert [a.strip() for a in page.locator("main .page-images img").evaluate_all("l => l.map(i => i.alt)")]
    _no_copy_offered(page, "a partly open record outside the office")
    assert_accessible(axe(page), "a partly open record as page images, outside the office (en, 1366 px)")
    _fits(page, 1366, "a partly open record as page images, outside the office (en, 1366 px)")
    viewed = _events(RecordsEvent.PAGE_VIEWED, record, clerk)
    assert sorted(e.new["page"] for e in viewed) == [1, 2], list(viewed.values("new"))

    # a page image as the browser gets it: the watermark band with white lettering at its foot
    response = page.request.get(base + sources[0])
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert "no-store" in response.headers["cache-control"]
    image = Image.open(io.BytesIO(response.body())).convert("RGB")
    width, height = image.size
    assert width > 500 and height > 500, image.size
    foot = image.crop((0, height - 3, width, height))
    band = {color: n for n, color in foot.getcolors(width * 3)}.get(BAND, 0) / (width * 3)
    assert band > 0.99, f"{band:.0%} of the bottom rows is the band"
    lettering = image.crop((0, height - height // 20, width // 2, height)).convert("L")
    assert lettering.getextrema()[1] > 200, "no light lettering in the band"
    assert _events(RecordsEvent.PAGE_VIEWED, record, clerk).count() == 3
    event = _events(RecordsEvent.PAGE_VIEWED, record, clerk).latest("at")
    assert event.new == {"page": 1} and event.ip == "127.0.0.1"
    assert not problems, f"script errors or CSP refusals: {problems}"

    # --- without the code (a fresh session): neither the record nor its page images
    page = new_context(**PHONE).new_page()
    sign_in(page, clerk)
    assert page.goto(base + target).status == 200
    assert page.url.startswith(f"{base}/records/second-factor/?next="), page.url
    assert TITLE not in page.inner_text("main") and page.locator("#code-form").is_visible()
    assert ko["wrong code"] not in page.inner_text("main")
    image_response = page.request.get(base + sources[1], max_redirects=0)
    assert image_response.status == 302
    assert image_response.headers["location"].startswith("/records/second-factor/?next=")
    assert_accessible(axe(page), "the second factor asked in a fresh session (ko, 390 px)")
    _fits(page, 390, "the second factor asked in a fresh session (ko, 390 px)")
    assert _events(RecordsEvent.PAGE_VIEWED, record, clerk).count() == 3


# --- 2. a share link for another institution, until it is withdrawn ---------------------------------


@pytest.mark.browser
def test_a_share_link_shows_the_pages_to_another_institution_until_it_is_withdrawn(
    live_server: Any, cloud: Cloud, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from seoul.core.models import Institution
    from seoul.records.events import RecordsEvent
    from seoul.records.models import ShareLink

    base, record, clerk, metro = live_server.url, cloud.record, cloud.clerk, cloud.metro
    ko, en = _words("ko"), _words("en")
    seoul_metro = Institution.objects.get(code="SEOUL_METRO")
    target = f"{base}/records/{record.pk}/"

    # --- the clerk makes a link for Seoul Metro (a desktop, in Korean)
    clerk_context = new_context(**DESKTOP)
    one_page_image_at_a_time(clerk_context)
    desk = clerk_context.new_page()
    problems = _watch(desk)
    sign_in(desk, clerk)
    desk.goto(target)
    assert desk.locator("#share-form").is_visible() and desk.locator("#links-table").count() == 0
    assert_accessible(axe(desk), "a registered record with its pages and the share form (ko, 1366 px)")
    _fits(desk, 1366, "a registered record with its pages and the share form (ko, 1366 px)")
    desk.select_option("#id_share-institution", str(seoul_metro.pk))
    desk.fill("#id_share-days", "3")
    desk.fill("#id_share-reason", SHARE_REASON)
    assert _send(desk, "#share-form button[type=submit]") == 200
    assert desk.url == f"{target}#share-h", desk.url
    made = desk.locator("#share-h ~ #share-made")
    assert made.is_visible() and made.locator("p").inner_text().strip() == ko["link made"]
    url = desk.input_value("#share-link")
    assert re.fullmatch(r"https?://\S+/records/shared/\?t=[\w-]+", url), url
    link = ShareLink.objects.get(record=record)
    assert (link.institution, link.reason, link.views, link.revoked_at) == (seoul_metro, SHARE_REASON, 0, None)
    assert round((link.expires_at - link.created_at).total_seconds()) == 3 * 24 * 3600
    token = url.split("t=")[1]
    assert token not in link.token_sha256
    rows = desk.locator("#links-table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text().strip() == seoul_metro.name_ko
    assert rows.first.locator(".status-badge").inner_text().strip() == ko["in force"]
    assert SHARE_REASON in rows.first.inner_text()
    assert rows.first.locator("td.num").inner_text().strip() == "0"
    assert_accessible(axe(desk), "a link made, with the links table (ko, 1366 px)")
    _fits(desk, 1366, "a link made, with the links table (ko, 1366 px)")
    [shared] = _events(RecordsEvent.SHARED, record, clerk)
    assert shared.new["institution"] == "SEOUL_METRO" and shared.reason == SHARE_REASON
    assert token not in str(shared.new) and token not in shared.route
    # the link is not shown again
    desk.reload()
    assert token not in desk.content()

    # --- a Seoul Metro staff member opens it (a phone, in English)
    metro_context = new_context(**PHONE)
    one_page_image_at_a_time(metro_context)
    phone = metro_context.new_page()
    metro_problems = _watch(phone)
    sign_in(phone, metro)
    _english(phone)
    assert phone.goto(url).status == 200
    assert phone.url == f"{base}/records/shared/{link.pk}/", phone.url  # the token leaves the address
    assert phone.inner_text("main h1").strip() == TITLE
    assert phone.inner_text("#registration-number").strip() == record.registration_number
    terms = phone.inner_text("#share-terms")
    assert seoul_metro.name_en in terms and seoul_metro.name_ko not in terms, terms
    assert SHARE_REASON in phone.inner_text("main")
    sources = _images_load(phone, "the shared record")
    assert sources == [f"/records/shared/{link.pk}/pages/{n}.png" for n in (1, 2)]
    _no_copy_offered(phone, "the shared record")
    assert_accessible(axe(phone), "a record shared with another institution (en, 390 px)")
    _fits(phone, 390, "a record shared with another institution (en, 390 px)")
    link.refresh_from_db()
    assert link.views == 4  # the link, the page, two images
    viewed = _events(RecordsEvent.SHARE_VIEWED, record, metro)
    assert viewed.count() == 4
    assert sorted(e.new["page"] or 0 for e in viewed) == [0, 0, 1, 2]
    assert {e.new["link"] for e in viewed} == {link.pk} and {e.reason for e in viewed} == {SHARE_REASON}
    assert all(token not in e.route for e in viewed)
    # the record itself stays out of reach for them
    assert phone.request.get(target, max_redirects=0).status == 403

    # --- the clerk sees the views counted, and withdraws the link
    desk.goto(target)
    row = desk.locator("#links-table tbody tr").first
    assert row.locator("td.num").inner_text().strip() == "4"
    assert _send(desk, "#links-table form button[type=submit]") == 200
    assert _texts(desk.locator("main .messages .message-success")) == [ko["withdrawn message"]]
    row = desk.locator("#links-table tbody tr").first
    assert row.locator(".status-badge").inner_text().strip() == ko["withdrawn"]
    assert row.locator("form, button").count() == 0, "a withdrawn link has nothing more to withdraw"
    assert_accessible(axe(desk), "a link withdrawn (ko, 1366 px)")
    _fits(desk, 1366, "a link withdrawn (ko, 1366 px)")
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == clerk
    assert _events(RecordsEvent.SHARE_REVOKED, record, clerk).count() == 1
    assert not problems, f"script errors or CSP refusals: {problems}"

    # --- the Metro staff member's reload, and the link itself: expired or withdrawn
    reloaded = phone.reload()
    assert reloaded is not None and reloaded.status == 410
    assert phone.inner_text("main .lead").strip() == en["gone"]
    assert TITLE not in phone.inner_text("main") and phone.locator("main .page-images").count() == 0
    assert_accessible(axe(phone), "a withdrawn link (en, 390 px)")
    _fits(phone, 390, "a withdrawn link (en, 390 px)")
    assert phone.goto(url).status == 410
    assert phone.inner_text("main .lead").strip() == en["gone"]
    assert phone.request.get(f"{base}{sources[0]}").status == 410
    link.refresh_from_db()
    assert link.views == 4, "nothing more was shown"
    assert _events(RecordsEvent.SHARE_VIEWED, record, metro).count() == 4
    refused = _events(RecordsEvent.SHARE_REFUSED, record, metro)
    assert {e.new["why"] for e in refused} == {"revoked"} and refused.count() >= 3
    assert not metro_problems, f"script errors or CSP refusals: {metro_problems}"
