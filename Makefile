# The two set-up commands of the README. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-gpu lint bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[all]"
	touch $@

# Graphviz's dot renders utils.plot_model/plot_graph pictures (tested); Debian's package, as
# root where apt-get exists. Without it the plots write .dot files and say how to render them.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	command -v dot >/dev/null || ( [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && apt-get install -y -qq graphviz >/dev/null ) || \
		echo "warning: Graphviz's dot is not installed; the picture tests will skip"
	$(BIN)/pip install -e ".[dev]"
	touch $@ $(VENV)/.demo

demo: $(VENV)/.demo
	$(BIN)/deepnum demo

test: $(VENV)/.dev
	$(BIN)/python -m pytest

# On a machine with an NVIDIA GPU: CuPy from the gpu extra, then the device-parametrized tests
# run their CUDA cases too (they are skipped with a reason elsewhere).
test-gpu: $(VENV)/.dev
	$(BIN)/pip install -e ".[gpu]"
	$(BIN)/python -m pytest tests/backend tests/ops tests/layers tests/training

lint: $(VENV)/.dev
	$(BIN)/ruff check deepnum tests bench examples tools
	$(BIN)/ruff format --check deepnum tests bench examples tools

bench: $(VENV)/.dev
	$(BIN)/python -m bench

$(VENV)/.docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[docs]"
	touch $@ $(VENV)/.dev $(VENV)/.demo

# The documentation site in site/: the tutorials executed, the guide in English and Korean and
# the API reference, built with warnings as errors, then every page opened in headless
# Chromium (Debian's package, installed here when missing; that needs root).
docs: $(VENV)/.docs
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	$(BIN)/python docs/build_site.py
	$(BIN)/python docs/check_site.py

clean:
	rm -rf $(VENV) build site *.egg-info
