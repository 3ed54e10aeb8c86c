using System.Text.Json.Nodes;
using MlNetConv.Tensors;

namespace MlNetConv.Init;

/// <summary>The usual weight initializations. Gains follow PyTorch's torch.nn.init.</summary>
public static class Initializers
{
    /// <summary>He/Kaiming normal: N(0, gain²/fanIn), gain = sqrt(2) for ReLU.</summary>
    public static IInitializer KaimingNormal(float gain = 1.41421356f) => new Normal(0, gain, FanMode.In);

    /// <summary>He/Kaiming uniform: U(-b, b), b = gain * sqrt(3/fanIn).</summary>
    public static IInitializer KaimingUniform(float gain = 1.41421356f) => new Uniform(gain * MathF.Sqrt(3f), FanMode.In);

    /// <summary>Glorot/Xavier uniform: U(-b, b), b = sqrt(6/(fanIn + fanOut)).</summary>
    public static IInitializer GlorotUniform(float gain = 1f) => new Uniform(gain * MathF.Sqrt(6f), FanMode.Average);

    /// <summary>Glorot/Xavier normal: N(0, 2/(fanIn + fanOut)).</summary>
    public static IInitializer GlorotNormal(float gain = 1f) => new Normal(0, gain * MathF.Sqrt(2f), FanMode.Average);

    /// <summary>LeCun normal: N(0, 1/fanIn).</summary>
    public static IInitializer LeCunNormal() => new Normal(0, 1f, FanMode.In);

    /// <summary>LeCun uniform: U(-b, b), b = sqrt(3/fanIn).</summary>
    public static IInitializer LeCunUniform() => new Uniform(MathF.Sqrt(3f), FanMode.In);

    /// <summary>PyTorch's default for convolution and linear layers (weights and biases): U(-1/sqrt(fanIn), 1/sqrt(fanIn)).</summary>
    public static IInitializer PyTorchDefault() => new Uniform(1f, FanMode.In);

    /// <summary>A fixed Gaussian, e.g. AlexNet's N(0, 0.01).</summary>
    public static IInitializer Gaussian(float mean, float std) => new Normal(mean, std, FanMode.None);

    public static IInitializer Constant(float value) => new ConstantValue(value);

    public static IInitializer Zeros() => new ConstantValue(0f);

    public static IInitializer Ones() => new ConstantValue(1f);

    /// <summary>
    /// Bilinear upsampling for a transposed convolution's weight (Cin, Cout/groups, k...): every kernel is the product over
    /// its axes of the tent 1 - |x - c|/f, f = ⌈k/2⌉, centred at c = (k-1)/2 (FCN's <c>upsample_filt</c>), placed where
    /// input channel i meets output channel i (identity across channels) or in every kernel of a depthwise weight
    /// (Cout/groups = 1). With k = 2s and stride s the layer then interpolates bilinearly (FCN's upscore layers).
    /// </summary>
    public static IInitializer Bilinear() => new BilinearKernel();

    /// <summary>The JSON of one of these initializers ({"kind", ...}), or null for another implementation of IInitializer.</summary>
    public static JsonObject? ToJson(IInitializer initializer) => initializer switch
    {
        Normal n => new JsonObject { ["kind"] = "normal", ["mean"] = n.Mean, ["scale"] = n.Scale, ["fan"] = n.Mode.ToString() },
        Uniform u => new JsonObject { ["kind"] = "uniform", ["scale"] = u.Scale, ["fan"] = u.Mode.ToString() },
        ConstantValue c => new JsonObject { ["kind"] = "constant", ["value"] = c.Value },
        BilinearKernel => new JsonObject { ["kind"] = "bilinear" },
        _ => null,
    };

    public static IInitializer FromJson(JsonObject json)
    {
        string kind = json["kind"]?.GetValue<string>() ?? throw new InvalidDataException("An initializer without a kind.");
        FanMode Fan() => Enum.Parse<FanMode>(json["fan"]!.GetValue<string>());
        return kind switch
        {
            "normal" => new Normal(json["mean"]!.GetValue<float>(), json["scale"]!.GetValue<float>(), Fan()),
            "uniform" => new Uniform(json["scale"]!.GetValue<float>(), Fan()),
            "constant" => new ConstantValue(json["value"]!.GetValue<float>()),
            "bilinear" => new BilinearKernel(),
            _ => throw new InvalidDataException($"Unknown initializer kind '{kind}' in the saved architecture."),
        };
    }

    private enum FanMode { None, In, Average }

    private sealed record BilinearKernel : IInitializer
    {
        public void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random) =>
            throw new InvalidOperationException("The bilinear initializer needs the weight's shape (Cin, Cout/groups, k...).");

        public void Initialize(Span<float> values, Shape shape, int fanIn, int fanOut, RandomStream random)
        {
            if (shape.Rank < 3) throw new ArgumentException($"The bilinear initializer needs a weight (Cin, Cout/groups, k...), got {shape}.");
            int rows = shape[0], columns = shape[1], kernel = shape.Size / (rows * columns);
            var tent = new float[kernel];
            for (int k = 0; k < kernel; k++)
            {
                double value = 1;
                for (int axis = shape.Rank - 1, rest = k; axis >= 2; rest /= shape[axis], axis--)
                {
                    int size = shape[axis], x = rest % size, factor = (size + 1) / 2;
                    double centre = (size - 1) / 2.0;
                    value *= 1 - Math.Abs(x - centre) / factor;
                }
                tent[k] = (float)value;
            }
            values.Clear();
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++)
                    if (columns == 1 || i % columns == j) tent.CopyTo(values.Slice((i * columns + j) * kernel, kernel));
        }
    }

    private static float FanScale(FanMode mode, int fanIn, int fanOut) => mode switch
    {
        FanMode.In => 1f / MathF.Sqrt(Math.Max(1, fanIn)),
        FanMode.Average => 1f / MathF.Sqrt(Math.Max(1, fanIn + fanOut)),
        _ => 1f,
    };

    private sealed record Normal(float Mean, float Scale, FanMode Mode) : IInitializer
    {
        public void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random)
        {
            float std = Scale * FanScale(Mode, fanIn, fanOut);
            for (int i = 0; i < values.Length; i++) values[i] = Mean + std * (float)random.NextGaussian();
        }
    }

    private sealed record Uniform(float Scale, FanMode Mode) : IInitializer
    {
        public void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random)
        {
            float bound = Scale * FanScale(Mode, fanIn, fanOut);
            for (int i = 0; i < values.Length; i++) values[i] = (2f * random.NextFloat() - 1f) * bound;
        }
    }

    private sealed record ConstantValue(float Value) : IInitializer
    {
        public void Initialize(Span<float> values, int fanIn, int fanOut, RandomStream random) => values.Fill(Value);
    }
}
