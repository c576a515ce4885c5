"""make pytorch-example, the convolutions: PyTorch's own nn.Conv1d and nn.Conv2d load the
files staticnets exported (`cargo run --example safetensors -- export DIR`: the conv1 and
conv2 models) with load_state_dict(strict=True) and reproduce staticnets' outputs to 1e-6.

Usage: python conv_strict.py DIR
"""

import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

ROWS = 3


class Conv1Model(torch.nn.Module):
    """conv1!(2, 10, 3, 3, stride = 2, dilation = 2), tanh, then Dense<9, 4>, linear."""

    def __init__(self):
        super().__init__()
        self.hid1 = torch.nn.Conv1d(2, 3, 3, stride=2, dilation=2)
        self.out = torch.nn.Linear(9, 4)

    def forward(self, x):
        return self.out(torch.tanh(self.hid1(x.reshape(-1, 2, 10))).flatten(1))


class Conv2Model(torch.nn.Module):
    """conv2!(2, 5, 5, 2, 3, 2), relu, then Dense<24, 3>, linear."""

    def __init__(self):
        super().__init__()
        self.hid1 = torch.nn.Conv2d(2, 2, (3, 2))
        self.out = torch.nn.Linear(24, 3)

    def forward(self, x):
        return self.out(torch.relu(self.hid1(x.reshape(-1, 2, 5, 5))).flatten(1))


def main(d):
    failed = False
    for name, model in [("conv1", Conv1Model()), ("conv2", Conv2Model())]:
        model.load_state_dict(load_file(str(d / f"{name}.safetensors")), strict=True)
        x = torch.from_numpy(np.fromfile(d / f"{name}.x.f32", dtype="<f4").reshape(ROWS, -1).copy())
        y = np.fromfile(d / f"{name}.y.f32", dtype="<f4").reshape(ROWS, -1)
        with torch.no_grad():
            got = model(x).numpy()
        worst = float(np.max(np.abs(got - y)))
        ok = worst <= 1e-6
        failed |= not ok
        print(f"{name}: torch.nn loaded staticnets' file with strict=True; outputs within {worst:.1e} "
              f"of staticnets' (limit 1e-6): {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
