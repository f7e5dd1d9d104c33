# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
# Every target installs what it needs first, so any of them works on its own, in any order.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet
PYTEST_ARGS ?=

.PHONY: demo test lint notebooks bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

demo: $(BIN)/python
	$(PIP) -e '.[render]'
	$(BIN)/autograd-lite demo --out demo_out

test: $(BIN)/python
	$(PIP) -e '.[dev]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: $(BIN)/python
	$(PIP) -e '.[dev]'
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The notebooks run in a Jupyter kernel (nbclient, nbformat, ipykernel: the dev extra)
# and draw graphs (the render extra, inside dev); `notebook` adds the widget's packages.
notebooks: $(BIN)/python
	$(PIP) -e '.[dev,notebook]'
	$(BIN)/python notebooks/run_all.py

bench: $(BIN)/python
	$(PIP) -e '.[bench]'
	$(BIN)/python -m benchmarks
