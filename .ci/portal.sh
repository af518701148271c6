#!/usr/bin/env bash
# Every task of the portal (see README.md; `just` lists them too):
#   bash .ci/portal.sh serve    build and start the portal with demo data on http://localhost:3000
#   bash .ci/portal.sh production   release build, no demo data, durable database (README: Running it for real)
#   bash .ci/portal.sh test     run every check: format, lints, Rust tests, browser tests, reliability
#   bash .ci/portal.sh dev      fast edit-and-refresh loop (debug client, restart on change)
#   bash .ci/portal.sh fmt|lint|unit|integration|e2e|reliability-short|attacks-short|proxy   one part of `test`
#   bash .ci/portal.sh bench|scale-bench|live-bench [durable]|page-bench|notify-bench|synapse-bench|reliability|attacks   the long harnesses
#   bash .ci/portal.sh db       start the private PostgreSQL cluster and print its URL
#
# Each installs what it needs (idempotently) on a Debian machine (.ci/provision.sh)
# and, without DATABASE_URL, starts a private PostgreSQL cluster (.ci/postgres.sh)
# that it stops again on exit, but only if this run started it.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
STATE="$ROOT/.portal"
WASM_BINDGEN_VERSION=0.2.130
WASM_SPLIT_VERSION=0.2.4
# PORTAL_CLIENT_SPLIT=1: the WASM client in parts, a group of pages fetched when
# one of its routes is first shown (app/src/app.rs). Server and client must agree,
# so every build gets the flag (and a rebuild when it changes). Not yet the
# default: see BENCHMARKS.md.
if [ "${PORTAL_CLIENT_SPLIT:-0}" = 1 ]; then
  export RUSTFLAGS="--cfg erase_components --cfg split_client"
fi
PG_PORT=${PORTAL_PG_PORT:-5433}
PG_SCRATCH_PORT=${PORTAL_PG_SCRATCH_PORT:-5434}
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# CI builds once: incremental data would only double the disk used.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
mkdir -p "$STATE"

# shellcheck source=provision.sh
source .ci/provision.sh
# shellcheck source=postgres.sh
source .ci/postgres.sh

# Servers this run started (pids), stopped on exit.
SERVERS=()
stop_servers() {
  local pid
  for pid in "${SERVERS[@]}"; do
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  SERVERS=()
}
stop_what_we_started() {
  stop_servers
  stop_postgres_if_started
}
trap stop_what_we_started EXIT

wait_for() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "the portal did not answer at $1" >&2
  return 1
}

# --- build ------------------------------------------------------------------
build() {
  log "building the server"
  cargo build -p server
  build_client
}

# The client: WASM (size-optimised by wasm-opt), its JavaScript, the boot script
# (app/client/boot.js) and the stylesheet, in a folder named after a hash of their
# content (pkg/app-<hash>/app.js, app_bg.wasm, app.boot.js, app.css, and the parts
# loaded on demand: __wasm_split.js, split_*.wasm, chunk_*.wasm), with brotli and
# gzip copies next to them. The server reads the name from pkg/output-name and
# lets browsers cache the files for a year.
build_client() {
  apt_install brotli
  ensure_node
  log "building the WASM client"
  client_build --profile wasm-release
  local stage=target/site-stage
  rm -rf "$stage"
  mkdir -p "$stage"
  client_bindings target/wasm32-unknown-unknown/wasm-release/client.wasm "$stage"
  ensure_build_tools
  log "wasm-opt -Oz"
  local file
  for file in "$stage"/*.wasm; do
    .ci/build-tools/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --strip-debug --strip-producers -o "$file.opt" "$file" 2> >(grep -v "unknown name subsection" >&2)
    mv "$file.opt" "$file"
  done
  cp style/main.css "$stage/app.css"
  cp app/client/boot.js "$stage/app.boot.js"
  local name
  name=app-$(cd "$stage" && LC_ALL=C ls | xargs cat | sha256sum | cut -c1-16)
  # A tab opened before this build fetches its pages from its own build's folder:
  # the two builds before this one stay (and files of the older flat layout go).
  mkdir -p target/site/pkg
  find target/site/pkg -maxdepth 1 -type f -name 'app-*' -delete
  rm -rf "target/site/pkg/$name"
  mkdir -p "target/site/pkg/$name"
  for file in "$stage"/*; do
    cp "$file" "target/site/pkg/$name/"
    brotli -f -k -q 11 "target/site/pkg/$name/${file##*/}"
    gzip -f -k -9 "target/site/pkg/$name/${file##*/}"
  done
  printf '%s/app\n' "$name" >target/site/pkg/output-name
  touch "target/site/pkg/$name"
  ls -dt target/site/pkg/app-*/ | tail -n +4 | xargs -r rm -rf
  cp -r public/. target/site/
  log "client: $(cd "target/site/pkg/$name" && ls -l app.js app_bg.wasm app.css | awk '{printf "%s %s B; ", $NF, $5}')$(cd "target/site/pkg/$name" && ls | grep -c '^split_.*[.]wasm$' || true) groups of pages and $(cd "target/site/pkg/$name" && ls | grep -c '^chunk_.*[.]wasm$' || true) shared parts loaded on demand"
}

