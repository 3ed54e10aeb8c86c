using MlNetConv.Tests.Shared;

namespace MlNetConv.Cli.Tests;

/// <summary>
/// A LeNet-5 trained once by <c>mlnetconv train</c> on 150 real digits (0, 1 and 7) from class folders, shared by
/// the score and evaluate tests. Training takes a few seconds.
/// </summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TrainedModelFixture()
    {
        Folder = Directory.CreateTempSubdirectory("mlnetconv-cli-").FullName;
        TrainData = DigitImages.WriteClassFolder(Path.Combine(Folder, "train"), 0, 150, 0, 1, 7);
        TestData = DigitImages.WriteClassFolder(Path.Combine(Folder, "test"), 8000, 30, 0, 1, 7);
        ModelPath = Path.Combine(Folder, "models", "lenet.zip");
        Training = CliRun.Of("train", "lenet5", "--data", TrainData, "--output", ModelPath, "--epochs", "6", "--batch-size", "16", "--lr", "0.05",
            "--test", TestData);
    }

    public string Folder { get; }
    public string TrainData { get; }
    public string TestData { get; }
    public string ModelPath { get; }
    internal CliRun Training { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
