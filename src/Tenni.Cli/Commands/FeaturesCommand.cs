using System.CommandLine;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni features verify|merge STORE</c>: is every shard of a feature store complete and consistent; merge them for training.</summary>
internal static class FeaturesCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("features", "Check and merge a sharded feature store (tenni extract --shard)")
        {
            Sub(context, "verify", "Check that every shard is complete and consistent (counts, checksums, no image twice); name the shards to rerun", FeatureStoreCheck.Verify),
            Sub(context, "merge", "Verify, then write merged.tsv, the list train --features reads (rows stay where the shards wrote them)", FeatureStoreCheck.Merge),
        };
        return command;
    }

    private static Command Sub(CommandContext context, string name, string description, Func<string, StoreVerification> action)
    {
        var store = new Argument<string>("store") { Description = "The feature store folder (--out of tenni extract --shard)" };
        var command = new Command(name, description) { store };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string path = parsed.GetValue(store)!;
            var result = action(path);
            if (!result.IsComplete)
            {
                foreach (string problem in result.Problems)
                {
                    context.Output.WriteLine(TextEscaping.ForDisplay(problem));
                }

                throw new TenniException(FeatureStoreCheck.Describe(path, result));
            }

            context.Output.WriteLine($"{(name == "merge" ? "merged" : "complete")}: {path}: {result.Shards} shards, {result.Files} files, {result.Rows} rows{(name == "merge" ? $"; train with tenni train --features {path}" : "")}");
            return 0;
        }));
        return command;
    }
}
