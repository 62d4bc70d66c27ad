"""Export the benchmark models to ONNX (untrained weights: they measure speed, not accuracy).

  resnet18.onnx  a ResNet-18-shaped CNN (BasicBlock x [2, 2, 2, 2], 64..512 channels), input
                 "input" float32 [batch, 3, 224, 224], output "logits" float32 [batch, 1000]
  mlp.onnx       a wide MLP 256 -> 2048 -> 2048 -> 16 (ReLU), input "input" float32 [batch, 256],
                 output "output" float32 [batch, 16]; batching pays on it (one call's cost is mostly
                 weight traffic, shared by the rows of a batch)

Both have a dynamic batch dimension. Written with torch.onnx.export (the legacy TorchScript exporter on this torch 1.13).
Run with Debian's Python:  /usr/bin/python3 models/bench/export_bench_models.py [out_dir] [names...]
"""

import sys
from pathlib import Path

import torch
from torch import nn

torch.manual_seed(0)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (self.down(x) if self.down is not None else x))


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        layers, cin = [], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(512, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def mlp():
    return nn.Sequential(nn.Linear(256, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 16))


def export(model, example, path, output):
    model.eval()
    torch.onnx.export(
        model,
        example,
        str(path),
        input_names=["input"],
        output_names=[output],
        dynamic_axes={"input": {0: "batch"}, output: {0: "batch"}},
        opset_version=17,
    )
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    names = sys.argv[2:] or ["mlp", "resnet18"]
    out.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if "mlp" in names:
            export(mlp(), torch.randn(1, 256), out / "mlp.onnx", "output")
        if "resnet18" in names:
            export(ResNet18(), torch.randn(1, 3, 224, 224), out / "resnet18.onnx", "logits")


if __name__ == "__main__":
    main()
