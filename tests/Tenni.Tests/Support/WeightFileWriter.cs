using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Tenni.Tests.Support;

/// <summary>
/// Writes weight files byte by byte as the real tools do — numpy.savez(_compressed) (Chainer's save_npz),
/// torch.save in its zip (≥ 1.6) and legacy (&lt; 1.6) formats, and safetensors — without Tenni's readers,
/// so that reading them back is an independent check. The torch pickles follow CPython's pickle.py at
/// protocol 2, torch.save's default: same opcodes, same memo numbering.
/// </summary>
internal static class WeightFileWriter
{
    private static readonly BigInteger TorchMagic = BigInteger.Parse("01950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    /// <summary>A torch storage: <paramref name="Type"/> is the torch class name, e.g. "FloatStorage".</summary>
    public sealed record Storage(string Key, string Type, long Count, byte[] Bytes)
    {
        public static Storage Of(string key, float[] values) => new(key, "FloatStorage", values.Length, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

        public static Storage OfLong(string key, params long[] values) => new(key, "LongStorage", values.Length, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    /// <summary>
    /// A tensor as torch pickles it: a view (offset, size, stride in elements) of a storage. Legacy files
    /// (before torch 0.4) could also pickle a storage view: <paramref name="StorageView"/> starts Offset
    /// elements into the root storage.
    /// </summary>
    public sealed record Tensor(Storage Storage, long Offset, long[] Shape, long[] Stride, string Rebuild = "_rebuild_tensor_v2", (string Key, long Offset, long Count)? StorageView = null)
    {
        public static Tensor Whole(Storage storage, long[] shape) => new(storage, 0, shape, ContiguousStrides(shape));
    }

    /// <summary>A collections.OrderedDict; a state dict also carries a _metadata attribute (set by BUILD).</summary>
    public sealed record OrderedDict(IReadOnlyList<(object Key, object? Value)> Items, bool Metadata = false);

    public sealed record Dict(IReadOnlyList<(object Key, object? Value)> Items);

    /// <summary>A class named in a pickle without being called (torch.FloatStorage, torch.FloatTensor).</summary>
    public sealed record Class(string Module, string Name);

    /// <summary>A persistent id as the tar format's pickle writes it: the tensor's key as a string.</summary>
    public sealed record PersistentId(string Key);

    /// <summary>A call the pickle asks the loader to make, e.g. os.system("...").</summary>
    public sealed record Call(string Module, string Name, params object?[] Args);

    public static void WriteNpz(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> arrays, bool compressed = true, IEnumerable<(string Name, long Value)>? int64Scalars = null, bool fortranOrder = false)
    {
        using var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        var level = compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression;
        foreach (var (name, shape, values) in arrays)
        {
            // A Fortran-order array's data is its transpose's C-order data.
            float[] data = fortranOrder && shape.Length > 1 ? Transpose(values, shape) : values;
            WriteMember(archive, name + ".npy", level, Npy("<f4", fortranOrder && shape.Length > 1, shape, MemoryMarshal.AsBytes(data.AsSpan())));
        }

        foreach (var (name, value) in int64Scalars ?? [])
        {
            WriteMember(archive, name + ".npy", level, Npy("<i8", false, [], BitConverter.GetBytes(value)));
        }
    }

    public static void WriteTorchZip(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors, string archiveName = "archive", IEnumerable<(string Name, long Value)>? int64Scalars = null) =>
        WriteTorchZipPickle(path, StateDict(tensors, int64Scalars), archiveName);

    /// <summary>torch.save (≥ 1.6) of any object built from the records above.</summary>
    public static void WriteTorchZipPickle(string path, object? root, string archiveName = "archive")
    {
        var pickler = new Pickler(legacy: false);
        byte[] pickle = pickler.Dump(root);
        using var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        WriteMember(archive, $"{archiveName}/data.pkl", CompressionLevel.NoCompression, pickle);
        WriteMember(archive, $"{archiveName}/byteorder", CompressionLevel.NoCompression, "little"u8.ToArray());
        foreach (var storage in pickler.Storages)
        {
            WriteMember(archive, $"{archiveName}/data/{storage.Key}", CompressionLevel.NoCompression, storage.Bytes);
        }

        WriteMember(archive, $"{archiveName}/version", CompressionLevel.NoCompression, "3\n"u8.ToArray());
        WriteMember(archive, $"{archiveName}/.data/serialization_id", CompressionLevel.NoCompression, "1234567890123456789012345678901234567890"u8.ToArray());
    }

    public static void WriteTorchLegacy(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors) =>
        WriteTorchLegacyPickle(path, StateDict(tensors, null));

    /// <summary>torch.save before 1.6 (_legacy_save): magic, protocol, sys_info, object, sorted keys, then each storage.</summary>
    public static void WriteTorchLegacyPickle(string path, object? root)
    {
        using var file = File.Create(path);
        file.Write(new Pickler(legacy: true).Dump(TorchMagic));
        file.Write(new Pickler(legacy: true).Dump(1001L));
        var typeSizes = new Dict([("short", 2L), ("int", 4L), ("long", 4L)]);
        file.Write(new Pickler(legacy: true).Dump(new Dict([("protocol_version", 1001L), ("little_endian", true), ("type_sizes", typeSizes)])));
        var pickler = new Pickler(legacy: true);
        file.Write(pickler.Dump(root));
        var storages = pickler.Storages.OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        file.Write(new Pickler(legacy: true).Dump(storages.Select(s => (object?)s.Key).ToList()));
        foreach (var storage in storages)
        {
            file.Write(BitConverter.GetBytes(storage.Count));
            file.Write(storage.Bytes);
        }
    }

    /// <summary>
    /// torch.save before 0.1.10 (torch/serialization.py's tar _save, as legacy_load reads it back) under Python 2:
    /// a PAX tar of sys_info, pickle (the state dict; tensors as persistent ids str(key)), tensors and storages.
    /// Keys are the C pointers torch used, large ints pickled as text (Python 2's INT opcode). With
    /// <paramref name="sharedStorage"/>, every tensor's storage is a view into one root storage: _save writes the
    /// root and each view (with its own copy of the elements), then the list (view, root, offset, count).
    /// With <paramref name="cuda"/>, a GPU state dict: tensor classes torch.cuda.*, location "cuda:0".
    /// </summary>
    public static void WriteTorchTar(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors, bool sharedStorage = false, bool cuda = false)
    {
        var list = tensors.ToList();
        static long TensorKey(int i) => 94_100_000_000 + (64L * i);
        static long StorageKey(int i) => 94_900_000_000 + (64L * i);
        const long RootKey = 95_500_000_000;
        static Pickler Py2() => new(legacy: true, python2: true);
        var items = list.Select((t, i) => ((object)t.Name, (object?)new PersistentId(TensorKey(i).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();
        var typeSizes = new Dict([("short", 2L), ("int", 4L), ("long", 8L)]);
        byte[] sysInfo = Py2().Dump(new Dict([("protocol_version", 1000L), ("little_endian", true), ("type_sizes", typeSizes)]));
        byte[] pickle = Py2().Dump(new OrderedDict(items));

        var tensorSection = new MemoryStream();
        tensorSection.Write(Py2().Dump((long)list.Count));
        for (int i = 0; i < list.Count; i++)
        {
            long[] shape = list[i].Shape;
            tensorSection.Write(Py2().Dump(new object?[] { TensorKey(i), StorageKey(i), new Class(cuda ? "torch.cuda" : "torch", "FloatTensor") }));
            tensorSection.Write(BitConverter.GetBytes((long)shape.Length)); // ndim: an int32 and 4 bytes legacy_load skips
            foreach (long d in shape.Concat(ContiguousStrides(shape)).Append(0L))
            {
                tensorSection.Write(BitConverter.GetBytes(d));
            }
        }

        var storages = list.Select((t, i) => (Key: StorageKey(i), t.Values)).ToList();
        var views = new List<object?>();
        if (sharedStorage)
        {
            long offset = 0;
            foreach (var (key, values) in storages)
            {
                views.Add(new object?[] { key, RootKey, offset, (long)values.Length });
                offset += values.Length;
            }

            storages.Add((RootKey, list.SelectMany(t => t.Values).ToArray()));
        }

        var storageSection = new MemoryStream();
        storageSection.Write(Py2().Dump((long)storages.Count));
        foreach (var (key, values) in storages)
        {
            storageSection.Write(Py2().Dump(new object?[] { key, cuda ? "cuda:0" : "cpu", new Class("torch", "FloatStorage") }));
            storageSection.Write(BitConverter.GetBytes((long)values.Length));
            storageSection.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        storageSection.Write(Py2().Dump(views));
        using var tar = new System.Formats.Tar.TarWriter(File.Create(path), System.Formats.Tar.TarEntryFormat.Pax);
        foreach (var (name, bytes) in new[] { ("sys_info", sysInfo), ("pickle", pickle), ("tensors", tensorSection.ToArray()), ("storages", storageSection.ToArray()) })
        {
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }
    }

    /// <summary>The legacy format (&lt; 1.6) as Python 2 pickled it: OrderedDict.__reduce__ gives [[key, value], …], keys are byte strings.</summary>
    public static void WriteTorchLegacyPython2(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors)
    {
        using var file = File.Create(path);
        file.Write(new Pickler(legacy: true, python2: true).Dump(TorchMagic));
        file.Write(new Pickler(legacy: true, python2: true).Dump(1001L));
        file.Write(new Pickler(legacy: true, python2: true).Dump(new Dict([("protocol_version", 1001L), ("little_endian", true)])));
        var pickler = new Pickler(legacy: true, python2: true);
        file.Write(pickler.Dump(StateDict(tensors, null) with { Metadata = false }));
        var storages = pickler.Storages.OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        file.Write(new Pickler(legacy: true, python2: true).Dump(storages.Select(s => (object?)s.Key).ToList()));
        foreach (var storage in storages)
        {
            file.Write(BitConverter.GetBytes(storage.Count));
            file.Write(storage.Bytes);
        }
    }

    /// <summary>safetensors' save_file: dtype "F32", "F16", "BF16" or "F64" for the float tensors.</summary>
    public static void WriteSafetensors(string path, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors, string dtype = "F32", IEnumerable<(string Name, long Value)>? int64Scalars = null)
    {
        var items = tensors.Select(t => (t.Name, t.Shape, DType: dtype, Bytes: Encode(t.Values, dtype)))
            .Concat((int64Scalars ?? []).Select(s => (s.Name, Shape: Array.Empty<long>(), DType: "I64", Bytes: BitConverter.GetBytes(s.Value))))
            .ToList();
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var (name, shape, type, bytes) in items)
        {
            json.Append($",\"{name.Replace("\\", "\\\\").Replace("\"", "\\\"")}\":{{\"dtype\":\"{type}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes.Length}]}}");
            offset += bytes.Length;
        }

        json.Append('}');
        while (json.Length % 8 != 0)
        {
            json.Append(' ');
        }

        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)json.Length));
        file.Write(Encoding.UTF8.GetBytes(json.ToString()));
        foreach (var item in items)
        {
            file.Write(item.Bytes);
        }
    }

    /// <summary>A state dict as model.state_dict() returns it: storages "0", "1", … in order, and _metadata.</summary>
    public static OrderedDict StateDict(IEnumerable<(string Name, long[] Shape, float[] Values)> tensors, IEnumerable<(string Name, long Value)>? int64Scalars)
    {
        var items = new List<(object, object?)>();
        foreach (var (name, shape, values) in tensors)
        {
            items.Add((name, Tensor.Whole(Storage.Of(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), values), shape)));
        }

        foreach (var (name, value) in int64Scalars ?? [])
        {
            items.Add((name, Tensor.Whole(Storage.OfLong(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), value), [])));
        }

        return new OrderedDict(items, Metadata: true);
    }

