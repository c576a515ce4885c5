//! Elementary functions specified exactly, for the hot loops: plain f32 operations (each
//! multiply and add rounded separately, no fused multiply-add), integer bit manipulation and
//! selects, in a fixed order. IEEE 754 makes every such operation give the same bits on
//! every target, so these functions do too; they have no branches on data, so loops over
//! slices vectorize. Accuracy is stated for each and checked against `f64` in the tests.

/// `e^x`: less than 1 ulp from the true value (0.96 at worst) at each of the ~35 million
/// points the tests check across the range where the result is a normal f32; `+inf` above
/// ~88.72, `0` or a subnormal below ~-87.3, NaN for NaN.
///
/// Method (Cephes' `expf`): `x = k ln2 + r` with `k = round(x / ln2)` (by adding and
/// subtracting 1.5 * 2^23, which rounds to nearest even) and `|r| <= ln2 / 2` (by a
/// two-part `ln2` whose high part times `k` is exact), then
/// `e^r = 1 + r + r^2 P(r)` with Cephes' degree-5 `P`, scaled by `2^k` in two halves
/// (so that results near the subnormal range round only once).
///
/// ```
/// use staticnets::math::exp;
/// assert_eq!(exp(0.0), 1.0);
/// assert!((exp(1.0) - core::f32::consts::E).abs() <= f32::EPSILON * 3.0);
/// assert_eq!(exp(100.0), f32::INFINITY);
/// assert_eq!(exp(-200.0), 0.0);
/// assert!(exp(f32::NAN).is_nan());
/// ```
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    const LN2_HI: f32 = 0.693_359_4; // 355 / 512: k * LN2_HI is exact for |k| <= 2^15
    const LN2_LO: f32 = -2.121_944_4e-4; // ln2 - LN2_HI
    // Clamp so that k stays within [-150, 128] (NaN stays NaN).
    let x = x.clamp(-104.0, 89.0);
    let shifted = x * LOG2E + ROUND;
    let k = shifted - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let z = r * r;
    let p = (((((1.987_569_2e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2)
        * r
        + 1.666_666_5e-1)
        * r
        + 0.5)
        * z
        + r
        + 1.0;
    // 2^k as two powers of two, each a normal f32 (k / 2 and k - k / 2 lie in [-75, 64]).
    // k as an integer: `shifted` lies in [2^23, 2^24), where one unit is one step of the
    // bits, so its bits minus ROUND's are k. (Not `k as i32`: Rust's saturating cast is a
    // scalar conversion per lane, which made a loop of this 8x slower. For NaN, `ki` is
    // some number and the product below NaN anyway.)
    let ki = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let k1 = ki >> 1;
    let k2 = ki - k1;
    let two = |e: i32| f32::from_bits((e.wrapping_add(127) as u32) << 23);
    p * two(k1) * two(k2)
}

/// `ln x` for positive normal `x` (within 1 ulp on the tested points; what it returns for
/// zero, negative, subnormal or non-finite `x` is unspecified, so callers keep to normal
/// positive values: [`XorShift`](crate::rng::XorShift)'s Box-Muller takes `u` in `(0, 1]`).
///
/// Method (Cephes' `logf`): `x = m 2^e` with `m` in `[sqrt(1/2), sqrt(2))` from the bits;
/// with `f = m - 1` (exact), `ln m = f - f^2 / 2 + f^3 P(f)` with Cephes' degree-8 `P`,
/// and `e ln2` added in two parts (`LN2_HI` times `e` is exact).
///
/// ```
/// use staticnets::math::ln;
/// assert_eq!(ln(1.0), 0.0);
/// assert!((ln(core::f32::consts::E) - 1.0).abs() <= f32::EPSILON);
/// ```
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const SQRT_HALF: f32 = core::f32::consts::FRAC_1_SQRT_2;
    let bits = x.to_bits();
    let e0 = ((bits >> 23) & 0xff) as i32 - 127;
    let m0 = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // in [1, 2)
    // Move m into [sqrt(1/2), sqrt(2)): halve it (exactly) when it is above sqrt(2).
    let big = m0 > 2.0 * SQRT_HALF;
    let m = if big { m0 * 0.5 } else { m0 };
    let e = (if big { e0 + 1 } else { e0 }) as f32;
    let f = m - 1.0;
    let z = f * f;
    let p = (((((((7.037_683_6e-2 * f - 1.151_461_1e-1) * f + 1.167_699_9e-1) * f
        - 1.242_014_1e-1)
        * f
        + 1.424_932_3e-1)
        * f
        - 1.666_805_8e-1)
        * f
        + 2.000_071_4e-1)
        * f
        - 2.499_999_4e-1)
        * f
        + 3.333_333e-1;
    let y = f * z * p + e * LN2_LO - 0.5 * z;
    (f + y) + e * LN2_HI
}

