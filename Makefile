# Two commands do everything: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: install run test lint checks pytest services clean bench bench-smoke

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 ($(PYTHON)) is required."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the front-end packages (Bootstrap): apt-get install -y npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The translations (I18N-4): each catalogue compiled next to it; the .mo files are generated, never committed.
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

$(MESSAGES): %.mo: %.po $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "GNU gettext is required to compile the translations: apt-get install -y gettext"; exit 1; }
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules
	@touch $(MESSAGES)

install: $(VENV)/.installed node_modules/.installed $(MESSAGES)

## make run: install, migrate, load demo data, start web + Celery worker + beat.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@DEBUG=$${DEBUG:-1} DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-console.settings.base} exec $(VENV)/bin/honcho start --no-prefix -f Procfile

## make test: lint, migrations check, Django checks, the whole pytest suite (PostgreSQL, Redis, Chromium),
## and the benchmark's smoke run (so the bench never rots).
test: install lint checks services pytest bench-smoke

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint --quiet
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

checks: install
	DATABASE_URL=sqlite:///:memory: $(MANAGE) makemigrations --check --dry-run
	DATABASE_URL=sqlite:///:memory: $(MANAGE) check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=console.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		ALLOWED_HOSTS=console.example.com DATABASE_URL=postgres://postgres@127.0.0.1:5432/console \
		$(MANAGE) check --deploy --fail-level WARNING

services:
	@bash .ci/ensure-services

## make bench: NF-4 benchmark on its own database of 1,000,000 customers (built once, then reused);
## results in bench/results/. Options: make bench BENCH_ARGS="--rebuild" (see python -m bench --help);
## make bench BENCH_ARGS=--quick is the smoke run at 1 % scale (console_bench_scaled).
bench: install services
	$(PY) -m bench $(BENCH_ARGS)

## make bench-smoke: every stage of the bench at 1 % scale (about a minute); fails on errors, never on timings.
bench-smoke: install services
	$(PY) -m bench --quick

pytest: install
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest

clean:
	rm -rf $(VENV) node_modules .run .pytest_cache .ruff_cache
