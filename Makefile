# Everything a person does here is a make target.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run test test-postgres test-sqlite lint format bench bench-accounts install clean

$(BIN)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.dev

## run: the whole system (API, worker, beat) on the embedded default, or on DATABASE_URL/CELERY_BROKER_URL
run: $(BIN)/.runtime
	PORT=$(PORT) bash scripts/run.sh

## test: the full suite, on PostgreSQL + Redis, then again on the SQLite default
test: test-postgres test-sqlite

test-postgres: $(BIN)/.dev
	TEST_BACKEND=postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: $(BIN)/.dev
	TEST_BACKEND=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/.bench: bench/requirements.txt $(BIN)/.dev
	$(BIN)/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

## bench: benchmarks on PostgreSQL + Redis (DATABASE_URL / CELERY_BROKER_URL or the local servers)
bench: $(BIN)/.bench
	$(BIN)/python -m bench

## bench-accounts: ms per argon2 hash/check, per-request token check, one request limit in Redis
bench-accounts: $(BIN)/.bench
	$(BIN)/python -m bench.accounts

clean:
	rm -rf var
