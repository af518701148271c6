# Provisioning, sourced by .ci/portal.sh: Debian packages, the Rust target and
# tools, Node. Every step is idempotent: it installs only what is missing.
# Needs ROOT (the checkout), WASM_BINDGEN_VERSION and WASM_SPLIT_VERSION.

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
  # The server's allocator (jemalloc) is C, built with make and a C compiler.
  apt_install make gcc
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    log "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  # Splits the linked client into its lazily loaded parts (the tool Leptos' own
  # build uses, as a command); only a client in parts needs it.
  if [ "${PORTAL_CLIENT_SPLIT:-0}" = 1 ] &&
    ! cargo install --list | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    log "installing wasm-split-cli $WASM_SPLIT_VERSION"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
  fi
}

ensure_node() {
  command -v npm >/dev/null || apt_install nodejs npm
}

# wasm-opt and the JavaScript linter, from npm (.ci/build-tools).
ensure_build_tools() {
  ensure_node
  (
    cd "$ROOT/.ci/build-tools"
    [ -x node_modules/.bin/wasm-opt ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
      || npm ci --no-audit --no-fund --loglevel=error
  )
}
