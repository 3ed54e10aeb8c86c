#!/usr/bin/env bash
# Builds what the GPU host runs (it has no .NET) as self-contained linux-x64 programs sharing one runtime folder: the
# GPU bench and the FashionMnistResNet, Segmentation and TransferLearning samples (the last with the ImageNet ResNet-18's
# model files in DnnImageModels/). Packs them with run.sh, train.sh, transfer.sh and the PyTorch
# comparison into artifacts/gpu-bench-linux-x64.tar.xz, and the Fashion-MNIST IDX files (when installed) into
# artifacts/fashion-mnist.tar.xz. Copy both to the GPU host, unpack, ./run.sh or ./train.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu-bench
rm -rf "$out"
for project in bench/GpuBench/GpuBench.csproj samples/FashionMnistResNet/FashionMnistResNet.csproj samples/Segmentation/Segmentation.csproj \
    samples/TransferLearning/TransferLearning.csproj; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -p:DebugType=none -o "$out"
done
# Debugger support, symbols and API docs are not needed to run.
rm -f "$out"/*.dbg "$out"/*.xml "$out"/*.pdb "$out"/libmscordbi.so "$out"/libmscordaccore.so "$out"/createdump
cp bench/gpu/run.sh bench/gpu/train.sh bench/gpu/transfer.sh bench/gpu/common.sh bench/gpu/torch_resnet18.py "$out"/
chmod +x "$out"/run.sh "$out"/train.sh "$out"/transfer.sh "$out"/MlNetConv.GpuBench "$out"/FashionMnistResNet "$out"/Segmentation "$out"/TransferLearning
tar -cJf artifacts/gpu-bench-linux-x64.tar.xz -C "$out" .
ls -l artifacts/gpu-bench-linux-x64.tar.xz
fashion=/usr/share/datasets/fashion-mnist
if [[ -f "$fashion/train-images-idx3-ubyte.gz" ]]; then
  # xz packs the IDX files about a fifth smaller than their gzip; train.sh unpacks them to plain IDX files, which
  # IdxFile reads under the same names.
  data=artifacts/fashion-mnist
  rm -rf "$data" && mkdir -p "$data"
  for f in "$fashion"/*-ubyte.gz; do zcat "$f" > "$data/$(basename "$f")"; done
  tar -cf - -C "$data" . | xz -9 -T2 > artifacts/fashion-mnist.tar.xz
  rm -rf "$data"
  ls -l artifacts/fashion-mnist.tar.xz
fi
