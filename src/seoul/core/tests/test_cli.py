from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seoul.cli import main
from seoul.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_add_staff_grant_and_list(reference: None) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["core", "add-staff", "hong", "--institution", "SMC", "--role", "plan:operator"],
        input="a-strong-passphrase-2020\n",
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="hong")
    assert user.kind == User.Kind.STAFF
    assert user.has_role("plan", "operator")
    assert not user.has_role("plan", "approver")
    result = runner.invoke(main, ["core", "grant-role", "hong", "plan:approver"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["core", "list-staff", "--json"])
    assert json.loads(result.output) == [
        {"username": "hong", "institution": "SMC", "roles": {"plan": "approver"}, "active": True}
    ]
    assert AuditEvent.objects.filter(event="core.role.granted", target_id=str(user.pk)).count() == 2


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (
            ["core", "add-staff", "x1", "--institution", "NOWHERE"],
            "a-strong-passphrase-2020",
            "unknown institution code",
        ),
        (["core", "add-staff", "x2", "--institution", "SMC"], "short", "12"),
        (
            ["core", "add-staff", "x3", "--institution", "SMC", "--role", "plan:boss"],
            "a-strong-passphrase-2020",
            "unknown role",
        ),
        (["core", "grant-role", "nobody", "plan:viewer"], "", "no account"),
    ],
)
def test_cli_errors_are_clear(reference: None, args: list[str], password: str, message: str) -> None:
    result = CliRunner().invoke(main, args, input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()


def test_help_everywhere() -> None:
    runner = CliRunner()
    for args in ([], ["run"], ["core"], ["core", "add-staff"], ["load-reference"], ["demo-data"], ["createadmin"]):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output


def test_the_demo_accounts_say_where_their_passwords_are_kept(tmp_path: Path) -> None:
    from django.test import override_settings

    from seoul.core.management.commands.demo_data import print_accounts

    lines: list[str] = []
    with override_settings(VAR_DIR=tmp_path):
        print_accounts(lines.append, [{"username": "tracer.mapo", "password": "pw", "role": "tracer"}])
    assert f"kept in {tmp_path / 'demo_accounts.json'}" in lines[0]
