//! Stop 21's findings (user rounds 10 to 12, reviews 12 to 17), each
//! checked against its closed form in every mode the function has:
//!
//! - a `#[grad]` method called on an element of a constant slice of
//!   structs (`terms[i].eval(x)`, `for t in terms { t.eval(x) }`,
//!   `terms.iter().map(|t| t.eval(x))`) failed with E0308: the receiver
//!   was passed by value to the method's twin for a constant `self`, which
//!   takes `&Self` (and an element that is not `Copy` cannot be moved);
//! - two typed `let`s copying the same array field of a model (`let w:
//!   [f64; 3] = m.w; let c: [f64; 3] = m.w;`) failed with E0308: the two
//!   reads were shared in a temporary taken for a number;
//! - review 12: a custom `vjp` on a generic function with a slice
//!   parameter (E0369 in the companion's `jvp`), and a custom `vjp` whose
//!   `wrt(..)` leaves a float parameter out (E0061: the companion's `vjp`
//!   had no slot for it, which its callers pass); review 14: the same
//!   with its own `forward` (E0061), and a custom `vjp` of an array taken by
//!   value, whose companion had no `jvp` for callers (E0599 in each);
//! - round 10: the textbook sigmoid `1 / (1 + e⁻ˣ)` past `x = −709.78`,
//!   where `e⁻ˣ` overflows and the reciprocal brings it back to 0: `_grad`
//!   was 0 (the reverse sweep skips a zero adjoint's infinite partial),
//!   `_jvp` and `_hvp` NaN (`−1/u² · u̇` = `0 · ∞`); the same zero partial
//!   guard in a tangent body must keep the derivative of a partial that is
//!   exactly 0 (`(1 − y)·eˣ` at `y = 1`);
//! - round 10: a `match` arm whose pattern starts with `..=` (`..=0.0 =>`)
//!   failed to compile: `matches!`, which tests each arm, takes no such
//!   pattern;
//! - review 13: the same place compared twice (`m.rows[0] == m.rows[1]`,
//!   `terms[i].name == terms[0].name`) was shared in a temporary taken for
//!   a number (E0308, E0508); a method called by its path on an element of
//!   a slice of structs (`Term::eval(&terms[1], x)`, `Term::eval(t, x)` in
//!   `for t in terms`) failed with E0223;
//! - round 10: `debug_assert_eq!(pred.len(), target.len());` at the top of
//!   a loss, as numeric code starts, was refused; assertions are kept in
//!   every mode, with no derivative;
//! - round 10 found two forms that work and were not documented: a
//!   recursive `#[grad]` function and jagged weights `&[Vec<f64>]`;
//! - round 11: a local enum chosen by an `if` or a `match` (`let stage = if
//!   t < a { Stage::Attack } else { .. };`) was declared up front as
//!   `Default::default()` (E0277 for an enum without `Default`); a
//!   `hessian` function writing a `&mut [[f64; N]; M]` output added its
//!   adjoint with `+=` on rows (E0368);
//! - round 11: `w.iter().zip(h.iter().rev())` (a FIR filter) was refused;
//!   a source reversed inside a chain is read from its end now (zipped,
//!   enumerated, cut by `skip` and `take`);
//! - round 11: `let s = &episode[t].state;`, a field of a table's element
//!   bound by reference, was refused; it is read in place like `&data[i]`
//!   (and `&m.layers[i].w` of a model's part);
//! - round 11: a sub-slice binding cut again (`&head[1..]`) was refused; it
//!   is a range of the binding's base, checked to lie within the binding;
//! - review 15: an enum without `Default` saved per pass of a loop over a
//!   literal range (a stack `[Default::default(); 3]`), and a custom `vjp`
//!   of rows by reference (`&[[f64; 2]; 2]`: no forward mode for callers;
//!   `&Vec<[f64; 2]>`, `&[[f64; 2]]`: a buffer of floats for its partials);
//!   `NAME_graph` of an array literal of rows holding a variable (`[[1.0,
//!   x], [y, 2.0]]`) panicked: a row was stored as one number; an enum's
//!   variant made of literals (`let p: Pen = Pen::L2(0.5);`) was taken for
//!   a call's float (E0308); `#[grad(graph, vjp = ..)]` of an array taken
//!   by value drew it as one number (E0277);
//! - round 12: `rem_euclid` and `div_euclid` (an angle wrapped into
//!   `[0, 2π)`, a periodic cell) were refused; so was `let (i, j, k) =
//!   edges[t];`, a tuple stored in a table taken apart;
//! - review 16: an element or a range of a sub-slice read from its base
//!   past the sub-slice's end did not panic (`head[2]` of `&x[1..3]`,
//!   `x[1..9].iter()` of 6 elements, `&head[3..2]`), where Rust's slicing
//!   does; an enum's variants of negative literals or `const`s chosen by a
//!   branch (E0277); a custom `vjp` of jagged rows `&[Vec<f64>]` (E0599);
//!   a local array of enums written after it is made (`[Pen::Zero; 3]`,
//!   then `qs[1] = ..`) was typed as floats (E0308);
//! - review 17: a range from a literal 0 (`&x[0..n]`) made rustc warn of
//!   the check `0 <= n`; `x.windows(0)` did not panic, as Rust's does.

// Index loops are among the forms under test; a generic float has no `+=`.
// The generated code raises no warning of its own (review 17: `0 <= n`).
#![deny(warnings)]
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern)]

#[macro_use]
mod common;

use autodiff::prelude::*;
use autodiff::Float;
use common::close;

/// A term `a·xᵖ` of a polynomial, with a name: not `Copy`.
struct Term {
    a: f64,
    power: i32,
    #[allow(dead_code)]
    name: String,
}

impl Term {
    #[grad(forward, reverse, hessian, wrt(x))]
    fn eval(&self, x: f64) -> f64 {
        self.a * x.powi(self.power)
    }
}

#[grad(forward, reverse, hessian, graph)]
fn by_index(terms: &[Term], x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..terms.len() {
        s += terms[i].eval(x);
    }
    s
}

#[grad(forward, reverse, hessian, graph)]
fn by_element(terms: &[Term], x: f64) -> f64 {
    let mut s = 0.0;
    for t in terms {
        s += t.eval(x);
    }
    s
}

#[grad(forward, reverse, hessian, graph)]
fn by_iterator(terms: &[Term], x: f64) -> f64 {
    terms.iter().map(|t| t.eval(x)).sum()
}

/// Horner's scheme over the terms' values, the element chosen by a counter
/// that changes after the call: the reverse pass must call the twin on
/// the element the forward pass used.
#[grad(forward, reverse, hessian, graph)]
fn by_counter(terms: &[Term], x: f64) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    while k < terms.len() {
        let v = terms[k].eval(x);
        k += 1;
        s = s * x + v;
    }
    s
}

fn terms() -> Vec<Term> {
    [(1.5, 3), (-2.0, 2), (0.5, 1)]
        .into_iter()
        .map(|(a, power)| Term { a, power, name: format!("{a}x^{power}") })
        .collect()
}

/// The value, first and second derivative of Σ aₖ·x^pₖ.
fn sum_of_terms(terms: &[Term], x: f64) -> [f64; 3] {
    terms.iter().fold([0.0; 3], |[f, d, h], t| {
        let p = t.power as f64;
        [f + t.a * x.powi(t.power), d + t.a * p * x.powi(t.power - 1), h + t.a * p * (p - 1.0) * x.powi(t.power - 2)]
    })
}

