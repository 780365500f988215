#!/usr/bin/env bash
# Browser tests (wasm and WebGL in headless Chromium) use Debian's chromium, never a downloaded browser.
# Installs it with apt when it is missing and this is a root shell on Debian/Ubuntu; otherwise says what to do.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then exit 0; fi
for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests (apt-get)" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: the browser tests need Chromium. Install it (Debian/Ubuntu: sudo apt-get install -y chromium)" >&2
echo "or set CHROMIUM_PATH to a Chromium binary." >&2
exit 1
