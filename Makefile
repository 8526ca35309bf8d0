# Two commands: `make run` (serve the platform with demo data) and `make test` (the whole suite).
# Both install what they need and are quick on a second run.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := src/seoul/core/static/vendor/.installed
MESSAGES := src/seoul/locale/.compiled
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install assets static messages messages-check lint system-deps lock clean

run: install assets static system-deps messages
	$(BIN)/seoul manage migrate --no-input -v 0
	$(BIN)/seoul load-reference
	$(BIN)/seoul demo-data
	$(BIN)/seoul run --host $(HOST) --port $(PORT) --no-migrate

test: install assets static system-deps messages-check messages lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

install: $(INSTALLED)

$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes --no-deps -r requirements.lock 2> >(grep -v 'is ignored: it is neither' >&2)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . 2> >(grep -v 'is ignored: it is neither' >&2)
	touch $@

# Front-end assets (KRDS, htmx, Vega) from the npm registry, pinned by package-lock.json,
# copied into static files with their licence notes; axe-core into tests/browser/vendor/ (tests only).
assets: $(ASSETS)

$(ASSETS): package.json package-lock.json scripts/vendor_assets.sh src/seoul/core/static/seoul/platform.css
	npm ci --no-audit --no-fund --loglevel=error
	bash scripts/vendor_assets.sh
	touch $@

# Static files under content-hashed names with gzip copies, and the manifest that maps them
# (pages refer to the hashed names, so every page needs it unless SEOUL_DEBUG=1).
static: install assets
	$(BIN)/seoul manage collectstatic --no-input -v 0

messages: $(MESSAGES)

$(MESSAGES): $(wildcard src/seoul/locale/*/LC_MESSAGES/*.po) | install
	$(BIN)/seoul manage compile_translations
	touch $@

# Re-extract the Korean catalogue from the code; compile_translations then fails on any
# string that has no Korean translation yet.
messages-check: install
	cd src/seoul && ../../$(BIN)/django-admin makemessages -l ko --no-location --no-obsolete --settings=seoul.settings -v 0
	sed -i '/^"POT-Creation-Date:/d' src/seoul/locale/ko/LC_MESSAGES/django.po

# Debian packages the suite needs: Chromium (Playwright drives it), Korean fonts and a
# Simplified Chinese one (a contact's self-report page may be in Chinese) for screenshots,
# GNU gettext (message extraction), and the records service's OCR: Tesseract with its Korean
# model and Ghostscript (OCRmyPDF's PDF/A step). Installed once.
DEBIAN_PACKAGES := chromium fonts-nanum fonts-wqy-microhei gettext tesseract-ocr tesseract-ocr-kor ghostscript
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v xgettext >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi nanum || ! fc-list 2>/dev/null | grep -qi wenquanyi || ! command -v gs >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx kor; then \
	  echo "installing $(DEBIAN_PACKAGES) from Debian's packages"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null); \
	fi

# Maintainers: refresh the hashed lock after changing pyproject.toml.
lock: install
	$(BIN)/python -m pip install -q uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --no-emit-index-url -q -o requirements.lock

clean:
	rm -rf $(VENV) node_modules src/seoul/core/static/vendor tests/browser/vendor var/static
