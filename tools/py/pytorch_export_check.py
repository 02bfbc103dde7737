"""Models that PyTorch's own exporter writes, run by nninfer and by ONNX Runtime on the same input.

Usage (from tools/check-pytorch-export, which makes the venv): python pytorch_export_check.py
    --nninfer PATH [--keep DIR]

Builds small CNNs in plain PyTorch with every layer nninfer's serializer writes and both BN
placements (conv, batch norm before or after ReLU, ReLU/ReLU6, dropout in the classifier, max and
average pooling, residual adds with a strided 1x1 downsample, depthwise convs, flatten, linear),
gives the BN layers non-trivial running statistics, switches to eval mode, and exports each with
both of torch.onnx.export's exporters: the TorchScript one (dynamo=False, opset 17, a dynamic batch
axis; with and without constant folding, which folds BN into the conv before it) and the dynamo one
(dynamo=True, its default opset). Each file is then run by `nninfer run`
and by ONNX Runtime (all graph optimizations) on the same random input, at batch 1 and, where the
batch axis is dynamic, batch 3; outputs must agree within rtol 1e-4, atol 1e-5, and ORT must agree
with PyTorch itself (which shows the file is what PyTorch meant). Exit status 1 on any failure.
"""
import argparse
import logging
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

RTOL, ATOL = 1e-4, 1e-5


def bn_stats(model: nn.Module, seed: int) -> nn.Module:
    """Running statistics and affine parameters a trained network would have (not 0/1), and logits
    of a trained network's size (the last Linear scaled up), so atol 1e-5 is small beside them."""
    g = torch.Generator().manual_seed(seed)
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    last.weight.data.mul_(30.0)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
            m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.25)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)
    return model


def lenet(bn_before_relu: bool) -> nn.Module:
    def block(cin, cout):
        bn = nn.BatchNorm2d(cout)
        act = [bn, nn.ReLU()] if bn_before_relu else [nn.ReLU(), bn]
        return [nn.Conv2d(cin, cout, 5), *act, nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 6), *block(6, 16), nn.Flatten(),
                         nn.Linear(256, 120), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(120, 84), nn.ReLU(), nn.Dropout(0.2), nn.Linear(84, 10))


def vgg_small() -> nn.Module:
    def conv(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*conv(3, 16), *conv(16, 16), nn.MaxPool2d(2), *conv(16, 32), *conv(32, 32), nn.MaxPool2d(2),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(64, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNetSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        self.layers = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.layers(self.stem(x))), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.conv = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


def mobilenet_small() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(inplace=True),
        InvertedResidual(16, 16, 1, 1), InvertedResidual(16, 24, 2, 6), InvertedResidual(24, 24, 1, 6),
        InvertedResidual(24, 32, 2, 6), InvertedResidual(32, 32, 1, 6),
        nn.Conv2d(32, 128, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU6(inplace=True),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, 10))


MODELS = {
    "lenet_bn_before_relu": (lambda: lenet(True), (1, 28, 28)),
    "lenet_bn_after_relu": (lambda: lenet(False), (1, 28, 28)),
    "vgg_small": (vgg_small, (3, 32, 32)),
    "resnet_small": (ResNetSmall, (3, 64, 64)),
    "mobilenet_small": (mobilenet_small, (3, 64, 64)),
}

# the dynamo exporter logs the torchvision ops it cannot register: not this check's business
logging.getLogger("torch.onnx").setLevel(logging.ERROR)


# torchscript: the TorchScript exporter as most scripts call it (it folds BN into a preceding conv);
# torchscript-nofold: the same without constant folding, so every BatchNormalization stays a node;
# dynamo: the dynamo exporter (opset 20, its optimizer folds BN too, weights as external data).
EXPORTERS = ["torchscript", "torchscript-nofold", "dynamo"]


def export(model, chw, path: Path, exporter: str) -> None:
    x = torch.randn(1, *chw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            torch.onnx.export(model, (x,), str(path), input_names=["input"], output_names=["logits"], dynamo=True,
                              verbose=False)
        else:
            torch.onnx.export(model, (x,), str(path), input_names=["input"], output_names=["logits"], dynamo=False,
                              opset_version=17, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                              do_constant_folding=exporter == "torchscript")


def close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False, f"shape {list(a.shape)} != {list(b.shape)}"
    err = np.abs(a - b) - (ATOL + RTOL * np.abs(b))
    worst = float(np.max(np.abs(a - b))) if a.size else 0.0
    return bool(np.all(err <= 0)), f"max abs {worst:.2e}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nninfer", required=True)
    ap.add_argument("--keep", help="write the exported files here instead of a temporary directory")
    a = ap.parse_args()
    torch.manual_seed(0)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(a.keep or tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for i, (name, (make, chw)) in enumerate(MODELS.items()):
            model = bn_stats(make(), seed=i).eval()
            for exporter in EXPORTERS:
                path = out_dir / f"{name}.{exporter}.onnx"
                try:
                    export(model, chw, path, exporter)
                except Exception as e:  # noqa: BLE001 - an exporter failure is reported, not ours
                    print(f"SKIP {name:22s} {exporter:18s} PyTorch could not export it: {str(e).splitlines()[0][:120]}")
                    continue
                sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
                shape0 = sess.get_inputs()[0].shape[0]
                for batch in ([1, 3] if not isinstance(shape0, int) else [shape0]):
                    x = np.random.default_rng(10 * i + batch).standard_normal((batch, *chw)).astype(np.float32)
                    with torch.no_grad():
                        want_torch = model(torch.from_numpy(x)).numpy()
                    want = sess.run(None, {sess.get_inputs()[0].name: x})[0]
                    ok_ref, why_ref = close(want, want_torch)
                    np.save(out_dir / "input.npy", x)
                    run_dir = out_dir / "out"
                    r = subprocess.run([a.nninfer, "run", str(path), str(out_dir / "input.npy"), "--output-dir",
                                        str(run_dir), "--npy"], capture_output=True, text=True)
                    label = f"{name:22s} {exporter:18s} batch {batch}"
                    if r.returncode != 0:
                        print(f"FAIL {label}: nninfer exited {r.returncode}: {r.stderr.strip()[:300]}")
                        failures += 1
                        continue
                    got = np.load(run_dir / "output_0.npy")
                    ok, why = close(got, want)
                    why += f" (logits up to {float(np.max(np.abs(want))):.2f})"
                    if not ok_ref:
                        print(f"FAIL {label}: ONNX Runtime disagrees with PyTorch ({why_ref})")
                        failures += 1
                    elif not ok:
                        print(f"FAIL {label}: nninfer vs ONNX Runtime: {why}")
                        failures += 1
                    else:
                        print(f"PASS {label}: {why} vs ONNX Runtime (ORT vs PyTorch: {why_ref})")
    print(f"torch {torch.__version__}: {'all passed' if failures == 0 else f'{failures} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
