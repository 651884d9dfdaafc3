//! The derivative rules of the lesson, each computed by `#[grad]` and
//! printed beside its closed form.
//!
//! This example follows §2 of the lesson ("偏导的计算", computing
//! derivatives): the basic rules (x⁵)' = 5x⁴, ∂(xy)/∂x = y, (5eˣ)' = 5eˣ
//! and (5 ln x)' = 5/x; the chain rule on the sigmoid f(x) = (1 + e⁻ˣ)⁻¹,
//! written as the lesson splits it (f = a⁻¹, a = 1 + b, b = eᶜ, c = −x), against
//! the closed form e⁻ˣ(1 + e⁻ˣ)⁻²; the three partial-derivative examples
//! (f = ax + by + cz, f = xy, f = (y − xw)²); and the exercise
//! J(a, b, c) = 3(a + bc) with v = bc, u = a + v. Each row of the table is
//! one derivative: the value the generated `NAME_grad` returns, the closed
//! form evaluated by hand, and their difference.
//!
//! Run it with `cargo run --example derivatives`.

use autodiff::grad;

/// x⁵, whose derivative is 5x⁴.
#[grad]
pub fn power5(x: f64) -> f64 {
    x.powi(5)
}

/// xy: ∂/∂x = y and ∂/∂y = x (the lesson's "basic operation" rule and its
/// example 2 of partial derivatives).
#[grad]
pub fn product(x: f64, y: f64) -> f64 {
    x * y
}

/// 5eˣ, its own derivative.
#[grad]
pub fn five_exp(x: f64) -> f64 {
    5.0 * x.exp()
}

/// 5 ln x, whose derivative is 5/x.
#[grad]
pub fn five_ln(x: f64) -> f64 {
    5.0 * x.ln()
}

/// The sigmoid (1 + e⁻ˣ)⁻¹, split into the lesson's chain
/// f = a⁻¹, a = 1 + b, b = eᶜ, c = −x.
#[grad]
pub fn sigmoid_chain(x: f64) -> f64 {
    let c = -x;
    let b = c.exp();
    let a = 1.0 + b;
    a.powi(-1)
}

/// Example 1: f = ax + by + cz, differentiated in x, y and z only; the
/// coefficients a, b, c are constants ("treat the other variables as
/// constants"), so the partials are (a, b, c).
#[grad(wrt(x, y, z))]
pub fn linear(a: f64, b: f64, c: f64, x: f64, y: f64, z: f64) -> f64 {
    a * x + b * y + c * z
}

/// Example 3: f(x, w) = (y − xw)² with the target y a constant;
/// ∂/∂x = −2w(y − xw), ∂/∂w = −2x(y − xw).
#[grad(wrt(x, w))]
pub fn squared_residual(x: f64, w: f64, y: f64) -> f64 {
    (y - x * w).powi(2)
}

/// The exercise J(a, b, c) = 3(a + bc), written with the lesson's
/// intermediate variables v = bc and u = a + v.
#[grad]
pub fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

/// One derivative: what `#[grad]` computed and what the closed form says.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The lesson's section this row illustrates.
    pub section: &'static str,
    /// The function.
    pub function: &'static str,
    /// The derivative and its closed form.
    pub derivative: &'static str,
    /// The point it is evaluated at.
    pub at: String,
    /// The value returned by the generated `NAME_grad`.
    pub autodiff: f64,
    /// The closed form evaluated at the same point.
    pub closed_form: f64,
}

impl Row {
    /// `|autodiff − closed form|`.
    pub fn difference(&self) -> f64 {
        (self.autodiff - self.closed_form).abs()
    }
}

