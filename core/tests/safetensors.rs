//! safetensors import: every kind of wrong file is refused with an error naming the tensor,
//! and changes nothing; F64 files import rounded; an LSTM's peepholes travel when used. (The
//! round trip with Python's own `safetensors` package is `tests/interop`, run by make test.)

use staticnets::layers::{Activation::*, Dense, Layers, Lstm, TimeDense};
use staticnets::network::Network;

type Ff = (Dense<3, 2>, Dense<2, 3>);

fn ff(seed: u64) -> Network<Ff> {
    let mut n = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    n.init(seed);
    n
}

/// A safetensors file built by hand: (name, dtype, shape, raw data bytes).
fn file(tensors: &[(&str, &str, &[usize], Vec<u8>)]) -> Vec<u8> {
    let mut header = String::from("{");
    let mut data = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let shape: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        header += &format!(
            "\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{}],\"data_offsets\":[{},{}]}},",
            shape.join(","),
            data.len(),
            data.len() + bytes.len()
        );
        data.extend_from_slice(bytes);
    }
    header += "\"__metadata__\":{\"format\":\"pt\",\"note\":[1,{\"a\":null}]}}";
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    out
}

fn f32s(n: usize, v: f32) -> Vec<u8> {
    (0..n).flat_map(|k| (v + k as f32).to_le_bytes()).collect()
}

/// The four tensors of `Ff` in PyTorch's shapes, values 1, 2, 3, ...
fn good() -> Vec<(&'static str, &'static str, &'static [usize], Vec<u8>)> {
    vec![
        ("out.bias", "F32", &[3], f32s(3, 100.0)),
        ("hid1.weight", "F32", &[2, 3], f32s(6, 1.0)),
        ("hid1.bias", "F32", &[2], f32s(2, 10.0)),
        ("out.weight", "F32", &[3, 2], f32s(6, 20.0)),
    ]
}

