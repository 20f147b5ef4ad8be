"""Valid HTML (issue 10 item 8): the Nu HTML checker (vnu-jar from npm, run with java) reports no error on
any page of tests/pages.py — every URL of the permission matrix and the states it does not reach, and the
operators' Django admin (each registered model's list and change form). All pages go to one vnu
invocation (the JVM starts once)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.pages import admin_pages, every_page, fetch

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(directory: Path) -> list[dict]:
    """The checker's errors for every .html file in `directory`."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.fail(
            f"The Nu HTML checker needs java (apt-get install default-jre-headless) and {VNU_JAR} (npm ci).",
            pytrace=False,
        )
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--skip-non-html", str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    return [m for m in messages if m["type"] in ("error", "non-document-error")]


def describe(errors: list[dict]) -> str:
    return "\n".join(
        f"{Path(e.get('url', '')).name}:{e.get('lastLine', '?')}: {e['message']} «{e.get('extract', '').strip()}»"
        for e in errors
    )


def test_the_checker_finds_errors(tmp_path):
    """The check itself works: a page with the errors this project once had fails it."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        '<input type="email" type="text" name="e" aria-label="e">'
        '<time datetime="2026-11-30T03:45:06.123456+00:00">now</time>'
        '<div hx-get="/x">y</div></body></html>'
    )
    messages = describe(vnu_errors(tmp_path))
    assert "Duplicate attribute" in messages and "datetime" in messages and "hx-get" in messages


def test_every_page_is_valid_html(triad, tmp_path):
    clients: dict = {}
    written = 0
    visits = every_page(triad) + admin_pages(triad)
    assert any(visit.name.startswith("admin:") for visit in visits)
    for number, visit in enumerate(visits):
        response = fetch(visit, clients)
        assert response.status_code == visit.status, (visit.name, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        if not body.lstrip().lower().startswith("<!doctype html"):  # an htmx partial: checked inside its page
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", visit.name.lower()).strip("-")
        (tmp_path / f"{number:03d}-{slug}.html").write_text(body)
        written += 1
    assert written > 90
    errors = vnu_errors(tmp_path)
    if os.environ.get("VNU_KEEP"):  # to look at the pages: VNU_KEEP=/some/dir
        shutil.copytree(tmp_path, os.environ["VNU_KEEP"], dirs_exist_ok=True)
    assert not errors, f"{len(errors)} HTML errors:\n{describe(errors)}"
