//! Checkpoints: a network's parameters, and optionally a trainer's whole state, as bytes,
//! with no allocation. The same file loads on every target (host, wasm, firmware).
//!
//! # Format 2 (written since 0.2), little-endian
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 8 | magic `SNETCKP2` (the `2` is the format version) |
//! | 8 | 4 | flags: which optional [`Sections`] follow the parameters (bit 0 optimizer, 1 generators, 2 progress, 3 best, 4 configuration; other bits 0) |
//! | 12 | 4 | model fingerprint (see [`Network::fingerprint`]): every layer's kind, sizes, activation and options, every tensor's layer, kind and shape |
//! | 16 | 4 | parameter count `P` |
//! | 20 | 4 | length of the whole file in bytes |
//! | 24 | 4 × P | the parameters, tensor by tensor in [`Network::tensor`] order, row-major, f32 |
//! | | | then each section whose flag is set, in flag order: |
//! | | 4 + 4 + 4 + 4·P·n | **optimizer** (bit 0): algorithm (0 sgd, 1 nag, 2 rmsprop, 3 adam, 4 adagrad, 5 adadelta, 6 rprop), slot count `n`, update count `t`, then the `n` slots, each `P` f32 in parameter order |
//! | | 24 | **generators** (bit 1): noise/dropout generator state (u64), whether a Box-Muller value is pending (u32, 0 or 1), that value (f32), batch-order generator state (u64) |
//! | | 36 | **progress** (bit 2): the current pass's order key (u64), rows and batch size it was laid out for (u32, u32), next position in it (u32), passes completed (u32), learning-rate halvings in the current row (u32), updates applied (u64) |
//! | | 8 + 4 + 4·P | **best** (bit 3, early stopping): best validation loss (f64, +inf before any), validations since it (u32), the best parameters (`P` f32) |
//! | | 4 + m | **configuration** (bit 4): its length `m`, then the configuration text (UTF-8, as [`TrainConfig`](crate::train::TrainConfig)'s `Display` writes it) |
//! | end − 4 | 4 | CRC-32 (IEEE) of every byte before it |
//!
//! [`Network::save`] writes no sections (`CHECKPOINT_BYTES = 28 + 4 P`);
//! [`Trainer::save`](crate::train::Trainer::save) writes all of them, so that
//! [`Trainer::resume`](crate::train::Trainer::resume) continues a run bit for bit as if it had
//! never stopped. [`Network::load`] takes the parameters of any such file.
//!
//! # Format 1 (still read)
//!
//! `SNETCKP1`, fingerprint (4), count (4), the parameters, CRC-32: `20 + 4 P` bytes. It loads
//! as a format-2 file with no sections.
//!
//! Loading checks, in this order, magic and version, length, CRC, the sections' structure,
//! fingerprint, count and that every value is finite, and only then writes: a damaged file or
//! another model's file is an [`Error::BadCheckpoint`] naming the reason, and the network is
//! left untouched.
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
//! bytes[30] ^= 1; // one flipped bit
//! assert!(b.load(&bytes).is_err());
//! ```

use crate::error::Error;
use crate::layers::{Arch, Layers, ParamKind};
use crate::network::{Network, Params};

const MAGIC_V1: &[u8; 8] = b"SNETCKP1";
const MAGIC_V2: &[u8; 8] = b"SNETCKP2";
/// Bytes before the parameters in format 1.
const HEADER_V1: usize = 16;
/// Bytes before the parameters in format 2.
pub const HEADER: usize = 24;

/// Bytes of the generators section.
pub(crate) const GENERATORS_BYTES: usize = 24;
/// Bytes of the progress section.
pub(crate) const PROGRESS_BYTES: usize = 36;
/// Bytes of the optimizer section before its slots (algorithm, slot count, update count).
pub(crate) const OPTIMIZER_HEAD: usize = 12;
/// Bytes of the best section before its parameters (best loss, validations since).
pub(crate) const BEST_HEAD: usize = 12;

/// The optional parts of a format-2 checkpoint (the flags word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sections(pub u32);

impl Sections {
    /// Parameters only.
    pub const NONE: Sections = Sections(0);
    /// The optimizer's slots and update count.
    pub const OPTIMIZER: Sections = Sections(1);
    /// The noise/dropout and batch-order generators.
    pub const GENERATORS: Sections = Sections(2);
    /// The position in the current pass and the pass and halving counters.
    pub const PROGRESS: Sections = Sections(4);
    /// The early-stopping state: best loss, validations since, best parameters.
    pub const BEST: Sections = Sections(8);
    /// The configuration text.
    pub const CONFIG: Sections = Sections(16);
    /// Everything a resumed run needs to continue bit for bit.
    pub const ALL: Sections = Sections(31);

