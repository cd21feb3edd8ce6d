# Safar: two commands for a newcomer, `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
RASA_VENV := .venv-rasa
SAFAR := $(VENV)/bin/safar
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup prepare bench load faults fuzz lock clean

## run: create what is missing, train/index what is stale, start everything (console chat without a token)
run: setup
	@$(SAFAR) run

## test: set up, then run the whole test suite
test: setup
	@scripts/ensure-chromium.sh
	@$(SAFAR) prepare
	@$(SAFAR) kb validate
	$(VENV)/bin/python -m pytest

## setup: both Python environments (reinstalled only when their pins change)
setup: $(VENV)/.installed $(RASA_VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/app.lock
	@scripts/make-venv.sh app

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa.lock
	@scripts/make-venv.sh rasa

## bench: retrieval benchmark (BM25, dense, hybrid) on the labelled set
bench: setup
	@$(SAFAR) prepare
	$(VENV)/bin/python benchmarks/retrieval.py

## load: the whole stack under simulated people at rising rates (LOAD_ARGS="--sustain 10 --seconds 300", "--production")
load: setup
	@$(SAFAR) prepare
	$(VENV)/bin/python benchmarks/load.py $(LOAD_ARGS)

## faults: kill Rasa, the action server, the bot (and PostgreSQL with FAULT_ARGS=--production) under load; exit 1 on any loss
faults: setup
	@$(SAFAR) prepare
	$(VENV)/bin/python benchmarks/faults.py $(FAULT_ARGS)

## fuzz: the fuzz tests on newly drawn examples and a random seed (make test replays the fixed ones)
fuzz: setup
	@$(SAFAR) prepare
	SAFAR_FUZZ_RANDOM=1 $(VENV)/bin/python -m pytest tests/fuzz/test_fuzz.py $(FUZZ_ARGS)

## lock: regenerate the full pin sets from the current environments
lock:
	{ sed -n '/^#/p' requirements/app.lock; $(VENV)/bin/pip freeze --exclude-editable | grep -v '^torch=='; } > requirements/app.lock.new && mv requirements/app.lock.new requirements/app.lock
	{ sed -n '/^#/p' requirements/rasa.lock; $(RASA_VENV)/bin/pip freeze --exclude-editable; } > requirements/rasa.lock.new && mv requirements/rasa.lock.new requirements/rasa.lock

clean:
	rm -rf models var/index
