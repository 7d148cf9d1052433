#!/usr/bin/env bash
# One entry point for developers and CI: set up (idempotent), then run the demo or the tests.
#   bash scripts/dev.sh demo     set up, then run the offline demo (the main job)
#   bash scripts/dev.sh test     set up, then run the whole test suite
#   bash scripts/dev.sh setup    only set up
# Set-up creates .venv from requirements.lock (hash-checked) and installs tierwise into it in editable mode.
# It is redone only when requirements.lock or pyproject.toml changed since the last set-up.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP="$VENV/.tierwise-setup"

# tierwise itself, editable. hatchling builds editable wheels with the 'editables' package: when the lock
# brought both, build offline with them (--no-build-isolation); otherwise let pip fetch the build back-end
# into an isolated build environment. pip's output is shown only if the install fails.
install_editable() {
  local log args=(--no-deps -e .)
  if "$VENV/bin/python" -c "import editables, hatchling" >/dev/null 2>&1; then
    args=(--no-build-isolation "${args[@]}")
  fi
  log=$(mktemp)
  if ! "$VENV/bin/python" -m pip install --quiet "${args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "==> installing tierwise (editable) failed" >&2
    return 1
  fi
  rm -f "$log"
}

setup() {
  local want
  want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    return 0
  fi
  echo "==> setting up $VENV (hash-checked install from requirements.lock)" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24" >&2
  "$VENV/bin/python" -m pip install --quiet --require-hashes --no-deps -r requirements.lock >&2
  install_editable
  if [[ -f editor-clients/install-e2e-deps.sh ]]; then
    echo "==> installing editor end-to-end dependencies" >&2
    bash editor-clients/install-e2e-deps.sh >&2
  fi
  echo "$want" > "$STAMP"
}

cmd=${1:-test}
shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; exec "$VENV/bin/tierwise" demo "$@" ;;
  test)
    setup
    set +e
    "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
    rc=$?
    set -e
    if [[ $rc -eq 5 ]]; then
      echo "pytest collected no tests: that is a failure here" >&2
      exit 1
    fi
    exit $rc
    ;;
  *) echo "usage: bash scripts/dev.sh [setup|demo|test] [args...]" >&2; exit 2 ;;
esac
