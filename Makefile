# Clearway: `make demo` to try it, `make test` to check it. Everything installs into .venv.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha256sum | cut -c1-12)
PGDIR ?= $(CURDIR)/.pgtest
PGPORT ?= 55432
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck bench clean system-deps audit lock

install: $(STAMP) system-deps

# Every dependency at the version and with the file hashes of requirements.lock (pip refuses any other file);
# then the project itself, without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

# Re-pin after a change of pyproject.toml's dependencies: pins already in the lock are kept (uv --upgrade moves them).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 --quiet -o requirements.lock

# Debian packages the tests need: Chromium for the browser tests, wrk for the load benchmark; patroni, etcd and
# pgbackrest for the high-availability and restore drills (scripts/pgha.sh); nats-server for the event stream; nginx in front of several API processes.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v wrk >/dev/null || ! command -v patroni >/dev/null \
	  || ! command -v etcd >/dev/null || ! command -v pgbackrest >/dev/null || ! command -v nats-server >/dev/null || ! test -x /usr/sbin/nginx; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk patroni etcd-server etcd-client pgbackrest nats-server nginx >/dev/null; \
	  else echo "install the Debian packages (sudo apt-get install chromium wrk patroni etcd-server etcd-client pgbackrest nats-server nginx)"; exit 1; fi; \
	fi
	@# OpenJDK for batch scoring on Spark (clearway.risk.ml.spark, tests/scaleout, benchmarks/spark_scoring.py).
	@command -v java >/dev/null || if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "install the Debian package (sudo apt-get install openjdk-17-jre-headless)"; exit 1; fi

# The demo needs neither Chromium nor wrk (only the tests and the load benchmark do).
demo: $(STAMP)
	$(BIN)/clearway demo --host 127.0.0.1 --port 8000

test: install
	@scripts/pgcluster.sh stop $(PGDIR) >/dev/null 2>&1 || true
	@url=$$(PG_EXTRA_OPTS="-c fsync=off -c full_page_writes=off" scripts/pgcluster.sh start $(PGDIR) $(PGPORT)) && \
	  trap 'scripts/pgcluster.sh stop $(PGDIR)' EXIT && \
	  $(BIN)/ruff check src tests benchmarks && $(BIN)/mypy && \
	  CLEARWAY_TEST_PG_URL=$$url CLEARWAY_REQUIRE_PG=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# Known vulnerabilities in the locked dependencies (every pin of requirements.lock): with ADVISORY_DB=<folder of
# OSV JSON> offline, else through pip-audit's service. Exit 2 (a failure) when nothing or not everything was checked.
audit: install
	$(BIN)/python scripts/dependency_audit.py --requirements requirements.lock $(if $(ADVISORY_DB),--advisory-db $(ADVISORY_DB))

bench: install
	$(BIN)/python benchmarks/api_lodge.py

clean:
	rm -rf $(VENV) .pgtest clearway.db* .pytest_cache
