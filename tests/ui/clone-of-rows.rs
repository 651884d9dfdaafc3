use autodiff::grad;

// A clone of a vector of arrays (review 28, F2: the message said the
// clone was supported as written): the error says how to copy rows.
#[grad]
fn first_row(x: &[f64]) -> f64 {
    let nx = vec![[x[0], x[1]], [x[2], x[3]]];
    let c = nx.clone();
    c[0][0]
}

fn main() {}