/// `(sin 2 pi t, cos 2 pi t)` for `t` in `[0, 1]` given in turns (the angle of Box-Muller:
/// `t` is a uniform draw): for every `t = k / 2^24` (each value a uniform draw takes), each
/// is within 1.3 f32 epsilons of the true value, relative, or `2^-24` absolute near zero.
///
/// Method: `4t = q + g` with `q = round(4t)` and `g` in `[-1/2, 1/2]` (both exact), so the
/// angle is `q` quarter turns plus `phi = g pi / 2` in `[-pi/4, pi/4]`; Cephes' `sinf` and
/// `cosf` polynomials give `sin phi` and `cos phi`, and `q mod 4` rotates them.
///
/// ```
/// use staticnets::math::sincos_turns;
/// assert_eq!(sincos_turns(0.0), (0.0, 1.0));
/// let (s, c) = sincos_turns(0.25);
/// assert_eq!((s, c), (1.0, 0.0));
/// ```
#[inline(always)]
pub fn sincos_turns(t: f32) -> (f32, f32) {
    const ROUND: f32 = 12_582_912.0; // 1.5 * 2^23
    let t4 = 4.0 * t;
    let q = (t4 + ROUND) - ROUND;
    let phi = (t4 - q) * core::f32::consts::FRAC_PI_2;
    let z = phi * phi;
    let sin = phi + phi * z * ((-1.951_529_6e-4 * z + 8.332_161e-3) * z - 1.666_665_5e-1);
    let cos = 1.0 - 0.5 * z + z * z * ((2.443_315_7e-5 * z - 1.388_731_6e-3) * z + 4.166_664_6e-2);
    // Quarter turn q (0 to 4; 4 is a whole turn, as 0): (sin, cos), (cos, -sin),
    // (-sin, -cos), (-cos, sin). Float compares and selects only, so that loops calling
    // this vectorize.
    let odd = q == 1.0 || q == 3.0;
    let (a, b) = if odd { (cos, sin) } else { (sin, cos) };
    let a = if q == 2.0 || q == 3.0 { -a } else { a };
    let b = if q == 1.0 || q == 2.0 { -b } else { b };
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between `got` and the correctly rounded `want`.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        if got == w {
            return 0.0;
        }
        let ulp = (f32::from_bits(w.abs().to_bits() + 1) - w.abs()) as f64;
        (got as f64 - want).abs() / ulp
    }

    #[test]
    fn exp_is_within_one_ulp_of_f64_wherever_it_is_normal() {
        let mut worst = (0.0f64, 0.0f32);
        // Every 61st f32 between -87.3 and 88.7 (about 35 million points), both signs.
        let mut bits = 0u32;
        while bits < 0x42b1_7218 {
            for x in [f32::from_bits(bits), -f32::from_bits(bits)] {
                if x > -87.3 {
                    let e = ulps(exp(x), (x as f64).exp());
                    if e > worst.0 {
                        worst = (e, x);
                    }
                }
            }
            bits += 61;
        }
        assert!(worst.0 < 1.0, "{} ulps at {}", worst.0, worst.1);
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp(88.8), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(-0.0), 1.0);
        // the subnormal range: within one subnormal step of the true value
        for x in [-88.0f32, -95.0, -100.0, -103.0] {
            let want = (x as f64).exp();
            assert!((exp(x) as f64 - want).abs() <= 1.5e-45, "{x}");
        }
    }

    #[test]
    fn ln_is_within_one_ulp_of_f64() {
        let mut worst = (0.0f64, 0.0f32);
        // Every 37th f32 from the smallest normal to the largest finite value.
        let mut bits = 0x0080_0000u32;
        while bits < 0x7f80_0000 {
            let x = f32::from_bits(bits);
            let e = ulps(ln(x), (x as f64).ln());
            if e > worst.0 {
                worst = (e, x);
            }
            bits += 37;
        }
        // every value Box-Muller can ask for: 1 - k / 2^24
        for k in 0..(1u32 << 24) {
            let u = 1.0 - k as f32 * (1.0 / 16_777_216.0);
            let e = ulps(ln(u), (u as f64).ln());
            if e > worst.0 {
                worst = (e, u);
            }
        }
        assert!(worst.0 < 1.0, "{} ulps at {}", worst.0, worst.1);
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn sincos_turns_matches_f64_for_every_uniform_draw() {
        let mut worst = 0.0f64;
        // every value a uniform draw can take: k / 2^24
        for k in 0..(1u32 << 24) {
            let t = k as f32 * (1.0 / 16_777_216.0);
            let (s, c) = sincos_turns(t);
            let a = 2.0 * core::f64::consts::PI * t as f64;
            for (got, want) in [(s, a.sin()), (c, a.cos())] {
                // relative to the value, but at least 2^-24 absolute near the zeros
                let scale = want.abs().max(1.0 / 16_777_216.0);
                let err = (got as f64 - want).abs() / (scale * f32::EPSILON as f64);
                worst = worst.max(err);
            }
        }
        assert!(worst < 1.3, "{worst} epsilons");
    }
}
