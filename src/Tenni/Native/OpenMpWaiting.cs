using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>
/// How long libtorch's OpenMP threads spin at a barrier before they sleep: briefly, unless the user says otherwise.
/// </summary>
/// <remarks>
/// libgomp spins up to 300,000 rounds (milliseconds) at every operator's end when <c>OMP_WAIT_POLICY</c>
/// is unset. Tenni's threads share the cores with that team (the scan's decoders, .NET's JIT and GC), so
/// a spinning thread holds a core that the thread it waits for needs: on the project's 2 cores the
/// chapter's recipe spent ≈ 1.8 of its 14 CPU-seconds inside libgomp. With 10,000 rounds it used 1.2
/// CPU-seconds less and finished 0.4 s sooner (median of 5, A/B, docs/benchmarks.md); the forward pass
/// alone kept its speed. libgomp reads the variable once, when it loads, so this runs when Tenni.dll
/// loads, before any libtorch call; a value the user set (or <c>OMP_WAIT_POLICY</c>) is left alone.
/// </remarks>
internal static class OpenMpWaiting
{
    public const string Variable = "GOMP_SPINCOUNT";
    public const string Rounds = "10000";

    /// <summary>The value to give <see cref="Variable"/>, or null when the user already chose how OpenMP waits.</summary>
    public static string? Choose(Func<string, string?> environment) =>
        string.IsNullOrEmpty(environment(Variable)) && string.IsNullOrEmpty(environment("OMP_WAIT_POLICY")) ? Rounds : null;

    /// <summary>Sets the variable in the process's native environment (where libgomp reads it) when the user has not.</summary>
    public static void Configure()
    {
        if (!OperatingSystem.IsLinux() || Choose(Environment.GetEnvironmentVariable) is not { } rounds)
        {
            return;
        }

        try
        {
            // .NET's Environment.SetEnvironmentVariable changes a managed copy only; libgomp calls getenv.
            // Overwrite: an empty value (set but blank) counts as unset, as Choose decided.
            _ = SetEnv(Variable, rounds, overwrite: 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: libgomp keeps its default.
        }
    }

    /// <summary>The variable as native code sees it.</summary>
    public static string? NativeValue() => Marshal.PtrToStringUTF8(GetEnv(Variable));

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
