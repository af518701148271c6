# The private PostgreSQL cluster, sourced by .ci/portal.sh. Without DATABASE_URL,
# `ensure_postgres` starts a cluster of this checkout's own (own folder, own port,
# not as root) and `stop_postgres_if_started` stops it again, but only if this run
# started it. Needs ROOT, STATE and PG_PORT.

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

stop_postgres_if_started() {
  if [ "$PG_STARTED_HERE" = 1 ]; then
    log "stopping the PostgreSQL cluster this run started"
    run_as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null || true
  fi
}
