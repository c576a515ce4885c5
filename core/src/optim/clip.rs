//! Gradient clipping, per parameter as in downhill: with `max_gradient_elem = c > 0` each
//! element is clipped to `[-c, c]`; otherwise with `max_gradient_norm = c > 0` a parameter's
//! gradient is rescaled by `min(1, c / ||g||_2)` (its own norm, not a global one).

/// Clip one parameter's gradient in place.
pub fn clip(g: &mut [f32], max_elem: f32, max_norm: f32) {
    if max_elem > 0.0 {
        for gk in g.iter_mut() {
            *gk = gk.clamp(-max_elem, max_elem);
        }
    } else if max_norm > 0.0 {
        let norm = crate::kernels::sqrtf(crate::kernels::dot(g, g));
        if norm > max_norm {
            let s = max_norm / norm;
            for gk in g.iter_mut() {
                *gk *= s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn by_element_and_by_norm() {
        let mut g = [3.0f32, -4.0, 0.5];
        super::clip(&mut g, 1.0, 0.0);
        assert_eq!(g, [1.0, -1.0, 0.5]);
        let mut g = [3.0f32, -4.0];
        super::clip(&mut g, 0.0, 1.0);
        assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] + 0.8).abs() < 1e-6);
        let mut g = [0.3f32, -0.4];
        super::clip(&mut g, 0.0, 1.0);
        assert_eq!(g, [0.3, -0.4]);
    }
}
