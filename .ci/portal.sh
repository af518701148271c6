#!/usr/bin/env bash
# The portal's two entry points (see README.md):
#   bash .ci/portal.sh serve   build and start the portal with demo data on http://localhost:3000
#   bash .ci/portal.sh test    run every check: format, lints, Rust tests, browser tests
#
# Both install what they need (idempotently) on a Debian machine: PostgreSQL, the
# wasm target, wasm-bindgen-cli, Chromium, npm packages. Without DATABASE_URL they
# start a private PostgreSQL cluster (own folder, own port, not as root) and stop
# it again on exit, but only if this run started it.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
STATE="$ROOT/.portal"
WASM_BINDGEN_VERSION=0.2.130
PG_PORT=${PORTAL_PG_PORT:-5433}
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# CI builds once: incremental data would only double the disk used.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
mkdir -p "$STATE"

log() { printf '\n== %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_rust_tools() {
  command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    log "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

# --- PostgreSQL -------------------------------------------------------------
PG_STARTED_HERE=0
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    log "using DATABASE_URL from the environment"
    return
  fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin; bin=$(pg_bin)
  # The cluster lives under .portal/ unless the postgres user cannot reach it
  # (a checkout under /root, say): then under /var/tmp, named after this checkout.
  PGDATA="$STATE/pg"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    PGDATA="/var/tmp/conversations-portal-$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)/pg"
    ln -sfn "$PGDATA" "$STATE/pg-data-link"
  fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PGDATA"
    run_as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  PG_OPTIONS="-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off"
  if ! run_as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL on port $PG_PORT"
    run_as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "$PG_OPTIONS" start >/dev/null
    PG_STARTED_HERE=1
  fi
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal"
  create_database portal
}

create_database() {
  local url=${PG_ADMIN_URL:-}
  [ -n "$url" ] || return 0
  psql "$url" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1 \
    || psql "$url" -qc "CREATE DATABASE \"$1\"" >/dev/null
}

stop_what_we_started() {
  for pid in ${SERVER_PID:-} ${SERVER2_PID:-} ${SERVER3_PID:-}; do
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  if [ "$PG_STARTED_HERE" = 1 ]; then
    log "stopping the PostgreSQL cluster this run started"
    run_as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null || true
  fi
}
trap stop_what_we_started EXIT

# --- build ------------------------------------------------------------------
ensure_node() {
  command -v npm >/dev/null || apt_install nodejs npm
}

build() {
  log "building the server"
  cargo build -p server
  build_client
}

# The client: WASM (size-optimised by wasm-opt), its JavaScript and the stylesheet,
# named after a hash of their content (app-<hash>.js, app-<hash>_bg.wasm,
# app-<hash>.css) with brotli and gzip copies next to them. The server reads the
# name from pkg/output-name and lets browsers cache the files for a year.
build_client() {
  apt_install brotli
  ensure_node
  log "building the WASM client"
  cargo build -p app --lib --target wasm32-unknown-unknown --profile wasm-release --features hydrate
  local stage=target/site-stage
  rm -rf "$stage"
  mkdir -p "$stage"
  wasm-bindgen --target web --no-typescript --out-name app --out-dir "$stage" \
    target/wasm32-unknown-unknown/wasm-release/app.wasm
  (
    cd .ci/build-tools
    [ -x node_modules/.bin/wasm-opt ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
      || npm ci --no-audit --no-fund --loglevel=error
  )
  log "wasm-opt -Oz"
  .ci/build-tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --strip-debug --strip-producers -o "$stage/app_bg.opt.wasm" "$stage/app_bg.wasm"
  mv "$stage/app_bg.opt.wasm" "$stage/app_bg.wasm"
  cp style/main.css "$stage/app.css"
  local name
  name=app-$(cat "$stage/app.js" "$stage/app_bg.wasm" "$stage/app.css" | sha256sum | cut -c1-16)
  rm -rf target/site/pkg
  mkdir -p target/site/pkg
  cp "$stage/app.js" "target/site/pkg/$name.js"
  cp "$stage/app_bg.wasm" "target/site/pkg/${name}_bg.wasm"
  cp "$stage/app.css" "target/site/pkg/$name.css"
  for file in "target/site/pkg/$name.js" "target/site/pkg/${name}_bg.wasm" "target/site/pkg/$name.css"; do
    brotli -f -k -q 11 "$file"
    gzip -f -k -9 "$file"
  done
  printf '%s\n' "$name" >target/site/pkg/output-name
  cp -r public/. target/site/
  log "client: $(ls -l target/site/pkg | awk 'NR>1 {printf "%s %s B; ", $NF, $5}')"
}

wait_for() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the portal did not answer at $1" >&2
  return 1
}

serve() {
  apt_install curl postgresql
  ensure_rust_tools
  ensure_postgres
  build
  log "starting the portal on http://localhost:3000 (Ctrl-C stops it)"
  PORTAL_ADDR=${PORTAL_ADDR:-127.0.0.1:3000} target/debug/server --demo &
  SERVER_PID=$!
  wait "$SERVER_PID"
}

