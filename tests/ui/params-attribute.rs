use autodiff::Params;

#[derive(Params, Clone)]
struct Layer {
    w: Vec<f64>,
    #[params(constant)]
    label: u8,
}

fn main() {}
