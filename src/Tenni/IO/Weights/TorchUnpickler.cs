using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Tenni.IO.Weights;

/// <summary>
/// A pickle machine for what <c>torch.save</c> writes (protocols 2–5) that runs no Python: globals
/// outside a short allow-list are refused as they are read (that is where Python's unpickler would
/// import them), the allowed ones are interpreted here, and storages stay references to be read later.
/// Damage is a <see cref="FormatException"/> or <see cref="EndOfStreamException"/>. One pickle may read at
/// most <see cref="WeightLimits.MaxPickleBytes"/> and keep at most <see cref="WeightLimits.MaxPickleObjects"/>
/// objects live, so no stream of opcodes can exhaust memory.
/// </summary>
internal sealed class TorchUnpickler
{
    // Storage classes, by the dtype their elements have.
    private static readonly Dictionary<string, string> StorageTypes = new(StringComparer.Ordinal)
    {
        ["torch.FloatStorage"] = "F32", ["torch.HalfStorage"] = "F16", ["torch.BFloat16Storage"] = "BF16",
        ["torch.DoubleStorage"] = "F64", ["torch.LongStorage"] = "I64", ["torch.IntStorage"] = "I32",
        ["torch.ShortStorage"] = "I16", ["torch.CharStorage"] = "I8", ["torch.ByteStorage"] = "U8",
        ["torch.BoolStorage"] = "BOOL", ["torch.UntypedStorage"] = "U8", ["torch.storage.UntypedStorage"] = "U8",
    };

