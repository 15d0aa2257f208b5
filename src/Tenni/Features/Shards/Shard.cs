using System.Globalization;

namespace Tenni;

/// <summary>
/// One of <see cref="Count"/> parallel extraction jobs over the same folder (a Kubernetes Indexed Job's
/// completion index, a Slurm array task). Every job lists the whole folder and keeps the images whose
/// content hash falls to it (<see cref="Owns"/>), so no coordination is needed between them.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>At most this many shards: far more than a cluster runs at once, few enough to list.</summary>
    public const int MaxCount = 100_000;

    /// <summary>
    /// <c>I/N</c> (0-based, as Kubernetes numbers completions), or <c>auto</c>: the index from
    /// <c>JOB_COMPLETION_INDEX</c> with <paramref name="shards"/> as the count (Kubernetes), else from
    /// <c>SLURM_ARRAY_TASK_ID</c> and <c>SLURM_ARRAY_TASK_COUNT</c> (Slurm; <paramref name="shards"/>
    /// overrides the count, for arrays that do not start at 0).
    /// </summary>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    public static Shard Parse(string text, int? shards, Func<string, string?> environment)
    {
        if (text == "auto")
        {
            return FromEnvironment(shards, environment);
        }

        string[] parts = text.Split('/');
        if (parts.Length != 2 || !TryCount(parts[0], out int index) || !TryCount(parts[1], out int count))
        {
            throw new TenniException($"--shard '{text}' is not I/N or auto; expected e.g. --shard 2/8 (the third of eight shards, counted from 0), or --shard auto with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID set");
        }

        if (shards is int n && n != count)
        {
            throw new TenniException($"--shard {text} says {count} shards but --shards says {n}; give one of them");
        }

        return Checked(index, count, $"--shard {text}");
    }

    /// <summary>True when the image with this SHA-256 (64 hex digits) belongs to this shard.</summary>
    public bool Owns(string contentHash) => OwnerOf(contentHash, Count) == Index;

    /// <summary>
    /// The shard of a content hash: its first 64 bits modulo the count. A hash, not a position in the
    /// listing, so adding or removing images never moves the others; identical files land together.
    /// </summary>
    public static int OwnerOf(string contentHash, int count) =>
        (int)(ulong.Parse(contentHash.AsSpan(0, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) % (ulong)count);

    public override string ToString() => $"{Index}/{Count}";

    private static Shard FromEnvironment(int? shards, Func<string, string?> environment)
    {
        if (environment("JOB_COMPLETION_INDEX") is { } kubernetes)
        {
            if (shards is null)
            {
                throw new TenniException("--shard auto found JOB_COMPLETION_INDEX (Kubernetes) but no shard count; add --shards N with N the Job's completions");
            }

            return Checked(Number(kubernetes, "JOB_COMPLETION_INDEX"), shards.Value, $"JOB_COMPLETION_INDEX={kubernetes}");
        }

        if (environment("SLURM_ARRAY_TASK_ID") is { } slurm)
        {
            string? total = environment("SLURM_ARRAY_TASK_COUNT");
            int count = shards ?? (total is null
                ? throw new TenniException("--shard auto found SLURM_ARRAY_TASK_ID but not SLURM_ARRAY_TASK_COUNT; add --shards N")
                : Number(total, "SLURM_ARRAY_TASK_COUNT"));
            return Checked(Number(slurm, "SLURM_ARRAY_TASK_ID"), count, $"SLURM_ARRAY_TASK_ID={slurm}");
        }

        throw new TenniException("--shard auto needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, with --shards N) or SLURM_ARRAY_TASK_ID (a Slurm job array); neither is set: give --shard I/N instead");
    }

    private static Shard Checked(int index, int count, string source)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new TenniException($"{source}: {count} shards; expected 1 to {MaxCount:N0}");
        }

        if (index >= count)
        {
            throw new TenniException($"{source}: shard index {index} is out of range for {count} shards; expected 0 to {count - 1} (indices count from 0)");
        }

        return new Shard(index, count);
    }

    private static int Number(string text, string variable) => TryCount(text, out int value)
        ? value
        : throw new TenniException($"{variable} is '{text}'; expected a whole number from 0");

    private static bool TryCount(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
