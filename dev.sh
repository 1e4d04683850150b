#!/usr/bin/env bash
# One entry point for people and CI:
#   bash dev.sh run    set up .venv, migrate, load the Khánh Hòa demo, serve http://127.0.0.1:5000 (SQLite)
#   bash dev.sh test   set up .venv and run the whole test suite (SQLite; PostgreSQL/Redis tests skip if absent)
#   bash dev.sh check  lint, security scan and the models/migrations drift check
#   bash dev.sh setup  only create/refresh .venv
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  # A Python >= 3.12: python3 if it is new enough, else python3.13/3.12 on PATH, else pyenv's.
  local c
  for c in python3 python3.13 python3.12; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for c in "$root"/versions/3.13*/bin/python "$root"/versions/3.12*/bin/python; do
      if [ -x "$c" ]; then echo "$c"; return 0; fi
    done
  fi
  echo "Chung Tay needs Python 3.12 or newer; none was found (tried python3, python3.13, python3.12, pyenv)." >&2
  return 1
}

setup() {
  local py stamp
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    py=$(find_python)
    rm -rf .venv
    "$py" -m venv .venv
  fi
  stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    rm -f .venv/.installed-*; touch "$stamp"
  fi
  .venv/bin/pybabel compile -d app/translations >/dev/null
}

cmd=${1:-run}
case "$cmd" in
  setup) setup ;;
  run)
    setup
    export FLASK_DEBUG=${FLASK_DEBUG:-0}
    .venv/bin/flask db upgrade
    .venv/bin/flask demo load
    exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
    ;;
  test)
    setup
    shift || true
    exec .venv/bin/python -m pytest "$@"
    ;;
  check)
    setup
    .venv/bin/ruff check app tests bench
    # Models and migrations agree (Alembic autogenerate finds nothing to do) on a fresh database.
    tmp=$(mktemp -d)
    CHUNGTAY_INSTANCE_DIR="$tmp" .venv/bin/flask db upgrade >/dev/null
    CHUNGTAY_INSTANCE_DIR="$tmp" .venv/bin/flask db check
    rm -rf "$tmp"
    ;;
  *) echo "usage: bash dev.sh [run|test|check|setup]" >&2; exit 2 ;;
esac
