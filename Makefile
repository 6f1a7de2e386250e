# Every target sets itself up: it creates .venv and installs what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Exact versions with their hashes; `make lock` refreshes them from pyproject.toml.
LOCK := requirements/test.lock
E2E_LOCK := requirements/e2e.lock

.PHONY: demo test lint bench bench-scale soak e2e lock clean

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip>=25"  # older pips refuse hashed extras
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dunning demo $(if $(LETTERS),--letters $(LETTERS))

# The checks first (they take a minute), then every test but the browser ones.
test: lint
	$(BIN)/python -m pytest -q

# Types (mypy --strict), lint and format (ruff), and the layer contracts (import-linter).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# After a change to the dependencies in pyproject.toml: resolve them again, with hashes.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o $(LOCK) -q
	$(BIN)/uv pip compile pyproject.toml --extra test --extra e2e --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o $(E2E_LOCK) -q

# Browser and deployment tests: installs chromium, PostgreSQL and playwright when missing,
# then starts PostgreSQL, a Prefect server, a worker, the sandbox and a headless chromium.
e2e: $(STAMP)
	bash .ci/e2e-setup $(BIN)/python
	$(BIN)/python -m pytest -q tests/e2e

# Many fault seeds, SIGKILL crashes, concurrent runs and bad input; prints the counts.
soak: $(STAMP)
	$(BIN)/python -m tests.reliability.soak

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The bench, one flow run of 100,000 invoices, and the approval form in chromium at 100,
# 1,000 and 10,000 proposed invoices (chromium and playwright as for `make e2e`).
bench-scale: $(STAMP)
	bash .ci/e2e-setup $(BIN)/python
	$(BIN)/python bench/run.py --scale

clean:
	rm -rf $(VENV) dunning-output .pytest_cache
