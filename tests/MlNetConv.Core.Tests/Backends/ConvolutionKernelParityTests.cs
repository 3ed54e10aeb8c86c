using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Backends.Cpu.Gemm;
using MlNetConv.Backends.Cpu.Kernels;
using MlNetConv.Geometry;
using MlNetConv.Tensors;
using System.Runtime.Intrinsics.X86;

namespace MlNetConv.Tests.Backends;

/// <summary>
/// The GEMM convolution kernels of the CPU backend against the reference (direct-loop) kernels, on the backend's default
/// micro-kernel and, for random shapes (per-axis kernels, strides, dilations and padding begin and end apart among them),
/// on every micro-kernel this machine runs.
/// </summary>
public sealed class ConvolutionKernelParityTests
{
    private const double Tolerance = 1e-4;

    private static readonly CpuBackend Fast = new();
    private static readonly IConvolutionKernels Reference = new CpuBackend(new CpuBackendOptions { ReferenceKernels = true }).Convolution;

    /// <summary>A convolution layer's settings and input shape.</summary>
    public sealed record Case(string Name, Shape Input, int OutChannels, int[] Kernel, int[] Stride, int[] Dilation, Padding Padding,
        int Groups = 1, ConnectionTable? Table = null, bool Bias = true)
    {
        public ConvGeometry Geometry() => ConvGeometry.Create(Input, OutChannels, Kernel, Stride, Dilation, Padding, Groups, Table, Name);
        public override string ToString() => Name;
    }