# The WASM client, with cargo's arguments; in parts, the splitter needs the
# linker's relocations.
client_build() {
  if [ "${PORTAL_CLIENT_SPLIT:-0}" = 1 ]; then
    RUSTFLAGS="$RUSTFLAGS -C link-arg=--emit-relocs" cargo build -p client --target wasm32-unknown-unknown "$@"
  else
    cargo build -p client --target wasm32-unknown-unknown "$@"
  fi
}

# wasm-bindgen's JavaScript for the linked client ($1), into $2. In parts: split
# first where the code marks a part to load on demand, then bind the main part.
client_bindings() {
  if [ "${PORTAL_CLIENT_SPLIT:-0}" = 1 ]; then
    wasm-split-cli --target web --out-name app "$1" "$2" &&
      wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-name app \
        --out-dir "$2" "$2/app.wasm" &&
      rm "$2/app.wasm"
  else
    wasm-bindgen --target web --no-typescript --out-name app --out-dir "$2" "$1"
  fi
}

# The development client: the debug WASM, not optimised or hashed, in
# target/site-dev, under the plain name `app`, which the server serves with
# `no-cache`, so a refresh always loads the newest build.
# It has a target folder of its own, so it builds at the same time as the server.
build_dev_client() {
  local site=target/site-dev out=target/dev-client
  # Chained: in the dev loop this runs inside `if`, where `set -e` does not stop it.
  CARGO_TARGET_DIR=$out client_build &&
    rm -rf "$site/pkg" && mkdir -p "$site/pkg" &&
    client_bindings "$out/wasm32-unknown-unknown/debug/client.wasm" "$site/pkg" &&
    cp style/main.css "$site/pkg/app.css" &&
    cp app/client/boot.js "$site/pkg/app.boot.js" &&
    cp -r public/. "$site/"
}

# A web-push (VAPID) key kept in the state folder for the demo and the tests, made
# once; a real deployment sets PORTAL_VAPID_PRIVATE_KEY (or its _FILE) itself.
demo_vapid_key() {
  local file="$STATE/vapid.key"
  if [ ! -s "$file" ]; then
    target/debug/server --vapid-key | sed -n 's/^PORTAL_VAPID_PRIVATE_KEY=//p' >"$file.new"
    mv "$file.new" "$file"
  fi
  echo "$file"
}

