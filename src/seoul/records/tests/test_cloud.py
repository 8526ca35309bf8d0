"""The cloud standard model: a second factor outside the office networks, restricted classes only
as watermarked page images, and share links for another institution that stop at withdrawal or
expiry; every view audited."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageChops

from seoul.core.models import AuditEvent, User
from seoul.records.actions import sharing
from seoul.records.engine import viewer
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.events import RecordsEvent
from seoul.records.models import Record, ShareLink
from seoul.records.storage import storage
from seoul.records.tests.builders import page_image, pdf_of
from seoul.records.tests.conftest import Archive, client_of, registered

pytestmark = pytest.mark.django_db(transaction=True)

LINES = ["외부 열람 시험 문서", "보존기간 10년 보고서"]
OUTSIDE = override_settings(SEOUL_OFFICE_NETWORKS=["10.0.0.0/8"])  # the test client's 127.0.0.1 is outside


def _events(code: str, record: Record | None = None) -> int:
    found = AuditEvent.objects.filter(event=code)
    return (found.filter(target_id=str(record.pk)) if record else found).count()


@pytest.fixture
def partial(archive: Archive) -> Record:
    return registered(
        archive,
        "partial.png",
        LINES,
        completed=2025,
        retention=Retention.YEARS_10,
        disclosure=Disclosure.PARTIAL,
        exemptions=(5,),
    )


# ---- the page images -----------------------------------------------------------------------------


def test_a_page_image_carries_the_watermark_in_its_pixels(tmp_path: Path) -> None:
    folder = tmp_path
    pdf = pdf_of(
        [page_image(folder / "p1.png", ["첫 쪽"]), page_image(folder / "p2.png", ["둘째 쪽"])], folder / "a.pdf"
    )
    data = pdf.read_bytes()
    assert viewer.page_count(data) == 2
    plain = viewer.render(data, 2)
    marked = Image.open(io.BytesIO(viewer.page_png(data, 2, ["김민지 (reader)", "2026-12-04 10:00 KST", "서울시"])))
    assert marked.size == plain.size
    width, height = plain.size
    foot = (width // 2, height - 3)
    assert plain.getpixel(foot) == (255, 255, 255)  # a white margin on the page itself
    assert marked.getpixel(foot) == (30, 30, 30)  # the opaque band with the names
    above_band = (0, 0, width, height * 4 // 5)
    changed = ImageChops.difference(plain.crop(above_band), marked.convert("RGB").crop(above_band)).convert("L")
    share = sum(changed.point(lambda v: 255 if v > 8 else 0).histogram()[255:]) / (width * height * 4 // 5)
    assert share > 0.01  # the diagonal text over the whole page
    with pytest.raises(viewer.PageNotFound, match="2 page"):
        viewer.page_png(data, 3, ["x"])
    with pytest.raises(viewer.PageNotFound):
        viewer.page_png(b"%PDF-1.7 broken", 1, ["x"])


def test_a_restricted_record_is_viewed_as_images_and_never_downloaded(archive: Archive, partial: Record) -> None:
    clerk = client_of(archive.clerk)
    response = clerk.get(f"/records/{partial.pk}/pages/1.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert Image.open(io.BytesIO(response.content)).size[0] > 500
    assert _events(RecordsEvent.PAGE_VIEWED, partial) == 1
    assert clerk.get(f"/records/{partial.pk}/pages/2.png").status_code == 404  # one page only

    refused = clerk.get(f"/records/{partial.pk}/download/")
    assert refused.status_code == 403
    assert _events(RecordsEvent.DOWNLOADED, partial) == 0
    page = clerk.get(f"/records/{partial.pk}/").content.decode()
    assert 'id="download"' not in page and f"/records/{partial.pk}/pages/1.png" in page

    # another division's reader does not see a partly open record at all
    assert client_of(archive.reader).get(f"/records/{partial.pk}/pages/1.png").status_code == 404


def test_an_open_record_downloads_as_its_signed_archive_copy(archive: Archive) -> None:
    open_record = registered(archive, "open.png", LINES, completed=2025, retention=Retention.YEARS_10)
    response = client_of(archive.reader).get(f"/records/{open_record.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    archive_file = open_record.files.get(role="archive")
    with storage().open(archive_file.key) as fh:
        assert body == fh.read()
    assert f"{open_record.registration_number}.pdf" in response["Content-Disposition"]
    assert _events(RecordsEvent.DOWNLOADED, open_record) == 1


def test_personal_information_pages_need_the_reason_stated_first(archive: Archive) -> None:
    personal = registered(
        archive,
        "personal.png",
        LINES,
        completed=2025,
        retention=Retention.YEARS_10,
        disclosure=Disclosure.CLOSED,
        exemptions=(6,),
    )
    clerk = client_of(archive.clerk)
    assert clerk.get(f"/records/{personal.pk}/pages/1.png").status_code == 403
    assert _events(RecordsEvent.PAGE_VIEWED, personal) == 0


def test_the_band_at_the_foot_shrinks_its_line_to_fit_a_narrow_page() -> None:
    page = Image.new("RGB", (420, 600), "white")
    lines = ["김민지 (records.reader.longname)", "2026-12-04 10:00 KST", "서울특별시 디지털정책관 데이터전략과"]
    marked = viewer.watermark(page, lines)
    band_top = 600 - 2 * max(14, round(420 / 32))
    right_margin = marked.crop((420 - 6, band_top, 420, 600))
    assert [colour for _, colour in right_margin.getcolors() or []] == [(30, 30, 30)]  # no letter runs off the edge
    text_pixels = marked.crop((0, band_top, 420, 600)).convert("L").point(lambda v: 255 if v > 128 else 0)
    assert text_pixels.getbbox() is not None  # and the line is there


# ---- the second factor outside the office -----------------------------------------------------------


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _a_second_later(device: TOTPDevice) -> None:
    """A wrong code slows the device down (django-otp's throttling); the test does not wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def test_outside_the_office_a_second_factor_is_needed_and_set_up_only_inside(archive: Archive, partial: Record) -> None:
    clerk = client_of(archive.clerk)
    with OUTSIDE:
        response = clerk.get(f"/records/{partial.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/records/second-factor/?next=")
        assert clerk.get(f"/records/{partial.pk}/pages/1.png").status_code == 302  # images too
        no_app = clerk.get(response["Location"])
        assert no_app.status_code == 403 and b'id="enrol-at-office"' in no_app.content
        assert not TOTPDevice.objects.filter(user=archive.clerk).exists()  # never set up from outside

    # in the office: the records pages offer to set the app up, which shows the key
    for where in ("/records/", "/records/search/"):
        offered = clerk.get(where).content.decode()
        assert 'id="enrol-hint"' in offered and 'href="/records/second-factor/"' in offered, where
    setup = clerk.get("/records/second-factor/")
    assert setup.status_code == 200 and b'id="otp-secret"' in setup.content and b"<svg" in setup.content
    device = TOTPDevice.objects.get(user=archive.clerk)
    assert not device.confirmed
    assert clerk.post("/records/second-factor/", {"code": "000000"}).status_code == 400
    _a_second_later(device)
    assert clerk.post("/records/second-factor/", {"code": _code(device), "next": "/records/"}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert _events(RecordsEvent.SECOND_FACTOR_ENROLLED) == 1
    assert 'id="enrol-hint"' not in clerk.get("/records/search/").content.decode()  # set up: no more offer

    # later, from outside, in a new session: the code opens the record
    device.last_t = -1  # a new time step (the code just used cannot be used twice)
    device.save()
    later = client_of(archive.clerk)
    with OUTSIDE:
        target = f"/records/{partial.pk}/"
        assert later.get(target).status_code == 302
        wrong = later.post("/records/second-factor/", {"code": "12345"})
        assert wrong.status_code == 400
        assert _events(RecordsEvent.SECOND_FACTOR_FAILED) == 1  # at the set-up; a malformed code is not tried
        mistaken = later.post("/records/second-factor/", {"code": f"{(int(_code(device)) + 1) % 10**6:06d}"})
        assert mistaken.status_code == 400
        with translation.override("ko"):  # one wrong code is a wrong code, not yet "too many"
            assert mistaken.context["form"].errors["code"] == [gettext("That code is not the one your app shows now.")]
        assert _events(RecordsEvent.SECOND_FACTOR_FAILED) == 2
        _a_second_later(device)
        passed = later.post("/records/second-factor/", {"code": _code(device), "next": target})
        assert passed.status_code == 302 and passed["Location"] == target
        page = later.get(target)
        assert page.status_code == 200
        # outside the office a restricted record shows no selectable text, only page images
        assert "ocr-text" not in page.content.decode()
    assert "ocr-text" in later.get(target).content.decode()  # in the office it does
    assert _events(RecordsEvent.SECOND_FACTOR_PASSED) == 2


def test_outside_the_office_a_restricted_record_is_found_without_its_text(archive: Archive, partial: Record) -> None:
    open_record = registered(
        archive, "open.png", ["열린 공개 문서", "보존기간 5년 목록"], completed=2025, retention=Retention.YEARS_5
    )
    clerk = client_of(archive.clerk)
    device = TOTPDevice.objects.create(user=archive.clerk, name="phone", confirmed=True)
    session = clerk.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # the second factor passed in this session
    session.save()

    def snippets() -> dict[int, tuple[bool, str]]:
        page = clerk.get("/records/search/", {"q": "보존기간"})
        assert page.status_code == 200
        return {f.id: (f.text_hidden, "".join(piece for piece, _ in f.snippet)) for f in page.context["results"].found}

    with OUTSIDE:
        outside = snippets()
    assert set(outside) == {partial.pk, open_record.pk}  # both are found, and counted
    assert outside[partial.pk] == (True, "")
    assert outside[open_record.pk][0] is False and "보존기간" in outside[open_record.pk][1]
    inside = snippets()
    assert inside[partial.pk][0] is False and "보존기간" in inside[partial.pk][1]


def test_staff_who_only_read_are_sent_from_the_worklist_to_the_search(archive: Archive) -> None:
    response = client_of(archive.reader).get("/records/")
    assert response.status_code == 302 and response["Location"] == "/records/search/"


def test_a_next_address_elsewhere_is_not_followed(archive: Archive) -> None:
    clerk = client_of(archive.clerk)
    clerk.get("/records/second-factor/")
    device = TOTPDevice.objects.get(user=archive.clerk)
    response = clerk.post("/records/second-factor/", {"code": _code(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/records/"


# ---- share links ---------------------------------------------------------------------------------------


@pytest.fixture
def metro_staff(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOUL_METRO", username="metro.staff")


def _share(archive: Archive, record: Record, *, days: int = 7) -> str:
    from seoul.core.models import Institution

    _link, token = sharing.share(
        record,
        Institution.objects.get(code="SEOUL_METRO"),
        days=days,
        reason="지하철 역사 공사 협의",
        actor=archive.clerk,
    )
    return token


def test_a_share_link_shows_the_pages_to_the_named_institution_until_withdrawn(
    archive: Archive, partial: Record, metro_staff: User
) -> None:
    clerk = client_of(archive.clerk)
    made = clerk.post(
        f"/records/{partial.pk}/share/",
        {"share-institution": metro_staff.institution_id, "share-days": 3, "share-reason": "지하철 역사 공사 협의"},
        follow=True,
    )
    url = made.context["share_made"]
    assert "/records/shared/?t=" in url and f'value="{url}"' in made.content.decode()
    assert url not in clerk.get(f"/records/{partial.pk}/").content.decode()  # shown once only
    link = ShareLink.objects.get(record=partial)
    assert link.token_sha256 not in url and url.split("t=")[1] not in str(link.token_sha256)
    assert timedelta(days=3) - (link.expires_at - link.created_at) < timedelta(seconds=1)

    metro = client_of(metro_staff)
    opened = metro.get(url)
    assert opened.status_code == 302 and opened["Location"] == f"/records/shared/{link.pk}/"
    shown = metro.get(opened["Location"])
    assert shown.status_code == 200 and partial.registration_number in shown.content.decode()
    image = metro.get(f"/records/shared/{link.pk}/pages/1.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert _events(RecordsEvent.SHARE_VIEWED, partial) == 3  # the link, the page, the image
    link.refresh_from_db()
    assert link.views == 3
    # metro staff cannot reach the record itself, nor the link's pages without having opened it
    assert metro.get(f"/records/{partial.pk}/").status_code in (302, 403)
    assert client_of(metro_staff).get(f"/records/shared/{link.pk}/").status_code == 410

    # the clerk's own institution is not the one named
    assert client_of(archive.reader).get(url).status_code == 403
    assert _events(RecordsEvent.SHARE_REFUSED, partial) == 2  # without the token, and for another institution

    withdrawn = clerk.post(f"/records/{partial.pk}/share/{link.pk}/withdraw/")
    assert withdrawn.status_code == 302
    assert metro.get(f"/records/shared/{link.pk}/").status_code == 410
    assert metro.get(f"/records/shared/{link.pk}/pages/1.png").status_code == 410
    assert metro.get(url).status_code == 410
    assert _events(RecordsEvent.SHARE_REVOKED, partial) == 1


def test_a_share_form_with_a_mistake_keeps_what_was_typed_and_says_where(
    archive: Archive, partial: Record, metro_staff: User
) -> None:
    clerk = client_of(archive.clerk)
    answer = clerk.post(
        f"/records/{partial.pk}/share/",
        {"share-institution": metro_staff.institution_id, "share-days": 40, "share-reason": ""},
    )
    assert answer.status_code == 400
    form = answer.context["share_form"]
    assert set(form.errors) == {"days", "reason"}
    page = answer.content.decode()
    assert 'id="id_share-reason"' in page and 'id="id_reason"' not in page  # the clerk corrects nothing
    assert 'name="share-days"' in page and 'value="40"' in page
    assert f'<option value="{metro_staff.institution_id}" selected>' in page
    assert not ShareLink.objects.exists()
    # a records officer's page holds the correction form too, each field with its own id
    officer = client_of(archive.officer).post(f"/records/{partial.pk}/share/", {"share-reason": "짧"})
    assert officer.status_code == 400
    both = officer.content.decode()
    assert 'id="id_reason"' in both and 'id="id_share-reason"' in both


def test_an_expired_link_opens_nothing(archive: Archive, partial: Record, metro_staff: User) -> None:
    token = _share(archive, partial, days=1)
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_of(metro_staff).get(f"/records/shared/?t={token}")
    assert response.status_code == 410
    assert _events(RecordsEvent.SHARE_VIEWED) == 0
    assert client_of(metro_staff).get("/records/shared/?t=not-a-token").status_code == 410


def test_what_a_link_may_be(archive: Archive, partial: Record) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from seoul.core.models import Institution

    metro = Institution.objects.get(code="SEOUL_METRO")
    own = Institution.objects.get(code="CITY_HALL")
    with pytest.raises(ValidationError) as own_one:
        sharing.share(partial, own, days=3, reason="같은 기관 공유", actor=archive.clerk)
    assert "institution" in own_one.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        sharing.share(partial, metro, days=31, reason="너무 긴 기간", actor=archive.clerk)
    assert "days" in too_long.value.message_dict
    with pytest.raises(PermissionDenied):  # a reader of another division may not share it
        sharing.share(partial, metro, days=3, reason="다른 부서 공유", actor=archive.reader)
    assert not ShareLink.objects.exists()
