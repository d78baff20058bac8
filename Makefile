# The two set-up commands of the README. Both work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-gpu lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

$(VENV)/.demo: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e ".[all]"
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
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

clean:
	rm -rf $(VENV) build *.egg-info
