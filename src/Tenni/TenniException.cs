namespace Tenni;

/// <summary>
/// A problem with the user's input (a file, a name, an option) that Tenni can explain in one line:
/// what was received and what would be valid. The command line prints the message alone and exits with 2.
/// </summary>
public sealed class TenniException : Exception
{
    public TenniException(string message)
        : base(message)
    {
    }

    public TenniException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