    public static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= shape[d];
        }

        return strides;
    }

    private static void WriteMember(ZipArchive archive, string name, CompressionLevel level, byte[] bytes)
    {
        using var stream = archive.CreateEntry(name, level).Open();
        stream.Write(bytes);
    }

    // numpy.lib.format.write_array, format 1.0: the header dict padded with spaces so data starts at a multiple of 64.
    private static byte[] Npy(string descr, bool fortran, long[] shape, ReadOnlySpan<byte> data)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int padding = 64 - ((10 + dict.Length + 1) % 64);
        string header = dict + new string(' ', padding % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0]);
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data.ToArray());
        return bytes.ToArray();
    }

    private static float[] Transpose(float[] values, long[] shape)
    {
        long[] strides = ContiguousStrides(shape);
        var result = new float[values.Length];
        for (int f = 0; f < values.Length; f++)
        {
            // f walks the array in column-major order: the first index fastest.
            long rest = f;
            long c = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                c += rest % shape[d] * strides[d];
                rest /= shape[d];
            }

            result[f] = values[c];
        }

        return result;
    }

    private static byte[] Encode(float[] values, string dtype) => dtype switch
    {
        "F32" => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
        "F16" => values.SelectMany(v => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)v))).ToArray(),
        "BF16" => values.SelectMany(v => BitConverter.GetBytes(BFloat16(v))).ToArray(),
        "F64" => values.SelectMany(v => BitConverter.GetBytes((double)v)).ToArray(),
        _ => throw new ArgumentException($"dtype {dtype}: F32, F16, BF16 or F64"),
    };

    // Round to nearest even, as torch's float → bfloat16 conversion does.
    private static ushort BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7fff + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    private sealed record StorageWithView(Storage Root, (string Key, long Offset, long Count) View);

    /// <summary>
    /// CPython's pickle._Pickler at protocol 2, with torch.save's persistent_id for storages; with
    /// <paramref name="python2"/>, Python 2.7's: str as byte strings, ints beyond 32 bits as text,
    /// OrderedDict reduced to its [key, value] pairs.
    /// </summary>
    private sealed class Pickler(bool legacy, bool python2 = false)
    {
        private readonly MemoryStream _out = new();
        private readonly Dictionary<object, int> _memo = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal); // interned strings share one memo entry
        private readonly Dictionary<string, int> _globals = new(StringComparer.Ordinal);

        public List<Storage> Storages { get; } = [];

        public byte[] Dump(object? root)
        {
            _out.Write([0x80, 2]); // PROTO 2
            Save(root);
            _out.WriteByte((byte)'.'); // STOP
            return _out.ToArray();
        }

        private void Save(object? obj)
        {
            // pickle.py looks every object up in the memo first; only the same object is found again.
            if (obj is object?[] or List<object?> or Dict or OrderedDict or Tensor or Call && _memo.TryGetValue(obj, out int seen))
            {
                Get(seen);
                return;
            }

            switch (obj)
            {
                case Storage storage:
                    SavePersistentId(storage, null);
                    break;
                case StorageWithView storageView:
                    SavePersistentId(storageView.Root, storageView.View);
                    break;
                case null:
                    _out.WriteByte((byte)'N');
                    break;
                case bool b:
                    _out.WriteByte(b ? (byte)0x88 : (byte)0x89);
                    break;
                case long or int or BigInteger:
                    SaveLong(obj is BigInteger big ? big : Convert.ToInt64(obj, System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case string s when _strings.TryGetValue(s, out int index):
                    Get(index);
                    break;
                case string s when python2:
                    byte[] raw = Encoding.Latin1.GetBytes(s);
                    if (raw.Length < 256)
                    {
                        _out.Write([(byte)'U', (byte)raw.Length]); // SHORT_BINSTRING
                    }
                    else
                    {
                        _out.WriteByte((byte)'T'); // BINSTRING
                        _out.Write(BitConverter.GetBytes(raw.Length));
                    }

                    _out.Write(raw);
                    _strings[s] = Memoize(s);
                    break;
                case string s:
                    byte[] utf8 = Encoding.UTF8.GetBytes(s);
                    _out.WriteByte((byte)'X'); // BINUNICODE
                    _out.Write(BitConverter.GetBytes(utf8.Length));
                    _out.Write(utf8);
                    _strings[s] = Memoize(s);
                    break;
                case object?[] tuple:
                    SaveTuple(tuple);
                    break;
                case List<object?> list:
                    _out.WriteByte((byte)']'); // EMPTY_LIST
                    Memoize(list);
                    Batch(list.Select(i => new[] { i }).ToList(), 'a', 'e');
                    break;
                case Dict dict:
                    _out.WriteByte((byte)'}'); // EMPTY_DICT
                    Memoize(dict);
                    Batch(dict.Items.Select(kv => new[] { kv.Key, kv.Value }).ToList(), 's', 'u');
                    break;
                case OrderedDict ordered when python2:
                    // Python 2.7's OrderedDict.__reduce__: (OrderedDict, ([[key, value], …],)).
                    var pairs = ordered.Items.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList();
                    SaveReduce("collections", "OrderedDict", [pairs], ordered, null, null);
                    break;
                case OrderedDict ordered:
                    // OrderedDict.__reduce__: (OrderedDict, (), vars(self) or None, None, iter(items))
                    var metadata = new OrderedDict([("", new Dict([("version", 1L)]))]);
                    SaveReduce("collections", "OrderedDict", [], ordered, ordered.Items, ordered.Metadata ? new Dict([("_metadata", metadata)]) : null);
                    break;
                case Tensor { StorageView: not null } t when !legacy:
                    throw new ArgumentException("storage views exist in legacy files only");
                case Tensor t:
                    object? storageArg = t.StorageView is null ? t.Storage : new StorageWithView(t.Storage, t.StorageView.Value);
                    object?[] args = t.Rebuild == "_rebuild_tensor"
                        ? [storageArg, t.Offset, Tuple(t.Shape), Tuple(t.Stride)]
                        : [storageArg, t.Offset, Tuple(t.Shape), Tuple(t.Stride), false, new OrderedDict([])];
                    SaveReduce("torch._utils", t.Rebuild, args, t, null, null);
                    break;
                case Call call:
                    SaveReduce(call.Module, call.Name, call.Args, call, null, null);
                    break;
                case Class cls:
                    SaveGlobal(cls.Module, cls.Name);
                    break;
                case PersistentId pid:
                    Save(pid.Key);
                    _out.WriteByte((byte)'Q'); // BINPERSID
                    break;
                default:
                    throw new ArgumentException($"cannot pickle {obj.GetType().Name}");
            }
        }

        // torch.save's persistent_id: ('storage', storage_type, key, location, numel) plus view_metadata in legacy files.
        private void SavePersistentId(Storage storage, (string Key, long Offset, long Count)? view)
        {
            if (!Storages.Any(s => s.Key == storage.Key))
            {
                Storages.Add(storage);
            }

            object?[] pid = legacy
                ? ["storage", new Call("torch", storage.Type), storage.Key, "cpu", storage.Count, view is { } v ? new object?[] { v.Key, v.Offset, v.Count } : null]
                : ["storage", new Call("torch", storage.Type), storage.Key, "cpu", storage.Count];
            SaveTuple(pid, globalsAsClasses: true);
            _out.WriteByte((byte)'Q'); // BINPERSID
        }

        private void SaveReduce(string module, string name, object?[] args, object obj, IReadOnlyList<(object Key, object? Value)>? dictItems, Dict? state)
        {
            SaveGlobal(module, name);
            SaveTuple(args);
            _out.WriteByte((byte)'R'); // REDUCE
            Memoize(obj);
            if (dictItems is not null)
            {
                Batch(dictItems.Select(kv => new[] { kv.Key, kv.Value }).ToList(), 's', 'u');
            }

            if (state is not null)
            {
                Save(state);
                _out.WriteByte((byte)'b'); // BUILD
            }
        }

        private void SaveGlobal(string module, string name)
        {
            string key = $"{module}\n{name}\n";
            if (_globals.TryGetValue(key, out int index))
            {
                Get(index);
                return;
            }

            _out.WriteByte((byte)'c'); // GLOBAL
            _out.Write(Encoding.ASCII.GetBytes(key));
            _globals[key] = Memoize(key);
        }

        private void SaveTuple(object?[] tuple, bool globalsAsClasses = false)
        {
            void Element(object? e)
            {
                // A storage class inside a persistent id is the class itself, not a call to it.
                if (globalsAsClasses && e is Call { Args.Length: 0 } cls)
                {
                    SaveGlobal(cls.Module, cls.Name);
                }
                else
                {
                    Save(e);
                }
            }

            if (tuple.Length == 0)
            {
                _out.WriteByte((byte)')'); // EMPTY_TUPLE
                return;
            }

            if (tuple.Length <= 3)
            {
                foreach (object? e in tuple)
                {
                    Element(e);
                }

                _out.WriteByte((byte)(0x84 + tuple.Length)); // TUPLE1..3
            }
            else
            {
                _out.WriteByte((byte)'('); // MARK
                foreach (object? e in tuple)
                {
                    Element(e);
                }

                _out.WriteByte((byte)'t'); // TUPLE
            }

            Memoize(tuple);
        }

        // _batch_appends / _batch_setitems: one item with APPEND/SETITEM, more inside MARK … APPENDS/SETITEMS.
        private void Batch(List<object?[]> items, char single, char many)
        {
            for (int start = 0; start < items.Count; start += 1000)
            {
                var batch = items.Skip(start).Take(1000).ToList();
                if (batch.Count > 1)
                {
                    _out.WriteByte((byte)'(');
                }

                foreach (object? part in batch.SelectMany(i => i))
                {
                    Save(part);
                }

                _out.WriteByte((byte)(batch.Count > 1 ? many : single));
            }
        }

        private void SaveLong(BigInteger value)
        {
            if (value >= 0 && value <= 0xff)
            {
                _out.Write([(byte)'K', (byte)value]); // BININT1
            }
            else if (value >= 0 && value <= 0xffff)
            {
                _out.WriteByte((byte)'M'); // BININT2
                _out.Write(BitConverter.GetBytes((ushort)value));
            }
            else if (value >= int.MinValue && value <= int.MaxValue)
            {
                _out.WriteByte((byte)'J'); // BININT
                _out.Write(BitConverter.GetBytes((int)value));
            }
            else if (python2 && value >= long.MinValue && value <= long.MaxValue)
            {
                _out.Write(Encoding.ASCII.GetBytes($"I{value}\n")); // INT: Python 2's save_int beyond 4 bytes
            }
            else
            {
                byte[] bytes = value.ToByteArray(); // little-endian two's complement, as encode_long
                _out.Write([0x8a, (byte)bytes.Length]); // LONG1
                _out.Write(bytes);
            }
        }

        private static object?[] Tuple(long[] values) => values.Select(v => (object?)v).ToArray();

        private int Memoize(object obj)
        {
            int index = _memo.Count + _strings.Count + _globals.Count;
            if (index < 256)
            {
                _out.Write([(byte)'q', (byte)index]); // BINPUT
            }
            else
            {
                _out.WriteByte((byte)'r'); // LONG_BINPUT
                _out.Write(BitConverter.GetBytes(index));
            }

            if (obj is not string)
            {
                _memo[obj] = index;
            }

            return index;
        }

        private void Get(int index)
        {
            if (index < 256)
            {
                _out.Write([(byte)'h', (byte)index]); // BINGET
            }
            else
            {
                _out.WriteByte((byte)'j'); // LONG_BINGET
                _out.Write(BitConverter.GetBytes(index));
            }
        }
    }
}
