"""I18N-1, I18N-4: the Ukrainian catalogue is complete — every string in the source is in it, translated,
none fuzzy — and its plural forms are Ukrainian's three."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "uk" / "LC_MESSAGES" / "django.po"
# Not the application's source: left out of the copy (makemessages' own ignore list drops tests/, bench/ too).
NOT_SOURCE = {".git", ".venv", "node_modules", "locale", "tests", "bench", "test-artifacts", ".run", "build"}
PLURAL_FORMS = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"


def gettext_tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def entries(po_text: str) -> list[str]:
    """The msgid lines of each entry but the header, to name what is wrong."""
    return [block for block in po_text.split("\n\n") if "msgid" in block and 'msgid ""\nmsgstr ""\n"' not in block]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """makemessages run on a copy of the source, merged into a copy of the committed catalogue: what the
    catalogue would be after `manage.py makemessages -l uk`."""
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is required (apt-get install -y gettext); .ci/run installs it.", pytrace=False)
    copy = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for source in ROOT.iterdir():
        if source.name in NOT_SOURCE or source.name.endswith("_cache") or source.is_symlink():
            continue
        if source.is_dir():
            shutil.copytree(source, copy / source.name, ignore=ignore)
        else:
            shutil.copy2(source, copy / source.name)
    (copy / "locale" / "uk" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy2(CATALOGUE, copy / "locale" / "uk" / "LC_MESSAGES" / "django.po")
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:", "DJANGO_SETTINGS_MODULE": "console.settings.base"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "uk", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return copy / "locale" / "uk" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_source_is_in_the_committed_catalogue(extracted: Path) -> None:
    merged = CATALOGUE.read_text().count("\nmsgid ")
    after = extracted.read_text().count("\nmsgid ")
    missing = gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(extracted))
    assert not entries(missing), "Not in locale/uk/LC_MESSAGES/django.po (run makemessages, translate):\n" + (
        "\n\n".join(entries(missing))
    )
    fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(extracted))
    assert not entries(fuzzy), "Source strings changed; their translations need a look:\n" + "\n\n".join(entries(fuzzy))
    assert after == merged, "The catalogue holds strings the source no longer has: run makemessages --no-obsolete."


def test_the_committed_catalogue_has_no_empty_fuzzy_or_broken_entry() -> None:
    assert not entries(gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(CATALOGUE)))
    assert not entries(gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(CATALOGUE)))
    # --check: placeholders (%(name)s) the same as in English, the header well formed.
    subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(CATALOGUE)], check=True, capture_output=True)


def test_the_catalogue_declares_ukrainian_plural_forms() -> None:
    header = CATALOGUE.read_text().split("\n\n", 1)[0].replace('"\n"', "")
    assert f"Plural-Forms: {PLURAL_FORMS}\\n" in header


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "1 запрошення очікує"),
        (2, "2 запрошення очікують"),
        (5, "5 запрошень очікують"),
        (11, "11 запрошень очікують"),
        (21, "21 запрошення очікує"),
        (22, "22 запрошення очікують"),
    ],
)
def test_plural_forms_are_right_for_each_count(count: int, text: str) -> None:
    with translation.override("uk"):
        said = translation.ngettext("%(counter)s invitation pending", "%(counter)s invitations pending", count) % {
            "counter": count
        }
    assert said == text


@pytest.mark.parametrize(("count", "text"), [(1, "1 клієнт"), (2, "2 клієнти"), (5, "5 клієнтів"), (21, "21 клієнт")])
def test_customer_counts_read_right(count: int, text: str) -> None:
    with translation.override("uk"):
        assert translation.ngettext("%(shown)s customer", "%(shown)s customers", count) % {"shown": count} == text
