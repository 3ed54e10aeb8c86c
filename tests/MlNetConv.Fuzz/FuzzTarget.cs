namespace MlNetConv.Fuzz;

/// <summary>One kind of file the engine reads: the original bytes, how to damage them, and how to read damaged bytes.</summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>The undamaged file.</summary>
    public abstract byte[] Original { get; }

    /// <summary>A damaged copy of <see cref="Original"/>.</summary>
    public abstract byte[] Mutate(Random random);

    /// <summary>Reads <paramref name="bytes"/>; returns whether the result equals the original's, or throws what the reader throws.</summary>
    public abstract bool ReadsAsOriginal(byte[] bytes);

    /// <summary>Whether <paramref name="e"/> is the documented refusal of a bad file.</summary>
    public virtual bool IsClean(Exception e) => e is InvalidDataException;
}
