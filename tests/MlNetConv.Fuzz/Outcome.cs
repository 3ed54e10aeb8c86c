namespace MlNetConv.Fuzz;

/// <summary>What one mutated input did.</summary>
public enum Outcome
{
    /// <summary>Refused with the error the API documents (InvalidDataException; a stated problem for images).</summary>
    CleanError,

    /// <summary>Accepted, and it gives exactly what the original gives: the damage missed everything that matters.</summary>
    IdenticalLoad,

    /// <summary>Accepted, and it gives something else: a legal file with other contents (a weight changed and re-sealed).</summary>
    ChangedLoad,

    /// <summary>Any other exception: a bug.</summary>
    Crash,

    /// <summary>Still running after the time limit: a bug.</summary>
    Hang,
}
