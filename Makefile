# factcheck: `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

# The first Python >= 3.12: python3.14/3.13/3.12 on PATH, then pyenv's versions, then python3.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.*/bin/python3 2>/dev/null | sort -rV) python3; do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { command -v $$c; break; }; done)

# Settings for the test run: DEBUG off as in production, but plain HTTP and unhashed static files.
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=test-only-not-a-secret DJANGO_HTTPS=0 DJANGO_STATIC_MANIFEST=0 \
	DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: help venv run serve loadtest demo test test-fast test-browser lint format bench bench-search screenshots messages replica replica-stop clean

help:
	@echo "make run           install, migrate, load the demo and serve on http://127.0.0.1:8000 (with the import worker)"
	@echo "make serve         production mode: check the settings, migrate, collect static files, gunicorn"
	@echo "make test          the whole test suite (browser tests included)"
	@echo "make test-fast     the suite without browser tests"
	@echo "make lint          ruff check and format check"
	@echo "make screenshots   refresh the screenshots in docs/"
	@echo "make bench         performance figures as JSON (SQLite and PostgreSQL, about ten minutes)"
	@echo "make loadtest      50 simulated desk members for 2 minutes against make serve's gunicorn on PostgreSQL"
	@echo "make bench-search  only the desk search at 10,000 articles and 100,000 verdicts (its part of make bench)"
	@echo "make messages      collect the interface's strings into locale/ur/*.po (translate new ones there) and compile them"
	@echo "make replica       a streaming replica of the local PostgreSQL on port 5433 (root; make replica-stop stops it)"

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then echo "factcheck needs Python 3.12 or newer; none was found (tried python3.14/3.13/3.12, pyenv, python3)." >&2; exit 1; fi
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then rm -rf $(VENV); fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py load_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py schedule_reminders
	@# The worker runs the background work (large imports, source archiving, notification e-mails
	@# and the daily due-date reminder); it stops with the server.
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(BIN)/python manage.py db_worker --interval 0.5 --no-reload --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Production mode (DEBUG off): the settings it needs are checked first (`check --deploy` must find
# nothing), and that the database is migrated (by its owner: the app's role may not), then
# collectstatic and gunicorn with factcheck/gunicorn_config.py. Run the task worker beside it
# (`manage.py db_worker`, see the README).
serve: $(STAMP)
	@if [ "$${DJANGO_DEBUG:-0}" != "0" ]; then echo "make serve runs with DJANGO_DEBUG=0 (make run is the demo)." >&2; exit 1; fi
	DJANGO_DEBUG=0 $(BIN)/python manage.py check --deploy --fail-level WARNING
	@DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --check >/dev/null || { echo "The database is not migrated:" \
	  "run manage.py migrate as the database's owner (README: Two database roles), or make run for the demo." >&2; exit 1; }
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	DJANGO_DEBUG=0 exec $(BIN)/gunicorn -c python:factcheck.gunicorn_config

test: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One JSON document on stdout (progress on stderr); see bench/RESULTS.md.
BENCH_ENV := DJANGO_SECRET_KEY=bench-only DJANGO_HTTPS=0 DJANGO_STATIC_MANIFEST=0 DJANGO_DEBUG=0 \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost

bench: $(STAMP)
	@$(BENCH_ENV) $(BIN)/python bench/run.py

# Only the desk search at newsroom size (part of `make bench`): 10,000 articles, 100,000 verdicts.
bench-search: $(STAMP)
	@$(BENCH_ENV) $(BIN)/python bench/run.py --only search

screenshots: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest -m screenshot --screenshots -p no:cacheprovider tests/browser/test_screenshots.py

# A real streaming replica of the local PostgreSQL (127.0.0.1:5432) on 127.0.0.1:5433, for
# tests/test_replica.py (FACTCHECK_TEST_REPLICA_URL) and for trying DATABASE_REPLICA_URL; see .ci/replica.
# The Urdu catalogue (issue 20): makemessages collects every string marked in the code, the
# templates and the JavaScript into locale/ur/LC_MESSAGES/*.po, where new ones are translated;
# compilemessages writes the .mo files Django serves (committed, so nothing compiles at run time).
# Needs GNU gettext (apt-get install gettext). tests/test_translations.py fails when they lag.
MESSAGES_IGNORE := --ignore=.venv --ignore=venv --ignore=node_modules --ignore=staticfiles --ignore=tests \
	--ignore=bench --ignore=docs --ignore=.ci --ignore=locale
messages: $(STAMP)
	$(TEST_ENV) $(BIN)/python manage.py makemessages -l ur -d django --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(TEST_ENV) $(BIN)/python manage.py makemessages -l ur -d djangojs --no-obsolete --add-location=file $(MESSAGES_IGNORE)
	$(TEST_ENV) $(BIN)/python manage.py compilemessages -l ur --ignore=.venv --ignore=venv

replica:
	.ci/replica start
	@echo "Tests: FACTCHECK_TEST_REPLICA_URL=$$(.ci/replica url); the app: DATABASE_REPLICA_URL=$$(.ci/replica url factcheck)"

replica-stop:
	.ci/replica stop

clean:
	rm -rf $(VENV) .pytest_cache staticfiles

# A desk under load (bench/loadtest.py, bench/locustfile.py): 50 users for 2 minutes against
# make serve's gunicorn, on PostgreSQL (LOADTEST_ARGS="--replica postgres://postgres@127.0.0.1:5433"
# runs it again with a streaming replica).
loadtest: $(STAMP)
	@$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)
