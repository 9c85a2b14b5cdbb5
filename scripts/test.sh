#!/usr/bin/env bash
# The one test command: installs what the tests need on a fresh machine, then runs them.
#   bash scripts/test.sh
# Safe to run again: every install step is skipped when its tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

log "redis-server, for the Redis tests; chromium, for the browser test"
apt_install redis-server chromium

log "cargo test (unit, integration and doc tests)"
cargo test --all-features

log "browser test: the demo chat in headless Chromium (playwright-core)"
cargo build --quiet --all-features --example demo
npm ci --prefix tests/browser --no-audit --no-fund
node --test tests/browser/
