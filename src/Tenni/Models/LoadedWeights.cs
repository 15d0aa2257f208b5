using Onnx;

namespace Tenni.Models;

/// <summary>A weights file turned into the ONNX model Tenni runs.</summary>
/// <param name="Model">The graph with its weights (an ONNX file as read, or an architecture written with the file's tensors).</param>
/// <param name="Family">The weight family, which fixes the default preprocessing.</param>
/// <param name="Format">The file's format in words ("ONNX", "PyTorch checkpoint (zip)", "Chainer .npz", …).</param>
internal sealed record LoadedWeights(ModelProto Model, WeightFamily? Family, string Format);
