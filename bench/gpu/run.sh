#!/usr/bin/env bash
# The GPU host's bench (CUDA and Python with PyTorch, no .NET). Unpacks the self-contained program when needed, then:
#   1. the backend conformance suite on CUDA device 0 (every kernel family against the CPU reference kernels),
#   2. SGEMM 4096^3 GFLOP/s: the ILGPU tiled kernel and cuBLAS (FP32, and TF32 for reference),
#   3. ResNet-18 training throughput (images/s, batch 128, SGD with momentum) at 224x224 and at 32x32,
#   4. the same model and step in PyTorch (torchvision resnet18) on the same GPU, and the ratio.
# Usage: run.sh [gpu-bench-linux-x64.tar.xz]      (inside the unpacked folder: ./run.sh)
# Environment: PYTHON (default python3), STEPS_224 (10), STEPS_32 (30), BATCH (128).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
batch="${BATCH:-128}"

source "$here/common.sh"
[[ -f "$bin/torch_resnet18.py" ]] || cp "$here/torch_resnet18.py" "$bin/" 2>/dev/null
bench="$bin/MlNetConv.GpuBench"

status=0
echo "== device"; "$bench" info || status=1
echo "== parity on CUDA"; "$bench" parity || status=1
echo "== SGEMM"; "$bench" sgemm 4096 || status=1

ours_of() { grep -oE '[0-9.]+ images/s' <<<"$1" | head -1 | cut -d' ' -f1; }
for size in 224 32; do
  steps_var="STEPS_$size"; steps="${!steps_var:-$([[ $size == 224 ]] && echo 10 || echo 30)}"
  echo "== ResNet-18 ${size}x${size}, batch $batch"
  ours_out="$("$bench" resnet18 "$size" "$batch" "$steps" 2>&1)"; echo "$ours_out"
  torch_out="$("$python" "$bin/torch_resnet18.py" --size "$size" --batch "$batch" --steps "$steps" 2>&1)"; echo "$torch_out"
  ours="$(ours_of "$ours_out")"
  torch_fp32="$(grep -E '^torch .* fp32:' <<<"$torch_out" | grep -oE '[0-9.]+ images/s' | cut -d' ' -f1)"
  torch_tf32="$(grep -E '^torch .* tf32:' <<<"$torch_out" | grep -oE '[0-9.]+ images/s' | cut -d' ' -f1)"
  if [[ -n "$ours" && -n "$torch_fp32" ]]; then
    awk -v o="$ours" -v f="$torch_fp32" -v t="${torch_tf32:-0}" -v s="$size" 'BEGIN {
      printf "ratio %sx%s: MlNetConv/PyTorch = %.3f (FP32 both)", s, s, o / f;
      if (t > 0) printf ", %.3f against PyTorch with TF32 convolutions (its default)", o / t;
      printf "\n" }'
  else
    echo "ratio ${size}x${size}: not available (a run failed)"; status=1
  fi
done
exit $status
