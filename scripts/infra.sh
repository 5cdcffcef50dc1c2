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

# ----------------------------------------------------------------- helpers ---

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log file to stderr (used when something fails).
show_tail() {
  local file="$1"
  if [[ -f "$file" ]]; then
    printf '[infra] ---- last lines of %s ----\n' "$file" >&2
    tail -n 40 "$file" >&2 || true
    printf '[infra] ----\n' >&2
  fi
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# True when <pid> is a live process whose command line contains <pattern>.
# A zombie (killed, not yet reaped by init) counts as gone: kill -0 would still
# succeed on it, but it holds no ports, files or locks any more.
proc_alive() {
  local pid="$1" pattern="$2" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
# Bash's /dev/tcp avoids depending on nc; timeout guards against hangs.
tcp_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

check_port_number() {
  if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < 1 || $2 > 65535 )); then
    die "$1 must be a TCP port, got '$2'"
  fi
}

# Install Debian packages. `apt-get update` is only run when the plain install
# fails (it is slow and usually unnecessary on a prepared machine).
apt_install() {
  is_root || die "need root to run: apt-get install $*"
  log "installing $* with apt-get ..."
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2; then
    log "apt-get install failed, running apt-get update and retrying"
    apt-get update >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2 || die "apt-get install $* failed"
  fi
}

# Serialise concurrent invocations (two terminals running `up` at once).
# The lock fd (9) must NOT leak into the daemons we start, otherwise they would
# hold the lock forever: every daemon launch below closes it with `9>&-`.
take_lock() {
  mkdir -p "$INFRA"
  exec 9>"$INFRA/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "another scripts/infra.sh is still running (lock $INFRA/.lock)"
  fi
}

print_env() {
  printf 'export KAFKA_BROKERS=127.0.0.1:%s\n' "$KAFKA_PORT"
  printf 'export DATABASE_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' \
    "$PG_APP_USER" "$PG_APP_PASSWORD" "$PG_PORT" "$PG_APP_DB"
}

# ============================================================= PostgreSQL ===

# PostgreSQL refuses to run as root, so as root we run it as the `postgres`
# OS user (created by Debian's package); otherwise as the invoking user.
pg_os_user() {
  if is_root; then echo postgres; else id -un; fi
}

# Run a command as the PostgreSQL OS user. `cd /` because the caller's cwd
# (e.g. /root) may not be accessible to that user.
pg_run() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Directory holding initdb/pg_ctl/postgres. An existing cluster pins the major
# version (its data files only work with that one); otherwise prefer
# `pg_config --bindir`, then the highest /usr/lib/postgresql/*/bin.
pg_bindir() {
  local v dir
  if [[ -s "$PG_DATA/PG_VERSION" ]]; then
    v="$(cat "$PG_DATA/PG_VERSION")"
    if [[ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]]; then
      echo "/usr/lib/postgresql/$v/bin"; return 0
    fi
  fi
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    # libpq-dev's pg_config may point at /usr/bin, which has no server tools.
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"; return 0
    fi
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    echo "$dir"; return 0
  fi
  return 1
}

