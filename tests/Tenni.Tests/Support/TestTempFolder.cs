using System.Runtime.CompilerServices;

namespace Tenni.Tests.Support;

/// <summary>
/// One temporary folder for the whole test run, deleted when the run ends: TMPDIR points into it, so that
/// <see cref="Path.GetTempPath"/>, <see cref="Directory.CreateTempSubdirectory(string?)"/> and every tenni
/// process the tests start (they inherit the environment) write there. Before, a `dotnet test` left about
/// 25 MB of <c>tenni-*</c> folders in /tmp each run: the tests' data sets, models and runs.
/// </summary>
internal static class TestTempFolder
{
#pragma warning disable CA2255 // a test assembly's own set-up, before any test creates a temporary file
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Redirect()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // TMPDIR and /proc are Linux's; elsewhere the temp folder stays as it is
        }

        // A run killed before its end leaves its folder: the next run deletes those whose process is gone.
        foreach (string stale in Directory.EnumerateDirectories(Path.GetTempPath(), $"{Prefix}*"))
        {
            if (int.TryParse(Path.GetFileName(stale)[Prefix.Length..].Split('-')[0], out int pid) && !Directory.Exists($"/proc/{pid}"))
            {
                Delete(stale);
            }
        }

        string root = Directory.CreateTempSubdirectory($"{Prefix}{Environment.ProcessId}-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(root);
    }

    private const string Prefix = "tenni-tests-";

    private static void Delete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder a test made unreadable on purpose: what remains is left to the system's temp cleaning.
        }
    }
}