    private static readonly Case[] Named =
    [
        new("pointwise_2d", new Shape(2, 19, 7, 9), 21, [1, 1], [1, 1], [1, 1], 0),
        new("pointwise_groups3_batch1", new Shape(1, 12, 5, 6), 9, [1, 1], [1, 1], [1, 1], 0, Groups: 3),
        new("pointwise_stride2", new Shape(2, 5, 7, 7), 6, [1, 1], [2, 2], [1, 1], 0),
        new("pointwise_padded", new Shape(1, 4, 3, 5), 3, [1, 1], [1, 1], [1, 1], 1),
        new("3x3_deep_k_and_m", new Shape(2, 37, 9, 11), 101, [3, 3], [1, 1], [1, 1], 1), // Rows 333 > KC, Cout > MC
        new("3x3_wide_plane", new Shape(1, 3, 40, 45), 17, [3, 3], [1, 1], [1, 1], 1), // several column chunks
        new("same_4x4_stride2_odd", new Shape(3, 5, 9, 7), 7, [4, 4], [2, 2], [1, 1], Padding.Same),
        new("dilated_strided_3d", new Shape(2, 3, 7, 8, 9), 5, [3, 2, 3], [2, 1, 2], [2, 1, 1], Padding.Explicit(2, 1, 0)),
        new("conv1d_long_k5", new Shape(2, 6, 300), 10, [5], [1], [1], 2, Groups: 2),
        new("depthwise", new Shape(2, 8, 6, 6), 8, [3, 3], [1, 1], [1, 1], 1, Groups: 8),
        new("depthwise_multiplier_nobias", new Shape(1, 5, 9, 9), 10, [3, 3], [2, 2], [1, 1], 1, Groups: 5, Bias: false),
        new("lenet5_c3_table", new Shape(2, 6, 14, 14), 16, [5, 5], [1, 1], [1, 1], 0, Table: ConnectionTable.LeNet5C3),
        new("table_strided_padded", new Shape(3, 5, 9, 8), 4, [3, 3], [2, 1], [1, 1], 1, Table: new ConnectionTable(5, [[0, 2], [1], [0, 1, 2, 3, 4], [4, 3]])),
        new("table_pointwise_1d", new Shape(1, 3, 11), 2, [1], [1], [1], 0, Table: new ConnectionTable(3, [[2], [0, 1]]), Bias: false),
        new("lenet5_c1", new Shape(3, 1, 32, 32), 6, [5, 5], [1, 1], [1, 1], 0),
        new("stem_7x7_stride2_wide_rows", new Shape(2, 3, 70, 69), 8, [7, 7], [2, 2], [1, 1], 3), // stride-2 runs of 16 and more
        new("deep_weights_packed_on_every_core", new Shape(1, 64, 5, 5), 520, [3, 3], [1, 1], [1, 1], 1), // 520 x 576 weights ≥ 1 MB
        // Positions as GEMM rows (small maps): batch 1 spreads one sample over the cores, larger batches take a sample per core.
        new("positions_as_rows_7x7_batch1", new Shape(1, 40, 7, 7), 96, [3, 3], [1, 1], [1, 1], 1),
        new("positions_as_rows_14x14_batch5", new Shape(5, 19, 14, 14), 64, [3, 3], [1, 1], [1, 1], 1),
        new("positions_as_rows_7x7_two_samples_a_unit", new Shape(9, 24, 7, 7), 64, [3, 3], [1, 1], [1, 1], 1), // the last unit has one
        new("positions_as_rows_7x7_groups_batch12", new Shape(12, 8, 7, 7), 128, [3, 3], [1, 1], [1, 1], 1, Groups: 2),
        new("positions_as_rows_stride2_groups", new Shape(2, 6, 13, 15), 64, [3, 3], [2, 2], [1, 1], 1, Groups: 2),
        new("positions_as_rows_pointwise_stride2", new Shape(1, 33, 13, 13), 64, [1, 1], [2, 2], [1, 1], 0),
        new("positions_as_rows_dilated_1d", new Shape(3, 7, 20), 32, [3], [1], [2], 1, Bias: false),
        // Winograd F(2x2, 3x3): runs of 8 tiles across tile rows and samples, cut at odd edges, any padding, KC slices.
        new("winograd_runs_across_samples", new Shape(5, 16, 14, 14), 24, [3, 3], [1, 1], [1, 1], 1), // 7-tile rows
        new("winograd_odd_edges_batch1", new Shape(1, 18, 13, 37), 17, [3, 3], [1, 1], [1, 1], 1), // 7 x 19 tiles, the last cut
        new("winograd_valid_padding", new Shape(2, 20, 12, 34), 16, [3, 3], [1, 1], [1, 1], 0, Bias: false),
        new("winograd_pad2_groups", new Shape(3, 34, 9, 9), 36, [3, 3], [1, 1], [1, 1], 2, Groups: 2),
        new("winograd_deep_channels", new Shape(1, 300, 6, 6), 20, [3, 3], [1, 1], [1, 1], 1), // 300 inputs: two KC slices
        new("winograd_table", new Shape(2, 5, 10, 12), 4, [3, 3], [1, 1], [1, 1], 1, Table: new ConnectionTable(5, [[0, 2], [1], [0, 1, 2, 3, 4], [4, 3]])),
    ];

    public static TheoryData<string> NamedCases => new(Named.Select(c => c.Name));

    public static TheoryData<string> Isas => SgemmTests.Isas();

    [Theory, MemberData(nameof(NamedCases))]
    public void NamedShape_MatchesReference(string name) =>
        AssertParity(Fast.Convolution, Named.Single(c => c.Name == name), new RandomStream(21, name));

