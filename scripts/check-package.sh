#!/usr/bin/env bash
# Checks the library's NuGet package the way a user meets it: packs src/Tenni, then builds and runs a
# new console project outside the repository that references package Tenni and prints ResNet18's
# layers. Offline: the only sources are the fresh package and the NuGet cache this repository restored
# into (~/.nuget/packages or $NUGET_PACKAGES); the consumer restores into a packages folder of its own,
# as a fresh machine would. Takes about a minute and 3 GB of temporary disk (libtorch for three
# platforms), removed at the end unless KEEP=1. Not part of `dotnet test`; see docs/package.md.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tenni-package.XXXXXX")"
if [[ "${KEEP:-0}" != 1 ]]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

start=$SECONDS
dotnet pack "$repo/src/Tenni" -c Release -o "$work/pkg" --nologo -v quiet
package="$(ls "$work"/pkg/Tenni.*.nupkg)"
version="$(basename "$package" .nupkg)"; version="${version#Tenni.}"
echo "packed $(basename "$package") ($(du -k "$package" | cut -f1) KB) in $((SECONDS - start)) s"

mkdir "$work/consumer"
cat >"$work/consumer/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="tenni" value="$work/pkg" />
    <add key="restored" value="$cache" />
  </packageSources>
</configuration>
XML
cat >"$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Tenni" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$work/consumer/Program.cs" <<'CS'
using Tenni;

using var model = SourceModel.Load("resnet18");
Console.WriteLine($"{model.Descriptor.Name} from {model.WeightsPath}");
foreach (var layer in model.DescribeLayers())
{
    Console.WriteLine($"{layer.Name,-8} {string.Join('x', layer.OutputShape),-12} {layer.Parameters,12:N0} parameters");
}
CS

start=$SECONDS
NUGET_PACKAGES="$work/packages" dotnet build "$work/consumer" -c Release --nologo -v quiet
echo "consumer restored and built in $((SECONDS - start)) s"
output="$(dotnet "$work/consumer/bin/Release/net10.0/Consumer.dll")"
echo "$output"

grep -q "^pool5 " <<<"$output" || { echo "check-package: no pool5 layer in the output" >&2; exit 1; }
grep -q "from $work/consumer/bin/Release/net10.0/DnnImageModels/" <<<"$output" \
  || { echo "check-package: the bundled ResNet18 was not copied beside the consumer" >&2; exit 1; }
echo "consumer output folder: $(du -sh "$work/consumer/bin/Release/net10.0" | cut -f1); its packages folder: $(du -sh "$work/packages" | cut -f1)"
echo "check-package: OK"
