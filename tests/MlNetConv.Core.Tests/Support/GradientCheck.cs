using System.Globalization;
using System.Text;
using MlNetConv.Backends;
using MlNetConv.Backends.Cpu;
using MlNetConv.Graphs;
using MlNetConv.Layers;
using MlNetConv.Tensors;

namespace MlNetConv.Tests.Support;

/// <summary>Settings of one finite-difference gradient check, and the presets the tests share.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>
    /// 1/32: large enough that float32 rounding in the loss, divided by h, stays well below the tolerance; small
    /// enough that the stencil's truncation error h⁴/30·f⁽⁵⁾ does too, even for batch norm over four samples.
    /// </summary>
    public const double DefaultStep = 1.0 / 32;

    /// <summary>Inputs at least 4h from 0, where ReLU and LeakyReLU have their kink.</summary>
    public static GradientCheckOptions AwayFromZero { get; } = new() { Input = Values.AwayFromZero(4 * DefaultStep, 2) };

    /// <summary>Distinct inputs 8h apart within every feature map: no window maximum changes place within a stencil.</summary>
    public static GradientCheckOptions DistinctInputs { get; } = new() { Input = Values.Distinct(8 * DefaultStep) };

    /// <summary>
    /// Weights and biases at PyTorch's initial scale U(±1/sqrt(fanIn)) (other parameters as by default): activations
    /// of multi-layer blocks stay of order one, and so does the float32 rounding in the loss, which reaches the
    /// numeric gradient multiplied by 1.5/h when every output depends on the perturbed element.
    /// </summary>
    public static ValueGenerator? InitialScale(ILayer layer, Parameter parameter) =>
        parameter.FanIn > 0 ? Values.Uniform(-1 / Math.Sqrt(parameter.FanIn), 1 / Math.Sqrt(parameter.FanIn)) : null;

    /// <summary>Seeds the input, the parameters, the output projection and the sampled elements.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The training flag passed to every forward.</summary>
    public bool Training { get; init; } = true;

    /// <summary>The finite-difference step h; a power of two (see <see cref="Values"/>).</summary>
    public double Step { get; init; } = DefaultStep;

    /// <summary>Largest accepted |analytic - numeric| / max(|analytic|, |numeric|, <see cref="Floor"/>).</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>The smallest denominator of the relative error: gradients below it are compared absolutely.</summary>
    public double Floor { get; init; } = 1e-2;

    /// <summary>Elements checked per tensor: all of a small tensor, else a seeded sample that includes the first and last.</summary>
    public int MaxElementsPerTensor { get; init; } = 60;

    /// <summary>Values of every input tensor.</summary>
    public ValueGenerator Input { get; init; } = Values.Uniform();

    /// <summary>
    /// Values of a parameter or buffer, given the leaf layer that owns it; null (or returning null) means
    /// <see cref="Values.Uniform"/>.
    /// </summary>
    public Func<ILayer, Parameter, ValueGenerator?>? Parameters { get; init; }

    /// <summary>Given to every stochastic layer before every forward, so all evaluations draw the same mask.</summary>
    public ulong StochasticSeed { get; init; } = 0x5EED;
}

/// <summary>One compared element.</summary>
/// <param name="Tensor">"input", "input 1" for a merge, or "parameter k 'name' (shape)"</param>
/// <param name="Roughness">
/// the largest third difference of the loss's slopes over the four stencil intervals: O(h²) plus rounding noise for a
/// smooth forward, as large as the slope's jump when a kink (ReLU at 0, a maximum changing place) lies inside the stencil
/// </param>
public readonly record struct ElementCheck(string Tensor, int Index, double Analytic, double Numeric, double RelativeError, double Roughness)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Tensor}[{Index}]: analytic {Analytic:G9}, numeric {Numeric:G9}, relative error {RelativeError:E2}, roughness {Roughness:E2}");
}

/// <summary>The outcome of a gradient check: every compared element.</summary>
public sealed class GradientCheckReport(GradientCheckOptions options, IReadOnlyList<ElementCheck> checks, string subject)
{
    public GradientCheckOptions Options { get; } = options;
    public IReadOnlyList<ElementCheck> Checks { get; } = checks;
    public IReadOnlyList<ElementCheck> Failures => Checks.Where(c => !(c.RelativeError <= Options.Tolerance)).ToArray();
    public double MaxRelativeError => Checks.Select(c => c.RelativeError).DefaultIfEmpty(0).Max();

    /// <summary>Checked tensors by name.</summary>
    public IReadOnlyList<string> Tensors => Checks.Select(c => c.Tensor).Distinct().ToArray();

