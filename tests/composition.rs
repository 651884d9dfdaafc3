//! Calls between `#[grad]` functions: by plain name, by path, across
//! crates (the runtime's), defined inside a function body or by a
//! `macro_rules!` macro, with slices, and through a custom derivative.
//! Each composed gradient is checked against central differences.

use autodiff::grad;

fn numeric(f: impl Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    autodiff::numeric_gradient(f, at)
}

fn assert_close(analytic: &[f64], numeric: &[f64]) {
    for (a, n) in analytic.iter().zip(numeric) {
        assert!((a - n).abs() <= 1e-6 * n.abs().max(1.0), "{analytic:?} vs {numeric:?}");
    }
}

/// J(a, b, c) = 3(a + bc).
#[grad]
fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

mod shapes {
    use autodiff::grad;

    /// The squared norm of a slice.
    #[grad]
    pub fn norm2(x: &[f64]) -> f64 {
        x.iter().map(|v| v * v).sum()
    }

    /// softplus(x) = ln(1 + eˣ), here by a hand-written derivative:
    /// d/dx = σ(x).
    #[grad(vjp = softplus_by_hand)]
    pub fn softplus(x: f64) -> f64 {
        x.max(0.0) + (-x.abs()).exp().ln_1p()
    }

    pub fn softplus_by_hand(x: f64, seed: f64) -> (f64, f64) {
        (softplus(x), seed / (1.0 + (-x).exp()))
    }
}

use shapes::softplus;

macro_rules! scaled {
    ($name:ident, $k:expr) => {
        /// k·x².
        #[grad]
        fn $name(x: f64) -> f64 {
            $k * x * x
        }
    };
}
scaled!(triple_square, 3.0);

/// Uses every way of calling another #[grad] function.
#[grad]
fn composite(x: f64, y: f64, w: &[f64]) -> f64 {
    #[grad]
    fn inner(t: f64) -> f64 {
        t.sin() * t
    }
    let a = j(x, y, 2.0);
    let b = shapes::norm2(w) + shapes::norm2(&w[1..]);
    let c = autodiff::sigmoid(x * y) + softplus(y) + triple_square(x);
    inner(a) + b * c
}

#[test]
fn every_kind_of_call_composes() {
    for (x, y) in [(0.3, -0.7), (1.2, 0.4), (-0.8, 2.0)] {
        let w = [0.5, -1.5, 2.0];
        let mut dw = [0.0; 3];
        let (value, dx, dy) = composite_grad(x, y, &w, &mut dw);
        assert_eq!(value, composite(x, y, &w));
        let point = [x, y, w[0], w[1], w[2]];
        let expected = numeric(|p| composite(p[0], p[1], &p[2..]), &point);
        let mut got = vec![dx, dy];
        got.extend(dw);
        assert_close(&got, &expected);
    }
}

#[test]
fn a_custom_derivative_is_used_and_forwarded() {
    // softplus_grad and softplus_vjp come from the hand-written derivative.
    let (value, d) = shapes::softplus_grad(0.4);
    assert_eq!(value, shapes::softplus(0.4));
    assert_eq!(d, 1.0 / (1.0 + (-0.4f64).exp()));
    assert_eq!(shapes::softplus_vjp(0.4, 2.0).1, 2.0 * d);
}

#[test]
fn the_lesson_exercise() {
    assert_eq!(j_grad(1.0, 2.0, 3.0), (21.0, 3.0, 9.0, 6.0));
    // ∂J/∂b = 3c and ∂J/∂c = 3b at (5, 3, 2).
    assert_eq!(j_vjp(5.0, 3.0, 2.0, 1.0), (33.0, 3.0, 6.0, 9.0));
    assert_eq!(j_vjp(5.0, 3.0, 2.0, 0.5), (33.0, 1.5, 3.0, 4.5));
}

/// Σ (bz)² over a local buffer z = b·x, passed whole and in part to a
/// `#[grad]` function taking a slice.
#[grad]
fn local_buffer_argument(b: f64, x: &[f64; 3]) -> f64 {
    let mut z = [0.0; 3];
    for i in 0..3 {
        z[i] = b * x[i];
    }
    shapes::norm2(&z) + shapes::norm2(&z[1..])
}

#[test]
fn local_buffers_pass_their_adjoint() {
    let x = [0.5, -1.0, 2.0];
    let mut dx = [0.0; 3];
    let (_, db) = local_buffer_argument_grad(1.5, &x, &mut dx);
    let expected = numeric(|p| local_buffer_argument(p[0], &[p[1], p[2], p[3]]), &[1.5, 0.5, -1.0, 2.0]);
    let mut got = vec![db];
    got.extend(dx);
    assert_close(&got, &expected);
}

/// `c(x, y) = x sin y`, differentiated with respect to `y` only.
#[grad(wrt(y))]
fn wrt_callee(x: f64, y: f64) -> f64 {
    x * y.sin()
}

/// `f = 2 sin(xy) + x`: ∂x = 2y cos(xy) + 1, ∂y = 2x cos(xy), through the
/// callee's `y`; its `x`, left out of its `wrt`, is a constant for callers
/// too, passed one here (a value with a derivative there is a compile
/// error: `tests/ui/wrt-left-out-given-a-varied-value.rs`).
#[grad]
fn call_wrt(x: f64, y: f64) -> f64 {
    wrt_callee(2.0, x * y) + x
}

/// `g(x) = x²` in `f32`.
#[grad]
fn square32(x: f32) -> f32 {
    x * x
}

/// `f(x) = x³` through an `f32` callee: ∂x = 3x² (to f32 precision).
#[grad]
fn call_other_float(x: f64) -> f64 {
    square32(x as f32) as f64 * x
}

/// `f = n·x + z·x` with `f64::from` conversions: ∂x = n + z, ∂z = x.
#[grad]
fn from_conversions(x: f64, n: i32, z: f32) -> f64 {
    f64::from(n) * x + f64::from(z) * x
}

#[test]
fn a_restricted_callee_differentiates_what_it_names_for_callers() {
    let (x, y) = (0.7_f64, -1.3_f64);
    let (_, dx, dy) = call_wrt_grad(x, y);
    assert!((dx - (2.0 * y * (x * y).cos() + 1.0)).abs() < 1e-12);
    assert!((dy - 2.0 * x * (x * y).cos()).abs() < 1e-12);
    // The callee's own contract is untouched: only ∂/∂y.
    let (_, only_dy) = wrt_callee_grad(x, y);
    assert!((only_dy - x * y.cos()).abs() < 1e-12);
}

#[test]
fn callees_of_another_float_type_and_from_conversions() {
    let x = 1.25_f64;
    let (_, dx) = call_other_float_grad(x);
    assert!((dx - 3.0 * x * x).abs() < 1e-5, "{dx}");
    let (_, dx, dz) = from_conversions_grad(x, 3, 0.5);
    assert!((dx - 3.5).abs() < 1e-12 && (dz - x as f32).abs() < 1e-6);
}
