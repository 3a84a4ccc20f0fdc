# Rampart: the two commands are `make up` (the main job, on the lab) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAB_RELEASE ?= mixed
# Debian packages the controller needs: the lab (debootstrap ... apt-cacher-ng), venv,
# prometheus for promtool (rules, metrics) and a real Prometheus in unit tests,
# prometheus-alertmanager for amtool and a real Alertmanager in unit tests, chromium to
# print the evaluation's PDF (and open its HTML in tests), poppler-utils to render the PDF,
# ClamAV (sigtool, clamscan, clamd, clamdscan) for the antivirus' unit tests: Debian's
# freshclam units are masked first, so the controller never fetches signatures itself;
# AIDE for the file integrity's unit tests, auditd (auditctl, ausearch and the daemon) for
# the audit rules' test in this machine's real kernel.
SYSTEM_PACKAGES := debootstrap systemd-container iproute2 nftables openssh-client \
	apt-cacher-ng python3-venv prometheus prometheus-alertmanager chromium poppler-utils \
	clamav clamav-daemon clamdscan aide auditd
PYTHON_SOURCES := src exporters tests plugins
# Tools of the venv first (testinfra calls ansible-inventory from PATH).
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help up down test lint unit integration bench system-packages venv rules dashboards

help:
	@echo "make up     install what is needed, bring the lab up, run playbooks/site.yml, summarise"
	@echo "make down   take the lab away (nothing left behind)"
	@echo "make test   lint, unit tests, then integration tests on a lab it brings up and down"
	@echo "make lint   ruff, mypy, ansible-lint (production profile), yamllint, promtool"
	@echo "make rules  regenerate monitoring/rules/availability.yml and controls.yml from Python"
	@echo "make dashboards  regenerate monitoring/dashboards/*.json from their Python source"
	@echo "make bench  the lab's, the prober's, the evaluation's, the antivirus', the file integrity's, the storage's and the encryption's figures (tests/benchmarks)"

system-packages:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$package 2>/dev/null | grep -q "ok installed" \
			|| missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		for unit in clamav-freshclam.service clamav-freshclam-once.service \
			clamav-freshclam-once.timer; do \
			[ -e /etc/systemd/system/$$unit ] || ln -s /dev/null /etc/systemd/system/$$unit; \
		done; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing >/dev/null; \
	fi

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/.installed

up: system-packages venv
	$(BIN)/rampart lab up --release $(LAB_RELEASE)
	$(BIN)/ansible-playbook playbooks/site.yml
	$(BIN)/rampart summary

down: venv
	$(BIN)/rampart lab down

lint: venv
	$(BIN)/ruff check $(PYTHON_SOURCES)
	$(BIN)/ruff format --check $(PYTHON_SOURCES)
	$(BIN)/mypy
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint --profile production --offline
	$(BIN)/python -m rampart.monitoring.rules --check
	$(BIN)/python -m rampart.monitoring.dashboards --check
	promtool check rules monitoring/rules/*.yml

# The availability and controls rules are generated from Python (src/rampart/monitoring/rules.py).
rules: venv
	$(BIN)/python -m rampart.monitoring.rules

# The Grafana dashboards are built with grafana-foundation-sdk (src/rampart/monitoring/dashboards).
dashboards: venv
	$(BIN)/python -m rampart.monitoring.dashboards

unit: venv
	$(BIN)/pytest tests/unit

integration: system-packages venv
	RAMPART_LAB_RELEASE=$(LAB_RELEASE) $(BIN)/pytest --durations=40 tests/integration

test: system-packages venv lint unit integration

bench: system-packages venv
	$(BIN)/python -m tests.benchmarks.lab_benchmark
	$(BIN)/python -m tests.benchmarks.prober_benchmark
	$(BIN)/python -m tests.benchmarks.evaluation_benchmark
	$(BIN)/python -m tests.benchmarks.antivirus_benchmark
	$(BIN)/python -m tests.benchmarks.audit_benchmark
	$(BIN)/python -m tests.benchmarks.storage_benchmark
	$(BIN)/python -m tests.benchmarks.encryption_benchmark
