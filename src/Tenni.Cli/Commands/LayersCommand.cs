using System.CommandLine;
using System.Globalization;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni layers</c>: Chainer's <c>available_layers</c>, with output shapes and parameter counts.</summary>
internal static class LayersCommand
{
    public static Command Create(CommandContext context)
    {
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var all = new Option<bool>("--all") { Description = "Also list every raw graph layer (ONNX node with weights)" };
        var command = new Command("layers", "List a source model's layers with output shapes and parameter counts") { model, weights, preprocessing, all };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            using var source = CommonOptions.LoadModel(parsed, model, weights, preprocessing);
            var output = context.Output;
            output.WriteLine($"{source.Descriptor.Name}: {source.Descriptor.Description}");
            output.WriteLine($"input: (3, {source.Preprocessing.Size}, {source.Preprocessing.Size}) float32, preprocessing: {source.Preprocessing.Kind}; default feature layer: {source.Descriptor.DefaultLayer}");
            output.WriteLine();
            var rows = source.DescribeLayers()
                .Select(l => (l.Name, Shape: Shape(l.OutputShape), Params: l.Parameters.ToString("N0", CultureInfo.InvariantCulture)))
                .ToList();
            WriteTable(output, ("layer", "output shape", "parameters"), rows);
            output.WriteLine();
            output.WriteLine($"total parameters: {source.DescribeLayers().Sum(l => l.Parameters).ToString("N0", CultureInfo.InvariantCulture)}");
            if (parsed.GetValue(all))
            {
                output.WriteLine();
                var raw = source.Graph.Layers.Select(l => (l.GetName(), l.OpType, l.ParameterCount.ToString("N0", CultureInfo.InvariantCulture))).ToList();
                WriteTable(output, ("graph layer", "operator", "parameters"), raw);
            }

            return 0;
        }));
        return command;
    }

    private static string Shape(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    private static void WriteTable(TextWriter output, (string A, string B, string C) header, List<(string A, string B, string C)> rows)
    {
        var all = rows.Prepend(header).ToList();
        int a = all.Max(r => r.A.Length);
        int b = all.Max(r => r.B.Length);
        int c = all.Max(r => r.C.Length);
        foreach (var (x, y, z) in all)
        {
            output.WriteLine($"{x.PadRight(a)}  {y.PadRight(b)}  {z.PadLeft(c)}");
        }
    }
}
