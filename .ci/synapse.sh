#!/usr/bin/env bash
# Matrix Synapse for the side-by-side messaging benchmark (bash .ci/portal.sh synapse-bench).
#   bash .ci/synapse.sh      installs Synapse (once) into .portal/synapse-venv, writes its
#                            configuration into .portal/synapse/ and prints two lines:
#                            the venv's python, then the configuration file.
# Idempotent: a second run finds the pinned versions and only rewrites the configuration.
# Progress goes to stderr; stdout is only the two paths.
#
# Settings (environment): SYNAPSE_PORT (client listener on 127.0.0.1, default 8448),
# SYNAPSE_PG_PORT (the portal's PostgreSQL cluster, default 5433), SYNAPSE_DB (default
# synapse_bench; the benchmark recreates it with the C collation Synapse requires).
#
# The configuration is a benchmark instance, not a deployment: server_name localhost,
# one client listener, no federation listener and no key servers, open registration
# without verification (only reachable on 127.0.0.1), bcrypt_rounds 4 so that setting up
# 200 accounts is quick, every rate limit raised so that none throttles, presence off
# (the portal has no presence), log level WARNING. Everything else is Synapse's default.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
synapse_version=1.163.2
psycopg2_version=2.9.10
venv="$root/.portal/synapse-venv"
dir="$root/.portal/synapse"
python="$venv/bin/python"
port=${SYNAPSE_PORT:-8448}
pg_port=${SYNAPSE_PG_PORT:-5433}
db=${SYNAPSE_DB:-synapse_bench}

installed() {
  [ -x "$python" ] && "$python" - "$synapse_version" "$psycopg2_version" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version("matrix-synapse") != sys.argv[1] or version("psycopg2-binary") != sys.argv[2])
EOF
}

if ! installed; then
  host_python=$(command -v python3) || { echo "python3 is required for Synapse" >&2; exit 1; }
  echo "== installing matrix-synapse $synapse_version into $venv" >&2
  mkdir -p "$root/.portal"
  rm -rf "$venv"
  # Debian's python3 makes venvs only with python3-venv installed.
  if ! "$host_python" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    echo "== installing python3-venv" >&2
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq python3-venv >/dev/null
    "$host_python" -m venv "$venv" >&2
  fi
  "$python" -m pip install --quiet --disable-pip-version-check --no-input \
    "matrix-synapse==$synapse_version" "psycopg2-binary==$psycopg2_version" >&2
fi

mkdir -p "$dir/media"
# Secrets are made once and kept, like the signing key.
secret() {
  [ -s "$dir/$1" ] || "$python" -c 'import secrets; print(secrets.token_hex(32))' >"$dir/$1"
  cat "$dir/$1"
}
macaroon=$(secret macaroon.secret)
form=$(secret form.secret)

# Every rate limit Synapse has, raised far above what the benchmark does.
unlimited='{per_second: 1000000, burst_count: 1000000}'
cat >"$dir/homeserver.yaml" <<EOF
# Written by .ci/synapse.sh for the synapse-bench benchmark; rewritten on every run.
server_name: localhost
pid_file: $dir/homeserver.pid
signing_key_path: $dir/localhost.signing.key
media_store_path: $dir/media
log_config: $dir/log.config
report_stats: false
macaroon_secret_key: "$macaroon"
form_secret: "$form"
listeners:
  - port: $port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: psycopg2
  args:
    user: postgres
    host: 127.0.0.1
    port: $pg_port
    dbname: $db
    # The portal's pool has 20 connections: the same here.
    cp_min: 5
    cp_max: 20
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
enable_registration: true
enable_registration_without_verification: true
bcrypt_rounds: 4
presence:
  enabled: false
url_preview_enabled: false
enable_metrics: false
rc_message: $unlimited
rc_registration: $unlimited
rc_registration_token_validity: $unlimited
rc_login:
  address: $unlimited
  account: $unlimited
  failed_attempts: $unlimited
rc_admin_redaction: $unlimited
rc_joins:
  local: $unlimited
  remote: $unlimited
rc_joins_per_room: $unlimited
rc_3pid_validation: $unlimited
rc_invites:
  per_room: $unlimited
  per_user: $unlimited
  per_issuer: $unlimited
rc_third_party_invite: $unlimited
rc_media_create: $unlimited
rc_presence:
  per_user: $unlimited
rc_delayed_event_mgmt: $unlimited
rc_reports: $unlimited
rc_room_creation: $unlimited
rc_key_requests: $unlimited
rc_user_directory: $unlimited
rc_profile: $unlimited
rc_federation:
  window_size: 1000
  sleep_limit: 1000000
  sleep_delay: 0
  reject_limit: 1000000
  concurrent: 1000000
EOF

cat >"$dir/log.config" <<EOF
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: precise
loggers:
  synapse.storage.SQL:
    level: WARNING
root:
  level: WARNING
  handlers: [console]
disable_existing_loggers: false
EOF

if [ ! -s "$dir/localhost.signing.key" ]; then
  echo "== generating Synapse's signing key" >&2
  "$python" -m synapse.app.homeserver --config-path "$dir/homeserver.yaml" --generate-keys >&2
fi
printf '%s\n%s\n' "$python" "$dir/homeserver.yaml"
