"""The Python package (`import staticnets`): its NumPy API, each bad input (a ValueError with
the core's message, the model unchanged), the cross-target golden values, checkpoints and
safetensors. Run: `make test`, or `pytest python/tests` after `maturin develop` in the venv
scripts/setup makes (target/py)."""

from pathlib import Path

import numpy as np
import pytest

import staticnets

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digits():
    x, labels = staticnets.digits()
    return x, labels


def fresh(digits, preset="ae-64-32-64-tied", config=None):
    x, labels = digits
    m = staticnets.Model(preset, config or {"algo": "adam", "learning_rate": 0.01, "batch_size": 32, "rng": 5})
    if m.outputs == 10:
        m.set_data(x[:1000], labels[:1000])
        m.set_validation(x[1000:1300], labels[1000:1300])
    else:
        m.set_data(x[:1000])
        m.set_validation(x[1000:1300])
    return m


def state(m):
    """Everything a refused call must leave as it was: the weights and the run's checkpoint."""
    return [m.weights(n).copy() for n in m.tensor_names()], m.save()


def test_the_presets_and_their_shapes():
    assert "ae-64-32-64-tied" in staticnets.presets()
    m = staticnets.Model("ae-64-32-64-tied")
    assert (m.inputs, m.outputs, m.layer_sizes) == (64, 64, [64, 32, 64])
    assert m.parameter_count == 64 * 32 + 32 + 64
    assert m.tensor_names() == ["hid1.w", "hid1.b", "out.b"]
    assert "algo = rmsprop" in m.config  # theanets' defaults
    conv = staticnets.Model("ae-conv-6x3x3")
    assert conv.layer_sizes == [64, 216, 54, 32, 64]


def test_an_autoencoder_learns_and_predicts(digits):
    m = fresh(digits)
    before = m.validate()["err"]
    r = m.train(300)
    assert r["steps"] == 300 and np.isfinite(r["loss"])
    after = m.validate()["err"]
    assert after < 0.3 * before, (before, after)
    x = digits[0]
    y = m.predict(x[1000:1010])
    assert y.shape == (10, 64) and y.dtype == np.float32
    # the reconstruction error, computed here from predict's outputs: the mean over batches of
    # 32 (the last one shorter) of each batch's mean squared error, as validation reports it
    sq = (m.predict(x[1000:1300]).astype(np.float64) - x[1000:1300]) ** 2
    mse = float(np.mean([sq[b : b + 32].mean() for b in range(0, 300, 32)]))
    assert abs(mse - after) < 1e-6 * after, (mse, after)


def test_a_classifier_reaches_high_accuracy(digits):
    x, labels = digits
    m = fresh(digits, "clf-64-32-10")
    m.train(600)
    classes = m.predict_classes(x[1300:1600])
    assert classes.dtype == np.uint32
    accuracy = float(np.mean(classes == labels[1300:1600]))
    assert accuracy > 0.85, accuracy
    assert m.score(x[1300:1600], labels[1300:1600]) == pytest.approx(accuracy, abs=1e-6)


def test_settings_as_text_or_a_dict_and_while_training(digits):
    a = staticnets.Model("ae-64-16-64", "algo = adam\nlearning_rate = 0.003\nhidden_l1 = 0.1")
    b = staticnets.Model("ae-64-16-64", {"algo": "adam", "learning_rate": 0.003, "hidden_l1": 0.1})
    assert a.config == b.config
    a.set_data(digits[0][:200])
    a.train(5)
    a.set("input_noise", 0.2)
    assert "input_noise = 0.2" in a.config
    assert "input_noise" in a.train(5)["regs"]


BAD_INPUTS = [
    ("float64", lambda x: x.astype(np.float64), "dtype float32, got float64"),
    ("a list", lambda x: x.tolist(), "must be a NumPy array"),
    ("wrong width", lambda x: np.ascontiguousarray(x[:, :60]), "shape (rows, 64)"),
    ("one dimension", lambda x: x.reshape(-1), "shape (rows, 64)"),
    ("no rows", lambda x: x[:0], "rows >= 1"),
    ("Fortran order", lambda x: np.asfortranarray(x), "C-contiguous"),
    ("every other row", lambda x: x[::2], "C-contiguous"),
    ("a NaN", lambda x: np.where(np.arange(x.size).reshape(x.shape) == 70, np.float32(np.nan), x).astype(np.float32), "non-finite value at row 1, column 6"),
]


