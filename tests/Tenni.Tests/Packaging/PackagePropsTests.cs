using System.Text.RegularExpressions;
using System.Xml.Linq;
using Tenni.Tests.Support;

namespace Tenni.Tests.Packaging;

/// <summary>
/// The package's buildTransitive/Tenni.props names the ResNet18 package's folder with its version
/// written out (props run before any restore-time property could say it): it must be the version
/// Directory.Packages.props restores. The package itself is checked by scripts/check-package.sh.
/// </summary>
public sealed class PackagePropsTests
{
    [Fact]
    public void TenniProps_ResNet18Version_IsTheCentralPackageVersion()
    {
        string root = TestData.RepositoryRoot;
        string central = XDocument.Load(Path.Combine(root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "Microsoft.ML.DnnImageFeaturizer.ResNet18").Attribute("Version")!.Value;
        string props = File.ReadAllText(Path.Combine(root, "src", "Tenni", "buildTransitive", "Tenni.props"));

        var named = Regex.Matches(props, @"microsoft\.ml\.dnnimagefeaturizer\.resnet18/([^/]+)/").Select(m => m.Groups[1].Value).Distinct().ToArray();

        Assert.Equal([central], named);
    }
}
