"""Another worker process, which kept the figures before a write, shows the new figures on its
very next request (PostgreSQL: the process needs a database it can open, as CI's is)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from seoul.core.engine.money import format_krw
from seoul.core.models import User
from seoul.plan import actions
from seoul.plan.models import Project

# The other process: answers each vision code on stdin with that vision's executed budget
# from the API and from the public page (an anonymous visitor, so the page cache is used).
WORKER = r"""
import json, re, sys
import django
django.setup()
from django.test import Client
for line in sys.stdin:
    vision = int(line)
    api = next(v for v in Client().get("/api/v1/plan/visions").json() if v["code"] == vision)
    page = Client().get("/plan/").content.decode()
    row = re.search(r'<tr data-vision="%d">(.*?)</tr>' % vision, page, re.S).group(1)
    print(json.dumps({"api": api["budget_executed_krw"], "page": re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)[4]}), flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_that_kept_the_figures_shows_a_report_at_once(operator: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("another process cannot open the in-memory SQLite test database; CI runs this on PostgreSQL")
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seoul.settings",
        "DATABASE_URL": url,
        "SEOUL_VAR_DIR": str(settings.VAR_DIR),
        "SEOUL_DB_CONN_MAX_AGE": "600",
    }
    project = Project.objects.filter(institution__code="SEOUL_METRO").select_related("vision", "institution").first()
    assert project is not None
    vision = str(project.vision.code)
    worker = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", WORKER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert worker.stdin is not None and worker.stdout is not None

    def ask() -> dict[str, object]:
        worker.stdin.write(vision + "\n")  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
        return json.loads(worker.stdout.readline())  # type: ignore[union-attr,no-any-return]

    try:
        before = ask()
        assert ask() == before  # now kept in that process
        actions.report_progress(
            project,
            reported_on=timezone.localdate(),
            status="in_progress",
            budget_executed_krw=1_234_500_000,
            actor=operator,
        )
        after = ask()
    finally:
        worker.stdin.close()
        worker.wait(timeout=60)
    assert after == {"api": int(before["api"]) + 1_234_500_000, "page": format_krw(1_234_500_000)}  # type: ignore[call-overload]
