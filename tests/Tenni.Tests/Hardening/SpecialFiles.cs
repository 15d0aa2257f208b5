using System.Diagnostics;

namespace Tenni.Tests.Hardening;

/// <summary>Makes FIFOs and links for the hardening tests, and runs code that might hang under a time limit.</summary>
internal static class SpecialFiles
{
    public static bool Supported => OperatingSystem.IsLinux();

    public static void MakeFifo(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"mkfifo {path}: {process.StandardError.ReadToEnd()}");
    }

    /// <summary>
    /// Runs <paramref name="body"/> and fails the test if it takes longer than <paramref name="limit"/>. A
    /// reader blocked in open(2) on a FIFO is then released by opening the FIFOs for writing, so a broken
    /// build fails this test instead of hanging the whole run.
    /// </summary>
    public static T Within<T>(TimeSpan limit, Func<T> body, params string[] fifos)
    {
        var task = Task.Factory.StartNew(body, TaskCreationOptions.LongRunning);
        if (task.Wait(limit))
        {
            return task.Result;
        }

        foreach (string fifo in fifos)
        {
            _ = Task.Run(() =>
            {
                using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            });
        }

        Assert.Fail($"still running after {limit.TotalSeconds:0} s (a FIFO or an endless file read?)");
        return default!;
    }
}
