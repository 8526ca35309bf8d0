"""Compile the .po catalogues to .mo with polib (no GNU gettext needed on the machine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile every .po under LOCALE_PATHS into .mo; refuses untranslated or fuzzy entries."

    def handle(self, *args: Any, **options: Any) -> None:
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                po = polib.pofile(str(po_path))
                missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
                if missing:
                    raise CommandError(f"{po_path}: {len(missing)} untranslated or fuzzy: {missing[:5]}")
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path.relative_to(settings.BASE_DIR)}: {len(po)} messages")
