# make run: install and start the demo on SQLite.  make test: install test tools and run everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run install install-test test lint format demo clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/activate
	$(BIN)/pip install --quiet -e .

# The single sign-on tests sign in through a real OpenID provider on Node.js (they skip without it).
install-test: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/oidc_provider --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the single sign-on tests will skip (apt-get install nodejs npm)"; fi

demo: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty

run: demo
	@echo ""
	@echo "Register of interests running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Types (mypy, configured in pyproject.toml) and the import contracts (lint-imports: the pure
# matching engine, services without Flask, no cycles between packages) are part of lint.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -r register -q
	$(BIN)/mypy register
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite on SQLite and, when TEST_DATABASE_URL names a PostgreSQL server (CI sets it),
# every test that stands on the app again on PostgreSQL. The two passes run side by side (each
# test process has its own PostgreSQL database). The quick benches (at the quick size they check
# what they print, not how fast: the targets apply at full size) are shared out to end the two
# at about the same time: the screening-at-scale and load benches follow the PostgreSQL pass,
# the others end the SQLite pass. Each pass lists its slowest tests.
BENCHES = tests/test_bench_*.py
SCALE_BENCHES = tests/test_bench_screening_scale.py tests/test_bench_load.py
PYTEST = $(BIN)/python -m pytest -q --durations=15
test: lint
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "SQLite pass beside the PostgreSQL pass and the benches at scale (output below when all have finished)"; \
	  rm -f .test-benches.log; \
	  $(PYTEST) $(addprefix --ignore=,$(SCALE_BENCHES)) > .test-sqlite.log 2>&1 & sqlite=$$!; \
	  ( TEST_DATABASE=postgresql $(PYTEST) --ignore-glob='$(BENCHES)' > .test-postgresql.log 2>&1 \
	    && $(PYTEST) $(SCALE_BENCHES) > .test-benches.log 2>&1 ) & postgresql=$$!; \
	  wait $$sqlite; sqlite_status=$$?; wait $$postgresql; postgresql_status=$$?; \
	  echo "== SQLite pass"; cat .test-sqlite.log; \
	  echo "== PostgreSQL pass"; cat .test-postgresql.log; \
	  echo "== Benches"; cat .test-benches.log 2>/dev/null || echo "not run: the PostgreSQL pass failed"; \
	  [ $$sqlite_status -eq 0 ] && [ $$postgresql_status -eq 0 ] || exit 1; \
	elif [ "$$CI" = "true" ]; then \
	  echo "CI needs TEST_DATABASE_URL for the PostgreSQL pass" >&2; exit 1; \
	else \
	  echo "PostgreSQL pass not run: set TEST_DATABASE_URL (bash .ci/run sets it up)"; \
	  $(PYTEST); \
	fi

clean:
	rm -rf instance .pytest_cache .test-sqlite.log .test-postgresql.log .test-benches.log
