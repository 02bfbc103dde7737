#!/usr/bin/env python3
"""reference_models.py — build the reference CNNs that the runtime is compared on, as ONNX files.

Usage: tools/py/reference_models.py --out DIR [--only NAME,...] [--list]

Writes DIR/<name>.onnx for each model (all of them unless --only), built with onnx.helper:
opset 17, IR version 8, one float32 input whose batch dimension is the symbol `N`, float32
initializers. Weights are random but realistic and fixed (a seed per model name): He-initialized
conv and fully connected weights, BatchNormalization running mean ~ N(0, 0.1), running variance
~ U(0.5, 1.5), gamma ~ U(0.5, 1.5), beta ~ N(0, 0.1). Every file passes onnx.checker.check_model
(full check, with shape inference).

Models:
  lenet_bn_before_relu  1x28x28: conv5x5-20, BN, ReLU, maxpool2, conv5x5-50, BN, ReLU, maxpool2,
                        flatten, fc500, ReLU, dropout 0.5, fc10
  lenet_bn_after_relu   the same with ReLU before BN
  vgg_cifar             3x32x32: [conv3x3-BN-ReLU x2, maxpool2] with 64/128/256 channels,
                        flatten, dropout 0.5, fc512, ReLU, fc10
  resnet18              3x224x224: torchvision's layout (BasicBlocks, bias-free convs followed by BN,
                        residual Add then ReLU, GlobalAveragePool, Flatten, Gemm), 1000 classes
  mobilenetv2           3x224x224: torchvision's layout, width 1.0 (inverted residuals, depthwise
                        3x3, ReLU6 as Clip with min/max inputs), 1000 classes
  mobilenetv2_small     the same network at width 0.5 on 3x96x96 inputs (quick comparisons)

Python environment: re-executes itself under tools/.venv, which tools/pyenv creates on first use.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402

bootstrap.ensure_venv()

import argparse  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

OPSET = 17
IR_VERSION = 8
BATCH = "N"


class GraphBuilder:
    """Appends nodes and float32 initializers; each layer method returns its output's name."""

    def __init__(self, name: str):
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.initializers = []
        self._names = set()
        self._constants = {}

    # -- plumbing -------------------------------------------------------------------------------
    def _unique(self, base: str) -> str:
        name, i = base, 1
        while name in self._names:
            i += 1
            name = f"{base}_{i}"
        self._names.add(name)
        return name

    def weight(self, name: str, array: np.ndarray) -> str:
        name = self._unique(name)
        self.initializers.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), name))
        return name

    def scalar(self, name: str, value: float) -> str:
        """A float32 scalar initializer, shared by every node that needs the same one."""
        if name not in self._constants:
            self._constants[name] = self.weight(name, np.array(value, dtype=np.float32))
        return self._constants[name]

    def node(self, op: str, inputs, name: str, **attrs) -> str:
        name = self._unique(name)
        out = name + "_out" if op != "Identity" else name
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=name, **attrs))
        return out

    # -- layers ---------------------------------------------------------------------------------
    def conv(self, x, cin, cout, k, name, stride=1, pad=None, groups=1, bias=True) -> str:
        pad = (k - 1) // 2 if pad is None else pad
        fan_in = cin // groups * k * k
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), (cout, cin // groups, k, k))
        inputs = [x, self.weight(f"{name}.weight", w)]
        if bias:
            bound = 1.0 / np.sqrt(fan_in)
            inputs.append(self.weight(f"{name}.bias", self.rng.uniform(-bound, bound, cout)))
        return self.node("Conv", inputs, name, kernel_shape=[k, k], strides=[stride, stride],
                         pads=[pad] * 4, group=groups, dilations=[1, 1])

    def bn(self, x, c, name) -> str:
        params = [
            self.weight(f"{name}.weight", self.rng.uniform(0.5, 1.5, c)),
            self.weight(f"{name}.bias", self.rng.normal(0.0, 0.1, c)),
            self.weight(f"{name}.running_mean", self.rng.normal(0.0, 0.1, c)),
            self.weight(f"{name}.running_var", self.rng.uniform(0.5, 1.5, c)),
        ]
        return self.node("BatchNormalization", [x] + params, name, epsilon=1e-5, momentum=0.9)

    def relu(self, x, name) -> str:
        return self.node("Relu", [x], name)

    def relu6(self, x, name) -> str:
        return self.node("Clip", [x, self.scalar("relu6.min", 0.0), self.scalar("relu6.max", 6.0)], name)

    def maxpool(self, x, k, stride, name, pad=0) -> str:
        return self.node("MaxPool", [x], name, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)

    def global_avgpool(self, x, name) -> str:
        return self.node("GlobalAveragePool", [x], name)

    def flatten(self, x, name) -> str:
        return self.node("Flatten", [x], name, axis=1)

    def dropout(self, x, ratio, name) -> str:
        return self.node("Dropout", [x, self.scalar(f"dropout.ratio_{ratio:g}", ratio)], name)

    def add(self, a, b, name) -> str:
        return self.node("Add", [a, b], name)

    def fc(self, x, fin, fout, name) -> str:
        """Gemm in PyTorch's layout: weight (out, in) with transB=1, plus a bias."""
        w = self.rng.normal(0.0, np.sqrt(2.0 / fin), (fout, fin))
        bound = 1.0 / np.sqrt(fin)
        b = self.rng.uniform(-bound, bound, fout)
        return self.node("Gemm", [x, self.weight(f"{name}.weight", w), self.weight(f"{name}.bias", b)],
                         name, alpha=1.0, beta=1.0, transB=1)

    # -- model ----------------------------------------------------------------------------------
    def model(self, input_name, chw, output, classes, doc) -> onnx.ModelProto:
        self.nodes.append(helper.make_node("Identity", [output], ["logits"], name="logits"))
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [BATCH, *chw])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [BATCH, classes])],
            initializer=self.initializers)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="nninfer tools/py/reference_models.py", doc_string=doc)
        m.ir_version = IR_VERSION
        return m


