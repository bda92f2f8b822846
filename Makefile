# ols: every target does its own set-up, so a fresh clone needs nothing but Python 3.11+,
# npm and make. Nothing here downloads at run time: set-up only uses the package registries.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
KMCP_VERSION := 0.0.67
# sha256 of the linux-amd64 binary in the npm package kubernetes-mcp-server-linux-amd64@0.0.67
KMCP_SHA256_amd64 := bcfe9717eeae7b3a21585548ddd345038cf1f37137ca59251d7e7dc547ed6a3a

TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
VENV := .venv
ARCH := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,amd64)
KMCP_PKG := kubernetes-mcp-server-linux-$(ARCH)
KMCP_DIR := $(TOOLS)/kubernetes-mcp-server/$(KMCP_VERSION)
KMCP_BIN := $(TOOLS)/bin/kubernetes-mcp-server
STATE_DIR ?= .state/sandbox
PORT ?= 0
OLS_PORT ?= 8080
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help setup tools postgres run sandbox test lint format clean bench bench-service bench-memory eval chromium

help:
	@echo "make run    set up, then start the sandbox cluster, kubernetes-mcp-server and the service"
	@echo "make test   set up (Debian's chromium too), then run lint and the whole test suite"
	@echo "make lint   ruff (lint + format check) and mypy"
	@echo "make tools  install uv, the pinned kubernetes-mcp-server and kubectl only"
	@echo "make postgres  install PostgreSQL (Debian's package) if missing, for the tests"
	@echo "make bench  set up, then benchmark tool-call latency (bench/README.md)"
	@echo "make bench-service  set up, then benchmark the service under load (bench/README.md)"
	@echo "make bench-memory   set up, then measure memory per active user (bench/README.md)"
	@echo "make eval   set up, then run the evaluation scenarios with the scripted LLM (docs/evaluation.md)"

setup: $(VENV)/.synced tools

tools: $(UV) $(KMCP_BIN) kubectl

$(UV):
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

# The npm package ships the static Go binary; run it directly (the node launcher writes to
# stdout at shutdown, which corrupts stdio JSON-RPC). The PyPI wrapper downloads at run time.
$(KMCP_BIN):
	mkdir -p $(KMCP_DIR) $(TOOLS)/bin
	npm install --prefix $(KMCP_DIR) --no-save --no-package-lock --no-audit --no-fund \
		$(KMCP_PKG)@$(KMCP_VERSION)
	@if [ "$(ARCH)" = amd64 ]; then \
		echo "$(KMCP_SHA256_amd64)  $(KMCP_DIR)/node_modules/$(KMCP_PKG)/bin/$(KMCP_PKG)" \
		  | sha256sum --check --quiet || { echo "kubernetes-mcp-server checksum mismatch"; exit 1; }; \
	fi
	ln -sf ../kubernetes-mcp-server/$(KMCP_VERSION)/node_modules/$(KMCP_PKG)/bin/$(KMCP_PKG) $@
	$@ --version

# kubectl is in the base image; Debian's kubernetes-client provides it where it is missing.
kubectl:
	@command -v kubectl >/dev/null || { apt-get update -qq && apt-get install -y -qq kubernetes-client; }

# The web tests drive Debian's Chromium with Playwright (browser downloads do not work here).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# PostgreSQL's server binaries, for the tests that run on PostgreSQL (tests/support/postgres.py
# starts a private server in a temporary directory); Debian's package where they are missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

run: setup
	@STATE_DIR=$(STATE_DIR) PORT=$(PORT) OLS_PORT=$(OLS_PORT) scripts/run-stack.sh

eval: setup
	$(VENV)/bin/ols eval --scripted --report eval-report

sandbox: setup
	$(VENV)/bin/ols sandbox up --state-dir $(STATE_DIR) --port $(PORT)

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests
	$(VENV)/bin/mypy

format: $(VENV)/.synced
	$(VENV)/bin/ruff format src tests
	$(VENV)/bin/ruff check --fix src tests

test: setup chromium postgres lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Not part of `make test`. Builds bench/.venv-reference (pinned, from PyPI) on first use.
# BENCH_ARGS="--calls 50" for a shorter run.
BENCH_ARGS ?=
bench: setup
	$(VENV)/bin/python bench/tool_latency.py --reference-python $(PYTHON) $(BENCH_ARGS)

# BENCH_ARGS="--requests 100" for a shorter run (default 300 questions per cell, ~8 minutes).
bench-service: setup
	$(VENV)/bin/python bench/service_load.py $(BENCH_ARGS)

bench-memory: setup
	$(VENV)/bin/python bench/memory_per_user.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .state .pytest_cache .mypy_cache .ruff_cache test-artifacts
