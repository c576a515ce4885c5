//! Saving and loading a network's parameters as bytes, with no allocation.
//!
//! Layout (little-endian), `Network::<L>::CHECKPOINT_BYTES = 20 + 4 * PARAMS` bytes:
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 8 | magic `SNETCKP1` (the `1` is the format version) |
//! | 8 | 4 | model fingerprint: FNV-1a over every layer's activation name and every tensor's layer, kind and shape, continued over every layer's kind, sizes, activation and options ([`Layers::describe`]); files with the first form (without the continuation) still load where it was unambiguous |
//! | 12 | 4 | parameter count |
//! | 16 | 4 × count | the parameters, tensor by tensor in [`Network::tensor`] order, row-major |
//! | end − 4 | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! Loading checks, in this order, length, magic, CRC, fingerprint, count and that every value
//! is finite, and only then writes: a damaged file or another model's file is an
//! [`Error::BadCheckpoint`] naming the reason, and the network is left untouched.
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::network::Network;
//! type Body = (Dense<4, 2>, Dense<2, 4>);
//! let mut a: Network<Body> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
//! a.init(7);
//! let mut bytes = [0u8; Network::<Body>::CHECKPOINT_BYTES];
//! a.save(&mut bytes).unwrap();
//! let mut b: Network<Body> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
//! b.load(&bytes).unwrap();
//! assert_eq!(a, b);
//! bytes[20] ^= 1; // one flipped bit
//! assert!(b.load(&bytes).is_err());
//! ```

use crate::error::Error;
use crate::layers::{Arch, Layers, ParamKind};
use crate::network::Network;

const MAGIC: &[u8; 8] = b"SNETCKP1";
const HEADER: usize = 16;

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: small and table-free.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

