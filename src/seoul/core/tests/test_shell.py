"""The page shell every service inherits: menu, footer, policy pages, landing after sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from conftest import PASSWORD
from seoul.core import privacy, retention
from seoul.core.crypto import EncryptedTextField
from seoul.core.models import User
from seoul.core.templatetags.seoul import period

SRC = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_menu_button_controls_the_main_menu(reference: None) -> None:
    page = Client().get("/").content.decode()
    button = re.search(r"<button[^>]*class=\"menu-toggle\"[^>]*>", page)
    assert button is not None
    assert 'aria-expanded="false"' in button.group(0)
    assert " hidden" in button.group(0), "without JavaScript the menu is open and the button hidden"
    controls = re.search(r'aria-controls="([^"]+)"', button.group(0))
    assert controls is not None
    assert re.search(rf'<nav class="main-nav" id="{controls.group(1)}"', page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "privacy_label", "copyright_label"),
    [("ko", "개인정보처리방침", "저작권정책"), ("en", "Privacy policy", "Copyright policy")],
)
def test_footer_links_policies_and_the_120_call_center(
    reference: None, lang: str, privacy_label: str, copyright_label: str
) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE=lang).get("/plan/").content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert f'<a class="privacy-link" href="/privacy/">{privacy_label}</a>' in footer
    assert f'<a href="/copyright/">{copyright_label}</a>' in footer
    assert '<a href="tel:120">120</a>' in footer


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_privacy_policy_lists_every_retention_policy(reference: None, lang: str) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE=lang).get("/privacy/").content.decode()
    with translation.override(lang):
        policies = retention.policies()
        assert len(policies) >= 10  # core 3, metro 2, tracing 4, guarantee 2 at the time of writing
        assert {p.name for label, p in policies if label == "core"} >= {"sign_in_log", "failed_sign_ins"}
        for label, policy in policies:
            heading = _("The platform (every service)") if label == "core" else privacy.service_name(label)
            assert str(heading) in page
            assert str(policy.description).capitalize()[:30] in page, policy.name
            assert str(policy.purpose).capitalize()[:30] in page, f"{policy.name} says why it is kept"
            assert (
                period(policy.days) in page
                if policy.days
                else str(_("deleted as soon as it expires")).capitalize() in page
            )
        for kind in privacy.encrypted_kinds():
            assert str(kind) in page
    assert ("주민등록번호" if lang == "ko" else "resident registration numbers") in page
    assert ("제35조" if lang == "ko" else "Article 35") in page


def test_privacy_policy_has_words_for_every_encrypted_column() -> None:
    names = {f.name for m in apps.get_models() for f in m._meta.get_fields() if isinstance(f, EncryptedTextField)}
    assert names, "no encrypted columns found at all"
    assert names <= set(privacy.ENCRYPTED_KINDS), f"describe {names - set(privacy.ENCRYPTED_KINDS)} in ENCRYPTED_KINDS"


def test_no_column_holds_a_resident_registration_number() -> None:
    """The privacy policy promises it; a column named for one would break the promise."""
    suspicious = re.compile(r"rrn|resident|jumin|registration_no|national_id", re.I)
    found = [
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if suspicious.search(f.name) and not f.name.startswith("business")
    ]
    assert found == []


def test_period_in_words() -> None:
    with translation.override("en"):
        assert period(28) == "28 days"
        assert period(730) == "2 years (730 days)"
        assert period(1826) == "5 years (1,826 days)"
        assert period(400) == "400 days"
    with translation.override("ko"):
        assert period(1826) == "5년(1,826일)"


@pytest.mark.django_db
def test_copyright_policy_in_both_languages(reference: None) -> None:
    assert "제24조의2" in Client().get("/copyright/").content.decode()
    assert "Article 24-2" in Client(HTTP_ACCEPT_LANGUAGE="en").get("/copyright/").content.decode()


def test_every_table_sits_in_a_labelled_focusable_scroll_region() -> None:
    """Wide tables scroll inside their region instead of widening a phone's page."""
    wrapper = re.compile(
        r'<div class="table-wrap" role="region" aria-(label|labelledby)="[^"]+" tabindex="0"[^>]*>\s*(\{%[^%]*%\}\s*)*$'
    )
    missing = []
    for template in sorted(SRC.glob("*/templates/**/*.html")):
        text = template.read_text()
        for match in re.finditer(r"<table[\s>]", text):
            before = text[max(0, match.start() - 400) : match.start()]
            if not wrapper.search(before):
                missing.append(f"{template.relative_to(SRC)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert missing == []


LANDINGS = [
    ({"tracing": "operator"}, "/tracing/"),
    ({"tracing": "approver"}, "/tracing/supervisor/"),
    ({"guarantee": "operator"}, "/guarantee/queue/"),
    ({"metro": "approver"}, "/metro/disputes/"),
    ({"metro": "viewer"}, "/metro/operations/"),
    ({"plan": "operator"}, "/plan/dashboard/"),
    ({"core": "admin"}, "/audit/"),
    # Daily work before the audit log, whatever the order of the apps.
    ({"core": "viewer", "guarantee": "operator"}, "/guarantee/queue/"),
    ({"plan": "viewer", "metro": "approver"}, "/metro/disputes/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("roles", "landing"), LANDINGS, ids=[str(r) for r, _ in LANDINGS])
def test_staff_land_on_their_worklist(make_user: Callable[..., User], roles: dict[str, str], landing: str) -> None:
    user = make_user(roles=roles)
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "institution"), [(User.Kind.PLATFORM_ADMIN, None), (User.Kind.CITIZEN, None)])
def test_admins_and_citizens_land_on_the_home_page(
    make_user: Callable[..., User], kind: str, institution: str | None
) -> None:
    user = make_user(kind=kind, institution=institution)
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(("next_url", "landing"), [("/plan/", "/plan/"), ("https://evil.example/", "/tracing/")])
def test_a_safe_next_wins_over_the_worklist(make_user: Callable[..., User], next_url: str, landing: str) -> None:
    user = make_user(roles={"tracing": "operator"})
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response["Location"] == landing


@pytest.mark.django_db
def test_sign_in_link_carries_the_page_except_from_home(reference: None) -> None:
    assert 'class="sign-in" href="/accounts/login/"' in Client().get("/").content.decode()
    assert 'class="sign-in" href="/accounts/login/?next=/plan/"' in Client().get("/plan/").content.decode()


def test_the_kept_parts_of_the_shell_follow_the_page_language(reference: None) -> None:
    """Masthead, brand and footer are rendered once per process and language, never shared across languages."""
    for lang, privacy_link, official in (
        ("ko", "개인정보처리방침", "서울특별시 공식 누리집"),
        ("en", "Privacy policy", "official website"),
    ):
        page = Client(HTTP_ACCEPT_LANGUAGE=lang).get("/accounts/login/").content.decode()
        assert privacy_link in page.split("<footer")[1], lang
        assert official in page.split("<main")[0], lang
