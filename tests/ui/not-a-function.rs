use autodiff::grad;

#[grad]
struct Model {
    w: f64,
}

fn main() {}
