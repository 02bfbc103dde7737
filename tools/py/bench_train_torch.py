"""PyTorch CPU training throughput for the LeNet of tools/bench-train (same net, batch, threads).

Usage: python bench_train_torch.py --threads T [--batch 64] [--steps 50] [--fc 500]
Prints one JSON line: {"threads": T, "batch": B, "images_per_second": X, "torch": version}.
Synthetic data, SGD with momentum 0.9, softmax cross-entropy: forward, backward and update per step,
as `nntrain bench-train` does.
"""
import argparse
import json
import time

import torch
from torch import nn


def lenet(fc: int, bn: bool) -> nn.Module:
    def block(cin, cout):
        layers = [nn.Conv2d(cin, cout, 5)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        return layers + [nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 20), *block(20, 50), nn.Flatten(), nn.Linear(800, fc), nn.ReLU(), nn.Linear(fc, 10))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--fc", type=int, default=500)
    ap.add_argument("--bn", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = lenet(args.fc, args.bn).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    start = 0.0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    ips = args.steps * args.batch / (time.perf_counter() - start)
    print(json.dumps({"threads": args.threads, "batch": args.batch, "images_per_second": round(ips, 1), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
