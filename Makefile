# Every target sets itself up: it creates .venv and installs what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench soak e2e clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dunning demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Browser and deployment tests: installs chromium, PostgreSQL and playwright when missing,
# then starts PostgreSQL, a Prefect server, a worker, the sandbox and a headless chromium.
e2e: $(STAMP)
	bash .ci/e2e-setup $(BIN)/python
	$(BIN)/python -m pytest -q tests/e2e

# Many fault seeds, SIGKILL crashes, concurrent runs and bad input; prints the counts.
soak: $(STAMP)
	$(BIN)/python tests/reliability/soak.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) dunning-output .pytest_cache
