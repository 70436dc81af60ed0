# Two commands: `make run` and `make test`. Everything else is what they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup translations lint format messages vendor oidc-provider clean

run: setup
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py load_reference_data
	DEBUG=true $(BIN)/python manage.py load_legal_bases
	DEBUG=true $(BIN)/python manage.py load_measure_types
	DEBUG=true $(BIN)/python manage.py load_instruments
	DEBUG=true $(BIN)/python manage.py load_retention_schedules
	DEBUG=true $(BIN)/python manage.py load_library
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Tverrnett runs on http://$(HOST):$(PORT)/  (Ctrl+C stops it and the worker)"
	DEBUG=true $(BIN)/python manage.py run_worker --interval 60 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup
	$(BIN)/pytest

setup: $(STAMP) translations
	@mkdir -p var

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

translations: $(STAMP)
	DEBUG=true $(BIN)/python manage.py compile_translations

# For developers: refresh the Norwegian catalogue after changing strings (needs GNU gettext).
messages: $(STAMP)
	DEBUG=true $(BIN)/python manage.py makemessages --locale nb --locale nn --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

vendor:
	scripts/vendor-frontend.sh

# The local OpenID Provider the OIDC tests start (tests/oidc_provider, npm oidc-provider).
# The tests run this themselves when node_modules is missing.
oidc-provider:
	npm ci --no-audit --no-fund --prefix tests/oidc_provider

clean:
	rm -rf $(VENV) var
