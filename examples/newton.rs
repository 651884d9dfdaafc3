//! Newton's method beside gradient descent on the Rosenbrock function in a
//! few dimensions: same start, same gradient, same line search, different
//! direction.
//!
//! Gradient descent steps along `−∇f`; on Rosenbrock's long curved valley
//! that zig-zags, and it needs tens of thousands of steps to bring the
//! gradient below `1e-10`. Newton's method steps along `−H⁻¹∇f`, with the
//! Hessian `H` assembled by [`autodiff::hessian`] from Hessian-vector
//! products; once close to the minimum it takes full steps and the error
//! is squared at each one (quadratic convergence), so it needs a few dozen.
//!
//! Far from the minimum `H` need not be positive definite: the direction is
//! then computed with `H + λI`, `λ` raised until the Cholesky factorization
//! succeeds (a Levenberg-style damping), which keeps it a descent direction.
//! Both methods choose the step length by backtracking until the Armijo
//! condition `f(x + t·d) ≤ f(x) + 10⁻⁴·t·∇f·d` holds.
//!
//! Run it with `cargo run --release --example newton`.

// Indexed loops are what `#[grad]` differentiates, and what the formulas say.
#![allow(clippy::needless_range_loop)]

use autodiff::{grad, hessian, Matrix};

/// The dimension of the problem.
pub const DIM: usize = 3;
/// The classic start, `(−1.2, 1, 1, ..)`.
pub const START: [f64; DIM] = [-1.2, 1.0, 1.0];
/// Both methods stop when every component of the gradient is at most this.
pub const TOLERANCE: f64 = 1e-10;
/// Gradient descent gives up after this many steps.
pub const MAX_STEPS: usize = 1_000_000;

/// `Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`, with its minimum 0 at `(1, .., 1)`.
///
/// `reverse` gives `rosenbrock_grad`, for both methods; `hessian` gives
/// `rosenbrock_hvp(x, v_x, hv_x)`, which returns the value and adds `H·v_x`
/// into `hv_x`, for Newton's method.
#[grad(reverse, hessian)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

// ---------------------------------------------------------------------------
// The two methods.
// ---------------------------------------------------------------------------

/// The state after a step (step 0 is the start).
#[derive(Clone, Debug, PartialEq)]
pub struct Iterate {
    /// How many steps came before.
    pub step: usize,
    /// The point.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
    /// `‖∇f(x)‖∞`.
    pub gradient_norm: f64,
}