pg_ensure_installed() {
  if ! PG_BIN="$(pg_bindir)"; then
    apt_install postgresql
    PG_BIN="$(pg_bindir)" || die "PostgreSQL server binaries not found after installing"
  fi
  if is_root && ! id postgres >/dev/null 2>&1; then
    # The Debian package creates this user; only a hand-made setup lacks it.
    log "creating OS user postgres"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# The server (running as `postgres`) must be able to reach .infra/postgres.
# Normally every parent is 755; if one is not (e.g. a clone under /root, 700),
# grant search-only permission (o+x: enter, not list) on that directory.
pg_ensure_traversable() {
  is_root || return 0
  local dir="" part
  local -a parts
  IFS=/ read -r -a parts <<<"${PG_DIR#/}"
  for part in "${parts[@]}"; do
    dir="$dir/$part"
    if ! runuser -u postgres -- test -x "$dir"; then
      log "WARNING: $dir is not traversable by user postgres; adding o+x (search only)"
      chmod o+x "$dir"
    fi
  done
}

# Create the directories with the right owners. The data dir must be 0700 and
# owned by the server user (PostgreSQL checks this).
pg_prepare_dirs() {
  local owner; owner="$(pg_os_user)"
  mkdir -p "$INFRA" "$PG_DIR" "$PG_DATA" "$PG_RUN" "$PG_LOGS"
  chmod 755 "$INFRA" "$PG_DIR"
  chown "$owner": "$PG_DATA" "$PG_RUN" "$PG_LOGS"
  chmod 700 "$PG_DATA"
  chmod 755 "$PG_RUN" "$PG_LOGS"
  pg_ensure_traversable
}

# One-time cluster creation. The OS user becomes the superuser and may log in
# over the unix socket without a password (peer); TCP needs a password (scram).
pg_initdb() {
  [[ -s "$PG_DATA/PG_VERSION" ]] && return 0
  if [[ -n "$(ls -A "$PG_DATA" 2>/dev/null)" ]]; then
    log "removing a half-initialised data dir (no PG_VERSION)"
    find "$PG_DATA" -mindepth 1 -delete
  fi
  log "initdb $PG_DATA ($PG_BIN)"
  pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U "$(pg_os_user)" \
    --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$PG_LOGS/initdb.log" 2>&1 \
    || { show_tail "$PG_LOGS/initdb.log"; die "initdb failed"; }
  # Our settings live in a separate file that is rewritten on every start.
  printf "\n# Managed by scripts/infra.sh\ninclude_if_exists = 'espalier.conf'\n" >>"$PG_DATA/postgresql.conf"
}

# Server settings for a 2-core / 24 GB box. fsync and synchronous_commit stay
# ON: durable writes are a project rule, tests must see real durability costs.
pg_conf_content() {
  cat <<EOF
# Generated by scripts/infra.sh on each start - edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 2GB
work_mem = 8MB
maintenance_work_mem = 128MB
max_worker_processes = 4
max_parallel_workers = 2
max_parallel_workers_per_gather = 1
fsync = on
synchronous_commit = on
full_page_writes = on
wal_compression = on
max_wal_size = 1GB
password_encryption = 'scram-sha-256'
timezone = 'UTC'
log_timezone = 'UTC'
log_min_duration_statement = -1
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# Prints the postmaster pid if our server runs.
# A stale postmaster.pid (server killed, machine rebooted) is deliberately NOT
# deleted here: PostgreSQL itself recognises and replaces a stale lock file,
# and also refuses to start while orphaned backends of a killed server still
# use its shared memory - deleting the file would defeat that safety check.
pg_pid() {
  local pid
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  proc_alive "$pid" postgres || return 1
  echo "$pid"
}

# After a crash/kill -9 the old postmaster can linger for a moment as a zombie,
# which PostgreSQL's lock-file check still sees as alive. Give it time to go.
pg_wait_old_postmaster_gone() {
  local pid tries=100
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  while [[ -e "/proc/$pid" ]] && ! proc_alive "$pid" postgres && (( tries-- > 0 )); do
    sleep 0.1
  done
}

# Start the server and wait (pg_ctl -w) until it accepts connections.
# If it exits during startup it is started again (3 attempts): right after a
# crash, leftover backends of the old server may hold its shared memory for a
# moment, and PostgreSQL refuses to start until they are gone.
pg_start() {
  local owner attempt
  owner="$(pg_os_user)"
  pg_conf_content >"$PG_DATA/espalier.conf"
  chown "$owner": "$PG_DATA/espalier.conf"
  if tcp_open "$PG_PORT"; then
    die "port 127.0.0.1:$PG_PORT is already used by another process (set ESPALIER_INFRA_PG_PORT)"
  fi
  for attempt in 1 2 3; do
    pg_wait_old_postmaster_gone
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT (attempt $attempt of 3)"
    # 9>&- : do not hand our lock fd to the server.
    if pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$READY_TIMEOUT" start >&2 9>&-; then
      return 0
    fi
    if pg_pid >/dev/null; then
      show_tail "$PG_LOG"; die "PostgreSQL not ready after ${READY_TIMEOUT}s"
    fi
    sleep 2
  done
  show_tail "$PG_LOG"
  die "PostgreSQL exited during startup"
}

pg_stop() {
  local pid
  pid="$(pg_pid)" || { log "PostgreSQL is not running"; return 0; }
  log "stopping PostgreSQL (pid $pid, fast mode)"
  if ! pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$PG_STOP_TIMEOUT" stop >&2; then
    log "fast shutdown did not finish in ${PG_STOP_TIMEOUT}s, using immediate mode"
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >&2 || true
  fi
}

pg_accepting() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -t 2 >/dev/null 2>&1
}

# Readiness over TCP on the advertised address (also covers an `up` that
# finds the server already running).
pg_wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until pg_accepting; do
    if ! pg_pid >/dev/null; then
      show_tail "$PG_LOG"; die "PostgreSQL is not running"
    fi
    if (( SECONDS >= deadline )); then
      show_tail "$PG_LOG"; die "PostgreSQL not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.3
  done
}

