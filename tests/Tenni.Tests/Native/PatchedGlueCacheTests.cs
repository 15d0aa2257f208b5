using System.Security.Cryptography;
using Tenni.IO;
using Tenni.Native;

namespace Tenni.Tests.Native;

/// <summary>
/// The patched glue is native code Tenni loads: these tests plant what another user or a damaged disk
/// could leave in its folder and check that nothing but the patcher's exact bytes is ever returned.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PatchedGlueCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tenni-glue-test-").FullName;
    private readonly string _libraries;
    private readonly byte[] _patched = RandomNumberGenerator.GetBytes(4096);
    private readonly uint _user = FileStatus.CurrentUser();

    public PatchedGlueCacheTests()
    {
        _libraries = Directory.CreateDirectory(Path.Combine(_root, "libtorch")).FullName;
        File.WriteAllBytes(Path.Combine(_libraries, "libLibTorchSharp.so"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(_libraries, "libtorch_cpu.so"), [4, 5, 6]);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Install_NewFolder_WritesPatchedBytesInFoldersOnlyTheUserCanOpen()
    {
        string cache = Path.Combine(_root, "cache");

        string path = PatchedGlueCache.Install(Original, _patched, cache, _user);

        Assert.Equal(_patched, File.ReadAllBytes(path));
        for (string? folder = Path.GetDirectoryName(path); folder != _root; folder = Path.GetDirectoryName(folder))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder!));
        }

        Assert.Equal(Path.Combine(_libraries, "libtorch_cpu.so"), new FileInfo(Path.Combine(Path.GetDirectoryName(path)!, "libtorch_cpu.so")).LinkTarget);
    }

    [Fact]
    public void Install_PlantedLibrary_IsReplacedByThePatchedBytes()
    {
        string cache = Path.Combine(_root, "cache");
        string path = PatchedGlueCache.Install(Original, _patched, cache, _user);
        File.WriteAllBytes(path, [0x7F, (byte)'E', (byte)'L', (byte)'F', 0xEE]);

        string again = PatchedGlueCache.Install(Original, _patched, cache, _user);

        Assert.Equal(path, again);
        Assert.Equal(_patched, File.ReadAllBytes(again));
    }

    [Fact]
    public void Install_PlantedLinkToAnotherLibrary_IsRepointed()
    {
        string cache = Path.Combine(_root, "cache");
        string path = PatchedGlueCache.Install(Original, _patched, cache, _user);
        string link = Path.Combine(Path.GetDirectoryName(path)!, "libtorch_cpu.so");
        File.Delete(link);
        File.WriteAllBytes(Path.Combine(_root, "evil.so"), [9]);
        File.CreateSymbolicLink(link, Path.Combine(_root, "evil.so"));

        PatchedGlueCache.Install(Original, _patched, cache, _user);

        Assert.Equal(Path.Combine(_libraries, "libtorch_cpu.so"), new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Install_LibraryReplacedByALink_IsRewrittenAsAFile()
    {
        string cache = Path.Combine(_root, "cache");
        string path = PatchedGlueCache.Install(Original, _patched, cache, _user);
        File.Delete(path);
        string elsewhere = Path.Combine(_root, "same-bytes.so");
        File.WriteAllBytes(elsewhere, _patched);
        File.CreateSymbolicLink(path, elsewhere); // same bytes today, anything tomorrow

        PatchedGlueCache.Install(Original, _patched, cache, _user);

        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(_patched, File.ReadAllBytes(path));
    }

    [Fact]
    public void Install_FolderOpenToOthers_IsMadePrivate()
    {
        string cache = Directory.CreateDirectory(Path.Combine(_root, "cache")).FullName;
        File.SetUnixFileMode(cache, (UnixFileMode)0x1FF); // 0777, as a umask of 0 would leave it

        PatchedGlueCache.Install(Original, _patched, cache, _user);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cache));
    }

    [Fact]
    public void Install_FolderOfAnotherUser_Refuses()
    {
        string cache = Directory.CreateDirectory(Path.Combine(_root, "cache")).FullName;

        // The folder belongs to this process's user; asking on behalf of another one is the same check
        // as finding a folder that another user made in /tmp first.
        var e = Assert.Throws<IOException>(() => PatchedGlueCache.Install(Original, _patched, cache, _user + 1));

        Assert.Contains("belongs to user", e.Message);
    }

    [Fact]
    public void Install_FolderIsASymbolicLink_Refuses()
    {
        string real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        string cache = Path.Combine(_root, "cache");
        Directory.CreateSymbolicLink(cache, real);

        var e = Assert.Throws<IOException>(() => PatchedGlueCache.Install(Original, _patched, cache, _user));

        Assert.Contains("not a folder", e.Message);
    }

    [Fact]
    public void Of_FileAndFolder_ReportsKindOwnerAndIdentity()
    {
        var file = FileStatus.Of(Original, followLinks: false);
        var folder = FileStatus.Of(_libraries, followLinks: false);

        Assert.Equal(FileKind.Regular, file.Kind);
        Assert.Equal(3, file.Size);
        Assert.Equal(_user, file.Owner);
        Assert.Equal(0x1A4, file.Mode & 0x1FF & ~0x12); // rw-r--r-- less what a umask may take
        Assert.Equal(FileKind.Directory, folder.Kind);
        Assert.NotEqual(file.Identity, folder.Identity);
        Assert.Equal(FileKind.Missing, FileStatus.Of(Path.Combine(_root, "missing"), followLinks: false).Kind);
    }

    private string Original => Path.Combine(_libraries, "libLibTorchSharp.so");
}
