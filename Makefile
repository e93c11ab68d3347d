# nhansu — two commands: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck unit contract integration replay api bench lock chaos \
        services-up services-down worker clean browser web

# Every dependency comes pinned with its SHA-256 from requirements/dev.lock (made from
# pyproject.toml by `make lock`); the project itself is then installed without dependencies.
$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## Re-pin every dependency with hashes after pyproject.toml changes: requirements/dev.lock
## (make test, make demo, CI) and requirements/main.lock (the production image, no extras).
LOCK_TOOL := $(VENV)-lock
lock:
	$(PYTHON) -m venv $(LOCK_TOOL)
	$(LOCK_TOOL)/bin/pip install --quiet pip-tools
	$(LOCK_TOOL)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev \
		--output-file requirements/dev.lock pyproject.toml
	$(LOCK_TOOL)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		--output-file requirements/main.lock pyproject.toml

## The worked example on embedded PostgreSQL and the Temporal dev server.
demo: $(STAMP)
	$(BIN)/nhansu demo

## Every check and every test tier, on real PostgreSQL and a real Temporal server.
test: $(STAMP) check browser
	$(BIN)/pytest -p no:cacheprovider

## Headless Chromium and its driver from Debian's packages, for the web interface's tests
## (tests/web). Nothing is done when they are installed already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
		echo "chromium, chromedriver: đã cài"; \
	else \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			chromium chromium-driver; \
	fi

## The web interface in a real browser (screenshots in tests/web/artifacts/).
web: $(STAMP) browser
	$(BIN)/pytest tests/web -p no:cacheprovider

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

unit: $(STAMP)
	$(BIN)/pytest -m unit -p no:cacheprovider

contract: $(STAMP)
	$(BIN)/pytest tests/contract -p no:cacheprovider

integration: $(STAMP)
	$(BIN)/pytest tests/integration -p no:cacheprovider

replay: $(STAMP)
	$(BIN)/pytest tests/replay -p no:cacheprovider

## The HTTP API through HTTP: access matrix, idempotency, schemathesis, CLI parity. ~1 min.
api: $(STAMP)
	$(BIN)/pytest tests/api -p no:cacheprovider

## Plans through the HTTP API while the worker is SIGKILLed and PostgreSQL, Temporal and the
## API are restarted: 0 lost, 0 doubled, chains and read models checked. The default test run
## has a short tier of it; this is the long one. ~5 min.
chaos: $(STAMP)
	NHANSU_CHAOS=long $(BIN)/pytest tests/chaos -p no:cacheprovider -s

## This store beside the eventsourcing library and raw asyncpg, on one PostgreSQL (embedded, or
## BENCH_DATABASE_URL), then load through the HTTP API (20 plans at once, p50/p95/p99 per
## operation) and, on the same servers, the command path beside a bare Temporal Update
## (bench/api_load.py): one run, written to bench/results.md and bench/results.json. 8-12 min.
bench: $(STAMP)
	$(BIN)/python -m bench

## Start / stop the embedded PostgreSQL and Temporal dev server (state in .nhansu/).
services-up: $(STAMP)
	$(BIN)/nhansu services start

services-down: $(STAMP)
	$(BIN)/nhansu services stop

worker: $(STAMP)
	$(BIN)/nhansu worker

clean:
	-$(BIN)/nhansu services stop
	rm -rf $(VENV) .nhansu .pytest_cache .mypy_cache .ruff_cache
