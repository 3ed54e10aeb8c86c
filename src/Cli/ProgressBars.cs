using Spectre.Console;

namespace MlNetConv.Cli;

/// <summary>
/// Spectre.Console progress bars on standard error for the duration of one piece of work. Without an interactive
/// terminal there are none: <see cref="Add"/> returns null and callers log plain lines instead.
/// </summary>
internal sealed class ProgressBars
{
    private readonly ProgressContext? _context;

    private ProgressBars(ProgressContext? context) => _context = context;

    /// <summary>Whether bars are drawn.</summary>
    public bool Visible => _context is not null;

    public static T Run<T>(CliConsole console, Func<ProgressBars, T> work)
    {
        if (!console.Interactive) return work(new ProgressBars(null));
        return console.Ansi.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => work(new ProgressBars(context)));
    }

    /// <summary>A new bar from 0 to <paramref name="maxValue"/>; its description is plain text (markup is escaped).</summary>
    public ProgressTask? Add(string description, double maxValue) => _context?.AddTask(Markup.Escape(description), maxValue: maxValue);

    public static void Describe(ProgressTask? task, string description)
    {
        if (task is not null) task.Description = Markup.Escape(description);
    }
}
