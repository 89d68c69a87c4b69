#!/usr/bin/env bash
# Terminal chat (Rasa shell). Starts the action server for the session when none answers on ACTION_PORT.
# LEARNER=<id> resumes that learner's conversation and progress; otherwise a new learner id is made.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
learner="${LEARNER:-shell-$(date +%s)}"
action_pid=""
cleanup() { [ -n "$action_pid" ] && kill "$action_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if ! curl -fsS "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1; then
  "$bin/python" -m actions --port "$ACTION_PORT" > var/chat-actions.log 2>&1 &
  action_pid=$!
  for _ in $(seq 1 60); do
    curl -fsS "http://localhost:$ACTION_PORT/health" >/dev/null 2>&1 && break
    kill -0 "$action_pid" 2>/dev/null || { cat var/chat-actions.log >&2; exit 1; }
    sleep 0.5
  done
  echo "Action server started for this chat (log: var/chat-actions.log)."
fi
echo "Learner id: $learner (resume later with: make chat LEARNER=$learner). Type /stop to quit the shell."
"$bin/rasa" shell --model models/pause_check.tar.gz --endpoints endpoints.yml --conversation-id "$learner" \
  --port "$((RASA_PORT + 1))"
