using Microsoft.AspNetCore.Http;

namespace Tenni.Cli.Serving;

/// <summary>
/// Reads a multipart upload into named byte arrays with the per-request limits; a request it cannot use
/// becomes a reason (answered 400), a file it cannot use a per-file reason.
/// </summary>
internal static class Uploads
{
    internal sealed record Upload(string Name, byte[]? Bytes, string? Problem);

    public static async Task<(IReadOnlyList<Upload> Files, string? Problem)> ReadAsync(HttpRequest request, ServeOptions options, CancellationToken cancel)
    {
        if (request.ContentLength > options.MaxRequestBytes)
        {
            return ([], $"the request has {request.ContentLength:N0} bytes, over the limit of {options.MaxRequestBytes:N0}");
        }

        if (!request.HasFormContentType || request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            return ([], $"expected multipart/form-data with image files, got {(string.IsNullOrEmpty(request.ContentType) ? "no content type" : $"'{request.ContentType}'")}");
        }

        var form = await request.ReadFormAsync(cancel);
        if (form.Files.Count == 0)
        {
            return ([], "no file in the request: send one or more images as multipart/form-data file fields");
        }

        if (form.Files.Count > options.MaxFiles)
        {
            return ([], $"{form.Files.Count} files in one request, over the limit of {options.MaxFiles}");
        }

        var uploads = new List<Upload>();
        foreach (var (file, i) in form.Files.Select((f, i) => (f, i)))
        {
            uploads.Add(await ReadFileAsync(file, NameOf(file, i), options.MaxFileBytes, cancel));
        }

        return (uploads, null);
    }

    private static async Task<Upload> ReadFileAsync(IFormFile file, string name, long maxBytes, CancellationToken cancel)
    {
        if (file.Length > maxBytes)
        {
            return new Upload(name, null, $"'{name}' has {file.Length:N0} bytes, over the limit of {maxBytes:N0} per file");
        }

        byte[] bytes = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(bytes, cancel);
        return new Upload(name, bytes, null);
    }

    // The client's file name without any folder part or control characters; "upload N" when it gives none.
    private static string NameOf(IFormFile file, int index)
    {
        string name = new([.. (file.FileName ?? "").Split('/', '\\')[^1].Where(c => !char.IsControl(c))]);
        return name.Length == 0 ? $"upload {index + 1}" : name;
    }
}
