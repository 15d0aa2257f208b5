using System.Text;
using System.Text.RegularExpressions;

namespace Tenni.Tests.Support;

/// <summary>Reads a .npy file's header as numpy.lib.format does (an independent check of Tenni's writer).</summary>
internal static partial class NpyFile
{
    public static (string Descr, bool FortranOrder, long[] Shape, float[] Data) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        Assert.Equal(1, bytes[6]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64); // numpy aligns the data to 64 bytes
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header);
        var match = HeaderPattern().Match(header);
        Assert.True(match.Success, $"unexpected header {header}");
        long[] shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        float[] data = new float[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, data, 0, data.Length * 4);
        Assert.Equal(shape.Aggregate(1L, (p, d) => p * d), data.Length);
        return (match.Groups["descr"].Value, match.Groups["fortran"].Value == "True", shape, data);
    }

    [GeneratedRegex(@"^\{'descr': '(?<descr>[^']+)', 'fortran_order': (?<fortran>True|False), 'shape': \((?<shape>[^)]*)\), \}\s*$")]
    private static partial Regex HeaderPattern();
}
