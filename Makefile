# The set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# npm writes this copy of the lock file into node_modules on every `npm ci`.
NODE_STAMP := node_modules/.package-lock.json
DEMO_DIR ?= .mynumber-demo

# Debian packages the tests read PDFs with (pdftotext, pdftoppm, their CJK data), the font of
# Vietnamese notices, and the browser the counter's and the portal's Playwright tests drive (never
# `playwright install`: the tests use Debian's /usr/bin/chromium).
SYSTEM_PACKAGES := poppler-utils poppler-data fonts-dejavu-core chromium

.PHONY: install node_modules system-packages demo test unit lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The npm packages the browser tests inject into pages (axe-core), as package-lock.json pins them.
node_modules: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "the tests need Node.js and npm (axe-core)"; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

demo: install
	$(BIN)/mynumber demo --dir $(DEMO_DIR)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint system-packages node_modules
	$(BIN)/python -m pytest -n 2 --dist loadfile

system-packages:
	@if ! command -v pdftotext >/dev/null 2>&1 || [ ! -d /usr/share/poppler ] \
	    || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else \
	    echo "the tests need the Debian packages $(SYSTEM_PACKAGES): apt-get install $(SYSTEM_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

unit: install
	$(BIN)/python -m pytest tests/unit

bench: install
	$(BIN)/python bench/run.py --output docs/benchmarks.md

clean:
	rm -rf $(VENV) $(DEMO_DIR) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
