using Tenni.IO;
using Tenni.Tests.Support;

namespace Tenni.Tests.IO;

public sealed class NpyWriterTests
{
    [Fact]
    public void Commit_RowsAppendedInChunks_WritesNumpyHeaderShapeAndValues()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-npy").FullName, "f.npy");
        using (var writer = new NpyWriter(path, [2, 3]))
        {
            writer.Append(Enumerable.Range(0, 6).Select(i => (float)i).ToArray());
            writer.Append(Enumerable.Range(6, 12).Select(i => (float)i).ToArray());
            writer.Commit();
        }

        var (descr, fortran, shape, data) = NpyFile.Read(path);

        Assert.Equal("<f4", descr);
        Assert.False(fortran);
        Assert.Equal([3L, 2, 3], shape);
        Assert.Equal(Enumerable.Range(0, 18).Select(i => (float)i), data);
    }

    [Fact]
    public void Dispose_WithoutCommit_LeavesNoFile()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-npy").FullName, "f.npy");
        using (var writer = new NpyWriter(path, [4]))
        {
            writer.Append(new float[4]);
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Append_PartialRow_Throws()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-npy").FullName, "f.npy");
        using var writer = new NpyWriter(path, [4]);

        Assert.Throws<ArgumentException>(() => writer.Append(new float[3]));
    }
}
