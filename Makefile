# The two set-up commands of the README: `make demo` and `make test`.
# Both create the virtual environment they need; nothing else is required on a fresh Debian machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

# SERVE=no builds the demo without starting the web UI (for scripted checks).
SERVE ?= yes

demo: $(VENV)/.installed
	$(BIN)/steward demo --dir demo
	@if [ "$(SERVE)" = yes ]; then \
	    echo "Web UI of the fictional demo on http://127.0.0.1:8000/ (Ctrl-C stops it)."; \
	    cd demo && ../$(BIN)/steward serve --host 127.0.0.1 --port 8000; \
	fi

test: $(VENV)/.installed-test
	bash scripts/run-tests

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
