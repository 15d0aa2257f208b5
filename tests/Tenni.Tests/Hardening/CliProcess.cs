using System.Diagnostics;
using System.Globalization;

namespace Tenni.Tests.Hardening;

/// <summary>
/// Runs the real <c>tenni</c> in its own process, as a user would, with a wall-clock limit, and measures
/// its peak memory (resident set, from GNU time's <c>%M</c>, else the kernel's high-water mark polled).
/// </summary>
internal static class CliProcess
{
    public sealed record Outcome(int ExitCode, string Output, string Error, long PeakBytes, TimeSpan Elapsed, bool TimedOut);

    public static Outcome Run(TimeSpan limit, params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "Tenni.Cli.dll");
        string rss = Path.GetTempFileName();
        bool gnuTime = File.Exists("/usr/bin/time");
        var start = new ProcessStartInfo(gnuTime ? "/usr/bin/time" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        if (gnuTime)
        {
            foreach (string a in new[] { "-f", "%M", "-o", rss, "dotnet" })
            {
                start.ArgumentList.Add(a);
            }
        }

        start.ArgumentList.Add(cli);
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long polled = 0;
        bool timedOut = false;
        while (!process.WaitForExit(100))
        {
            polled = Math.Max(polled, HighWaterMark(process.Id));
            if (clock.Elapsed > limit)
            {
                process.Kill(entireProcessTree: true);
                timedOut = true;
                break;
            }
        }

        process.WaitForExit();
        long peak = polled;
        if (gnuTime && File.ReadAllText(rss).Trim().Split('\n').LastOrDefault() is { } line && long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
        {
            peak = Math.Max(peak, kb * 1024);
        }

        File.Delete(rss);
        return new Outcome(process.ExitCode, output.Result, error.Result, peak, clock.Elapsed, timedOut);
    }

    // VmHWM of the process or of its child (GNU time's child is the dotnet host).
    private static long HighWaterMark(int pid)
    {
        long best = 0;
        foreach (string status in new[] { $"/proc/{pid}/status" }.Concat(Children(pid).Select(c => $"/proc/{c}/status")))
        {
            try
            {
                string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
                {
                    best = Math.Max(best, kb * 1024);
                }
            }
            catch (IOException)
            {
                // The process ended between the listing and the read.
            }
        }

        return best;
    }

    private static IEnumerable<string> Children(int pid)
    {
        string path = $"/proc/{pid}/task/{pid}/children";
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        }
        catch (IOException)
        {
            return [];
        }
    }
}
