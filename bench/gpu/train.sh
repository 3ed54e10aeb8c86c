#!/usr/bin/env bash
# The samples' long trainings on the GPU host, each sized to a time budget: a probe run measures the training
# samples/s on this device, then the full run takes as many epochs (Fashion-MNIST) or scenes (segmentation) as fit.
#   1. samples/FashionMnistResNet --model resnet: CIFAR-style ResNet-20 on the full Fashion-MNIST,
#   2. samples/Segmentation: an FCN on scenes composed from the bundled MNIST digits,
#   3. in the time left of TOTAL_S, the backend conformance suite on the device (every kernel family against the CPU
#      reference kernels).
# Usage: train.sh [gpu-bench-linux-x64.tar.xz], with fashion-mnist.tar.xz beside it or in artifacts/ (bench/gpu/pack.sh).
# Environment: DEVICE (gpu); FASHION_S (240) and SEG_S (150), seconds of training; SEG_EPOCHS (30); SEG_NETWORK
# (fcn4s+input); TOTAL_S (570); TRAIN_LIMIT (all 60,000 Fashion-MNIST images); RESULTS (a folder for curves and PNGs).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
device="${DEVICE:-gpu}"
seg_epochs="${SEG_EPOCHS:-30}"
seg_network="${SEG_NETWORK:-fcn4s+input}"
limit=(); [[ -n "${TRAIN_LIMIT:-}" ]] && limit=(--train-limit "$TRAIN_LIMIT")
results="${RESULTS:-$(mktemp -d)}"
mkdir -p "$results"
source "$here/common.sh"

status=0
sps_of() { grep -F -- "$1: " | grep -oE '[0-9]+ samples/s' | tail -1 | cut -d' ' -f1; }
clamp() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { v = int(v); print (v < lo ? lo : v > hi ? hi : v) }'; }

echo "== device"; "$bin/MlNetConv.GpuBench" info || status=1

echo "== Fashion-MNIST ResNet-20"
data="$(mktemp -d)"
for archive in "$here/fashion-mnist.tar.xz" "$here/../../artifacts/fashion-mnist.tar.xz"; do
  [[ -f "$archive" ]] && tar -xJf "$archive" -C "$data" && break
done
if [[ -f "$data/train-images-idx3-ubyte.gz" ]]; then
  probe="$("$bin/FashionMnistResNet" --model resnet --resnet-epochs 1 --train-limit "${TRAIN_LIMIT:-20000}" --device "$device" --data "$data" --output "$data/probe" 2>&1)"
  echo "$probe" | grep -E "^resnet20: |device|Device" | head -5
  sps="$(sps_of resnet20 <<<"$probe")"
  if [[ -n "$sps" ]]; then
    epochs="$(clamp "$(awk -v b="${FASHION_S:-240}" -v s="$sps" 'BEGIN { print b / (60000 / s + 10000 / (3 * s)) }')" 3 40)"
    echo "probe: $sps samples/s -> $epochs epochs"
    "$bin/FashionMnistResNet" --model resnet --resnet-epochs "$epochs" "${limit[@]}" --device "$device" --data "$data" --output "$results" 2>&1 || status=1
  else
    echo "$probe" | tail -20; status=1
  fi
else
  echo "no Fashion-MNIST files (fashion-mnist.tar.xz)"; status=1
fi

echo "== Segmentation $seg_network"
probe="$("$bin/Segmentation" 1 1000 0 "$device" "$seg_network" 2>&1)"
sps="$(sps_of "$seg_network" <<<"$probe")"
if [[ -n "$sps" ]]; then
  # As many training scenes as 80 % of the budget allows (the rest: pretraining, evaluation, saving).
  scenes="$(clamp "$(awk -v b="${SEG_S:-150}" -v s="$sps" -v e="$seg_epochs" 'BEGIN { print 0.8 * b * s / e }')" 1000 20000)"
  echo "probe: $sps samples/s -> $seg_epochs epochs of $scenes scenes"
  "$bin/Segmentation" "$seg_epochs" "$scenes" 3 "$device" "$seg_network" 2>&1 || status=1
  cp "$bin"/segmentation-output/*.png "$results"/ 2>/dev/null
else
  echo "$probe" | tail -20; status=1
fi
left=$(( ${TOTAL_S:-570} - SECONDS ))
if [[ "$device" == gpu* && $left -gt 10 ]]; then
  echo "== parity ($left s left)"; timeout "$left" "$bin/MlNetConv.GpuBench" parity || status=1
fi
exit $status
