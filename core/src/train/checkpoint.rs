//! A trainer's whole state as a checkpoint, and resuming from one: the run continues bit for
//! bit as if it had never stopped, on any target. The byte layout is in
//! [`crate::checkpoint`]; this file writes and reads the sections a trainer owns.
//!
//! ```
//! use staticnets::layers::{Activation::*, Dense};
//! use staticnets::train::{Data, Trainer};
//! type T = Trainer<(Dense<2, 3>, Dense<3, 2>), 4, 0, 2>;
//! let new = || -> Box<T> { Box::new(Trainer::new((Dense::new(Tanh), Dense::new(Linear)))) };
//! let x = [0.5f32, -1.0, 2.0, 0.25, -0.75, 1.5, 1.0, 1.0, 0.0, 0.5];
//! let data = Data::autoencoder(&x);
//!
//! let mut a = new();
//! a.config.parse("algo = adam\nlearning_rate = 0.01\nbatch_size = 2\ninput_noise = 0.1").unwrap();
//! a.start(&data).unwrap();
//! a.steps(&data, 4).unwrap(); // mid-pass: 3 batches per pass
//! let mut file = vec![0u8; a.checkpoint_len()];
//! a.save(&mut file).unwrap();
//! a.steps(&data, 5).unwrap();
//!
//! let mut b = new(); // its own configuration comes from the file
//! b.resume(&file).unwrap();
//! b.steps(&data, 5).unwrap();
//! assert_eq!(a.net, b.net); // the same bits
//! ```

use super::{BestCopy, Reference, TrainConfig, Trainer};
use crate::checkpoint::{
    BEST_HEAD, GENERATORS_BYTES, HEADER, Layout, OPTIMIZER_HEAD, PROGRESS_BYTES, Sections, Writer,
    bad_checkpoint, dword, finite_f32s, into_buffer, read_params, word, write_head, write_params,
};
use crate::error::Error;
use crate::layers::Layers;
use crate::rng::XorShift;

/// The longest configuration text a checkpoint holds (every setting and
/// [`MAX_REGS`](super::objective::MAX_REGS) regularizers with four long patterns each fit).
pub const MAX_CONFIG_TEXT: usize = 4096;

/// Counts the bytes written through it.
struct Count(usize);

impl core::fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

