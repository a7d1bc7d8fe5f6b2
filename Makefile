# Central de Atendimento SEE — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAO := node_modules/tryton-sao
export TRYTOND_DATABASE__URI ?= postgresql:///
DEMO_DB ?= see_demo

.PHONY: demo demo-sqlite test install sao browser-deps serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@mkdir -p var
	@echo "pip install -e '.[test,local]' (log: var/pip.log)"
	@$(BIN)/pip install -e '.[test,local]' > var/pip.log 2>&1 || { tail -30 var/pip.log; exit 1; }
	touch $@

install: $(VENV)/.installed

# package.json: the web client, the government's design system of the
# citizens' pages (@govbr-ds/core) and the accessibility checker of their
# tests (axe-core); npm prunes the web client's own dependencies, so they
# are installed again after
node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch $@

$(SAO)/.installed: node_modules/.installed
	cd $(SAO) && npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --silent
	touch $@

sao: $(SAO)/.installed

browser-deps:
	@scripts/install_browser_deps.sh

# PostgreSQL of TRYTOND_DATABASE__URI, or a cluster of its own under var/
test: install sao browser-deps
	$(BIN)/python scripts/run_tests.py

# The demo's own PostgreSQL under var/postgres, started with the demo and
# stopped with it (Ctrl-C)
demo: install sao
	$(BIN)/python scripts/demo.py --database $(DEMO_DB) --serve

# The same on SQLite files under var/ (no live bus)
demo-sqlite: install sao
	$(BIN)/python scripts/demo.py --database $(DEMO_DB) --sqlite --serve

clean:
	rm -rf var $(VENV) node_modules
