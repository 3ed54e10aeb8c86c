using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Tensors;

namespace MlNetConv.Cli;

/// <summary>What score and train do with an image that cannot be read.</summary>
internal enum BadFilePolicy
{
    /// <summary>Report it by path, leave it out and count it.</summary>
    Skip,

    /// <summary>Stop with exit code 1, naming it.</summary>
    Fail,
}

/// <summary>The options several commands share, and the parsers of their values (a value that does not parse is a usage error).</summary>
internal static class CliOptions
{
    public static Option<Shape?> Input(string description) => new("--input")
    {
        Description = description,
        HelpName = "CxHxW",
        CustomParser = r => ParseShape(r, r.Tokens[0].Value),
    };

    public static Option<int?> Classes() => new("--classes")
    {
        Description = "Number of classes of the output layer (default: the architecture's, 1000 for ImageNet networks, 10 for LeNet and CIFAR)",
        HelpName = "K",
        Validators = { r => Positive(r, r.GetValueOrDefault<int?>()) },
    };

    /// <summary>The option that makes a command one rank of an MPI job started by mpirun or srun.</summary>
    public static Option<bool> Distributed(string description) => new("--distributed") { Description = description };

    public static Option<DataSpec> Data(string description, bool required) => new("--data")
    {
        Description = description,
        HelpName = "folder | idx:IMAGES,LABELS",
        Required = required,
        CustomParser = r => ParseData(r),
    };

    public static Option<int> BatchSize(int defaultValue, string description) => new("--batch-size")
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        Validators = { r => Positive(r, r.GetValueOrDefault<int>()) },
    };

    public static Option<Device> Device() => new("--device")
    {
        Description = "Where the network runs: cpu, gpu, gpu:ID or auto (a GPU when one can be used, else the CPU)",
        HelpName = "cpu|gpu[:ID]|auto",
        DefaultValueFactory = _ => Backends.Device.Cpu,
        CustomParser = r => ParseDevice(r, r.Tokens[0].Value),
    };

    public static Option<BadFilePolicy> OnBadFile(BadFilePolicy defaultValue, string description) => new("--on-bad-file")
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>The pixel limit of an image, read from its header before it is decoded (a larger image is a bad file).</summary>
    public static Option<double> MaxMegapixels() => new("--max-megapixels")
    {
        Description = $"Largest image to decode, in megapixels (default {Estimators.ImageFileCheck.DefaultMaxPixels / 1e6:F0}); a larger one is a bad file",
        HelpName = "MP",
        DefaultValueFactory = _ => Estimators.ImageFileCheck.DefaultMaxPixels / 1e6,
        Validators = { r => { if (!(r.GetValueOrDefault<double>() is > 0 and < 1e6)) r.AddError($"--max-megapixels must be positive and below 1000000, got {r.GetValueOrDefault<double>()}."); } },
    };

    /// <summary>Megapixels as a pixel count.</summary>
    public static long Pixels(double megapixels) => (long)Math.Round(megapixels * 1e6);

    /// <summary>"CxHxW", e.g. 1x28x28 or 3x224x224.</summary>
    public static Shape? ParseShape(ArgumentResult result, string text)
    {
        var parts = text.Split('x', 'X', ',');
        var dims = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
            {
                result.AddError($"--input must be CxHxW with positive sizes (e.g. 1x28x28 or 3x224x224), got '{text}'.");
                return null;
            }
        if (dims.Length != 3)
        {
            result.AddError($"--input must have three sizes CxHxW (channels, height, width), got '{text}'.");
            return null;
        }
        return new Shape(dims);
    }

    public static Device ParseDevice(ArgumentResult result, string text)
    {
        if (Backends.Device.TryParse(text, out var device)) return device;
        result.AddError($"--device must be cpu, gpu, gpu:ID or auto, got '{text}'.");
        return Backends.Device.Cpu;
    }

    private static DataSpec ParseData(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        try
        {
            return DataSpec.Parse(text);
        }
        catch (FormatException e)
        {
            result.AddError(e.Message);
            return new ImageFolderSpec(text);
        }
    }

    private static void Positive(OptionResult result, int? value)
    {
        if (value is <= 0) result.AddError($"{result.Option.Name} must be positive, got {value}.");
    }
}
