using System.Text.Json;
using Tenni.Data;
using Tenni.Tests.Support;

namespace Tenni.Tests.Data;

/// <summary>
/// <c>--split-method chainer</c>: NumPy's legacy <c>RandomState(seed).permutation(n)</c> bit for bit, and the
/// chapter's split of a real folder, both against what NumPy computed (TestData/numpy-permutation/make_reference.py, NumPy 1.24.2).
/// </summary>
public sealed class ChainerSplitTests
{
    private static readonly string References = Path.Combine(AppContext.BaseDirectory, "TestData", "numpy-permutation");

    public static TheoryData<int, long> Cases()
    {
        var data = new TheoryData<int, long>();
        foreach (var c in Load("permutations.json").GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("n").GetInt32(), c.GetProperty("seed").GetInt64());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Permutation_SameAsNumPy(int n, long seed)
    {
        int[] expected = Load("permutations.json").GetProperty("cases").EnumerateArray()
            .First(c => c.GetProperty("n").GetInt32() == n && c.GetProperty("seed").GetInt64() == seed)
            .GetProperty("permutation").EnumerateArray().Select(v => v.GetInt32()).ToArray();

        Assert.Equal(expected, new NumPyRandomState((uint)seed).Permutation(n));
    }

    [Fact]
    public void Split_SamplePets_SameTrainingAndValidationFilesAsChainer()
    {
        var reference = Load("samples-pets-split.json");
        string root = Path.Combine(TestData.RepositoryRoot, "samples", "pets");

        var split = DatasetSplit.Random(ImageFolder.Scan(root), new SplitOptions { Method = SplitMethod.Chainer, Seed = 1 });

        string Relative(ImageSample s) => Path.GetRelativePath(root, s.Path).Replace('\\', '/');
        Assert.Equal(reference.GetProperty("first_size").GetInt32(), split.Train.Count);
        Assert.Equal(reference.GetProperty("train").EnumerateArray().Select(v => v.GetString()), split.Train.Select(Relative).Order(StringComparer.Ordinal));
        Assert.Equal(reference.GetProperty("validation").EnumerateArray().Select(v => v.GetString()), split.Validation.Select(Relative).Order(StringComparer.Ordinal));
        Assert.StartsWith("Chainer's split_dataset_random (NumPy RandomState(1).permutation(48), the first 33 train)", split.Method);
    }

    [Fact]
    public void Split_NegativeSeed_RefusedWithNumPysRange()
    {
        var error = Assert.Throws<TenniException>(() => DatasetSplit.Random(ImageFolder.Scan(Path.Combine(TestData.RepositoryRoot, "samples", "pets")), new SplitOptions { Method = SplitMethod.Chainer, Seed = -1 }));
        Assert.Contains("0 to 4294967295", error.Message);
    }

    private static JsonElement Load(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(References, name))).RootElement;
}
