#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io) and the learner website in the foreground;
# Ctrl-C stops all three.
# Called by `make run`, which has already set up the venv, the spaCy pipeline and the model.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
pids=()

stop_all() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

"$bin/python" -m actions --port "$ACTION_PORT" > >(sed -u 's/^/[actions] /') 2>&1 &
pids+=($!)
"$bin/rasa" run --model models/pause_check.tar.gz --port "$RASA_PORT" --credentials credentials.yml \
  --endpoints endpoints.yml --cors $PAUSECHECK_CORS_ORIGINS > >(sed -u 's/^/[rasa]    /') 2>&1 &
pids+=($!)
"$bin/python" -m web --port "$WEB_PORT" > >(sed -u 's/^/[web]     /') 2>&1 &
pids+=($!)
echo "Starting: learner page on http://localhost:$WEB_PORT, Rasa on http://localhost:$RASA_PORT" \
  "(REST: /webhooks/rest/webhook, socket.io: /socket.io), actions on http://localhost:$ACTION_PORT. Ctrl-C stops all."
# If any server exits (for example broken content), stop the others and report it.
wait -n "${pids[@]}"
echo "A server exited; see its log above." >&2
exit 1
