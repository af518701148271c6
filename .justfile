# Every task of the portal: `just` lists them, `just <task>` runs one. Each is a
# subcommand of .ci/portal.sh, which installs what it needs and starts its own
# PostgreSQL cluster; `bash .ci/portal.sh <task>` does the same without `just`.
# just itself: cargo install just --locked --version 1.59.0

# List the tasks.
default:
    @just --list --unsorted

# Build and start the portal with demo data on http://localhost:3000.
serve:
    bash .ci/portal.sh serve

# The portal for real: release build, no demo data, durable database (needs PORTAL_PUBLIC_URL).
production:
    bash .ci/portal.sh production

# Fast edit-and-refresh loop: debug client without wasm-opt, server restarted on change.
dev:
    bash .ci/portal.sh dev

# Every check CI runs: format, lints, unit, integration, browser, short reliability and attacks.
test:
    bash .ci/portal.sh test

# cargo fmt --check.
fmt:
    bash .ci/portal.sh fmt

# Clippy (server and WASM builds) and ESLint (the boot script).
lint:
    bash .ci/portal.sh lint

# The app's unit and property tests.
unit:
    bash .ci/portal.sh unit

# The integration tests (one binary, a database per test).
integration:
    bash .ci/portal.sh integration

# The Playwright tests on desktop and phone, against three instances.
e2e:
    bash .ci/portal.sh e2e

# The reliability harness, short version (as in `test`).
reliability-short:
    bash .ci/portal.sh reliability-short

# The reliability harness, long version (release build; RELIABILITY.md).
reliability:
    bash .ci/portal.sh reliability

# Attacks from the internet, short version (as in `test`).
attacks-short:
    bash .ci/portal.sh attacks-short

# Two instances behind Debian's nginx, configured by server/deploy/nginx (as in `test`).
proxy:
    bash .ci/portal.sh proxy

# Attacks from the internet, release build (RELIABILITY.md's attacks table).
attacks:
    bash .ci/portal.sh attacks

# Server-side functions at 100,000 members (BENCHMARKS.md).
bench:
    bash .ci/portal.sh bench

# Live delivery across two instances (BENCHMARKS.md).
live-bench:
    bash .ci/portal.sh live-bench

# Server-rendered pages, the client's size and Lighthouse (BENCHMARKS.md).
page-bench:
    bash .ci/portal.sh page-bench

# What announcing a send costs PostgreSQL: NOTIFY against polling (BENCHMARKS.md).
notify-bench:
    bash .ci/portal.sh notify-bench

# The same workload on the portal and on Matrix Synapse (BENCHMARKS.md).
synapse-bench:
    bash .ci/portal.sh synapse-bench

# Start the private PostgreSQL cluster, leave it running and print its URL.
db:
    bash .ci/portal.sh db
