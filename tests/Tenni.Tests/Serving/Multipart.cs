using System.Net.Http.Headers;
using System.Text.Json;

namespace Tenni.Tests.Serving;

/// <summary>Builds uploads the way a browser or script sends them, and reads the answers.</summary>
internal static class Multipart
{
    public static MultipartFormDataContent Files(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }

        return form;
    }

    public static MultipartFormDataContent Photos(params string[] paths) =>
        Files([.. paths.Select(p => (Path.GetFileName(p), File.ReadAllBytes(p)))]);

    public static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient client, HttpContent content, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/predict") { Content = content };
        request.Headers.ExpectContinue = expectContinue;
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Each file's classes and probabilities, best first: "name: Cat 0.99, Dog 0.01".</summary>
    public static (string File, (string Class, float Probability)[] Top)[] Results(JsonElement body) =>
        [.. body.EnumerateArray().Select(r => (r.GetProperty("file").GetString()!,
            r.GetProperty("top").EnumerateArray().Select(t => (t.GetProperty("class").GetString()!, t.GetProperty("probability").GetSingle())).ToArray()))];
}
