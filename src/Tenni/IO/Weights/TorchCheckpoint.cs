namespace Tenni.IO.Weights;

/// <summary>
/// What both PyTorch formats share once the pickle is read: finding the state dict (the top-level dict,
/// or the one a training checkpoint wraps) and turning its tensors into arrays from loaded storages.
/// </summary>
internal static class TorchCheckpoint
{
    // Where training scripts commonly put the model's state dict next to optimizer state and epochs.
    private static readonly string[] WrapperKeys = ["state_dict", "model", "model_state_dict"];

    public static IReadOnlyList<(string Name, TorchTensor Tensor)> StateDict(object? root, string path)
    {
        if (root is PyDict top)
        {
            var tensors = Tensors(top);
            if (tensors.Count > 0)
            {
                return tensors;
            }

            foreach (string key in WrapperKeys)
            {
                if (top.TryGetValue(key, out object? inner) && inner is PyDict wrapped && Tensors(wrapped) is { Count: > 0 } found)
                {
                    return found;
                }
            }
        }

        throw new TenniException(
            $"'{path}' holds no tensors at its top level or under {string.Join(", ", WrapperKeys.Select(k => $"'{k}'"))}; "
            + "expected a state_dict saved with torch.save(model.state_dict(), path)");
    }

    /// <summary>The storages the tensors need, each once.</summary>
    public static IReadOnlyList<TorchStorage> Storages(IReadOnlyList<(string Name, TorchTensor Tensor)> tensors) =>
        tensors.Select(t => t.Tensor.Storage.Storage).Distinct().ToList();

    /// <summary>
    /// The tensors as arrays whose elements are read on first use. Every view is checked against its
    /// storage here, before anything is read: it must lie inside the storage and hold no more elements
    /// than the storage does (a stride-0 view of one element could otherwise claim billions).
    /// </summary>
    /// <param name="load">Reads the float32 elements of a floating storage; each storage is read once.</param>
    public static WeightSet Arrays(IReadOnlyList<(string Name, TorchTensor Tensor)> tensors, Func<TorchStorage, float[]> load)
    {
        var arrays = new WeightSet();
        var loaded = new Dictionary<TorchStorage, float[]>();
        var handedOut = new HashSet<TorchStorage>();
        foreach (var (name, tensor) in tensors)
        {
            var storage = tensor.Storage.Storage;
            long offset = tensor.Storage.Offset + tensor.Offset;
            StridedView.CheckBounds(storage.Count, offset, tensor.Shape, tensor.Strides, $"tensor '{name}'");
            long count = StridedView.Count(tensor.Shape);
            if (count > storage.Count)
            {
                throw new FormatException(
                    $"tensor '{name}' of shape [{string.Join(", ", tensor.Shape)}] has {count} elements but its storage holds {storage.Count}; "
                    + "a state dict's tensors never repeat elements (stride 0)");
            }

            arrays[name] = new WeightArray(name, tensor.Shape, storage.DType, () =>
            {
                if (!loaded.TryGetValue(storage, out float[]? source))
                {
                    source = loaded[storage] = load(storage);
                }

                // A tensor that is its whole storage (the usual case) takes the storage's array as is;
                // a second tensor on the same storage gets its own copy, so no two arrays alias.
                bool whole = offset == 0 && count == source.Length && StridedView.IsContiguous(tensor.Shape, tensor.Strides);
                return whole && handedOut.Add(storage) ? source : StridedView.Gather(source, offset, tensor.Shape, tensor.Strides);
            });
        }

        return arrays;
    }

    private static List<(string Name, TorchTensor Tensor)> Tensors(PyDict dict) =>
        dict.Where(kv => kv.Value is TorchTensor).Select(kv => (kv.Key.ToString() ?? "", (TorchTensor)kv.Value!)).ToList();
}
