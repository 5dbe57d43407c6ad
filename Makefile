# Two commands for a newcomer: `make run` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python

# Offline by default: no telemetry, Prefect's home inside data/ unless the user set one.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/data/prefect
export UV_PYTHON_DOWNLOADS := never

# The browser test and the printed-report test use Debian's chromium (driven by Playwright, which
# never downloads a browser of its own) and LibreOffice; poppler-utils reads the PDFs it prints.
# "command:package" pairs, installed with apt-get when the command is missing (CI runs as root).
SYSTEM_TOOLS := chromium:chromium libreoffice:libreoffice-calc pdfinfo:poppler-utils

.PHONY: help setup system run test test-fast lint bench eval samples docs clean up down

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode compiled at install: where it is not written at run time (PYTHONDONTWRITEBYTECODE,
# a read-only install), every command would otherwise compile each module it imports.
$(VENV)/.synced: pyproject.toml uv.lock Makefile | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	$(PY) -m compileall -q screening flows faces
	@touch $@

setup: $(VENV)/.synced ## install the locked dependencies into .venv

system: ## install chromium, libreoffice-calc and poppler-utils from Debian when missing
	@missing=$$(for pair in $(SYSTEM_TOOLS); do command -v $${pair%%:*} >/dev/null || echo $${pair#*:}; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing from Debian:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "make test needs Debian packages that are missing:" $$missing "-" \
	      "install them (sudo apt-get install --no-install-recommends" $$missing") and run make test again." >&2; \
	    exit 1; \
	  fi; \
	fi

run: setup ## ingest the bundled sample portfolios into data/warehouse.duckdb, write a workbook in data/reports/
	$(VENV)/bin/screening ingest data/samples/*.xlsx
	$(VENV)/bin/screening ingest --channel humanitarian data/samples/humanitarian_south_sudan.csv
	$(VENV)/bin/screening ingest --channel bilateral data/samples/bilateral_uganda_export.csv
	$(VENV)/bin/screening status
	$(VENV)/bin/screening report
	@echo
	@echo "Next: .venv/bin/screening query \"SELECT * FROM summary_gender_shares\""
	@echo "      .venv/bin/screening explain PROJECT_ID     (tables: docs/data-dictionary.md)"

test: setup system ## run the whole test suite (slow end-to-end, browser and printing tests included), ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2 --dist loadgroup

test-fast: setup ## the tests without the slow end-to-end ones
	$(VENV)/bin/pytest -n 2 -m "not slow"

lint: setup ## ruff and mypy (the type check of screening/, flows/ and faces/)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: setup ## print speed figures beside their baselines (see bench/; BENCH_QUICK=1 for a quick run)
	$(PY) -m bench $(if $(filter 1,$(BENCH_QUICK)),--quick)

LABELS ?= ../shared/labelled/real_dev.csv
eval: setup ## agreement with evaluators' labels (LABELS=...), beside the naive keyword rule
	$(VENV)/bin/screening evaluate $(LABELS)

samples: setup ## regenerate data/samples/ from scripts/make_samples.py
	$(PY) scripts/make_samples.py

clean: ## remove the runtime data (warehouse, snapshot, archive, inbox, work files, reports)
	rm -rf data/warehouse.duckdb* data/published data/archive data/work data/prefect data/inbox data/reports

up: setup ## run the whole system in the background: Prefect server, workers, upload page, schedules
	$(VENV)/bin/screening up $(UP_ARGS)

down: ## stop what `make up` started
	$(VENV)/bin/screening down
