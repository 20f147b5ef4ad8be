"""Backups (issue 13): bin/db-backup dumps the database, restores it into a scratch database, and the
restored copy passes `manage.py check` and has every migration applied, with the data in it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from console.accounts.models import Reseller
from tests.factories import ResellerFactory

ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _run(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "console.settings.base"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_scratch_database_that_passes_check(tmp_path):
    reseller = ResellerFactory(name="Backed-up Reseller")
    dump = tmp_path / "console.dump"
    backup = _run("bin/db-backup", "backup", str(dump), database_url=_url(connection.settings_dict["NAME"]))
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0

    scratch = f"console_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        restore = _run("bin/db-backup", "restore", str(dump), database_url=_url(scratch))
        assert restore.returncode == 0, restore.stderr
        check = _run(sys.executable, "manage.py", "check", database_url=_url(scratch))
        assert check.returncode == 0, check.stderr
        migrated = _run(sys.executable, "manage.py", "migrate", "--check", database_url=_url(scratch))
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        query = f"from console.accounts.models import Reseller; print(Reseller.objects.get(pk={reseller.pk}).name)"
        found = _run(sys.executable, "manage.py", "shell", "--no-imports", "-c", query, database_url=_url(scratch))
        assert found.stdout.strip() == "Backed-up Reseller", found.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    assert Reseller.objects.filter(pk=reseller.pk).exists()
