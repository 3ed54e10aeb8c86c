"""ResNet-18 training throughput in PyTorch, the peer of `MlNetConv.GpuBench resnet18`: torchvision's resnet18 (1000
classes), random images and labels, batch `--batch`, SGD lr 0.01 momentum 0.9 weight decay 1e-4, cross-entropy; the loss is
read back every step as the engine's trainer does. Prints one line per precision: strict FP32 (TF32 off everywhere)
and PyTorch's default (TF32 allowed in cuDNN convolutions, not in matmuls)."""
import argparse
import time

import torch
import torchvision


def throughput(size: int, batch: int, steps: int, tf32: bool) -> float:
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    torch.manual_seed(1)
    model = torchvision.models.resnet18(num_classes=1000).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    images = torch.rand(batch, 3, size, size, device=device) * 2 - 1
    labels = torch.randint(0, 1000, (batch,), device=device)

    def step() -> float:
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(min(3, steps)):
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    name = torch.cuda.get_device_name(0)
    for tf32 in (False, True):
        ips = throughput(args.size, args.batch, args.steps, tf32)
        label = "tf32" if tf32 else "fp32"
        print(f"torch {torch.__version__} resnet18 {args.size}x{args.size} batch {args.batch} {label}: {ips:.1f} images/s ({name})")


if __name__ == "__main__":
    main()