    public void AssertPassed()
    {
        Assert.True(Checks.Count > 0, $"{subject}: nothing was checked.");
        var failures = Failures;
        if (failures.Count == 0) return;
        var message = new StringBuilder();
        message.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{subject}: {failures.Count} of {Checks.Count} gradient elements differ by more than {Options.Tolerance:E1} (floor {Options.Floor}, step {Options.Step}):"));
        foreach (var f in failures.OrderByDescending(f => f.RelativeError).Take(12)) message.AppendLine("  " + f);
        message.Append("A roughness comparable to the difference points to a kink inside the stencil or to float32 rounding, a small one to a wrong gradient.");
        Assert.Fail(message.ToString());
    }
}

/// <summary>
/// Finite-difference gradient checks. The subject is built on a fresh CPU backend; its inputs and parameters are
/// filled with seeded values and the scalar loss is L = Σ r·y over every output y, for a seeded random projection r,
/// accumulated in double. The analytic gradients come from one Forward and Backward(r) with zeroed parameter
/// gradients; the numeric ones from the fourth-order central stencil
/// (-L(x+2h) + 8L(x+h) - 8L(x-h) + L(x-2h)) / 12h, moving one float32 element at a time (the forward runs in the
/// engine's float32, the loss, stencil and comparison in double). Stochastic layers get the same seed before every
/// forward, so every evaluation sees the same mask.
/// </summary>
public static class GradientCheck
{
    /// <summary>A layer or a graph: every output feeds the loss; the parameters include the children's.</summary>
    /// <param name="input">(N, C, spatial...) with the batch</param>
    public static GradientCheckReport Layer(ILayer layer, Shape input, GradientCheckOptions? options = null)
    {
        options ??= new GradientCheckOptions();
        var backend = new CpuBackend();
        layer.Build(backend, input);
        var subject = new Subject(
            $"{layer} on {input}",
            backend,
            [input],
            InputGradients: layer.InputGradRequired,
            layer.Parameters,
            LayerTree.Owners(layer),
            LayerTree.StochasticLayers(layer),
            xs => LayerTree.ForwardAll(layer, xs[0], options.Training),
            grads => [LayerTree.BackwardAll(layer, grads)]);
        return Run(subject, options);
    }

    /// <summary>A merge (Add, Concat) with one gradient per input.</summary>
    public static GradientCheckReport Merge(IMergeLayer merge, IReadOnlyList<Shape> inputs, GradientCheckOptions? options = null)
    {
        options ??= new GradientCheckOptions();
        var backend = new CpuBackend();
        merge.Build(backend, inputs);
        var subject = new Subject(
            $"{merge} on {string.Join(", ", inputs)}",
            backend,
            [.. inputs],
            InputGradients: true,
            [],
            new Dictionary<Parameter, ILayer>(),
            [],
            xs => [merge.Forward(xs)],
            grads => merge.Backward(grads.Single()!));
        return Run(subject, options);
    }

    /// <summary>A whole network: every parameter of the tree, all outputs (a network needs no input gradient, so none is checked).</summary>
    public static GradientCheckReport Network(Network network, int batch, GradientCheckOptions? options = null)
    {
        options ??= new GradientCheckOptions();
        var input = network.InputShape.WithBatch(batch);
        var subject = new Subject(
            $"network {network.Root} on {input}",
            network.Backend,
            [input],
            InputGradients: false,
            network.Parameters,
            LayerTree.Owners(network.Root),
            LayerTree.StochasticLayers(network.Root),
            xs => network.ForwardAll(xs[0], options.Training),
            grads =>
            {
                network.BackwardAll(grads);
                return [null];
            });
        return Run(subject, options);
    }

    /// <param name="Owners">the leaf layer of every parameter</param>
    /// <param name="Forward">the outputs for these inputs; tensors may be the subject's buffers</param>
    /// <param name="Backward">one gradient per input (null where the subject computes none) from one per output</param>
    private sealed record Subject(
        string Description,
        IBackend Backend,
        Shape[] InputShapes,
        bool InputGradients,
        IReadOnlyList<Parameter> Parameters,
        IReadOnlyDictionary<Parameter, ILayer> Owners,
        IReadOnlyList<IStochasticLayer> Stochastic,
        Func<Tensor[], IReadOnlyList<Tensor>> Forward,
        Func<IReadOnlyList<Tensor?>, IReadOnlyList<Tensor?>> Backward);

    /// <summary>A tensor whose gradient is checked: its host copy (perturbed in place) and its analytic gradient.</summary>
    private sealed record Target(string Name, Tensor Tensor, float[] Values, float[] Analytic);