# Create/refresh the application role and database (idempotent), then prove
# that a password login over TCP - what the app does - works.
pg_ensure_app_db() {
  pg_run "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" \
    -U "$(pg_os_user)" -d postgres >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_APP_USER') THEN
    CREATE ROLE $PG_APP_USER LOGIN SUPERUSER;
  END IF;
END \$\$;
ALTER ROLE $PG_APP_USER WITH LOGIN SUPERUSER PASSWORD '$PG_APP_PASSWORD';
SELECT 'CREATE DATABASE $PG_APP_DB OWNER $PG_APP_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_APP_DB') \gexec
SQL
  PGPASSWORD="$PG_APP_PASSWORD" "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" \
    -U "$PG_APP_USER" -d "$PG_APP_DB" -c 'select 1' >/dev/null \
    || die "cannot log in to PostgreSQL as $PG_APP_USER over TCP"
}

# Install/initialise if needed, start (restarting when the generated settings,
# e.g. the port, changed), wait until ready, ensure the app role + database.
pg_up() {
  pg_ensure_installed
  pg_prepare_dirs
  pg_initdb
  if pg_pid >/dev/null; then
    if [[ "$(pg_conf_content)" != "$(cat "$PG_DATA/espalier.conf" 2>/dev/null)" ]]; then
      log "PostgreSQL settings changed, restarting it"
      pg_stop
      pg_start
    else
      log "PostgreSQL already running"
    fi
  else
    pg_start
  fi
  pg_wait_ready
  pg_ensure_app_db
  log "PostgreSQL ready on 127.0.0.1:$PG_PORT"
}

pg_status() {
  local pid
  if PG_BIN="$(pg_bindir)" && pid="$(pg_pid 2>/dev/null)"; then
    if pg_accepting; then
      echo "postgres: running (pid $pid) on 127.0.0.1:$PG_PORT, accepting connections"
    else
      echo "postgres: running (pid $pid) but NOT accepting connections on 127.0.0.1:$PG_PORT"
    fi
    return 0
  fi
  echo "postgres: stopped"
  return 1
}

# ================================================================== Kafka ===

kafka_ensure_tools() {
  command -v java >/dev/null 2>&1 || apt_install default-jre-headless
  command -v mvn >/dev/null 2>&1 || apt_install maven
}

# Fingerprint of what the jars were resolved from; a changed pom.xml means
# the jars must be resolved again.
kafka_libs_fingerprint() {
  sha256sum "$KAFKA_POM" | cut -d' ' -f1
}

