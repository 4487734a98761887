# The two commands of the README: `make run` and `make test`.
# Everything installs into .venv from the pinned requirements files.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-serve
DEV_STAMP := $(VENV)/.installed-dev

# A Python >= 3.12: PYTHON if given, else python3 (pyenv reads .python-version), else python3.13/3.12.
PYTHON ?= $(shell for p in python3 python3.13 python3.12; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help run test test-postgres test-cluster lint format check serve bench bench-compare clean install

help:
	@echo "make run    install, migrate, import the course and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole suite (checks, lint, types, tests in parallel)"
	@echo "make author COURSE=fixtures/my-course.md  live preview: re-import the course on every save"
	@echo "make serve  production-style serving with gunicorn (see docs/deploy.md)"
	@echo "make bench  the benchmark (see docs/performance.md)"
	@echo "make bench-compare REF=<git ref>  the app at REF and this checkout, measured interleaved"
	@echo "make test-postgres  the test suite on PostgreSQL (DATABASE_URL, see docs/deploy.md)"
	@echo "make test-cluster   two app servers on PostgreSQL and Redis, tested through HTTP"

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: this project needs Python 3.12 or newer; none was found." >&2; \
		echo "Install Python 3.12+ (or set PYTHON=/path/to/python3.12) and run make again." >&2; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)

# What serving needs (make run, make serve); the test tools come on top (make test).
$(STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

$(DEV_STAMP): requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP) $(DEV_STAMP)

install: $(DEV_STAMP)

# Local settings every manage.py command reads (config/envfile.py): debug on and a random
# secret key for this checkout only. Git-ignored; delete it to get a new key.
.env: | $(VENV)/bin/python
	@$(PY) -c 'import secrets; print("# Local development settings written by make run (git-ignored).\nDJANGO_DEBUG=true\nDJANGO_SECRET_KEY=" + secrets.token_urlsafe(50))' > .env
	@echo "Wrote .env (debug on, a local secret key): manage.py commands now work in this checkout."

run: $(STAMP) .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_course fixtures/*.md
	@echo ""
	@echo "  The course is served on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Live preview for authors (docs/course-format.md): serve the app and import COURSE again
# whenever it or its question bank changes; import errors and linter findings show in the browser.
.PHONY: author
author: export DJANGO_DEBUG = true
author: $(STAMP)
	@if [ -z "$(COURSE)" ]; then echo "usage: make author COURSE=fixtures/my-course.md" >&2; exit 2; fi
	$(PY) manage.py migrate --no-input
	@echo ""
	@echo "  Previewing $(COURSE) on http://127.0.0.1:$(PORT)/  (save to re-import; Ctrl-C stops it)"
	@echo ""
	$(PY) manage.py author $(COURSE) 127.0.0.1:$(PORT)

# The suite runs in parallel (pytest-xdist), one process per core by default; each process has
# its own test database. The browser tests form one group (tests/browser/conftest.py), run by a
# single worker with one Chromium and one live server. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadgroup

# Independent readers the interchange tests run (tests/peers: gift-pegjs), installed with npm
# when npm is present; without it those tests are skipped and say so.
PEERS_STAMP := $(if $(shell command -v npm),tests/peers/node_modules/.installed)
tests/peers/node_modules/.installed: tests/peers/package-lock.json
	npm ci --prefix tests/peers --no-audit --no-fund --silent
	@touch $@

test: export DJANGO_SETTINGS_MODULE = config.test_settings
test: $(DEV_STAMP) $(PEERS_STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest $(PYTEST_PARALLEL)

# The whole suite again on PostgreSQL (the server must be running; .ci/run starts it).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
test-postgres: export DJANGO_SETTINGS_MODULE = config.test_settings
test-postgres: export DATABASE_URL = $(TEST_DATABASE_URL)
test-postgres: $(DEV_STAMP)
	$(PY) manage.py check
	$(PY) -m pytest $(PYTEST_PARALLEL)

# Two app servers (make serve) on one PostgreSQL database and a Redis of their own, tested through
# HTTP (tests/cluster/test_cluster.py, docs/deploy.md). Needs PostgreSQL running and redis-server
# installed; CLUSTER_DATABASE_URL, CLUSTER_PORTS and CLUSTER_REDIS_PORT choose where. The bound
# (30 minutes) only ends a hung run: it takes a few minutes, more on a busy machine.
test-cluster: export DJANGO_SETTINGS_MODULE = config.test_settings
test-cluster: export CLUSTER_TESTS = 1
test-cluster: $(DEV_STAMP)
	timeout -k 60 1800 $(PY) -m pytest tests/cluster -n 0 -p no:cacheprovider -v -s

# Production-style serving (docs/deploy.md): migrate, import the courses, collect the hashed and
# compressed static files, then gunicorn with the access log on stdout. Needs DJANGO_SECRET_KEY.
WORKERS ?= $(or $(GUNICORN_WORKERS),$(WEB_CONCURRENCY),$(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 + 1 ))))
BIND ?= 127.0.0.1:$(PORT)
# Seconds a worker may spend on one request before gunicorn restarts it.
GUNICORN_TIMEOUT ?= 30
COURSE_FILES ?= fixtures/*.md
serve: export DJANGO_ENV_FILE =
serve: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_course $(COURSE_FILES)
	$(PY) manage.py collectstatic --no-input --verbosity 0
	exec $(VENV)/bin/gunicorn config.wsgi --bind $(BIND) --workers $(WORKERS) \
		--no-control-socket --access-logfile - --error-logfile - --timeout $(GUNICORN_TIMEOUT)

# The benchmark (docs/performance.md): gunicorn with 2 workers under wrk, bounded in time.
bench: $(STAMP)
	$(PY) bench/run.py

# The app at REF (git archive into a temporary directory) beside this checkout, interleaved
# round by round (bench/compare.py, docs/performance.md). BENCH_ROUNDS and BENCH_DURATION apply.
bench-compare: $(STAMP)
	@if [ -z "$(REF)" ]; then echo "usage: make bench-compare REF=<git ref>" >&2; exit 2; fi
	$(PY) bench/compare.py $(REF)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles bench/peer/.venv
