#!/usr/bin/env bash
# Starts private instances of the backing services on loopback, on non-default ports,
# with their data, logs and pid files under ${SPYGLASS_INFRA_DIR:-/tmp/spyglass-infra}:
#   postgres  127.0.0.1:55432   mysql  127.0.0.1:53306 (MariaDB)   redis  127.0.0.1:56379
#   rabbitmq  127.0.0.1:55672   kafka  127.0.0.1:59092 (KRaft controller on 59093)
# Usage: bash infra/start.sh [postgres|mysql|redis|rabbitmq|kafka ...]   (default: all five)
# Waits until each service really answers; a service whose port already answers is left
# alone. Idempotent. Install first with infra/install.sh. See docs/infra.md.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BASE="${SPYGLASS_INFRA_DIR:-/tmp/spyglass-infra}"
TIMEOUT="${SPYGLASS_INFRA_TIMEOUT:-180}"
KAFKA_LIBS="$INFRA/.cache/kafka/libs"

PG_PORT=55432
MYSQL_PORT=53306
REDIS_PORT=56379
AMQP_PORT=55672
RABBIT_DIST_PORT=55673
KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
RABBIT_NODE=spyglass@localhost

log() { printf '[infra/start] %s\n' "$*"; }
die() {
  printf '[infra/start] ERROR: %s\n' "$*" >&2
  exit 1
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
pid_alive() { [[ -f $1 ]] && kill -0 "$(head -n 1 "$1")" 2>/dev/null; }

# wait_ready NAME PIDFILE LOGFILE CHECK...: polls CHECK until it succeeds; fails with the
# log tail if the process dies or TIMEOUT seconds pass.
wait_ready() {
  local name=$1 pidfile=$2 logfile=$3
  shift 3
  local deadline=$((SECONDS + TIMEOUT))
  while ! "$@" >/dev/null 2>&1; do
    if [[ -n $pidfile ]] && ! pid_alive "$pidfile"; then
      fail_with_log "$name" "$logfile" "the process exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      # Do not leave a half-started instance behind: the next start.sh starts afresh.
      if [[ -n $pidfile ]] && pid_alive "$pidfile"; then kill -TERM "$(head -n 1 "$pidfile")" || true; fi
      fail_with_log "$name" "$logfile" "not ready after ${TIMEOUT}s (SPYGLASS_INFRA_TIMEOUT)"
    fi
    sleep 1
  done
}

fail_with_log() {
  printf '[infra/start] ERROR: %s: %s. Last lines of %s:\n' "$1" "$3" "$2" >&2
  tail -n 40 "$2" >&2 2>/dev/null || true
  exit 1
}

# already_up NAME PORT PIDFILE: true (and says so) when the service needs no start.
already_up() {
  if port_open "$2"; then
    if pid_alive "$3"; then
      log "$1: already running on 127.0.0.1:$2 (pid $(head -n 1 "$3"))"
    else
      log "$1: 127.0.0.1:$2 already answers (not started by this script): leaving it alone"
    fi
    return 0
  fi
  return 1
}

# --- PostgreSQL ------------------------------------------------------------------
pg_bindir() {
  local d
  for d in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r); do
    [[ -x $d/postgres && -x $d/pg_ctl && -x $d/initdb ]] && {
      echo "$d"
      return
    }
  done
  command -v pg_ctl >/dev/null && dirname "$(readlink -f "$(command -v pg_ctl)")" && return
  return 1
}

