namespace Tenni.IO;

/// <summary>
/// Reads a regular file's bytes, never more than a limit: the size a file reports (0 for /proc files,
/// the link's own size through some APIs) is not trusted, the bytes actually read are counted.
/// </summary>
internal static class BoundedFile
{
    /// <exception cref="TenniException">The file holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static byte[] Read(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new TenniException($"'{path}' holds more than {maxBytes:N0} bytes, the most this file may have");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The file's lines, each at most <paramref name="maxLineChars"/> long, the whole at most <paramref name="maxBytes"/>.</summary>
    public static IEnumerable<string> ReadLines(string path, long maxBytes, int maxLineChars)
    {
        if (RegularFile.Require(path, "list", "expected a text file written by Tenni").Size > maxBytes)
        {
            throw new TenniException($"'{path}' has more than {maxBytes:N0} bytes, the most a Tenni list may have");
        }

        using var reader = new StreamReader(path);
        var line = new System.Text.StringBuilder();
        int c;
        long total = 0;
        while ((c = reader.Read()) >= 0)
        {
            if (++total > maxBytes)
            {
                throw new TenniException($"'{path}' has more than {maxBytes:N0} characters, the most a Tenni list may have");
            }

            if (c == '\n')
            {
                yield return line.ToString();
                line.Clear();
            }
            else if (line.Length >= maxLineChars)
            {
                throw new TenniException($"'{path}' has a line longer than {maxLineChars:N0} characters; a Tenni list's lines are shorter");
            }
            else
            {
                line.Append((char)c);
            }
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