/// The same of Horner's `s ← s·x + vₖ`: `s' ← s'·x + s + vₖ'`,
/// `s'' ← s''·x + 2s' + vₖ''`.
fn horner_of_terms(terms: &[Term], x: f64) -> [f64; 3] {
    terms.iter().fold([0.0; 3], |[s, d, h], t| {
        let [v, dv, hv] = sum_of_terms(std::slice::from_ref(t), x);
        [s * x + v, d * x + s + dv, h * x + 2.0 * d + hv]
    })
}

#[test]
fn methods_on_elements_of_a_constant_slice_of_structs_have_their_closed_forms() {
    let terms = terms();
    type Modes = (
        fn(&[Term], f64) -> (f64, f64),
        fn(&[Term], f64, f64) -> (f64, f64),
        fn(&[Term], f64, f64) -> (f64, f64),
        fn(&[Term], f64) -> autodiff::Graph,
        fn(&[Term], f64) -> [f64; 3],
    );
    let functions: [(&str, Modes); 4] = [
        ("by_index", (by_index_grad, by_index_jvp, by_index_hvp, by_index_graph, sum_of_terms)),
        ("by_element", (by_element_grad, by_element_jvp, by_element_hvp, by_element_graph, sum_of_terms)),
        ("by_iterator", (by_iterator_grad, by_iterator_jvp, by_iterator_hvp, by_iterator_graph, sum_of_terms)),
        ("by_counter", (by_counter_grad, by_counter_jvp, by_counter_hvp, by_counter_graph, horner_of_terms)),
    ];
    for (name, (grad, jvp, hvp, graph, exact)) in functions {
        for x in [-1.3, 0.4, 2.0] {
            let [f, d, h] = exact(&terms, x);
            let (value, dx) = grad(&terms, x);
            assert!(
                close(value, f, 1e-12) && close(dx, d, 1e-12),
                "{name}_grad at {x}: ({value}, {dx}), want ({f}, {d})"
            );
            let (value, tangent) = jvp(&terms, x, 0.5);
            assert!(close(value, f, 1e-12) && close(tangent, 0.5 * d, 1e-12), "{name}_jvp at {x}: {tangent}");
            let (value, hv) = hvp(&terms, x, 0.5);
            assert!(close(value, f, 1e-12) && close(hv, 0.5 * h, 1e-12), "{name}_hvp at {x}: {hv}, want {}", 0.5 * h);
            let g = graph(&terms, x);
            let adjoint = common::graph::adjoint(&g, "x");
            assert!(close(adjoint, d, 1e-12), "{name}_graph at {x}: adjoint of x {adjoint}, want {d}");
        }
    }
}

#[derive(Params, Clone, Default)]
struct Lin {
    w: [f64; 3],
    b: f64,
}

/// The same array field copied twice by typed `let`s.
#[grad(forward, reverse, hessian)]
fn field_copied_twice(m: &Lin, x: f64) -> f64 {
    let w: [f64; 3] = m.w;
    let c: [f64; 3] = m.w;
    w[0] * x + c[1] * x * x + c[2] * w[2] + m.b
}

#[test]
fn an_array_field_copied_twice_has_its_closed_form() {
    let m = Lin { w: [0.5, -1.5, 2.0], b: 0.25 };
    let x = 1.2;
    let f = m.w[0] * x + m.w[1] * x * x + m.w[2] * m.w[2] + m.b;
    let mut d_m = Lin::default();
    let (value, dx) = field_copied_twice_grad(&m, &mut d_m, x);
    assert!(close(value, f, 1e-12));
    assert!(close(dx, m.w[0] + 2.0 * m.w[1] * x, 1e-12));
    assert_eq!(d_m.w, [x, x * x, 2.0 * m.w[2]]);
    assert_eq!(d_m.b, 1.0);
    // Along (v_m, vx) = (w: [0, 1, 1], b: 0; 1): ḟ = x² + 2·w₂ + (w₀ + 2·w₁·x).
    let v_m = Lin { w: [0.0, 1.0, 1.0], b: 0.0 };
    let (_, tangent) = field_copied_twice_jvp(&m, &v_m, x, 1.0);
    assert!(close(tangent, x * x + 2.0 * m.w[2] + m.w[0] + 2.0 * m.w[1] * x, 1e-12));
    // H·v: ∂/∂x = 2·x·v_w₁ + 2·w₁·vx, ∂/∂w = [vx, 2·x·vx, 2·v_w₂], ∂/∂b = 0.
    let mut hv_m = Lin::default();
    let (_, hx) = field_copied_twice_hvp(&m, &v_m, &mut hv_m, x, 1.0);
    assert!(close(hx, 2.0 * x + 2.0 * m.w[1], 1e-12));
    assert_eq!(hv_m.w, [1.0, 2.0 * x, 2.0]);
    assert_eq!(hv_m.b, 0.0);
}

/// `a·Σ xᵢ²`, generic, with a hand-written reverse derivative.
#[grad(vjp = generic_norm_vjp)]
fn generic_norm<T: Float>(x: &[T], a: T) -> T {
    x.iter().fold(T::zero(), |s, v| s + *v * *v) * a
}

fn generic_norm_vjp<T: Float>(x: &[T], d_x: &mut [T], a: T, seed: T) -> (T, T) {
    let mut s = T::zero();
    for i in 0..x.len() {
        s = s + x[i] * x[i];
        d_x[i] = d_x[i] + seed * T::from_f64(2.0) * x[i] * a;
    }
    (s * a, seed * s)
}

/// Forward mode through the custom reverse derivative (`⟨∇f, ẋ⟩` from one `vjp`).
#[grad(forward, reverse)]
fn norm_of_a_pair(p: &[f32]) -> f32 {
    generic_norm(p, p[0]) + p[1]
}

/// `a²·w₀`, differentiated in `a` only, by hand; its own forward mode goes
/// through the hand-written derivative (review 14: E0061).
#[grad(forward, reverse, wrt(a), vjp = scaled_square_vjp)]
fn scaled_square(a: f64, w: &[f64], b: f64) -> f64 {
    a * a * w[0] + b
}

fn scaled_square_vjp(a: f64, w: &[f64], b: f64, seed: f64) -> (f64, f64) {
    (scaled_square(a, w, b), 2.0 * a * w[0] * seed)
}

#[grad(forward, reverse)]
fn through_scaled_square(x: &[f64]) -> f64 {
    scaled_square(x[0] * x[1], &[2.0, 3.0], 0.5) * x[1]
}

/// `a·(w₀² + 2w₁²)`, an array by value, differentiated by hand.
#[grad(forward, vjp = weighted_vjp)]
fn weighted(a: f64, w: [f64; 2]) -> f64 {
    a * (w[0] * w[0] + 2.0 * w[1] * w[1])
}

fn weighted_vjp(a: f64, w: [f64; 2], seed: f64) -> (f64, f64, [f64; 2]) {
    (weighted(a, w), seed * (w[0] * w[0] + 2.0 * w[1] * w[1]), [seed * 2.0 * a * w[0], seed * 4.0 * a * w[1]])
}

/// A plain reverse-mode caller (whose companion's forward mode calls
/// `weighted`'s), and a grid of arrays by value.
#[grad(forward, reverse)]
fn through_weighted(x: f64, y: f64) -> f64 {
    weighted(x, [y, x * y]) + grid_sum([[x, y], [y, 1.0]])
}

#[grad(vjp = grid_sum_vjp)]
fn grid_sum(g: [[f64; 2]; 2]) -> f64 {
    g[0][0] * g[1][1] + g[0][1]
}

