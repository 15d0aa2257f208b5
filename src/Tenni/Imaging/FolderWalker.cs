using Tenni.Data;
using Tenni.IO;

namespace Tenni.Imaging;

/// <summary>
/// Lists every file under a folder, recursively, for every place that walks a folder of images
/// (<see cref="ImageFiles"/>, <see cref="ImageFolder.Scan"/>'s class folders). Links to files are
/// listed (the reader then opens regular files only); links to folders are followed unless they lead
/// to a folder already listed, found by identity (device and inode), which stops loops and lists each
/// folder once; links that lead out of the walked folder are followed and reported. Special files are
/// listed so the reader can say what they are; nothing here opens a file.
/// </summary>
internal static class FolderWalker
{
    /// <summary>
    /// Files in ordinal path order, links not followed (with the reason), and links leading outside
    /// <paramref name="boundary"/> (the data folder; default: <paramref name="root"/>).
    /// </summary>
    public static FolderListing Walk(string root, bool skipHidden, string? boundary = null)
    {
        string fullRoot = Path.GetFullPath(root);
        string fullBoundary = Path.GetFullPath(boundary ?? root);
        var files = new List<string>();
        var skipped = new List<SkippedImage>();
        var outside = new List<string>();
        var listed = new Dictionary<FileIdentity, string>();

        // A link to a folder above the root (the data folder, "..") is a loop too.
        for (string? above = Path.GetDirectoryName(fullRoot); above is not null; above = Path.GetDirectoryName(above))
        {
            listed.TryAdd(FileStatus.Of(above).Identity, above);
        }

        // The root itself may be a link: to a folder above it ("cat -> /") or into /proc, /sys or /dev
        // it would walk the whole machine.
        var rootIdentity = FileStatus.Of(root).Identity;
        if (listed.TryGetValue(rootIdentity, out string? containing) || SystemFolder(root) is not null)
        {
            string why = containing is not null ? $"'{containing}', a folder that contains it (a loop)" : $"'{SystemFolder(root)}', a system folder";
            return new FolderListing([], [new SkippedImage(root, ImageProblemKind.LinkLoop, $"'{root}' leads to {why}; not walked")], []);
        }

        listed[rootIdentity] = root;

        var links = new SortedSet<string>(StringComparer.Ordinal);

        // Real folders first, so a link is what gets skipped when a link and a real folder name the same files.
        var pending = new Stack<string>([root]);
        while (true)
        {
            while (pending.TryPop(out string? folder))
            {
                List(folder, pending, links);
            }

            if (links.Count == 0)
            {
                break;
            }

            string link = links.Min!;
            links.Remove(link);
            var target = FileStatus.Of(link);
            if (listed.TryGetValue(target.Identity, out string? first))
            {
                string why = IsAncestor(first, link) ? "a folder that contains it (a loop)" : $"a folder already listed as '{first}'";
                skipped.Add(new SkippedImage(link, ImageProblemKind.LinkLoop, $"'{link}' links to {why}; not followed"));
                continue;
            }

            if (SystemFolder(link) is { } system)
            {
                skipped.Add(new SkippedImage(link, ImageProblemKind.NotARegularFile, $"'{link}' links to '{system}', a system folder (/proc, /sys, /dev); not followed"));
                continue;
            }

            listed[target.Identity] = link;
            NoteIfOutside(link);
            pending.Push(link);
        }

        files.Sort(StringComparer.Ordinal);
        skipped.Sort((a, b) => StringComparer.Ordinal.Compare(a.Path, b.Path));
        outside.Sort(StringComparer.Ordinal);
        return new FolderListing(files, skipped, outside);

        void List(string folder, Stack<string> folders, SortedSet<string> folderLinks)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false }).ToArray();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add(new SkippedImage(folder, ImageProblemKind.Unreadable, $"folder '{folder}' cannot be listed ({e.Message})"));
                return;
            }

            foreach (var entry in entries)
            {
                string path = Path.Combine(folder, entry.Name);
                if (skipHidden && entry.Name.StartsWith('.'))
                {
                    continue;
                }

                if (entry.LinkTarget is not null)
                {
                    if (FileStatus.Of(path).Kind == FileKind.Directory)
                    {
                        folderLinks.Add(path);
                    }
                    else
                    {
                        NoteIfOutside(path);
                        files.Add(path);
                    }
                }
                else if (entry is DirectoryInfo)
                {
                    var status = FileStatus.Of(path, followLinks: false);
                    if (listed.TryAdd(status.Identity, path))
                    {
                        folders.Push(path);
                    }
                    else
                    {
                        // Only a bind mount gives a real folder a second path.
                        skipped.Add(new SkippedImage(path, ImageProblemKind.LinkLoop, $"'{path}' is a folder already listed as '{listed[status.Identity]}'; not listed again"));
                    }
                }
                else
                {
                    files.Add(path);
                }
            }
        }

        // The resolved path when it lies in /proc, /sys or /dev (kernel views, endless or huge), else null.
        static string? SystemFolder(string path)
        {
            string real;
            try
            {
                real = new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            }
            catch (IOException)
            {
                return null;
            }

            return new[] { "/proc", "/sys", "/dev" }.Any(p => real == p || real.StartsWith(p + "/", StringComparison.Ordinal)) ? real : null;
        }

        void NoteIfOutside(string link)
        {
            string? target;
            try
            {
                target = new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            }
            catch (IOException)
            {
                return; // a chain of links that loops: the reader reports it
            }

            if (target is not null && !IsAncestor(fullBoundary, target))
            {
                outside.Add($"{link} -> {target}");
            }
        }
    }

    private static bool IsAncestor(string folder, string path)
    {
        string a = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string b = Path.GetFullPath(path);
        return b == a || b.StartsWith(a + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
