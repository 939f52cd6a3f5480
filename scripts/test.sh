#!/usr/bin/env bash
# One command: set everything up (system packages, npm, build), then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The static prebuilt addon for x64 (YOLO_NATIVE_STATIC=0: a build against the system's OpenCV instead).
# YOLO_NATIVE_ARCHS="x64 arm64" also builds the arm64 one and runs its golden subset under qemu (npm run test:arm64):
# not by default, since on a cold 2-core machine that takes the run past 45 minutes (docs/packaging.md).
export YOLO_NATIVE_STATIC="${YOLO_NATIVE_STATIC:-1}" YOLO_NATIVE_ARCHS="${YOLO_NATIVE_ARCHS:-x64}"
YOLO_NATIVE_EXTRA_APT="${YOLO_NATIVE_EXTRA_APT:-curl python3-requests redis-server ffmpeg clang-format}" bash scripts/setup.sh
npm run --silent lint
npm test
if [ "$YOLO_NATIVE_STATIC" = 1 ] && [[ " $YOLO_NATIVE_ARCHS " == *" arm64 "* ]]; then npm run --silent test:arm64; fi