impl<L: Layers, const B: usize, const JD: usize, const S: usize, K: BestCopy<L>, R: Reference<L>>
    Trainer<L, B, JD, S, K, R>
{
    /// The most bytes a checkpoint of this trainer can take (all sections, every slot, the
    /// longest configuration): a buffer this long always suffices.
    pub const CHECKPOINT_MAX_BYTES: usize = HEADER
        + 4 * L::PARAMS
        + (OPTIMIZER_HEAD + S * 4 * L::PARAMS)
        + GENERATORS_BYTES
        + PROGRESS_BYTES
        + (BEST_HEAD + 4 * L::PARAMS)
        + (4 + MAX_CONFIG_TEXT)
        + 4;

    fn config_text_len(&self) -> usize {
        let mut n = Count(0);
        let _ = core::fmt::write(&mut n, format_args!("{}", self.config));
        n.0
    }

    /// The bytes [`save`](Self::save) writes now (it depends on the optimizer's slots and
    /// the configuration text).
    pub fn checkpoint_len(&self) -> usize {
        self.sections_len(Sections::ALL)
    }

    fn sections_len(&self, sections: Sections) -> usize {
        let p = 4 * L::PARAMS;
        let slots = self.config.algo.slots(self.config.momentum);
        let mut n = HEADER + p + 4;
        let parts = [
            (Sections::OPTIMIZER, OPTIMIZER_HEAD + slots * p),
            (Sections::GENERATORS, GENERATORS_BYTES),
            (Sections::PROGRESS, PROGRESS_BYTES),
            (Sections::BEST, BEST_HEAD + p),
            (Sections::CONFIG, 4 + self.config_text_len()),
        ];
        for (bit, len) in parts {
            if sections.contains(bit) {
                n += len;
            }
        }
        n
    }

    /// Write a checkpoint of everything a run is ([`Sections::ALL`]): parameters, optimizer
    /// state, generators, progress, early-stopping state and configuration, so that
    /// [`resume`](Self::resume) continues bit for bit. `config` is applied first, as every
    /// training call does (so a change not yet in force is recorded as in force; a refused
    /// one is the error). Returns the bytes written ([`checkpoint_len`](Self::checkpoint_len)).
    pub fn save(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        self.reconfigure()?;
        let n = self.checkpoint_len();
        into_buffer(out, n, "checkpoint buffer", &mut |put| {
            self.write_checkpoint(Sections::ALL, put).map(|_| ())
        })
    }

    /// [`save`](Self::save)'s bytes for the chosen `sections` only, handed to `put` a few at
    /// a time (firmware writes them to flash page by page, with no buffer).
    pub fn save_to(&mut self, sections: Sections, put: impl FnMut(&[u8])) -> Result<usize, Error> {
        self.reconfigure()?;
        self.write_checkpoint(sections, put)
    }

    fn write_checkpoint(
        &self,
        sections: Sections,
        mut put: impl FnMut(&[u8]),
    ) -> Result<usize, Error> {
        if !self.started {
            return Err(Error::NotStarted);
        }
        if sections.0 & !Sections::ALL.0 != 0 {
            return Err(Error::BadValue {
                name: "checkpoint sections (unknown bits)",
            });
        }
        let text = self.config_text_len();
        if sections.contains(Sections::CONFIG) && text > MAX_CONFIG_TEXT {
            return Err(Error::CapacityExceeded {
                what: "bytes of configuration text in a checkpoint",
                capacity: MAX_CONFIG_TEXT,
            });
        }
        let len = self.sections_len(sections);
        let mut w = Writer::new(&mut put);
        write_head(&self.net, self.net.fingerprint(), &mut w, sections, len);
        if sections.contains(Sections::OPTIMIZER) {
            let n = self.config.algo.slots(self.config.momentum);
            w.u32(self.config.algo.algo().code);
            w.u32(n as u32);
            w.u32(self.state.t);
            for slot in &self.state.slots[..n] {
                write_params(slot, &mut w);
            }
        }
        if sections.contains(Sections::GENERATORS) {
            let (state, spare) = self.corrupt.rng.state();
            w.u64(state);
            w.u32(spare.is_some() as u32);
            w.f32(spare.unwrap_or(0.0));
            w.u64(self.order_rng.state().0);
        }
        if sections.contains(Sections::PROGRESS) {
            w.u64(self.pass_key);
            w.u32(self.pass_rows as u32);
            w.u32(self.pass_batch as u32);
            w.u32(self.cursor as u32);
            w.u32(self.passes);
            w.u32(self.halvings);
            w.u64(self.updates);
        }
        if sections.contains(Sections::BEST) {
            w.u64(self.best_loss.to_bits());
            w.u32(self.since_best);
            // Without a copy, the current parameters stand for the best ones.
            write_params(self.best.copy().unwrap_or(&self.net), &mut w);
        }
        if sections.contains(Sections::CONFIG) {
            w.u32(text as u32);
            let _ = core::fmt::write(&mut w, format_args!("{}", self.config));
        }
        let written = w.written + 4;
        w.finish();
        Ok(written)
    }

    /// Continue the run a checkpoint recorded (one written by [`save`](Self::save) here, in
    /// the browser or on a device): parameters, and each section the file has: the
    /// configuration (parsed with the custom regularizers registered as now), optimizer state, generators,
    /// progress and early-stopping state. A section the file lacks starts afresh as
    /// [`restart`](Self::restart) would (the file's parameters become the known-good ones).
    /// The trainer is then started; the next training call continues the run.
    ///
    /// Everything is checked before anything changes: on error the trainer is as it was.
    pub fn resume(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let l = self.net.verify_checkpoint(bytes)?;
        let (config, d) = decode(bytes, &l, &self.config, L::PARAMS, S)?;
        // Everything in the file is checked; the configuration must also suit this network
        // (patterns, loss, capacities): apply it, and put the old one back if it is refused.
        let old = core::mem::replace(&mut self.config, config);
        if let Err(e) = self.reconfigure() {
            self.config = old;
            return Err(e.in_checkpoint_config());
        }
        // Commit: a fresh run's state, then each section the file has over it.
        read_params(&mut self.net, bytes, l.params_at);
        self.begin();
        self.applied_algo = self.config.algo;
        if let Some((at, slots)) = d.optimizer {
            self.state.t = word(bytes, at + 8);
            for (k, slot) in self.state.slots[..slots].iter_mut().enumerate() {
                read_params(slot, bytes, at + 12 + 4 * L::PARAMS * k);
            }
        }
        if let Some((noise, order)) = d.generators {
            self.corrupt.rng = noise;
            self.order_rng = order;
        }
        if let Some(p) = d.progress {
            self.pass_key = p.key;
            (self.pass_rows, self.pass_batch, self.cursor) = (p.rows, p.batch, p.cursor);
            (self.passes, self.halvings, self.updates) = (p.passes, p.halvings, p.updates);
        }
        if let Some((loss, since, at)) = d.best {
            (self.best_loss, self.since_best) = (loss, since);
            if let Some(best) = self.best.copy_mut() {
                read_params(best, bytes, at);
            }
        }
        Ok(())
    }
}

