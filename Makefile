# The only place that spells out the commands. `make help` lists the targets.
SHELL := /bin/bash
SVC := .venv/bin/python
BOT := .venv-bot/bin/python
EVAL_ARGS ?= --cross-validation
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: help run run-prod test envs browser env-services env-bot train chaos lint validate test-services test-bot test-stack \
        run-bot run-actions run-api bench bench-analytics security eval lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: envs train ## set up and run the assistant locally (web chat + staff dashboard)
	@$(SVC) -m tools.stack run

test: envs train lint validate test-services test-bot test-stack ## set up and run every test tier
	@echo "all test tiers passed"

envs: env-services env-bot ## build the two virtual environments (cached by lock file)

env-services:
	@tools/setup_env.sh services

browser: ## Debian chromium for the page tests (installed once if missing)
	@tools/ensure_chromium.sh

env-bot:
	@tools/setup_env.sh bot

train: env-bot ## train the Rasa model if its inputs changed
	@$(BOT) tools/model.py train

lint: env-services ## ruff, mypy and the import rules (pyproject.toml [tool.importlinter])
	$(SVC) -m ruff check api actions tools tests bot textnorm
	$(SVC) -m ruff format --check api actions tools tests bot textnorm
	$(SVC) -m mypy
	PYTHONPATH=. .venv/bin/lint-imports --no-cache

validate: envs ## check seeds/ and the Rasa training data, and that no evaluation message is trained on
	$(SVC) -m api validate-seeds
	$(SVC) -m tools.check_heldout
	$(BOT) tools/validate_bot.py

test-services: env-services ## unit and integration tests (SQLite and PostgreSQL)
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} $(SVC) -m pytest -m "not stack" \
	  --ignore=tests/bot tests

test-bot: env-bot train ## NLU tests against the trained model (bot environment)
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} \
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) -m pytest tests/bot

test-stack: envs train browser ## end-to-end through the running stack (Rasa, actions, gateway)
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} $(SVC) -m pytest -m stack --ignore=tests/bot tests

run-prod: envs train ## production profile: N Rasa, action server, M gateway workers under supervisord (settings: .env, see .env.example)
	$(SVC) -m tools.prod run

run-bot: env-bot train ## only the Rasa server
	BDHVS_ACTION_ENDPOINT=$${BDHVS_ACTION_ENDPOINT:-http://127.0.0.1:5055/webhook} \
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false $(BOT) -m bot run --model $$($(BOT) tools/model.py path) \
	  --endpoints bot/endpoints.yml --credentials bot/credentials.yml --interface 127.0.0.1

run-actions: env-services ## only the action server
	SANIC_HOST=$${SANIC_HOST:-127.0.0.1} $(SVC) -m rasa_sdk --actions actions

run-api: env-services ## only the gateway
	$(SVC) -m api prepare && $(SVC) -m api serve

eval: envs train ## NLU evaluation on tests/eval + 5-fold cross-validation, scam warnings on tests/safety -> eval/ (EVAL_ARGS= skips the CV)
	$(SVC) -m tools.evaluate_safety
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) tools/evaluate.py $(EVAL_ARGS)
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) -m tools.evaluate_dev

bench: envs train ## chat latency, throughput, cold start, memory, one 500-turn conversation, each hop of a turn in both profiles, the SQL tracker store + dashboard on 1M turns -> bench/
	$(SVC) -m tools.bench
	$(SVC) -m tools.bench_session
	$(SVC) -m tools.bench_http
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} $(SVC) -m tools.bench_hotpaths gateway
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) -m tools.bench_hotpaths selector
	PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) -m tools.bench_shape
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 $(BOT) -m tools.bench_tracker
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} $(SVC) -m tools.bench_hops
	$(SVC) -m tools.bench_analytics --database-url $(PG_URL)

chaos: envs train ## production profile under 10 000 turns while a Rasa instance, the action server, a gateway worker and Redis are killed -> bench/chaos.json
	BDHVS_TEST_POSTGRES_URL=$${BDHVS_TEST_POSTGRES_URL:-$(PG_URL)} $(SVC) -m tools.chaos $(CHAOS_ARGS)

security: env-services ## hostile and oversized inputs replayed against a gateway on loopback -> bench/security.json
	$(SVC) -m tools.bench_security

bench-analytics: env-services ## dashboard response times over 1 000 000 generated turns (PostgreSQL) -> bench/analytics.json
	$(SVC) -m tools.bench_analytics --database-url $(PG_URL)

lock: ## regenerate requirements/*.lock from the current environments
	@echo "# Bot environment lock (Python 3.10): rasa 3.6.21 and what bot/ needs. Regenerate: make lock" > requirements/bot.lock
	@.venv-bot/bin/pip freeze --all | grep -v '^pip=' >> requirements/bot.lock
	@echo "# Services environment lock (Python 3.10): api/, actions/, dev tools. Regenerate: make lock" > requirements/services.lock
	@.venv/bin/pip freeze --all | grep -v '^pip=' >> requirements/services.lock

clean: ## remove models, local database and logs
	rm -rf models var/logs var/*.sqlite3*
