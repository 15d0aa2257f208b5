namespace Tenni.IO;

/// <summary>
/// The check every reader of a named file makes before opening it: it must be a regular file. A FIFO
/// blocks forever in open(2) and a device such as /dev/zero never ends, so neither may be opened, and
/// a folder or a missing path gets a message saying what was expected instead.
/// </summary>
internal static class RegularFile
{
    /// <summary>The status of <paramref name="path"/> (links followed), or <see cref="TenniException"/> unless it is a regular file.</summary>
    /// <param name="what">What the file should be, for the message: "weight file", "model file".</param>
    public static FileStatus Require(string path, string what, string expected)
    {
        var status = FileStatus.Of(path);
        if (status.Kind == FileKind.Regular)
        {
            return status;
        }

        throw new TenniException(status.Kind switch
        {
            FileKind.Missing => $"{what} '{path}' does not exist; {expected}",
            FileKind.Directory => $"{what} '{path}' is a folder; {expected}",
            _ => $"{what} '{path}' is {Name(status.Kind)}, not a regular file, and is not opened; {expected}",
        });
    }

    /// <summary>"a FIFO (named pipe)", "a character device", … for messages.</summary>
    public static string Name(FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Directory => "a folder",
        _ => "a special file",
    };
}