#[test]
fn a_hand_written_file_in_any_order_maps_pytorch_layouts() {
    let mut n = ff(1);
    n.load_safetensors(&file(&good())).unwrap();
    // nn.Linear.weight is out x in: hid1.weight[o][i] = 1 + 3 o + i lands at w[i][o].
    assert_eq!(n.body.0.w, [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]);
    assert_eq!(n.body.0.b, [10.0, 11.0]);
    assert_eq!(n.body.1.w, [[20.0, 22.0, 24.0], [21.0, 23.0, 25.0]]);
    assert_eq!(n.body.1.b, [100.0, 101.0, 102.0]);
    // F64 values are rounded to f32.
    let mut f64s = good();
    f64s[2] = (
        "hid1.bias",
        "F64",
        &[2],
        [0.1f64, 1e300]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect(),
    );
    let e = n.load_safetensors(&file(&f64s)).unwrap_err().to_string();
    assert!(
        e.contains("\"hid1.bias\" holds a value that is not finite"),
        "{e}"
    );
    f64s[2].3 = [0.1f64, -2.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    n.load_safetensors(&file(&f64s)).unwrap();
    assert_eq!(n.body.0.b, [0.1f32, -2.5]);
}

#[test]
fn every_wrong_file_is_refused_naming_the_tensor_and_changes_nothing() {
    let mut n = ff(2);
    let before = n.clone();
    let mut refuse = |bytes: &[u8], expect: &str| {
        let e = n.load_safetensors(bytes).unwrap_err().to_string();
        assert!(e.contains(expect), "expected {expect:?}, got {e:?}");
        assert_eq!(n, before, "refused ({e}) but the network changed");
    };
    let with = |k: usize, t: (&'static str, &'static str, &'static [usize], Vec<u8>)| {
        let mut g = good();
        g[k] = t;
        file(&g)
    };
    refuse(
        &with(1, ("hid1.weight", "F32", &[3, 2], f32s(6, 1.0))),
        "\"hid1.weight\" has the wrong shape",
    );
    refuse(
        &with(1, ("hid1.weight", "F16", &[2, 3], vec![0; 12])),
        "\"hid1.weight\" has a dtype other than F32 or F64",
    );
    refuse(
        &with(1, ("hid1.wieght", "F32", &[2, 3], f32s(6, 1.0))),
        "\"hid1.wieght\" is not a parameter of this model",
    );
    let mut nan = f32s(2, 0.0);
    nan[4..8].copy_from_slice(&f32::NAN.to_le_bytes());
    refuse(
        &with(2, ("hid1.bias", "F32", &[2], nan)),
        "\"hid1.bias\" holds a value that is not finite",
    );
    let mut missing = good();
    missing.remove(3);
    refuse(&file(&missing), "\"out.weight\" is missing from the file");
    let mut twice = good();
    twice.push(("out.bias", "F32", &[3], f32s(3, 0.0)));
    refuse(&file(&twice), "\"out.bias\" is given twice");
    refuse(
        &with(0, ("out.bias", "F32", &[4], f32s(3, 0.0))),
        "\"out.bias\" has data_offsets that do not match its shape",
    );
    let whole = file(&good());
    refuse(&whole[..whole.len() - 1], "");
    refuse(&whole[..5], "shorter than its 8-byte header length");
    let mut long = whole.clone();
    long[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    refuse(&long, "header length exceeds the file");
    let mut extra = whole.clone();
    extra.extend_from_slice(&[0; 4]);
    refuse(&extra, "do not cover the data exactly");
    let mut json = whole.clone();
    json[9] = b'[';
    refuse(&json, "not valid JSON");
    refuse(
        b"\x02\x00\x00\x00\x00\x00\x00\x00{}",
        "\"hid1.weight\" is missing",
    );
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    let header = format!("{{\"__metadata__\":{deep}}}");
    let mut nested = (header.len() as u64).to_le_bytes().to_vec();
    nested.extend_from_slice(header.as_bytes());
    refuse(&nested, "nests too deeply");
}

#[test]
fn an_lstm_exports_its_peepholes_only_when_it_uses_them() {
    type L = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    let names = |n: &Network<L>| {
        let mut f = vec![0u8; n.safetensors_len()];
        n.save_safetensors(&mut f).unwrap();
        let len = u64::from_le_bytes(f[..8].try_into().unwrap()) as usize;
        (String::from_utf8(f[8..8 + len].to_vec()).unwrap(), f)
    };
    let mut plain: Network<L> = Network::new((Lstm::new(false), TimeDense::new(Linear)));
    plain.init(3);
    let (h, f) = names(&plain);
    assert!(
        !h.contains("hid1.ci") && h.contains("hid1.bias_hh_l0"),
        "{h}"
    );
    // A PyTorch-style file (no peepholes) imports into an LSTM with peepholes, as zeros.
    let mut peep: Network<L> = Network::new((Lstm::new(true), TimeDense::new(Linear)));
    peep.init(4);
    peep.load_safetensors(&f).unwrap();
    assert_eq!(peep.body.0.p, [[0.0; 3]; 3]);
    assert_eq!(peep.body.0.xh, plain.body.0.xh);
    peep.body.0.p[1][2] = 0.5;
    let (h, f) = names(&peep);
    assert!(h.contains("hid1.cf") && !h.contains("hid1.ci"), "{h}"); // each when not all zero
    let mut back: Network<L> = Network::new((Lstm::new(true), TimeDense::new(Linear)));
    back.load_safetensors(&f).unwrap();
    assert_eq!(back, peep);
    assert_eq!(<L as Layers>::TENSORS, 8);
}

/// A GRU has no PyTorch counterpart: its tensors keep theanets' names (matrices transposed,
/// as every matrix is) and round-trip exactly; a checkpoint of it is refused by an LSTM.
#[test]
fn a_gru_round_trips_under_theanets_names() {
    use staticnets::layers::Gru;
    type G = (Gru<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    let mut a: Network<G> = Network::new((Gru::new(Tanh), TimeDense::new(Linear)));
    a.init(6);
    let mut f = vec![0u8; a.safetensors_len()];
    a.save_safetensors(&mut f).unwrap();
    let len = u64::from_le_bytes(f[..8].try_into().unwrap()) as usize;
    let h = String::from_utf8(f[8..8 + len].to_vec()).unwrap();
    for (name, shape) in [
        ("hid1.w", "[9,2]"),
        ("hid1.b", "[9]"),
        ("hid1.hh", "[3,3]"),
        ("hid1.hr", "[3,3]"),
        ("hid1.hz", "[3,3]"),
    ] {
        assert!(
            h.contains(&format!(r#""{name}":{{"dtype":"F32","shape":{shape}"#)),
            "{name} {shape} in {h}"
        );
    }
    let mut b: Network<G> = Network::new((Gru::new(Tanh), TimeDense::new(Linear)));
    b.load_safetensors(&f).unwrap();
    assert_eq!(a, b);
    let mut ck = vec![0u8; Network::<G>::CHECKPOINT_BYTES];
    a.save(&mut ck).unwrap();
    type L = (Lstm<2, 3, 4, 8, 12>, TimeDense<3, 2, 4, 12, 8>);
    let mut l: Network<L> = Network::new((Lstm::new(false), TimeDense::new(Linear)));
    assert!(l.load(&ck).is_err());
}
