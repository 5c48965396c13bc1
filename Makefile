# Every target installs what it needs (uv from PyPI if missing, then the locked venv).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# One Python for image, tests and Pulumi (README: "Why Python 3.12"). A pyenv 3.12 if the
# machine has one, else whatever python3.12 uv finds or downloads.
export UV_PYTHON ?= $(or $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12))),3.12)
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
UV := python3 -m uv
RUN := $(UV) run --locked --all-groups --no-sync

.PHONY: help uv venv test lint typecheck pytest
.PHONY: bench drills

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv

venv: uv ## Create/refresh .venv from uv.lock (all groups)
	@$(UV) sync --locked --all-groups --quiet

test: venv lint typecheck pytest ## The whole offline gate: ruff, pyright, pytest (+coverage)

lint: venv ## ruff lint + format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

typecheck: venv ## pyright on app/, infra/, ops/, tests/
	$(RUN) pyright

pytest: venv ## pytest against a throwaway PostgreSQL cluster
	$(RUN) pytest --cov --cov-report=term --cov-fail-under=85

# wrk from Debian when it is missing (root only); otherwise bench falls back to its Python
# load generator and says so in the JSON (`tool`).
bench: venv ## Benchmarks vs a bare WSGI app: cold start, throughput, DB page at c=80, deps size
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
	  || apt-get install -y -qq wrk >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
	  || echo "wrk could not be installed: using the Python load generator"
	$(RUN) python -m bench $(BENCH_ARGS)

drills: venv ## Fault drills only (they also run in make test)
	$(RUN) pytest tests/drills -v