    /// Whether every section of `other` is in `self`.
    pub const fn contains(self, other: Sections) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Sections {
    type Output = Sections;
    fn bitor(self, other: Sections) -> Sections {
        Sections(self.0 | other.0)
    }
}

/// Where each part of a checked checkpoint starts (byte offsets; `None`: absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// 1 or 2.
    pub version: u32,
    /// The sections present.
    pub sections: Sections,
    /// The stored fingerprint.
    pub fingerprint: u32,
    /// The stored parameter count.
    pub params: usize,
    /// Offset of the first parameter.
    pub params_at: usize,
    /// Offset of the optimizer section.
    pub optimizer_at: Option<usize>,
    /// Offset of the generators section.
    pub generators_at: Option<usize>,
    /// Offset of the progress section.
    pub progress_at: Option<usize>,
    /// Offset of the best section.
    pub best_at: Option<usize>,
    /// Offset of the configuration section.
    pub config_at: Option<usize>,
}

fn bad<T>(reason: &'static str) -> Result<T, Error> {
    Err(bad_checkpoint(reason))
}

/// [`Error::BadCheckpoint`] with this reason.
pub(crate) fn bad_checkpoint(reason: &'static str) -> Error {
    Error::BadCheckpoint { reason }
}

/// Check the structure of a checkpoint of either format: magic and version, length, CRC and
/// that its sections add up to its length. The model-specific checks (fingerprint, count,
/// values) are [`Network::verify_checkpoint`]'s.
pub fn layout(bytes: &[u8]) -> Result<Layout, Error> {
    if bytes.len() < 8 || &bytes[..7] != b"SNETCKP" {
        return bad("not a staticnets checkpoint (magic SNETCKP missing)");
    }
    let v1 = &bytes[..8] == MAGIC_V1;
    if !v1 && &bytes[..8] != MAGIC_V2 {
        return bad("a format version this library does not read (it reads 1 and 2)");
    }
    let header = if v1 { HEADER_V1 } else { HEADER };
    if bytes.len() < header + 4 {
        return bad("truncated: shorter than its header");
    }
    let n = bytes.len();
    if !v1 && word(bytes, 20) as usize != n {
        return bad("its length differs from the length it records (truncated or extended)");
    }
    if crc32(&bytes[..n - 4]) != word(bytes, n - 4) {
        return bad("checksum mismatch: the file is damaged");
    }
    let (flags, fingerprint, count) = if v1 {
        (0, word(bytes, 8), word(bytes, 12))
    } else {
        (word(bytes, 8), word(bytes, 12), word(bytes, 16))
    };
    if flags & !Sections::ALL.0 != 0 {
        return bad("it has sections this library does not know (unknown flag bits)");
    }
    let p = count as usize;
    let mut l = Layout {
        version: if v1 { 1 } else { 2 },
        sections: Sections(flags),
        fingerprint,
        params: p,
        params_at: header,
        optimizer_at: None,
        generators_at: None,
        progress_at: None,
        best_at: None,
        config_at: None,
    };
    // Walk the sections in u64 arithmetic, so that no stored count can overflow the sums.
    let end = (n - 4) as u64;
    let mut at = header as u64 + 4 * p as u64;
    let within = |at: u64, len: u64| at.checked_add(len).is_some_and(|e| e <= end);
    let mut take = |bit: Sections, fixed: u64, extra: &dyn Fn(usize) -> u64| {
        if !l.sections.contains(bit) {
            return Ok(None);
        }
        if !within(at, fixed) {
            return Err(());
        }
        let here = at as usize;
        let len = fixed.checked_add(extra(here)).ok_or(())?;
        if !within(at, len) {
            return Err(());
        }
        at += len;
        Ok(Some(here))
    };
    let structure = "its sections do not add up to its length (damaged or truncated)";
    let pp = 4 * p as u64;
    l.optimizer_at = take(Sections::OPTIMIZER, OPTIMIZER_HEAD as u64, &|h| {
        (word(bytes, h + 4) as u64).saturating_mul(pp)
    })
    .or(bad(structure))?;
    l.generators_at =
        take(Sections::GENERATORS, GENERATORS_BYTES as u64, &|_| 0).or(bad(structure))?;
    l.progress_at = take(Sections::PROGRESS, PROGRESS_BYTES as u64, &|_| 0).or(bad(structure))?;
    l.best_at = take(Sections::BEST, BEST_HEAD as u64 + pp, &|_| 0).or(bad(structure))?;
    l.config_at = take(Sections::CONFIG, 4, &|h| word(bytes, h) as u64).or(bad(structure))?;
    if at != end {
        return bad(structure);
    }
    Ok(l)
}

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
    /// Bytes of a checkpoint of this network's parameters (format 2, no sections).
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
                    // (layers that came after the first format: their files are never of it)
                    ParamKind::Other { .. } | ParamKind::Filter { .. } => 5,
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
    /// long) as a format-2 checkpoint with no sections; returns the bytes written.
    pub fn save(&self, out: &mut [u8]) -> Result<usize, Error> {
        into_buffer(
            out,
            Self::CHECKPOINT_BYTES,
            "checkpoint buffer",
            &mut |put| {
                self.save_to(put);
                Ok(())
            },
        )
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
        let mut w = Writer::new(&mut put);
        write_head(
            self,
            self.fingerprint(),
            &mut w,
            Sections::NONE,
            Self::CHECKPOINT_BYTES,
        );
        w.finish();
    }

    /// Check a checkpoint (either format, any sections) for this network without loading
    /// it: its structure ([`layout`]), fingerprint, count and that the parameters are
    /// finite. [`load`](Self::load) runs this first.
    pub fn verify_checkpoint(&self, bytes: &[u8]) -> Result<Layout, Error> {
        let l = layout(bytes)?;
        if !self.fingerprint_matches(l.fingerprint) {
            return bad("it was saved from a different architecture or activations");
        }
        if l.params != L::PARAMS {
            return bad("parameter count differs from this model's");
        }
        if !finite_f32s(bytes, l.params_at, L::PARAMS) {
            return bad("it holds a non-finite parameter");
        }
        Ok(l)
    }

    /// Replace the parameters with a checkpoint's (of either format; its other sections are
    /// not used here), after checking all of it; on error the network is unchanged.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let l = self.verify_checkpoint(bytes)?;
        read_params(self, bytes, l.params_at);
        Ok(())
    }
}

