"""The ``seoul`` command: one entry point for the platform and every service.

seoul run [--host H] [--port P]   migrate if needed, then serve (gunicorn, WSGI)
seoul load-reference              load every app's reference data
seoul demo-data                   demo accounts (printed) and demo data
seoul createadmin USERNAME        a platform administrator
seoul manage ARGS...              any Django management command
seoul <app> ...                   a service's own commands (from ``<app>/cli.py``)
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
    import django

    django.setup()


def _call(name: str, *args: str, **kwargs: Any) -> None:
    from django.core.management import call_command

    call_command(name, *args, **kwargs)


class SeoulGroup(click.Group):
    """Adds each app's ``cli.group`` as a sub-command, loaded only when Django is ready."""

    def _app_groups(self) -> dict[str, click.Command]:
        _setup()
        from seoul.core.registry import app_modules

        return {label: module.group for label, module in app_modules("cli")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._app_groups()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._app_groups().get(name)


@click.group(cls=SeoulGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Seoul public-service platform (Post-Corona public innovation plan)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on")
@click.option("--workers", default=2, show_default=True, type=int, help="worker processes")
@click.option("--no-migrate", is_flag=True, help="do not apply pending migrations first")
def run(host: str, port: int, workers: int, no_migrate: bool) -> None:
    """Apply pending migrations, then serve the platform with gunicorn (WSGI).

    gunicorn, not granian: on this platform's pages it served as many requests with a much
    lower 99th-percentile latency (docs/performance.md, benchmarks/wsgi_servers.py).
    """
    _setup()
    if not no_migrate:
        _call("migrate", interactive=False, verbosity=0)
    # The payment gateway's stand-in keeps cards and payments in memory: the worker processes
    # share one on a fixed port, and its webhooks come back to this server (docs/metro-payments.md).
    if not os.environ.get("SEOUL_METRO_GATEWAY_URL"):
        os.environ.setdefault("SEOUL_METRO_GATEWAY_STANDIN_PORT", "8026")
        webhook = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/api/v1/metro/gateway/webhook"  # noqa: S104
        os.environ.setdefault("SEOUL_METRO_GATEWAY_WEBHOOK_URL", webhook)
    click.echo(f"Serving the platform at http://{host}:{port}/ (Ctrl+C stops it)")
    args = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers)]
    args += ["--access-logfile", "-", "seoul.wsgi:application"]
    os.execv(sys.executable, args)  # noqa: S606 - fixed argument list, no shell


@main.command("load-reference")
def load_reference() -> None:
    """Load (or refresh) reference data: institutions, plan visions and named projects."""
    _setup()
    _call("load_reference")


@main.command("demo-data")
@click.option("--quiet-accounts", is_flag=True, help="do not print the demo accounts")
def demo_data(quiet_accounts: bool) -> None:
    """Create demo accounts (one per role) and demo data; print the accounts."""
    _setup()
    _call("demo_data", quiet_accounts=quiet_accounts)


@main.command()
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def createadmin(username: str, password_stdin: bool) -> None:
    """Create a platform administrator."""
    _setup()
    _call("createadmin", username, password_stdin=password_stdin)


@main.command()
@click.option("--dry-run", is_flag=True, help="only count what would be destroyed")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def retention(dry_run: bool, as_json: bool) -> None:
    """Destroy personal data past its retention period (each app's policies); audited."""
    import json

    _setup()
    from seoul.core import retention as core_retention

    report = core_retention.run(dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    for row in report:
        what = row.get("would_delete", row.get("deleted"))
        click.echo(
            f"{row['app']}.{row['policy']}: before {row['cutoff']}: {'would delete' if dry_run else 'deleted'} {what}"
        )


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (e.g. seoul manage migrate)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["seoul manage", *args])


if __name__ == "__main__":
    main()