# Resolve the broker's runtime classpath from Maven Central once, into a temp
# dir that is renamed when complete (an interrupted download is not reused).
kafka_ensure_libs() {
  local want
  want="$(kafka_libs_fingerprint)"
  if [[ -f "$KAFKA_LIBS_MARKER" ]] && [[ "$(head -n 1 "$KAFKA_LIBS_MARKER")" == "$want" ]] \
     && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  log "resolving Kafka jars from Maven Central (mvn dependency:copy-dependencies) ..."
  if ! kafka_resolve_libs; then
    log "the pom's Kafka version could not be resolved, trying $KAFKA_FALLBACK_VERSION"
    kafka_resolve_libs -Dkafka.version="$KAFKA_FALLBACK_VERSION" \
      || die "could not resolve the Kafka jars from Maven Central (see the Maven errors above)"
  fi
  echo "$want" >"$KAFKA_LIBS_MARKER"
  log "$(basename "$KAFKA_LIBS"/kafka_2.13-*.jar .jar): $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

# One `mvn dependency:copy-dependencies` run; extra args go to Maven.
kafka_resolve_libs() {
  local tmp="$KAFKA_DIR/libs.tmp"
  rm -rf "$tmp"
  # Debian's Maven 3.8 emits colour codes even with -q -B: strip them.
  if mvn -q -B -f "$KAFKA_POM" "$@" dependency:copy-dependencies \
       -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed -e $'s/\e\\[[0-9;]*m//g' >&2; then
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

# Run a Kafka main class (tools or the broker) with our classpath and logging.
kafka_java() {
  java -Dlog4j.configuration="file:$KAFKA_LOG4J" -Dkafka.logs.dir="$KAFKA_LOGS" \
    -Djava.awt.headless=true -cp "$KAFKA_LIBS/*" "$@"
}

kafka_props_content() {
  cat <<EOF
# Generated by scripts/infra.sh on each start - edit the script, not this file.
# Single node in KRaft combined mode (broker + controller in one JVM).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
# One broker: internal topics cannot be replicated; one partition each keeps
# startup of consumer groups and transactions fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# Topics are created explicitly by the application/tests.
auto.create.topics.enable=false
num.partitions=1
EOF
}

# The cluster id is generated once and kept; if only the data survived, the id
# is read back from it so the two never disagree.
kafka_cluster_id() {
  local id=""
  if [[ -s "$KAFKA_CLUSTER_ID_FILE" ]]; then
    id="$(cat "$KAFKA_CLUSTER_ID_FILE")"
  elif [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    id="$(sed -n 's/^cluster\.id=//p' "$KAFKA_DATA/meta.properties")"
  fi
  if [[ -z "$id" ]]; then
    # The tool may also log to stdout; keep only the 22-char base64url id.
    id="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null \
          | grep -E '^[A-Za-z0-9_-]{22}$' | tail -n 1 || true)"
    [[ -n "$id" ]] || die "kafka.tools.StorageTool random-uuid produced no id"
  fi
  echo "$id" >"$KAFKA_CLUSTER_ID_FILE"
  echo "$id"
}

# Format the storage once (KRaft needs it before the first start).
kafka_ensure_formatted() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local id; id="$(kafka_cluster_id)"
  log "formatting Kafka storage (cluster id $id)"
  kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_PROPS" --ignore-formatted \
    >"$KAFKA_LOGS/format.log" 2>&1 \
    || { show_tail "$KAFKA_LOGS/format.log"; die "Kafka storage format failed"; }
}

# Prints the broker pid if it runs: the pid file must name a live JVM running
# kafka.Kafka with our properties file (pids get reused after a reboot).
kafka_pid() {
  local pid
  [[ -f "$KAFKA_PID_FILE" ]] || return 1
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)"
  proc_alive "$pid" "kafka.Kafka $KAFKA_PROPS" || return 1
  echo "$pid"
}

# Drop a stale pid file (broker crashed or was killed). A JVM killed a moment
# ago may still be tearing down its threads and holding its ports, or linger
# as a zombie until init reaps it, so wait (max 15 s) until it has vanished.
kafka_clear_stale_pid() {
  local pid tries=150
  [[ -f "$KAFKA_PID_FILE" ]] || return 0
  kafka_pid >/dev/null && return 0
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)"
  log "removing stale $KAFKA_PID_FILE (pid ${pid:-?} is gone)"
  if [[ "$pid" =~ ^[0-9]+$ ]]; then
    while [[ -e "/proc/$pid" ]] && (( tries-- > 0 )); do sleep 0.1; done
  fi
  rm -f "$KAFKA_PID_FILE"
}

# Launch the broker detached (setsid: own session, survives this script and
# its terminal). Does not wait: see kafka_wait_ready.
kafka_launch() {
  local port
  kafka_clear_stale_pid
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if tcp_open "$port"; then
      die "port 127.0.0.1:$port is already used by another process (set ESPALIER_INFRA_KAFKA_PORT)"
    fi
  done
  # A fresh kafka.out per start: readiness looks for the start line in it.
  if [[ -f "$KAFKA_OUT" ]]; then mv -f "$KAFKA_OUT" "$KAFKA_OUT.prev"; fi
  rm -f "$KAFKA_PID_FILE"
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  # The inner bash records its own pid and then becomes the JVM (exec), so the
  # pid file holds the JVM's pid whether or not setsid had to fork.
  # 9>&- : do not hand our lock fd to the broker.
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID_FILE" \
    java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Dlog4j.configuration="file:$KAFKA_LOG4J" -Dkafka.logs.dir="$KAFKA_LOGS" \
      -Djava.awt.headless=true \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_PROPS" \
    </dev/null >"$KAFKA_OUT" 2>&1 9>&- &
  local tries=50
  while (( tries-- > 0 )); do
    if [[ -s "$KAFKA_PID_FILE" ]]; then return 0; fi
    sleep 0.1
  done
  die "Kafka did not start (no pid file)"
}

