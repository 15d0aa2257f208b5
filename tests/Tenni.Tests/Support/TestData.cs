namespace Tenni.Tests.Support;

/// <summary>Where the shared real data lives (../shared/data beside the repository, for CI too).</summary>
internal static class TestData
{
    public static string PetImages { get; } = FindShared("data/PetImages-mini");

    /// <summary>37 breeds × 5 photos: few-shot and many-class.</summary>
    public static string OxfordPets { get; } = FindShared("data/OxfordPets37-half");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The first <paramref name="count"/> good JPEG photos of a class, sorted by name.</summary>
    public static string[] Photos(string className, int count) =>
        Directory.GetFiles(Path.Combine(PetImages, className), "*.jpg")
            .Order(StringComparer.Ordinal)
            .Where(IsDecodableJpeg)
            .Take(count)
            .ToArray();

    private static bool IsDecodableJpeg(string path)
    {
        byte[] head = new byte[2];
        using (var stream = File.OpenRead(path))
        {
            if (stream.Read(head) != 2 || head[0] != 0xFF || head[1] != 0xD8)
            {
                return false;
            }
        }

        try
        {
            var image = Tenni.Imaging.ImageDecoder.Decode(path);
            return image.Width >= 64 && image.Height >= 64;
        }
        catch (TenniException)
        {
            return false;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    private static string FindShared(string relative)
    {
        string path = Path.GetFullPath(Path.Combine(FindRepositoryRoot(), "..", "shared", relative));
        return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"shared test data not found at {path}");
    }
}