@pytest.mark.parametrize("name,make,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_inputs_raise_and_change_nothing(digits, name, make, message):
    m = fresh(digits)
    m.train(20)
    before = state(m)
    bad = make(digits[0][:40].copy())
    for call in (lambda: m.set_data(bad), lambda: m.predict(bad), lambda: m.set_validation(bad)):
        with pytest.raises(ValueError) as e:
            call()
        assert message in str(e.value), str(e.value)
    after = state(m)
    assert all(np.array_equal(a, b) for a, b in zip(before[0], after[0]))
    assert before[1] == after[1]


def test_bad_labels_and_settings_raise_and_change_nothing(digits):
    x, labels = digits
    m = fresh(digits, "clf-64-32-10")
    m.train(10)
    before = state(m)
    cases = [
        (lambda: m.set_data(x[:100], labels[:99]), "must hold 100 values"),
        (lambda: m.set_data(x[:100], labels[:100].astype(np.int64)), "dtype uint32"),
        (lambda: m.set_data(x[:100], np.full(100, 10, dtype=np.uint32)), "label"),
        (lambda: m.set("learning_rate", -1), "learning_rate"),
        (lambda: m.set("no_such_key", 1), "no_such_key"),
        (lambda: m.set("prox", 0.1), "prox"),
        (lambda: m.load(b"not a checkpoint"), "checkpoint"),
        (lambda: m.load_safetensors(b"\x00" * 16), "safetensors"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as e:
            call()
        assert message in str(e.value), str(e.value)
    after = state(m)
    assert all(np.array_equal(a, b) for a, b in zip(before[0], after[0]))
    assert before[1] == after[1]
    with pytest.raises(ValueError):
        staticnets.Model("no-such-preset")


def test_the_same_bits_as_every_other_target():
    digits_file = (ROOT / "core" / "data" / "digits.bin").read_bytes()
    fixture = (ROOT / "tests" / "fixtures" / "conformance-step20.snet").read_bytes()
    assert staticnets.conformance_run(digits_file, fixture) == staticnets.conformance_golden()


def test_a_checkpoint_resumes_the_run_bit_for_bit(digits):
    a = fresh(digits, config={"algo": "adam", "learning_rate": 0.01, "batch_size": 32, "input_noise": 0.1, "rng": 9})
    a.train(37)
    file = a.save()
    a.train(25)
    b = fresh(digits, config={"algo": "sgd", "learning_rate": 0.5})
    b.load(file)
    assert b.config == staticnets.Model("ae-64-32-64-tied", {"algo": "adam", "learning_rate": 0.01, "batch_size": 32, "input_noise": 0.1, "rng": 9}).config
    b.train(25)
    for name in a.tensor_names():
        assert np.array_equal(a.weights(name), b.weights(name)), name


def test_safetensors_out_and_in(digits):
    a = fresh(digits)
    a.train(50)
    file = a.save_safetensors()
    assert file[8:30].startswith(b'{"hid1.weight"')
    b = staticnets.Model("ae-64-32-64-tied")
    b.set_data(digits[0][:100])
    b.load_safetensors(file)
    x = digits[0][1300:1310]
    assert np.array_equal(a.predict(x), b.predict(x))


def test_weights_out_and_in_and_refusals(digits):
    a = fresh(digits)
    a.train(40)
    w = a.get_weights()
    assert set(w) == set(a.tensor_names()) and w["hid1.w"].shape == (64, 32)
    b = fresh(digits)
    before = state(b)
    for name, values, message in [
        ("hid9.w", w["hid1.w"], "no parameter"),
        ("hid1.w", w["hid1.w"][:10], "must hold 2048 values"),
        ("hid1.w", w["hid1.w"].astype(np.float64), "dtype float32"),
        ("hid1.w", np.full((64, 32), np.inf, dtype=np.float32), "non-finite"),
    ]:
        with pytest.raises(ValueError) as e:
            b.set_weights(name, values)
        assert message in str(e.value), str(e.value)
    after = state(b)
    assert all(np.array_equal(p, q) for p, q in zip(before[0], after[0])) and before[1] == after[1]
    for name, values in w.items():
        b.set_weights(name, values)
    x = digits[0][1300:1310]
    assert np.array_equal(a.predict(x), b.predict(x))


def test_prox_pulls_towards_the_reference_a_client_received(digits):
    """FedProx's client: the global weights arrive, become the reference, and `prox` keeps
    the local updates near them."""
    x = digits[0]

    def local_run(mu):
        m = fresh(digits)
        m.train(100)
        glob = m.get_weights()
        with pytest.raises(ValueError, match="prox: no reference weights"):
            m.set("prox", mu)  # before the reference is set
        m.set_reference()
        m.set("prox", mu)
        m.set_data(x[1300:1500])  # this client's own data
        m.train(200)
        r = m.validate()["regs"]["prox"]
        drift = sum(float(np.sum((m.weights(n) - glob[n]) ** 2)) for n in glob)
        return drift, r

    (free, r0), (pulled, r1) = local_run(0.0001), local_run(1.0)
    assert pulled < 0.5 * free, (free, pulled)
    assert r1 == pytest.approx(pulled / 2, rel=1e-4)  # R = (1/2) ||w - w_ref||^2


def test_a_checkpoint_written_here_resumes_in_the_pages_build(digits, tmp_path):
    """Python writes a checkpoint mid-run; the page's wasm build (web/pkg/simd, in Node) resumes
    it on the same data and ends in the same bits as Python continuing. make test builds the
    page before this step; run by hand without that build, the test is skipped, saying why."""
    import shutil
    import subprocess

    pkg = ROOT / "web" / "pkg" / "simd"
    if not (pkg / "staticnets_wasm.js").exists() or shutil.which("node") is None:
        pytest.skip("needs the page's build (bash scripts/build-web) and node")
    config = {"algo": "adam", "learning_rate": 0.01, "batch_size": 32, "input_noise": 0.1, "rng": 11}
    a = staticnets.Model("ae-64-32-64-tied", config)
    a.set_data(digits[0][:1000])
    a.train(23)
    file = tmp_path / "python.snet"
    file.write_bytes(a.save())
    a.train(31)
    script = f"""
import {{ readFileSync }} from "node:fs";
const m = await import({str(pkg / "staticnets_wasm.js")!r});
m.initSync({{ module: readFileSync({str(pkg / "staticnets_wasm_bg.wasm")!r}) }});
const d = m.digits(readFileSync({str(ROOT / "web" / "data" / "digits.bin")!r}));
const t = new m.Model("ae-64-32-64-tied", null);
t.setData(d.x.slice(0, 1000 * 64));
t.load(readFileSync({str(file)!r}));
t.train(31);
for (const n of ["hid1.w", "hid1.b", "out.b"]) console.log(Buffer.from(t.weights(n).buffer).toString("hex"));
"""
    out = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    hexes = out.stdout.split()
    for name, h in zip(["hid1.w", "hid1.b", "out.b"], hexes):
        assert a.weights(name).astype("<f4").tobytes().hex() == h, name
