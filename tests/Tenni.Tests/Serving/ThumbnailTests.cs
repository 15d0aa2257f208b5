using SkiaSharp;
using Tenni.Cli.Serving;
using Tenni.Tests.Support;

namespace Tenni.Tests.Serving;

public sealed class ThumbnailTests
{
    [Fact]
    public void A_photo_becomes_a_small_jpeg_with_its_proportions()
    {
        string photo = TestData.Photos("Cat", 1)[0];
        var original = Tenni.Imaging.ImageDecoder.Decode(photo);

        using var thumbnail = SKBitmap.Decode(Tenni.Reporting.Thumbnail.Jpeg(photo, ValidationMistakes.ThumbnailSide));

        Assert.Equal(ValidationMistakes.ThumbnailSide, Math.Max(thumbnail.Width, thumbnail.Height));
        Assert.Equal((double)original.Width / original.Height, (double)thumbnail.Width / thumbnail.Height, 0.02);
    }
}
