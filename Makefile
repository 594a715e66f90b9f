# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline-2015.toml

.PHONY: run test test-slow bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/sim run $(SCENARIO)

test: $(VENV)/.installed-test
	$(BIN)/ruff check sim tests bench examples
	$(BIN)/python -m pytest -m "not slow"

# The long statistical and reliability tests (power of `sim check`, 1,000 fuzzed scenarios):
# .ci/run runs them after `make test`.
test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m slow

# Speed, side by side in one table (bench/speed.py): the engine, the whole `sim run`, Ciw, a lean
# SimPy loop, a four-channel day. `make bench BENCH_ARGS="--json FILE"` also writes the figures.
# bench/scale.py (memory and long horizons) is run by hand.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/speed.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check sim tests bench examples

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis .benchmarks
