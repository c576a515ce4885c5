"""The Python half of the safetensors round trip (the Rust half: core/examples/safetensors.rs).

For each model (feedforward, tied, rnn, lstm, conv1, conv2):
1. read staticnets' exported file with the `safetensors` package, check names, dtypes and
   PyTorch shapes, recompute the outputs from the file alone in float64 with PyTorch's
   conventions (nn.Linear: x W^T + b; nn.RNN / nn.LSTM: gates x W_ih^T + b_ih + h W_hh^T +
   b_hh, LSTM gate order i, f, g, o; nn.Conv1d / nn.Conv2d: weight (out, in, k) / (out, in,
   kh, kw), cross-correlation), and
   compare with staticnets' outputs;
2. write new weights (both recurrent biases non-zero) with `safetensors.numpy.save_file`, and
   the outputs they give, for the Rust side to import and reproduce.

Usage: python safetensors_check.py DIR   (after `cargo run --example safetensors -- export DIR`)
"""

import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

ROWS = 3


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def dense(x, w, b):
    return x @ w.T + b


# Each model: the expected tensors (name -> PyTorch shape), and its forward pass in float64.
def ff(p, x):
    h = np.tanh(dense(x, p["hid1.weight"], p["hid1.bias"]))
    return sigmoid(dense(h, p["out.weight"], p["out.bias"]))


def tied(p, x):
    h = sigmoid(dense(x, p["hid1.weight"], p["hid1.bias"]))
    return h @ p["hid1.weight"] + p["out.bias"]  # the decoder is W^T: h (W^T)^T = h W


def recurrent(p, x, cell, steps=5, inputs=2, units=4):
    seqs = x.reshape(ROWS, steps, inputs)
    h = np.zeros((ROWS, units))
    c = np.zeros((ROWS, units))
    out = []
    for t in range(steps):
        z = (
            seqs[:, t] @ p["hid1.weight_ih_l0"].T
            + p["hid1.bias_ih_l0"]
            + h @ p["hid1.weight_hh_l0"].T
            + p["hid1.bias_hh_l0"]
        )
        if cell:
            i, f, g, o = np.split(z, 4, axis=1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        else:
            h = np.tanh(z)
        out.append(dense(h, p["out.weight"], p["out.bias"]))
    return np.concatenate(out, axis=1)


def conv1d(x, w, b, stride=1, dilation=1):
    """PyTorch's nn.Conv1d (no padding) on x of shape (rows, in, length)."""
    out_ch, _, k = w.shape
    length = x.shape[2]
    lo = (length - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((x.shape[0], out_ch, lo))
    for i in range(lo):
        taps = x[:, :, i * stride : i * stride + dilation * (k - 1) + 1 : dilation]
        y[:, :, i] = np.einsum("rck,ock->ro", taps, w) + b
    return y


def conv2d(x, w, b):
    """PyTorch's nn.Conv2d (stride 1, no padding) on x of shape (rows, in, h, w)."""
    out_ch, _, kh, kw = w.shape
    ho, wo = x.shape[2] - kh + 1, x.shape[3] - kw + 1
    y = np.zeros((x.shape[0], out_ch, ho, wo))
    for i in range(ho):
        for j in range(wo):
            y[:, :, i, j] = np.einsum("rcab,ocab->ro", x[:, :, i : i + kh, j : j + kw], w) + b
    return y


def conv2_model(p, x):
    h = np.maximum(conv2d(x.reshape(ROWS, 2, 5, 5), p["hid1.weight"], p["hid1.bias"]), 0.0)
    return dense(h.reshape(ROWS, -1), p["out.weight"], p["out.bias"])


def conv_model(p, x):
    h = np.tanh(conv1d(x.reshape(ROWS, 2, 10), p["hid1.weight"], p["hid1.bias"], 2, 2))
    return dense(h.reshape(ROWS, -1), p["out.weight"], p["out.bias"])


MODELS = {
    "ff": (
        {"hid1.weight": (5, 6), "hid1.bias": (5,), "out.weight": (4, 5), "out.bias": (4,)},
        ff,
    ),
    "tied": ({"hid1.weight": (3, 6), "hid1.bias": (3,), "out.bias": (6,)}, tied),
    "rnn": (
        {
            "hid1.weight_ih_l0": (4, 2),
            "hid1.weight_hh_l0": (4, 4),
            "hid1.bias_ih_l0": (4,),
            "hid1.bias_hh_l0": (4,),
            "out.weight": (3, 4),
            "out.bias": (3,),
        },
        lambda p, x: recurrent(p, x, cell=False),
    ),
    "lstm": (
        {
            "hid1.weight_ih_l0": (16, 2),
            "hid1.weight_hh_l0": (16, 4),
            "hid1.bias_ih_l0": (16,),
            "hid1.bias_hh_l0": (16,),
            "out.weight": (3, 4),
            "out.bias": (3,),
        },
        lambda p, x: recurrent(p, x, cell=True),
    ),
    "conv1": (
        {"hid1.weight": (3, 2, 3), "hid1.bias": (3,), "out.weight": (4, 9), "out.bias": (4,)},
        conv_model,
    ),
    "conv2": (
        {"hid1.weight": (2, 2, 3, 2), "hid1.bias": (2,), "out.weight": (3, 24), "out.bias": (3,)},
        conv2_model,
    ),
}


def main(d):
    failed = False
    rng = np.random.default_rng(7)
    for name, (shapes, forward) in MODELS.items():
        p32 = load_file(str(d / f"{name}.safetensors"))
        x = np.fromfile(d / f"{name}.x.f32", dtype="<f4").astype(np.float64).reshape(ROWS, -1)
        y = np.fromfile(d / f"{name}.y.f32", dtype="<f4").astype(np.float64).reshape(ROWS, -1)
        got = {k: tuple(v.shape) for k, v in p32.items()}
        if got != shapes or any(v.dtype != np.float32 for v in p32.values()):
            print(f"{name}: FAILED: tensors {got}, expected {shapes} (all float32)")
            failed = True
            continue
        p = {k: v.astype(np.float64) for k, v in p32.items()}
        worst = float(np.max(np.abs(forward(p, x) - y)))
        ok = worst <= 1e-5
        failed |= not ok
        print(
            f"{name}: staticnets' file read by safetensors {got}; outputs recomputed in "
            f"float64 within {worst:.1e} (limit 1e-5): {'ok' if ok else 'FAILED'}"
        )
        # New weights from Python, both recurrent biases non-zero, for the Rust side.
        new = {k: rng.normal(0.0, 0.5, s).astype(np.float32) for k, s in shapes.items()}
        save_file(new, str(d / f"{name}.py.safetensors"), metadata={"format": "pt"})
        y_new = forward({k: v.astype(np.float64) for k, v in new.items()}, x)
        y_new.astype("<f4").tofile(d / f"{name}.py.y.f32")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
