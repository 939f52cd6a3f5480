#!/usr/bin/env bash
# One command: set everything up (system packages, npm, build), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
YOLO_NATIVE_EXTRA_APT="${YOLO_NATIVE_EXTRA_APT:-curl python3-requests redis-server ffmpeg}" bash scripts/setup.sh
exec npm test