run_tests() {
  apt_install curl postgresql chromium
  ensure_rust_tools
  ensure_postgres

  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "clippy (server build)"
  cargo clippy -p app -p server --all-targets --features app/ssr,server/bench -- -D warnings
  log "clippy (WASM build)"
  cargo clippy -p app --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

  build

  log "Rust tests (each test gets a database of its own)"
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    # Databases of earlier runs' tests.
    psql "$PG_ADMIN_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'portal_test_%'" |
      while read -r db; do psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; done
  fi
  # A real SMTP server (aiosmtpd from PyPI) for the email tests; they start it.
  command -v python3 >/dev/null || apt_install python3 python3-venv
  PORTAL_SMTP_PYTHON=$(bash .ci/smtp.sh | tail -n 1)
  export PORTAL_SMTP_PYTHON
  cargo test -p app --features ssr --lib
  # One test at a time in each binary: each test runs its own portal on its own
  # runtime, and with two such runtimes in one process Leptos' server rendering
  # sometimes stalls a page (about 1 run in 12; never seen in 50 sequential runs,
  # nor in 320 concurrent requests to one real server). Each test still has its
  # own database.
  cargo test -p server -- --test-threads=1

  log "browser tests"
  local e2e_db=portal_e2e port=${PORTAL_E2E_PORT:-3100}
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)" >/dev/null
    create_database "$e2e_db"
    E2E_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$e2e_db"
  else
    E2E_DATABASE_URL=$DATABASE_URL
  fi
  # The suites share the demo accounts across many tests a minute: the spam limits
  # (tested in server/tests/limits.rs) are raised for these two instances.
  export PORTAL_LIMIT_MESSAGES_PER_MINUTE=100000 PORTAL_LIMIT_CONVERSATIONS_PER_HOUR=100000
  DATABASE_URL=$E2E_DATABASE_URL PORTAL_ADDR=127.0.0.1:$port target/debug/server --demo \
    >"$STATE/e2e-server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "http://127.0.0.1:$port/healthz"
  # A second instance on the same database, as behind a load balancer: live
  # events must cross from one to the other.
  local port2=${PORTAL_E2E_PORT_2:-$((port + 2))}
  DATABASE_URL=$E2E_DATABASE_URL PORTAL_ADDR=127.0.0.1:$port2 target/debug/server \
    >"$STATE/e2e-server-2.log" 2>&1 &
  SERVER2_PID=$!
  wait_for "http://127.0.0.1:$port2/healthz"
  # A third instance with the real spam limits, for the browser test of the limit message.
  local port3=${PORTAL_E2E_PORT_3:-$((port + 4))}
  DATABASE_URL=$E2E_DATABASE_URL PORTAL_ADDR=127.0.0.1:$port3 \
    PORTAL_LIMIT_MESSAGES_PER_MINUTE=20 PORTAL_LIMIT_CONVERSATIONS_PER_HOUR=10 target/debug/server \
    >"$STATE/e2e-server-3.log" 2>&1 &
  SERVER3_PID=$!
  wait_for "http://127.0.0.1:$port3/healthz"
  (
    cd end2end
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    [ -d node_modules/@playwright/test ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
    PORTAL_URL="http://127.0.0.1:$port" PORTAL_URL_2="http://127.0.0.1:$port2" \
      PORTAL_URL_3="http://127.0.0.1:$port3" npx playwright test
  )
  log "reliability under load and faults (short version; long: bash .ci/portal.sh reliability)"
  cargo build -p server --bin reliability --features bench
  RELIABILITY_SECONDS=10 RELIABILITY_OUTAGE_SECONDS=3 RELIABILITY_PG_FAULTS=2 RELIABILITY_SMTP_OUTAGE_SECONDS=3 \
    RELIABILITY_EMAILS=200 RELIABILITY_EMAIL_LEASE_SECONDS=10 RELIABILITY_SLOW_SECONDS=5 \
    run_reliability target/debug/server
  log "all checks passed"
}

# The reliability harness (server/src/bin/reliability.rs) against the cluster this
# script runs: it stops and restarts PostgreSQL itself for the fault scenario,
# which is skipped when DATABASE_URL points at a server we do not run.
run_reliability() {
  local exe=$1 db=portal_reliability scenarios
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  scenarios=concurrent_send,graceful_shutdown,smtp_outage,slow_clients,stream_revocation
  if [ -n "${PGDATA:-}" ]; then
    local bin as=""; bin=$(pg_bin)
    [ "$(id -u)" = 0 ] && as="runuser -u postgres --"
    export RELIABILITY_PG_STOP_IMMEDIATE="$as $bin/pg_ctl -D $PGDATA -m immediate -w stop >/dev/null"
    export RELIABILITY_PG_STOP_FAST="$as $bin/pg_ctl -D $PGDATA -m fast -w stop >/dev/null"
    export RELIABILITY_PG_START="$as $bin/pg_ctl -D $PGDATA -l $PGDATA/server.log -w -o '$PG_OPTIONS' start >/dev/null"
    scenarios=concurrent_send,postgres_faults,graceful_shutdown,smtp_outage,slow_clients,stream_revocation
  fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  RELIABILITY_SMTP_PYTHON=$(bash .ci/smtp.sh | tail -n 1) RELIABILITY_SCENARIOS=${RELIABILITY_SCENARIOS:-$scenarios} \
    RELIABILITY_SERVER=$exe DATABASE_URL="${DATABASE_URL%/*}/$db" "$(dirname "$exe")/reliability"
}

