namespace Tenni.Data;

/// <summary>Files with identical bytes; <paramref name="AcrossClasses"/>: the same picture carries two labels.</summary>
public sealed record DuplicateGroup(string ContentHash, IReadOnlyList<string> Paths, bool AcrossClasses);
