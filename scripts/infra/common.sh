# shellcheck shell=bash
# Logging, process and port helpers, apt installs, locking — sourced by scripts/infra.sh; relies on its settings.

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
