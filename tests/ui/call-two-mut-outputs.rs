use autodiff::grad;

// A call that writes two `&mut` arguments is differentiated by `NAME_grad`
// and `NAME_jvp`, but not by second order, `graph`, a method call, or two
// ranges of one buffer.
#[grad(reverse, hessian)]
fn split_into(x: &[f64], even: &mut [f64], odd: &mut [f64]) {
    for i in 0..even.len() {
        even[i] = x[2 * i];
        odd[i] = x[2 * i + 1];
    }
}

#[grad(reverse, hessian)]
fn in_hessian(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    split_into(x, &mut even, &mut odd);
    even[0] * odd[1]
}

#[grad(graph)]
fn in_graph(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    split_into(x, &mut even, &mut odd);
    even[0] * odd[1]
}

struct Splitter {
    scale: f64,
}

impl Splitter {
    #[grad(wrt(x))]
    fn split(&self, x: &[f64], even: &mut [f64], odd: &mut [f64]) {
        for i in 0..even.len() {
            even[i] = self.scale * x[2 * i];
            odd[i] = x[2 * i + 1];
        }
    }
}

#[grad(wrt(x))]
fn by_a_method(s: &Splitter, x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    s.split(x, &mut even, &mut odd);
    even[0] * odd[1]
}

#[grad]
fn two_ranges(x: &[f64; 4]) -> f64 {
    let mut both = [0.0; 4];
    split_into(x, &mut both[..2], &mut both[2..]);
    both[0] * both[3]
}

fn main() {}
