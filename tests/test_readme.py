"""The README documents every environment variable the settings read (issue 13): a new `env("X")` or
`os.environ["X"]` in console/settings/ without a README entry fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READS = re.compile(
    r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""  # env("X"), env.int("X"), env.db("X") …
    r"""|os\.environ(?:\.get|\.setdefault)?\s*[(\[]\s*["']([A-Z][A-Z0-9_]*)["']"""  # os.environ["X"], .get("X")
    r"""|os\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def settings_variables() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "console" / "settings").glob("*.py"):
        for match in READS.finditer(path.read_text()):
            found.update(name for name in match.groups() if name)
    return found


def test_the_scan_finds_the_variables_it_should():
    names = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "AXES_PROXY_COUNT", "POLICY_PA_DUE_DAYS", "WEB_PORT"} <= names


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in readme)
    assert not missing, f"Document these environment variables in README.md: {missing}"
