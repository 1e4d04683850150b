#!/usr/bin/env bash
# One entry point for people and CI:
#   bash dev.sh run    set up .venv, migrate, load the Khánh Hòa demo, serve http://127.0.0.1:5000 (SQLite)
#   bash dev.sh test   set up .venv and run the whole test suite (SQLite; PostgreSQL/Redis tests skip if absent)
#   bash dev.sh check  lint, type check (mypy), security scan and the models/migrations drift check
#   bash dev.sh setup  only create/refresh .venv
#   bash dev.sh replica  like run, on a throwaway PostgreSQL primary and a streaming replica of it (public pages
#                        read from the replica); Ctrl-C stops and deletes both (bench/pgcluster.py)
#   bash dev.sh lock   rewrite requirements.lock and requirements-dev.lock from pyproject.toml (see README)
#   bash dev.sh i18n   extract the marked strings into app/translations/messages.pot, merge them into each language's
#                      messages.po (the catalogue people edit), compile, and list the entries still to translate
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

system_packages() {
  # PyICU (the Vietnamese sort order) compiles against ICU's headers: Debian's libicu-dev and pkg-config.
  if ! pkg-config --exists icu-i18n 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing libicu-dev and pkg-config (needed to build PyICU)…" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libicu-dev pkg-config >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libicu-dev pkg-config >/dev/null; }
    else
      echo "Chung Tay needs ICU's development files to build PyICU: sudo apt-get install libicu-dev pkg-config" >&2
      return 1
    fi
  fi
}

setup() {
  local py stamp
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    py=$(find_python)
    rm -rf .venv
    "$py" -m venv .venv
  fi
  stamp=.venv/.installed-$(cat pyproject.toml requirements-dev.lock | sha1sum | cut -c1-12)
  if [ ! -f "$stamp" ]; then
    system_packages
    # Every package (pip and the build backend included) at the version and with the sha256 hashes of the lock
    # file; then our own package without dependencies, so nothing unlocked is ever installed.
    .venv/bin/python -m pip install --quiet --require-hashes -r requirements-dev.lock
    .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    # pyproject.toml changed without `bash dev.sh lock`: a dependency missing from the lock, or a locked
    # version outside pyproject's range, fails here rather than at import time.
    { .venv/bin/python -m pip check >/dev/null && .venv/bin/python .ci/check_lock.py; } || {
      .venv/bin/python -m pip check >&2 || true
      echo "The lock files do not satisfy pyproject.toml: run 'bash dev.sh lock' and commit both lock files." >&2
      return 1
    }
    rm -f .venv/.installed-*; touch "$stamp"
  fi
  .venv/bin/pybabel compile -d app/translations >/dev/null
}

# Every marked string of app/ and templates/ (babel.cfg), with our keywords besides babel's defaults (_, gettext,
# ngettext, pgettext, N_…): _l/lazy_gettext and lazy_pgettext (forms, labels), NP_ (app/core/messages.py). Sorted and
# with file-only locations, so that a string added on one branch changes one entry of the .pot and merges cleanly.
extract_pot() {
  .venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k NP_:1c,2 \
    --ignore-dirs='.*' --sort-output --no-wrap --add-location=file --project="Chung Tay" --copyright-holder="Chung Tay" \
    -o "$1" app templates
}

cmd=${1:-run}
case "$cmd" in
  setup) setup ;;
  run)
    setup
    export FLASK_DEBUG=${FLASK_DEBUG:-0}
    export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT:-5000}}  # absolute links point here
    .venv/bin/flask db upgrade
    .venv/bin/flask demo load
    exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
    ;;
  replica)
    setup
    exec .venv/bin/python -m bench.pgcluster serve
    ;;
  test)
    setup
    shift || true
    exec .venv/bin/python -m pytest "$@"
    ;;
  lock)
    # One universal lock (markers for every Python >= 3.12 and platform), resolved by uv from pyproject.toml:
    # requirements.lock for production (pyproject's dependencies), requirements-dev.lock for development and CI
    # (plus the dev extra, with the production versions as constraints so both files agree). Both carry pip and
    # the build backend ([build-system] requires), so `--no-build-isolation` builds our package with locked tools.
    # uv comes from requirements-dev.lock. After an edit of pyproject.toml, setup stops at `pip check` (that is
    # why we relock), but uv is installed by then.
    [ -x .venv/bin/uv ] || setup || true
    [ -x .venv/bin/uv ] || { echo "dev.sh lock: .venv/bin/uv is missing; run 'bash dev.sh setup' first." >&2; exit 1; }
    shift || true
    tmp=$(mktemp -d)
    .venv/bin/python - "$tmp" <<'PY'
import sys
import tomllib
from pathlib import Path

