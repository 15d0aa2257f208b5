namespace Tenni.IO.Weights;

/// <summary>The kinds of pretrained weight file Tenni recognizes by their content.</summary>
internal enum WeightFormat
{
    /// <summary>An ONNX model (a protobuf ModelProto); its initializers are read by the ONNX importer.</summary>
    Onnx,

    /// <summary>A PyTorch checkpoint written by <c>torch.save</c> since 1.6: a zip of <c>data.pkl</c> and raw storages.</summary>
    TorchZip,

    /// <summary>A PyTorch checkpoint written before 1.6: pickles followed by raw storages (torchvision's older files).</summary>
    TorchLegacy,

    /// <summary>A PyTorch checkpoint written before 0.1.10: a tar of pickles and raw storages (torchvision's first ResNet files).</summary>
    TorchTar,

    /// <summary>A <c>.safetensors</c> file: a JSON header and raw little-endian data.</summary>
    Safetensors,

    /// <summary>A NumPy <c>.npz</c> (a zip of <c>.npy</c> arrays), as Chainer's <c>save_npz</c> writes.</summary>
    NumpyNpz,
}
