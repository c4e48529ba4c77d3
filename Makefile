# The set-up commands are `make demo` and `make test`; both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= .mynumber-demo

# Debian packages the tests read PDFs with (pdftotext, pdftoppm, their CJK data), the font of
# Vietnamese notices, and the browser the counter's Playwright test drives (never `playwright
# install`: the test uses Debian's /usr/bin/chromium).
SYSTEM_PACKAGES := poppler-utils poppler-data fonts-dejavu-core chromium

.PHONY: install system-packages demo test unit lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/mynumber demo --dir $(DEMO_DIR)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint system-packages
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
	rm -rf $(VENV) $(DEMO_DIR) .mypy_cache .ruff_cache .pytest_cache .hypothesis
