# Development tasks. CI runs `make test` through .ci/run.
#
#   make venv    create .venv and install the package with its test and docs extras
#   make test    lint and docs, then the test suite on SQLite, on PostgreSQL (without and with
#                prepared statements, and on the ORM token store), the fleet tests, then on Django 4.2
#   make test-fleet  the demo's servers behind HAProxy, through PgBouncer and under uvicorn
#   make browser-deps  install Debian's chromium for the browser tests (as root) if missing
#   make fleet-deps    install Debian's haproxy and pgbouncer for the fleet tests (as root) if missing
#   make screenshots   rerun the browser tests, saving docs/_static/screenshots/*.png
#   make lint    ruff, ruff format --check, missing-migration check, mypy
#   make docs    build the HTML docs, warnings as errors
#   make demo    seed and run the demo: hotel site on http://127.0.0.1:8000/, partner app on :8001
#                (installs the package with its demo extra only, unless .venv has everything)
#   make demo-walkthrough  run every grant against the running demo, headless
#   make bench   benchmark both token stores against plain django-oauth-toolkit on SQLite and PostgreSQL,
#                then one server against two behind HAProxy
#   make clean   remove the virtualenv, caches and build output

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The PostgreSQL run uses the same variables as tests/settings.py.
PGHOST ?= 127.0.0.1
PGPORT ?= 5432
PGUSER ?= postgres
export PGHOST PGPORT PGUSER

# Extra pytest arguments, e.g. make test-sqlite PYTEST_ARGS="-k refresh -x".
PYTEST_ARGS ?=
LINT_PATHS := oauth_provider tests example_project
# Other addresses work too (make demo DEMO_ADDR=127.0.0.1:9000 DEMO_CLIENT_ADDR=127.0.0.1:9001);
# the clients' redirect URIs follow. DEMO_DATABASE=postgres runs the hotel site on PostgreSQL.
DEMO_ADDR ?= 127.0.0.1:8000
DEMO_CLIENT_ADDR ?= 127.0.0.1:8001
DEMO := cd example_project && DEMO_ADDR=$(DEMO_ADDR) DEMO_CLIENT_ADDR=$(DEMO_CLIENT_ADDR) ../$(BIN)/python manage.py

.PHONY: venv demo-venv test test-sqlite test-postgres test-django42 test-fleet browser-deps fleet-deps screenshots lint docs demo demo-walkthrough bench clean

venv: $(STAMP)

# Re-install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test,docs]'
	touch $@

# The demo needs the package and its demo extra only (plus the postgres extra on PostgreSQL),
# not the test and docs extras: a fresh clone's `make demo` starts sooner. A .venv that `make
# venv` filled already has all of it.
comma := ,
DEMO_EXTRAS := demo$(if $(filter postgres,$(DEMO_DATABASE)),$(comma)postgres)
DEMO_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(DEMO_EXTRAS))

demo-venv: $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then \
		echo "$(VENV) already has the test extras, which include the demo's and psycopg"; \
	else \
		echo "$(BIN)/python -m pip install -e '.[$(DEMO_EXTRAS)]'"; \
		$(BIN)/python -m pip install -e '.[$(DEMO_EXTRAS)]' || exit 1; \
	fi
	touch $@

test: venv
	$(MAKE) --no-print-directory browser-deps
	$(MAKE) --no-print-directory fleet-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory docs
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-fleet
	$(MAKE) --no-print-directory test-django42

# pytest exits with 5 when it collects no tests; make treats that as a failure too.
# The row-lock race tests (marker "postgres") need PostgreSQL and run in test-postgres.
# The fleet tests (marker "fleet") start servers of their own and run once, in test-fleet.
test-sqlite: venv
	$(BIN)/python -m pytest -m 'not postgres and not fleet' $(PYTEST_ARGS)

# The suite runs three times on PostgreSQL: as Django connects by default, then with psycopg's
# prepared statements on, then on the ORM token store (TOKEN_STORE "orm"; tests/settings.py).
# The demo tests run servers of their own, so the later runs leave them out.
# Runs a server of its own on a SQLite file (IMMEDIATE transactions need Django 5.1+): in the
# SQLite run only.
SQLITE_ONLY := --ignore=tests/test_sqlite_concurrency.py
VARIANT_RUN := -m 'not browser and not quickstart and not fleet' --ignore=tests/test_demo_walkthrough.py \
	--ignore=tests/test_demo_schemathesis.py $(SQLITE_ONLY)

# Unreachable PostgreSQL fails the build in CI (CI set) and is skipped locally.
# The browser tests (marker "browser") run on SQLite only: they test pages, not the database;
# so does the README's quickstart (marker "quickstart"), which builds a site of its own.
test-postgres: venv
	@if $(BIN)/python -c "import psycopg; psycopg.connect(dbname='test', connect_timeout=3).close()" 2>/dev/null; then \
		echo "TEST_DATABASE=postgres $(BIN)/python -m pytest -m 'not browser and not quickstart and not fleet' $(SQLITE_ONLY) $(PYTEST_ARGS)"; \
		TEST_DATABASE=postgres $(BIN)/python -m pytest -m 'not browser and not quickstart and not fleet' $(SQLITE_ONLY) $(PYTEST_ARGS) || exit 1; \
		echo "TEST_DATABASE=postgres TEST_PREPARED_STATEMENTS=1 $(BIN)/python -m pytest $(VARIANT_RUN) $(PYTEST_ARGS)"; \
		TEST_DATABASE=postgres TEST_PREPARED_STATEMENTS=1 $(BIN)/python -m pytest $(VARIANT_RUN) $(PYTEST_ARGS) || exit 1; \
		echo "TEST_DATABASE=postgres TEST_TOKEN_STORE=orm $(BIN)/python -m pytest $(VARIANT_RUN) $(PYTEST_ARGS)"; \
		TEST_DATABASE=postgres TEST_TOKEN_STORE=orm $(BIN)/python -m pytest $(VARIANT_RUN) $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
		echo "error: PostgreSQL not reachable at $(PGHOST):$(PGPORT) (user $(PGUSER), database test); CI needs it." >&2; \
		exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PGHOST):$(PGPORT); skipping the PostgreSQL run"; \
	fi

