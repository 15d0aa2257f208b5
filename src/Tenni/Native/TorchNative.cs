using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Tenni.Native;

/// <summary>
/// Makes TorchSharp's native glue load on Linux distributions whose libstdc++ is older than the one
/// it was built against. This is the single place where Tenni touches native loading.
/// </summary>
/// <remarks>
/// TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> requires the symbol version
/// <c>GLIBCXX_3.4.32</c> (GCC 13) for one symbol only, <c>std::ios_base_library_init()</c>. GCC 13's
/// <c>&lt;iostream&gt;</c> emits that symbol as a bare <c>.globl</c> reference to pull in libstdc++'s
/// stream initialisation; nothing calls it and no relocation refers to it. Debian 12's libstdc++
/// stops at <c>GLIBCXX_3.4.30</c>, so the loader refuses the file. The fix: when (and only when) the
/// normal load fails, write a private copy of the library with that one version requirement marked
/// weak (<see cref="ElfVersionPatcher"/>), next to links to its sibling libraries, in a folder private
/// to the user and checked before every load (<see cref="PatchedGlueCache"/>), and point TorchSharp's
/// <c>DllImport</c>s at it. No root, no environment variable, no manual step; on systems with a new enough libstdc++ the original file loads and nothing is written.
/// </remarks>
internal static class TorchNative
{
    private const string GlueName = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly HashSet<string> AnchorSymbols = ["_ZSt21ios_base_library_initv"];
    private static readonly Lock Gate = new();

    // Its own lock, never Gate: EnsureLoaded holds Gate while it waits for TorchSharp's static constructor,
    // and that constructor, started first on another thread, calls back here for the glue. With one lock
    // for both, two threads touching torch for the first time at once waited on each other for ever
    // (seen in CI: a test's torch.empty against another test's EnsureLoaded).
    private static readonly Lock GlueGate = new();
    private static bool _initialized;
    private static IntPtr? _glue;

    /// <summary>How the native library was loaded: "as shipped", or the path of the patched copy.</summary>
    public static string LoadedFrom { get; private set; } = "not loaded";

    /// <summary>Loads libtorch through TorchSharp, applying the libstdc++ fix where needed. Idempotent.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (!_initialized)
            {
                NativeMemory.KeepFreedMemory(); // before libtorch allocates anything
                torch.InitializeDeviceType(DeviceType.CPU);
                _initialized = true;
            }
        }
    }

    // Runs when Tenni.dll loads, before any TorchSharp call: TorchSharp then finds its native glue
    // through this resolver, however the first torch call is reached (EnsureLoaded, a tensor, a module).
#pragma warning disable CA2255 // A library module initializer is the point: no caller has to remember a set-up call.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver()
    {
        OpenMpWaiting.Configure(); // libgomp reads it once, when libtorch loads it
        if (OperatingSystem.IsLinux())
        {
            // DllImports consult the assembly's resolver; TorchSharp's own NativeLibrary.TryLoad calls
            // do not, but reach the load context's fallback event when the shipped file fails to load.
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
                name.Contains("LibTorchSharp", StringComparison.Ordinal) ? GlueHandle() : IntPtr.Zero);
            System.Runtime.Loader.AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) =>
                name.Contains("LibTorchSharp", StringComparison.Ordinal) ? GlueHandle() : IntPtr.Zero;
        }
    }

    private static IntPtr GlueHandle()
    {
        if (!OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }

        lock (GlueGate)
        {
            if (_glue is null)
            {
                _glue = PrepareLinuxGlue();
            }

            return _glue.Value;
        }
    }

    /// <summary>The handle of the glue to use, or zero to let .NET's default probing (and its error message) take over.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static IntPtr PrepareLinuxGlue()
    {
        string? original = FindGlue();
        if (original is null)
        {
            return IntPtr.Zero;
        }

        PreloadSiblings(Path.GetDirectoryName(original)!);
        if (NativeLibrary.TryLoad(original, out IntPtr shipped))
        {
            LoadedFrom = "as shipped";
            return shipped;
        }

        byte[]? patched = ElfVersionPatcher.MarkVersionWeak(File.ReadAllBytes(original), MissingVersion, AnchorSymbols);
        if (patched is null)
        {
            return IntPtr.Zero; // another failure: TorchSharp reports it
        }

        string copy = WritePatchedCopy(original, patched);
        LoadedFrom = copy;
        return NativeLibrary.Load(copy);
    }

    /// <summary>libtorch's own libraries are loaded first, so the glue's DT_NEEDED entries resolve by soname.</summary>
    private static void PreloadSiblings(string folder)
    {
        foreach (string name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                NativeLibrary.TryLoad(path, out _);
            }
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static string WritePatchedCopy(string original, byte[] patched)
    {
        uint user = IO.FileStatus.CurrentUser();
        try
        {
            return PatchedGlueCache.Install(original, patched, IO.UserFiles.CacheRoot(), user);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home (containers, CI sandboxes): a folder of the user's own in the temp folder.
        }

        try
        {
            return PatchedGlueCache.Install(original, patched, Path.Combine(Path.GetTempPath(), $"tenni-{user}"), user);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Someone else made that folder first (it is checked, never trusted): a fresh random one,
            // which .NET creates with mode 0700.
            return PatchedGlueCache.Install(original, patched, Directory.CreateTempSubdirectory("tenni-").FullName, user);
        }
    }

    private static string? FindGlue()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
        {
            folders.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }

        foreach (string baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "" })
        {
            folders.Add(baseDir);
            folders.Add(Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
            folders.Add(Path.Combine(baseDir, "runtimes", "linux-x64", "native"));
        }

        return folders.Select(f => Path.Combine(f, GlueName)).FirstOrDefault(File.Exists);
    }
}
