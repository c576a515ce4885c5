//! The cross-target conformance run: one fixed training run whose final weights must be the
//! same bits on every target and at every kernel level (x86-64 portable, SSE2, AVX2 and
//! AVX-512; wasm32 with and without `simd128`; Cortex-M4F). Each of them computes
//! [`run`]'s hash and compares it with [`GOLDEN`]: the native tests at every level the CPU
//! supports, the page's two wasm builds in Node, and the firmware under QEMU
//! (`--features conformance`).
//!
//! The run: S, the 64-32-64 tied autoencoder of `make bench` (sigmoid hidden, linear
//! output), batches of 32 digits, adam with gradient clipping, and every built-in
//! regularizer a dense model takes at once ([`CONFIG`]), for [`STEPS`] updates. After
//! [`SAVED_AT`] updates the run writes a checkpoint of itself (format 2, every section) and
//! goes on: that file must be the same bytes on every target ([`CHECKPOINT_GOLDEN`] is its
//! CRC), and [`resume`] from it (written natively and committed as
//! `tests/fixtures/conformance-step20.snet`) must end in the same [`GOLDEN`] bits, so a run
//! stopped on one target continues exactly on any other.
//!
//! ```
//! use staticnets::conformance::{run, resume, Model, CHECKPOINT_GOLDEN, GOLDEN, ROWS};
//! use staticnets::datasets::Digits;
//! let mut t: Box<Model> = Box::new(Model::zeroed());
//! let mut x = vec![0.0f32; ROWS * 64];
//! let mut file = Vec::new();
//! let hash = run(&mut t, Digits::bundled(), &mut x, |piece| file.extend_from_slice(piece)).unwrap();
//! assert_eq!(hash, GOLDEN);
//! assert_eq!(u32::from_le_bytes(file[file.len() - 4..].try_into().unwrap()), CHECKPOINT_GOLDEN);
//! let mut u: Box<Model> = Box::new(Model::zeroed());
//! assert_eq!(resume(&mut u, Digits::bundled(), &mut x, &file).unwrap(), GOLDEN);
//! ```

use crate::Error;
use crate::checkpoint::{Crc32, Sections};
use crate::datasets::Digits;
use crate::layers::{Activation, Tied};
use crate::train::{Data, Trainer};

/// The trainer of the run: S with batch 32, Jacobian buffers for `contractive` (64 inputs)
/// and adam's two slots.
pub type Model = Trainer<Tied<64, 32>, 32, 64, 2>;

/// Digits the run trains on (the first `ROWS` of the bundled set).
pub const ROWS: usize = 256;

/// Updates in the run (8 passes of 8 batches).
pub const STEPS: usize = 64;

/// The configuration: every built-in penalty and corruption a dense model takes, with
/// clipping on.
pub const CONFIG: &str = "algo = adam\nlearning_rate = 0.01\nbatch_size = 32\nrng = 2024\n\
     max_gradient_norm = 1\nweight_l2 = 1e-4\nweight_l1 = 1e-5\nhidden_l1 = 0.01\n\
     contractive = 0.01\ninput_noise = 0.1\ninput_dropout = 0.1\nhidden_noise = 0.05\n\
     hidden_dropout = 0.1";

/// The CRC-32 of the final parameters' little-endian bytes, tensor by tensor.
pub const GOLDEN: u32 = 0xaa1e_a20e;

/// The update after which the run writes a checkpoint of itself: mid-pass, two passes of 8
/// batches and half of the third done (see [`run`]).
pub const SAVED_AT: usize = 20;

/// The CRC the checkpoint written at [`SAVED_AT`] stores (its last four bytes): the same file
/// on every target.
pub const CHECKPOINT_GOLDEN: u32 = 0x6be6_01e7;

/// Train `t` (any state: it is reset) on the first [`ROWS`] of `digits` (the bundled set, or
/// the same file loaded at run time, as the page does), using `x` (`ROWS * 64` floats) for
/// them; after [`SAVED_AT`] updates hand a checkpoint of the run to `put` (a few bytes at a
/// time, as [`Trainer::save_to`] does) and go on. Returns the hash of the final parameters.
pub fn run(
    t: &mut Model,
    digits: Digits<'_>,
    x: &mut [f32],
    put: impl FnMut(&[u8]),
) -> Result<u32, Error> {
    let data = prepare(t, digits, x)?;
    t.config.parse(CONFIG)?;
    let data = Data::autoencoder(data);
    t.start(&data)?;
    t.steps(&data, SAVED_AT)?;
    t.save_to(Sections::ALL, put)?;
    t.steps(&data, STEPS - SAVED_AT)?;
    Ok(hash(t))
}

/// Continue the run from `file`, the checkpoint [`run`] writes (on any target), to its end;
/// returns the hash of the final parameters, which must be [`GOLDEN`].
pub fn resume(t: &mut Model, digits: Digits<'_>, x: &mut [f32], file: &[u8]) -> Result<u32, Error> {
    let data = Data::autoencoder(prepare(t, digits, x)?);
    t.resume(file)?;
    t.steps(&data, STEPS - SAVED_AT)?;
    Ok(hash(t))
}

/// Reset `t` to the run's layers and fill `x` with the digits.
fn prepare<'a>(t: &mut Model, digits: Digits<'_>, x: &'a mut [f32]) -> Result<&'a [f32], Error> {
    if x.len() != ROWS * 64 {
        return Err(Error::WrongLength {
            what: "conformance inputs (ROWS * 64)",
            expected: ROWS * 64,
            got: x.len(),
        });
    }
    let mut labels = [0u32; ROWS];
    digits.fill(0, x, &mut labels)?;
    t.init_zeroed(|body| {
        body.enc.act = Activation::Sigmoid;
        body.act = Activation::Linear;
    });
    Ok(x)
}

fn hash(t: &Model) -> u32 {
    let mut crc = Crc32::new();
    let mut i = 0;
    while let Some(tensor) = t.net.tensor(i) {
        for v in tensor.data {
            crc.update(&v.to_le_bytes());
        }
        i += 1;
    }
    crc.finish()
}
