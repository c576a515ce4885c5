# make bench, PyTorch eager on the CPU with one thread: the reference models of
# wasm/src/bench.rs written in torch, by the same protocol, plus the SGEMM probe that gives
# one core's peak. One JSON record per line.
# Usage: python scripts/bench/torch_bench.py [--smoke] [--probe: only the SGEMM probe]
#        [--serve: warm/rep commands on stdin, for together.py]
import json
import math
import os
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(1)
SMOKE = "--smoke" in sys.argv
WARM, REP = (0.1, 0.02) if SMOKE else (1.0, 2.0)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def digits():
    b = open(os.path.join(ROOT, "core", "data", "digits.bin"), "rb").read()
    rows = b[8] | (b[9] << 8)
    x = torch.empty(rows, 64)
    for r in range(rows):
        rec = b[12 + r * 65: 12 + r * 65 + 64]
        x[r] = torch.tensor(list(rec), dtype=torch.float32) / 16
    return x


def model(name, regularized):
    nin, nh, batch, tied = {"S": (64, 32, 32, True), "L": (784, 256, 64, False)}[name]
    x = digits() if name == "S" else torch.rand(1024, nin)
    batches = list(x[: (len(x) // batch) * batch].split(batch))
    std = 1 / math.sqrt(nin + nh)
    w = (torch.randn(nin, nh) * std).requires_grad_()
    bh = torch.zeros(nh, requires_grad=True)
    w2 = None if tied else (torch.randn(nh, nin) * std).requires_grad_()
    bo = torch.zeros(nin, requires_grad=True)
    params = [w, bh, bo] + ([] if tied else [w2])
    opt = torch.optim.SGD(params, lr=0.01)
    state = {"i": 0}

    def step(n):
        for _ in range(n):
            xb = batches[state["i"] % len(batches)]
            state["i"] += 1
            xin = xb + 0.1 * torch.randn_like(xb) if regularized else xb
            h = torch.sigmoid(xin @ w + bh)
            y = (h @ w.t() if tied else h @ w2) + bo
            loss = torch.nn.functional.mse_loss(y, xb)
            if regularized:
                l2 = (w * w).mean() if tied else ((w * w).mean() + (w2 * w2).mean()) / 2
                loss = loss + 1e-4 * l2 + 0.1 * h.abs().mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return loss.item()

    return step


def waves(rows):
    """V's data: two sines per window, the formula of wasm/src/bench.rs."""
    t = torch.arange(128, dtype=torch.float64)
    r = torch.arange(rows, dtype=torch.float64)[:, None]
    tau = 2 * math.pi
    return (torch.sin(tau * 5 * t / 128 + 0.37 * r) + 0.3 * torch.sin(tau * 10 * t / 128 + 1.1 * r)).float()


def conv_model(name):
    """V (conv1 4x8 stride 4, tanh, max pool 2, 16 relu, 128 linear) or D (conv2 6x3x3 relu,
    max pool 2x2, 32 relu, 64 sigmoid): the models of wasm/src/bench.rs, plain SGD 0.01,
    batch 32, MSE against the input."""
    F = torch.nn.functional
    if name == "V":
        x = waves(512).reshape(512, 1, 128)
        shapes = [(4, 1, 8), (4,), (16, 60), (16,), (128, 16), (128,)]
        fans = [(8, 32), None, (60, 16), None, (16, 128), None]
    else:
        x = digits().reshape(-1, 1, 8, 8)
        shapes = [(6, 1, 3, 3), (6,), (32, 54), (32,), (64, 32), (64,)]
        fans = [(9, 54), None, (54, 32), None, (32, 64), None]
    params = []
    for shape, fan in zip(shapes, fans):
        std = 1 / math.sqrt(sum(fan)) if fan else 0.0
        params.append((torch.randn(shape) * std).requires_grad_())
    w1, b1, w2, b2, w3, b3 = params
    batches = list(x[: (len(x) // 32) * 32].split(32))
    opt = torch.optim.SGD(params, lr=0.01)
    state = {"i": 0}

    def step(n):
        for _ in range(n):
            xb = batches[state["i"] % len(batches)]
            state["i"] += 1
            if name == "V":
                h = F.max_pool1d(torch.tanh(F.conv1d(xb, w1, b1, stride=4)), 2)
                y = F.linear(F.relu(F.linear(h.flatten(1), w2, b2)), w3, b3)
            else:
                h = F.max_pool2d(F.relu(F.conv2d(xb, w1, b1)), 2)
                y = torch.sigmoid(F.linear(F.relu(F.linear(h.flatten(1), w2, b2)), w3, b3))
            loss = F.mse_loss(y, xb.flatten(1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return loss.item()

    return step


def warm(step):
    """The first step's loss, then the warm-up: at least 50 steps and WARM s."""
    first = step(1)
    t0, n = time.perf_counter(), 0
    while n < 50 or time.perf_counter() - t0 < WARM:
        step(10)
        n += 10
    return first


def repetition(step):
    """One repetition, at least 50 steps and REP s: (ms per step, the last loss)."""
    t, done, last = time.perf_counter(), 0, float("nan")
    while done < 50 or time.perf_counter() - t < REP:
        last = step(10)
        done += 10
    return (time.perf_counter() - t) * 1e3 / done, last


def measure(step):
    first = warm(step)
    ms, last = [], first
    for _ in range(5):
        t, last = repetition(step)
        ms.append(t)
    return {"ms": statistics.median(ms), "loss_first": first, "loss_last": last}


def serve():
    """--serve: the protocol one step at a time for together.py, which interleaves these
    repetitions with staticnets'. Each stdin line is `warm MODEL VARIANT` or `rep MODEL
    VARIANT`; each gets one JSON line back."""
    runs = {}
    for line in sys.stdin:
        what, name, variant = line.split()
        if what == "warm":
            runs[(name, variant)] = step = (
                conv_model(name) if name in "VD" else model(name, variant == "regularized")
            )
            reply = {"framework": "PyTorch eager", "loss_first": warm(step)}
        else:
            ms, last = repetition(runs[(name, variant)])
            reply = {"ms": ms, "loss_last": last}
        print(json.dumps(reply), flush=True)


def sgemm_peak():
    """One core's float32 matrix-multiply rate (MKL/oneDNN through torch), GFLOP/s: the best
    of 5 repetitions of a 2048^3 product, after a warm-up."""
    n = 512 if SMOKE else 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


if "--serve" in sys.argv:
    serve()
    sys.exit(0)
print(json.dumps({"framework": "sgemm probe", "env": "native", "gflops": sgemm_peak(),
                  "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
if "--probe" in sys.argv:
    sys.exit(0)
for name, variants in [("S", [False, True]), ("L", [False, True]), ("V", [False]), ("D", [False])]:
    for regularized in variants:
        r = measure(conv_model(name) if name in "VD" else model(name, regularized))
        r.update({"framework": "PyTorch eager", "env": "native", "model": name,
                  "variant": "regularized" if regularized else "plain"})
        print(json.dumps(r), flush=True)