fn grid_sum_vjp(g: [[f64; 2]; 2], seed: f64) -> (f64, [[f64; 2]; 2]) {
    (grid_sum(g), [[seed * g[1][1], seed], [0.0, seed * g[0][0]]])
}

#[test]
fn custom_reverse_derivatives_generic_or_restricted_serve_their_callers() {
    let x = [3.0, 4.0];
    let mut d_x = [0.0; 2];
    assert_eq!(generic_norm_grad(&x, &mut d_x, 2.0), (50.0, 25.0));
    assert_eq!(d_x, [12.0, 16.0]);
    // f = p₀(p₀² + p₁²) + p₁: ∇f = (3p₀² + p₁², 2p₀p₁ + 1).
    let p = [1.5f32, -0.5];
    let gradient = [3.0 * p[0] * p[0] + p[1] * p[1], 2.0 * p[0] * p[1] + 1.0];
    let mut d_p = [0.0f32; 2];
    norm_of_a_pair_grad(&p, &mut d_p);
    assert_eq!(d_p, gradient);
    let (_, tangent) = norm_of_a_pair_jvp(&p, &[1.0, 2.0]);
    assert!((tangent - (gradient[0] + 2.0 * gradient[1])).abs() < 1e-5);

    assert_eq!(scaled_square_grad(0.5, &[2.0], 1.0), (1.5, 2.0));
    assert_eq!(scaled_square_jvp(0.5, 3.0, &[2.0], 1.0), (1.5, 6.0));
    // f = 2(x₀x₁)²x₁ + 0.5x₁ = 2x₀²x₁³ + 0.5x₁.
    let x = [0.4f64, 0.7];
    let gradient = [4.0 * x[0] * x[1].powi(3), 6.0 * x[0] * x[0] * x[1] * x[1] + 0.5];
    let mut d_x = [0.0; 2];
    through_scaled_square_grad(&x, &mut d_x);
    assert!(close(d_x[0], gradient[0], 1e-12) && close(d_x[1], gradient[1], 1e-12), "{d_x:?}");
    let (_, tangent) = through_scaled_square_jvp(&x, &[0.3, -0.5]);
    assert!(close(tangent, 0.3 * gradient[0] - 0.5 * gradient[1], 1e-12));

    // f = x(y² + 2x²y²) + x·1 + y = xy² + 2x³y² + x + y.
    let (x, y): (f64, f64) = (0.7, -1.3);
    let gradient = [y * y + 6.0 * x * x * y * y + 1.0, 2.0 * x * y + 4.0 * x.powi(3) * y + 1.0];
    let (_, dx, dy) = through_weighted_grad(x, y);
    assert!(close(dx, gradient[0], 1e-12) && close(dy, gradient[1], 1e-12), "({dx}, {dy}), want {gradient:?}");
    let (_, tangent) = through_weighted_jvp(x, 0.5, y, 2.0);
    assert!(close(tangent, 0.5 * gradient[0] + 2.0 * gradient[1], 1e-12), "{tangent}");
    let (_, tangent) = weighted_jvp(x, 1.0, [y, 2.0], [0.0, 1.0]);
    assert!(close(tangent, (y * y + 8.0) + 8.0 * x, 1e-12), "{tangent}");
}

/// The logistic function as a textbook writes it.
#[grad(forward, reverse, hessian)]
fn textbook_sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The negative log-likelihood of logistic regression, one sample's margin
/// far past where `e⁻ᶻ` overflows.
#[grad(forward, reverse, hessian, wrt(w))]
fn logistic_nll(w: &[f64], xs: &[[f64; 2]], ys: &[f64]) -> f64 {
    let mut nll = 0.0;
    for i in 0..ys.len() {
        let p = textbook_sigmoid(w[0] * xs[i][0] + w[1] * xs[i][1]);
        nll -= if ys[i] > 0.5 { p.ln() } else { (1.0 - p).ln() };
    }
    nll
}

/// `(1 − y)·eˣ`: the partial `1 − y` of the product is exactly 0 at `y = 1`.
#[grad(forward, reverse, hessian)]
fn vanishing_factor(x: f64, y: f64) -> f64 {
    (1.0 - y) * x.exp()
}

#[test]
fn an_overflow_the_function_recovers_from_has_the_gradients_limit_in_every_mode() {
    for x in [-800.0, -710.0, 800.0] {
        assert_eq!(textbook_sigmoid_grad(x).1, 0.0, "grad at {x}");
        assert_eq!(textbook_sigmoid_jvp(x, 1.0).1, 0.0, "jvp at {x}");
        assert_eq!(textbook_sigmoid_hvp(x, 1.0).1, 0.0, "hvp at {x}");
    }
    // σ' = σ(1 − σ), σ'' = σ'(1 − 2σ), away from the overflow.
    let x = 0.3;
    let s = 1.0 / (1.0 + f64::exp(-x));
    assert!(close(textbook_sigmoid_jvp(x, 1.0).1, s * (1.0 - s), 1e-14));
    assert!(close(textbook_sigmoid_hvp(x, 1.0).1, s * (1.0 - s) * (1.0 - 2.0 * s), 1e-12));

    // The third sample (margin −800, label 0) adds −ln(1 − σ) = 0, whose
    // derivatives σ·x and σ(1 − σ)·x² underflow to 0 with σ. The closed
    // forms: ∇ = Σ (σ − y)·x, H = Σ σ(1 − σ)·x·xᵀ.
    let (xs, ys) = ([[1.0, 2.0], [0.5, -1.0], [800.0, 0.0]], [1.0, 0.0, 0.0]);
    let w = [-1.0, 0.5];
    let mut gradient = [0.0; 2];
    let mut hessian = [[0.0; 2]; 2];
    for (x, y) in xs.iter().zip(ys) {
        let s = 1.0 / (1.0 + f64::exp(-(w[0] * x[0] + w[1] * x[1])));
        for i in 0..2 {
            gradient[i] += (s - y) * x[i];
            for j in 0..2 {
                hessian[i][j] += s * (1.0 - s) * x[i] * x[j];
            }
        }
    }
    let mut d_w = [0.0; 2];
    logistic_nll_grad(&w, &mut d_w, &xs, &ys);
    assert!(close(d_w[0], gradient[0], 1e-12) && close(d_w[1], gradient[1], 1e-12), "{d_w:?}, want {gradient:?}");
    let (_, tangent) = logistic_nll_jvp(&w, &[1.0, -2.0], &xs, &ys);
    assert!(close(tangent, gradient[0] - 2.0 * gradient[1], 1e-12), "{tangent}");
    let mut hv = [0.0; 2];
    logistic_nll_hvp(&w, &[1.0, -2.0], &mut hv, &xs, &ys);
    for i in 0..2 {
        let want = hessian[i][0] - 2.0 * hessian[i][1];
        assert!(close(hv[i], want, 1e-12), "H·v[{i}] = {}, want {want}", hv[i]);
    }

    // H = [[(1 − y)eˣ, −eˣ], [−eˣ, 0]]: at y = 1, H·(1, 0) = (0, −eˣ).
    let x = 0.4;
    let (_, hx, hy) = vanishing_factor_hvp(x, 1.0, 1.0, 0.0);
    assert_eq!((hx, hy), (0.0, -x.exp()));
    assert_eq!(vanishing_factor_jvp(x, 1.0, 1.0, 0.0).1, 0.0);
}

/// A smooth ReLU6 by pieces, its arms as range patterns.
#[grad(forward, reverse, hessian)]
fn soft_relu6(x: f64) -> f64 {
    match x {
        ..=0.0 => 0.01 * x,
        0.0..=6.0 => x * x / 12.0 + 0.5 * x,
        _ => 6.0 + 0.01 * (x - 6.0),
    }
}