def lenet(bn_before_relu: bool) -> onnx.ModelProto:
    name = "lenet_bn_before_relu" if bn_before_relu else "lenet_bn_after_relu"
    g = GraphBuilder(name)
    x = "input"
    for i, (cin, cout) in enumerate([(1, 20), (20, 50)], 1):
        x = g.conv(x, cin, cout, 5, f"conv{i}", pad=0)
        if bn_before_relu:
            x = g.relu(g.bn(x, cout, f"bn{i}"), f"relu{i}")
        else:
            x = g.bn(g.relu(x, f"relu{i}"), cout, f"bn{i}")
        x = g.maxpool(x, 2, 2, f"pool{i}")
    x = g.flatten(x, "flatten")                       # (N, 50*4*4)
    x = g.relu(g.fc(x, 800, 500, "fc1"), "relu3")
    x = g.dropout(x, 0.5, "dropout")
    x = g.fc(x, 500, 10, "fc2")
    order = "BN before ReLU" if bn_before_relu else "ReLU before BN"
    return g.model("input", [1, 28, 28], x, 10, f"LeNet-5 style with BatchNormalization ({order}) and dropout")


def vgg_cifar() -> onnx.ModelProto:
    g = GraphBuilder("vgg_cifar")
    x, cin = "input", 3
    for b, c in enumerate([64, 128, 256], 1):
        for j in (1, 2):
            x = g.conv(x, cin, c, 3, f"block{b}.conv{j}")
            x = g.relu(g.bn(x, c, f"block{b}.bn{j}"), f"block{b}.relu{j}")
            cin = c
        x = g.maxpool(x, 2, 2, f"block{b}.pool")
    x = g.flatten(x, "flatten")                       # (N, 256*4*4)
    x = g.dropout(x, 0.5, "dropout")
    x = g.relu(g.fc(x, 256 * 4 * 4, 512, "fc1"), "fc1.relu")
    x = g.fc(x, 512, 10, "fc2")
    return g.model("input", [3, 32, 32], x, 10, "VGG-style CIFAR-10 network with BatchNormalization")


