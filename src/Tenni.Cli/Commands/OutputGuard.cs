namespace Tenni.Cli.Commands;

/// <summary>
/// Refuses outputs that would overwrite an input or land inside a data folder: Tenni never changes the
/// files it reads (<c>docs/security.md</c>). Paths are compared after resolving links, so a second name
/// for the same file is caught too.
/// </summary>
internal static class OutputGuard
{
    /// <summary>
    /// Throws when the file <paramref name="output"/> is one of <paramref name="inputs"/>, inside one of
    /// the input folders, or something a file cannot replace (a folder, a device, a FIFO): checked before
    /// any work, not after it.
    /// </summary>
    public static void Check(string output, string option, IEnumerable<string> inputs)
    {
        try
        {
            IO.AtomicFile.CheckTarget(output);
        }
        catch (TenniException e)
        {
            throw new TenniException($"{option}: {e.Message}");
        }

        CheckPlace(output, option, inputs);
    }

    /// <summary>Throws when the folder <paramref name="output"/> is an input or lies inside an input folder (existing or not).</summary>
    public static void CheckPlace(string output, string option, IEnumerable<string> inputs)
    {
        string target = Resolve(output);
        foreach (string input in inputs)
        {
            string source = Resolve(input);
            if (string.Equals(target, source, StringComparison.Ordinal))
            {
                throw new TenniException($"{option} '{output}' is also an input; Tenni never overwrites the files it reads: choose another path");
            }

            // A folder input that does not exist yet counts too: writing inside it would create it.
            if (!File.Exists(source) && target.StartsWith(source.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new TenniException($"{option} '{output}' is inside the data folder '{input}'; Tenni never writes into a data folder (the next scan would read it as data): choose a path outside it");
            }
        }
    }

    // The full path with every link on the way resolved (as far as the path exists).
    private static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string? existing = full;
        var rest = new Stack<string>();
        while (existing is not null && !File.Exists(existing) && !Directory.Exists(existing))
        {
            rest.Push(Path.GetFileName(existing));
            existing = Path.GetDirectoryName(existing);
        }

        if (existing is null)
        {
            return full;
        }

        string resolved = RealPath(existing);
        while (rest.Count > 0)
        {
            resolved = Path.Combine(resolved, rest.Pop());
        }

        return resolved;
    }

    private static string RealPath(string path)
    {
        string result = "/";
        foreach (string part in path.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(result, part);
            try
            {
                var info = new FileInfo(next);
                result = info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : next;
            }
            catch (IOException)
            {
                result = next; // a link loop: nothing can be written through it anyway
            }
        }

        return result;
    }
}
