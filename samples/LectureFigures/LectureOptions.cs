namespace MlNetConv.Samples.LectureFigures;

/// <summary>The command line: where the figures go and where Fashion-MNIST is.</summary>
internal sealed record LectureOptions(string Output, string FashionMnist)
{
    public static LectureOptions Parse(string[] args)
    {
        var options = new LectureOptions(DefaultOutput(), LectureFigures.FashionMnist.DefaultFolder);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--output" => options with { Output = Next() },
                "--fashion-mnist" => options with { FashionMnist = Next() },
                _ => throw new ArgumentException($"Unknown argument {args[i]}; the options are --output DIR and --fashion-mnist DIR."),
            };
        }
        return options;
    }

    /// <summary>docs/figures/lecture in the repository this runs from (found above the current folder), else lecture-figures here.</summary>
    private static string DefaultOutput()
    {
        for (var folder = new DirectoryInfo(Directory.GetCurrentDirectory()); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "MlNetConv.sln")))
                return Path.Combine(folder.FullName, "docs", "figures", "lecture");
        return Path.Combine(Directory.GetCurrentDirectory(), "lecture-figures");
    }

    /// <summary>The processor's model name on Linux (/proc/cpuinfo), else the architecture.</summary>
    public static string CpuName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        string? name = File.Exists(cpuInfo)
            ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return name ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
