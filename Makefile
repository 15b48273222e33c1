# Quick start targets: each creates .venv (if needed), installs the project into it, and runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install reproduce reproduce-full test lint bench mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependency list changes; the package itself is installed editable.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,lint]"
	touch $@

install: $(VENV)/.installed

# The quick reproduction (about 2 minutes; outputs in build/reproduce/, not tracked).
reproduce: $(VENV)/.installed
	$(BIN)/python scripts/reproduce.py

# The paper-scale reproduction: rewrites the figures and results in figures/.
reproduce-full: $(VENV)/.installed
	$(BIN)/python scripts/reproduce.py --full

test: $(VENV)/.installed
	$(BIN)/python -m pytest

# Style and errors (ruff) and the layers of the import graph (import-linter, pyproject.toml).
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Mutation testing of the decision and special-function modules (scripts/mutate.py; all of
# them take hours on 2 cores, so the run stops after --max-minutes (90) and resumes on the next
# call; report in build/mutation/report.txt).
mutate: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[mutate]"
	$(BIN)/python scripts/mutate.py

bench: $(VENV)/.installed
	$(BIN)/python scripts/bench_density.py
	$(BIN)/python scripts/bench_density_2d.py
	$(BIN)/python scripts/bench_search.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
