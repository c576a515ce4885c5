//! Synthetic vibration windows, for the anomaly-detection example (a 1-D convolutional
//! autoencoder that learns a machine's normal vibration on the device and flags what it
//! cannot reconstruct).
//!
//! A window is [`WINDOW`] samples of a machine's running vibration: its fundamental and two
//! harmonics, `sum_h a_h sin(2 pi h f t / WINDOW + phi_h)` with `f` in cycles per window and
//! each phase drawn per window, plus Gaussian noise. A bearing fault adds an impulse train: every
//! `period` samples (from a random start) a ringing `amp e^(-t / 3) sin(2 pi 0.35 t)` for 12
//! samples. Everything comes from the seeded [`XorShift`] and `libm`, so every target makes
//! the same windows (the firmware makes its own, bit for bit those of the native example).
//!
//! ```
//! use staticnets::datasets::vibration::{Machine, WINDOW, window};
//! let mut rng = staticnets::rng::XorShift::new(1);
//! let (mut healthy, mut faulty) = ([0.0f32; WINDOW], [0.0f32; WINDOW]);
//! window(&Machine::FACTORY, false, &mut rng, &mut healthy);
//! window(&Machine::FACTORY, true, &mut rng, &mut faulty);
//! let energy = |w: &[f32]| w.iter().map(|v| v * v).sum::<f32>();
//! assert!(energy(&faulty) > energy(&healthy) * 0.5);
//! ```

use crate::rng::XorShift;

/// Samples per window.
pub const WINDOW: usize = 128;

/// A machine's normal vibration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Machine {
    /// The fundamental, in cycles per window.
    pub cycles: f32,
    /// The amplitudes of the fundamental and its second and third harmonics.
    pub harmonics: [f32; 3],
    /// The sensor noise's standard deviation.
    pub noise: f32,
    /// The fault's impulse period, in samples, and its amplitude.
    pub fault: (usize, f32),
}

impl Machine {
    /// The machine the model is trained on at the factory.
    pub const FACTORY: Machine = Machine {
        cycles: 5.0,
        harmonics: [0.8, 0.3, 0.15],
        noise: 0.05,
        fault: (16, 0.9),
    };
    /// The machine it is bolted to: another speed and another spectrum.
    pub const SITE: Machine = Machine {
        cycles: 7.5,
        harmonics: [0.5, 0.45, 0.3],
        noise: 0.05,
        fault: (16, 0.9),
    };
}

/// Fill `out` (at least [`WINDOW`] values) with one window of `machine`, with a bearing fault
/// if `fault`, drawing phases, noise and the fault's start from `rng`.
pub fn window(machine: &Machine, fault: bool, rng: &mut XorShift, out: &mut [f32]) {
    let two_pi = 2.0 * core::f32::consts::PI;
    let phases = [rng.uniform(), rng.uniform(), rng.uniform()];
    for (t, v) in out[..WINDOW].iter_mut().enumerate() {
        let mut s = 0.0f32;
        for (h, (&a, &phi)) in machine.harmonics.iter().zip(&phases).enumerate() {
            let turns = (h + 1) as f32 * machine.cycles * t as f32 / WINDOW as f32 + phi;
            s += a * libm::sinf(two_pi * turns);
        }
        *v = s + machine.noise * rng.gaussian();
    }
    if fault {
        let (period, amp) = machine.fault;
        let start = rng.below(period);
        let mut at = start;
        while at < WINDOW {
            for (t, v) in out[at..WINDOW.min(at + 12)].iter_mut().enumerate() {
                let t = t as f32;
                *v += amp * libm::expf(-t / 3.0) * libm::sinf(two_pi * 0.35 * t);
            }
            at += period;
        }
    }
}

/// Fill `out` with `out.len() / WINDOW` windows of `machine` (faulty ones where `fault(i)`).
pub fn fill(machine: &Machine, seed: u64, out: &mut [f32], fault: impl Fn(usize) -> bool) {
    let mut rng = XorShift::new(seed);
    for (i, w) in out.chunks_exact_mut(WINDOW).enumerate() {
        window(machine, fault(i), &mut rng, w);
    }
}
