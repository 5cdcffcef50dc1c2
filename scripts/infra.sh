#!/usr/bin/env bash
# Local infrastructure for Espalier: a real PostgreSQL server and a real
# Apache Kafka 3.9 broker (KRaft, single node), started without Docker.
#
#   bash scripts/infra.sh up             start both (idempotent), wait until ready,
#                                        print `export ...` lines on stdout
#   bash scripts/infra.sh down           stop both gracefully (idempotent)
#   bash scripts/infra.sh status         say whether each runs (always exits 0)
#   bash scripts/infra.sh env            print the `export ...` lines only
#   bash scripts/infra.sh kafka-restart  graceful broker stop + start (waits for readiness)
#   bash scripts/infra.sh kafka-stop | kafka-start
#   bash scripts/infra.sh postgres-stop | postgres-start   (outage tests)
#   bash scripts/infra.sh reset          down, then delete all data (keeps Kafka jars)
#
# Typical use:  eval "$(bash scripts/infra.sh up)"
#
# Everything lives under <repo>/.infra (git-ignored). stdout carries only the
# export lines, all progress goes to stderr, so the output can be eval'ed.
#
# Environment overrides:
#   ESPALIER_INFRA_KAFKA_PORT              PLAINTEXT listener   (default 19092)
#   ESPALIER_INFRA_KAFKA_CONTROLLER_PORT   KRaft controller     (default kafka port + 1)
#   ESPALIER_INFRA_PG_PORT                 PostgreSQL           (default 15432)
#   ESPALIER_INFRA_TIMEOUT                 readiness timeout, s (default 120)
set -euo pipefail

# ---------------------------------------------------------------- settings ---

# Paths are derived from this file's location so the repo can live anywhere
# (CI runs from a fresh clone in another folder).
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
INFRA="$ROOT/.infra"

KAFKA_PORT="${ESPALIER_INFRA_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${ESPALIER_INFRA_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
PG_PORT="${ESPALIER_INFRA_PG_PORT:-15432}"
READY_TIMEOUT="${ESPALIER_INFRA_TIMEOUT:-120}"
KAFKA_STOP_TIMEOUT=60
PG_STOP_TIMEOUT=60

# The Kafka version is the one in infra/kafka/pom.xml; if Maven Central
# refuses it, this one is tried instead.
KAFKA_FALLBACK_VERSION=3.9.2

KAFKA_POM="$ROOT/infra/kafka/pom.xml"
KAFKA_LOG4J="$ROOT/infra/kafka/log4j.properties"
KAFKA_DIR="$INFRA/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_LIBS_MARKER="$KAFKA_LIBS/.resolved"   # holds the hash of pom.xml they came from
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
KAFKA_OUT="$KAFKA_LOGS/kafka.out"
KAFKA_PROPS="$KAFKA_DIR/server.properties"
KAFKA_PID_FILE="$KAFKA_DIR/kafka.pid"
KAFKA_CLUSTER_ID_FILE="$KAFKA_DIR/cluster-id"

PG_DIR="$INFRA/postgres"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"        # unix socket directory
PG_LOGS="$PG_DIR/logs"
PG_LOG="$PG_LOGS/postgres.log"
PG_APP_DB=espalier
PG_APP_USER=espalier
PG_APP_PASSWORD=espalier

# The parts, one concern each.
# shellcheck source=infra/common.sh
source "$SCRIPT_DIR/infra/common.sh"
# shellcheck source=infra/postgres.sh
source "$SCRIPT_DIR/infra/postgres.sh"
# shellcheck source=infra/kafka.sh
source "$SCRIPT_DIR/infra/kafka.sh"

# =============================================================== commands ===

cmd_up() {
  local start=$SECONDS
  take_lock
  # Launch the broker first and wait for it last, so that its JVM boots
  # while PostgreSQL starts.
  kafka_start_begin
  pg_up
  kafka_wait_ready
  log "infrastructure up in $((SECONDS - start))s"
  print_env
}

cmd_down() {
  take_lock
  kafka_stop
  if PG_BIN="$(pg_bindir)"; then pg_stop; else log "PostgreSQL is not installed"; fi
}

# Informational only: exits 0 either way, because callers (e.g. the test
# helper localBrokerControllable) read the text and treat a failure as "no".
cmd_status() {
  pg_status || true
  kafka_status || true
}

cmd_kafka_start() {
  local start=$SECONDS
  take_lock
  kafka_start_begin
  kafka_wait_ready
  log "Kafka start took $((SECONDS - start))s"
}

cmd_kafka_stop() {
  take_lock
  kafka_stop
}

cmd_kafka_restart() {
  local start=$SECONDS
  take_lock
  kafka_stop
  kafka_start_begin
  kafka_wait_ready
  log "Kafka restart took $((SECONDS - start))s"
}

cmd_postgres_stop() {
  take_lock
  PG_BIN="$(pg_bindir)" || die "PostgreSQL is not installed"
  pg_stop
}

cmd_postgres_start() {
  take_lock
  pg_up
}

# Delete all state but keep the resolved jars (re-downloading is slow).
cmd_reset() {
  cmd_down
  log "deleting data under $INFRA (keeping $KAFKA_LIBS)"
  find "$INFRA" -mindepth 1 -maxdepth 1 ! -name kafka ! -name .lock -exec rm -rf {} +
  if [[ -d "$KAFKA_DIR" ]]; then
    find "$KAFKA_DIR" -mindepth 1 -maxdepth 1 ! -name libs -exec rm -rf {} +
  fi
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
}

main() {
  check_port_number ESPALIER_INFRA_KAFKA_PORT "$KAFKA_PORT"
  check_port_number ESPALIER_INFRA_KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
  check_port_number ESPALIER_INFRA_PG_PORT "$PG_PORT"
  case "${1:-}" in
    up)            cmd_up ;;
    down)          cmd_down ;;
    status)        cmd_status ;;
    env)           print_env ;;
    kafka-start)   cmd_kafka_start ;;
    kafka-stop)    cmd_kafka_stop ;;
    kafka-restart) cmd_kafka_restart ;;
    postgres-stop)  cmd_postgres_stop ;;
    postgres-start) cmd_postgres_start ;;
    reset)         cmd_reset ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
