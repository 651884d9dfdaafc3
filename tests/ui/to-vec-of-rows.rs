use autodiff::grad;

// `to_vec` of a slice of rows, bound by `let`: the error says how to copy it.
#[grad]
fn first_corner(points: &[[f64; 2]]) -> f64 {
    let copy: Vec<[f64; 2]> = points.to_vec();
    copy[0][0] * copy[1][1]
}

fn main() {}
