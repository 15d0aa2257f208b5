namespace Tenni.Imaging;

/// <summary>Why a file is not used as an image.</summary>
public enum ImageProblemKind
{
    /// <summary>The file does not exist or cannot be opened.</summary>
    Unreadable,

    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>A system file such as Thumbs.db, desktop.ini or .DS_Store.</summary>
    SystemFile,

    /// <summary>The content is not a supported image format, whatever the file's name says.</summary>
    NotAnImage,

    /// <summary>The image data ends early.</summary>
    Truncated,

    /// <summary>The image data is damaged.</summary>
    Corrupt,

    /// <summary>The header claims more pixels than the limit (<see cref="ImageReader.DefaultMaxPixels"/>), or the file has more bytes than <see cref="ImageReader.DefaultMaxFileBytes"/>.</summary>
    TooLarge,

    /// <summary>A FIFO, device, socket or folder where an image file was expected: never opened.</summary>
    NotARegularFile,

    /// <summary>A link to a folder already listed (a loop back into the tree, or a second path to the same folder): not followed.</summary>
    LinkLoop,
}

/// <summary>A file that could not be used as an image: the kind of problem and a sentence for people.</summary>
public sealed record ImageProblem(ImageProblemKind Kind, string Message);