# The oldest supported Django, through tox.ini, on SQLite. The browser and demo tests are
# left to the main runs: they test pages and processes, not Django's version.
test-django42: venv
	$(BIN)/tox -e py311-django42-sqlite -- -m 'not browser and not postgres and not fleet' \
		--ignore=tests/browser --ignore=tests/test_demo_walkthrough.py --ignore=tests/test_demo_schemathesis.py \
		--ignore=tests/test_mcp.py \
		$(SQLITE_ONLY) $(PYTEST_ARGS)

# The browser tests drive Debian's chromium through Playwright; Playwright's own browser
# download is not used. Installing needs root (as in CI). Without it the browser tests are
# skipped locally; in CI (CI set) they fail, and so does this target.
browser-deps:
	@if [ -x /usr/bin/chromium ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "apt-get install -y chromium"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	elif [ -n "$$CI" ]; then \
		echo "error: /usr/bin/chromium is missing and installing it needs root; CI runs the browser tests." >&2; \
		exit 1; \
	else \
		echo "/usr/bin/chromium is missing (sudo make browser-deps installs it); the browser tests will be skipped."; \
	fi

# The fleet tests (marker "fleet", tests/fleet.py) put a real HAProxy in front of several
# servers of the demo, and a real PgBouncer in front of PostgreSQL; both come from Debian's
# packages, installed like chromium above. Debian's packages would start a service of their
# own where the system allows it; the tests start their own processes on free ports.
fleet-deps:
	@if [ -x /usr/sbin/haproxy ] && [ -x /usr/sbin/pgbouncer ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "apt-get install -y haproxy pgbouncer"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy pgbouncer; \
	elif [ -n "$$CI" ]; then \
		echo "error: haproxy or pgbouncer is missing and installing them needs root; CI runs the fleet tests." >&2; \
		exit 1; \
	else \
		echo "haproxy or pgbouncer is missing (sudo make fleet-deps installs them); the fleet tests will be skipped."; \
	fi

# The fleet tests: two servers of the demo behind HAProxy, the demo through PgBouncer and on
# Django's connection pool, and under uvicorn (tests/fleet.py, docs/deployment.rst). They need
# PostgreSQL and Redis (Redis database TEST_FLEET_REDIS_DB, default 10, under key prefixes of
# their own) and skip locally without them, or without haproxy and pgbouncer.
test-fleet: venv fleet-deps
	$(BIN)/python -m pytest -m fleet $(PYTEST_ARGS)

# The screenshots in the docs come from the browser tests; they are written only here.
screenshots: venv browser-deps
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	PYTHONPATH=. DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m django makemigrations --check --dry-run
	$(BIN)/mypy oauth_provider

docs: venv
	$(BIN)/sphinx-build -W -b html docs docs/_build/html

# Migrates and seeds, then serves both sites until Ctrl-C (demo/management/commands/run_demo.py).
demo: demo-venv
	$(DEMO) run_demo

demo-walkthrough: demo-venv
	$(DEMO) walkthrough --settings=partner.settings

# Extra arguments for bench/run.py, e.g. make bench BENCH_ARGS="--rounds 5 --duration 5", and
# for bench/fleet.py, e.g. BENCH_FLEET_ARGS="--workers 1".
BENCH_ARGS ?=
BENCH_FLEET_ARGS ?=

# wrk comes from Debian's packages (installing it needs root); gunicorn, psycopg and redis
# from the bench extra, installed into .venv without the test and docs extras. The sites
# keep their cache in Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/7, emptied
# at the start), which must be running. PostgreSQL is skipped when unreachable (PGHOST,
# PGPORT, PGUSER). Each scenario runs on this package's sql and orm token stores and on
# django-oauth-toolkit; BENCH_ARGS="--store sql" leaves the orm store out. Then bench/fleet.py
# measures one server against two behind HAProxy (fleet-deps installs it) on PostgreSQL. See
# docs/performance.rst.
bench: fleet-deps
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } || \
		{ echo "error: wrk is missing; install it (Debian: apt-get install wrk)" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c "import oauth_provider, gunicorn, psycopg, redis" 2>/dev/null || \
		$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python bench/run.py --db sqlite --db postgres $(BENCH_ARGS)
	$(BIN)/python bench/limiter.py
	$(BIN)/python bench/fleet.py $(BENCH_FLEET_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build .pytest_cache .mypy_cache .ruff_cache .tox
	rm -f example_project/db.sqlite3 example_project/partner.sqlite3
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
