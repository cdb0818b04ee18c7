# mediaws: `make run` serves the app on http://localhost:3000, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUN_VERSION := 1.4.5
BUN := $(CURDIR)/.tools/node_modules/bun/bin/bun.exe
WORKBOX := $(CURDIR)/.tools/workbox/node_modules/workbox-build/package.json
AXE_VERSION := 4.14.1
AXE := $(CURDIR)/.tools/axe/node_modules/axe-core/axe.min.js
# Lighthouse 13 needs Node >= 22.19; 12.8.2 is the newest that runs on the README's Node 20.
LIGHTHOUSE_VERSION := 12.8.2
LIGHTHOUSE := $(CURDIR)/.tools/lighthouse/node_modules/lighthouse/cli/index.js
APT_PACKAGES := chromium chromium-driver ffmpeg poppler-utils

export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/
export REFLEX_BUN_PATH := $(BUN)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install test-deps migrate bench clean

# $(call step,N/4,what,how long): say what `make run` is doing, since a first run takes minutes.
step = @printf '\n[%s] %s (%s)…\n' '$(1)' '$(2)' '$(3)'
# $(call timed,command): run it and say how long it took.
timed = @began=$$SECONDS; $(1) && echo "      done in $$((SECONDS - began)) s"

run: install migrate
	$(call step,4/4,Starting the app,first run: frontend packages and build about 2–3 min; later about 5 s)
	@$(BIN)/python -m mediaws.serve

test: install test-deps
	$(BIN)/ruff check mediaws tests bench alembic/env.py rxconfig.py
	$(BIN)/mypy
	$(BIN)/python -m pytest

install: $(VENV)/.installed $(BUN) $(WORKBOX)

$(VENV)/.installed: pyproject.toml
	$(call step,1/4,Python packages into $(VENV),about 3 min on a first run)
	$(call timed,(test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)) && $(BIN)/pip install --quiet --upgrade pip \
		&& $(BIN)/pip install --quiet -e .)
	@touch $@

$(BUN):
	$(call step,2/4,bun $(BUN_VERSION) from npm into .tools/ to build the frontend,about 20 s)
	$(call timed,npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION))
	@test -x $(BUN)

$(WORKBOX): scripts/workbox/package-lock.json  # writes sw.js into each production build (service_worker.py)
	$(call step,2/4,Workbox (locked in scripts/workbox) from npm into .tools/workbox for the offline service worker,about 20 s)
	@mkdir -p .tools/workbox && cp scripts/workbox/package.json scripts/workbox/package-lock.json .tools/workbox/
	$(call timed,npm ci --prefix .tools/workbox --no-audit --no-fund --loglevel=error)
	@test -f $(WORKBOX) && touch $(WORKBOX)

$(AXE):
	npm install --prefix .tools/axe --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)
	test -f $(AXE)

$(LIGHTHOUSE):
	npm install --prefix .tools/lighthouse --no-save --no-audit --no-fund --loglevel=error \
		lighthouse@$(LIGHTHOUSE_VERSION)
	test -f $(LIGHTHOUSE)

test-deps: $(VENV)/.test-installed $(AXE) /usr/bin/chromium /usr/bin/ffprobe /usr/bin/pdftotext /usr/sbin/nginx

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

/usr/bin/chromium /usr/bin/ffprobe /usr/bin/pdftotext &:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES)

/usr/sbin/nginx /usr/bin/wrk &:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk

migrate: install
	$(call step,3/4,Database migrations,a few seconds)
	$(call timed,$(BIN)/mediaws db upgrade)

bench: install test-deps /usr/sbin/nginx /usr/bin/wrk $(LIGHTHOUSE)
	$(BIN)/python bench/startup_and_events.py
	$(BIN)/python bench/provider_overhead.py
	$(BIN)/python bench/load.py
	PYTHONPATH=. $(BIN)/python bench/image_budget.py
	$(BIN)/python bench/gallery.py
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/click_dom.py

clean:
	rm -rf .web .states .tools $(VENV)
