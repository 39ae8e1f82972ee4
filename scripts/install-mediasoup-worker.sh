#!/usr/bin/env bash
# Installs the mediasoup C++ worker (the SFU's media engine) from Debian, only when it is missing.
#
# The mediasoup npm package normally downloads or compiles its worker at install time; neither works
# without GitHub/PyPI access. Debian's `experimental` suite ships `mediasoup-worker` 3.8.4, matching
# the pinned `mediasoup@3.8.4` npm package, and its dependencies all come from bookworm. We add
# experimental with a pin so that nothing but `mediasoup-worker` is ever taken from it.
# The media service finds the binary at the Debian path below (or wherever MEDIASOUP_WORKER_BIN points).
set -euo pipefail

WORKER_BIN=/usr/lib/x86_64-linux-gnu/mediasoup/mediasoup-worker
WORKER_VERSION=3.8.4

if [ -x "$WORKER_BIN" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "mediasoup-worker: no apt-get on this machine; voice stays unavailable unless MEDIASOUP_WORKER_BIN points at a worker ${WORKER_VERSION}" >&2
  exit 0
fi

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! grep -rqs 'experimental' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "adding Debian experimental (pinned: only mediasoup-worker comes from it)"
  $SUDO tee /etc/apt/sources.list.d/debian-experimental.sources >/dev/null <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: experimental
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

$SUDO tee /etc/apt/preferences.d/pocdojo-mediasoup-worker >/dev/null <<'PREFERENCES'
# Nothing comes from experimental by default...
Package: *
Pin: release a=experimental
Pin-Priority: 1

# ...except the mediasoup worker that matches mediasoup@3.8.4 on npm.
Package: mediasoup-worker
Pin: release a=experimental
Pin-Priority: 500
PREFERENCES

echo "installing Debian package mediasoup-worker=${WORKER_VERSION}*"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "mediasoup-worker=${WORKER_VERSION}*"
test -x "$WORKER_BIN"
