# govdata — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export GOVDATA_HOME ?= $(CURDIR)/var

.PHONY: run test install dev assets lint bench clean-assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

assets: node_modules/.package-lock.json
	npm run --silent build

run: install assets
	$(BIN)/govdata init
	$(BIN)/govdata demo --if-empty
	$(BIN)/govdata serve

test: dev assets
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check src tests bench