# Optional end-to-end check with the project's own client, when installed:
# exit 2 from node means "kafkajs not available" and is not an error.
kafka_client_check() {
  command -v node >/dev/null 2>&1 || return 0
  [[ -f "$ROOT/node_modules/kafkajs/package.json" ]] || return 0
  local rc=0
  (cd "$ROOT" && timeout 30 node -e '
    let kafkajs;
    try { kafkajs = require("kafkajs"); } catch { process.exit(2); }
    const { Kafka, logLevel } = kafkajs;
    const admin = new Kafka({ clientId: "infra-ready-check", brokers: [process.argv[1]],
      logLevel: logLevel.NOTHING, retry: { retries: 8 } }).admin();
    admin.connect()
      .then(() => admin.describeCluster())
      .then(() => admin.disconnect())
      .then(() => process.exit(0))
      .catch((e) => { console.error("kafkajs:", e.message); process.exit(1); });
  ' "127.0.0.1:$KAFKA_PORT" >&2) || rc=$?
  case "$rc" in
    0) log "kafkajs admin client connected" ;;
    2) log "kafkajs not loadable yet, skipped client check" ;;
    *) show_tail "$KAFKA_OUT"; die "Kafka is up but kafkajs could not talk to it" ;;
  esac
}

# Ready = listener accepts connections AND this start logged
# "[KafkaRaftServer nodeId=1] Kafka Server started" (kafka.out is fresh per start).
kafka_wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until tcp_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$KAFKA_OUT" 2>/dev/null; do
    if ! kafka_pid >/dev/null; then
      show_tail "$KAFKA_OUT"; die "Kafka exited during startup"
    fi
    if (( SECONDS >= deadline )); then
      show_tail "$KAFKA_OUT"; die "Kafka not ready after ${READY_TIMEOUT}s"
    fi
    sleep 0.3
  done
  kafka_client_check
  log "Kafka ready on 127.0.0.1:$KAFKA_PORT"
}

# Graceful stop: SIGTERM runs the broker's controlled shutdown (flushes logs,
# writes clean-shutdown markers); SIGKILL only if that takes over 60 s.
kafka_stop() {
  local pid start=$SECONDS
  pid="$(kafka_pid)" || { log "Kafka is not running"; return 0; }
  log "stopping Kafka (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  while proc_alive "$pid" kafka.Kafka; do
    if (( SECONDS - start >= KAFKA_STOP_TIMEOUT )); then
      log "Kafka still running after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.2
  done
  rm -f "$KAFKA_PID_FILE"
  log "Kafka stopped after $((SECONDS - start))s"
}

# Prepare everything and start the broker if needed (restarting it when its
# generated properties, e.g. the port, changed). Does not wait.
kafka_start_begin() {
  kafka_ensure_tools
  mkdir -p "$KAFKA_DIR" "$KAFKA_DATA" "$KAFKA_LOGS"
  kafka_ensure_libs
  local props; props="$(kafka_props_content)"
  if kafka_pid >/dev/null; then
    if [[ "$props" == "$(cat "$KAFKA_PROPS" 2>/dev/null)" ]]; then
      log "Kafka already running"
      return 0
    fi
    log "Kafka properties changed, restarting it"
    kafka_stop
  fi
  printf '%s\n' "$props" >"$KAFKA_PROPS"
  kafka_ensure_formatted
  kafka_launch
}

kafka_status() {
  local pid
  if pid="$(kafka_pid 2>/dev/null)"; then
    if tcp_open "$KAFKA_PORT"; then
      echo "kafka: running (pid $pid) on 127.0.0.1:$KAFKA_PORT, accepting connections"
    else
      echo "kafka: running (pid $pid) but NOT accepting connections on 127.0.0.1:$KAFKA_PORT"
    fi
    return 0
  fi
  echo "kafka: stopped"
  return 1
}

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
    reset)         cmd_reset ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
