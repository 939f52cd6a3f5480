#!/usr/bin/env bash
# One command: set everything up (system packages, npm, build), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The static prebuilt addons (x64, and arm64 for the emulated run below); YOLO_NATIVE_STATIC=0 tests a build
# against the system's OpenCV instead (and skips the arm64 run).
export YOLO_NATIVE_STATIC="${YOLO_NATIVE_STATIC:-1}" YOLO_NATIVE_ARCHS="${YOLO_NATIVE_ARCHS:-x64 arm64}"
YOLO_NATIVE_EXTRA_APT="${YOLO_NATIVE_EXTRA_APT:-curl python3-requests redis-server ffmpeg}" bash scripts/setup.sh
npm test
if [ "$YOLO_NATIVE_STATIC" = 1 ] && [[ " $YOLO_NATIVE_ARCHS " == *" arm64 "* ]]; then npm run --silent test:arm64; fi