def resnet18() -> onnx.ModelProto:
    g = GraphBuilder("resnet18")
    x = g.conv("input", 3, 64, 7, "conv1", stride=2, pad=3, bias=False)
    x = g.relu(g.bn(x, 64, "bn1"), "relu")
    x = g.maxpool(x, 3, 2, "maxpool", pad=1)
    cin = 64
    for layer, (c, stride) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)], 1):
        for blk in range(2):
            s = stride if blk == 0 else 1
            p = f"layer{layer}.{blk}"
            y = g.conv(x, cin, c, 3, f"{p}.conv1", stride=s, bias=False)
            y = g.relu(g.bn(y, c, f"{p}.bn1"), f"{p}.relu1")
            y = g.bn(g.conv(y, c, c, 3, f"{p}.conv2", bias=False), c, f"{p}.bn2")
            if s != 1 or cin != c:
                x = g.bn(g.conv(x, cin, c, 1, f"{p}.downsample.0", stride=s, bias=False), c, f"{p}.downsample.1")
            x = g.relu(g.add(y, x, f"{p}.add"), f"{p}.relu2")
            cin = c
    x = g.flatten(g.global_avgpool(x, "avgpool"), "flatten")
    x = g.fc(x, 512, 1000, "fc")
    return g.model("input", [3, 224, 224], x, 1000, "ResNet-18 in torchvision's layout (random weights)")


def _make_divisible(v: float, divisor: int = 8) -> int:
    """Rounds a channel count to a multiple of `divisor`, never going more than 10% below `v`."""
    rounded = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def mobilenetv2(width: float = 1.0, size: int = 224, name: str = "mobilenetv2") -> onnx.ModelProto:
    g = GraphBuilder(name)
    cin = _make_divisible(32 * width)
    last = _make_divisible(1280 * max(1.0, width))
    x = g.conv("input", 3, cin, 3, "features.0.0", stride=2, bias=False)
    x = g.relu6(g.bn(x, cin, "features.0.1"), "features.0.2")
    # (expansion t, channels c, repeats n, first stride s)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    idx = 1
    for t, c, n, s in settings:
        cout = _make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            p = f"features.{idx}.conv"
            hidden = cin * t
            y = x
            j = 0
            if t != 1:
                y = g.conv(y, cin, hidden, 1, f"{p}.{j}.0", bias=False)
                y = g.relu6(g.bn(y, hidden, f"{p}.{j}.1"), f"{p}.{j}.2")
                j += 1
            y = g.conv(y, hidden, hidden, 3, f"{p}.{j}.0", stride=stride, groups=hidden, bias=False)
            y = g.relu6(g.bn(y, hidden, f"{p}.{j}.1"), f"{p}.{j}.2")
            y = g.bn(g.conv(y, hidden, cout, 1, f"{p}.{j + 1}", bias=False), cout, f"{p}.{j + 2}")
            x = g.add(x, y, f"features.{idx}.add") if stride == 1 and cin == cout else y
            cin = cout
            idx += 1
    x = g.conv(x, cin, last, 1, f"features.{idx}.0", bias=False)
    x = g.relu6(g.bn(x, last, f"features.{idx}.1"), f"features.{idx}.2")
    x = g.flatten(g.global_avgpool(x, "avgpool"), "flatten")
    x = g.dropout(x, 0.2, "classifier.0")
    x = g.fc(x, last, 1000, "classifier.1")
    return g.model("input", [3, size, size], x, 1000,
                   f"MobileNetV2 in torchvision's layout, width {width:g}, {size}x{size} input (random weights)")


MODELS = {
    "lenet_bn_before_relu": lambda: lenet(True),
    "lenet_bn_after_relu": lambda: lenet(False),
    "vgg_cifar": vgg_cifar,
    "resnet18": resnet18,
    "mobilenetv2": lambda: mobilenetv2(),
    "mobilenetv2_small": lambda: mobilenetv2(0.5, 96, "mobilenetv2_small"),
}


def build(name: str) -> onnx.ModelProto:
    model = MODELS[name]()
    onnx.checker.check_model(model, full_check=True)
    return model


def write(name: str, out_dir: Path) -> Path:
    path = Path(out_dir) / f"{name}.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_bytes(build(name).SerializeToString(deterministic=True))
    tmp.replace(path)
    return path


def parse_only(value: str):
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    return names


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="reference_models.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, help="output folder")
    p.add_argument("--only", type=parse_only, metavar="NAME,...", help="build only these models")
    p.add_argument("--list", action="store_true", help="print the model names and exit")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(MODELS))
        return 0
    if args.out is None:
        p.error("--out DIR is required")
    for name in args.only or list(MODELS):
        try:
            path = write(name, args.out)
        except (OSError, onnx.checker.ValidationError) as e:
            print(f"reference_models: error: {name}: {e}", file=sys.stderr)
            return 1
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    from nntools.cli import run
    run(main, "reference_models")
