#!/usr/bin/env bash
# Installs Debian's Chromium for the real-browser tests. Playwright's own
# `playwright install` downloads a browser build, which the closed network forbids,
# so the tests drive the distribution's package through its executable path instead.
# Idempotent: does nothing when the browser is already there.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    echo "chromium: already installed at $CHROMIUM"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

echo "chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "chromium: package installed but $CHROMIUM is missing" >&2
    exit 1
fi
echo "chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo "at $CHROMIUM")"
