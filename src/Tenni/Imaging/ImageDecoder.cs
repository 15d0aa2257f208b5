namespace Tenni.Imaging;

/// <summary>The one-call decoder: the image's pixels, or a <see cref="TenniException"/> saying why not (see <see cref="ImageReader"/>).</summary>
public static class ImageDecoder
{
    public static RgbImage Decode(string path)
    {
        if (!File.Exists(path))
        {
            throw new TenniException(Directory.Exists(path) ? $"'{path}' is a folder; expected an image file" : $"image '{path}' does not exist");
        }

        var (image, problem) = ImageReader.Read(path);
        return image?.Image ?? throw new TenniException(problem!.Message);
    }
}