# --- tasks ------------------------------------------------------------------
serve() {
  apt_install curl postgresql
  ensure_rust_tools
  ensure_postgres
  build
  log "starting the portal on http://localhost:3000 with the demo data: every demo account's password is portal-demo-pass, so never let it face the internet (Ctrl-C stops it)"
  # Without an SMTP server nobody could confirm a new account: trials take new
  # members at once unless told otherwise.
  PORTAL_VAPID_PRIVATE_KEY_FILE=${PORTAL_VAPID_PRIVATE_KEY_FILE:-$(demo_vapid_key)} \
  PORTAL_VERIFY_EMAIL=${PORTAL_VERIFY_EMAIL:-false} PORTAL_ADDR=${PORTAL_ADDR:-127.0.0.1:3000} \
    target/debug/server --demo &
  SERVERS+=($!)
  wait "${SERVERS[0]}"
}

# The portal for real: a release build, no demo data, settings and secrets from
# the environment (or *_FILE files), and a durable database: DATABASE_URL, or
# without it the durable private cluster's `portal_production` database.
production() {
  apt_install curl postgresql
  ensure_rust_tools
  if [ -z "${PORTAL_PUBLIC_URL:-}" ]; then
    echo "production: set PORTAL_PUBLIC_URL, the address members use (e.g. https://portal.example.org)" >&2
    exit 2
  fi
  if [ -z "${DATABASE_URL:-}" ] && [ -z "${DATABASE_URL_FILE:-}" ]; then
    ensure_postgres
    create_database portal_production
    export DATABASE_URL="${DATABASE_URL%/*}/portal_production"
    log "no DATABASE_URL: using the durable private cluster (database portal_production)"
  fi
  log "building the server and the client (release)"
  cargo build --release -p server --bin server
  build_client
  log "starting the portal without demo data on ${PORTAL_ADDR:-127.0.0.1:3000} for $PORTAL_PUBLIC_URL (Ctrl-C stops it)"
  PORTAL_ADDR=${PORTAL_ADDR:-127.0.0.1:3000} target/release/server &
  SERVERS+=($!)
  wait "${SERVERS[0]}"
}

# The server and the development client, built side by side.
dev_build() {
  local server_build client=0
  cargo build -p server &
  server_build=$!
  build_dev_client || client=$?
  wait "$server_build" && [ "$client" = 0 ]
}

# Rebuilds the server and the debug client and restarts the server whenever a
# source file, the stylesheet or a public file changes; refresh the browser to
# see the change. A build error is shown and the loop waits for the next edit.
dev() {
  apt_install curl postgresql inotify-tools
  ensure_rust_tools
  ensure_postgres
  local addr=${PORTAL_ADDR:-127.0.0.1:3000}
  while true; do
    local started=$SECONDS
    if dev_build; then
      PORTAL_VAPID_PRIVATE_KEY_FILE=${PORTAL_VAPID_PRIVATE_KEY_FILE:-$(demo_vapid_key)} \
      PORTAL_VERIFY_EMAIL=${PORTAL_VERIFY_EMAIL:-false} PORTAL_SITE_ROOT=target/site-dev PORTAL_ADDR=$addr \
        target/debug/server --demo &
      SERVERS+=($!)
      wait_for "http://$addr/healthz" &&
        log "dev server on http://$addr, ready $((SECONDS - started)) s after the change; watching for edits"
    fi
    inotifywait -qq -r -e close_write,create,delete,move app/src app/client server/src style public
    stop_servers
  done
}

check_format() {
  log "cargo fmt --check"
  cargo fmt --all -- --check
}

lint() {
  log "clippy (server build)"
  cargo clippy -p app -p server -p harness --all-targets --features app/ssr -- -D warnings
  log "clippy (WASM build)"
  cargo clippy -p app -p client --lib --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
  log "clippy (WASM build in parts)"
  RUSTFLAGS="--cfg erase_components --cfg split_client" \
    cargo clippy -p app -p client --lib --target wasm32-unknown-unknown --features app/hydrate -- -D warnings
  log "eslint (the boot script and the service worker)"
  ensure_build_tools
  .ci/build-tools/node_modules/.bin/eslint --config .ci/build-tools/eslint.config.mjs app/client/boot.js app/client/sw.js
}

