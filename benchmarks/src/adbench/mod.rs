//! The ADBench objectives (GMM, bundle adjustment, LSTM) and a 1-D heat
//! equation, each written from the math as a `#[grad]` function, next to
//! the adjoint a person writes by hand for it.
//!
//! The data and the math are ADBench's (`shared/adbench/README.md`, read
//! by [`data`]); the tests of each module check the objective and both
//! gradients against ADBench's reference values (1e-8 relative), the
//! generated gradient against central differences, and the hand-written
//! gradient against the generated one (1e-10 relative).

// A `#[grad]` function indexes its buffers (`iter_mut` is outside what the
// macro differentiates), and the formulas are indexed; the hand-written
// adjoints keep the same indices so the two read alike. It copies a buffer
// with a loop too: `#[grad]` refuses `copy_from_slice` and `to_vec`.
#![allow(clippy::needless_range_loop, clippy::manual_memcpy)]

pub mod ba;
#[cfg(feature = "candle")]
pub mod candle;
pub mod data;
pub mod gmm;
pub mod heat;
pub mod lstm;
pub mod peers;

#[cfg(test)]
mod test_support {
    /// `got` and `want` agree to `tolerance` relative to the larger of the
    /// two (exactly, where both are zero).
    pub fn assert_close(what: &str, got: &[f64], want: &[f64], tolerance: f64) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            let scale = g.abs().max(w.abs());
            assert!((g - w).abs() <= tolerance * scale, "{what}[{i}]: got {g}, want {w} (tolerance {tolerance:e})");
        }
    }

    /// An analytic gradient agrees with central differences to 1e-6
    /// relative to the larger of the component and 1.
    pub fn assert_near_numeric(what: &str, analytic: &[f64], numeric: &[f64]) {
        assert_eq!(analytic.len(), numeric.len(), "{what}: lengths");
        for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
            assert!((a - n).abs() <= 1e-6 * a.abs().max(1.0), "{what}[{i}]: analytic {a}, numeric {n}");
        }
    }
}
