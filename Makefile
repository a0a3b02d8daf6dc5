# The two commands of the README:  `make run`  and  `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test format docs bench browser

run: $(VENV)/.runtime  ## install and start the app on its defaults
	$(BIN)/python serve.py

test: $(VENV)/.dev browser  ## install what the tests need and run the whole suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: $(VENV)/.runtime  ## regenerate the catalog reference
	$(BIN)/python -m lrlab docs > docs/reference.md

bench: $(VENV)/.runtime
	$(BIN)/python bench/simulate.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

browser:  ## Debian's chromium for the end-to-end tests (browsers cannot be downloaded here)
	scripts/ensure-chromium
