# `book` and `tests` are also folders: every target here is phony.
.PHONY: book test test-fast lint clean sysdeps venv bench bench-worksheets bench-copies check-epub ace

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BOOK   ?= book
DIST   ?= dist

# Debian packages the build needs: HarfBuzz's subsetter (fast font subsetting
# in WeasyPrint), poppler-utils (pdftoppm for looking at pages), chromium (the tests
# drive the download page and the live preview headless; Ace by DAISY runs on it too) and the
# fonts book.yaml's `fonts:` can add (src/workbook/scripts.py): Noto for Arabic, Hebrew, Thai and
# Devanagari (12 MB), Droid Sans Fallback for Chinese and Japanese (1.8 MB; Noto CJK is 56 MB)
# and Nanum for Korean (10 MB). libgs-common holds Ghostscript's ICC profiles: the CMYK output profile
# of the print files (layout/inks.py, default_cmyk.icc, 0.2 MB); ghostscript itself measures the ink
# coverage of those files in the tests (a second opinion on their separations; skipped without it).
DEBS := libharfbuzz-subset0 poppler-utils chromium fonts-noto-core fonts-droid-fallback fonts-nanum \
        libgs-common ghostscript
# Ace by DAISY from npm, project-local; puppeteer uses Debian's chromium, downloads no browser.
ACE_DIR := .tools/ace
ACE     := $(ACE_DIR)/node_modules/.bin/ace-cli
export PUPPETEER_EXECUTABLE_PATH ?= /usr/bin/chromium
export PUPPETEER_SKIP_DOWNLOAD := 1

book: venv sysdeps
	$(BIN)/workbook build $(BOOK) -o $(DIST)

test: venv sysdeps $(VENV)/.test-deps ace lint
	$(BIN)/python -m pytest -q

# ruff (style and likely bugs), mypy (types) and import-linter (the stages import one way, no cycles),
# all configured in pyproject.toml; `make test` runs it first.
lint: venv $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# The edit loop (under a minute): the tests that lay out no pages (those are marked `build`) and start no
# process (`slow`); tests/conftest.py makes a test that does either without its mark fail.
test-fast: venv sysdeps $(VENV)/.test-deps
	$(BIN)/python -m pytest -q -m "not build and not slow"

# EPUBCheck (0 errors, 0 warnings) and Ace (0 serious, 0 critical) on the demo book's EPUB.
check-epub: venv sysdeps $(VENV)/.test-deps ace
	$(BIN)/workbook build $(BOOK) -o $(DIST) -f epub -q
	$(BIN)/python tools/check_epub.py $(DIST)/*.epub

# Installs Ace when Node's npm is there; without it the Ace test skips and says why.
ace: $(ACE)

$(ACE): tools/ace/package.json tools/ace/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(ACE_DIR) && cp tools/ace/package.json tools/ace/package-lock.json $(ACE_DIR)/ && \
	  (cd $(ACE_DIR) && npm ci --no-audit --no-fund --loglevel=error) && touch $@ \
	  || echo "warning: could not install Ace by DAISY (npm ci in $(ACE_DIR) failed)"; \
	else echo "warning: npm not found; Ace by DAISY is not installed (install Node.js)"; fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

sysdeps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (run as root to install)"; fi; \
	fi

# workbook build (PDF + EPUB) against pandoc -> HTML -> WeasyPrint and pandoc -> EPUB, on reference books
# of 40 and 160 chapters made from the demo book's (medians of 3 runs, ratios, peak RSS). Needs Debian's pandoc.
bench: venv sysdeps
	@command -v pandoc >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then echo "installing: pandoc"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pandoc >/dev/null; \
	  else echo "warning: pandoc is missing (run as root to install)"; fi; }
	$(BIN)/python bench/book_bench.py --chapters 40 160 --runs 3

# 100 clients x the demo book's worksheets, serial vs parallel (medians of 3 runs).
bench-worksheets: venv sysdeps
	$(BIN)/python bench/worksheets_bench.py --clients 100 --runs 3

# 1,000 personal copies of the demo book's reader's PDF: a local pool against a Dask LocalCluster of 2 workers
# (copies/s, CPU s a copy against a cold -f pdf build, peak worker memory, the same bytes both ways).
bench-copies: venv sysdeps $(VENV)/.test-deps
	$(BIN)/python bench/copies_bench.py --clients 1000

clean:
	rm -rf $(DIST) .workbook-cache build *.egg-info
