"""The register: partner hospitals registered by the city, district → sub-region edited and
kept across reference reloads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from seoul.core.engine.districts import by_name
from seoul.core.models import AuditEvent, User
from seoul.hospitals import actions, reference
from seoul.hospitals.engine.network import Need
from seoul.hospitals.models import DistrictRegion, Hospital, Region
from seoul.hospitals.tests.conftest import Network

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={"hospitals": "admin"}, username="hospitals.admin")


def test_a_partner_hospital_is_registered(network: Network, admin: User) -> None:
    data = actions.NewHospital(
        code="p-kumc", name_ko="고려대학교 안암병원", name_en="Korea University Anam Hospital", kind="partner",
        district=by_name("성북구").index, lat=37.587, lon=127.026, licensed_beds=1000,
        capabilities=frozenset({Need.DIALYSIS}),
    )  # fmt: skip
    hospital = actions.register_hospital(data, actor=admin)
    assert (hospital.code, hospital.coord_quality, hospital.capabilities) == ("P-KUMC", "entered", ["dialysis"])
    assert AuditEvent.objects.filter(event="hospitals.hospital.registered", target_id=str(hospital.pk)).exists()
    with pytest.raises(ValidationError) as again:
        actions.register_hospital(data, actor=admin)
    assert "code" in again.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.register_hospital(data, actor=network.city)
    with pytest.raises(ValidationError) as half:
        actions.register_hospital(actions.NewHospital("P-X", "가", "A", "partner", 0, lat=37.5), actor=admin)
    assert "lat" in half.value.message_dict
    with pytest.raises(ValidationError):
        actions.register_hospital(actions.NewHospital("P-Y", "가", "A", "city", 0), actor=admin)


def test_a_district_moves_and_a_reload_keeps_the_edit(network: Network, admin: User) -> None:
    dongjak = by_name("동작구").index
    southeast = Region.objects.get(code="SE")
    assert DistrictRegion.objects.get(district=dongjak).region.code == "SW"
    client = Client()
    client.force_login(admin)
    moved = client.post(
        "/hospitals/register/", {"do": "district", "district": dongjak, "region": "SE", "verified": "yes"}
    )
    assert moved.status_code == 302
    row = DistrictRegion.objects.get(district=dongjak)
    assert (row.region, row.verified, row.updated_by) == (southeast, True, admin)
    event = AuditEvent.objects.get(event="hospitals.district_region.changed")
    assert (event.old, event.new) == ({"region": "SW", "verified": False}, {"region": "SE", "verified": True})
    reference.load()
    assert DistrictRegion.objects.get(district=dongjak).region == southeast
    assert Hospital.objects.filter(code="SMC").count() == 1
    with pytest.raises(PermissionDenied):
        actions.move_district(dongjak, southeast, verified=False, actor=network.tower_ne)


def test_a_post_is_given_from_the_command_line(network: Network) -> None:
    from click.testing import CliRunner

    from seoul.hospitals.cli import group
    from seoul.hospitals.models import Post

    runner = CliRunner()
    done = runner.invoke(group, ["post", network.viewer.username, "--hospital", "SN"])
    assert done.exit_code == 0, done.output
    assert Post.objects.filter(user=network.viewer, hospital__code="SN").exists()
    assert AuditEvent.objects.filter(event="hospitals.post.assigned").count() == 1
    both = runner.invoke(group, ["post", network.viewer.username, "--hospital", "SN", "--city"])
    assert both.exit_code == 2 and "exactly one" in both.output
    unknown = runner.invoke(group, ["post", network.viewer.username, "--region", "XX"])
    assert unknown.exit_code == 2 and "no region 'XX'" in unknown.output
