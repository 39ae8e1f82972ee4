#!/usr/bin/env bash
# The whole test suite: machine dependencies, type check, lint, then every test against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
bash scripts/ensure-services.sh

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

npm run typecheck
# The browser tests drive the built web app.
npm run build:web
npm run lint
npx vitest run
# The same core tests once more on Node 22 LTS.
bash scripts/node22-smoke.sh
