"""Rider accounts: sign-up with a verified number, consents, phones and tokens, fare category."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from seoul.core.errors import Refused, codes_of
from seoul.core.models import AuditEvent, User
from seoul.metro.actions import riders
from seoul.metro.engine.riders import age_on, category_on
from seoul.metro.models import Consent, Device, Entitlement, Rider
from seoul.metro.tests import builders

# --- the fare category (engine, no database) -------------------------------------------------


def test_age_counts_whole_years_and_leap_day_birthdays() -> None:
    assert age_on(date(2010, 3, 1), date(2023, 2, 28)) == 12
    assert age_on(date(2010, 3, 1), date(2023, 3, 1)) == 13
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17  # not yet 18 in a common year
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (date(2014, 6, 1), date(2020, 5, 31), "adult"),  # 5: no account, no fare band here
        (date(2014, 6, 1), date(2020, 6, 1), "child"),  # 6
        (date(2014, 6, 1), date(2027, 5, 31), "child"),  # 12
        (date(2014, 6, 1), date(2027, 6, 1), "youth"),  # 13
        (date(2007, 6, 1), date(2026, 5, 31), "youth"),  # 18
        (date(2007, 6, 1), date(2026, 6, 1), "adult"),  # 19
        (date(1950, 1, 1), date(2026, 6, 1), "adult"),  # 76, but no verified entitlement
    ],
)
def test_category_follows_the_age_on_the_day_of_travel(birth: date, day: date, expected: str) -> None:
    assert category_on(birth, day) == expected


def test_free_travel_needs_a_verified_entitlement_valid_that_day() -> None:
    held = [("disabled", date(2026, 12, 31))]
    assert category_on(date(1980, 1, 1), date(2026, 12, 31), held) == "disabled"
    assert category_on(date(1980, 1, 1), date(2027, 1, 1), held) == "adult"  # expired
    assert category_on(None, date(2026, 1, 1), [("merit", date(2030, 1, 1)), ("senior", date(2030, 1, 1))]) == "senior"


@given(st.dates(date(1920, 1, 1), date(2020, 12, 31)), st.integers(0, 40_000))
def test_the_category_changes_only_upwards_with_age(birth: date, days: int) -> None:
    order = {"child": 1, "youth": 2, "adult": 3}
    day = birth + timedelta(days=days)
    later = day + timedelta(days=1)
    a, b = category_on(birth, day), category_on(birth, later)
    if a in order and b in order and age_on(birth, day) >= 6:
        assert order[a] <= order[b]


# --- sign-up (database) ------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_keeps_the_verified_number_encrypted_and_issues_a_token(gates: None) -> None:
    rider, token = builders.signed_up("010-3000-0001")
    assert rider.user is not None and rider.user.phone == "01030000001"
    assert token.startswith("tg_") and not Device.objects.filter(token_hash=token).exists()
    assert riders.rider_for_token(token) == rider
    assert {c.kind for c in rider.consents.all()} == {Consent.Kind.TERMS, Consent.Kind.LOCATION}
    assert AuditEvent.objects.filter(event="metro.rider.signed_up", target_id=str(rider.pk)).exists()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM core_user WHERE id = %s", [rider.user.pk])
        stored = cursor.fetchone()[0]
    assert "01030000001" not in stored


@pytest.mark.django_db
def test_sign_up_without_a_verified_number_or_terms_is_refused_per_field(gates: None) -> None:
    with pytest.raises(ValidationError) as err:
        riders.sign_up(
            challenge_id=None,
            password=builders.PASSWORD,
            birth_date=date(2015, 1, 1),
            accept_terms=False,
            location_consent=True,
        )
    assert set(err.value.error_dict) == {"accept_terms", "birth_date"}
    with pytest.raises(ValidationError) as err:
        riders.sign_up(
            challenge_id=None,
            password=builders.PASSWORD,
            birth_date=date(1990, 1, 1),
            accept_terms=True,
            location_consent=True,
        )
    assert codes_of(err.value) == ["core.phone.not_verified"]
    assert not Rider.objects.exists()


@pytest.mark.django_db
def test_one_account_per_number(gates: None) -> None:
    builders.signed_up("010-3000-0002")
    with pytest.raises(ValidationError) as err:
        builders.signed_up("01030000002")
    assert codes_of(err.value) == ["metro.phone_taken"]
    assert Rider.objects.count() == 1


@pytest.mark.django_db
def test_the_database_keeps_one_citizen_per_number_even_past_the_check() -> None:
    """Two sign-ups racing past the application's check: the second insert is refused by the
    database (a citizen signs in with the number, so it must name one account); staff may share."""
    User.objects.create(username="c1", kind=User.Kind.CITIZEN, phone="010-3000-0009")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="c2", kind=User.Kind.CITIZEN, phone="01030000009")
    User.objects.create(username="s1", kind=User.Kind.STAFF, phone="010-3000-0009")
    User.objects.create(username="s2", kind=User.Kind.STAFF, phone="010-3000-0009")
    User.objects.create(username="c3", kind=User.Kind.CITIZEN)
    User.objects.create(username="c4", kind=User.Kind.CITIZEN)  # no number: no constraint
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 3


@pytest.mark.django_db
def test_a_lost_phone_stops_working_at_once_and_the_new_one_works(gates: None) -> None:
    rider, old_token = builders.signed_up("010-3000-0003")
    assert rider.user is not None
    old = rider.devices.get()
    new_device, new_token = riders.replace_device(rider, old.pk, Device.Revoked.LOST, actor=rider.user)
    assert riders.rider_for_token(old_token) is None
    assert riders.rider_for_token(new_token) == rider
    with pytest.raises(ValidationError):  # the revoked phone cannot be replaced twice
        riders.replace_device(rider, old.pk, Device.Revoked.LOST, actor=rider.user)
    other, _ = builders.signed_up("010-3000-0004")
    assert other.user is not None
    with pytest.raises(Refused):  # nobody replaces someone else's phone
        riders.replace_device(rider, new_device.pk, Device.Revoked.LOST, actor=other.user)
    assert riders.rider_for_token(new_token) == rider


@pytest.mark.django_db
def test_withdrawing_location_consent_stops_tagless_and_giving_it_again_restarts_it(gates: None) -> None:
    from datetime import datetime

    from seoul.core.engine.time import SEOUL

    rider, _token = builders.signed_up("010-3000-0005", mode="postpaid")
    assert rider.user is not None
    at = datetime(2026, 12, 1, 8, 0, tzinfo=SEOUL)
    assert riders.tagless_refusal(rider, at) == riders.Refusal.NO_CARD  # consent is there; no card yet
    assert riders.set_location_consent(rider, False, actor=rider.user)
    assert riders.tagless_refusal(rider, at) == riders.Refusal.NO_LOCATION_CONSENT
    assert not riders.set_location_consent(rider, False, actor=rider.user)  # nothing to withdraw twice
    assert riders.set_location_consent(rider, True, actor=rider.user)
    assert riders.tagless_refusal(rider, at) == riders.Refusal.NO_CARD
    assert rider.consents.filter(kind=Consent.Kind.LOCATION).count() == 2  # history kept


@pytest.mark.django_db
def test_entitlements_the_service_no_longer_confirms_end_today(gates: None) -> None:
    rider, _ = builders.signed_up("010-3000-0006", birth=date(1950, 3, 3))
    riders.record_entitlements(rider, [("senior", date(2099, 12, 31))], actor=None)
    assert riders.category_of(rider, date(2026, 12, 2)) == "senior"
    riders.record_entitlements(rider, [], actor=None)
    ended = Entitlement.objects.get(rider=rider)
    assert ended.valid_until <= date.today() + timedelta(days=1)
    assert riders.category_of(rider, date(2099, 1, 1)) == "adult"
