# jitsi-shards: every entry point an operator or CI uses.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Scenarios derive every secret from a seed made fresh for each run: no fixed secret in git.
export JITSI_SHARDS_TEST_SEED ?= $(shell head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

# Scenarios `make test` runs, in order (each one builds on the harness, not on the others).
SCENARIOS ?= common standins shard overlay front cluster
S ?=

.PHONY: help venv docker image standin-repo harness lint unit molecule test lab lab-down bench

help:
	@echo "make lab        bring up the local lab cluster (README: quick start)"
	@echo "make lab-down   remove the lab"
	@echo "make bench      planning and deploy cost, HAProxy and overlay figures (README: Performance)"
	@echo "make test       everything CI runs: lint, unit, molecule scenarios ($(SCENARIOS))"
	@echo "make lint       ansible-lint (production profile) and yamllint"
	@echo "make unit       pytest: filter plugins, stand-in daemons, upstream conformance of jvb.conf/jicofo.conf"
	@echo "make molecule S=<scenario>   one molecule scenario"

venv:
	@scripts/ensure-venv

docker:
	@scripts/ensure-docker

image: docker
	@scripts/ensure-base-image

standin-repo:
	@if [ -x scripts/build-standin-repo ]; then scripts/build-standin-repo; fi

harness: venv image standin-repo

lint: venv
	yamllint --strict .
	ansible-lint --profile production
	@# The production-shaped example must always pass validation (no host is contacted).
	ansible-playbook -i inventories/example playbooks/validate.yml -e vault_jitsi_secret_seed=example-only >/dev/null

unit: venv
	@scripts/ensure-host-tools
	pytest -q tests/unit

molecule: harness
	@test -n "$(S)" || { echo "usage: make molecule S=<scenario>"; exit 2; }
	cd $(CURDIR) && molecule test -s $(S)

test: lint unit harness
	@set -e; for s in $(SCENARIOS); do \
	  echo "== molecule scenario $$s"; \
	  molecule test -s $$s; \
	done

lab: harness
	@scripts/lab up

lab-down: venv
	@scripts/lab down

# Not part of `make test`: planning cost, deploy cost on the lab, HAProxy and overlay figures.
bench: harness
	@scripts/bench
