// BenchmarkDotNet suites of the CPU backend's kernels: SGEMM, convolution (forward, input gradient, weight gradient),
// max pooling and ReLU, each on the fast kernels and on the reference kernels they are tested against
// (CpuBackendOptions.ReferenceKernels), so every report holds the speed-up of the fast path; the convolution also on
// the fast kernels without Winograd (CpuBackendOptions.Winograd = false).
// Usage: dotnet run -c Release --project bench/KernelBenchmarks -- [BenchmarkDotNet arguments, e.g. --filter *Pooling*]
// (bench/KernelBench gives GFLOP/s and the share of peak; bench/Compare puts the engine beside LibTorch and ONNX Runtime.)
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MlNetConv.Bench.KernelBenchmarks.Kernels).Assembly).Run(args);
