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

    /// <summary>The header claims more pixels than <see cref="ImageReader.DefaultMaxPixels"/>.</summary>
    TooLarge,
}

/// <summary>A file that could not be used as an image: the kind of problem and a sentence for people.</summary>
public sealed record ImageProblem(ImageProblemKind Kind, string Message);
