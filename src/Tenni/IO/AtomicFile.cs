namespace Tenni.IO;

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see half a file.</summary>
internal static class AtomicFile
{
    /// <param name="durable">Flush to the disk before the rename (a model, a log: survives a power cut). A
    /// file that proves itself on reading (a cache row with its checksum, recomputed when damaged) skips
    /// it: one fsync per cached image cost more than the image's forward pass.</param>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        string full = CheckTarget(path);
        string temp = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenniException($"cannot write '{path}' ({e.Message}); expected a path in a folder you can write", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// The full path to write, after checking what is there now: nothing, or a regular file (replaced
    /// by the rename). A rename over a device node, FIFO or folder would replace it (/dev/null became a
    /// 63 MB file), so those are refused, as is a folder that does not exist.
    /// </summary>
    public static string CheckTarget(string path)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new TenniException($"cannot write '{path}': folder '{folder}' does not exist");
        }

        var status = FileStatus.Of(full, followLinks: false);
        if (status.Kind is not (FileKind.Missing or FileKind.Regular or FileKind.SymbolicLink))
        {
            throw new TenniException($"cannot write '{path}': it is {RegularFile.Name(status.Kind)}, not a regular file; expected a file path");
        }

        if (Path.GetFileName(full).Length > 200)
        {
            throw new TenniException($"cannot write '{path}': the file name has {Path.GetFileName(full).Length} characters; at most 200 leave room for the temporary name beside it");
        }

        return full;
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });
}