/// Write the header (with `sections` and the file's total `len`) and `net`'s parameters.
pub(crate) fn write_head(
    net: &dyn Params,
    fingerprint: u32,
    w: &mut Writer<'_>,
    sections: Sections,
    len: usize,
) {
    w.put(MAGIC_V2);
    w.u32(sections.0);
    w.u32(fingerprint);
    let count: usize = (0..net.tensors())
        .filter_map(|i| net.tensor(i))
        .map(|t| t.data.len())
        .sum();
    w.u32(count as u32);
    w.u32(len as u32);
    write_params(net, w);
}

/// Write every parameter of `net`, in tensor order.
pub(crate) fn write_params(net: &dyn Params, w: &mut Writer<'_>) {
    for i in 0..net.tensors() {
        if let Some(t) = net.tensor(i) {
            for &v in t.data {
                w.f32(v);
            }
        }
    }
}

/// Set `net`'s parameters from the f32 stored from byte `at` (already checked).
pub(crate) fn read_params(net: &mut dyn Params, bytes: &[u8], at: usize) {
    let mut k = at;
    for i in 0..net.tensors() {
        if let Some(t) = net.tensor_mut(i) {
            for v in t.iter_mut() {
                *v = f32::from_bits(word(bytes, k));
                k += 4;
            }
        }
    }
}

/// Where a file's bytes go, a few at a time, in order.
pub(crate) type Sink<'a> = &'a mut dyn FnMut(&[u8]);

/// Write a file of `n` bytes into `out` (refused, with `what` named, if `out` is shorter):
/// `write` hands the bytes to the sink it is given. Returns `n`.
pub(crate) fn into_buffer(
    out: &mut [u8],
    n: usize,
    what: &'static str,
    write: &mut dyn FnMut(Sink<'_>) -> Result<(), Error>,
) -> Result<usize, Error> {
    if out.len() < n {
        return Err(Error::WrongLength {
            what,
            expected: n,
            got: out.len(),
        });
    }
    let mut at = 0;
    write(&mut |piece| {
        out[at..at + piece.len()].copy_from_slice(piece);
        at += piece.len();
    })?;
    Ok(n)
}

/// Whether the `count` f32 stored from byte `at` are all finite.
pub(crate) fn finite_f32s(bytes: &[u8], at: usize, count: usize) -> bool {
    (0..count).all(|k| f32::from_bits(word(bytes, at + 4 * k)).is_finite())
}

/// A checkpoint being written: each piece goes to `put` and into the CRC.
pub(crate) struct Writer<'a> {
    put: &'a mut dyn FnMut(&[u8]),
    crc: Crc32,
    /// Bytes written so far.
    pub written: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(put: &'a mut dyn FnMut(&[u8])) -> Self {
        Writer {
            put,
            crc: Crc32::new(),
            written: 0,
        }
    }
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
        (self.put)(bytes);
        self.written += bytes.len();
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.put(&v.to_le_bytes());
    }
    /// Write the CRC of everything so far.
    pub(crate) fn finish(self) {
        let crc = self.crc.finish().to_le_bytes();
        (self.put)(&crc);
    }
}

impl core::fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// The little-endian u64 at byte `at`.
pub(crate) fn dword(bytes: &[u8], at: usize) -> u64 {
    word(bytes, at) as u64 | (word(bytes, at + 4) as u64) << 32
}

