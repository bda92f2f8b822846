#!/usr/bin/env bash
# `make run`: the sandbox cluster with kubernetes-mcp-server, then the ols service against it.
# Ctrl-C stops both.
set -euo pipefail
state=${STATE_DIR:-.state/sandbox}
api_port=${PORT:-0}
service_port=${OLS_PORT:-8080}
ols=.venv/bin/ols

rm -f "$state/sandbox.json"
"$ols" sandbox up --state-dir "$state" --port "$api_port" &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 600); do
  [ -f "$state/sandbox.json" ] && break
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "the sandbox failed to start" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

The sandbox runs (kubeconfigs in $state).

Web chat: http://127.0.0.1:$service_port/
  sign in by pasting a user's token, e.g. alice's:
  .venv/bin/ols sandbox token alice --state-dir $state

Or ask a first question in another terminal:

  .venv/bin/ols ask "why is the api pod in team-a crash-looping?" --sandbox $state --user alice

or over HTTP:

  curl -s http://127.0.0.1:$service_port/v1/query -H 'Content-Type: application/json' \\
    -H "Authorization: Bearer \$(.venv/bin/ols sandbox token alice --state-dir $state)" \\
    -d '{"query": "why is the api pod in team-a crash-looping?"}'

MSG
# The shipped runbooks (or whatever was indexed there before), updated: only changed files
# are read again. `ols serve --sandbox` answers from this index.
"$ols" docs index --index "$state/docs-index"
if [ -z "${OLS_LLM_URL:-}" ]; then
  echo "No LLM configured: set OLS_LLM_URL (an OpenAI-compatible /v1 URL) and OLS_LLM_MODEL," >&2
  echo "e.g. OLS_LLM_URL=http://127.0.0.1:11434/v1 OLS_LLM_MODEL=qwen2.5:7b make run." >&2
  echo "Until then the service runs and queries answer 503; kubectl and 'ols tools' work." >&2
fi
"$ols" serve --sandbox "$state" --port "$service_port"
