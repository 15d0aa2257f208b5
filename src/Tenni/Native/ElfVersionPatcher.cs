using System.Buffers.Binary;
using System.Text;

namespace Tenni.Native;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 shared library as weak (<c>VER_FLG_WEAK</c>), so
/// that the dynamic loader accepts a libstdc++ that lacks that version. Only safe when every symbol
/// bound to the version is a link-time anchor that nothing calls; <see cref="MarkVersionWeak"/>
/// checks that against the list it is given and refuses otherwise.
/// </summary>
internal static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const uint ShtDynsym = 11;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>Returns a patched copy of <paramref name="elf"/>, or null if it does not require <paramref name="version"/>.</summary>
    public static byte[]? MarkVersionWeak(byte[] elf, string version, IReadOnlySet<string> allowedSymbols)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a little-endian ELF64 file");
        }

        var sections = ReadSections(elf);
        var verneed = sections.FirstOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed.Type == 0)
        {
            return null;
        }

        byte[] patched = (byte[])elf.Clone();
        ushort? versionIndex = null;
        long stringTable = sections[(int)verneed.Link].Offset;
        long entry = verneed.Offset;
        while (true)
        {
            ushort auxCount = U16(elf, entry + 2);
            long aux = entry + U32(elf, entry + 8);
            for (int i = 0; i < auxCount; i++)
            {
                if (ReadString(elf, stringTable + U32(elf, aux + 8)) == version)
                {
                    ushort flags = U16(elf, aux + 4);
                    BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan((int)aux + 4), (ushort)(flags | VerFlgWeak));
                    versionIndex = U16(elf, aux + 6);
                }

                aux += U32(elf, aux + 12);
            }

            uint next = U32(elf, entry + 12);
            if (next == 0)
            {
                break;
            }

            entry += next;
        }

        if (versionIndex is null)
        {
            return null;
        }

        foreach (string symbol in SymbolsBoundTo(elf, sections, versionIndex.Value))
        {
            if (!allowedSymbols.Contains(symbol))
            {
                throw new InvalidDataException($"symbol '{symbol}' needs {version}; only {string.Join(", ", allowedSymbols)} may be left unresolved");
            }
        }

        return patched;
    }

    private static IEnumerable<string> SymbolsBoundTo(byte[] elf, Section[] sections, ushort versionIndex)
    {
        var dynsym = sections.First(s => s.Type == ShtDynsym);
        var versym = sections.First(s => s.Type == ShtGnuVersym);
        long strings = sections[(int)dynsym.Link].Offset;
        long count = dynsym.Size / 24;
        for (long i = 0; i < count; i++)
        {
            if ((U16(elf, versym.Offset + (2 * i)) & 0x7fff) == versionIndex)
            {
                yield return ReadString(elf, strings + U32(elf, dynsym.Offset + (24 * i)));
            }
        }
    }

    private static Section[] ReadSections(byte[] elf)
    {
        long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        ushort size = U16(elf, 0x3A);
        ushort count = U16(elf, 0x3C);
        var sections = new Section[count];
        for (int i = 0; i < count; i++)
        {
            long h = offset + (i * size);
            sections[i] = new Section(
                U32(elf, h + 4),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)h + 24)),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)h + 32)),
                U32(elf, h + 40));
        }

        return sections;
    }

    private static ushort U16(byte[] b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)at));

    private static uint U32(byte[] b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)at));

    private static string ReadString(byte[] b, long at)
    {
        int end = Array.IndexOf(b, (byte)0, (int)at);
        return Encoding.ASCII.GetString(b, (int)at, end - (int)at);
    }

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link);
}
