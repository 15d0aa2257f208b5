using SkiaSharp;
using Tenni.Imaging;

namespace Tenni.Tests.Imaging;

/// <summary>Decoded pixels into RGB: alpha dropped (by a byte shuffle, 4 pixels a step, then one by one) and orientations applied.</summary>
public sealed class ImageOrientationTests
{
    // Pixel counts around the shuffle's step of 4 and its 16-byte stores: every tail length, and images too small for one step.
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(5, 1)]
    [InlineData(7, 3)]
    [InlineData(37, 11)]
    public void FromPixels_Rgba_DropsAlphaOfEveryPixel(int width, int height)
    {
        var random = new Random(width * 100 + height);
        byte[] rgba = new byte[width * height * 4];
        random.NextBytes(rgba);

        var image = ImageOrientation.FromPixels(rgba, 4, width, height, SKEncodedOrigin.TopLeft);

        Assert.Equal((width, height), (image.Width, image.Height));
        byte[] expected = [.. Enumerable.Range(0, width * height).SelectMany(p => rgba.Skip(p * 4).Take(3))];
        Assert.Equal(expected, image.Pixels);
    }

    [Fact]
    public void FromPixels_RotatedQuarterTurn_SwapsSidesAndMovesPixels()
    {
        // 2×1 RGBA: red then green; RightTop (EXIF 6) turns it a quarter clockwise into 1×2: red above green.
        byte[] rgba = [255, 0, 0, 255, 0, 255, 0, 255];

        var image = ImageOrientation.FromPixels(rgba, 4, 2, 1, SKEncodedOrigin.RightTop);

        Assert.Equal((1, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0 }, image.Pixels);
    }
}
