namespace Tenni.Imaging;

/// <summary>Expands command-line paths into image files: files as given, folders recursively in ordinal path order.</summary>
public static class ImageFiles
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                // Every file counts: whether it is an image is decided from its content when it is read.
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            }
            else
            {
                throw new TenniException($"'{path}' does not exist; expected an image file or a folder of images");
            }
        }

        return files;
    }
}
