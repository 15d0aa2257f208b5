namespace Tenni.Features;

/// <summary>
/// The numeric precision frozen layers run in when a store's rows are computed: recorded in every
/// store, and a store refuses shards of another. The one place it is read from.
/// </summary>
internal static class ExtractionPrecision
{
    // Issue 14 adds --precision auto|fp32|bf16 (and makes it part of the activation cache's key); until
    // it is merged every forward pass is fp32. Wire this to the resolved SourceModelOptions precision then.
    public static string Current => "fp32";
}
