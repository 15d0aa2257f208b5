using System.Diagnostics;
using Tenni.Tests.Support;

namespace Tenni.Tests.Onnx.Blocked;

/// <summary>
/// The bfloat16 tile's machine code (Bf16TileCode.g.cs) is what native/bf16-tile.S assembles to: nobody can
/// edit the source and forget the bytes, or the bytes without a source. Needs GNU as and objcopy (binutils,
/// which .ci/run installs when they are missing).
/// </summary>
public sealed class Bf16TileCodeTests
{
    [Fact]
    public void CommittedBytes_AreWhatTheAssemblySourceAssemblesTo()
    {
        string root = TestData.RepositoryRoot;
        string committed = Path.Combine(root, "src", "Tenni", "Onnx", "Blocked", "Bf16TileCode.g.cs");
        string fresh = Path.Combine(Path.GetTempPath(), $"tenni-bf16-tile-{Guid.NewGuid():N}.g.cs");
        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(root, "native", "build-bf16-tile.sh"), fresh]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"native/build-bf16-tile.sh failed (binutils' as and objcopy are needed: apt-get install binutils): {errors}");
            Assert.Equal(File.ReadAllText(committed), File.ReadAllText(fresh));
        }
        finally
        {
            File.Delete(fresh);
        }
    }
}