/// The value and gradient of [`rosenbrock`] at `x`, from the generated
/// `rosenbrock_grad`.
pub fn value_and_gradient(x: &[f64]) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; x.len()];
    let value = rosenbrock_grad(x, &mut g);
    (value, g)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, c| m.max(c.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// `x + t·d` for the largest `t` in `1, ½, ¼, ..` that satisfies Armijo's
/// condition, with its value.
fn backtrack(x: &[f64], value: f64, g: &[f64], d: &[f64]) -> (Vec<f64>, f64) {
    let slope = dot(g, d);
    let mut t = 1.0;
    loop {
        let next: Vec<f64> = x.iter().zip(d).map(|(x, d)| x + t * d).collect();
        let next_value = rosenbrock(&next);
        if next_value <= value + 1e-4 * t * slope || t < 1e-20 {
            return (next, next_value);
        }
        t *= 0.5;
    }
}

/// Minimizes [`rosenbrock`] from `start` by steps along `direction(x, ∇f)`
/// until `‖∇f‖∞ ≤ TOLERANCE` or `max_steps`, recording every iterate.
fn minimize(start: &[f64], max_steps: usize, mut direction: impl FnMut(&[f64], &[f64]) -> Vec<f64>) -> Vec<Iterate> {
    let mut x = start.to_vec();
    let (mut value, mut g) = value_and_gradient(&x);
    let mut trace = vec![Iterate { step: 0, x: x.clone(), value, gradient_norm: max_abs(&g) }];
    for step in 1..=max_steps {
        if max_abs(&g) <= TOLERANCE {
            break;
        }
        let d = direction(&x, &g);
        (x, value) = backtrack(&x, value, &g, &d);
        g = value_and_gradient(&x).1;
        trace.push(Iterate { step, x: x.clone(), value, gradient_norm: max_abs(&g) });
    }
    trace
}

/// Gradient descent: `d = −∇f`.
pub fn gradient_descent(start: &[f64], max_steps: usize) -> Vec<Iterate> {
    minimize(start, max_steps, |_, g| g.iter().map(|g| -g).collect())
}

/// Newton's method: `d = −H⁻¹∇f`, with `H` the dense Hessian built from
/// [`rosenbrock_hvp`] (damped to `H + λI` where it is not positive definite).
pub fn newton(start: &[f64], max_steps: usize) -> Vec<Iterate> {
    minimize(start, max_steps, |x, g| {
        let h = hessian(rosenbrock_hvp, x);
        let minus_g: Vec<f64> = g.iter().map(|g| -g).collect();
        solve_damped(&h, &minus_g)
    })
}

/// The solution `d` of `(H + λI)·d = b` for the smallest `λ` in
/// `0, 10⁻³, 10⁻², ..` (relative to the diagonal's size) for which
/// `H + λI` has a Cholesky factorization.
pub fn solve_damped(h: &Matrix, b: &[f64]) -> Vec<f64> {
    let scale = (0..h.rows()).map(|i| h[(i, i)].abs()).fold(1.0, f64::max);
    let mut lambda = 0.0;
    loop {
        let mut damped = h.clone();
        for i in 0..h.rows() {
            damped[(i, i)] += lambda;
        }
        if let Some(l) = cholesky(&damped) {
            return cholesky_solve(&l, b);
        }
        lambda = if lambda == 0.0 { 1e-3 * scale } else { 10.0 * lambda };
    }
}

/// The lower-triangular `L` with `L·Lᵀ = A`, or `None` when `A` is not
/// (numerically) positive definite.
fn cholesky(a: &Matrix) -> Option<Matrix> {
    let n = a.rows();
    let mut l = Matrix::zeros(n, n);
    for j in 0..n {
        let diagonal = a[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if diagonal <= 0.0 || !diagonal.is_finite() {
            return None;
        }
        l[(j, j)] = diagonal.sqrt();
        for i in j + 1..n {
            l[(i, j)] = (a[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>()) / l[(j, j)];
        }
    }
    Some(l)
}

/// Solves `L·Lᵀ·x = b` by forward and back substitution.
fn cholesky_solve(l: &Matrix, b: &[f64]) -> Vec<f64> {
    let n = l.rows();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[(i, k)] * y[k]).sum::<f64>()) / l[(i, i)];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[(k, i)] * x[k]).sum::<f64>()) / l[(i, i)];
    }
    x
}

/// `‖x − (1, .., 1)‖∞`: the distance to the minimum.
pub fn error(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, c| m.max((c - 1.0).abs()))
}

fn print_iterate(it: &Iterate) {
    println!("  {:>6}  {:>12.4e}  {:>12.4e}  {:>12.4e}", it.step, it.value, it.gradient_norm, error(&it.x));
}

pub fn main() {
    println!("Rosenbrock in {DIM} dimensions from {START:?}; stop when ‖∇f‖∞ ≤ {TOLERANCE:e}.\n");

    let newton_trace = newton(&START, MAX_STEPS);
    println!("Newton's method (dense Hessian from Hessian-vector products):");
    println!("  {:>6}  {:>12}  {:>12}  {:>12}", "step", "f(x)", "‖∇f‖∞", "‖x − 1‖∞");
    newton_trace.iter().for_each(print_iterate);
    println!("  near the minimum each error is about the square of the one before: quadratic convergence.\n");

    let descent = gradient_descent(&START, MAX_STEPS);
    println!("Gradient descent (every 5000th step):");
    println!("  {:>6}  {:>12}  {:>12}  {:>12}", "step", "f(x)", "‖∇f‖∞", "‖x − 1‖∞");
    descent.iter().step_by(5000).chain(descent.last()).for_each(print_iterate);

    let (n, g) = (newton_trace.len() - 1, descent.len() - 1);
    println!("\nsteps to ‖∇f‖∞ ≤ {TOLERANCE:e}: Newton {n}, gradient descent {g}");
}
