# The few commands a newcomer needs. `make run` serves the demo; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
# Local demo only: the server and the simulator sign and check webhooks with this shared token.
DEMO_TOKEN ?= local-demo-token
DEMO_SECRET ?= local-demo-session-key
# Every demo command runs the app the same way: development mode, the demo token and session key.
DEMO_ENV = IVR_ENV=development TWILIO_AUTH_TOKEN=$(DEMO_TOKEN) SECRET_KEY=$(DEMO_SECRET)
# The demo's port: give the same one to every target, e.g. make run PORT=5050, then make call PORT=5050.
PORT ?= 5000
# The console user `make admin` creates (it asks for the password).
ADMIN_USER ?= admin
# Settings come from the environment only: nothing reads .env, and Flask's CLI is told not to either
# (with python-dotenv installed it would, and a copied .env.example would point the demo at PostgreSQL).
export FLASK_SKIP_DOTENV = 1

.PHONY: install run call chat ids words admin test lint format bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install ## Serve on http://127.0.0.1:$(PORT) (make run PORT=5050) with SQLite + in-process state and demo data
	$(DEMO_ENV) $(PY) -m flask --app ivr demo --port $(PORT)

# DIGITS: keys, _ no input, ! hang up, say:words spoken (say:cek_tagihan, or 'say:cek tagihan'; @0.35 sets a confidence)
call: install ## Place a simulated call: make call, or make call DIGITS="9 0" (PORT=... as given to make run)
	$(DEMO_ENV) $(PY) -m flask --app ivr simulate --url http://127.0.0.1:$(PORT) \
		$(if $(DIGITS),--digits "$(DIGITS)") $(if $(TO),--to "$(TO)") $(if $(FROM),--from "$(FROM)")

chat: install ## Text the demo as SMS/WhatsApp: make chat, or make chat MESSAGES="menu|9|4"
	$(DEMO_ENV) $(PY) -m flask --app ivr chat --url http://127.0.0.1:$(PORT) \
		$(if $(MESSAGES),--messages "$(MESSAGES)") $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") \
		$(if $(PHOTO),--photo "$(PHOTO)")

ids: install ## Demo ids to type in a simulated call or chat (make ids COUNT=20 for more)
	$(DEMO_ENV) $(PY) -m flask --app ivr demo-ids $(if $(COUNT),--count $(COUNT))

words: install ## What callers may say instead of keys, per menu and language (make words README=1: README's table)
	$(DEMO_ENV) $(PY) -m flask --app ivr words $(if $(README),--readme)

admin: install ## Create the console user admin (make admin ADMIN_USER=name for another) in the demo database
	$(DEMO_ENV) $(PY) -m flask --app ivr create-admin --username "$(ADMIN_USER)"

test: install ## Every test, on the embedded default and on PostgreSQL + Redis
	$(PY) -m pytest

lint: install ## ruff, the layering contract in pyproject.toml (import-linter), and mypy on ivr and db
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy ivr db

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install ## Median time of one menu step (see bench/menu_step.py)
	$(PY) bench/menu_step.py

.PHONY: screenshots
screenshots: install ## A PNG of every console page on fresh demo data, in Chromium: var/screenshots/<page>.png
	$(PY) bench/screenshots.py

.PHONY: bench-stats
bench-stats: install ## Statistics on a synthetic year of 1M calls (PostgreSQL): rollups vs raw SQL, call writes
	$(PY) bench/stats.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