start_postgres() {
  local dir="$BASE/postgres" data="$BASE/postgres/data" logfile="$BASE/postgres/postgres.log"
  local pidfile="$BASE/postgres/postgres.pid"
  already_up postgres "$PG_PORT" "$pidfile" && return
  local bin
  bin="$(pg_bindir)" || die "postgres: no PostgreSQL server binaries found: run bash infra/install.sh"
  command -v pg_isready >/dev/null || die "postgres: pg_isready missing: run bash infra/install.sh"

  # PostgreSQL refuses to run as root: run it as the `postgres` system user.
  local as=()
  if [[ $EUID -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 ||
      useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    as=(runuser -u postgres --)
    mkdir -p "$dir"
    chown postgres: "$dir"
    "${as[@]}" test -w "$dir" ||
      die "postgres: user postgres cannot write $dir (is a parent of SPYGLASS_INFRA_DIR private?)"
  else
    mkdir -p "$dir"
  fi
  "${as[@]}" mkdir -p "$dir/run"

  if [[ ! -f $data/PG_VERSION ]]; then
    log "postgres: initdb $data ($("$bin/postgres" --version))"
    rm -rf "$data"
    "${as[@]}" bash -c "umask 077 && printf 'spyglass\n' > '$dir/pwfile'"
    "${as[@]}" "$bin/initdb" -D "$data" -U spyglass --pwfile="$dir/pwfile" -E UTF8 --locale=C \
      --auth-local=trust --auth-host=md5 >"$dir/initdb.log" 2>&1 ||
      fail_with_log postgres "$dir/initdb.log" "initdb failed"
    rm -f "$dir/pwfile"
    cat >>"$data/postgresql.conf" <<EOF

# --- spyglass infra/start.sh ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir/run'
max_connections = 100
shared_buffers = 64MB
fsync = on
log_destination = 'stderr'
logging_collector = off
EOF
    # Password (md5) over TCP on loopback; trust on the private unix socket.
    cat >"$data/pg_hba.conf" <<'EOF'
local all all               trust
host  all all 127.0.0.1/32  md5
host  all all ::1/128       md5
EOF
    chown "$(stat -c %U "$data")": "$data/pg_hba.conf"
  fi

  log "postgres: starting on 127.0.0.1:$PG_PORT (data $data)"
  [[ -f $logfile ]] && mv -f "$logfile" "$logfile.1"
  # Right after a crash the old postmaster's children can hold the data dir for a moment.
  local attempt
  for attempt in 1 2 3 4 5 6; do
    "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$logfile" -s start >"$dir/pg_ctl.log" 2>&1 && break
    if ((attempt == 6)) || ! grep -q 'lock file "postmaster.pid" already exists' "$logfile"; then
      cat "$dir/pg_ctl.log" >&2
      fail_with_log postgres "$logfile" "pg_ctl start failed"
    fi
    sleep 2
  done
  wait_ready postgres "" "$logfile" pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  head -n 1 "$data/postmaster.pid" >"$pidfile"

  export PGPASSWORD=spyglass
  local psql=(psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U spyglass -v ON_ERROR_STOP=1)
  if [[ "$("${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = 'spyglass'")" != 1 ]]; then
    "${psql[@]}" -d postgres -c 'create database spyglass owner spyglass'
  fi
  "${psql[@]}" -d spyglass -tAc 'select 1' >/dev/null
  log "postgres: ready (pid $(cat "$pidfile"))"
}

# --- MySQL (MariaDB) ---------------------------------------------------------------
mariadbd_bin() {
  if [[ -x /usr/sbin/mariadbd ]]; then echo /usr/sbin/mariadbd; else command -v mariadbd; fi
}

start_mysql() {
  local dir="$BASE/mysql" data="$BASE/mysql/data" logfile="$BASE/mysql/mysql.log"
  local pidfile="$BASE/mysql/mysql.pid" socket="$BASE/mysql/run/mysqld.sock"
  already_up mysql "$MYSQL_PORT" "$pidfile" && return
  local bin tool
  bin="$(mariadbd_bin)" || die "mysql: mariadbd missing: run bash infra/install.sh"
  for tool in mariadb-install-db mariadb-admin mariadb; do
    command -v "$tool" >/dev/null || die "mysql: $tool missing: run bash infra/install.sh"
  done

  # mariadbd refuses to run as root: started by root, it runs as the `mysql` system user
  # (--user=mysql: mariadbd switches to it itself, so the pid started here is the server's).
  local as_user=() socket_user
  socket_user="$(id -un)"
  mkdir -p "$dir/run" "$dir/tmp"
  if [[ $EUID -eq 0 ]]; then
    id -u mysql >/dev/null 2>&1 ||
      useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mysql
    as_user=(--user=mysql)
    socket_user=root
    chown mysql: "$dir" "$dir/run" "$dir/tmp"
    runuser -u mysql -- test -w "$dir" ||
      die "mysql: user mysql cannot write $dir (is a parent of SPYGLASS_INFRA_DIR private?)"
  fi
  # Given with --defaults-file (always the first option), only this file is read: not
  # /etc/mysql/ (the system instance's datadir and socket) nor ~/.my.cnf.
  cat >"$dir/my.cnf" <<EOF
# written by infra/start.sh
[mariadbd]
datadir = $data
socket = $socket
pid-file = $dir/run/mariadbd.pid
tmpdir = $dir/tmp
bind-address = 127.0.0.1
port = $MYSQL_PORT
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
max_connections = 100
innodb_buffer_pool_size = 64M
innodb_log_file_size = 48M
performance_schema = OFF
EOF
  chmod 644 "$dir/my.cnf"

  if [[ ! -d $data/mysql ]]; then
    log "mysql: mariadb-install-db $data ($("$bin" --version | sed -E 's/^.* Ver ([^ ]+) .*$/\1/'))"
    rm -rf "$data"
    # root@localhost (and, when not started by root, an administrator named after the OS user
    # running this) log in by unix_socket authentication only: on the private socket, as
    # that same OS user, without a password.
    local socket_admin=()
    [[ $socket_user == root ]] || socket_admin=(--auth-root-socket-user="$socket_user")
    mariadb-install-db --defaults-file="$dir/my.cnf" "${as_user[@]}" "${socket_admin[@]}" \
      --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
      >"$dir/install-db.log" 2>&1 ||
      fail_with_log mysql "$dir/install-db.log" "mariadb-install-db failed"
  fi

  log "mysql: starting on 127.0.0.1:$MYSQL_PORT (data $data)"
  [[ -f $logfile ]] && mv -f "$logfile" "$logfile.1"
  # The server also writes its own pid to run/mariadbd.pid (as mysql, when started by root).
  nohup setsid "$bin" --defaults-file="$dir/my.cnf" "${as_user[@]}" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local admin=(mariadb --no-defaults --socket="$socket" --user="$socket_user")
  # shellcheck disable=SC2317 # called through wait_ready
  mysql_ready() {
    # ping succeeds once the server answers, even if it refuses the login (the setup below says so)
    port_open "$MYSQL_PORT" && mariadb-admin --no-defaults --socket="$socket" --user="$socket_user" ping
  }
  wait_ready mysql "$pidfile" "$logfile" mysql_ready

  # The database and the user, on every start (an older data dir gets them too).
  if ! "${admin[@]}" >"$dir/setup.log" 2>&1 <<'EOF'; then
CREATE DATABASE IF NOT EXISTS spyglass CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'spyglass'@'%' IDENTIFIED BY 'spyglass';
CREATE USER IF NOT EXISTS 'spyglass'@'localhost' IDENTIFIED BY 'spyglass';
GRANT ALL PRIVILEGES ON spyglass.* TO 'spyglass'@'%', 'spyglass'@'localhost';
EOF
    fail_with_log mysql "$dir/setup.log" "creating the spyglass database and user failed"
  fi
  MYSQL_PWD=spyglass mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u spyglass \
    -D spyglass -e 'select 1' >/dev/null 2>"$dir/setup.log" ||
    fail_with_log mysql "$dir/setup.log" "user spyglass cannot log in over TCP"
  log "mysql: ready (pid $(cat "$pidfile"))"
}

# --- Redis -----------------------------------------------------------------------
start_redis() {
  local dir="$BASE/redis" logfile="$BASE/redis/redis.log" pidfile="$BASE/redis/redis.pid"
  already_up redis "$REDIS_PORT" "$pidfile" && return
  command -v redis-server >/dev/null || die "redis: redis-server missing: run bash infra/install.sh"
  mkdir -p "$dir/data"
  cat >"$dir/redis.conf" <<EOF
# written by infra/start.sh
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
dir $dir/data
pidfile $pidfile
logfile ""
save 60 1000
appendonly no
EOF
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  [[ -f $logfile ]] && mv -f "$logfile" "$logfile.1"
  nohup setsid redis-server "$dir/redis.conf" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  # shellcheck disable=SC2317 # called through wait_ready
  redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping)" == PONG ]]; }
  wait_ready redis "$pidfile" "$logfile" redis_ping
  log "redis: ready (pid $(cat "$pidfile"))"
}

# --- RabbitMQ --------------------------------------------------------------------
rabbit_env() {
  local dir="$BASE/rabbitmq"
  export HOME="$dir/home"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_NODENAME="$RABBIT_NODE" RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  export RABBITMQ_LOGS=- RABBITMQ_SASL_LOGS=-
  # Erlang distribution (used by rabbitmqctl) on loopback only.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

start_rabbitmq() {
  local dir="$BASE/rabbitmq" logfile="$BASE/rabbitmq/rabbitmq.log" pidfile="$BASE/rabbitmq/rabbitmq.pid"
  already_up rabbitmq "$AMQP_PORT" "$pidfile" && return
  local rbin=/usr/lib/rabbitmq/bin
  [[ -x $rbin/rabbitmq-server ]] || rbin="$(dirname "$(command -v rabbitmq-server 2>/dev/null || echo /nonexistent)")"
  [[ -x $rbin/rabbitmq-server && -x $rbin/rabbitmqctl ]] ||
    die "rabbitmq: rabbitmq-server missing: run bash infra/install.sh"

  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  chmod 700 "$dir/home"
  if [[ ! -s $dir/home/.erlang.cookie ]]; then
    (umask 077 && printf 'SPYGLASSINFRA%s' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$dir/home/.erlang.cookie")
  fi
  chmod 400 "$dir/home/.erlang.cookie"
  : >"$dir/rabbitmq-env.conf"
  echo '[].' >"$dir/enabled_plugins"
  # default_user/default_pass create spyglass (administrator, full permissions on "/")
  # on the first boot of an empty node; the default "guest" user is then not created.
  cat >"$dir/rabbitmq.conf" <<EOF
# written by infra/start.sh
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
default_vhost = /
default_user = spyglass
default_pass = spyglass
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.console = true
log.console.level = info
log.file = false
vm_memory_high_watermark.relative = 0.2
disk_free_limit.absolute = 50MB
EOF
  (
    rabbit_env
    log "rabbitmq: starting node $RABBIT_NODE on 127.0.0.1:$AMQP_PORT (dist port $RABBIT_DIST_PORT)"
    [[ -f $logfile ]] && mv -f "$logfile" "$logfile.1"
    rm -f "$pidfile"
    nohup setsid "$rbin/rabbitmq-server" >"$logfile" 2>&1 </dev/null &
    echo $! >"$dir/rabbitmq-server.pid"
    # The node writes its own (Erlang VM) pid to rabbitmq.pid; until then watch the wrapper.
    # shellcheck disable=SC2317 # called through wait_ready
    rabbit_ready() {
      port_open "$AMQP_PORT" && "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" await_startup --timeout 5
    }
    wait_ready rabbitmq "$dir/rabbitmq-server.pid" "$logfile" rabbit_ready
    # Existing nodes (data from an older start) get the user here too.
    if ! "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" authenticate_user spyglass spyglass >/dev/null 2>&1; then
      "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" add_user spyglass spyglass 2>/dev/null ||
        "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" change_password spyglass spyglass
      "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" set_user_tags spyglass administrator
    fi
    "$rbin/rabbitmqctl" -q -n "$RABBIT_NODE" set_permissions -p / spyglass '.*' '.*' '.*'
    log "rabbitmq: ready (pid $(cat "$pidfile" 2>/dev/null || cat "$dir/rabbitmq-server.pid"))"
  )
}

# --- Kafka (KRaft, combined broker + controller) -------------------------------------
start_kafka() {
  local dir="$BASE/kafka" logfile="$BASE/kafka/kafka.log" pidfile="$BASE/kafka/kafka.pid"
  already_up kafka "$KAFKA_PORT" "$pidfile" && return
  compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null ||
    die "kafka: no Kafka jars in $KAFKA_LIBS: run bash infra/install.sh"
  command -v java >/dev/null || die "kafka: java missing: run bash infra/install.sh"
  if pid_alive "$pidfile" && grep -qa 'kafka.Kafka' "/proc/$(head -n 1 "$pidfile")/cmdline" 2>/dev/null; then
    log "kafka: pid $(cat "$pidfile") is still running (starting or shutting down): waiting for it"
  else
    mkdir -p "$dir/data"
    cat >"$dir/server.properties" <<EOF
# written by infra/start.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF
    cat >"$dir/log4j2.properties" <<'EOF'
# written by infra/start.sh: everything to stdout (kafka.log), INFO and up
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
EOF
    local java=(java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
      -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir" -cp "$KAFKA_LIBS/*")
    if [[ ! -f $dir/data/meta.properties ]]; then
      # A cluster id is a base64url Uuid (16 random bytes), what `kafka-storage random-uuid` prints.
      # Like Kafka's own generator, never one that starts with '-': the tool's argument parser
      # would read it as an option (seen: "--cluster-id/-t: expected one argument", 1 run in 64).
      while [[ ! -s $dir/cluster.id || $(head -c 1 "$dir/cluster.id") == "-" ]]; do
        head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$dir/cluster.id"
      done
      log "kafka: formatting $dir/data (cluster id $(cat "$dir/cluster.id"))"
      "${java[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$(cat "$dir/cluster.id")" \
        -c "$dir/server.properties" >"$dir/format.log" 2>&1 ||
        fail_with_log kafka "$dir/format.log" "kafka-storage format failed"
    fi
    log "kafka: starting $(basename "$(compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar")" .jar) on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT)"
    [[ -f $logfile ]] && mv -f "$logfile" "$logfile.1"
    nohup setsid "${java[@]}" kafka.Kafka "$dir/server.properties" >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
  fi
  # shellcheck disable=SC2317 # called through wait_ready
  kafka_ready() { port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$logfile"; }
  wait_ready kafka "$pidfile" "$logfile" kafka_ready
  log "kafka: ready (pid $(cat "$pidfile"))"
}

# --- main --------------------------------------------------------------------------
services=("$@")
((${#services[@]})) || services=(postgres mysql redis rabbitmq kafka)
for s in "${services[@]}"; do
  case $s in
  postgres | mysql | redis | rabbitmq | kafka) ;;
  *) die "unknown service '$s' (postgres, mysql, redis, rabbitmq, kafka)" ;;
  esac
done
mkdir -p "$BASE"
chmod 755 "$BASE"
started_at=$SECONDS
for s in "${services[@]}"; do
  t=$SECONDS
  "start_$s"
  log "$s: $((SECONDS - t))s"
done
log "all up in $((SECONDS - started_at))s (data: $BASE); connection settings: source infra/env.sh"
