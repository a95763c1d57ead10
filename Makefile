# The two commands a newcomer needs: `make demo` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
RESIDENTS ?= 60000
SEED ?= 42
PORT ?= 8501
DATA ?= data
# The demo borough's last extract is dated 2026-01-05: judge its freshness on that day.
DEMO_AS_OF ?= 2026-01-05
export UV_LINK_MODE := copy
# Compile every installed module once, at install: where PYTHONDONTWRITEBYTECODE is set (it was on
# the machine the benchmarks ran on) Python would otherwise compile dagster, dbt and pandas again in
# every process, several seconds for each build and each dbt step.
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: help env demo generate build accounts serve test bench dagster docs clean

help:
	@echo "make demo   generate the demo borough ($(RESIDENTS) residents), build the warehouse, serve it on http://127.0.0.1:$(PORT)"
	@echo "make test   run the whole test suite"
	@echo "make bench  time the full build stage by stage, the nightly rebuild and peak memory at 300,000 residents (BENCH_RESIDENTS=N)"
	@echo "make dagster  open the Dagster UI on http://127.0.0.1:3000"
	@echo "make docs   generate and serve the dbt docs on http://127.0.0.1:8080"

# uv comes from PyPI into a folder of its own, so nothing is installed outside the project.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(VENV)/.synced
	@$(BIN)/python -m orchestration.instance $(DAGSTER_HOME)

$(DATA)/.generated-$(RESIDENTS)-$(SEED): | env
	rm -rf $(DATA)/extracts $(DATA)/truth $(DATA)/.generated-*
	$(BIN)/council generate --residents $(RESIDENTS) --seed $(SEED) --out $(DATA)
	@touch $@

generate: $(DATA)/.generated-$(RESIDENTS)-$(SEED)

build: generate
	COUNCIL_AS_OF=$(DEMO_AS_OF) $(BIN)/council build --data $(DATA)

# Demo sign-ins with fresh random passwords, printed once (only their hashes are kept).
accounts: env
	$(BIN)/council users demo --data $(DATA)

serve: env
	COUNCIL_AS_OF=$(DEMO_AS_OF) $(BIN)/council serve --warehouse $(DATA)/warehouse.duckdb --port $(PORT)

demo: build accounts serve

test: env
	bash scripts/install-browser.sh
	$(BIN)/pytest

# Figures and the machine they were measured on go in bench/RESULTS.md.
bench: BENCH_RESIDENTS ?= 300000
bench: env
	$(BIN)/council bench --residents $(BENCH_RESIDENTS) --json

dagster: env
	COUNCIL_AS_OF=$(DEMO_AS_OF) $(BIN)/dagster dev -h 127.0.0.1 -p 3000

docs: env
	$(BIN)/dbt docs generate --profiles-dir . && $(BIN)/dbt docs serve --profiles-dir . --host 127.0.0.1 --port 8080

clean:
	rm -rf $(VENV) $(TOOLS) target logs .dagster_home artifacts
