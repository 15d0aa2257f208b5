using Tenni.Data;

namespace Tenni.Imaging;

/// <summary>Expands command-line paths into image files: files as given, folders recursively in ordinal path order.</summary>
internal static class ImageFiles
{
    /// <summary>
    /// The files to read. Folders are walked as <see cref="ImageFolder.Scan"/> walks class folders: links
    /// to folders already listed (loops) are not followed and, when <paramref name="skipped"/> is given,
    /// added to it with the reason. Special files (FIFOs, devices) are listed: the reader skips them unopened.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, ICollection<SkippedImage>? skipped = null)
    {
        var files = new List<string>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                // Every file counts: whether it is an image is decided from its content when it is read.
                var listing = FolderWalker.Walk(path, skipHidden: false);
                files.AddRange(listing.Files);
                foreach (var skip in listing.Skipped)
                {
                    skipped?.Add(skip);
                }
            }
            else if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
            {
                files.Add(path); // a dangling link or a special file: the reader says what it is
            }
            else
            {
                throw new TenniException($"'{path}' does not exist; expected an image file or a folder of images");
            }
        }

        return files;
    }
}
