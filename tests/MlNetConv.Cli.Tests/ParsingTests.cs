using MlNetConv.Backends;
using MlNetConv.Cli.Data;
using MlNetConv.Tensors;

namespace MlNetConv.Cli.Tests;

/// <summary>What each command reads from its command line, and usage errors (exit code 2).</summary>
public sealed class ParsingTests
{
    private readonly CliApp _app = new(new CliConsole(TextWriter.Null, TextWriter.Null));

    private System.CommandLine.ParseResult Parse(params string[] args)
    {
        var result = _app.Root.Parse(args);
        Assert.Empty(result.Errors);
        return result;
    }

    [Fact]
    public void Summary()
    {
        var s = _app.Summary.Bind(Parse("summary", "resnet18", "--input", "3x32x32", "--classes", "10"));
        Assert.Equal(("resnet18", (Shape?)new Shape(3, 32, 32), (int?)10), (s.Architecture, s.Input, s.Classes));
        var defaults = _app.Summary.Bind(Parse("summary", "lenet5"));
        Assert.Null(defaults.Input);
        Assert.Null(defaults.Classes);
    }

    [Fact]
    public void Compare()
    {
        var s = _app.Compare.Bind(Parse("compare", "--input", "3x64x64", "--classes", "100", "--results", "r.jsonl"));
        Assert.Equal(new Shape(3, 64, 64), s.Input);
        Assert.Equal(100, s.Classes);
        Assert.Equal("r.jsonl", s.Results);
        Assert.Null(_app.Compare.Bind(Parse("compare")).Results);
    }

    [Fact]
    public void TrainWithEveryOption()
    {
        var s = _app.Train.Bind(Parse("train", "resnet20", "--data", "idx:a.idx3-ubyte,b.idx1-ubyte", "--epochs", "3", "--batch-size", "32", "--lr", "0.1",
            "--momentum", "0.5", "--seed", "7", "--input", "1x28x28", "--augment", "crop=2,flip", "--augment", "rotate=10", "--validation-fraction", "0.2",
            "--test", "testdir", "--results", "runs.jsonl", "--on-bad-file", "skip", "--device", "gpu:1", "-o", "m.zip", "--resume", "old.ckpt",
            "--checkpoint", "run.ckpt"));
        Assert.Equal("resnet20", s.Architecture);
        Assert.Equal(new IdxSpec("a.idx3-ubyte", "b.idx1-ubyte"), s.Data);
        Assert.Equal(("m.zip", 3, 32, 0.1f, 0.5f, 7), (s.Output, s.Epochs, s.BatchSize, s.LearningRate, s.Momentum, s.Seed));
        Assert.Equal(new Shape(1, 28, 28), s.Input);
        Assert.NotNull(s.Augmentation);
        Assert.Equal((2, true, 10f), (s.Augmentation.CropPadding, s.Augmentation.HorizontalFlip, s.Augmentation.RotationDegrees));
        Assert.Equal(0.2f, s.ValidationFraction);
        Assert.Equal(new ImageFolderSpec("testdir"), s.Test);
        Assert.Equal("runs.jsonl", s.Results);
        Assert.Equal(BadFilePolicy.Skip, s.OnBadFile);
        Assert.Equal(Device.Gpu(1), s.Device);
        Assert.Equal(("run.ckpt", "run.ckpt", "old.ckpt"), (s.Checkpoint, s.CheckpointPath, s.Resume));
        // The command line an interrupted run prints to resume it: the words as given, less --resume.
        Assert.Equal(["train", "resnet20", "--data", "idx:a.idx3-ubyte,b.idx1-ubyte", "--epochs", "3"], s.CommandLine!.Take(6));
        Assert.Equal(["-o", "m.zip", "--checkpoint", "run.ckpt"], s.CommandLine!.TakeLast(4));
        Assert.DoesNotContain("--resume", s.CommandLine!);
    }

