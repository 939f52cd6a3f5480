#!/usr/bin/env bash
# One command: set everything up, then predict on a sample image and print the HUB JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export YOLO_NATIVE_MODELS_DIR="${YOLO_NATIVE_MODELS_DIR:-$(cd .. && pwd)/shared/models}"
exec node bin/yolo-native.js predict "${1:-../shared/data/images/bus.jpg}" --model "${YOLO_NATIVE_DEMO_MODEL:-yolov8n-int8dq-dynamic}"
