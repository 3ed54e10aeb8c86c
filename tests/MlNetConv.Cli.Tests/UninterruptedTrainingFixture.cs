using Microsoft.ML;
using MlNetConv.Estimators.Persistence;

using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// 480 real digits (0, 1 and 7) as IDX files and the model one uninterrupted <c>mlnetconv train</c> saves from them
/// (a validation split, augmentation and momentum, so that every kind of training state is in play): each interrupted
/// and resumed run of the same command line must end with these weights, bit for bit.
/// </summary>
public sealed class UninterruptedTrainingFixture : IDisposable
{
    public const int Epochs = 8;

    /// <summary>Batches an epoch: 432 training rows (48 held out) in batches of 16.</summary>
    public const int Batches = 27;

    public UninterruptedTrainingFixture()
    {
        Folder = Directory.CreateTempSubdirectory("mlnetconv-resume-").FullName;
        Data = DigitImages.WriteIdx(Path.Combine(Folder, "train"), 0, 480, 0, 1, 7);
        string model = Path.Combine(Folder, "uninterrupted.zip");
        CliRun.Of(Arguments(model)).Expect(ExitCodes.Ok);
        Weights = WeightsOf(model);
    }

    public string Folder { get; }
    public string Data { get; }

    /// <summary>The engine's model file inside the uninterrupted run's zip.</summary>
    public byte[] Weights { get; }

    /// <summary>The command line of the run, saving to <paramref name="output"/>, with <paramref name="more"/> options.</summary>
    public string[] Arguments(string output, params string[] more) =>
        ["train", "lenet5", "--data", Data, "-o", output, "--epochs", Epochs.ToString(), "--batch-size", "16", "--lr", "0.05", "--validation-fraction", "0.1",
            "--augment", "crop=2", .. more];

    /// <summary>The engine's model file (architecture and weights) inside a zip saved by <c>mlnetconv train</c>.</summary>
    public static byte[] WeightsOf(string zip) => new MLContext().Model.LoadConvNet(zip, out _).FindConvNet().Model.Bytes.ToArray();

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
