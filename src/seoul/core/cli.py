"""``seoul core ...``: staff accounts and roles, for platform administrators at the console."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from django.core.exceptions import ValidationError
from django.db import transaction

from seoul.core import actions
from seoul.core.models import User


@click.group(name="core")
def group() -> None:
    """Platform administration: staff accounts and their per-service roles."""


@group.command("add-staff")
@click.argument("username")
@click.option("--institution", required=True, help="institution code, e.g. SEOUL_METRO")
@click.option("--name", "display_name", default="", help="name shown on pages")
@click.option("--role", "roles", multiple=True, metavar="SERVICE:ROLE", help="e.g. plan:operator (repeatable)")
def add_staff(username: str, institution: str, display_name: str, roles: tuple[str, ...]) -> None:
    """Create a staff account; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    try:
        with transaction.atomic():  # an account with a bad role is not left half-made
            user = actions.create_staff(None, username, password, institution, display_name)
            for spec in roles:
                service, _, role = spec.partition(":")
                actions.grant_role(None, user, service, role)
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.messages)) from exc
    click.echo(f"staff account '{username}' created at {institution}")


@group.command("grant-role")
@click.argument("username")
@click.argument("spec", metavar="SERVICE:ROLE")
def grant_role(username: str, spec: str) -> None:
    """Give a staff member a role in a service (replaces their previous role there)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"username: no account '{username}'")
    service, _, role = spec.partition(":")
    try:
        actions.grant_role(None, user, service, role)
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.messages)) from exc
    click.echo(f"{username}: {service}:{role}")


@group.command("issue-token")
@click.argument("username")
@click.argument("name")
def issue_token(username: str, name: str) -> None:
    """Issue an API token for a staff account (e.g. a gate controller); printed once."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"username: no account '{username}'")
    try:
        secret = actions.issue_token(None, user, name)
    except ValidationError as exc:
        raise click.ClickException("; ".join(exc.messages)) from exc
    click.echo(secret)


@group.command("list-staff")
@click.option("--institution", default=None, help="only this institution code")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def list_staff(institution: str | None, as_json: bool) -> None:
    """List staff accounts with their institution and roles."""
    qs = User.objects.filter(kind=User.Kind.STAFF).select_related("institution").prefetch_related("service_roles")
    if institution:
        qs = qs.filter(institution__code=institution)
    rows: list[dict[str, Any]] = [
        {
            "username": u.username,
            "institution": u.institution.code if u.institution else None,
            "roles": {r.service: r.role for r in u.service_roles.all()},
            "active": u.is_active,
        }
        for u in qs.order_by("username")
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        roles = ", ".join(f"{k}:{v}" for k, v in r["roles"].items()) or "-"
        click.echo(f"{r['username']:<24} {r['institution'] or '-':<14} {roles}")