#[grad(forward, reverse, hessian, wrt(x))]
fn by_degree(x: f64, degree: u32) -> f64 {
    match degree {
        ..=1 => x,
        2..=3 => x * x,
        _ => x * x * x,
    }
}

#[test]
fn match_arms_of_half_open_ranges_take_their_pieces_derivatives() {
    for (x, slope, curvature) in [(-1.0, 0.01, 0.0), (3.0, 3.0 / 6.0 + 0.5, 1.0 / 6.0), (7.0, 0.01, 0.0)] {
        assert_eq!(soft_relu6_grad(x).1, slope, "at {x}");
        assert_eq!(soft_relu6_jvp(x, 2.0).1, 2.0 * slope, "at {x}");
        assert_eq!(soft_relu6_hvp(x, 2.0).1, 2.0 * curvature, "at {x}");
    }
    for (degree, slope) in [(0, 1.0), (2, 4.0), (5, 12.0)] {
        assert_eq!(by_degree_grad(2.0, degree).1, slope, "degree {degree}");
        assert_eq!(by_degree_jvp(2.0, 1.0, degree).1, slope, "degree {degree}");
    }
}

#[derive(Params, Clone, Default)]
struct Rows {
    rows: [[f64; 2]; 2],
    b: f64,
}

/// Two rows of a model compared twice, and two names of a table.
#[grad(forward, reverse, hessian)]
fn compared_twice(m: &Rows, x: f64) -> f64 {
    let same = m.rows[0] == m.rows[1];
    let other = m.rows[0] != m.rows[1];
    if same && !other {
        x * m.b
    } else {
        x * m.rows[0][1]
    }
}

#[grad(forward, reverse, hessian, wrt(x))]
fn names_compared_twice(terms: &[Term], x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..terms.len() {
        let first = terms[i].name == terms[0].name;
        let later = terms[i].name != terms[0].name;
        if first && !later {
            s += x;
        } else {
            s = s * x + terms[i].eval(x);
        }
    }
    s
}

/// The method by its path, on an element and on a loop's element.
#[grad(forward, reverse, hessian, graph)]
fn by_path_on_an_element(terms: &[Term], x: f64) -> f64 {
    let mut s = Term::eval(&terms[1], x) * x;
    for t in terms {
        s += Term::eval(t, x);
    }
    s
}

#[test]
fn places_compared_twice_and_methods_by_path_on_elements() {
    let m = Rows { rows: [[0.3, -0.7], [1.1, 0.4]], b: 0.25 };
    let mut d_m = Rows::default();
    assert_eq!(compared_twice_grad(&m, &mut d_m, 2.0), (-1.4, -0.7));
    assert_eq!(d_m.rows, [[0.0, 2.0], [0.0, 0.0]]);
    assert_eq!(compared_twice_jvp(&m, &Rows::default(), 2.0, 1.0), (-1.4, -0.7));

    // Σ over the names: x for the first, then s·x + aᵢxᵖⁱ: -x² for these two.
    let terms = terms();
    let x = 0.7;
    let s2 = x * x + terms[1].a * x * x;
    let ds2 = 2.0 * x + 2.0 * terms[1].a * x;
    let s3 = s2 * x + terms[2].a * x;
    let ds3 = ds2 * x + s2 + terms[2].a;
    let (value, dx) = names_compared_twice_grad(&terms, x);
    assert!(close(value, s3, 1e-12) && close(dx, ds3, 1e-12), "({value}, {dx}), want ({s3}, {ds3})");

    // a₁x²·x + Σ aᵢxᵖⁱ.
    let [f, d, h] = sum_of_terms(&terms, x);
    let a1 = terms[1].a;
    let (value, dx) = by_path_on_an_element_grad(&terms, x);
    assert!(close(value, a1 * x.powi(3) + f, 1e-12) && close(dx, 3.0 * a1 * x * x + d, 1e-12));
    assert!(close(by_path_on_an_element_jvp(&terms, x, 1.0).1, 3.0 * a1 * x * x + d, 1e-12));
    assert!(close(by_path_on_an_element_hvp(&terms, x, 1.0).1, 6.0 * a1 * x + h, 1e-12));
    let g = by_path_on_an_element_graph(&terms, x);
    assert!(close(common::graph::adjoint(&g, "x"), 3.0 * a1 * x * x + d, 1e-12));
}

/// A loss that checks its inputs as numeric code does.
#[grad(forward, reverse, hessian, graph)]
fn checked_mse(pred: &[f64], target: &[f64]) -> f64 {
    debug_assert_eq!(pred.len(), target.len());
    assert!(!pred.is_empty(), "no predictions");
    let mut s = 0.0;
    for i in 0..pred.len() {
        let r = pred[i] - target[i];
        assert!(r.is_finite());
        s += r * r;
    }
    if s > 100.0 {
        std::assert_ne!(s, 1000.0)
    }
    s / pred.len() as f64
}

#[test]
fn assertions_are_kept_in_every_mode_and_have_no_derivative() {
    let (pred, target) = ([1.0, 2.0, 4.0], [0.5, 2.5, 3.0]);
    let n = pred.len() as f64;
    let residual: Vec<f64> = pred.iter().zip(&target).map(|(p, t)| p - t).collect();
    let (mut d_pred, mut d_target) = ([0.0; 3], [0.0; 3]);
    let value = checked_mse_grad(&pred, &mut d_pred, &target, &mut d_target);
    assert!(close(value, residual.iter().map(|r| r * r).sum::<f64>() / n, 1e-15));
    for i in 0..3 {
        assert!(close(d_pred[i], 2.0 * residual[i] / n, 1e-15) && close(d_target[i], -2.0 * residual[i] / n, 1e-15));
    }
    let (_, tangent) = checked_mse_jvp(&pred, &[1.0, 0.0, 0.0], &target, &[0.0; 3]);
    assert!(close(tangent, 2.0 * residual[0] / n, 1e-15));
    let mut hv = ([0.0; 3], [0.0; 3]);
    checked_mse_hvp(&pred, &[1.0, 0.0, 0.0], &mut hv.0, &target, &[0.0; 3], &mut hv.1);
    assert_eq!(hv, ([2.0 / n, 0.0, 0.0], [-2.0 / n, 0.0, 0.0]));
    assert!(close(common::graph::adjoint(&checked_mse_graph(&pred, &target), "s = s + r * r"), 1.0 / n, 1e-15));

    // Each assertion still fails where it should, in each mode.
    let short = || checked_mse_grad(&[1.0], &mut [0.0], &[1.0, 2.0][..1], &mut [0.0]);
    assert!(std::panic::catch_unwind(short).is_ok());
    let unequal = std::panic::catch_unwind(|| checked_mse_jvp(&[1.0], &[0.0], &[1.0, 2.0], &[0.0; 2]));
    assert!(cfg!(debug_assertions) == unequal.is_err());
    let empty = std::panic::catch_unwind(|| checked_mse_grad(&[], &mut [], &[], &mut []));
    assert!(empty.is_err());
    let infinite =
        std::panic::catch_unwind(|| checked_mse_hvp(&[f64::INFINITY], &[1.0], &mut [0.0], &[0.0], &[0.0], &mut [0.0]));
    assert!(infinite.is_err());
}

