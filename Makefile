# Every target installs what it needs: uv (from PATH, else a private copy under .local/uv,
# see .ci/uv; never into the system Python), then the locked venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# One Python for image, tests and Pulumi (README: "Why Python 3.12"). A pyenv 3.12 if the
# machine has one, else whatever python3.12 uv finds or downloads.
export UV_PYTHON ?= $(or $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12))),3.12)
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
UV := $(CURDIR)/.ci/uv
RUN := $(UV) run --locked --all-groups --no-sync

.PHONY: help uv venv test lint typecheck pytest fmt migrations-check
.PHONY: bench drills
.PHONY: run collectstatic

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

uv:
	@$(UV) --version >/dev/null

venv: uv ## Create/refresh .venv from uv.lock (all groups)
	@$(UV) sync --locked --all-groups --quiet

test: venv lint typecheck pytest ## The whole offline gate: ruff, pyright, pytest (+coverage)

lint: venv ## ruff lint + format check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

fmt: venv ## Fix what ruff can: imports, lint autofixes, formatting
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

# Also part of `make pytest` (tests/governance/test_migrations.py); CI may call it alone.
migrations-check: venv ## makemigrations --check + migration linter (destructive ops need a contract_ name)
	$(RUN) pytest tests/governance/test_migrations.py -q --no-cov -p no:cacheprovider

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

# `make run`: the app on this machine (app/core/management/commands/runlocal.py), on
# PostgreSQL like production: DB_HOST from the environment or .env, else a cluster of its
# own under .local/postgres, else SQLite (announced). LOCAL_PORT=9000 to move it;
# RUN_ARGS=--database=sqlite to skip PostgreSQL.
LOCAL_PORT ?= 8000
run: venv ## Serve the app locally on PostgreSQL (migrated, seeded); prints its URL once bound
	@cd app && DJANGO_SETTINGS_MODULE=config.settings.local $(RUN) python manage.py runlocal \
	  --port $(LOCAL_PORT) $(RUN_ARGS)

collectstatic: venv ## Collect static files as the image build does (production storage)
	cd app && DJANGO_SETTINGS_MODULE=config.settings.production \
	  DJANGO_SECRET_KEY=collectstatic-placeholder-not-a-secret-never-used-at-runtime \
	  DJANGO_ALLOWED_HOSTS=build.invalid DB_HOST=build.invalid \
	  $(RUN) python manage.py collectstatic --noinput --verbosity 0

# Offline plan of the Pulumi program under mocks: no CLI, no credentials (README: infra).
STACK ?= dev staging prod
.PHONY: plan plan-diff
plan: venv ## Offline plan: inventory + summary (STACK=prod; default all three stacks)
	$(RUN) python infra/plan.py $(STACK) $(PLAN_ARGS)

plan-diff: venv ## Offline diff of two stacks (A=staging B=prod)
	$(RUN) python infra/plan.py --diff $(or $(A),staging) $(or $(B),prod) $(PLAN_ARGS)

.PHONY: config-docs
config-docs: venv ## Regenerate the stack-file JSON Schema and README's key table from the model
	cd infra && $(RUN) python -m stack_config.docs --write

# Operations (README: operations). These drive the real Pulumi CLI and gcloud, except
# `bootstrap DRY_RUN=1`, which only reads and prints what it would do.
.PHONY: bootstrap policy-preview github-preview github-up
bootstrap: venv ## Per-stack state buckets, KMS keys, stacks (PROJECT= LOCATION= STATE_PREFIX= [GRANT_CI=1] [DRY_RUN=1])
	$(RUN) python -m ops.bootstrap --project "$(PROJECT)" --location "$(LOCATION)" \
	  --state-prefix "$(STATE_PREFIX)" $(if $(GRANT_CI),--grant-ci) $(if $(DRY_RUN),--dry-run) $(BOOTSTRAP_ARGS)

policy-preview: venv ## pulumi preview with the policy pack enforced (STACK=prod)
	@test "$(words $(STACK))" = 1 || { echo "give one stack: make policy-preview STACK=prod"; exit 2; }
	pulumi preview --stack "$(STACK)" --policy-pack infra/policy --diff

github-preview: venv ## Preview the GitHub settings project (infra/github, stack github)
	pulumi preview --cwd infra/github --stack github --diff

github-up: venv ## Apply the GitHub settings (environments, variables, branch rules)
	pulumi up --cwd infra/github --stack github

# The first Django superuser, or a reset of its password (README "First admin", RUNBOOK):
# runs the stack's admin job once its password secret has a version. Needs the stack's
# state (PULUMI_BACKEND_URL) and Google credentials that may run the job.
.PHONY: first-admin
first-admin: venv ## Create or reset the Django superuser in the cloud (STACK=prod)
	@test "$(words $(STACK))" = 1 || { echo "give one stack: make first-admin STACK=prod"; exit 2; }
	$(RUN) python -m ops.release.first_admin --stack "$(STACK)"
