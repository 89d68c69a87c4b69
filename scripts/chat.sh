#!/usr/bin/env bash
# Terminal chat (scripts/chat.py) through the REST webhook. Uses the servers `make run` started when they answer;
# otherwise starts an action server and a Rasa server for this chat, their logs in var/ (none on the terminal).
# LEARNER=<id> resumes that learner's conversation and progress; otherwise a new learner id is made.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
learner="${LEARNER:-shell-$(date +%s)}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

wait_for() {  # url, pid, log
  for _ in $(seq 1 240); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 40 "$3" >&2; exit 1; }
    sleep 0.5
  done
  echo "Timed out waiting for $1 (log: $3)" >&2; exit 1
}

if ! curl -fsS "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1; then
  "$bin/python" -m actions --port "$ACTION_PORT" > var/chat-actions.log 2>&1 &
  pids+=($!)
  wait_for "http://localhost:$ACTION_PORT/health" "$!" var/chat-actions.log
fi
rasa_url="http://localhost:$RASA_PORT"
if ! curl -fsS "$rasa_url/webhooks/rest/" >/dev/null 2>&1; then
  rasa_url="http://localhost:$((RASA_PORT + 1))"
  echo "Starting the tutor (about a minute; log: var/chat-rasa.log)…"
  "$bin/rasa" run --model models/pause_check.tar.gz --port "$((RASA_PORT + 1))" --credentials credentials.yml \
    --endpoints endpoints.yml > var/chat-rasa.log 2>&1 &
  pids+=($!)
  wait_for "$rasa_url/webhooks/rest/" "$!" var/chat-rasa.log
fi
echo "Learner id: $learner (resume later with: make chat LEARNER=$learner)."
"$bin/python" scripts/chat.py --url "$rasa_url" --sender "$learner"
