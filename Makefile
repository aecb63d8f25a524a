# Two commands do all set-up: `make run` and `make test` create the virtual
# environment and install Mentorbot into it on first use (and again when
# pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run sandbox test test-fast lint format dispatch bench clean migration

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The bot in Slack; with no Slack settings (no .env yet), the sandbox in your browser instead.
run: $(STAMP)
	$(PY) app.py

# Mentorbot with a pretend Slack workspace on 127.0.0.1:$${PORT:-3000}; never talks to Slack.
sandbox: $(STAMP)
	$(PY) app.py sandbox

dispatch: $(STAMP)
	$(PY) app.py dispatch --once

# Every benchmark at full size (about 35 minutes); prints a table and writes bench/RESULTS.md.
# BENCH_ARGS=--quick for a smoke run; BENCH_DATABASE_URL adds PostgreSQL (bench/README.md).
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

# Everything (what CI runs). pytest exits 5 when it collected no tests, and make fails with it.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the process-level and long-running tests (marked slow): the loop while working.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Write (or rewrite) a schema migration from storage/models.py, checked against the models:
#   make migration REV=0002 MSG="second release"
migration: $(STAMP)
	@test -n "$(REV)" -a -n "$(MSG)" || { echo 'usage: make migration REV=0002 MSG="what it changes"'; exit 2; }
	$(PY) -m storage.migrations.autogenerate $(REV) -m "$(MSG)"

clean:
	rm -rf $(VENV) .pytest_cache
