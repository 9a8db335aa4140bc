#!/usr/bin/env bash
# Build (once) the virtual environment NAME (bot | services) from requirements/NAME.lock.
#
# Environments live outside the clone, in $BDHVS_CACHE (default ~/.cache/bdhvs), in a folder keyed
# by the lock file's hash, so a second clone, a second `make run` and CI reuse them; the clone gets
# a symlink (.venv-bot or .venv). Python 3.10 is required (Rasa 3.6 supports 3.8-3.10).
set -euo pipefail
name=${1:?usage: tools/setup_env.sh bot|services}
root=$(cd "$(dirname "$0")/.." && pwd)
lock="$root/requirements/$name.lock"
case $name in bot) link="$root/.venv-bot" ;; services) link="$root/.venv" ;;
  *) echo "unknown environment: $name" >&2; exit 2 ;; esac

find_python310() {
  local candidate
  for candidate in "${BDHVS_PYTHON:-}" "$(command -v python3.10 || true)"; do
    [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' \
      2>/dev/null && { echo "$candidate"; return 0; }
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
      [ -x "$candidate" ] && "$candidate" -c 'import sys' 2>/dev/null && { echo "$candidate"; return 0; }
    done
  fi
  return 1
}

hash=$(sha256sum "$lock" | cut -c1-16)
cache=${BDHVS_CACHE:-$HOME/.cache/bdhvs}
venv="$cache/venv-$name-$hash"

if [ ! -f "$venv/.complete" ]; then
  python=$(find_python310) || {
    cat >&2 <<MSG
error: Python 3.10 is required (Rasa 3.6 runs on Python 3.8-3.10 only) and none was found.
  Install it with one of:
    pyenv install 3.10.13                       # then re-run the make command
    apt-get install python3.10 python3.10-venv  # on distributions that ship it
  or point BDHVS_PYTHON at a python3.10 binary.
MSG
    exit 1
  }
  echo "==> building the '$name' environment with $python in $venv (first time only)"
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv"
  # pip warns once per package about this machine's missing local index folders: noise.
  quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
  quiet "$venv/bin/python" -m pip install --quiet --upgrade "pip>=25.1"
  # The lock pins every package (--no-deps), so it installs in batches, with a count
  # after each: the first build of the bot environment takes minutes.
  parts=$(mktemp -d)
  grep -v '^[[:space:]]*#' "$lock" | grep . | split -l 20 - "$parts/part-"
  total=$(cat "$parts"/part-* | wc -l)
  installed=0
  for part in "$parts"/part-*; do
    quiet "$venv/bin/python" -m pip install --quiet --no-deps -r "$part"
    installed=$((installed + $(wc -l < "$part")))
    echo "    $name: $installed/$total packages installed"
  done
  rm -rf "$parts"
  "$venv/bin/python" -m pip check
  touch "$venv/.complete"
fi
ln -sfn "$venv" "$link"
