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

    /// <summary>
    /// Memory a reader may spend on what a damaged input declares, beyond what the undamaged one declares, within the
    /// reader's own limits: an image whose header now says it is wider is decoded in strips of that width. 0 by default.
    /// </summary>
    public virtual long DeclaredSizeAllowance(byte[] bytes) => 0;
}