    // Tensor classes: the tar format (torch before 0.1.10) names each tensor's class next to its storage
    // (a GPU-saved file keeps torch.cuda.*; storages were normalized to CPU classes when saved).
    private static readonly HashSet<string> TensorTypes = new(StringComparer.Ordinal)
    {
        "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor", "torch.LongTensor", "torch.IntTensor",
        "torch.ShortTensor", "torch.CharTensor", "torch.ByteTensor",
        "torch.cuda.FloatTensor", "torch.cuda.DoubleTensor", "torch.cuda.HalfTensor", "torch.cuda.LongTensor", "torch.cuda.IntTensor",
        "torch.cuda.ShortTensor", "torch.cuda.CharTensor", "torch.cuda.ByteTensor",
    };

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
    };

    private readonly Stream _stream;
    private readonly string _path;
    private readonly Dictionary<string, TorchStorage> _storages;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private long _bytesRead;
    private long _containerItems;

    /// <param name="storages">Storages by key, shared by the pickles of one file.</param>
    /// <param name="persistentLoad">Resolves persistent ids instead of the storage tuples of later formats (the tar format's tensor keys).</param>
    public TorchUnpickler(Stream stream, string path, Dictionary<string, TorchStorage> storages, Func<object?, object?>? persistentLoad = null)
    {
        _stream = stream;
        _path = path;
        _storages = storages;
        _persistentLoad = persistentLoad;
    }

    /// <summary>The element type of a storage class (torch.FloatStorage → F32), or null.</summary>
    public static string? StorageDType(object? storageClass) =>
        storageClass is PyGlobal g ? StorageTypes.GetValueOrDefault(g.ToString()) : null;

    /// <summary>Runs one pickle up to its STOP and returns its object; the stream is left just after it.</summary>
    public object? Load()
    {
        while (true)
        {
            int op = ReadByte();
            switch (op)
            {
                case 0x80: ReadByte(); break;                                // PROTO
                case 0x95: Read(8); break;                                   // FRAME: only a buffering hint
                case 0x2e: return Pop();                                     // STOP
                case 0x28: _marks.Push(_stack.Count); Grow(0); break;        // MARK
                case 0x30: Pop(); break;                                     // POP
                case 0x31: PopMark(); break;                                 // POP_MARK
                case 0x32: Push(Peek()); break;                              // DUP
                case 0x4e: Push(null); break;                                // NONE
                case 0x88: Push(true); break;                                // NEWTRUE
                case 0x89: Push(false); break;                               // NEWFALSE
                case 0x4b: Push((long)ReadByte()); break;                    // BININT1
                case 0x4d: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break; // BININT2
                case 0x4a: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;  // BININT
                case 0x8a: Push(ReadLong(ReadByte())); break;                // LONG1
                case 0x8b: Push(ReadLong(ReadLength(4))); break;             // LONG4
                case 0x47: Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break; // BINFLOAT
                case 0x58: Push(Encoding.UTF8.GetString(Read(ReadLength(4)))); break;  // BINUNICODE
                case 0x8c: Push(Encoding.UTF8.GetString(Read(ReadByte()))); break;     // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Read(ReadLength(8)))); break;  // BINUNICODE8
                case 0x55: Push(Encoding.Latin1.GetString(Read(ReadByte()))); break;   // SHORT_BINSTRING (Python 2 str)
                case 0x54: Push(Encoding.Latin1.GetString(Read(ReadLength(4)))); break; // BINSTRING
                case 0x43: Push(Read(ReadByte())); break;                    // SHORT_BINBYTES
                case 0x42: Push(Read(ReadLength(4))); break;                 // BINBYTES
                case 0x8e: Push(Read(ReadLength(8))); break;                 // BINBYTES8
                case 0x29: Push(Array.Empty<object?>()); break;              // EMPTY_TUPLE
                case 0x74: Push(PopMark().ToArray()); break;                 // TUPLE
                case 0x85: Push(PopN(1)); break;                             // TUPLE1
                case 0x86: Push(PopN(2)); break;                             // TUPLE2
                case 0x87: Push(PopN(3)); break;                             // TUPLE3
                case 0x5d: Push(new List<object?>()); break;                 // EMPTY_LIST
                case 0x6c: Push(PopMark()); break;                           // LIST
                case 0x61: { object? v = Pop(); As<List<object?>>(Peek()).Add(v); Grow(1); break; } // APPEND
                case 0x65: { var items = PopMark(); As<List<object?>>(Peek()).AddRange(items); Grow(items.Count); break; } // APPENDS
                case 0x7d: Push(new PyDict()); break;                        // EMPTY_DICT
                case 0x64: { var d = new PyDict(); SetItems(d, PopMark()); Push(d); break; } // DICT
                case 0x73: { object? v = Pop(); object? k = Pop(); As<PyDict>(Peek())[k ?? PyDict.NoneKey] = v; Grow(2); break; } // SETITEM
                case 0x75: { var items = PopMark(); SetItems(As<PyDict>(Peek()), items); Grow(items.Count); break; } // SETITEMS
                case 0x71: _memo[ReadByte()] = Peek(); Grow(0); break;       // BINPUT
                case 0x72: _memo[ReadLength(4)] = Peek(); Grow(0); break;    // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); Grow(0); break;      // MEMOIZE
                case 0x68: Push(Memo(ReadByte())); break;                    // BINGET
                case 0x6a: Push(Memo(ReadLength(4))); break;                 // LONG_BINGET
                case 0x63: Push(Global(ReadLine(), ReadLine())); break;      // GLOBAL
                case 0x93: { string name = As<string>(Pop()); Push(Global(As<string>(Pop()), name)); break; } // STACK_GLOBAL
                case 0x69: { var g = Global(ReadLine(), ReadLine()); Push(Call(g, PopMark().ToArray())); break; } // INST
                case 0x6f: { var items = PopMark(); Push(Call(As<PyGlobal>(items[0]), items.Skip(1).ToArray())); break; } // OBJ
                case 0x52: { var args = As<object?[]>(Pop()); Push(Call(As<PyGlobal>(Pop()), args)); break; } // REDUCE
                case 0x81: { var args = As<object?[]>(Pop()); Push(Call(As<PyGlobal>(Pop()), args)); break; } // NEWOBJ
                // BUILD: the state of an allowed object (an OrderedDict's _metadata) carries no tensors.
                case 0x62: Pop(); break;
                case 0x51: Push(PersistentLoad(Pop())); break;               // BINPERSID
                case 0x50: Push(PersistentLoad(ReadLine())); break;          // PERSID
                // Python 2 writes ints beyond 32 bits as text: INT "123\n" ("01"/"00" are True/False), LONG "123L\n".
                case 0x49: Push(ParseInt(ReadLine())); break;                // INT
                case 0x4c: Push(ParseInt(ReadLine().TrimEnd('L'))); break;   // LONG
                default:
                    throw new FormatException($"pickle opcode 0x{op:x2} at byte {_stream.Position - 1} is not one torch.save writes");
            }
        }
    }

    private PyGlobal Global(string module, string name)
    {
        string qualified = $"{module}.{name}";
        if (!Callables.Contains(qualified) && !StorageTypes.ContainsKey(qualified) && !TensorTypes.Contains(qualified))
        {
            throw new TenniException(
                $"'{_path}' asks to run Python code ({qualified}); Tenni reads tensors only — save the state_dict (torch.save(model.state_dict(), path))");
        }

        return new PyGlobal(module, name);
    }

    private object? Call(PyGlobal callable, object?[] args)
    {
        switch (callable.ToString())
        {
            case "collections.OrderedDict":
                var dict = new PyDict();
                // Python 3 passes no items (they follow as SETITEMS); Python 2 passes [[key, value], …].
                if (args.Length == 1 && args[0] is List<object?> pairs)
                {
                    SetItems(dict, pairs.SelectMany(p => p is List<object?> list ? list.ToArray() : As<object?[]>(p)).ToList());
                }

                return dict;
            case "torch._utils._rebuild_tensor" when args.Length == 4:
            case "torch._utils._rebuild_tensor_v2" when args.Length is 6 or 7:
                return new TorchTensor(As<TorchStorageSlice>(args[0]), AsLong(args[1]), AsLongs(args[2]), AsLongs(args[3]));
            case "torch._utils._rebuild_parameter" when args.Length == 3:
                return As<TorchTensor>(args[0]);
            default:
                throw new FormatException($"{callable} called with {args.Length} arguments");
        }
    }

    // Persistent ids: ('storage', storage_type, key, location, numel) in zip files; legacy files add
    // view_metadata, None or (view_key, offset, view_size) for a view into the root storage `key`.
    private object? PersistentLoad(object? pid)
    {
        if (_persistentLoad is not null)
        {
            return _persistentLoad(pid);
        }

        var id = As<object?[]>(pid);
        if (id.Length < 5 || id[0] as string != "storage")
        {
            throw new FormatException($"persistent id '{id.FirstOrDefault()}' is not a storage");
        }

        string dtype = StorageTypes.GetValueOrDefault(As<PyGlobal>(id[1]).ToString())
            ?? throw new FormatException($"{id[1]} is not a storage type");
        string key = id[2]?.ToString() ?? throw new FormatException("storage without a key");
        long count = AsLong(id[4]);
        if (count < 0)
        {
            throw new FormatException($"storage '{key}' declares {count} elements");
        }

        if (!_storages.TryGetValue(key, out var storage))
        {
            storage = _storages[key] = new TorchStorage(key, dtype, count);
        }
        else if (storage.DType != dtype || storage.Count != count)
        {
            throw new FormatException($"storage '{key}' is both {storage.DType}[{storage.Count}] and {dtype}[{count}]");
        }

        long offset = id.Length > 5 && id[5] is object?[] view ? AsLong(view[1]) : 0;
        return new TorchStorageSlice(storage, offset);
    }

    private static void SetItems(PyDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0)
        {
            throw new FormatException("a dict needs key, value pairs");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            dict[items[i] ?? PyDict.NoneKey] = items[i + 1];
        }
    }

    public static T As<T>(object? value) =>
        value is T t ? t : throw new FormatException($"expected a {typeof(T).Name} in the pickle, found {value ?? "None"}");

    /// <summary>
    /// An int used as a size, offset or count. Any Python int is legal in a pickle (ints beyond 64 bits
    /// stay <see cref="BigInteger"/>s); only here, where one must fit a 64-bit size, is it out of range.
    /// </summary>
    public static long AsLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        BigInteger big => throw new FormatException($"the int {big} is used as a size or offset, outside the 64-bit range"),
        _ => throw new FormatException($"expected an int in the pickle, found {value ?? "None"}"),
    };

    private static object ParseInt(string text) => text switch
    {
        "01" => true,
        "00" => false,
        _ when BigInteger.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value) =>
            value >= long.MinValue && value <= long.MaxValue ? (long)value : value,
        _ => throw new FormatException($"'{text}' is not an int"),
    };

    private static long[] AsLongs(object? value) => As<object?[]>(value).Select(AsLong).ToArray();

    private static object ReadLongValue(byte[] bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private object ReadLong(long length) => ReadLongValue(Read(length));

    private void Push(object? value)
    {
        _stack.Add(value);
        Grow(0);
    }

    // Counts what the pickle keeps live: its stack, its marks, its memo and the items put into its lists and dicts.
    private void Grow(int containerItems)
    {
        _containerItems += containerItems;
        if (_stack.Count + _marks.Count + _memo.Count + _containerItems > WeightLimits.MaxPickleObjects)
        {
            throw new FormatException($"the pickle builds more than {WeightLimits.MaxPickleObjects} objects; a state dict needs a few dozen per tensor");
        }
    }

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new FormatException("pickle stack underflow");

    private object? Pop()
    {
        object? value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopN(int n)
    {
        if (_stack.Count < n)
        {
            throw new FormatException("pickle stack underflow");
        }

        object?[] items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
        {
            throw new FormatException("pickle MARK missing");
        }

        int mark = _marks.Pop();
        var items = _stack.GetRange(mark, _stack.Count - mark);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? Memo(long index) =>
        _memo.TryGetValue(index, out object? value) ? value : throw new FormatException($"pickle memo {index} was never stored");

    private int ReadByte()
    {
        Count(1);
        return _stream.ReadByte() is int b and >= 0 ? b : throw new EndOfStreamException("the pickle ends early");
    }

    private void Count(long bytes)
    {
        _bytesRead += bytes;
        if (_bytesRead > WeightLimits.MaxPickleBytes)
        {
            throw new FormatException($"the pickle runs past {WeightLimits.MaxPickleBytes} bytes; a state dict's pickle holds names and shapes, not data");
        }
    }

    private long ReadLength(int bytes)
    {
        byte[] raw = Read(bytes);
        long length = bytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadInt64LittleEndian(raw);
        return length >= 0 ? length : throw new FormatException($"negative length {length} in the pickle");
    }

    private byte[] Read(long count)
    {
        // A damaged length must not allocate gigabytes before the read fails.
        if (count > int.MaxValue || (_stream.CanSeek && count > _stream.Length - _stream.Position))
        {
            throw new EndOfStreamException($"the pickle needs {count} more bytes at byte {_stream.Position}");
        }

        Count(count);

        var bytes = new byte[count];
        _stream.ReadExactly(bytes);
        return bytes;
    }

    private string ReadLine()
    {
        var line = new List<byte>();
        for (int b = ReadByte(); b != '\n'; b = ReadByte())
        {
            if (line.Count > 1024)
            {
                throw new FormatException("a pickle text line (GLOBAL name, INT, LONG or PERSID) runs past 1024 bytes");
            }

            line.Add((byte)b);
        }

        return Encoding.UTF8.GetString(line.ToArray());
    }
}
