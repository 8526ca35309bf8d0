from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seoul.settings_production",
        "SEOUL_VAR_DIR": str(tmp_path),
        "SEOUL_SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' conftest, never in production
    result = subprocess.run(  # noqa: S603 - fixed command
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_pages(reference: None) -> None:
    response = Client().get("/plan/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_passwords_hashed_with_argon2() -> None:
    from django.contrib.auth.hashers import make_password

    assert make_password("a long enough password").startswith("argon2$")


@pytest.mark.django_db
def test_secrets_file_is_private_and_not_in_repo() -> None:
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "secrets.json"
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0
    tracked = subprocess.run(["git", "ls-files", "var"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S607
    assert tracked.stdout.strip() == ""
