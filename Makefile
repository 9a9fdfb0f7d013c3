# EcoCity Tracker. A fresh machine needs two commands: `make run` and `make test`.
# Every target uses .venv/bin/... directly (no activation); installs are skipped while
# the requirements files are unchanged (stamp files inside .venv).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501
PYTEST_ARGS ?=

RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
FONT      := static/NotoSansThai.ttf

.PHONY: run test test-fast check lint types bench clean install install-dev db help
.DEFAULT_GOAL := help

help:
	@echo "make run    install, migrate, load the sample data if the database is empty, start the dashboard on :$(PORT)"
	@echo "make test   install the test tools, run make check, then every test (browser tests included)"
	@echo "make test-fast  every test but the browser ones (no Chromium needed), after ruff"
	@echo "make check  lint (ruff, the import layers of docs/ARCHITECTURE.md) and types (mypy over src/)"
	@echo "make bench  run the benchmarks in bench/ and print figures"
	@echo "make clean  remove caches, test artefacts and install stamps (keeps .venv and var/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt, so it satisfies the run stamp too.
$(DEV_STAMP): requirements-dev.txt requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

# The web font comes from the fontpkg-noto-sans-thai package; Streamlit serves static/.
# Copying it is idempotent and takes milliseconds.
install: $(RUN_STAMP)
	@$(BIN)/python -m ecocity.io.fonts static >/dev/null

install-dev: $(DEV_STAMP)
	@$(BIN)/python -m ecocity.io.fonts static >/dev/null

# Migrate, then load the (clearly labelled) sample data only into an empty database.
db: install
	$(BIN)/ecocity db upgrade
	$(BIN)/ecocity sample --load-if-empty

run: db
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.headless true

lint: install-dev
	$(BIN)/ruff check src views app.py serve.py tests bench
	$(BIN)/lint-imports

types: install-dev
	$(BIN)/mypy

check: lint types

test: check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: lint
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# Every bench/bench_*.py, then the load test (two replicas, 20 viewers and 5 uploaders for
# 60 s on a local PostgreSQL: ECOCITY_BENCH_DATABASE_URL or ECOCITY_TEST_DATABASE_URL,
# else 127.0.0.1:5432; skipped when no server answers).
bench: install-dev
	@set -e; found=0; for f in bench/bench_*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f"; $(BIN)/python "$$f"; \
	done; [ $$found = 1 ] || echo "no benchmarks in bench/"
	@echo "== bench/load_test.py"; $(BIN)/python bench/load_test.py

clean:
	rm -rf artifacts .pytest_cache .hypothesis .mypy_cache $(FONT) $(RUN_STAMP) $(DEV_STAMP)
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
