#!/usr/bin/env bash
# One command: set everything up (system packages, npm, build), then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
YOLO_NATIVE_EXTRA_APT="${YOLO_NATIVE_EXTRA_APT:-curl python3-requests redis-server ffmpeg clang-format}" bash scripts/setup.sh
npm run --silent lint
exec npm test
