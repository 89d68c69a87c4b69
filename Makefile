# Pause & Check. Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Configuration (override on the command line or in the environment; documented in docs/operations.md).
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export PAUSECHECK_DB ?= $(CURDIR)/var/progress.db
export PAUSECHECK_TRACKER_DB ?= $(CURDIR)/var/tracker.db
export PAUSECHECK_CONTENT_DIR ?= $(CURDIR)/quizzes
export PAUSECHECK_MAX_MESSAGE_CHARS ?= 1000
export PAUSECHECK_MESSAGE_BURST ?= 10
export PAUSECHECK_MESSAGES_PER_SECOND ?= 1
export WEB_PORT ?= 8000
export PAUSECHECK_RASA_URL ?= http://localhost:$(RASA_PORT)
export PAUSECHECK_CORS_ORIGINS ?= http://localhost:$(WEB_PORT)
export PAUSECHECK_SIGNIN_MAX_FAILURES ?= 5
export PAUSECHECK_SIGNIN_WINDOW_SECONDS ?= 300
# Nothing is sent anywhere, and TensorFlow keeps its start-up chatter down.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

VENV := .venv
BIN := $(VENV)/bin
SPACY_MODEL := build/spacy/pause_check_en/meta.json
MODEL := models/pause_check.tar.gz
WIDGET := web/static/build/pause-check-widget.js
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml') $(SPACY_MODEL)

.PHONY: help setup system-deps run chat test test-fast test-unit test-rasa eval eval-ci eval-grading bench bench-report demo-cohort clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt constraints.txt
	@python="$$(scripts/find-python310.sh)" || exit 1; \
	  test -x $(BIN)/python || "$$python" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==23.3.2" "setuptools==70.3.0" "wheel==0.45.1"
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(SPACY_MODEL): $(BIN)/.installed bot/nlu/pipeline.py data/nlu/synonyms.yml
	$(BIN)/python -m bot build-spacy --output build/spacy/pause_check_en

$(MODEL): $(BIN)/.installed $(TRAINING_INPUTS)
	$(BIN)/rasa train --fixed-model-name pause_check --out models
	touch $@

$(WIDGET): web/widget/package.json web/widget/package-lock.json $(wildcard web/widget/src/*)
	cd web/widget && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

setup: $(BIN)/.installed $(SPACY_MODEL) $(MODEL) $(WIDGET)  ## Create the venv, build the spaCy pipeline and the widget, train if inputs changed
	@mkdir -p var

run: setup  ## Start the action server, the Rasa server and the learner website (Ctrl-C stops all)
	$(BIN)/python -m bot validate-content
	scripts/run.sh

chat: setup  ## Terminal chat with the bot (starts the action server if none is running). LEARNER=id to resume
	scripts/chat.sh

system-deps:  ## Install what the tests need beyond Python when missing: chromium, redis-server, postgresql (apt), axe-core (npm)
	scripts/install-system-deps.sh

test: system-deps setup test-unit test-rasa eval-grading eval-ci  ## Set up, then run every test (and the grader and NLU targets)

test-fast: $(BIN)/.installed $(SPACY_MODEL) $(WIDGET)  ## Only the tests that start no server or browser (under a minute on two cores)
	$(BIN)/python -m pytest -m "not server"

test-unit: system-deps $(BIN)/.installed $(SPACY_MODEL)
	PAUSECHECK_REQUIRE_SERVICES=1 $(BIN)/python -m pytest

test-rasa: setup
	$(BIN)/rasa data validate
	$(BIN)/rasa test core --e2e --stories tests/ --model $(MODEL) --fail-on-prediction-errors --out results/core

eval: $(BIN)/.installed $(SPACY_MODEL)  ## NLU: ours vs Rasa's default pipeline, held-out split and 5-fold CV (results/nlu-eval/)
	$(BIN)/python scripts/nlu_eval.py --out results/nlu-eval --folds 5

eval-ci: $(BIN)/.installed $(SPACY_MODEL) $(MODEL)  ## Reduced NLU evaluation for CI: the trained model on the held-out split; fails below the floors
	$(BIN)/python scripts/nlu_eval.py --out results/nlu-eval-ci --skip-default --model ours=$(MODEL) --folds 0 --check

eval-grading: $(BIN)/.installed $(SPACY_MODEL)  ## Free-text grader precision/recall on tests/grading/ (results/grading/summary.md)
	$(BIN)/python scripts/eval_grading.py

bench: setup  ## Load benchmark: simulated learners at once through the REST webhook (results/bench/summary.md)
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

bench-report: $(BIN)/.installed  ## Time cohort reports on a synthetic store of 10,030 learners (results/bench-report.md)
	$(BIN)/python scripts/bench_report.py

demo-cohort: $(BIN)/.installed  ## Add a demo cohort of 30 synthetic learners to the store; prints its code and token
	$(BIN)/python -m bot cohort demo --learners 30

clean:  ## Remove the venv, built pipeline, models and results (keeps var/ with learner progress)
	rm -rf $(VENV) build models results web/static/build web/widget/node_modules
