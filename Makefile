# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The demo's sandbox API account; these are sandbox-only credentials.
DEMO_API_TOKEN := demo-sandbox-token
DEMO_API_PASSWORD := demo-sandbox-password

.PHONY: run test lint format bench-sandbox bench-bulk bench migrate demo screenshot load contract bench-browser profile-list

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Development: DEBUG and the embedded sandbox on, unless the environment says otherwise.
# PORT goes to the settings too: the app calls its own sandbox on it (SANDBOX_API_URL).
run: export DEBUG ?= true
run: export PORT := $(PORT)
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py sandbox_account demo --password $(DEMO_API_PASSWORD) --token $(DEMO_API_TOKEN)
	$(BIN)/python manage.py seed_sandbox --account demo --contacts 500 --groups 12 --if-empty
	$(BIN)/python manage.py demo_user --token $(DEMO_API_TOKEN)
	# The task worker (bulk actions, imports, cleanup) runs beside the web server and
	# stops with it.
	$(BIN)/python manage.py jobs_worker --interval 0.5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The test identity provider (the npm package oidc-provider, tests/oidc) that the company
# sign-in's tests start on loopback. Without npm those tests are skipped (failed under CI).
IDP := tests/oidc/node_modules/.installed
$(IDP): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the company sign-in's tests will be skipped"; fi

# axe-core (the npm package, tests/a11y), which the accessibility tests inject into every page.
# Without npm those tests are skipped (failed under CI).
AXE := tests/a11y/node_modules/.installed
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/a11y && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the accessibility tests will be skipped"; fi

# The whole suite; its environment (a SECRET_KEY of its own, the sandbox on, plain
# HTTP) is set in pyproject.toml.
# PYTEST_ARGS narrows it (CI's second run: -m "not screens").
test: $(BIN)/.installed $(IDP) $(AXE)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The live contract check: the API's open behaviours (api/CONTRACT.md) as a table, against
# SERWERSMS_CONTRACT_URL with a test account's SERWERSMS_CONTRACT_TOKEN (or _USERNAME and
# _PASSWORD), else against this application's own sandbox. Not part of `make test`.
contract: export DEBUG ?= true
contract: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input --verbosity 0
	$(BIN)/python manage.py contract_check

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The sandbox's speed at 100,000 contacts (not part of the test suite).
bench-sandbox: $(BIN)/.installed
	$(BIN)/python bench/sandbox_index.py

# Deleting 1,000 contacts as a background job, the sandbox at 100 ms a call, on PostgreSQL
# (BENCH_DATABASE_URL; see bench/bulk_delete.py): 30 s at most. Then 10,000 rows imported
# into a new group, by SerwerSMS's bulk import and row by row (bench/bulk_import.py).
# Not part of the test suite.
bench-bulk: $(BIN)/.installed
	$(BIN)/python bench/bulk_delete.py
	$(BIN)/python bench/bulk_import.py

# The pages against the raw API calls each needs, at 1,000, 10,000 and 100,000 contacts, the
# sandbox at 100 ms a call, on PostgreSQL and Redis (BENCH_PAGES_DATABASE_URL, BENCH_CACHE_URL;
# see bench/pages.py).
bench: $(BIN)/.installed
	$(BIN)/python bench/pages.py

# Where the contacts list's own time goes, phase by phase (middleware, database, cache, the
# API client, templates, rows, gzip), in CPU and wall-clock ms a request, the app in process
# against the sandbox with no latency, on the bench's database and accounts (see
# bench/list_profile.py). Not part of the test suite.
profile-list: $(BIN)/.installed
	$(BIN)/python bench/list_profile.py

# Speed a person feels: in Chromium, from the press on "Next", a sort heading or a contact's
# name (or "j" and Enter) to the new rows painted, against the raw API call, the sandbox at
# 100 ms a call (see bench/browser.py). Not part of the test suite.
bench-browser: $(BIN)/.installed
	$(BIN)/python bench/browser.py

# docs/contacts-list.png: the contacts list of a freshly seeded demo, taken in Chromium.
screenshot: $(BIN)/.installed
	$(BIN)/python docs/screenshot.py

# The load test: 20 staff at once for 60 s, the app under gunicorn, the sandbox at 100 ms
# a call, on PostgreSQL (LOAD_DATABASE_URL; see bench/load/run.py). Not part of the test suite.
$(BIN)/.installed-load: $(BIN)/.installed requirements-load.txt
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@

load: $(BIN)/.installed-load
	$(BIN)/python bench/load/run.py
