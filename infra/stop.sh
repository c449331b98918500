#!/usr/bin/env bash
# Stops the private backing-service instances that infra/start.sh started, through their
# pid files under ${SPYGLASS_INFRA_DIR:-/tmp/spyglass-infra}, each with its clean-shutdown
# signal, waiting until it has exited. Data is kept (see docs/infra.md to reset it).
# Usage: bash infra/stop.sh [postgres|mysql|redis|rabbitmq|kafka ...]   (default: all five)
set -euo pipefail

BASE="${SPYGLASS_INFRA_DIR:-/tmp/spyglass-infra}"
TIMEOUT="${SPYGLASS_INFRA_TIMEOUT:-120}"

log() { printf '[infra/stop] %s\n' "$*"; }
die() {
  printf '[infra/stop] ERROR: %s\n' "$*" >&2
  exit 1
}

# stop_pid NAME PIDFILE SIGNAL: sends SIGNAL to the pid in PIDFILE and waits for it to exit
# (SIGKILL after TIMEOUT seconds). Says so when nothing was running.
stop_pid() {
  local name=$1 pidfile=$2 signal=$3 pid
  if [[ ! -s $pidfile ]] || ! pid="$(head -n 1 "$pidfile")" || ! kill -0 "$pid" 2>/dev/null; then
    log "$name: not running"
    rm -f "$pidfile"
    return 0
  fi
  log "$name: stopping pid $pid (SIG$signal)"
  kill "-$signal" "$pid"
  local deadline=$((SECONDS + TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "$name: pid $pid still running after ${TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.5
  done
  rm -f "$pidfile"
  log "$name: stopped"
}

stop_postgres() {
  # postmaster.pid is PostgreSQL's own; SIGINT is its "fast" shutdown (clean, aborts sessions).
  local pidfile="$BASE/postgres/data/postmaster.pid"
  [[ -s $pidfile ]] || pidfile="$BASE/postgres/postgres.pid"
  stop_pid postgres "$pidfile" INT
  rm -f "$BASE/postgres/postgres.pid"
}

stop_mysql() {
  # SIGTERM: MariaDB's normal shutdown (InnoDB flushes and closes its files).
  stop_pid mysql "$BASE/mysql/mysql.pid" TERM
}

stop_redis() {
  # SIGTERM: Redis saves its RDB snapshot (save points are configured) and exits.
  stop_pid redis "$BASE/redis/redis.pid" TERM
}

stop_rabbitmq() {
  # SIGTERM to the Erlang VM is RabbitMQ's graceful shutdown; the wrapper script then exits.
  local dir="$BASE/rabbitmq"
  if [[ -s $dir/rabbitmq.pid ]]; then
    stop_pid rabbitmq "$dir/rabbitmq.pid" TERM
  else
    stop_pid rabbitmq "$dir/rabbitmq-server.pid" TERM
  fi
  stop_pid rabbitmq-server-wrapper "$dir/rabbitmq-server.pid" TERM >/dev/null
  # epmd (Erlang's port mapper) outlives the node; stop it when no node is left using it.
  local epmd
  epmd="$(compgen -G '/usr/lib/erlang/erts-*/bin/epmd' | head -n 1 || true)"
  [[ -n $epmd ]] || epmd="$(command -v epmd || true)"
  if [[ -n $epmd ]] && "$epmd" -names >/dev/null 2>&1 && ! "$epmd" -names 2>/dev/null | grep -q '^name '; then
    if "$epmd" -kill >/dev/null 2>&1; then log "rabbitmq: stopped the idle epmd"; fi
  fi
}

stop_kafka() {
  # SIGTERM: Kafka's controlled shutdown (flushes logs, closes the KRaft log cleanly).
  stop_pid kafka "$BASE/kafka/kafka.pid" TERM
}

services=("$@")
((${#services[@]})) || services=(kafka rabbitmq redis mysql postgres)
for s in "${services[@]}"; do
  case $s in
  postgres | mysql | redis | rabbitmq | kafka) ;;
  *) die "unknown service '$s' (postgres, mysql, redis, rabbitmq, kafka)" ;;
  esac
done
for s in "${services[@]}"; do
  "stop_$s"
done