    [Fact]
    public void TrainDefaults()
    {
        var s = _app.Train.Bind(Parse("train", "lenet5", "--data", "digits", "--output", "m.zip"));
        Assert.Equal(new ImageFolderSpec("digits"), s.Data);
        Assert.Equal((10, 64, 0.01f, 0.9f, 1, 0f), (s.Epochs, s.BatchSize, s.LearningRate, s.Momentum, s.Seed, s.ValidationFraction));
        Assert.Null(s.Input);
        Assert.Null(s.Augmentation);
        Assert.Null(s.Test);
        Assert.Equal(BadFilePolicy.Fail, s.OnBadFile);
        Assert.Equal(Device.Cpu, s.Device);
        Assert.Equal((null, "m.zip.checkpoint", null), (s.Checkpoint, s.CheckpointPath, s.Resume));
    }

    [Fact]
    public void Evaluate()
    {
        var s = _app.Evaluate.Bind(Parse("evaluate", "m.zip", "--data", "idx:i,l", "--batch-size", "8", "--device", "auto"));
        Assert.Equal(("m.zip", (DataSpec)new IdxSpec("i", "l"), (int?)8, Device.Auto), (s.Model, s.Data, s.BatchSize, s.Device));
    }

    [Fact]
    public void Score()
    {
        var s = _app.Score.Bind(Parse("score", "m.zip", "images", "--output", "scores.csv", "--on-bad-file", "fail", "--batch-size", "100"));
        Assert.Equal(("m.zip", "images", "scores.csv", BadFilePolicy.Fail, (int?)100, Device.Cpu), (s.Model, s.Folder, s.Output, s.OnBadFile, s.BatchSize, s.Device));
        var defaults = _app.Score.Bind(Parse("score", "m.zip", "images", "-o", "s.csv"));
        Assert.Equal((BadFilePolicy.Skip, (int?)null), (defaults.OnBadFile, defaults.BatchSize));
    }

    [Theory]
    [InlineData("--input must have three sizes", "summary", "lenet5", "--input", "1x28")]
    [InlineData("--input must be CxHxW", "summary", "lenet5", "--input", "1x0x28")]
    [InlineData("--classes must be positive", "summary", "lenet5", "--classes", "0")]
    [InlineData("Option '--data' is required", "train", "lenet5", "--output", "m.zip")]
    [InlineData("Option '--output' is required", "score", "m.zip", "folder")]
    [InlineData("--augment: 'spin=3' is unknown", "train", "lenet5", "--data", "d", "-o", "m", "--augment", "spin=3")]
    [InlineData("--validation-fraction must be in [0, 1)", "train", "lenet5", "--data", "d", "-o", "m", "--validation-fraction", "1")]
    [InlineData("--epochs must be positive", "train", "lenet5", "--data", "d", "-o", "m", "--epochs", "0")]
    [InlineData("idx: takes two files", "train", "lenet5", "--data", "idx:one", "-o", "m")]
    [InlineData("--device must be cpu, gpu, gpu:ID or auto", "score", "m.zip", "f", "-o", "s.csv", "--device", "tpu")]
    [InlineData("--batch-size must be positive", "score", "m.zip", "f", "-o", "s.csv", "--batch-size", "-1")]
    [InlineData("Cannot parse argument 'skipp' for option '--on-bad-file'", "score", "m.zip", "f", "-o", "s.csv", "--on-bad-file", "skipp")]
    [InlineData("Unrecognized command or argument '--nope'", "summary", "lenet5", "--nope")]
    [InlineData("Required command was not provided", "")]
    public void UsageErrorsExitWith2AndSayWhy(string message, params string[] args)
    {
        var run = CliRun.Of([.. args.Where(a => a.Length > 0)]).Expect(ExitCodes.Usage);
        Assert.Contains(message, run.Error);
        Assert.Contains("--help' for usage", run.Error);
    }

    [Theory]
    [InlineData("summary", "nosuchnet")]
    [InlineData("summary", "alexnet", "--input", "3x32x32")]
    [InlineData("summary", "resnet18", "--input", "3x64x32")]
    public void ArchitecturesAndInputsThatDoNotFitAreUsageErrors(params string[] args)
    {
        var run = CliRun.Of(args).Expect(ExitCodes.Usage);
        Assert.StartsWith("error: ", run.Error);
    }

    [Fact]
    public void HelpExitsWith0()
    {
        var run = CliRun.Of("score", "--help").Expect(ExitCodes.Ok);
        Assert.Contains("--on-bad-file", run.Out);
    }
}
