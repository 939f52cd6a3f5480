#!/usr/bin/env bash
# Sets up yolo-native on a fresh Debian/Ubuntu machine: system OpenCV and libjpeg (as root or with sudo), npm
# dependencies (no install-time downloads: onnxruntime-node's CUDA fetch is skipped), the native addon and the
# TypeScript build.
# Idempotent and incremental: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
for p in libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev libjpeg-dev cmake g++ make; do
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
npm run --silent build:native >/dev/null
npm run --silent build:ts
