#!/usr/bin/env bash
# samples/TransferLearning on the GPU host: the ImageNet ResNet-18 fine-tuned, the same network from scratch and
# LbfgsMaximumEntropy on its features, with the nearest-neighbour grid, all on the GPU backend (--device gpu), with
# the sample's defaults (100 training images per class, the full 10k test set, 8 epochs) at 64x64, then at 112x112
# (SIZES). Prints the sample's table and `test accuracy:` of each run.
# Usage: transfer.sh [gpu-bench-linux-x64.tar.xz], with fashion-mnist.tar.xz beside it or in artifacts/ (bench/gpu/pack.sh).
# Environment: DEVICE (gpu); SIZES ("64 112"); RESULTS (a folder for the grids).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
device="${DEVICE:-gpu}"
results="${RESULTS:-$(mktemp -d)}"
source "$here/common.sh"

data="$(mktemp -d)"
for archive in "$here/fashion-mnist.tar.xz" "$here/../../artifacts/fashion-mnist.tar.xz"; do
  [[ -f "$archive" ]] && tar -xJf "$archive" -C "$data" && break
done
[[ -f "$data/train-images-idx3-ubyte.gz" ]] || { echo "no fashion-mnist.tar.xz (bench/gpu/pack.sh makes it)" >&2; exit 2; }

status=0
echo "== device"; "$bin/MlNetConv.GpuBench" info || status=1
for size in ${SIZES:-64 112}; do
  echo "== transfer learning at ${size}x${size} on $device"
  "$bin/TransferLearning" --size "$size" --device "$device" --data "$data" --output "$results/transfer-$size" || status=1
done
echo "grids in $results"
exit $status
