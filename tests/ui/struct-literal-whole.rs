// A struct built by a literal in #[grad] code is kept field by field: its
// fields can be read, assigned and lent to calls, but the struct as a
// whole cannot be passed, copied or rebuilt, and a literal with `..base`
// or outside a `let` is refused.
use autodiff::grad;

#[derive(Clone, Copy, Default)]
struct State {
    h: [f64; 2],
    t: f64,
}

fn norm(st: &State) -> f64 {
    st.t
}

#[grad]
fn passed_whole(x: f64) -> f64 {
    let st = State { h: [x, 1.0], t: x };
    norm(&st) + st.h[0]
}

#[grad]
fn rebuilt(x: f64) -> f64 {
    let mut st = State { h: [x, 1.0], t: x };
    let first = st.t;
    st = State { h: [1.0, x], t: 2.0 };
    let _copy = st;
    st.t + first
}

#[grad]
fn with_base(x: f64) -> f64 {
    let st = State { t: x, ..Default::default() };
    st.t
}

#[grad]
fn outside_let(x: f64) -> f64 {
    norm(&State { h: [x, 1.0], t: x })
}

fn main() {}
