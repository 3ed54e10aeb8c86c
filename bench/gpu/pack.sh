#!/usr/bin/env bash
# Builds the GPU bench as a self-contained linux-x64 program (the GPU host has no .NET) and packs it, with run.sh and
# the PyTorch comparison, into artifacts/gpu-bench-linux-x64.tar.xz. Copy that file to the GPU host, unpack, ./run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu-bench
rm -rf "$out"
dotnet publish bench/GpuBench/GpuBench.csproj -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true \
  -p:DebugType=none -o "$out"
cp bench/gpu/run.sh bench/gpu/torch_resnet18.py "$out"/
chmod +x "$out"/run.sh "$out"/MlNetConv.GpuBench
tar -cJf artifacts/gpu-bench-linux-x64.tar.xz -C "$out" .
ls -l artifacts/gpu-bench-linux-x64.tar.xz
