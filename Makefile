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
# (shard before autoscale, beside cluster, was slower: cluster took 996-1,020 s against 894-944,
# the two biggest deploys meeting at the start.)
# edge follows autoscale on the second lane, so shard and standins fill the first after cluster.
SCENARIOS ?= cluster autoscale edge shard standins
JOBS ?= 2
S ?=

.PHONY: help venv docker image standin-repo harness lint unit molecule test lab lab-down bench bench-smoke

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

# Two scenarios at a time, longest first (JOBS=1 for one at a time); logs in .cache/test-logs/.
# The scenarios start first (they take longest); lint, unit and the bench smoke run meanwhile at
# a lower CPU priority (a 2-core machine gives the scenarios' timed steps the CPU first), and
# their report follows. Any failure fails the target, after everything has run.
test: venv harness
	@mkdir -p .cache/test-logs
	@JOBS=$(JOBS) scripts/test-scenarios $(SCENARIOS) >.cache/test-logs/scenarios.out 2>&1 & scenarios=$$!; \
	rc=0; nice -n 10 $(MAKE) --no-print-directory lint unit bench-smoke || rc=$$?; \
	wait $$scenarios || rc=1; cat .cache/test-logs/scenarios.out; exit $$rc

lab: harness
	@scripts/lab up

lab-down: venv
	@scripts/lab down

# Not part of `make test` (its smoke run is): validate.yml at 100/1,000/5,000 hosts, warm
# site.yml with Mitogen and linear, HAProxy and overlay figures.
bench: harness
	@scripts/bench

# validate.yml on a generated 100-host inventory: the bench's first step, in make test.
bench-smoke: venv
	@scripts/bench --smoke