/// A pass in progress, as a checkpoint records it.
struct Progress {
    key: u64,
    rows: usize,
    batch: usize,
    cursor: usize,
    passes: u32,
    halvings: u32,
    updates: u64,
}

/// A checkpoint's sections, decoded and checked (the parameter arrays stay in the file).
struct Decoded {
    /// Where the slots start, and how many.
    optimizer: Option<(usize, usize)>,
    generators: Option<(XorShift, XorShift)>,
    progress: Option<Progress>,
    /// Best loss, validations since, where the best parameters start.
    best: Option<(f64, u32, usize)>,
}

/// Decode and check every section of a checkpoint with layout `l` for a trainer of `params`
/// parameters and `slot_capacity` optimizer slots whose configuration is `current`; returns
/// the configuration the run continues with (the file's, or `current` if it has none).
/// Not generic: compiled once for every architecture.
fn decode(
    bytes: &[u8],
    l: &Layout,
    current: &TrainConfig,
    params: usize,
    slot_capacity: usize,
) -> Result<(TrainConfig, Decoded), Error> {
    let mut config = current.clone();
    if let Some(at) = l.config_at {
        let len = word(bytes, at) as usize;
        let text = core::str::from_utf8(&bytes[at + 4..at + 4 + len])
            .map_err(|_| bad_checkpoint("its configuration is not UTF-8 text"))?;
        config = current.fresh();
        config.parse(text).map_err(|e| e.in_checkpoint_config())?;
    }
    let mut d = Decoded {
        optimizer: None,
        generators: None,
        progress: None,
        best: None,
    };
    if let Some(at) = l.optimizer_at {
        let slots = word(bytes, at + 4) as usize;
        if word(bytes, at) != config.algo.algo().code || slots != config.algo.slots(config.momentum)
        {
            return Err(bad_checkpoint(
                "its optimizer state is for another algorithm (or momentum) than the configuration's",
            ));
        }
        if slots > slot_capacity {
            return Err(Error::WorkspaceTooSmall {
                what: "optimizer state slots (S) for the checkpoint's optimizer",
                needed: slots,
                have: slot_capacity,
            });
        }
        if !finite_f32s(bytes, at + 12, slots * params) {
            return Err(bad_checkpoint(
                "its optimizer state holds a non-finite value",
            ));
        }
        d.optimizer = Some((at, slots));
    }
    if let Some(at) = l.generators_at {
        let bad = || bad_checkpoint("its generator state is invalid");
        let spare = match word(bytes, at + 8) {
            0 => None,
            1 => Some(f32::from_bits(word(bytes, at + 12))),
            _ => return Err(bad()),
        };
        let noise = XorShift::from_state(dword(bytes, at), spare).ok_or_else(bad)?;
        let order = XorShift::from_state(dword(bytes, at + 16), None).ok_or_else(bad)?;
        d.generators = Some((noise, order));
    }
    if let Some(at) = l.progress_at {
        let p = Progress {
            key: dword(bytes, at),
            rows: word(bytes, at + 8) as usize,
            batch: word(bytes, at + 12) as usize,
            cursor: word(bytes, at + 16) as usize,
            passes: word(bytes, at + 20),
            halvings: word(bytes, at + 24),
            updates: dword(bytes, at + 28),
        };
        if p.cursor != 0 && !(p.batch > 0 && p.cursor < p.rows.div_ceil(p.batch)) {
            return Err(bad_checkpoint(
                "its progress is inconsistent (a position beyond its pass)",
            ));
        }
        d.progress = Some(p);
    }
    if let Some(at) = l.best_at {
        let loss = f64::from_bits(dword(bytes, at));
        if loss.is_nan() || loss == f64::NEG_INFINITY {
            return Err(bad_checkpoint("its best loss is not a number"));
        }
        if !finite_f32s(bytes, at + 12, params) {
            return Err(bad_checkpoint(
                "its best parameters hold a non-finite value",
            ));
        }
        d.best = Some((loss, word(bytes, at + 8), at + 12));
    }
    Ok((config, d))
}
