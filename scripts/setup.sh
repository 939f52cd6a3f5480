#!/usr/bin/env bash
# Sets up yolo-native on a fresh Debian/Ubuntu machine: system OpenCV and libjpeg (as root or with sudo), npm
# dependencies (no install-time downloads: onnxruntime-node's CUDA fetch is skipped), the native addon and the
# TypeScript build.
# Idempotent and incremental: a second run only rebuilds what changed.
# YOLO_NATIVE_STATIC=1: instead of linking the system's OpenCV, build the static prebuilt addon for each architecture
# in YOLO_NATIVE_ARCHS (default x64; "x64 arm64" for both) with npm run prebuild (scripts/build-deps.sh's cached
# static stack; see docs/packaging.md), into prebuilds/linux-<arch>/, which the library loads first.
set -euo pipefail
cd "$(dirname "$0")/.."

static="${YOLO_NATIVE_STATIC:-0}"
if [ "$static" = 1 ]; then base_pkgs=(cmake g++ make); else
  base_pkgs=(libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev libjpeg-dev cmake g++ make); fi
need_pkgs=()
for p in "${base_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
for extra in ${YOLO_NATIVE_EXTRA_APT:-}; do dpkg -s "$extra" >/dev/null 2>&1 || need_pkgs+=("$extra"); done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: missing system packages (${need_pkgs[*]}) and no root/sudo to install them" >&2; exit 1; fi
  echo "setup: installing ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

export ONNXRUNTIME_NODE_INSTALL=skip npm_config_onnxruntime_node_install=skip
stamp=node_modules/.yolo-native-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
if [ "$static" = 1 ]; then
  # shellcheck disable=SC2086
  node scripts/prebuild.mjs ${YOLO_NATIVE_ARCHS:-x64} >/dev/null
else
  npm run --silent build:native >/dev/null
fi
npm run --silent build:ts