unit() {
  log "Rust unit and property tests (app)"
  cargo test -p app --features ssr --lib
}

# The integration tests (one binary, server/tests/it): each test runs the real
# router over a database of its own; the static-file tests read the built client.
integration() {
  [ -f target/site/pkg/output-name ] || build_client
  log "Rust integration tests (each test gets a database of its own)"
  drop_test_databases # of an earlier, interrupted run
  # A real SMTP server (aiosmtpd from PyPI) for the email tests; they start it.
  command -v python3 >/dev/null || apt_install python3 python3-venv
  PORTAL_SMTP_PYTHON=$(bash .ci/smtp.sh | tail -n 1)
  export PORTAL_SMTP_PYTHON
  # One test at a time: each test runs its own portal on its own runtime, and
  # with two such runtimes in one process Leptos' server rendering sometimes
  # stalls a page (about 1 run in 12; never seen in 50 sequential runs, nor in
  # 320 concurrent requests to one real server). Each test still has its own
  # database.
  cargo test -p server -- --test-threads=1
  drop_test_databases # the template and the last test's (each test drops its own)
}

drop_test_databases() {
  [ -n "${PG_ADMIN_URL:-}" ] || return 0
  psql "$PG_ADMIN_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'portal_test_%'" |
    while read -r db; do psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; done
}

# The browser tests: three instances over one fresh database with the demo data,
# stopped again when the tests end.
e2e() {
  apt_install chromium
  log "browser tests"
  local e2e_db=portal_e2e port=${PORTAL_E2E_PORT:-3100} e2e_url
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)" >/dev/null
    create_database "$e2e_db"
    e2e_url="postgres://postgres@127.0.0.1:$PG_PORT/$e2e_db"
  else
    e2e_url=$DATABASE_URL
  fi
  # The suites share the demo accounts across many tests a minute: the spam limits
  # (tested in server/tests/it/limits.rs) are raised for the first two instances.
  local raised="PORTAL_LIMIT_MESSAGES_PER_MINUTE=100000 PORTAL_LIMIT_CONVERSATIONS_PER_HOUR=100000"
  # The tests register many members from 127.0.0.1 (the limit itself: server/tests/it/registration.rs).
  # They also use new members at once (confirmation by email: server/tests/it/verification.rs).
  local accounts="PORTAL_REGISTRATIONS_PER_ADDRESS_HOUR=100000 PORTAL_VERIFY_EMAIL=false PORTAL_LANGUAGES=en,fr,de,es"
  # A real SMTP server (aiosmtpd, as for the integration tests) writing into a
  # Maildir the browser tests read: the password reset is followed from its email.
  local maildir="$STATE/e2e-maildir" smtp_port=${PORTAL_E2E_SMTP_PORT:-$((port + 25))} smtp_python
  smtp_python=$(bash .ci/smtp.sh | tail -n 1)
  rm -rf "$maildir" && mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
  "$smtp_python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox "$maildir" \
    >"$STATE/e2e-smtp.log" 2>&1 &
  SERVERS+=($!)
  local tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$smtp_port") 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -lt 100 ] || { echo "the SMTP server did not start" >&2; return 1; }
    sleep 0.1
  done
  accounts="$accounts PORTAL_SMTP_URL=smtp://127.0.0.1:$smtp_port"
  # Web push: the browser tests subscribe to a push service address of their own
  # (headless Chromium reaches no real one); nothing needs to listen there.
  local push_origin="127.0.0.1:${PORTAL_E2E_PUSH_PORT:-$((port + 27))}"
  accounts="$accounts PORTAL_VAPID_PRIVATE_KEY_FILE=$(demo_vapid_key) PORTAL_PUSH_SERVICES=http://$push_origin"
  env $raised $accounts DATABASE_URL="$e2e_url" PORTAL_ADDR=127.0.0.1:$port target/debug/server --demo \
    >"$STATE/e2e-server.log" 2>&1 &
  SERVERS+=($!)
  wait_for "http://127.0.0.1:$port/healthz"
  # A second instance on the same database, as behind a load balancer: live
  # events must cross from one to the other.
  local port2=${PORTAL_E2E_PORT_2:-$((port + 2))}
  env $raised $accounts DATABASE_URL="$e2e_url" PORTAL_ADDR=127.0.0.1:$port2 target/debug/server \
    >"$STATE/e2e-server-2.log" 2>&1 &
  SERVERS+=($!)
  wait_for "http://127.0.0.1:$port2/healthz"
  # A third instance with the real spam limits, for the browser test of the limit message.
  local port3=${PORTAL_E2E_PORT_3:-$((port + 4))}
  env $accounts DATABASE_URL="$e2e_url" PORTAL_ADDR=127.0.0.1:$port3 \
    PORTAL_LIMIT_MESSAGES_PER_MINUTE=20 PORTAL_LIMIT_CONVERSATIONS_PER_HOUR=10 target/debug/server \
    >"$STATE/e2e-server-3.log" 2>&1 &
  SERVERS+=($!)
  wait_for "http://127.0.0.1:$port3/healthz"
  (
    cd end2end
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    [ -d node_modules/@playwright/test ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
    PORTAL_E2E_MAILDIR="$maildir" PORTAL_E2E_PUSH_ORIGIN="$push_origin" PORTAL_URL="http://127.0.0.1:$port" PORTAL_URL_2="http://127.0.0.1:$port2" \
      PORTAL_URL_3="http://127.0.0.1:$port3" npx playwright test ${PORTAL_E2E_ARGS:-}
  )
  # Nothing of the browser tests keeps running while the next step measures.
  stop_servers
}

reliability_short() {
  log "reliability under load and faults (short version; long: bash .ci/portal.sh reliability)"
  cargo build -p server
  cargo build -p harness --bin reliability
  RELIABILITY_SECONDS=10 RELIABILITY_OUTAGE_SECONDS=3 RELIABILITY_PG_FAULTS=2 RELIABILITY_SMTP_OUTAGE_SECONDS=3 \
    RELIABILITY_EMAILS=200 RELIABILITY_EMAIL_LEASE_SECONDS=10 RELIABILITY_SLOW_SECONDS=5 \
    run_reliability target/debug/server
}

# The attacks harness (server/harness/src/bin/attacks.rs): RELIABILITY.md's
# "Attacks from the internet" table.
run_attacks() {
  local exe=$1 db=portal_attacks
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  ATTACK_SERVER=$exe DATABASE_URL="${DATABASE_URL%/*}/$db" "$(dirname "$exe")/attacks"
}

attacks_short() {
  log "attacks from the internet (short version; long: bash .ci/portal.sh attacks)"
  cargo build -p server
  cargo build -p harness --bin attacks
  # A debug server idles near 120 MB resident (its binary is several times the
  # release one's): the absolute limit after the burst is the release build's,
  # what the burst leaves behind is limited in both (attacks.rs).
  ATTACK_SETTLE_SECONDS=${ATTACK_SETTLE_SECONDS:-10} ATTACK_AFTER_RSS_LIMIT_MB=${ATTACK_AFTER_RSS_LIMIT_MB:-200} \
    run_attacks target/debug/server
}

# Installs Debian packages without letting their scripts start a service (nginx
# would otherwise start a server of its own on port 80, which nobody asked for).
apt_install_quiet_services() {
  if [ -e /usr/sbin/policy-rc.d ]; then
    apt_install "$@"
    return
  fi
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  apt_install "$@" || { as_root rm -f /usr/sbin/policy-rc.d; return 1; }
  as_root rm -f /usr/sbin/policy-rc.d
}

# Two instances behind a real nginx, configured by server/deploy/nginx
# (server/harness/src/bin/proxy.rs).
proxy_check() {
  apt_install_quiet_services nginx
  log "two instances behind nginx (server/deploy/nginx)"
  cargo build -p server
  cargo build -p harness --bin proxy
  local db=portal_proxy
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  DATABASE_URL="${DATABASE_URL%/*}/$db" target/debug/proxy
}

# The release figures of RELIABILITY.md's attacks table.
attacks() {
  apt_install curl postgresql
  ensure_postgres scratch
  log "building the server and the attacks harness (release)"
  cargo build --release -p server --bin server
  cargo build --release -p harness --bin attacks
  run_attacks target/release/server
}

run_tests() {
  apt_install curl postgresql chromium
  ensure_rust_tools
  ensure_postgres scratch
  # A full run needs about 7 GB (builds, databases, browser); say what there is,
  # so that a failure from a full disk is recognised as one.
  log "free disk space here: $(df -h --output=avail . | tail -n 1 | tr -d ' ')"
  check_format
  lint
  build
  unit
  integration
  e2e
  reliability_short
  attacks_short
  proxy_check
  log "all checks passed"
}

# The parts of `test` on their own, each with what it needs.
part() {
  apt_install curl postgresql
  ensure_rust_tools
  case "$1" in
    fmt) check_format ;;
    lint) lint ;;
    unit) ensure_postgres scratch; unit ;;
    integration) ensure_postgres scratch; integration ;;
    e2e) ensure_postgres scratch; build; e2e ;;
    reliability-short) ensure_postgres scratch; reliability_short ;;
    attacks-short) ensure_postgres scratch; attacks_short ;;
    proxy) ensure_postgres scratch; proxy_check ;;
  esac
}

# --- harnesses ----------------------------------------------------------------

# The reliability harness (server/harness/src/bin/reliability.rs) against the cluster this
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
  ensure_postgres scratch
  log "building the server and the reliability harness (release)"
  cargo build --release -p server --bin server
  cargo build --release -p harness --bin reliability
  RELIABILITY_SECONDS=${RELIABILITY_SECONDS:-600} RELIABILITY_OUTAGE_SECONDS=${RELIABILITY_OUTAGE_SECONDS:-10} \
    RELIABILITY_SMTP_OUTAGE_SECONDS=${RELIABILITY_SMTP_OUTAGE_SECONDS:-300} RELIABILITY_SLOW_SECONDS=${RELIABILITY_SLOW_SECONDS:-60} \
    run_reliability target/release/server
}

bench() {
  apt_install curl postgresql
  ensure_postgres scratch
  log "building the benchmark (release)"
  cargo build --release -p harness --bin bench
  create_database portal_bench
  local url=${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/portal_bench}
  DATABASE_URL=$url target/release/bench
}

