#!/usr/bin/env bash
# The page tests drive Debian's Chromium headless (a real browser, as citizens use).
# Installs it once when missing and this user may use apt-get; otherwise explains.
set -euo pipefail
browser=${BDHVS_CHROMIUM:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the page tests (first time only)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
  exit 0
fi
cat >&2 <<MSG
error: the page tests need Chromium at $browser.
  Install it with: sudo apt-get install chromium   (or set BDHVS_CHROMIUM to a chromium binary)
MSG
exit 1
