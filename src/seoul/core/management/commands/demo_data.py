from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seoul.core import demo
from seoul.core.registry import app_modules


class Command(BaseCommand):
    help = "Create the demo accounts (one per role) and each app's demo data, then list the accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="do not print the accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo.load()
        for label, module in app_modules("demo"):
            if module is demo:
                continue
            counts = module.load()
            self.stdout.write(f"{label}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
            # An app may add accounts of its own (people who signed up in it), printed with the rest.
            accounts += getattr(module, "demo_accounts", list)()
        if not options["quiet_accounts"]:
            print_accounts(self.stdout.write, accounts)


def print_accounts(write: Any, accounts: list[dict[str, str]]) -> None:
    write(f"\nDemo accounts (passwords are kept in {demo.accounts_file()}):")
    width = max(len(a["username"]) for a in accounts)
    for a in accounts:
        write(f"  {a['username']:<{width}}  {a['password']}  {a['role']}")
