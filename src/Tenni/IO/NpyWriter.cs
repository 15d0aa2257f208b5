using System.Text;

namespace Tenni.IO;

/// <summary>
/// Writes NumPy <c>.npy</c> files (format version 1.0, little-endian float32, C order) that
/// <c>numpy.load</c> reads. Rows can be appended as they are computed, so large extractions stream.
/// </summary>
internal sealed class NpyWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private readonly long[] _rowShape;
    private readonly long _rowLength;
    private long _rows;
    private bool _committed;

    public NpyWriter(string path, IReadOnlyList<long> rowShape)
    {
        _path = AtomicFile.CheckTarget(path);

        _temp = $"{_path}.{Environment.ProcessId}.tmp";
        _rowShape = rowShape.ToArray();
        _rowLength = _rowShape.Aggregate(1L, (p, d) => p * d);
        try
        {
            _stream = new FileStream(_temp, FileMode.Create, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"cannot write '{path}' ({e.Message}); expected a path in a folder you can write", e);
        }

        _stream.Write(Header(0)); // rewritten with the final row count on Commit
    }

    /// <summary>Appends rows given as one flat buffer (a whole number of rows).</summary>
    public void Append(ReadOnlySpan<float> values)
    {
        if (values.Length % _rowLength != 0)
        {
            throw new ArgumentException($"{values.Length} values is not a whole number of rows of {_rowLength}");
        }

        _stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _rows += values.Length / _rowLength;
    }

    /// <summary>Writes the final header and moves the file into place.</summary>
    public void Commit()
    {
        _stream.Position = 0;
        _stream.Write(Header(_rows));
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed && File.Exists(_temp))
        {
            File.Delete(_temp);
        }
    }

    // The header is padded to a fixed 128 bytes so rewriting it never moves the data.
    private byte[] Header(long rows)
    {
        string shape = string.Join(", ", new[] { rows }.Concat(_rowShape));
        if (_rowShape.Length == 0)
        {
            shape += ",";
        }

        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}";
        const int total = 128;
        int padding = total - 10 - dict.Length - 1;
        if (padding < 0)
        {
            throw new InvalidOperationException("shape too long for a 128-byte npy header");
        }

        var header = new byte[total];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", 0, 5, header, 1);
        header[6] = 1;
        header[7] = 0;
        BitConverter.TryWriteBytes(header.AsSpan(8, 2), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict + new string(' ', padding) + "\n", 0, total - 10, header, 10);
        return header;
    }
}