# The long version: release build, 10 minutes of concurrent sends, four 10-second
# PostgreSQL outages, a 5-minute SMTP outage. Figures go to RELIABILITY.md.
reliability() {
  apt_install curl postgresql
  ensure_postgres
  log "building the server and the reliability harness (release)"
  cargo build --release -p server --bin server
  cargo build --release -p server --bin reliability --features bench
  RELIABILITY_SECONDS=${RELIABILITY_SECONDS:-600} RELIABILITY_OUTAGE_SECONDS=${RELIABILITY_OUTAGE_SECONDS:-10} \
    RELIABILITY_SMTP_OUTAGE_SECONDS=${RELIABILITY_SMTP_OUTAGE_SECONDS:-300} RELIABILITY_SLOW_SECONDS=${RELIABILITY_SLOW_SECONDS:-60} \
    run_reliability target/release/server
}

bench() {
  apt_install curl postgresql
  ensure_postgres
  log "building the benchmark (release)"
  cargo build --release -p server --bin bench
  create_database portal_bench
  local url=${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/portal_bench}
  DATABASE_URL=$url target/release/bench
}

live_bench() {
  apt_install curl postgresql
  ensure_postgres
  log "building the server and the live benchmark (release)"
  cargo build --release -p server --bin server
  cargo build --release -p server --bin live_bench --features bench
  local db=portal_live_bench
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  local url=${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/$db}
  DATABASE_URL=$url target/release/live_bench
}

# The portal against Matrix Synapse: the same workload on one process of each, one
# after the other (server/src/bin/synapse_bench.rs; Synapse from PyPI, installed
# and configured by .ci/synapse.sh into .portal/synapse-venv and .portal/synapse).
synapse_bench() {
  apt_install curl postgresql
  ensure_postgres
  if [ -z "${PG_ADMIN_URL:-}" ]; then
    echo "synapse-bench runs on the private PostgreSQL cluster: unset DATABASE_URL" >&2
    exit 1
  fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  local synapse_port=${SYNAPSE_PORT:-8448} synapse_db=synapse_bench db=portal_synapse_bench setup
  log "installing and configuring Synapse"
  setup=$(SYNAPSE_PORT=$synapse_port SYNAPSE_PG_PORT=$PG_PORT SYNAPSE_DB=$synapse_db bash .ci/synapse.sh)
  log "building the server and the Synapse benchmark (release)"
  cargo build --release -p server --bin server
  cargo build --release -p server --bin synapse_bench --features bench
  # Fresh databases for both; Synapse insists on the C collation.
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  create_database "$db"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $synapse_db WITH (FORCE)" >/dev/null
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $synapse_db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
  SYNAPSE_BENCH_PYTHON=$(sed -n 1p <<<"$setup") SYNAPSE_BENCH_CONFIG=$(sed -n 2p <<<"$setup") \
    SYNAPSE_PORT=$synapse_port SYNAPSE_BENCH_DB=$synapse_db DATABASE_URL="${DATABASE_URL%/*}/$db" \
    target/release/synapse_bench
}

# Server-rendered page throughput, the client's size, and Lighthouse (BENCHMARKS.md).
page_bench() {
  apt_install curl postgresql chromium brotli
  ensure_rust_tools
  ensure_postgres
  log "building the server, the client and the page benchmark (release)"
  cargo build --release -p server --bin server
  cargo build --release -p server --bin page_bench --features bench
  build_client
  (
    cd .ci/lighthouse
    [ -d node_modules/lighthouse ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
      || npm ci --no-audit --no-fund --loglevel=error
  )
  local db=portal_page_bench
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  DATABASE_URL="${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/$db}" target/release/page_bench
}

case "${1:-}" in
  serve) serve ;;
  test) run_tests ;;
  bench) bench ;;
  live-bench) live_bench ;;
  page-bench) page_bench ;;
  synapse-bench) synapse_bench ;;
  reliability) reliability ;;
  # For development: start the cluster, leave it running, print its URL.
  db) ensure_postgres; PG_STARTED_HERE=0; echo "$DATABASE_URL" ;;
  *) echo "usage: bash .ci/portal.sh serve|test|bench|live-bench|page-bench|synapse-bench|reliability|db" >&2; exit 2 ;;
esac
