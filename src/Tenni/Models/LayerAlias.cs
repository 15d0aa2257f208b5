namespace Tenni.Models;

/// <summary>A friendly layer name (Chainer's, e.g. <c>pool5</c>) bound to a tensor of the graph.</summary>
/// <param name="Name">The name users type.</param>
/// <param name="Tensor">The graph tensor it stands for.</param>
/// <param name="Flatten">Return it as [N, features] (Chainer's <c>pool5</c> is 2-D).</param>
public sealed record LayerAlias(string Name, string Tensor, bool Flatten = false);
