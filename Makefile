# `book` and `tests` are also folders: every target here is phony.
.PHONY: book test clean sysdeps venv bench bench-worksheets

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BOOK   ?= book
DIST   ?= dist

# Debian packages the build needs: HarfBuzz's subsetter (fast font subsetting
# in WeasyPrint), poppler-utils (pdftoppm for looking at pages) and chromium
# (the tests drive the download page and the live preview in headless Chromium).
DEBS := libharfbuzz-subset0 poppler-utils chromium

book: venv sysdeps
	$(BIN)/workbook build $(BOOK) -o $(DIST)

test: venv sysdeps $(VENV)/.test-deps
	$(BIN)/python -m pytest -q

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

# 100 clients x the demo book's worksheets, serial vs parallel (medians of 3 runs).
bench-worksheets: venv sysdeps
	$(BIN)/python bench/worksheets_bench.py --clients 100 --runs 3

clean:
	rm -rf $(DIST) .workbook-cache build *.egg-info
