using System.CommandLine;
using Tenni.Models;

namespace Tenni.Cli.Commands;

/// <summary>Options shared by the commands that load a source model.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = $"Source model ({string.Join(", ", ModelRegistry.Names)})",
        DefaultValueFactory = _ => "resnet18",
    };

    public static Option<string?> Weights() => new("--weights")
    {
        Description = "Weights file to use instead of the registry's (ONNX)",
    };

    public static SourceModel LoadModel(ParseResult parsed, Option<string> model, Option<string?> weights) =>
        SourceModel.Load(parsed.GetValue(model)!, new SourceModelOptions { WeightsPath = parsed.GetValue(weights) });
}
