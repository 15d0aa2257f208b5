using System.Diagnostics;
using Tenni.Imaging;
using Xunit.Abstractions;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Damaged files of every supported format must come back as an image or an <see cref="ImageProblem"/>:
/// never another exception, never slowly, never with memory out of proportion to the limits.
/// </summary>
public sealed class ImageFuzzTests(ITestOutputHelper output)
{
    // A header flip can claim a larger image; within this limit that is a legitimate decode, so the
    // memory bound is the RGB buffer such an image needs plus room for the file and bookkeeping.
    private const long MaxPixels = 1_000_000;
    private const long MaxAllocatedBytes = (3 * MaxPixels) + (1024 * 1024);

    // Generous for a 40×32 image on a loaded 2-core machine; a decoder stuck in a loop takes far longer.
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Formats => new(SmallImages.All.Keys);

    // Skia cannot write progressive JPEG, whose decoder takes another path: a real one from the test data.
    public static TheoryData<string> FuzzCases => new([.. SmallImages.All.Keys, Progressive]);

    private const string Progressive = "JPEG-progressive";

    [Theory]
    [MemberData(nameof(Formats))]
    public void Read_ValidSmallFile_Decodes(string format)
    {
        string path = Write(SmallImages.All[format], "valid");

        var (image, problem) = ImageReader.Read(path);

        Assert.Null(problem);
        Assert.Equal(format, image!.Format);
        Assert.Equal((SmallImages.Width, SmallImages.Height), (image.Image.Width, image.Image.Height));
    }

    [Theory]
    [MemberData(nameof(FuzzCases))]
    public void Read_TruncatedAtSampledOffsets_ImageOrProblemQuicklyAndSmall(string format)
    {
        byte[] valid = Valid(format);
        var rng = new Random(12);
        var offsets = Enumerable.Range(0, Math.Min(64, valid.Length)).Concat(Enumerable.Range(0, 60).Select(_ => rng.Next(valid.Length))).Distinct();

        var outcomes = offsets.Select(n => Check(valid[..n], $"truncated at {n}")).ToList();

        output.WriteLine($"{format} ({valid.Length} bytes), truncated: {Summary(outcomes)}");
        Assert.Contains(outcomes, o => o is ImageProblemKind.Truncated or ImageProblemKind.Corrupt);
    }

    [Theory]
    [MemberData(nameof(FuzzCases))]
    public void Read_SingleByteFlipsAtSeededPositions_ImageOrProblemQuicklyAndSmall(string format)
    {
        byte[] valid = Valid(format);
        var rng = new Random(format.Length * 7919);
        var outcomes = new List<ImageProblemKind?>();
        for (int i = 0; i < 150; i++)
        {
            // Half in the first 64 bytes, where headers are, half anywhere.
            int position = i % 2 == 0 ? rng.Next(Math.Min(64, valid.Length)) : rng.Next(valid.Length);
            byte[] damaged = (byte[])valid.Clone();
            damaged[position] ^= (byte)(1 << rng.Next(8));
            if (i % 5 == 0)
            {
                damaged[position] = (byte)rng.Next(256); // and some whole-byte replacements (0x00, 0xFF) that flips miss
            }

            outcomes.Add(Check(damaged, $"byte {position} changed"));
        }

        output.WriteLine($"{format} ({valid.Length} bytes), flipped: {Summary(outcomes)}");
    }

    private ImageProblemKind? Check(byte[] bytes, string what)
    {
        string path = Write(bytes, "case");
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        (DecodedImage? Image, ImageProblem? Problem) result;
        try
        {
            result = ImageReader.Read(path, MaxPixels);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: threw {e.GetType().Name}: {e.Message}");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(clock.Elapsed < PerCase, $"{what}: took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(allocated <= MaxAllocatedBytes, $"{what}: allocated {allocated:N0} bytes");
        Assert.True(result.Image is not null ^ result.Problem is not null, $"{what}: expected an image or a problem");
        return result.Problem?.Kind;
    }

    private static byte[] Valid(string format) => format == Progressive
        ? File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "decode", "progressive-cat-4210.jpg"))
        : SmallImages.All[format];

    private static string Summary(List<ImageProblemKind?> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o?.ToString() ?? "decoded").OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));

    private static readonly string Folder = Directory.CreateTempSubdirectory("tenni-fuzz").FullName;

    private static string Write(byte[] bytes, string name)
    {
        string path = Path.Combine(Folder, $"{name}-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
