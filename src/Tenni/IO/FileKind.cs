namespace Tenni.IO;

/// <summary>What a path is, as <c>stat(2)</c> says: only <see cref="Regular"/> files are ever opened for reading.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Unknown,
}
