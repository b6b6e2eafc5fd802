# Two commands on a fresh machine: `make quickstart` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install quickstart test bench protos clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	# torch first and alone: on CPU-only boxes that carry the CPU wheel locally pip takes it,
	# elsewhere the regular wheel (CUDA on Linux x86_64).
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install -e .
	touch $(STAMP)

# the test and deploy-check tools on top (the quickstart does not need them: keeps its install short)
$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -e ".[dev]"
	touch $(DEV_STAMP)

install: $(DEV_STAMP)

quickstart: $(STAMP)
	$(BIN)/masklam quickstart

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_actors.py
	$(BIN)/python benchmarks/bench_segserver.py

protos: $(STAMP)
	$(BIN)/python protos/codegen.py

clean:
	rm -rf $(VENV) runs build *.egg-info
