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

log "redis-server, for the Redis tests; chromium, for the browser test; python3, for the Django interop tests"
apt_install redis-server chromium python3

log "Python venv for the Django Channels interop tests (tests/django_site/requirements.txt)"
# tests/channels_redis_django.rs runs daphne and channels_redis from it; skipped
# when the pinned requirements are already installed there.
venv=target/interop-venv
requirements=tests/django_site/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.installed"; then
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.installed"
fi
export WSVIEWS_INTEROP_VENV="$PWD/$venv"
log "golden msgpack bodies still match Python's msgpack"
(cd tests/django_site && "$WSVIEWS_INTEROP_VENV/bin/python" golden_msgpack.py --check ../data/channels_redis_golden.jsonl)

log "cargo test (unit, integration and doc tests)"
cargo test --all-features

log "Autobahn conformance against the demo: cases 1-10, then all 517 with --permessage-deflate (scripts/autobahn.sh)"
bash scripts/autobahn.sh

log "browser test: the demo chat in headless Chromium (playwright-core)"
cargo build --quiet --all-features --example demo
npm ci --prefix tests/browser --no-audit --no-fund
node --test tests/browser/