/// [`crc32`] computed piece by piece, for data that is never all in memory at once.
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Crc32 {
    /// Nothing seen yet.
    pub const fn new() -> Self {
        Crc32(!0)
    }

    /// Take in the next bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u32;
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }

    /// The CRC of everything taken in.
    pub fn finish(self) -> u32 {
        !self.0
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

fn fnv1a(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

impl<L: Layers> Network<L> {
    /// Bytes of a checkpoint of this network.
    pub const CHECKPOINT_BYTES: usize = HEADER + 4 * L::PARAMS + 4;

    /// A number that changes with the architecture: every layer's kind, sizes, activation
    /// and options ([`Layers::describe`]) and every tensor's layer, kind and shape.
    pub fn fingerprint(&self) -> u32 {
        let mut arch = Arch::new(self.legacy_fingerprint());
        self.body.describe(&mut arch);
        arch.hash
    }

    /// The fingerprint of the first checkpoints (activations and tensor shapes only). A file
    /// that carries it still loads, unless the network has a layer with options that hash
    /// did not cover (an LSTM's peepholes): then the file is ambiguous and refused.
    fn legacy_fingerprint(&self) -> u32 {
        let mut h = 0x811C_9DC5;
        for k in 0..L::LAYERS {
            let name = self.body.activation(k).map_or("-", |a| a.name());
            h = fnv1a(h, name.as_bytes());
            h = fnv1a(h, b";");
        }
        for i in 0..L::TENSORS {
            if let Some(t) = self.tensor(i) {
                let kind = match t.kind {
                    ParamKind::Weight => 0u8,
                    ParamKind::Bias => 1,
                    ParamKind::InputWeight => 2,
                    ParamKind::RecurrentWeight => 3,
                    // The first format had one stacked peephole tensor; LSTM files of that
                    // format are refused anyway (`has_options`).
                    ParamKind::PeepholeIn | ParamKind::PeepholeForget | ParamKind::PeepholeOut => 4,
                };
                h = fnv1a(h, &(t.layer as u32).to_le_bytes());
                h = fnv1a(h, &[kind]);
                h = fnv1a(h, &(t.rows as u32).to_le_bytes());
                h = fnv1a(h, &(t.cols as u32).to_le_bytes());
            }
        }
        h
    }

    fn fingerprint_matches(&self, stored: u32) -> bool {
        if stored == self.fingerprint() {
            return true;
        }
        let mut arch = Arch::new(0);
        self.body.describe(&mut arch);
        !arch.has_options && stored == self.legacy_fingerprint()
    }

    /// Write the parameters into `out` (at least [`CHECKPOINT_BYTES`](Self::CHECKPOINT_BYTES)
    /// long); returns the bytes written.
    pub fn save(&self, out: &mut [u8]) -> Result<usize, Error> {
        let n = Self::CHECKPOINT_BYTES;
        if out.len() < n {
            return Err(Error::WrongLength {
                what: "checkpoint buffer",
                expected: n,
                got: out.len(),
            });
        }
        let mut at = 0;
        self.save_to(|piece| {
            out[at..at + piece.len()].copy_from_slice(piece);
            at += piece.len();
        });
        Ok(n)
    }

    /// The same bytes as [`save`](Self::save), handed to `put` in order, a few at a time
    /// (header, then each parameter, then the CRC), so that firmware can write a checkpoint
    /// to flash page by page without a RAM buffer the size of the file.
    ///
    /// ```
    /// use staticnets::layers::{Activation::*, Dense};
    /// use staticnets::network::Network;
    /// type Body = (Dense<4, 2>, Dense<2, 4>);
    /// let mut n: Network<Body> = Network::new((Dense::new(Tanh), Dense::new(Linear)));
    /// n.init(3);
    /// let mut whole = [0u8; Network::<Body>::CHECKPOINT_BYTES];
    /// n.save(&mut whole).unwrap();
    /// let mut streamed = Vec::new();
    /// n.save_to(|piece| streamed.extend_from_slice(piece));
    /// assert_eq!(streamed, whole);
    /// ```
    pub fn save_to(&self, mut put: impl FnMut(&[u8])) {
        let mut crc = Crc32::new();
        let mut emit = |bytes: &[u8]| {
            crc.update(bytes);
            put(bytes);
        };
        emit(MAGIC);
        emit(&self.fingerprint().to_le_bytes());
        emit(&(L::PARAMS as u32).to_le_bytes());
        for i in 0..L::TENSORS {
            if let Some(t) = self.tensor(i) {
                for v in t.data {
                    emit(&v.to_le_bytes());
                }
            }
        }
        put(&crc.finish().to_le_bytes());
    }

    /// Check a checkpoint for this network without loading it: length, magic, CRC,
    /// fingerprint, count and finiteness. [`load`](Self::load) runs this first.
    pub fn verify_checkpoint(&self, bytes: &[u8]) -> Result<(), Error> {
        let bad = |reason| Err(Error::BadCheckpoint { reason });
        let n = Self::CHECKPOINT_BYTES;
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return bad("not a staticnets checkpoint (magic SNETCKP1 missing)");
        }
        if bytes.len() != n {
            return bad("wrong length for this model (truncated, or another model's file)");
        }
        if crc32(&bytes[..n - 4]) != word(bytes, n - 4) {
            return bad("checksum mismatch: the file is damaged");
        }
        if !self.fingerprint_matches(word(bytes, 8)) {
            return bad("it was saved from a different architecture or activations");
        }
        if word(bytes, 12) as usize != L::PARAMS {
            return bad("parameter count differs from this model's");
        }
        if (0..L::PARAMS).any(|k| !checkpoint_param(bytes, k).is_finite()) {
            return bad("it holds a non-finite parameter");
        }
        Ok(())
    }

    /// Replace the parameters with a checkpoint's, after checking all of it; on error the
    /// network is unchanged.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.verify_checkpoint(bytes)?;
        let mut k = 0;
        for i in 0..L::TENSORS {
            if let Some(t) = self.tensor_mut(i) {
                for v in t.iter_mut() {
                    *v = checkpoint_param(bytes, k);
                    k += 1;
                }
            }
        }
        Ok(())
    }
}

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parameter `k` (in [`Network::tensor`] order, row-major) of a checkpoint that
/// [`Network::verify_checkpoint`] accepted: read in place, so a checkpoint in flash can serve
/// as a read-only copy of the weights (for example as the anchor of an L2-SP penalty).
pub fn checkpoint_param(bytes: &[u8], k: usize) -> f32 {
    f32::from_bits(word(bytes, HEADER + 4 * k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Activation::*, Dense, Identity, Tied};

    type Body = (Dense<5, 4>, Tied<4, 3>, Dense<4, 5>);

    fn net(seed: u64) -> Network<Body> {
        let mut n = Network::new((
            Dense::new(Tanh),
            Tied::new(Dense::new(Relu), Identity, Sigmoid),
            Dense::new(Linear),
        ));
        n.init(seed);
        n
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trip_is_bit_exact_and_every_damage_is_named() {
        let a = net(3);
        let mut bytes = [0u8; Network::<Body>::CHECKPOINT_BYTES];
        assert_eq!(a.save(&mut bytes), Ok(bytes.len()));
        let mut b = net(4);
        b.load(&bytes).unwrap();
        assert_eq!(a, b);

        let reason = |bytes: &[u8]| match net(4).load(bytes) {
            Err(Error::BadCheckpoint { reason }) => reason,
            other => panic!("expected BadCheckpoint, got {other:?}"),
        };
        assert!(reason(&bytes[..bytes.len() - 1]).contains("wrong length"));
        assert!(reason(b"hello").contains("magic"));
        for at in [9, 13, 40, bytes.len() - 2] {
            let mut d = bytes;
            d[at] ^= 0x10;
            assert!(reason(&d).contains("checksum"), "byte {at}");
        }
        // A well-formed file of another architecture: same shapes, other activation.
        let mut other: Network<Body> = Network::new((
            Dense::new(Relu),
            Tied::new(Dense::new(Relu), Identity, Sigmoid),
            Dense::new(Linear),
        ));
        other.init(3);
        let mut o = [0u8; Network::<Body>::CHECKPOINT_BYTES];
        other.save(&mut o).unwrap();
        assert!(reason(&o).contains("different architecture"));
        // A NaN with a valid checksum.
        let mut nan = bytes;
        nan[16..20].copy_from_slice(&f32::NAN.to_le_bytes());
        let crc = crc32(&nan[..nan.len() - 4]).to_le_bytes();
        let end = nan.len();
        nan[end - 4..].copy_from_slice(&crc);
        let mut c = net(4);
        let before = c.clone();
        assert!(c.load(&nan).is_err());
        assert_eq!(c, before, "a refused file leaves the network untouched");
    }
}
