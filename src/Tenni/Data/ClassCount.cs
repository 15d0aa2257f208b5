namespace Tenni.Data;

/// <summary>Images kept and files found in one class folder.</summary>
public sealed record ClassCount(string Name, int Label, int Images, int Files);
