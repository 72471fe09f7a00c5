# Every target sets up .venv itself when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest clean bench bench-quick bench-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

## demo: build (or reuse) demo.db with a realistic sample catalog and show how to look at it
demo: $(STAMP)
	$(BIN)/registry demo

## test: ruff, mypy --strict and the whole pytest suite (features/ included)
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers (this project's reference machine has two cores); one file's tests stay on one worker.
PYTEST_WORKERS ?= 2

pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

## bench: the five benchmarks (write, replay, history, read, proofs) at full size; rewrites docs/benchmarks.md (most of an hour)
bench: bench-deps
	$(BIN)/python -m benchmarks.run

## bench-quick: the same at the small sizes, to check the harness in a few minutes (page: benchmarks/.data/)
bench-quick: bench-deps
	$(BIN)/python -m benchmarks.run --quick

bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## soak: the reliability tests (tests/reliability) at their long sizes: more writers' commands, kills, examples
.PHONY: soak
soak: $(STAMP)
	REGISTRY_SOAK=1 $(BIN)/pytest tests/reliability -s
