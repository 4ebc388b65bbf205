# `make run` and `make test` work from a fresh clone: each sets up .venv first.
# `make run` installs what the system needs; the rest get the dev extra and the bench extra
# too (matplotlib: the plot of `make bench`, and its test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNNABLE := $(VENV)/.runnable
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format gateway bench clean

$(RUNNABLE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNNABLE)

$(INSTALLED): $(RUNNABLE)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(INSTALLED)

## run: backend on :9000 and gateway on :8888 in one process (SQLite, in-process broker)
run: $(RUNNABLE)
	$(BIN)/python manage.py quickstart

## test: the whole suite (services it cannot reach are skipped unless TAIGA_REQUIRE_SERVICES=1)
test: $(INSTALLED)
	$(BIN)/python -m pytest

## gateway: the gateway alone, configured by the environment (see README)
gateway: $(INSTALLED)
	$(BIN)/taiga-events serve

## bench: the gateway's fan-out scenarios on this machine's RabbitMQ and PostgreSQL (about
## ten minutes); writes docs/BENCHMARKS.md and docs/fanout-scenario-a.png
bench: $(INSTALLED)
	$(BIN)/python bench/fanout_suite.py

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache
