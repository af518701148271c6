# The private PostgreSQL clusters, sourced by .ci/portal.sh. Without DATABASE_URL,
# `ensure_postgres` starts a cluster of this checkout's own (own folder, own port,
# not as root) and `stop_postgres_if_started` stops it again, but only if this run
# started it. Needs ROOT, STATE, PG_PORT and PG_SCRATCH_PORT.
#
# Two clusters: `ensure_postgres` is the durable one (fsync and synchronous_commit
# on, as PostgreSQL ships: an acknowledged message survives a power cut), for
# `serve`, `dev`, `production` and `db`; `ensure_postgres scratch` the one for tests
# and benchmarks, whose data may be lost if the machine fails (fsync off, for
# speed; synchronous_commit stays on: the reliability harness crashes PostgreSQL
# and counts acknowledged messages, which asynchronous commits would lose).

PG_STARTED_HERE=0
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  local mode=${1:-durable} name=pg durability="-c fsync=on -c synchronous_commit=on"
  if [ -n "${DATABASE_URL:-}" ]; then
    log "using DATABASE_URL from the environment"
    return
  fi
  if [ "$mode" = scratch ]; then
    name=pg-scratch
    PG_PORT=$PG_SCRATCH_PORT
    durability="-c fsync=off -c full_page_writes=off"
  fi
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin; bin=$(pg_bin)
  # The cluster lives under .portal/ unless the postgres user cannot reach it
  # (a checkout under /root, say): then under /var/tmp, named after this checkout.
  PGDATA="$STATE/$name"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    PGDATA="/var/tmp/conversations-portal-$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)/$name"
    ln -sfn "$PGDATA" "$STATE/$name-data-link"
  fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster ($mode) in $PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PGDATA"
    run_as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  PG_OPTIONS="-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=300 $durability"
  if ! run_as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL ($mode) on port $PG_PORT"
    run_as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o "$PG_OPTIONS" start >/dev/null
    PG_STARTED_HERE=1
  elif [ "$mode" = durable ] &&
    [ "$(psql "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -qtAc 'SHOW fsync' 2>/dev/null)" = off ]; then
    # Started by an earlier version of this script, without fsync.
    log "restarting PostgreSQL on port $PG_PORT with fsync on"
    run_as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -m fast -o "$PG_OPTIONS" restart >/dev/null
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

stop_postgres_if_started() {
  if [ "$PG_STARTED_HERE" = 1 ]; then
    log "stopping the PostgreSQL cluster this run started"
    run_as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null || true
  fi
}
