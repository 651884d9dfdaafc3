use autodiff::grad;

// `split` and `rotate` are not `hessian`: their companions have no
// `tangent_fwd` / `tangent_rev`, so the `_hvp` of their callers cannot
// differentiate through them (rustc names what is missing); `hessian` on
// each is the way out.
#[grad]
fn split(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

#[grad]
fn rotate(s: [f64; 2]) -> [f64; 2] {
    [s[1], -s[0]]
}

#[grad(reverse, hessian)]
fn tuple_in_hessian(x: f64) -> f64 {
    let (a, b) = split(x);
    a * b
}

#[grad(reverse, hessian)]
fn array_in_hessian(x: f64) -> f64 {
    let r: [f64; 2] = rotate([x, 1.0]);
    r[0] * r[1]
}

#[grad(graph)]
fn row_by_value_in_graph(h: &[[f64; 2]; 2]) -> f64 {
    let r: [f64; 2] = rotate(h[0]);
    r[0] * r[1]
}

fn main() {}
