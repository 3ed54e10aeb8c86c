#!/usr/bin/env bash
# The README's pictures, made by the command line from LeNet-5 trained on the bundled MNIST digits
# (samples/data/mnist): the first 8,000 digits train it (10 % of them held out for validation), the last 2,000 test it.
# Needs the .NET 10 SDK and python3 (which writes the bundled digits as IDX files and one test digit as a PNG).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import gzip, struct, sys, zlib
work = sys.argv[1]
data = gzip.open('samples/data/mnist/mnist-digits.bin.gz').read()
magic, version, count, rows, cols = struct.unpack('<4siiii', data[:20])
assert magic == b'MNDG' and (rows, cols) == (28, 28)
labels, pixels = data[20:20 + count], data[20 + count:]
def idx(name, first, last):
    n = last - first
    open(f'{work}/{name}-labels', 'wb').write(struct.pack('>ii', 0x801, n) + labels[first:last])
    open(f'{work}/{name}-images', 'wb').write(struct.pack('>iiii', 0x803, n, 28, 28) + pixels[first * 784:last * 784])
idx('train', 0, 8000)
idx('test', 8000, count)
def chunk(kind, body):
    return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
digit = pixels[8000 * 784:8001 * 784]  # the first test digit
raw = b''.join(b'\0' + digit[r * 28:(r + 1) * 28] for r in range(28))
open(f'{work}/digit.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 28, 28, 8, 0, 0, 0, 0))
                                      + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY

dotnet build src/Cli -c Release -v quiet -nologo
mlnetconv() { dotnet run -c Release --no-build --project src/Cli -- "$@"; }
mlnetconv train lenet5 --data "idx:$work/train-images,$work/train-labels" --validation-fraction 0.1 --epochs 12 --lr 0.05 -o "$work/lenet.zip"
mlnetconv plot curves "$work/lenet.history.csv" --title "LeNet-5, 7,200 MNIST digits" -o docs/figures/curves.png
mlnetconv plot confusion "$work/lenet.zip" "idx:$work/test-images,$work/test-labels" -o docs/figures/confusion.png --title "LeNet-5, 2,000 test digits"
mlnetconv plot filters "$work/lenet.zip" -o docs/figures/filters.png --title "LeNet-5 conv1"
mlnetconv plot activations "$work/lenet.zip" "$work/digit.png" --layer conv1 --layer pool1 --layer conv2 -o docs/figures/activations.png --title "LeNet-5 on a test digit"
mlnetconv plot top5 "$work/lenet.zip" "$work/digit.png" -o docs/figures/top5.png --title "LeNet-5 on a test digit"
