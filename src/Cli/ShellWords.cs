namespace MlNetConv.Cli;

/// <summary>A command line as a POSIX shell reads it back: words with characters the shell would interpret are single-quoted.</summary>
internal static class ShellWords
{
    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
