"""From PyTorch to a device and back: the PyTorch half of `make pytorch-example`.

  base DIR   train the 64-32-64 digits autoencoder (ReLU code, sigmoid output, MSE) in
             PyTorch on digits 0..1499, save DIR/base.safetensors (the state_dict) and its
             outputs for digits 1500..1515 (DIR/base-x.f32, DIR/base-y.f32)
  check DIR  load the models staticnets fine-tuned (natively: DIR/native-finetuned.safetensors;
             on the Cortex-M4F under QEMU: DIR/device-finetuned.safetensors) into the same
             PyTorch module and compare its outputs with the ones staticnets computed
             (DIR/native-x.f32 / native-y.f32, DIR/device-x.f32 / device-y.f32)

The module's attributes are named as staticnets names its layers (hid1, out), so the
state_dict's keys are the safetensors names staticnets reads and writes.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 1e-6  # the largest output difference allowed, on outputs in (0, 1)


class Autoencoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hid1 = torch.nn.Linear(64, 32)
        self.out = torch.nn.Linear(32, 64)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.relu(self.hid1(x))))


def digits():
    b = (ROOT / "core" / "data" / "digits.bin").read_bytes()
    assert b[:8] == b"SNDIGIT1", "core/data/digits.bin is not a digits file"
    rows = b[8] | (b[9] << 8)
    a = np.frombuffer(b[12 : 12 + rows * 65], dtype=np.uint8).reshape(rows, 65)
    return torch.tensor(a[:, :64] / 16.0, dtype=torch.float32)


def f32(path):
    return torch.tensor(np.fromfile(path, dtype="<f4"))


def base(d):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = digits()
    train = x[:1500]
    model = Autoencoder()
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    for epoch in range(60):
        perm = torch.randperm(len(train))
        for i in range(0, len(train), 32):
            batch = train[perm[i : i + 32]]
            opt.zero_grad()
            loss = torch.mean((model(batch) - batch) ** 2)
            loss.backward()
            opt.step()
    with torch.no_grad():
        probe = x[1500:1516]
        err = float(torch.mean((model(probe) - probe) ** 2))
        save_file(model.state_dict(), str(d / "base.safetensors"), metadata={"format": "pt"})
        probe.numpy().astype("<f4").tofile(d / "base-x.f32")
        model(probe).numpy().astype("<f4").tofile(d / "base-y.f32")
    print(f"pytorch: trained the base model (60 epochs on digits 0..1499, adam); "
          f"reconstruction error on digits 1500..1515: {err:.5f}; saved {d / 'base.safetensors'}")


def check(d):
    failed = False
    for who in ["native", "device"]:
        model = Autoencoder()
        model.load_state_dict(load_file(str(d / f"{who}-finetuned.safetensors")), strict=True)
        x = f32(d / f"{who}-x.f32").reshape(-1, 64)
        y = f32(d / f"{who}-y.f32").reshape(-1, 64)
        with torch.no_grad():
            worst = float(torch.max(torch.abs(model(x) - y)))
        ok = worst <= LIMIT
        failed |= not ok
        where = "natively" if who == "native" else "on the Cortex-M4F (QEMU)"
        print(f"pytorch: the model fine-tuned {where}, loaded with load_state_dict(strict=True), "
              f"reproduces staticnets' outputs on {len(x)} digits within {worst:.1e} "
              f"(limit {LIMIT:g}): {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    cmd, d = sys.argv[1], Path(sys.argv[2])
    d.mkdir(parents=True, exist_ok=True)
    sys.exit(base(d) if cmd == "base" else check(d))
