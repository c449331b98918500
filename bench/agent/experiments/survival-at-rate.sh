#!/usr/bin/env bash
# Experiment (not a benchmark): what survives V8's scavenges in async-route-app.cjs at a fixed
# 2000 requests/s (32 connections, 12 s), with or without the agent.
#   bash bench/agent/experiments/survival-at-rate.sh MODE agent|none [AGENT_CONFIG]
# NODE_BIN picks the Node.js (default: infra's 24.22.3); EXTRA adds node flags. Needs
# infra/start.sh's PostgreSQL and Redis. Prints bytes surviving each scavenge (copied + promoted),
# promoted, and the semi-space's size at the end (see bench/agent/RESULTS.md, twenty-third session).
set -euo pipefail
cd "$(dirname "$0")/../../.."
source infra/env.sh >/dev/null
NODE_BIN=${NODE_BIN:-$PWD/infra/.cache/node/24.22.3/bin/node}
LOG=$(mktemp)
export PG_URL=$SPYGLASS_PG_URL REDIS_URL=$SPYGLASS_REDIS_URL PORT=${PORT:-18600} MODE=$1
PRELOAD=()
if [ "$2" = agent ]; then
  PRELOAD=(--require "$PWD/packages/agent/dist/register.cjs")
  export SPYGLASS_SERVICE_NAME=survival SPYGLASS_ENDPOINT=http://127.0.0.1:9
  if [ -n "${3:-}" ]; then export SPYGLASS_AGENT_CONFIG=$3; fi
fi
# shellcheck disable=SC2086
"$NODE_BIN" --trace-gc-nvp ${EXTRA:-} "${PRELOAD[@]}" bench/agent/experiments/async-route-app.cjs >"$LOG" 2>&1 &
APP=$!
sleep 1.5
npx autocannon -c "${CONNECTIONS:-32}" -d 12 ${RATE_ARGS--R 2000} "http://127.0.0.1:$PORT/" >/dev/null 2>&1
kill "$APP"
sleep 0.5
awk -v label="$1 $2 ${3:-}" '/gc=s /{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  n++; survived += v["promoted"] + v["new_space_survived"]; promoted += v["promoted"]; semi = v["new_space_capacity"]
} END {
  printf "%s: %d scavenges, survived %d KB, promoted %d KB per scavenge, semi-space %d MB\n",
    label, n, survived / n / 1024, promoted / n / 1024, semi / 1048576
}' "$LOG"
rm -f "$LOG"
