using Onnx;
using Tenni.Tests.Onnx;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Support;

/// <summary>
/// Writes small classifiers node by node the way <c>torch.onnx.export</c> writes them (random weights,
/// reduced widths, the real structure), for architectures whose files are not in ../shared/models.
/// </summary>
internal sealed class NetWriter(long opset, int size, int batch = 2)
{
    private readonly OnnxGraphBuilder _builder = new(opset, "input", batch, 3, size, size);
    private int _count;

    public string Input => "input";

    public string Conv(string x, int cin, int cout, int k, int stride = 1, int group = 1, int kw = 0)
    {
        int w = kw == 0 ? k : kw;
        string weight = Weight(OperatorCases.Random(cout * (cin / group) * k * w, Next()).Select(v => v / MathF.Sqrt(cin / group * k * w)).ToArray(), cout, cin / group, k, w);
        string bias = Weight(OperatorCases.Random(cout, Next()).Select(v => v * 0.1f).ToArray(), cout);
        return Op("Conv", [x, weight, bias], Ints("kernel_shape", k, w), Ints("strides", stride, stride), Ints("pads", k / 2, w / 2, k / 2, w / 2), Int("group", group));
    }

    public string BatchNorm(string x, int c) => Op("BatchNormalization", [x,
        Weight(OperatorCases.Random(c, Next()).Select(v => 1 + (v * 0.2f)).ToArray(), c), Weight(OperatorCases.Random(c, Next()).Select(v => v * 0.1f).ToArray(), c),
        Weight(OperatorCases.Random(c, Next()).Select(v => v * 0.1f).ToArray(), c), Weight(OperatorCases.Random(c, Next()).Select(v => 1 + (Math.Abs(v) * 0.5f)).ToArray(), c)]);

    public string Linear(string x, int cin, int cout) => Op("Gemm", [x,
        Weight(OperatorCases.Random(cout * cin, Next()).Select(v => v / MathF.Sqrt(cin)).ToArray(), cout, cin), Weight(OperatorCases.Random(cout, Next()), cout)], Int("transB", 1));

    public string Weight(float[] values, params long[] dims)
    {
        string name = $"w{_count++}";
        _builder.Initializer(name, values, dims);
        return name;
    }

    public string Longs(params long[] values)
    {
        string name = $"c{_count++}";
        _builder.Initializer(name, values, values.Length);
        return name;
    }

    /// <summary>A scalar int64 initializer (a Gather index that drops its axis).</summary>
    public string Scalar(long value)
    {
        string name = $"c{_count++}";
        _builder.Initializer(name, [value]);
        return name;
    }

    public string Op(string type, string[] inputs, params AttributeProto[] attributes)
    {
        string output = $"{type.ToLowerInvariant()}_{_count++}";
        _builder.Node(type, inputs, [output], $"/{type}_{_count}", attributes);
        return output;
    }

    public string Op(string type, string x, params AttributeProto[] attributes) => Op(type, [x], attributes);

    public ModelProto Build(string output)
    {
        _builder.Output(output);
        var model = _builder.Build("pytorch");
        return model;
    }

    private int Next() => 1000 + _count++;
}
