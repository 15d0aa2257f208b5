"""PyTorch's side of `Tenni.Benchmarks forward`: the bundled ResNet18 (CNTK layout, as PlainResNet.cs)
with the weights the C# side wrote, channels_last, eval mode. Reads one command per line on stdin:
`fp32` or `bf16` runs one forward pass of the batch and answers `ok`; `check fp32|bf16 FILE` also writes
the pooled features to FILE (raw little-endian float32). Used only for side-by-side benchmarks, never by Tenni itself."""
import sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

folder, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)


def load(name):
    shape = [int(d) for d in open(f"{folder}/{name}.shape").read().split(",")]
    return torch.from_numpy(np.fromfile(f"{folder}/{name}.f32", dtype="<f4").reshape(shape))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.projection = None
        if stride != 1 or cin != cout:
            self.projection = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)

    def weight_modules(self):
        head = list(self.projection) if self.projection is not None else []
        return head + [self.conv1, self.bn1, self.conv2, self.bn2]

    def forward(self, x):
        shortcut = self.projection(x) if self.projection is not None else x
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + shortcut)


class ResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        blocks, cin = [], 64
        for width, count, stride in [(64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 3, 2)]:
            for i in range(count):
                blocks.append(Block(cin, width, stride if i == 0 else 1))
                cin = width
        self.blocks = nn.ModuleList(blocks)

    def weight_modules(self):
        return [self.conv, self.bn] + [m for b in self.blocks for m in b.weight_modules()]

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.bn(self.conv(x))), 3, 2, 1)
        for b in self.blocks:
            h = b(h)
        return F.avg_pool2d(h, 7).flatten(1)


model = ResNet18().eval()
with torch.no_grad():
    for i, m in enumerate(model.weight_modules()):
        m.weight.copy_(load(f"{i}.weight"))
        if isinstance(m, nn.BatchNorm2d):
            m.bias.copy_(load(f"{i}.bias"))
            m.running_mean.copy_(load(f"{i}.running_mean"))
            m.running_var.copy_(load(f"{i}.running_var"))
            m.eps = 1e-5
model = model.to(memory_format=torch.channels_last)
x = load("input").contiguous(memory_format=torch.channels_last)
print(f"torch {torch.__version__}", flush=True)
for line in sys.stdin:
    parts = line.split()
    bf16 = parts[-1 if parts[0] != "check" else 1] == "bf16"
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        y = model(x)
    if parts[0] == "check":
        y.float().numpy().astype("<f4").tofile(parts[2])
    print("ok", flush=True)
