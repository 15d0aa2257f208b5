using Tenni.Native;
using TorchSharp;
TorchNative.EnsureLoaded();
Console.WriteLine(TorchNative.LoadedFrom);
var t = torch.ones(2, 3) * 2;
Console.WriteLine(t.sum().item<float>());
