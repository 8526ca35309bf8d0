from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from seoul.core import audit
from seoul.core.engine.csvload import ReferenceDataError
from seoul.core.registry import app_modules


class Command(BaseCommand):
    help = "Load (or refresh) every app's reference data. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        totals: dict[str, int] = {}
        for label, module in app_modules("reference"):
            try:
                counts = module.load()
            except ReferenceDataError as exc:
                raise CommandError(f"reference data of '{label}' is invalid:\n{exc}") from exc
            totals.update({f"{label}.{k}": v for k, v in counts.items()})
            self.stdout.write(f"{label}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        audit.record(audit.CoreEvent.REFERENCE_LOADED, actor_label="system", new=totals, service="core")