build = tomllib.loads(Path("pyproject.toml").read_text())["build-system"]["requires"]
Path(sys.argv[1], "build.in").write_text("\n".join([*build, "pip"]) + "\n")
PY
    compile=(.venv/bin/uv pip compile --universal --python-version 3.12 --generate-hashes --quiet
             --custom-compile-command "bash dev.sh lock" "$@")
    "${compile[@]}" pyproject.toml "$tmp/build.in" -o requirements.lock
    grep -E '^[A-Za-z0-9._-]+==' requirements.lock | sed 's/ *\\$//' > "$tmp/constraints.txt"
    "${compile[@]}" pyproject.toml "$tmp/build.in" --extra dev -c "$tmp/constraints.txt" -o requirements-dev.lock
    # The temporary inputs' names would change at every run: name them by what they hold.
    sed -i -e "s#$tmp/build.in#[build-system] requires and pip#" -e "s#$tmp/constraints.txt#requirements.lock#" \
      requirements.lock requirements-dev.lock
    rm -rf "$tmp"
    echo "requirements.lock: $(grep -cE '^[A-Za-z0-9._-]+==' requirements.lock) packages;" \
      "requirements-dev.lock: $(grep -cE '^[A-Za-z0-9._-]+==' requirements-dev.lock) packages"
    ;;
  check)
    setup
    .venv/bin/ruff check app tests bench
    .venv/bin/ruff format --check app tests bench config.py wsgi.py
    # Types: mypy over app/ with pyproject's [tool.mypy] (strictness, per-module exceptions); must stay green.
    .venv/bin/mypy
    # Our code: bandit fails the check on any high-severity finding (-lll); low/medium ones are listed
    # with `bandit -r app` and judged in review. A `# nosec` must say why on the same line.
    echo "bandit: high-severity findings in app/"
    .venv/bin/bandit -r app -lll -q
    # The lock files (every pinned version, production and development) against the PyPI advisory database
    # (pip-audit has no severity levels, so any known vulnerability fails). --disable-pip: the locks are fully
    # pinned and hashed, nothing to resolve. It needs the network: when the database cannot be reached, or it
    # could audit no package at all, print a clear warning and go on, so CI stays deterministic offline.
    # An accepted advisory goes in PIP_AUDIT_IGNORE (space-separated IDs) with its reason here.
    audit_dir=$(mktemp -d)
    ignore_args=()
    for id in ${PIP_AUDIT_IGNORE:-}; do ignore_args+=(--ignore-vuln "$id"); done
    .venv/bin/pip-audit -r requirements.lock -r requirements-dev.lock --disable-pip --progress-spinner off \
      --timeout 15 "${ignore_args[@]}" \
      -f json -o "$audit_dir/report.json" 2>"$audit_dir/stderr" || true
    .venv/bin/python - "$audit_dir/report.json" "$audit_dir/stderr" <<'PY'
import json
import sys

report, stderr = sys.argv[1], open(sys.argv[2], encoding="utf-8", errors="replace").read()
try:
    deps = json.load(open(report, encoding="utf-8"))["dependencies"]
except (OSError, ValueError, KeyError):
    deps = None
audited = [d for d in deps or [] if "skip_reason" not in d]
if not audited:
    if deps:  # every package skipped: PyPI's JSON API answered nothing usable
        why = f"all {len(deps)} packages skipped, e.g. {deps[0]['name']}: {deps[0]['skip_reason'][:120]}"
    else:
        why = stderr.strip().splitlines()[-1][:200] if stderr.strip() else "no report written"
    print(f"WARNING: pip-audit could not reach the vulnerability database ({why}); dependency audit skipped.")
    sys.exit(0)
found = [(d["name"], d["version"], v["id"], ",".join(v.get("fix_versions", [])) or "no fix yet")
         for d in audited for v in d.get("vulns", [])]
for name, version, vid, fix in found:
    print(f"pip-audit: {name} {version}: {vid} (fixed in {fix})")
skipped = len(deps) - len(audited)
print(f"pip-audit: {len(audited)} packages audited, {skipped} skipped, {len(found)} known vulnerabilities")
sys.exit(1 if found else 0)
PY
    rm -rf "$audit_dir"
    # Models and migrations agree (Alembic autogenerate finds nothing to do) on a fresh database.
    tmp=$(mktemp -d)
    CHUNGTAY_INSTANCE_DIR="$tmp" .venv/bin/flask db upgrade >/dev/null
    CHUNGTAY_INSTANCE_DIR="$tmp" .venv/bin/flask db check
    rm -rf "$tmp"
    ;;
  i18n)
    # Non-interactive: new strings arrive with an empty msgstr, changed ones as fuzzy (babel's guess from the old
    # entry); both are listed and the command exits 1 until each has its English in messages.po (then run it again).
    extract_pot app/translations/messages.pot
    .venv/bin/pybabel -q update -i app/translations/messages.pot -d app/translations --no-wrap --ignore-obsolete
    .venv/bin/python - <<'PY'
import sys
from pathlib import Path

from babel.messages.pofile import read_po

todo = 0
for po in sorted(Path("app/translations").glob("*/LC_MESSAGES/messages.po")):
    with po.open("rb") as fh:
        catalog = read_po(fh)
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        state = "fuzzy" if m.fuzzy else "untranslated" if not all(strings) else ""
        if state:
            todo += 1
            where = ", ".join(sorted({loc for loc, _line in m.locations}))
            context = f" (context {m.context})" if m.context else ""
            print(f"{po}: {state}{context}: {m.id!r}  [{where}]")
print(f"bash dev.sh i18n: {todo} entries to translate" if todo else "bash dev.sh i18n: every entry is translated")
sys.exit(1 if todo else 0)
PY
    .venv/bin/pybabel -q compile -d app/translations  # only once every entry is translated (fuzzy ones would not compile)
    ;;
  pot)  # the .pot as extracted now, written to $2 (tests/i18n compares it with the committed one)
    extract_pot "$2"
    ;;
  *) echo "usage: bash dev.sh [run|test|check|setup|lock|replica|i18n]" >&2; exit 2 ;;
esac