    [Theory]
    [InlineData("positions_as_rows_7x7_batch1", "PositionRows")]
    [InlineData("positions_as_rows_14x14_batch5", "Winograd")] // 3x3 stride 1: Winograd where its runs fill the columns
    [InlineData("positions_as_rows_stride2_groups", "PositionRows")]
    [InlineData("positions_as_rows_pointwise_stride2", "PositionRows")]
    [InlineData("positions_as_rows_dilated_1d", "PositionRows")]
    [InlineData("positions_as_rows_7x7_two_samples_a_unit", "Winograd")] // 4-tile runs: nine samples fill 36 columns of 40
    [InlineData("positions_as_rows_7x7_groups_batch12", "PositionRows")]
    [InlineData("3x3_wide_plane", "PaddedInput")]
    [InlineData("3x3_deep_k_and_m", "ChannelRows")] // 6-tile rows, two samples: 60 tiles in 96 columns
    [InlineData("winograd_runs_across_samples", "Winograd")]
    [InlineData("winograd_odd_edges_batch1", "PaddedInput")] // 19-tile rows at batch 1: 133 tiles in 192 columns
    [InlineData("winograd_pad2_groups", "PaddedInput")] // 6-tile rows: 108 tiles in 160 columns
    [InlineData("winograd_deep_channels", "PositionRows")] // 3-tile rows would fill 3 of every 8 columns
    [InlineData("winograd_table", "PaddedInput")] // 4 output channels: too few for the transforms to pay
    [InlineData("lenet5_c1", "PaddedInput")]
    [InlineData("conv1d_long_k5", "PaddedInput")]
    [InlineData("lenet5_c3_table", "ChannelRows")] // 10x10 outputs of a 14x14 plane: too many dropped columns
    [InlineData("depthwise", "ChannelRows")] // 6x6 outputs of an 8x8 padded plane
    [InlineData("stem_7x7_stride2_wide_rows", "PaddedInput")] // strided: four phase planes
    [InlineData("same_4x4_stride2_odd", "PaddedInput")]
    [InlineData("pointwise_stride2", "PaddedInput")]
    public void EachGeometry_TakesTheExpectedForwardLayout(string name, string layout)
    {
        var expected = Enum.Parse<CpuForwardLayout>(layout);
        var c = Named.Single(c => c.Name == name);
        var plan = CpuConvolutionPlan.For(c.Geometry());
        // The choice follows the micro-tile's shape (MR x NR), so it is asked for the AVX-512 kernel's whatever this machine
        // runs: with AVX2 or AVX-512 disabled the best kernel has other tiles and, rightly, chooses otherwise.
        // Winograd's kernels are AVX-512 code: without the instructions the plan must not choose them.
        if (expected == CpuForwardLayout.Winograd && !System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            Assert.NotEqual(expected, plan.ForwardLayout(GemmIsa.Vector512, c.Input.N));
        else Assert.Equal(expected, plan.ForwardLayout(GemmIsa.Vector512, c.Input.N));
        // The other micro-kernels have neither padded-input nor Winograd layouts.
        if (expected is CpuForwardLayout.PaddedInput or CpuForwardLayout.Winograd)
            Assert.NotEqual(expected, plan.ForwardLayout(GemmIsa.Vector256, c.Input.N));
    }

    [Theory]
    [InlineData("lenet5_c1", true)]
    [InlineData("lenet5_c3_table", true)]
    [InlineData("conv1d_long_k5", true)]
    [InlineData("depthwise", true)]
    [InlineData("3x3_wide_plane", false)] // 17 output channels: im2col and GEMM
    [InlineData("stem_7x7_stride2_wide_rows", false)] // strided
    [InlineData("pointwise_2d", false)] // no col to build
    public void SmallLayers_TakeTheWeightGradientAsDotProducts(string name, bool direct)
    {
        var plan = CpuConvolutionPlan.For(Named.Single(c => c.Name == name).Geometry());
        Assert.Equal(direct, plan.DirectWeightGradient(GemmIsa.Vector512));
        Assert.False(plan.DirectWeightGradient(GemmIsa.Vector256)); // the other kernels take im2col and GEMM
    }

    [Theory]
    [InlineData("winograd_runs_across_samples", true)]
    [InlineData("positions_as_rows_7x7_two_samples_a_unit", true)] // 4-tile runs
    [InlineData("positions_as_rows_14x14_batch5", true)] // 7-tile rows of five samples
    [InlineData("winograd_pad2_groups", false)] // the gradient's 9x9 planes: 5-tile rows fill 5 of 8 columns
    [InlineData("winograd_table", false)] // 4 output channels are the gradient's 4 inputs
    [InlineData("stem_7x7_stride2_wide_rows", false)] // not 3x3
    public void InputGradient_TakesWinogradWhereItPays(string name, bool winograd)
    {
        // The parity cases above then check the input gradient that Winograd computes against the reference.
        var c = Named.Single(c => c.Name == name);
        var plan = CpuConvolutionPlan.For(c.Geometry());
        Assert.Equal(winograd && Avx512F.IsSupported, plan.InputGradientPlan?.ForwardLayout(GemmIsa.Vector512, c.Input.N) == CpuForwardLayout.Winograd);
    }

    public static TheoryData<string, string> NamedCasesByLayout
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var c in Named)
                foreach (var layout in Enum.GetNames<CpuForwardLayout>()) data.Add(c.Name, layout);
            return data;
        }
    }

    [Theory, MemberData(nameof(NamedCasesByLayout))]
    public void NamedShape_EveryForwardLayout_MatchesReference(string name, string layout) =>
        AssertParity(new CpuConvolutionKernels(GemmBlocking.BestIsa, Enum.Parse<CpuForwardLayout>(layout)), Named.Single(c => c.Name == name), new RandomStream(26, name));

    [Theory]
    [InlineData("3x3_deep_k_and_m")]
    [InlineData("positions_as_rows_14x14_batch5")]
    [InlineData("conv1d_long_k5")]
    [InlineData("lenet5_c1")]
    [InlineData("dilated_strided_3d")]
    [InlineData("stem_7x7_stride2_wide_rows")]
    [InlineData("depthwise_multiplier_nobias")]
    [InlineData("positions_as_rows_7x7_two_samples_a_unit")]
    [InlineData("positions_as_rows_7x7_groups_batch12")]
    public void ForwardLayouts_GiveTheSameBits(string name)
    {
        // Every layout multiplies the same products in the same order of k, with K sliced alike: equal to the last bit.
        var c = Named.Single(c => c.Name == name);
        var g = c.Geometry();
        var random = new RandomStream(24, c.Name);
        int n = c.Input.N;
        var x = KernelParity.Uniform(c.Input.Size, random);
        var w = KernelParity.Uniform(g.WeightShape.Size, random);
        var b = c.Bias ? KernelParity.Uniform(g.OutChannels, random) : null;
        var channelRows = Forward(new CpuConvolutionKernels(GemmBlocking.BestIsa, CpuForwardLayout.ChannelRows), g, n, x, w, b);
        foreach (var layout in new[] { CpuForwardLayout.PositionRows, CpuForwardLayout.PaddedInput })
            Assert.Equal(channelRows, Forward(new CpuConvolutionKernels(GemmBlocking.BestIsa, layout), g, n, x, w, b));
    }

    [Fact]
    public void PackedWeights_FollowEveryWrite()
    {
        // Inference keeps the packed weights between calls; every way of writing the tensor must be seen.
        var c = Named.Single(c => c.Name == "positions_as_rows_7x7_batch1");
        var g = c.Geometry();
        var random = new RandomStream(25, c.Name);
        var x = KernelParity.Uniform(c.Input.Size, random);
        using var input = Tensor(Fast, c.Input, x);
        using var weight = Tensor(Fast, g.WeightShape, random);
        using var output = Fast.Allocate(g.OutputShape(1));
        float[] Run()
        {
            Fast.Convolution.Forward(g, input, weight, null, output);
            return output.ToArray();
        }
        void Check(string after) => KernelParity.AssertClose(Forward(Reference, g, 1, x, weight.ToArray(), null), Run(),
            Forward(Reference, g, 1, KernelParity.Abs(x), KernelParity.Abs(weight.ToArray()), null), Tolerance, after);

        Check("first call");
        var before = Run();
        Assert.Equal(before, Run()); // the kept packing
        weight.CopyFrom(KernelParity.Uniform(weight.Size, random));
        Check("CopyFrom");
        using var grad = Tensor(Fast, g.WeightShape, random);
        Fast.Optimizer.SgdStep(weight, grad, null, 0.5f, 0f, 0f, false);
        Check("an optimizer step");
        Fast.Elementwise.Axpy(2f, grad, weight);
        Check("an element-wise kernel");
    }

    [Theory, MemberData(nameof(Isas))]
    public void RandomShapes_MatchReference(string isa)
    {
        var layouts = Enum.GetValues<CpuForwardLayout>();
        var random = new RandomStream(22, "random convolutions");
        for (int trial = 0; trial < 60; trial++)
        {
            var c = RandomCase(random, trial);
            // The plan's choice, and each layout in turn.
            var layout = trial % 2 == 0 ? (CpuForwardLayout?)null : layouts[trial / 2 % layouts.Length];
            if (c is not null) AssertParity(new CpuConvolutionKernels(Enum.Parse<GemmIsa>(isa), layout), c, random);
        }
    }

    [Fact]
    public void RandomWinogradShapes_MatchReference()
    {
        // 3x3 stride-1 2D layers of every size, padding, group count and batch, forced onto Winograd (the forward pass,
        // and the input gradient wherever the plan takes Winograd for it; without AVX-512, the plan's other layouts).
        var random = new RandomStream(27, "random winograd convolutions");
        var kernels = new CpuConvolutionKernels(GemmBlocking.BestIsa, CpuForwardLayout.Winograd);
        for (int trial = 0; trial < 30; trial++)
        {
            int groups = random.Pick(1, 1, 2, 3), pad = random.Between(0, 2);
            var c = new Case($"winograd{trial}", new Shape(random.Between(1, 4), groups * random.Between(1, 24), random.Between(1, 20), random.Between(1, 40)),
                groups * random.Between(1, 24), [3, 3], [1, 1], [1, 1], pad, groups, Bias: random.NextInt(3) > 0);
            if (c.Input[2] + 2 * pad < 3 || c.Input[3] + 2 * pad < 3) continue; // no output
            AssertParity(kernels, c, random);
        }
    }

    [Theory, MemberData(nameof(Isas))]
    public void RandomPerAxisShapes_MatchReference(string isa)
    {
        // Kernels, strides and dilations that differ per axis, padding begin and end apart (ONNX's pads): the plan's
        // choice and each forward layout in turn.
        var layouts = Enum.GetValues<CpuForwardLayout>();
        var random = new RandomStream(28, "random per-axis convolutions");
        int checkedCases = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = 1 + trial % 3, groups = random.Pick(1, 1, 2);
            int[] kernel = [.. Enumerable.Range(0, rank).Select(_ => random.Between(1, rank == 1 ? 7 : rank == 2 ? 5 : 3))];
            int[] stride = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2, 3))];
            int[] dilation = [.. Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2))];
            int[] begin = [.. kernel.Select(k => random.Between(0, k))], end = [.. kernel.Select(k => random.Between(0, k))];
            int[] spatial = [.. Enumerable.Range(0, rank).Select(_ => rank switch { 1 => random.Between(1, 40), 2 => random.Between(1, 14), _ => random.Between(1, 7) })];
            var c = new Case($"per_axis{trial}_k{string.Join("x", kernel)}_s{string.Join("x", stride)}_d{string.Join("x", dilation)}_pads{string.Join("_", begin.Concat(end))}",
                new Shape([random.Between(1, 3), groups * random.Between(1, 8), .. spatial]), groups * random.Between(1, 8), kernel, stride, dilation,
                Padding.Explicit(begin, end), groups, Bias: random.NextInt(3) > 0);
            try
            {
                c.Geometry();
            }
            catch (ArgumentException)
            {
                continue; // empty output
            }
            var layout = trial % 2 == 0 ? (CpuForwardLayout?)null : layouts[trial / 2 % layouts.Length];
            AssertParity(new CpuConvolutionKernels(Enum.Parse<GemmIsa>(isa), layout), c, random);
            checkedCases++;
        }
        Assert.True(checkedCases >= 40, $"only {checkedCases} geometries were checked");
    }

    [Fact]
    public void RandomWinogradShapes_WithBeginAndEndPadding_MatchReference()
    {
        // 3x3 stride-1 layers padded differently before and after each axis (CNTK's ResNet-18 pads its stem [3, 3, 2, 2]),
        // forced onto Winograd; the input gradient takes the plan's other layouts, as Winograd's needs even padding.
        var random = new RandomStream(29, "random winograd convolutions with pads");
        var kernels = new CpuConvolutionKernels(GemmBlocking.BestIsa, CpuForwardLayout.Winograd);
        for (int trial = 0; trial < 20; trial++)
        {
            int[] pads = [random.Between(0, 2), random.Between(0, 2), random.Between(0, 2), random.Between(0, 2)];
            var c = new Case($"winograd_pads{trial}_{string.Join("_", pads)}", new Shape(random.Between(1, 3), random.Between(1, 20), random.Between(2, 15),
                random.Between(2, 30)), random.Between(1, 20), [3, 3], [1, 1], [1, 1], Padding.FromPads(pads), Bias: random.NextInt(2) > 0);
            try
            {
                c.Geometry();
            }
            catch (ArgumentException)
            {
                continue;
            }
            if (pads[0] != pads[2] || pads[1] != pads[3]) Assert.Null(CpuConvolutionPlan.For(c.Geometry()).InputGradientPlan);
            AssertParity(kernels, c, random);
        }
    }

    [Theory]
    [InlineData(12)] // im2col and GEMM
    [InlineData(32)] // Winograd: forward, input and weight gradients
    public void SameCall_IsBitIdentical(int channels)
    {
        var c = new Case("determinism", new Shape(5, channels, 13, channels == 12 ? 11 : 14), 20 * channels / 12, [3, 3], [1, 1], [1, 1], 1,
            Groups: channels == 12 ? 2 : 1);
        var g = c.Geometry();
        var random = new RandomStream(23, c.Name);
        using var x = Tensor(Fast, g.InputShape(5), random);
        using var w = Tensor(Fast, g.WeightShape, random);
        using var b = Tensor(Fast, new Shape(g.OutChannels), random);
        using var dy = Tensor(Fast, g.OutputShape(5), random);
        if (Avx512F.IsSupported) Assert.Equal(channels == 32, CpuConvolutionPlan.For(g).ForwardLayout(GemmBlocking.BestIsa, 5) == CpuForwardLayout.Winograd);
        float[][] Run()
        {
            using var y = Fast.Allocate(g.OutputShape(5));
            using var dx = Fast.Allocate(g.InputShape(5));
            using var dw = Fast.Allocate(g.WeightShape);
            using var db = Fast.Allocate(new Shape(g.OutChannels));
            Fast.Convolution.Forward(g, x, w, b, y);
            Fast.Convolution.BackwardData(g, dy, w, dx);
            Fast.Convolution.BackwardWeights(g, x, dy, dw, db);
            return [y.ToArray(), dx.ToArray(), dw.ToArray(), db.ToArray()];
        }
        var first = Run();
        for (int repeat = 0; repeat < 3; repeat++) Assert.Equal(first, Run());
    }

    private static Case? RandomCase(RandomStream random, int trial)
    {
        int rank = 1 + trial % 3, groups = random.Pick(1, 1, 2, 3);
        int inChannels = groups * random.Between(1, rank == 3 ? 4 : 9), outChannels = groups * random.Between(1, rank == 3 ? 4 : 9);
        int batch = random.Between(1, 3);
        int[] spatial = Enumerable.Range(0, rank).Select(_ => rank switch { 1 => random.Between(1, 40), 2 => random.Between(1, 13), _ => random.Between(1, 7) }).ToArray();
        int[] kernel = Enumerable.Range(0, rank).Select(_ => random.Between(1, rank == 1 ? 5 : 3)).ToArray();
        int[] stride = Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2, 3)).ToArray();
        int[] dilation = Enumerable.Range(0, rank).Select(_ => random.Pick(1, 1, 2)).ToArray();
        Padding padding = random.NextInt(4) switch
        {
            0 => Padding.Same,
            1 => Padding.Valid,
            _ => Padding.Explicit(Enumerable.Range(0, rank).Select(_ => random.Between(0, 2)).ToArray()),
        };
        var c = new Case($"random{trial}", new Shape([batch, inChannels, .. spatial]), outChannels, kernel, stride, dilation, padding, groups,
            Bias: random.NextInt(3) > 0);
        try
        {
            c.Geometry();
            return c;
        }
        catch (ArgumentException)
        {
            return null; // empty output (or Same padding with a stride, which the geometry may refuse)
        }
    }

    /// <summary>Forward, input gradient and (accumulated) weight and bias gradients of both backends on the same data.</summary>
    private static void AssertParity(IConvolutionKernels fast, Case c, RandomStream random)
    {
        var g = c.Geometry();
        int n = c.Input.N;
        var x = KernelParity.Uniform(c.Input.Size, random);
        var w = KernelParity.Uniform(g.WeightShape.Size, random);
        var b = c.Bias ? KernelParity.Uniform(g.OutChannels, random) : null;
        var dy = KernelParity.Uniform(g.OutputShape(n).Size, random);
        var dw0 = KernelParity.Uniform(w.Length, random);
        var db0 = KernelParity.Uniform(g.OutChannels, random);

        var forward = Forward(fast, g, n, x, w, b);
        KernelParity.AssertClose(Forward(Reference, g, n, x, w, b), forward,
            Forward(Reference, g, n, KernelParity.Abs(x), KernelParity.Abs(w), b is null ? null : KernelParity.Abs(b)), Tolerance, $"{c} {g.Output} forward");

        KernelParity.AssertClose(BackwardData(Reference, g, n, dy, w), BackwardData(fast, g, n, dy, w),
            BackwardData(Reference, g, n, KernelParity.Abs(dy), KernelParity.Abs(w)), Tolerance, $"{c} input gradient");

        var (dw, db) = BackwardWeights(fast, g, n, x, dy, dw0, db0, c.Bias);
        var (dwRef, dbRef) = BackwardWeights(Reference, g, n, x, dy, dw0, db0, c.Bias);
        var (dwMag, dbMag) = BackwardWeights(Reference, g, n, KernelParity.Abs(x), KernelParity.Abs(dy), KernelParity.Abs(dw0), KernelParity.Abs(db0), c.Bias);
        KernelParity.AssertClose(dwRef, dw, dwMag, Tolerance, $"{c} weight gradient");
        if (c.Bias) KernelParity.AssertClose(dbRef, db, dbMag, Tolerance, $"{c} bias gradient");
    }

    private static float[] Forward(IConvolutionKernels kernels, ConvGeometry g, int n, float[] x, float[] w, float[]? b)
    {
        using var input = Tensor(Fast, g.InputShape(n), x);
        using var weight = Tensor(Fast, g.WeightShape, w);
        using var bias = b is null ? null : Tensor(Fast, new Shape(g.OutChannels), b);
        using var output = Tensor(Fast, g.OutputShape(n), Enumerable.Repeat(float.NaN, g.OutputShape(n).Size).ToArray());
        kernels.Forward(g, input, weight, bias, output);
        return output.ToArray();
    }

    private static float[] BackwardData(IConvolutionKernels kernels, ConvGeometry g, int n, float[] dy, float[] w)
    {
        using var outputGrad = Tensor(Fast, g.OutputShape(n), dy);
        using var weight = Tensor(Fast, g.WeightShape, w);
        using var inputGrad = Tensor(Fast, g.InputShape(n), Enumerable.Repeat(float.NaN, g.InputShape(n).Size).ToArray());
        kernels.BackwardData(g, outputGrad, weight, inputGrad);
        return inputGrad.ToArray();
    }

    private static (float[] WeightGrad, float[] BiasGrad) BackwardWeights(IConvolutionKernels kernels, ConvGeometry g, int n, float[] x, float[] dy,
        float[] dw0, float[] db0, bool bias)
    {
        using var input = Tensor(Fast, g.InputShape(n), x);
        using var outputGrad = Tensor(Fast, g.OutputShape(n), dy);
        using var weightGrad = Tensor(Fast, g.WeightShape, dw0);
        using var biasGrad = Tensor(Fast, new Shape(g.OutChannels), db0);
        kernels.BackwardWeights(g, input, outputGrad, weightGrad, bias ? biasGrad : null);
        return (weightGrad.ToArray(), biasGrad.ToArray());
    }

    private static Tensor Tensor(IBackend backend, Shape shape, float[] values)
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    private static Tensor Tensor(IBackend backend, Shape shape, RandomStream random) => Tensor(backend, shape, KernelParity.Uniform(shape.Size, random));
}