    private static GradientCheckReport Run(Subject subject, GradientCheckOptions options)
    {
        var backend = subject.Backend;
        var inputs = subject.InputShapes.Select((shape, i) =>
        {
            var values = options.Input(shape, new RandomStream(options.Seed, $"input {i}"));
            var tensor = backend.Allocate(shape);
            tensor.CopyFrom(values);
            return (Tensor: tensor, Values: values);
        }).ToArray();
        var parameterValues = subject.Parameters.Select((p, k) =>
        {
            var generator = options.Parameters?.Invoke(subject.Owners[p], p) ?? Values.Uniform();
            var values = generator(p.Shape, new RandomStream(options.Seed, $"parameter {k} {p.Name}"));
            p.Value.CopyFrom(values);
            return values;
        }).ToArray();
        var x = inputs.Select(i => i.Tensor).ToArray();

        IReadOnlyList<Tensor> Forward()
        {
            foreach (var layer in subject.Stochastic) layer.SetSeed(options.StochasticSeed);
            return subject.Forward(x);
        }

        // The projection r: one tensor per output, of that output's shape.
        var outputShapes = Forward().Select(y => y.Shape).ToArray();
        var projection = outputShapes.Select((shape, j) => Values.Uniform()(shape, new RandomStream(options.Seed, $"projection {j}"))).ToArray();
        var projectionTensors = outputShapes.Select((shape, j) =>
        {
            var r = backend.Allocate(shape);
            r.CopyFrom(projection[j]);
            return r;
        }).ToArray();

        double Loss()
        {
            var outputs = Forward();
            double loss = 0;
            for (int j = 0; j < outputs.Count; j++)
            {
                Assert.Equal(outputShapes[j], outputs[j].Shape);
                var y = outputs[j].ToArray();
                for (int i = 0; i < y.Length; i++) loss += (double)projection[j][i] * y[i];
            }
            return loss;
        }

        // Analytic gradients: zeroed parameter gradients, one forward, one backward.
        foreach (var p in subject.Parameters.Where(p => p.Trainable)) backend.Elementwise.Fill(p.Grad!, 0f);
        Forward();
        var inputGrads = subject.Backward(projectionTensors);
        var targets = new List<Target>();
        if (subject.InputGradients)
        {
            Assert.Equal(inputs.Length, inputGrads.Count);
            for (int i = 0; i < inputs.Length; i++)
            {
                var grad = inputGrads[i] ?? throw new InvalidOperationException($"{subject.Description}: Backward returned no gradient for input {i}.");
                Assert.Equal(inputs[i].Tensor.Shape, grad.Shape);
                targets.Add(new Target(inputs.Length == 1 ? "input" : $"input {i}", inputs[i].Tensor, inputs[i].Values, grad.ToArray()));
            }
        }
        for (int k = 0; k < subject.Parameters.Count; k++)
        {
            var p = subject.Parameters[k];
            if (p.Trainable) targets.Add(new Target($"parameter {k} '{p.Name}' {p.Shape}", p.Value, parameterValues[k], p.Grad!.ToArray()));
        }

        double baseLoss = Loss();
        var checks = new List<ElementCheck>();
        foreach (var target in targets)
            foreach (int index in SampleIndices(target.Values.Length, options, target.Name))
                checks.Add(CheckElement(target, index, baseLoss, Loss, options));

        foreach (var r in projectionTensors) r.Dispose();
        foreach (var input in inputs) input.Tensor.Dispose();
        return new GradientCheckReport(options, checks, subject.Description);
    }

    private static ElementCheck CheckElement(Target target, int index, double baseLoss, Func<double> loss, GradientCheckOptions options)
    {
        double h = options.Step;
        float original = target.Values[index];
        double LossAt(int steps)
        {
            target.Values[index] = (float)(original + steps * h);
            target.Tensor.CopyFrom(target.Values);
            return loss();
        }
        double m2 = LossAt(-2), m1 = LossAt(-1), p1 = LossAt(1), p2 = LossAt(2);
        target.Values[index] = original;
        target.Tensor.CopyFrom(target.Values);

        double numeric = (-p2 + 8 * p1 - 8 * m1 + m2) / (12 * h);
        double analytic = target.Analytic[index];
        double relative = Math.Abs(analytic - numeric) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(numeric)), options.Floor);

        // The slopes over the four stencil intervals, for ElementCheck.Roughness.
        double s1 = (m1 - m2) / h, s2 = (baseLoss - m1) / h, s3 = (p1 - baseLoss) / h, s4 = (p2 - p1) / h;
        double roughness = Math.Max(Math.Abs(s1 - 2 * s2 + s3), Math.Abs(s2 - 2 * s3 + s4));
        return new ElementCheck(target.Name, index, analytic, numeric, relative, roughness);
    }

    /// <summary>All indices of a small tensor; else the first, the last and a seeded sample in between.</summary>
    private static int[] SampleIndices(int size, GradientCheckOptions options, string tensor)
    {
        if (size <= options.MaxElementsPerTensor) return Enumerable.Range(0, size).ToArray();
        var middle = Enumerable.Range(1, size - 2).ToArray();
        new RandomStream(options.Seed, $"sample {tensor}").Shuffle(middle.AsSpan());
        return [0, .. middle.Take(options.MaxElementsPerTensor - 2).Order(), size - 1];
    }
}
