#!/usr/bin/env bash
# ResNet-20 training throughput: 1 process x 1 thread against 2 ranks x 1 thread (Open MPI, same global batch), and one
# process on one rank's shard (half the batch: what each rank computes), alternated five times; each line is one run's
# median step. Usage: bench/DistributedBench/run.sh [STEPS] [GLOBAL_BATCH]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/DistributedBench -c Release -v q -nologo >/dev/null
bench=bench/DistributedBench/bin/Release/net10.0/DistributedBench.dll
steps=${1:-12} batch=${2:-64}
for run in 1 2 3 4 5; do
  echo "--- run $run: 1 x 1"
  DOTNET_PROCESSOR_COUNT=1 dotnet exec "$bench" "$steps" "$batch"
  echo "--- run $run: 2 x 1"
  mpirun --oversubscribe --allow-run-as-root -np 2 -x DOTNET_PROCESSOR_COUNT=1 dotnet exec "$bench" "$steps" "$batch"
  echo "--- run $run: 1 x 1, one rank's shard"
  DOTNET_PROCESSOR_COUNT=1 dotnet exec "$bench" "$steps" "$((batch / 2))"
done
