using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using Tenni.Tests.Cli;
using Tenni.Tests.Support;

namespace Tenni.Tests.Serving;

[Trait("Category", Categories.RealModel)]
[Collection(ServerCollection.Name)]
public sealed class ServeApiTests(ServerFixture served)
{
    private readonly HttpClient _client = served.Client;

    private string[] TwoPhotos => [served.Run.Photos[0], served.Run.Photos[^1]];

    [Fact]
    public async Task Health_and_model_description()
    {
        Assert.Equal("ok", await _client.GetStringAsync("healthz"));
        var model = JsonDocument.Parse(await _client.GetStringAsync("api/model")).RootElement;
        Assert.Equal(["Cat", "Dog"], model.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("resnet18", model.GetProperty("source_model").GetString());
        Assert.Equal("pool5", model.GetProperty("layer").GetString());
        Assert.Equal(Path.GetFullPath(served.ModelFolder), model.GetProperty("model_folder").GetString());
    }

    [Fact]
    public async Task Two_photos_get_the_classes_and_probabilities_of_PredictFiles_and_tenni_predict()
    {
        var (status, body) = await Multipart.PostAsync(_client, Multipart.Photos(TwoPhotos));
        Assert.Equal(200, status);
        var answer = Multipart.Results(body);

        using var classifier = TrainedClassifier.Load(served.ModelFolder);
        var expected = classifier.PredictFiles(TwoPhotos).ToList();
        var (code, output, _) = CliRunner.Run("predict", "--run", served.ModelFolder, "--json", "--top", "2", TwoPhotos[0], TwoPhotos[1]);
        Assert.Equal(0, code);
        var cli = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(Path.GetFileName(TwoPhotos[i]), answer[i].File);
            var top = expected[i].Top(2).ToList();
            for (int k = 0; k < 2; k++)
            {
                // Same decode and preprocessing; only the batch differs (2 photos here, 2 there): 1e-5 covers float reassociation.
                Assert.Equal(classifier.Classes[top[k].Class], answer[i].Top[k].Class);
                Assert.Equal(top[k].Probability, answer[i].Top[k].Probability, 1e-5);
                var fromCli = cli[i].GetProperty("top")[k];
                Assert.Equal(fromCli.GetProperty("class").GetString(), answer[i].Top[k].Class);
                Assert.Equal(fromCli.GetProperty("probability").GetSingle(), answer[i].Top[k].Probability, 1e-5);
            }
        }
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "text", "is not an image: a text file" },
        { "empty", "is empty" },
        { "truncated", "is truncated" },
        { "huge", "100000×100000 = 10,000,000,000 pixels, over the limit" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_upload_is_a_400_with_the_reason(string kind, string reason)
    {
        byte[] photo = File.ReadAllBytes(served.Run.Photos[0]);
        byte[] bytes = kind switch
        {
            "text" => "this is not a photo\n"u8.ToArray(),
            "empty" => [],
            "truncated" => photo[..(photo.Length / 2)],
            _ => PngHeader(100_000, 100_000),
        };

        var (status, body) = await Multipart.PostAsync(_client, Multipart.Files(("photo.jpg", bytes)));

        Assert.Equal(400, status);
        Assert.Contains(reason, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_request_without_a_usable_file_or_over_the_limit_is_a_400()
    {
        var noFile = new MultipartFormDataContent { { new StringContent("hello"), "note" } };
        Assert.Contains("no file", await ErrorOf(noFile));
        Assert.Contains("multipart/form-data", await ErrorOf(new StringContent("{}", System.Text.Encoding.UTF8, "application/json")));
        byte[] big = new byte[ServerFixture.MaxRequestBytes + 1024];
        // With Expect: 100-continue (curl sends it for bodies over 1 MB) the refusal comes before the body is sent;
        // without it the server answers the same 400 but closes the connection while the client still sends.
        Assert.Contains("over the limit", await ErrorOf(Multipart.Files(("big.jpg", big)), expectContinue: true));
        Assert.Contains("over the limit of 2,097,152 per file", await ErrorOf(Multipart.Files(("large.jpg", new byte[3 * 1024 * 1024]))));
        Assert.Contains("over the limit of 32", await ErrorOf(Multipart.Files([.. Enumerable.Range(0, 33).Select(i => ($"{i}.jpg", new byte[10]))])));
        Assert.Equal("", served.Log.ToString()); // no 500 was logged
    }

    [Fact]
    public async Task Mixed_uploads_answer_each_file()
    {
        var content = Multipart.Files(("notes.jpg", "hello"u8.ToArray()), (Path.GetFileName(TwoPhotos[0]), File.ReadAllBytes(TwoPhotos[0])));
        var (status, body) = await Multipart.PostAsync(_client, content);

        Assert.Equal(200, status);
        Assert.Contains("not an image", body[0].GetProperty("error").GetString());
        Assert.Equal(2, body[1].GetProperty("top").GetArrayLength());
    }

    [Fact]
    public async Task Thirty_two_concurrent_requests_are_all_answered_with_the_sequential_results()
    {
        var (_, sequential) = await Multipart.PostAsync(_client, Multipart.Photos(TwoPhotos));
        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Multipart.PostAsync(_client, Multipart.Photos(TwoPhotos))));

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.All(answers, a => Assert.Equal(sequential.GetRawText(), a.Body.GetRawText())); // one model, one at a time: bit-identical
    }

    [Fact]
    public async Task Mistakes_and_their_thumbnails()
    {
        var mistakes = JsonDocument.Parse(await _client.GetStringAsync("api/mistakes")).RootElement;
        Assert.True(mistakes.GetProperty("available").GetBoolean());
        Assert.True(mistakes.GetProperty("count").GetInt32() > 0);
        foreach (var m in mistakes.GetProperty("mistakes").EnumerateArray().Take(2))
        {
            using var thumbnail = await _client.GetAsync(m.GetProperty("thumbnail").GetString()!.TrimStart('/'));
            Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("api/thumbnail/9999")).StatusCode);
    }

    [Fact]
    public async Task The_report_is_served_when_the_run_has_one()
    {
        // Both states on the same run (training may already have written a report): restored at the end.
        string file = Path.Combine(served.Run.Folder, "report.html");
        byte[]? original = File.Exists(file) ? File.ReadAllBytes(file) : null;
        try
        {
            File.WriteAllText(file, "<!doctype html><title>the run's report</title>");
            Assert.Equal("<!doctype html><title>the run's report</title>", await _client.GetStringAsync("report"));
            Assert.Equal("/report", JsonDocument.Parse(await _client.GetStringAsync("api/model")).RootElement.GetProperty("report").GetString());

            File.Delete(file);
            using var missing = await _client.GetAsync("report");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("no report yet", await missing.Content.ReadAsStringAsync());
        }
        finally
        {
            if (original is not null)
            {
                File.WriteAllBytes(file, original);
            }
        }
    }

    private async Task<string> ErrorOf(HttpContent content, bool expectContinue = false)
    {
        var (status, body) = await Multipart.PostAsync(_client, content, expectContinue);
        Assert.Equal(400, status);
        return body.GetProperty("error").GetString()!;
    }

    // A PNG that declares width×height in its header (signature, IHDR, a little IDAT, IEND, valid CRCs):
    // the reader must refuse it from the header alone, before any pixel buffer.
    private static byte[] PngHeader(int width, int height)
    {
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 2 (RGB) follows
        header[9] = 2;
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[1024]);
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, System.IO.Hashing.Crc32.HashToUInt32(typeAndData));
        png.Write(number);
    }
}
