using Tenni.Imaging;

namespace Tenni;

/// <summary>
/// Test-time augmentation (<c>--tta</c>): the model sees several views of each photo and its class
/// probabilities are averaged (fastai's <c>tta</c>, Keras users' flip averaging). Costs one forward pass
/// per view.
/// </summary>
public enum TestTimeAugmentation
{
    /// <summary>The photo as preprocessed: one view.</summary>
    None,

    /// <summary>The photo and its mirror image: two views.</summary>
    Flip,

    /// <summary>The photo, its mirror image, and its four corners at 90% of each side: six views.</summary>
    Crops,
}

/// <summary>The views each <see cref="TestTimeAugmentation"/> gives.</summary>
internal static class TestTimeViews
{
    /// <summary>Share of each side a corner crop keeps.</summary>
    public const double CornerShare = 0.9;

    public static int Count(TestTimeAugmentation tta) => tta switch
    {
        TestTimeAugmentation.Flip => 2,
        TestTimeAugmentation.Crops => 6,
        _ => 1,
    };

    /// <summary>The views of a decoded photo, each fitted to the model's input as <paramref name="preprocessing"/> does.</summary>
    public static IEnumerable<RgbImage> Of(RgbImage image, Preprocessing preprocessing, TestTimeAugmentation tta)
    {
        var fitted = preprocessing.Fit(image);
        yield return fitted;
        if (tta == TestTimeAugmentation.None)
        {
            yield break;
        }

        yield return ImageCrop.FlipHorizontal(fitted);
        if (tta != TestTimeAugmentation.Crops)
        {
            yield break;
        }

        int w = Math.Max(1, (int)Math.Round(image.Width * CornerShare));
        int h = Math.Max(1, (int)Math.Round(image.Height * CornerShare));
        foreach (var (left, top) in new[] { (0, 0), (image.Width - w, 0), (0, image.Height - h), (image.Width - w, image.Height - h) })
        {
            yield return preprocessing.Fit(ImageCrop.Region(image, left, top, w, h));
        }
    }
}