/// de Casteljau's point of a Bézier curve, by recursion on sub-slices.
#[grad(forward, reverse, hessian)]
fn de_casteljau(points: &[f64], t: f64) -> f64 {
    if points.len() == 1 {
        return points[0];
    }
    let n = points.len() - 1;
    (1.0 - t) * de_casteljau(&points[..n], t) + t * de_casteljau(&points[1..], t)
}

/// A layer of jagged rows: row `i` has its own length.
#[grad(forward, reverse, hessian, wrt(w))]
fn jagged_rows(w: &[Vec<f64>], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        let mut z = 0.0;
        for j in 0..w[i].len() {
            z += w[i][j] * x[j];
        }
        s += z * z;
    }
    s
}

#[test]
fn recursion_and_jagged_rows_have_their_closed_forms() {
    // Three control points: B(t) = (1−t)²p₀ + 2t(1−t)p₁ + t²p₂.
    let (p, t) = ([1.0, -2.0, 0.5], 0.3);
    let (mut d_p, value_and_dt) = ([0.0; 3], de_casteljau_grad(&p, &mut [0.0; 3], t));
    let bernstein = [(1.0 - t) * (1.0 - t), 2.0 * t * (1.0 - t), t * t];
    let value: f64 = bernstein.iter().zip(&p).map(|(b, p)| b * p).sum();
    let slope = 2.0 * (1.0 - t) * (p[1] - p[0]) + 2.0 * t * (p[2] - p[1]);
    assert!(close(value_and_dt.0, value, 1e-14) && close(value_and_dt.1, slope, 1e-14));
    de_casteljau_grad(&p, &mut d_p, t);
    for i in 0..3 {
        assert!(close(d_p[i], bernstein[i], 1e-14), "{d_p:?}");
    }
    let (_, tangent) = de_casteljau_jvp(&p, &[0.0; 3], t, 1.0);
    assert!(close(tangent, slope, 1e-14));
    let (_, curvature) = de_casteljau_hvp(&p, &[0.0; 3], &mut [0.0; 3], t, 1.0);
    assert!(close(curvature, 2.0 * (p[0] - 2.0 * p[1] + p[2]), 1e-13));

    // s = Σᵢ zᵢ², zᵢ = Σⱼ wᵢⱼxⱼ: ∂s/∂wᵢⱼ = 2zᵢxⱼ.
    let w = vec![vec![0.5, -1.0, 2.0], vec![1.5]];
    let x = [0.3, 0.7, -0.2];
    let z: Vec<f64> = w.iter().map(|row| row.iter().zip(&x).map(|(w, x)| w * x).sum()).collect();
    let mut d_w = vec![vec![0.0; 3], vec![0.0; 1]];
    let value = jagged_rows_grad(&w, &mut d_w, &x);
    assert!(close(value, z.iter().map(|z| z * z).sum(), 1e-14));
    for i in 0..2 {
        for j in 0..w[i].len() {
            assert!(close(d_w[i][j], 2.0 * z[i] * x[j], 1e-14), "{d_w:?}");
        }
    }
    // Along v = e₀₀: H·v = 2xⱼx₀ in row 0.
    let v = vec![vec![1.0, 0.0, 0.0], vec![0.0]];
    let mut hv = vec![vec![0.0; 3], vec![0.0; 1]];
    jagged_rows_hvp(&w, &v, &mut hv, &x);
    assert_eq!(hv[1], [0.0]);
    for j in 0..3 {
        assert!(close(hv[0][j], 2.0 * x[j] * x[0], 1e-14), "{hv:?}");
    }
}

/// An envelope's stage, chosen by an `if`; no `Default`.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Attack,
    Sustain,
}