/// The little-endian u32 at byte `at`.
pub(crate) fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parameter `k` (in [`Network::tensor`] order, row-major) of a checkpoint of either format
/// that [`Network::verify_checkpoint`] accepted: read in place, so a checkpoint in flash can
/// serve as a read-only copy of the weights (for example as the anchor of an L2-SP penalty).
pub fn checkpoint_param(bytes: &[u8], k: usize) -> f32 {
    f32::from_bits(word(bytes, header_len(bytes) + 4 * k))
}

/// The bytes of every parameter of a checkpoint [`Network::verify_checkpoint`] accepted, in
/// place: little-endian `f32`s in [`Network::tensor`] order (parameter `k` at `4 k`), then the
/// trailer. A loop over a tensor of the anchor reads its slice
/// (`&bytes[4 * first..4 * (first + len)]`) in chunks of four, with no per-element lookup.
///
/// ```
/// use staticnets::checkpoint::{checkpoint_param, checkpoint_param_bytes};
/// use staticnets::layers::{Activation::*, Dense};
/// use staticnets::network::Network;
/// let mut net: Network<Dense<3, 2>> = Network::new(Dense::new(Tanh));
/// net.init(1);
/// let mut bytes = [0u8; Network::<Dense<3, 2>>::CHECKPOINT_BYTES];
/// net.save(&mut bytes).unwrap();
/// let p = checkpoint_param_bytes(&bytes);
/// assert_eq!(f32::from_le_bytes([p[8], p[9], p[10], p[11]]), checkpoint_param(&bytes, 2));
/// ```
pub fn checkpoint_param_bytes(bytes: &[u8]) -> &[u8] {
    &bytes[header_len(bytes).min(bytes.len())..]
}

/// Bytes before the first parameter, in either format.
fn header_len(bytes: &[u8]) -> usize {
    if bytes.starts_with(MAGIC_V1) {
        HEADER_V1
    } else {
        HEADER
    }
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
        assert!(reason(&bytes[..bytes.len() - 1]).contains("length differs"));
        assert!(reason(&bytes[..20]).contains("truncated"));
        assert!(reason(b"hello").contains("magic"));
        let mut v9 = bytes;
        v9[7] = b'9';
        assert!(reason(&v9).contains("format version"));
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
        nan[HEADER..HEADER + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let crc = crc32(&nan[..nan.len() - 4]).to_le_bytes();
        let end = nan.len();
        nan[end - 4..].copy_from_slice(&crc);
        let mut c = net(4);
        let before = c.clone();
        assert!(c.load(&nan).is_err());
        assert_eq!(c, before, "a refused file leaves the network untouched");
        // Unknown flag bits and sections that do not add up, each with a valid checksum.
        let reseal = |mut d: [u8; Network::<Body>::CHECKPOINT_BYTES]| {
            let end = d.len();
            let crc = crc32(&d[..end - 4]).to_le_bytes();
            d[end - 4..].copy_from_slice(&crc);
            d
        };
        let mut flags = bytes;
        flags[8] = 0x40;
        assert!(reason(&reseal(flags)).contains("unknown flag"));
        let mut sections = bytes;
        sections[8] = Sections::GENERATORS.0 as u8; // claims 24 bytes that are not there
        assert!(reason(&reseal(sections)).contains("do not add up"));
    }

    /// A format-1 file, built by hand from its documented layout, loads.
    #[test]
    fn format_1_files_still_load() {
        let a = net(5);
        let mut v1 = [0u8; 20 + 4 * <Body as Layers>::PARAMS];
        v1[..8].copy_from_slice(b"SNETCKP1");
        v1[8..12].copy_from_slice(&a.fingerprint().to_le_bytes());
        v1[12..16].copy_from_slice(&(<Body as Layers>::PARAMS as u32).to_le_bytes());
        let mut at = 16;
        for i in 0..<Body as Layers>::TENSORS {
            for &v in a.tensor(i).unwrap().data {
                v1[at..at + 4].copy_from_slice(&v.to_le_bytes());
                at += 4;
            }
        }
        let crc = crc32(&v1[..at]).to_le_bytes();
        v1[at..].copy_from_slice(&crc);
        let mut b = net(6);
        assert_eq!(b.verify_checkpoint(&v1).map(|l| l.version), Ok(1));
        b.load(&v1).unwrap();
        assert_eq!(a, b);
        assert_eq!(checkpoint_param(&v1, 3), a.tensor(0).unwrap().data[3]);
        let mut v2 = [0u8; Network::<Body>::CHECKPOINT_BYTES];
        a.save(&mut v2).unwrap();
        assert_eq!(checkpoint_param(&v2, 3), a.tensor(0).unwrap().data[3]);
    }
}
