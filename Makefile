# Two commands: `make run` (demo on SQLite, jobs inline) and `make test` (the whole suite: it installs
# the Debian packages the tests use when missing; PostgreSQL and Redis it cannot reach, the tests start).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TRANSLATIONS := helpdesk/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint bench translations-extract clean

run: $(VENV)/.installed-run $(COMPILED)
	KONTAKT_DEMO=1 $(BIN)/helpdesk migrate
	KONTAKT_DEMO=1 $(BIN)/helpdesk demo
	KONTAKT_DEMO=1 $(BIN)/helpdesk serve --port $${PORT:-5000}

test: $(VENV)/.installed-test $(COMPILED)
	tools/install-test-packages
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

$(VENV)/.installed-run: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

%.mo: %.po $(VENV)/.installed-run
	$(BIN)/pybabel compile -f -i $< -o $@

translations-extract: $(VENV)/.installed-run
	$(BIN)/pybabel extract --no-wrap -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-wrap -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance
