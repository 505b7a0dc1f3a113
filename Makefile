# Iraq Atlas — every target bootstraps .venv first (pip only; no conda needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
LAB_PORT ?= 8888
# JupyterLab refuses to start as root unless told to: a container's root user gets --allow-root
LAB_UID  ?= $(shell id -u)
LAB_ROOT := $(if $(filter 0,$(LAB_UID)),--allow-root,)

.PHONY: help venv report test lab bench clean

help:
	@echo "make report  - set up .venv and write the default report to reports/latest"
	@echo "make test    - set up .venv and run the test suite"
	@echo "make lab     - open the notebooks in JupyterLab on 127.0.0.1:$(LAB_PORT)"
	@echo "make bench   - run the benchmarks and write docs/benchmarks.md"
	@echo "make clean   - remove .venv, caches and generated reports"

venv: $(STAMP)

# The stamp depends on pyproject.toml: edit the dependencies and the next
# target reinstalls (a stale venv is rebuilt, a current one is reused).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name iraq-atlas --display-name "Python (iraq-atlas)" >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/iraq-atlas report --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --no-browser --notebook-dir=notebooks $(LAB_ROOT)

bench: $(STAMP)
	$(BIN)/python -m pytest -q benchmarks/test_run.py   # the driver's own checks first
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .cache build dist
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null || true
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
