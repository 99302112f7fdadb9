# LBX — the two commands a newcomer needs are `make run` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser tests drive Debian's Chromium (no browser downloads are possible here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	$(SUDO) apt-get install -y -qq chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

## run: start LBX on the embedded SQLite default (./var), with the demo company on first start
run: $(STAMP)
	$(BIN)/lbx serve --demo

## test: install what is needed and run the whole suite (SQLite and PostgreSQL), one worker per core
test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n auto --dist loadfile

## bench: throughput and replay benchmarks against PostgreSQL, with ratios to raw psycopg
bench: $(STAMP)
	$(BIN)/python -m bench.run

## screenshots: run the browser tests and refresh the pictures in docs/workspace.md
screenshots: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q tests/web -k "browser and sqlite"
	$(BIN)/python -m tests.support.screenshots

## lint: ruff, mypy --strict, and the import-layer contracts
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy ledger commands projections api tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
