# Central de Atendimento SEE — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAO := node_modules/tryton-sao
export TRYTOND_DATABASE__URI ?= postgresql:///
DEMO_DB ?= see_demo

.PHONY: demo test install sao browser-deps check-postgres serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@mkdir -p var
	@echo "pip install -e '.[test]' (log: var/pip.log)"
	@$(BIN)/pip install -e '.[test]' > var/pip.log 2>&1 || { tail -30 var/pip.log; exit 1; }
	touch $@

install: $(VENV)/.installed

$(SAO)/.installed:
	npm install --no-audit --no-fund --silent tryton-sao@8.0
	cd $(SAO) && npm install --omit=dev --legacy-peer-deps --no-audit --no-fund --silent
	touch $@

sao: $(SAO)/.installed

browser-deps:
	@scripts/install_browser_deps.sh

check-postgres: install
	@$(BIN)/python scripts/check_postgres.py

test: install sao browser-deps check-postgres
	$(BIN)/python scripts/run_tests.py

# trytond turns a relative [database] path into an absolute URI
# (sqlite:///var/…): a second configuration file gives it ours
demo: install sao
	$(BIN)/python scripts/demo.py --database $(DEMO_DB)
	@printf '[database]\npath = %s\n' "$(CURDIR)/var" > var/demo-path.conf
	$(BIN)/trytond -c config/demo.conf var/demo-path.conf -d $(DEMO_DB)

clean:
	rm -rf var $(VENV) node_modules
