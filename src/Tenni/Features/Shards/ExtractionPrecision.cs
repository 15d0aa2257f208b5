namespace Tenni.Features;

/// <summary>
/// The numeric precision frozen layers run in when a store's rows are computed (<see cref="SourceModel.Precision"/>:
/// fp32 or bf16): recorded in every store, and a store refuses shards, or a training run, of another.
/// </summary>
internal static class ExtractionPrecision
{
    public static string Of(SourceModel source) => Models.PrecisionChoice.Name(source.Precision);
}
