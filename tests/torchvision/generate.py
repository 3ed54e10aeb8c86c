"""Exports torchvision networks and a small mixed network to ONNX with PyTorch's outputs beside them, for the import
tests (tests/MlNetConv.Onnx.Tests/TorchExportTests.cs). Weights are PyTorch's seeded initialisation (no download).

    /usr/bin/python3 tests/torchvision/generate.py OUT_DIR [--small-only]

Writes NAME.onnx, NAME.input.bin and NAME.output.bin (float32, little-endian) per network and opset; the batch (2) is a
symbolic axis in the model. Needs python3-torch and python3-torchvision (Debian: torch 1.13, opsets up to 17).
"""
import sys, os
import torch, torch.nn as nn, torch.nn.functional as F
import torchvision.models as models


class SmallMix(nn.Module):
    """Local response normalisation, ceil-mode pooling, a grouped convolution, a transposed-convolution decoder with a
    bilinear resize, ReLU6 and a flatten by view."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.lrn = nn.LocalResponseNorm(3, alpha=1e-2, beta=0.75, k=2.0)
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.grouped = nn.Conv2d(8, 16, 3, padding=1, groups=4)
        self.bn = nn.BatchNorm2d(16)
        self.avg = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
        self.up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        self.head = nn.Conv2d(8, 4, 1)
        self.fc = nn.Linear(4 * 18 * 18, 5)

    def forward(self, x):
        x = self.pool(self.lrn(F.relu(self.conv1(x))))                   # (N, 8, 16, 16)
        x = self.avg(F.relu6(self.bn(self.grouped(x))))                  # (N, 16, 9, 9)
        x = F.relu(self.up(x))                                           # (N, 8, 18, 18)
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = F.avg_pool2d(self.head(x), 2)                                # (N, 4, 18, 18)
        return self.fc(x.view(x.size(0), -1))


def networks(small_only):
    torch.manual_seed(0)
    yield "smallmix", SmallMix(), 32
    if small_only:
        return
    yield "resnet18", models.resnet18(), 224
    yield "resnet50", models.resnet50(), 224
    yield "squeezenet1_1", models.squeezenet1_1(), 224
    yield "googlenet", models.googlenet(aux_logits=False, init_weights=True), 224
    yield "densenet121", models.densenet121(), 224
    yield "inception_v3", models.inception_v3(aux_logits=False, init_weights=True, transform_input=False), 299
    yield "mobilenet_v2", models.mobilenet_v2(), 224


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, net, size in networks("--small-only" in sys.argv):
        net.eval()
        # Running statistics away from (0, 1), so that batch normalisation is really tested.
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            y = net(x)
        for opset in (13, 17):
            path = os.path.join(out, f"{name}_opset{opset}")
            torch.onnx.export(net, x, path + ".onnx", opset_version=opset, input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
            x.numpy().astype("<f4").tofile(path + ".input.bin")
            y.numpy().astype("<f4").tofile(path + ".output.bin")
            print(path, tuple(y.shape))


if __name__ == "__main__":
    main()
