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

.PHONY: help run test test-postgres lint format check serve bench clean install

help:
	@echo "make run    install, migrate, import the course and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run the whole suite (checks, lint, tests)"
	@echo "make serve  production-style serving with gunicorn (see docs/deploy.md)"
	@echo "make bench  the benchmark (see docs/performance.md)"
	@echo "make test-postgres  the test suite on PostgreSQL (DATABASE_URL, see docs/deploy.md)"

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

run: export DJANGO_DEBUG = true
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_course fixtures/*.md
	@echo ""
	@echo "  The course is served on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: export DJANGO_SETTINGS_MODULE = config.test_settings
test: $(DEV_STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

# The whole suite again on PostgreSQL (the server must be running; .ci/run starts it).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
test-postgres: export DJANGO_SETTINGS_MODULE = config.test_settings
test-postgres: export DATABASE_URL = $(TEST_DATABASE_URL)
test-postgres: $(DEV_STAMP)
	$(PY) manage.py check
	$(PY) -m pytest

# Production-style serving (docs/deploy.md): migrate, import the courses, collect the hashed and
# compressed static files, then gunicorn with the access log on stdout. Needs DJANGO_SECRET_KEY.
WORKERS ?= $(or $(GUNICORN_WORKERS),$(WEB_CONCURRENCY),$(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 + 1 ))))
BIND ?= 127.0.0.1:$(PORT)
COURSE_FILES ?= fixtures/*.md
serve: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_course $(COURSE_FILES)
	$(PY) manage.py collectstatic --no-input --verbosity 0
	exec $(VENV)/bin/gunicorn config.wsgi --bind $(BIND) --workers $(WORKERS) \
		--no-control-socket --access-logfile - --error-logfile - --timeout 30

# The benchmark (docs/performance.md): gunicorn with 2 workers under wrk, bounded in time.
bench: $(STAMP)
	$(PY) bench/run.py

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