#[grad(forward, reverse, hessian)]
fn envelope(attack: f64, sustain: f64, t: f64) -> f64 {
    let stage = if t < attack { Stage::Attack } else { Stage::Sustain };
    match stage {
        Stage::Attack => t / attack,
        Stage::Sustain => sustain,
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Region {
    Low,
    High,
}

/// A region chosen by a `match`, in a loop.
#[grad(forward, reverse, hessian)]
fn knees(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        let region = match v < 1.0 {
            true => Region::Low,
            false => Region::High,
        };
        s += match region {
            Region::Low => v * v,
            Region::High => 2.0 * v - 1.0,
        };
    }
    s
}

/// An output of rows, in a function with second order.
#[grad(forward, reverse, hessian)]
fn squares_scaled(a: &[[f64; 2]; 2], s: f64, out: &mut [[f64; 2]; 2]) {
    for i in 0..2 {
        for j in 0..2 {
            out[i][j] = s * a[i][j] * a[i][j];
        }
    }
}

#[test]
fn enums_chosen_by_branches_and_outputs_of_rows() {
    let (value, da, ds, dt) = envelope_grad(0.5, 0.7, 0.25);
    assert_eq!((value, da, ds, dt), (0.5, -1.0, 0.0, 2.0));
    assert_eq!(envelope_grad(0.5, 0.7, 0.9), (0.7, 0.0, 1.0, 0.0));
    // t/a: ∂²/∂a² = 2t/a³.
    assert_eq!(envelope_hvp(0.5, 1.0, 0.7, 0.0, 0.25, 0.0), (0.5, 4.0, 0.0, -4.0));

    let x = [0.5, 2.0, -1.0];
    let mut d_x = [0.0; 3];
    assert_eq!(knees_grad(&x, &mut d_x), 0.25 + 3.0 + 1.0);
    assert_eq!(d_x, [1.0, 2.0, -2.0]);
    let (_, tangent) = knees_jvp(&x, &[1.0, 1.0, 1.0]);
    assert_eq!(tangent, 1.0);

    let a = [[1.0, -2.0], [0.5, 3.0]];
    let mut out = [[0.0; 2]; 2];
    let mut d_out = [[1.0, 0.0], [0.0, 2.0]];
    let mut d_a = [[0.0; 2]; 2];
    let (ds,) = squares_scaled_vjp(&a, &mut d_a, 1.5, &mut out, &mut d_out);
    assert_eq!(out, [[1.5, 6.0], [0.375, 13.5]]);
    // ∂/∂s = Σ d_outᵢⱼ·aᵢⱼ², ∂/∂aᵢⱼ = d_outᵢⱼ·2s·aᵢⱼ.
    assert_eq!(ds, 1.0 + 2.0 * 9.0);
    assert_eq!(d_a, [[3.0, 0.0], [0.0, 18.0]]);
    let mut t_out = [[0.0; 2]; 2];
    squares_scaled_jvp(&a, &[[0.0; 2]; 2], 1.5, 1.0, &mut out, &mut t_out);
    assert_eq!(t_out, [[1.0, 4.0], [0.25, 9.0]]);
}

/// A FIR filter's output at the last sample: Σₖ wₖ·x_{n−1−k}.
#[grad(forward, reverse, hessian)]
fn fir_last(w: &[f64], x: &[f64]) -> f64 {
    w.iter().zip(x.iter().rev()).map(|(a, b)| a * b).sum()
}

/// Horner's scheme with the coefficients enumerated from the end, and the
/// same cut by `skip` and `take` after `rev`.
#[grad(forward, reverse, hessian)]
fn reversed_chains(c: &[f64], t: f64) -> f64 {
    let mut s = 0.0;
    for (k, ck) in c.iter().rev().enumerate() {
        s += ck * t.powi(k as i32);
    }
    let skipped: f64 = c.iter().zip(c.iter().rev().skip(1)).map(|(a, b)| a * b).sum();
    let taken: f64 = c.iter().rev().take(2).map(|v| v * t).sum();
    s + skipped + taken
}

#[test]
fn sources_reversed_inside_chains_read_from_their_end() {
    let (w, x) = ([0.5, -1.0, 2.0], [1.0, 3.0, -2.0, 4.0]);
    let value: f64 = (0..3).map(|k| w[k] * x[3 - k]).sum();
    let (mut d_w, mut d_x) = ([0.0; 3], [0.0; 4]);
    assert_eq!(fir_last_grad(&w, &mut d_w, &x, &mut d_x), value);
    assert_eq!(d_w, [4.0, -2.0, 3.0]);
    assert_eq!(d_x, [0.0, 2.0, -1.0, 0.5]);
    let (_, tangent) = fir_last_jvp(&w, &[1.0, 0.0, 0.0], &x, &[0.0, 0.0, 0.0, 1.0]);
    assert_eq!(tangent, 4.0 + 0.5);

    // c = [c₀, c₁, c₂]: Σₖ c_{2−k}tᵏ + (c₀c₁ + c₁c₀) + (c₂ + c₁)t.
    let (c, t) = ([2.0, -1.0, 0.5], 1.5);
    let value = c[2] + c[1] * t + c[0] * t * t + 2.0 * c[0] * c[1] + (c[2] + c[1]) * t;
    let mut d_c = [0.0; 3];
    let (got, dt) = reversed_chains_grad(&c, &mut d_c, t);
    assert!(close(got, value, 1e-14), "{got}, want {value}");
    assert!(close(dt, c[1] + 2.0 * c[0] * t + c[2] + c[1], 1e-14), "{dt}");
    let want = [t * t + 2.0 * c[1], t + 2.0 * c[0] + t, 1.0 + t];
    for i in 0..3 {
        assert!(close(d_c[i], want[i], 1e-14), "{d_c:?}, want {want:?}");
    }
    let (_, curvature) = reversed_chains_hvp(&c, &[0.0; 3], &mut [0.0; 3], t, 1.0);
    assert!(close(curvature, 2.0 * c[0], 1e-14));
}

#[derive(Clone, Copy)]
struct Transition {
    state: [f64; 2],
    reward: f64,
}

/// A value function's squared TD errors, each state borrowed from its step.
#[grad(forward, reverse, hessian, wrt(w))]
fn td_loss(w: &[f64], episode: &[Transition]) -> f64 {
    let mut loss = 0.0;
    for t in 0..episode.len() {
        let s = &episode[t].state;
        let r = w[0] * s[0] + w[1] * s[1] * s[1] - episode[t].reward;
        loss += r * r;
    }
    loss
}

#[derive(Params, Clone)]
struct Quadratic {
    w: [f64; 2],
    b: f64,
}

#[derive(Params, Clone)]
struct Stack {
    layers: Vec<Quadratic>,
}

/// Each layer's weights borrowed from the model.
#[grad(forward, reverse, hessian)]
fn stacked(m: &Stack, x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..m.layers.len() {
        let w = &m.layers[i].w;
        s += w[0] * x + w[1] * x * x + m.layers[i].b;
    }
    s
}

#[test]
fn fields_of_elements_borrowed_by_name() {
    let episode = [Transition { state: [1.0, 2.0], reward: 0.5 }, Transition { state: [-1.0, 0.5], reward: 1.0 }];
    let w = [0.3, -0.2];
    // ∇ = Σ 2r·(s₀, s₁²), H = Σ 2·(s₀, s₁²)ᵀ(s₀, s₁²).
    let (mut gradient, mut hessian) = ([0.0; 2], [[0.0; 2]; 2]);
    for step in &episode {
        let feature = [step.state[0], step.state[1] * step.state[1]];
        let r = w[0] * feature[0] + w[1] * feature[1] - step.reward;
        for i in 0..2 {
            gradient[i] += 2.0 * r * feature[i];
            for j in 0..2 {
                hessian[i][j] += 2.0 * feature[i] * feature[j];
            }
        }
    }
    let mut d_w = [0.0; 2];
    td_loss_grad(&w, &mut d_w, &episode);
    assert!(close(d_w[0], gradient[0], 1e-14) && close(d_w[1], gradient[1], 1e-14), "{d_w:?}");
    assert!(close(td_loss_jvp(&w, &[1.0, 2.0], &episode).1, gradient[0] + 2.0 * gradient[1], 1e-14));
    let mut hv = [0.0; 2];
    td_loss_hvp(&w, &[1.0, 2.0], &mut hv, &episode);
    for i in 0..2 {
        assert!(close(hv[i], hessian[i][0] + 2.0 * hessian[i][1], 1e-14), "{hv:?}");
    }

    let m = Stack { layers: vec![Quadratic { w: [1.0, 2.0], b: 0.5 }, Quadratic { w: [-1.0, 0.5], b: 0.0 }] };
    let zero = || Stack { layers: vec![Quadratic { w: [0.0; 2], b: 0.0 }; 2] };
    let mut d_m = zero();
    let x = 2.0;
    assert_eq!(stacked_grad(&m, &mut d_m, x), (2.0 + 8.0 + 0.5 - 2.0 + 2.0, 1.0 + 8.0 - 1.0 + 2.0));
    assert_eq!((d_m.layers[0].w, d_m.layers[1].w, d_m.layers[1].b), ([x, x * x], [x, x * x], 1.0));
    let (_, tangent) = stacked_jvp(&m, &zero(), x, 1.0);
    assert_eq!(tangent, 10.0);
    let mut hv = zero();
    let (_, hx) = stacked_hvp(&m, &zero(), &mut hv, x, 1.0);
    assert_eq!((hx, hv.layers[0].w, hv.layers[1].b), (2.0 * (2.0 + 0.5), [1.0, 2.0 * x], 0.0));
}

#[grad(forward, reverse, hessian)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A sub-slice cut from a sub-slice binding: lent, iterated and bound.
#[grad(forward, reverse, hessian, wrt(x))]
fn cut_again(x: &[f64], w: &[f64]) -> f64 {
    let head = &x[1..];
    let tail = &head[1..=2];
    let mut s = dot(&head[1..], w);
    for v in &head[..2] {
        s += v * v;
    }
    s + tail[1] * tail[0]
}

#[test]
fn sub_slices_cut_from_a_binding() {
    let x = [1.0, 2.0, -1.0, 0.5, 3.0];
    let w = [0.5, 2.0, -1.0];
    // head = x[1..], head[1..] = x[2..], head[..2] = x[1..3], tail = x[2..4].
    let value = x[2] * w[0] + x[3] * w[1] + x[4] * w[2] + x[1] * x[1] + x[2] * x[2] + x[3] * x[2];
    let want = [0.0, 2.0 * x[1], w[0] + 2.0 * x[2] + x[3], w[1] + x[2], w[2]];
    let mut d_x = [0.0; 5];
    assert_eq!(cut_again_grad(&x, &mut d_x, &w), value);
    assert_eq!(d_x, want);
    let (_, tangent) = cut_again_jvp(&x, &[0.0, 0.0, 1.0, 0.0, 0.0], &w);
    assert_eq!(tangent, want[2]);
    let mut hv = [0.0; 5];
    cut_again_hvp(&x, &[0.0, 0.0, 1.0, 0.0, 0.0], &mut hv, &w);
    assert_eq!(hv, [0.0, 0.0, 2.0, 1.0, 0.0]);
    // A range past the binding's end panics, as Rust's slicing does.
    let short = std::panic::catch_unwind(|| cut_again_grad(&x[..3], &mut [0.0; 3], &w));
    assert!(short.is_err());
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Linear,
    Square,
}

#[grad(forward, reverse, hessian)]
fn by_mode(x: f64, mode: Mode) -> f64 {
    match mode {
        Mode::Linear => x,
        Mode::Square => x * x,
    }
}

/// The mode of each pass, chosen by a branch or carried from the pass
/// before: saved per pass, in a stack of three.
#[grad(forward, reverse, hessian)]
fn modes_per_pass(x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    let mut carried = Mode::Linear;
    for i in 0..3 {
        let chosen = if x[i] > 0.0 { Mode::Square } else { Mode::Linear };
        s += by_mode(x[i], chosen) + by_mode(x[i], carried);
        carried = Mode::Square;
    }
    s
}

/// `m₀₀·m₁₁ + m₀₁`, of rows lent, differentiated by hand.
#[grad(forward, vjp = rows_vjp)]
fn rows_product(m: &[[f64; 2]; 2]) -> f64 {
    m[0][0] * m[1][1] + m[0][1]
}

fn rows_vjp(m: &[[f64; 2]; 2], d_m: &mut [[f64; 2]; 2], seed: f64) -> f64 {
    d_m[0][0] += seed * m[1][1];
    d_m[1][1] += seed * m[0][0];
    d_m[0][1] += seed;
    rows_product(m)
}

// (`&Vec<[f64; 2]>` is the form under test.)
#[allow(clippy::ptr_arg)]
#[grad(forward, vjp = vector_of_rows_vjp)]
fn vector_of_rows(m: &Vec<[f64; 2]>) -> f64 {
    m[0][0] * m[1][1]
}

#[allow(clippy::ptr_arg)]
fn vector_of_rows_vjp(m: &Vec<[f64; 2]>, d_m: &mut Vec<[f64; 2]>, seed: f64) -> f64 {
    d_m[0][0] += seed * m[1][1];
    d_m[1][1] += seed * m[0][0];
    vector_of_rows(m)
}

/// A caller in both modes: f = x² + y + (x + y)·x.
#[grad(forward, reverse)]
fn through_rows(x: f64, y: f64) -> f64 {
    let m = [[x, y], [y, x]];
    let v = vec![[x, 1.0], [2.0, x + y]];
    rows_product(&m) + vector_of_rows(&v)
}

#[test]
fn enums_saved_per_pass_and_custom_derivatives_of_rows() {
    let x = [2.0, -1.0, 0.5];
    // chosen: x², x, x²; carried: x, x², x².
    let value = 4.0 + -1.0 + 0.25 + 2.0 + 1.0 + 0.25;
    let mut d_x = [0.0; 3];
    assert_eq!(modes_per_pass_grad(&x, &mut d_x), value);
    assert_eq!(d_x, [4.0 + 1.0, 1.0 - 2.0, 1.0 + 1.0]);
    assert_eq!(modes_per_pass_jvp(&x, &[0.0, 1.0, 0.0]).1, -1.0);

    let (x, y) = (1.5, -0.5);
    let gradient = [2.0 * x + 2.0 * x + y, 1.0 + x];
    assert_eq!(through_rows_grad(x, y), (x * x + y + (x + y) * x, gradient[0], gradient[1]));
    assert_eq!(through_rows_jvp(x, 1.0, y, 2.0).1, gradient[0] + 2.0 * gradient[1]);
    assert_eq!(rows_product_jvp(&[[1.0, 2.0], [3.0, 4.0]], &[[1.0, 1.0], [0.0, 1.0]]), (6.0, 4.0 + 1.0 + 1.0));
    assert_eq!(vector_of_rows_jvp(&vec![[2.0, 0.0], [0.0, 3.0]], &vec![[1.0, 0.0], [0.0, 1.0]]), (6.0, 5.0));
}

#[grad(graph)]
fn literal_rows(x: f64, y: f64) -> f64 {
    let m = [[1.0, x], [y, 2.0]];
    m[0][1] * m[1][0]
}

#[grad(graph)]
fn rows_by_value(y: f64, m: [[f64; 2]; 2]) -> f64 {
    y * m[0][1] + m[1][0] * m[1][1]
}

#[grad(graph)]
fn literal_rows_passed(x: f64, y: f64) -> f64 {
    rows_by_value(y, [[1.0, x], [y, 2.0]])
}

#[test]
fn graphs_of_literal_rows_hold_their_adjoints() {
    let (x, y) = (1.5, -0.5);
    for (g, grad) in [
        (literal_rows_graph(x, y), literal_rows_grad(x, y)),
        (literal_rows_passed_graph(x, y), literal_rows_passed_grad(x, y)),
    ] {
        assert_eq!(common::graph::adjoint(&g, "x"), grad.1);
        assert_eq!(common::graph::adjoint(&g, "y"), grad.2);
    }
    // xy, and y·x + 2y.
    assert_eq!(literal_rows_grad(x, y), (x * y, y, x));
    assert_eq!(literal_rows_passed_grad(x, y), (y * x + 2.0 * y, y, x + 2.0));
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Penalty {
    Lasso(f64),
    Ridge(f64),
}

/// A penalty chosen per coordinate by its sign, its weight in the variant.
#[grad(forward, reverse, hessian)]
fn penalized(x: &[f64; 3]) -> f64 {
    let fixed: Penalty = Penalty::Ridge(0.5);
    let mut s = 0.0;
    for i in 0..3 {
        let p = if x[i] > 0.0 { fixed } else { Penalty::Lasso(0.25) };
        s += match p {
            Penalty::Ridge(l) => l * x[i] * x[i],
            Penalty::Lasso(l) => l * x[i].abs(),
        };
    }
    s
}

#[test]
fn enum_variants_made_of_literals_are_constants() {
    let x = [2.0, -1.0, 0.5];
    let mut d_x = [0.0; 3];
    assert_eq!(penalized_grad(&x, &mut d_x), 2.0 + 0.25 + 0.125);
    assert_eq!(d_x, [2.0, -0.25, 0.5]);
    assert_eq!(penalized_jvp(&x, &[1.0, 1.0, 1.0]).1, 2.0 - 0.25 + 0.5);
    let mut hv = [0.0; 3];
    penalized_hvp(&x, &[1.0, 1.0, 1.0], &mut hv);
    assert_eq!(hv, [1.0, 0.0, 1.0]);
}

/// `a·w₀·w₁`, an array by value, its graph drawn around a hand-written vjp.
#[grad(graph, vjp = area_vjp)]
fn area(a: f64, w: [f64; 2]) -> f64 {
    a * w[0] * w[1]
}

fn area_vjp(a: f64, w: [f64; 2], seed: f64) -> (f64, f64, [f64; 2]) {
    (area(a, w), seed * w[0] * w[1], [seed * a * w[1], seed * a * w[0]])
}

#[test]
fn a_graph_around_a_custom_vjp_draws_an_array_by_value() {
    let g = area_graph(2.0, [3.0, 4.0]);
    assert_eq!(common::graph::adjoint(&g, "a"), 12.0);
    let w = g.node(common::graph::node(&g, "w"));
    assert_eq!(w.adjoint(), Some(&autodiff::Value::Array(vec![8.0, 6.0])));
}

/// A pendulum's energy at an angle wrapped into `[0, 2π)`, and the cell a
/// position falls in, on a periodic grid of width `w`.
#[grad(forward, reverse, hessian)]
fn wrapped(theta: f64, x: f64, w: f64) -> f64 {
    let tau = 2.0 * std::f64::consts::PI;
    let angle = theta.rem_euclid(tau);
    let cell = x.div_euclid(w);
    let offset = x.rem_euclid(w);
    (1.0 - angle.cos()) + angle * 0.1 + cell * offset * offset
}

#[test]
fn euclidean_remainders_have_the_remainders_derivatives() {
    // At θ = −1: angle = 2π − 1, ∂/∂θ = sin(angle) + 0.1. At x = 7.5, w = 2:
    // cell 3, offset 1.5 = x − 3w: ∂/∂x = 2·3·1.5, ∂/∂w = 2·3·1.5·(−3).
    let (theta, x, w) = (-1.0f64, 7.5, 2.0);
    let angle = theta + 2.0 * std::f64::consts::PI;
    let (value, d_theta, d_x, d_w) = wrapped_grad(theta, x, w);
    assert!(close(value, 1.0 - angle.cos() + 0.1 * angle + 3.0 * 1.5 * 1.5, 1e-14));
    assert!(close(d_theta, angle.sin() + 0.1, 1e-14));
    assert_eq!((d_x, d_w), (9.0, -27.0));
    assert_eq!(wrapped_jvp(theta, 0.0, x, 1.0, w, 1.0).1, 9.0 - 27.0);
    // ∂²/∂x² = 2·3, ∂²/∂x∂w = −2·3·3.
    let (_, h_theta, h_x, h_w) = wrapped_hvp(theta, 0.0, x, 1.0, w, 0.0);
    assert_eq!((h_theta, h_x, h_w), (0.0, 6.0, -18.0));
}

/// A truss's spring energy, each edge taken apart where it is stored.
#[grad(forward, reverse, hessian, wrt(x))]
fn truss_energy(x: &[f64], edges: &[(usize, usize, f64)]) -> f64 {
    let mut energy = 0.0;
    for t in 0..edges.len() {
        let (i, j, k) = edges[t];
        let (_, stretch): (usize, f64) = (0, x[j] - x[i]);
        energy += 0.5 * k * stretch * stretch;
    }
    energy
}

#[test]
fn tuples_stored_in_tables_are_taken_apart_in_place() {
    let edges = [(0usize, 1usize, 2.0), (1, 2, 3.0)];
    let x = [0.0, 1.0, 3.0];
    let mut d_x = [0.0; 3];
    assert_eq!(truss_energy_grad(&x, &mut d_x, &edges), 1.0 + 6.0);
    assert_eq!(d_x, [-2.0, 2.0 - 6.0, 6.0]);
    assert_eq!(truss_energy_jvp(&x, &[0.0, 0.0, 1.0], &edges).1, 6.0);
    let mut hv = [0.0; 3];
    truss_energy_hvp(&x, &[1.0, 0.0, 0.0], &mut hv, &edges);
    assert_eq!(hv, [2.0, -2.0, 0.0]);
}

/// Sub-slices read past their ends must panic, as Rust's slicing does.
#[grad(forward, reverse)]
fn past_the_end(x: &[f64], k: usize, lo: usize) -> f64 {
    let head = &x[1..3];
    let mut s = head[k] * head[0];
    for v in x[1..4].iter() {
        s += v * v;
    }
    let cut = &head[lo..];
    s + cut.len() as f64
}

const WEIGHT: f64 = 0.5;

/// Variants of a negative literal, two literals, and a `const`.
#[grad(forward, reverse, hessian)]
fn signed_penalty(x: f64) -> f64 {
    let p = if x > 1.0 {
        Penalty::Ridge(-0.5)
    } else if x > 0.0 {
        Penalty::Lasso(WEIGHT)
    } else {
        Penalty::Ridge(WEIGHT)
    };
    match p {
        Penalty::Ridge(l) => l * x * x,
        Penalty::Lasso(l) => l * x.abs(),
    }
}

/// `w₀₀·w₁₀`, jagged rows differentiated by hand (reverse mode only).
#[grad(vjp = jagged_product_vjp)]
fn jagged_product(w: &[Vec<f64>]) -> f64 {
    w[0][0] * w[1][0]
}

fn jagged_product_vjp(w: &[Vec<f64>], d_w: &mut [Vec<f64>], seed: f64) -> f64 {
    d_w[0][0] += seed * w[1][0];
    d_w[1][0] += seed * w[0][0];
    jagged_product(w)
}

#[test]
fn sub_slices_check_their_bounds_and_constants_of_variants() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let mut d_x = [0.0; 4];
    assert_eq!(past_the_end_grad(&x, &mut d_x, 1, 0), 2.0 * 3.0 + 4.0 + 9.0 + 16.0 + 2.0);
    assert_eq!(d_x, [0.0, 3.0 + 4.0, 2.0 + 6.0, 8.0]);
    // `head[2]`, `x[1..4]` of 3 elements, `&head[3..]` of 2.
    assert!(std::panic::catch_unwind(|| past_the_end_grad(&x, &mut [0.0; 4], 2, 0)).is_err());
    assert!(std::panic::catch_unwind(|| past_the_end_jvp(&x[..3], &[0.0; 3], 1, 0)).is_err());
    assert!(std::panic::catch_unwind(|| past_the_end_grad(&x, &mut [0.0; 4], 1, 3)).is_err());

    assert_eq!(signed_penalty_grad(2.0), (-2.0, -2.0));
    assert_eq!(signed_penalty_grad(0.5), (0.25, 0.5));
    assert_eq!(signed_penalty_grad(-2.0), (2.0, -2.0));
    assert_eq!(signed_penalty_hvp(2.0, 1.0), (-2.0, -1.0));

    let w = vec![vec![2.0, 1.0], vec![3.0]];
    let mut d_w = vec![vec![0.0; 2], vec![0.0]];
    assert_eq!(jagged_product_grad(&w, &mut d_w), 6.0);
    assert_eq!(d_w, vec![vec![3.0, 0.0], vec![2.0]]);
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Weighting {
    Plain,
    Scaled(f64),
}

/// A local table of enums, one entry changed after it is made.
#[grad(forward, reverse, hessian)]
fn weighted_terms(x: f64) -> f64 {
    let mut table = [Weighting::Plain; 3];
    table[1] = Weighting::Scaled(3.0);
    let mut s = 0.0;
    for i in 0..3 {
        s += match table[i] {
            Weighting::Plain => x,
            Weighting::Scaled(l) => l * x * x,
        };
    }
    s
}

#[test]
fn a_local_table_of_enums_is_no_array_of_floats() {
    assert_eq!(weighted_terms_grad(2.0), (2.0 + 12.0 + 2.0, 1.0 + 12.0 + 1.0));
    assert_eq!(weighted_terms_jvp(2.0, 1.0).1, 14.0);
    assert_eq!(weighted_terms_hvp(2.0, 1.0), (16.0, 6.0));
}

/// Ranges from 0 and windows of a size given at run time.
#[grad(forward, reverse)]
fn from_zero(x: &[f64], n: usize, size: usize) -> f64 {
    let head = &x[0..n];
    let all = &head[0..];
    let mut s = all[0];
    for v in x[0..n].iter() {
        s += v * v;
    }
    for w in x.windows(size) {
        s += w[0];
    }
    s
}

#[test]
fn ranges_from_zero_and_windows_of_zero() {
    let x = [1.0, 2.0, 3.0];
    let mut d_x = [0.0; 3];
    assert_eq!(from_zero_grad(&x, &mut d_x, 2, 2), 1.0 + 1.0 + 4.0 + 1.0 + 2.0);
    assert_eq!(d_x, [1.0 + 2.0 + 1.0, 4.0 + 1.0, 0.0]);
    assert!(std::panic::catch_unwind(|| from_zero_grad(&x, &mut [0.0; 3], 2, 0)).is_err());
}
