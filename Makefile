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

# PORT: where `make demo` serves (make demo PORT=8001 when 8000 is taken).
PORT ?= 8000

## demo: build (or reuse) demo.db with a realistic sample catalog and show how to look at it; when `registry` is not
## on the PATH, its last line says how (`. .venv/bin/activate`)
demo: $(STAMP)
	$(BIN)/registry demo --port $(PORT)

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

## bench: the seven benchmarks (write, replay, history, read, proofs, webhook deliveries, scaling out) at full size; rewrites docs/benchmarks.md (most of an hour); scaling out needs a streaming replica (make replica; else it is reported as not run)
bench: bench-deps
	$(BIN)/python -m benchmarks.run

## bench-quick: the same at the small sizes, to check the harness in a few minutes (page: benchmarks/.data/)
bench-quick: bench-deps
	$(BIN)/python -m benchmarks.run --quick

## replica: a streaming replica of the PostgreSQL on 127.0.0.1:5432, on 127.0.0.1:5433 (.ci/pg-replica; as root or
## postgres on the server's machine), for the replica tests and the scaling benchmark
.PHONY: replica
replica:
	./.ci/pg-replica

bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## soak: the reliability tests (tests/reliability) at their long sizes: more writers' commands, kills, examples
.PHONY: soak
soak: $(STAMP)
	REGISTRY_SOAK=1 $(BIN)/pytest tests/reliability -s

## messages: extract the messages people read (ours, click's and Typer's), merge them into the Chinese catalog and
## compile it (docs/cli.md#language); translate what `make messages` leaves empty or fuzzy, then run it again
.PHONY: messages
LOCALE := cli/locale
MESSAGE_SOURCES = cli api registry events $(shell $(BIN)/python -c 'import os, typer; print(os.path.dirname(typer.__file__))')
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --no-wrap --sort-output --project catalog-registry \
		-o $(LOCALE)/registry.pot $(MESSAGE_SOURCES)
	test -f $(LOCALE)/zh_CN/LC_MESSAGES/registry.po || \
		$(BIN)/pybabel init -D registry -i $(LOCALE)/registry.pot -d $(LOCALE) -l zh_CN
	$(BIN)/pybabel update -D registry -i $(LOCALE)/registry.pot -d $(LOCALE) -l zh_CN --no-wrap \
		--ignore-obsolete
	$(BIN)/pybabel compile --statistics -D registry -d $(LOCALE) -l zh_CN
