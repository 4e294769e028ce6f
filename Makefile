# Two commands on a fresh clone: `make demo` and `make test`. Both build .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint typecheck pytest test-tools clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/urgentline demo --calls 50 --rate 10

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian tools the tests drive, as command:package: chromium (the dashboard's browser
# tests; never a downloaded browser), espeak-ng and sox (speech the offline recogniser
# is measured on), sipp from sip-tester (the SIPp scenarios run against each other).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TOOLS := chromium:chromium espeak-ng:espeak-ng sox:sox sipp:sip-tester
test-tools:
	@missing=""; for t in $(TOOLS); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  $(SUDO) apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing >/dev/null; }; \
	fi

pytest: $(STAMP) test-tools
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/urgentline bench --calls 500 --json

clean:
	rm -rf $(VENV) var/*.db .mypy_cache .pytest_cache .ruff_cache
