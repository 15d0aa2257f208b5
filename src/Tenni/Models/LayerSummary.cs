namespace Tenni.Models;

/// <summary>One row of <c>tenni layers</c>: a friendly layer, its output shape for one image, and the parameters it adds.</summary>
public sealed record LayerSummary(string Name, string Tensor, IReadOnlyList<long> OutputShape, long Parameters, bool Trainable);
