using System.Buffers.Binary;
using System.Text;
using MlNetConv.Persistence;

namespace MlNetConv.Bench.Compare;

/// <summary>
/// Lets TorchSharp-cpu 0.107.0 load on hosts whose libstdc++ is older than GCC 13's (Debian 12 has GLIBCXX_3.4.30).
/// Its libLibTorchSharp.so asks for GLIBCXX_3.4.32 for one symbol only, <c>_ZSt21ios_base_library_initv</c>, a marker
/// without relocations; the dynamic loader refuses the whole library for that one missing version. Marking that version
/// requirement weak (VER_FLG_WEAK in its Vernaux entry of <c>.gnu.version_r</c>) turns the refusal into nothing. Only
/// the copy in this program's own output folder is changed, written to a new file that is renamed over it, so a
/// package cache it may be linked to is never touched. A benchmark expedient: never ship a library patched this way.
/// </summary>
internal static class LibTorchSharpPatch
{
    public const string LibraryName = "libLibTorchSharp.so";
    public const string Version = "GLIBCXX_3.4.32";

    private const uint VerneedSection = 0x6ffffffe; // SHT_GNU_verneed
    private const ushort WeakFlag = 0x2;           // VER_FLG_WEAK

    /// <summary>Patches every copy of the library under <paramref name="folder"/>; returns the files changed.</summary>
    public static IReadOnlyList<string> Apply(string folder)
    {
        var changed = new List<string>();
        foreach (string path in Directory.EnumerateFiles(folder, LibraryName, SearchOption.AllDirectories))
        {
            byte[] elf = File.ReadAllBytes(path);
            if (!MarkWeak(elf, Version, path)) continue;
            using (var file = AtomicFile.Create(path))
            {
                file.Stream.Write(elf);
                file.Commit();
            }
            changed.Add(path);
        }
        return changed;
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement of <paramref name="version"/>; false when there was nothing to change.</summary>
    internal static bool MarkWeak(Span<byte> elf, string version, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"'{path}' is not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException($"'{path}' is not a 64-bit little-endian ELF file.");
        long sectionTable = (long)U64(elf, 0x28);
        int entrySize = U16(elf, 0x3A), sections = U16(elf, 0x3C);
        bool changed = false;
        for (int i = 0; i < sections; i++)
        {
            int header = checked((int)(sectionTable + (long)i * entrySize));
            if (U32(elf, header + 4) != VerneedSection) continue;
            int offset = checked((int)U64(elf, header + 0x18));
            int strings = checked((int)U64(elf, checked((int)(sectionTable + (long)U32(elf, header + 0x28) * entrySize)) + 0x18));
            uint needs = U32(elf, header + 0x2C);
            int need = offset;
            for (uint n = 0; n < needs; n++)
            {
                int aux = need + (int)U32(elf, need + 8);           // vn_aux
                for (int a = 0; a < U16(elf, need + 2); a++)         // vn_cnt
                {
                    if (CString(elf, strings + (int)U32(elf, aux + 8)) == version) // vna_name
                    {
                        ushort flags = U16(elf, aux + 4);           // vna_flags
                        if ((flags & WeakFlag) == 0)
                        {
                            BinaryPrimitives.WriteUInt16LittleEndian(elf[(aux + 4)..], (ushort)(flags | WeakFlag));
                            changed = true;
                        }
                    }
                    aux += (int)U32(elf, aux + 12);                 // vna_next
                }
                need += (int)U32(elf, need + 12);                   // vn_next
            }
        }
        return changed;
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);
    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);

    private static string CString(ReadOnlySpan<byte> b, int at)
    {
        int end = b[at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(b.Slice(at, end < 0 ? 0 : end));
    }
}