# The inbox and a thread at ten times the data (10,000,000 messages, 1,000,000
# members; seeded once, about 7.3 GB) against the usual data set, one right after
# the other: `scale_inbox_p99_ratio` and `scale_thread_p99_ratio`.
scale_bench() {
  apt_install curl postgresql
  ensure_postgres scratch
  log "building the benchmark (release)"
  cargo build --release -p harness --bin bench
  create_database portal_bench
  create_database portal_bench_x10
  local base=${DATABASE_URL%/*} ops=${BENCH_OPERATIONS:-5000} p99
  log "ten times the data (seeded once: the first run takes a while)"
  BENCH_SCALE=10 BENCH_METRICS=inbox BENCH_OPERATIONS=100 DATABASE_URL=$base/portal_bench_x10 target/release/bench >/dev/null
  BENCH_SCALE=1 BENCH_METRICS=inbox BENCH_OPERATIONS=100 DATABASE_URL=$base/portal_bench target/release/bench >/dev/null
  for scale in 1 10; do
    local db=portal_bench; [ "$scale" = 10 ] && db=portal_bench_x10
    log "scale $scale"
    BENCH_SCALE=$scale BENCH_METRICS=inbox,thread BENCH_OPERATIONS=$ops DATABASE_URL=$base/$db \
      target/release/bench | tee "$STATE/scale-$scale.txt"
  done
  echo
  echo "| metric | value | target |"
  echo "|---|---|---|"
  for metric in inbox thread; do
    p99() { awk -F'|' -v m=" $metric " '$2 == m { gsub(/ /, "", $5); print $5 }' "$STATE/scale-$1.txt"; }
    awk -v a="$(p99 1)" -v b="$(p99 10)" -v m="$metric" \
      'BEGIN { printf "| scale_%s_p99_ratio | %.2f (p99 %.2f ms at 10x, %.2f ms at 1x) | <= 1.5 |\n", m, b / a, b, a }'
  done
}

# `live-bench durable`: on the durable cluster (fsync and synchronous_commit on),
# for the `sends_per_s_durable` row.
live_bench() {
  local mode=${1:-scratch} db=portal_live_bench
  apt_install curl postgresql
  ensure_postgres "$mode"
  [ "$mode" = durable ] && db=portal_live_bench_durable
  log "building the server and the live benchmark (release)"
  cargo build --release -p server --bin server
  cargo build --release -p harness --bin live_bench
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    create_database "$db"
  fi
  local url=${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/$db}
  DATABASE_URL=$url target/release/live_bench
}

# The portal against Matrix Synapse: the same workload on one process of each, one
# after the other (server/harness/src/bin/synapse_bench.rs; Synapse from PyPI, installed
# and configured by .ci/synapse.sh into .portal/synapse-venv and .portal/synapse).
synapse_bench() {
  apt_install curl postgresql
  ensure_postgres scratch
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
  cargo build --release -p harness --bin synapse_bench
  # Fresh databases for both; Synapse insists on the C collation.
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  create_database "$db"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $synapse_db WITH (FORCE)" >/dev/null
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $synapse_db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null
  SYNAPSE_BENCH_PYTHON=$(sed -n 1p <<<"$setup") SYNAPSE_BENCH_CONFIG=$(sed -n 2p <<<"$setup") \
    SYNAPSE_PORT=$synapse_port SYNAPSE_BENCH_DB=$synapse_db DATABASE_URL="${DATABASE_URL%/*}/$db" \
    target/release/synapse_bench
}

# What announcing a send costs PostgreSQL: NOTIFY against polling an outbox table
# (server/harness/src/bin/notify_bench.rs; BENCHMARKS.md, README's scaling section).
notify_bench() {
  apt_install curl postgresql
  ensure_postgres scratch
  log "building the notification benchmark (release)"
  cargo build --release -p harness --bin notify_bench
  create_database portal_notify_bench
  DATABASE_URL="${BENCH_DATABASE_URL:-${DATABASE_URL%/*}/portal_notify_bench}" target/release/notify_bench
}

# Server-rendered page throughput, the client's size, and Lighthouse (BENCHMARKS.md).
page_bench() {
  apt_install curl postgresql chromium brotli
  ensure_rust_tools
  ensure_postgres scratch
  log "building the server, the client and the page benchmark (release)"
  cargo build --release -p server --bin server
  cargo build --release -p harness --bin page_bench
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
  dev) dev ;;
  test) run_tests ;;
  fmt | lint | unit | integration | e2e | reliability-short | attacks-short | proxy) part "$1" ;;
  production) production ;;
  bench) bench ;;
  scale-bench) scale_bench ;;
  live-bench) live_bench "${2:-scratch}" ;;
  page-bench) page_bench ;;
  notify-bench) notify_bench ;;
  synapse-bench) synapse_bench ;;
  reliability) reliability ;;
  attacks) attacks ;;
  # For development: start the cluster, leave it running, print its URL.
  db) ensure_postgres; PG_STARTED_HERE=0; echo "$DATABASE_URL" ;;
  *)
    echo "usage: bash .ci/portal.sh serve|production|dev|test|fmt|lint|unit|integration|e2e|reliability-short|attacks-short|proxy|bench|scale-bench|live-bench|page-bench|notify-bench|synapse-bench|reliability|attacks|db" >&2
    exit 2
    ;;
esac
