// An iterator bound to a name is refused with the loop to write (the
// message listed `iter` as unsupported and supported at once).
use autodiff::grad;

#[grad]
fn total(x: &[f64]) -> f64 {
    let it = x.iter();
    let mut s = 0.0;
    for v in it {
        s += v;
    }
    s
}

fn main() {}