/// Every derivative of the lesson's §2, at a few points.
pub fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row = |section, function, derivative, at: String, autodiff, closed_form| {
        rows.push(Row { section, function, derivative, at, autodiff, closed_form })
    };

    // §2.1: the common rules.
    let x = 2.0;
    row("2.1", "x⁵", "d/dx = 5x⁴", format!("x = {x}"), power5_grad(x).1, 5.0 * x.powi(4));

    let (x, y) = (3.0, -2.0);
    row("2.1", "xy", "∂/∂x = y", format!("x = {x}, y = {y}"), product_grad(x, y).1, y);

    let x = 1.0;
    row("2.1", "5eˣ", "d/dx = 5eˣ", format!("x = {x}"), five_exp_grad(x).1, 5.0 * x.exp());

    let x = 4.0;
    row("2.1", "5 ln x", "d/dx = 5/x", format!("x = {x}"), five_ln_grad(x).1, 5.0 / x);

    // §2.1: the chain rule on the sigmoid.
    for x in [-2.0_f64, 0.0, 0.5, 3.0] {
        let closed = (-x).exp() * (1.0 + (-x).exp()).powi(-2);
        row("2.1", "(1+e⁻ˣ)⁻¹", "d/dx = e⁻ˣ(1+e⁻ˣ)⁻²", format!("x = {x}"), sigmoid_chain_grad(x).1, closed);
    }

    // §2.2 example 1: f = ax + by + cz with (a, b, c) = (2, −3, 0.5).
    let (a, b, c) = (2.0, -3.0, 0.5);
    let (x, y, z) = (1.0, 2.0, 3.0);
    let (_, dx, dy, dz) = linear_grad(a, b, c, x, y, z);
    let at = format!("a,b,c = {a},{b},{c}");
    row("2.2", "ax+by+cz", "∂/∂x = a", at.clone(), dx, a);
    row("2.2", "ax+by+cz", "∂/∂y = b", at.clone(), dy, b);
    row("2.2", "ax+by+cz", "∂/∂z = c", at, dz, c);

    // §2.2 example 2: f = xy.
    let (x, y) = (3.0, -2.0);
    let (_, dx, dy) = product_grad(x, y);
    row("2.2", "xy", "∂/∂x = y", format!("x = {x}, y = {y}"), dx, y);
    row("2.2", "xy", "∂/∂y = x", format!("x = {x}, y = {y}"), dy, x);

    // §2.2 example 3: f = (y − xw)² with the target y = 2.
    let (x, w, y) = (1.5, 0.8, 2.0);
    let (_, dx, dw) = squared_residual_grad(x, w, y);
    let at = format!("x={x}, w={w}, y={y}");
    row("2.2", "(y−xw)²", "∂/∂x = −2w(y−xw)", at.clone(), dx, -2.0 * w * (y - x * w));
    row("2.2", "(y−xw)²", "∂/∂w = −2x(y−xw)", at, dw, -2.0 * x * (y - x * w));

    // §2.2 exercise: J = 3(a + bc).
    let (a, b, c) = (1.0, 2.0, 3.0);
    let (_, da, db, dc) = j_grad(a, b, c);
    let at = format!("a,b,c = {a},{b},{c}");
    row("2.2", "3(a+bc)", "∂J/∂a = 3", at.clone(), da, 3.0);
    row("2.2", "3(a+bc)", "∂J/∂b = 3c", at.clone(), db, 3.0 * c);
    row("2.2", "3(a+bc)", "∂J/∂c = 3b", at, dc, 3.0 * b);

    rows
}

pub fn main() {
    println!("Derivatives of the lesson's §2: #[grad] against the closed form\n");
    println!(
        "{:<4} {:<11} {:<22} {:<20} {:>20} {:>20} {:>9}",
        "§", "f", "derivative", "at", "#[grad]", "closed form", "|diff|"
    );
    println!("{}", "─".repeat(112));
    for r in rows() {
        println!(
            "{:<4} {:<11} {:<22} {:<20} {:>20.14} {:>20.14} {:>9.1e}",
            r.section,
            r.function,
            r.derivative,
            r.at,
            r.autodiff,
            r.closed_form,
            r.difference()
        );
    }

    // The chain rule of the sigmoid, factor by factor, at one point.
    let x: f64 = 0.5;
    let c = -x;
    let b = c.exp();
    let a = 1.0 + b;
    let factors = [-a.powi(-2), 1.0, c.exp(), -1.0];
    println!("\nThe chain rule at x = {x}: df/dx = df/da · da/db · db/dc · dc/dx");
    let by_hand = format!(
        "(−a⁻²) · 1 · eᶜ · (−1) = {:.6} · {:.6} · {:.6} · {:.6}",
        factors[0], factors[1], factors[2], factors[3]
    );
    println!("  {by_hand:<58} = {:.14}", factors.iter().product::<f64>());
    println!("  {:<58} = {:.14}", "#[grad]: sigmoid_chain_grad(x).1", sigmoid_chain_grad(x).1);
}
