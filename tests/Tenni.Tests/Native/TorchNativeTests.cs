using System.Buffers.Binary;
using Tenni.Native;
using static TorchSharp.torch;

namespace Tenni.Tests.Native;

public sealed class TorchNativeTests
{
    [Fact]
    public void EnsureLoaded_FreshProcess_RunsALibtorchOperation()
    {
        // This is the check that CI on a fresh machine loads libtorch with no manual step.
        TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();

        Tensor product = tensor(new[] { 1f, 2f, 3f, 4f }, [2, 2]).matmul(tensor(new[] { 5f, 6f, 7f, 8f }, [2, 2]));

        Assert.Equal([19f, 22f, 43f, 50f], product.data<float>().ToArray());
        Assert.NotEqual("not loaded", TorchNative.LoadedFrom);
    }

    [Fact]
    public void MarkVersionWeak_ShippedGlue_SetsWeakFlagOnGlibcxx3432Only()
    {
        byte[] original = File.ReadAllBytes(ShippedGlue());

        byte[]? patched = ElfVersionPatcher.MarkVersionWeak(original, "GLIBCXX_3.4.32", new HashSet<string> { "_ZSt21ios_base_library_initv" });

        Assert.NotNull(patched);
        var differences = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Single(differences); // one byte: the low byte of vna_flags
        Assert.Equal(original[differences[0]] | 0x2, patched[differences[0]]);
    }

    [Fact]
    public void MarkVersionWeak_SymbolThatIsCalled_Refuses()
    {
        byte[] original = File.ReadAllBytes(ShippedGlue());

        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(original, "GLIBCXX_3.4.32", new HashSet<string>()));
    }

    [Fact]
    public void MarkVersionWeak_VersionNotRequired_ReturnsNull()
    {
        byte[] original = File.ReadAllBytes(ShippedGlue());

        Assert.Null(ElfVersionPatcher.MarkVersionWeak(original, "GLIBCXX_9.9.99", new HashSet<string>()));
    }

    [Fact]
    public void MarkVersionWeak_NotElf_Throws()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.MarkVersionWeak(new byte[128], "GLIBCXX_3.4.32", new HashSet<string>()));
    }

    private static string ShippedGlue()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected TorchSharp's native glue at {path}");
        Assert.Equal(0x464C457F, BinaryPrimitives.ReadInt32LittleEndian(File.ReadAllBytes(path).AsSpan(0, 4)));
        return path;
    }
}
