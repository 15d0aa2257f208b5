namespace Tenni.IO.Weights;

/// <summary>A Python global (module, name) that passed the allow-list.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A Python dict or <c>collections.OrderedDict</c>, in insertion order; None keys become <see cref="NoneKey"/>.</summary>
internal sealed class PyDict() : OrderedDictionary<object, object?>()
{
    public static readonly object NoneKey = new();
}

/// <summary>A PyTorch storage: the raw elements saved once under <paramref name="Key"/> (zip: data/KEY).</summary>
internal sealed record TorchStorage(string Key, string DType, long Count);

/// <summary>What a persistent id resolves to: a storage, or (legacy files) a view starting <paramref name="Offset"/> elements into one.</summary>
internal sealed record TorchStorageSlice(TorchStorage Storage, long Offset);

/// <summary>A tensor rebuilt by <c>torch._utils._rebuild_tensor(_v2)</c>: a strided view of a storage, read later.</summary>
internal sealed record TorchTensor(TorchStorageSlice Storage, long Offset, long[] Shape, long[] Strides);
