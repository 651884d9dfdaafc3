use autodiff_macros::grad;

#[grad]
fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

#[grad]
fn branchy(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    s += x * y;
    if x > 0.0 {
        return s.sin() * 2.0;
    }
    let z = if y > 1.0 { y.exp() } else { y * y };
    s = s * s;
    s + z + f64::powf(2.0, x)
}

#[grad(wrt(y))]
fn withn(x: f64, n: i32, y: f64) -> f64 {
    let k = n * 2;
    x.powi(k) * y.tanh() + (k as f64)
}

#[grad]
fn calls(x: f64, y: f64) -> f64 {
    let a = j(x, y, 2.0);
    branchy(a, x) * 0.5
}

#[test]
fn smoke() {
    let (v, da, db, dc) = j_grad(1.0, 2.0, 3.0);
    assert_eq!((v, da, db, dc), (21.0, 3.0, 9.0, 6.0));
    let num = |f: &dyn Fn(f64, f64) -> f64, x: f64, y: f64| {
        let h = 1e-6;
        ((f(x + h, y) - f(x - h, y)) / (2.0 * h), (f(x, y + h) - f(x, y - h)) / (2.0 * h))
    };
    for &(x, y) in &[(0.5, 2.0), (-0.5, 2.0), (-0.5, 0.3)] {
        let (_, dx, dy) = branchy_grad(x, y);
        let (nx, ny) = num(&branchy, x, y);
        assert!((dx - nx).abs() < 1e-5 && (dy - ny).abs() < 1e-5, "{x} {y}: {dx} {nx} {dy} {ny}");
        let (_, dx, dy) = calls_grad(x, y);
        let (nx, ny) = num(&calls, x, y);
        assert!((dx - nx).abs() < 1e-5 && (dy - ny).abs() < 1e-5, "{x} {y}: {dx} {nx} {dy} {ny}");
    }
    let (_, dy) = withn_grad(1.3, 2, 0.4);
    assert!((dy - 1.3f64.powi(4) * (1.0 - 0.4f64.tanh().powi(2))).abs() < 1e-12);
}
