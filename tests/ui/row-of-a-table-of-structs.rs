// A row of a table of structs lent to a #[grad] callee is refused with the
// ways out: the callee would take it as a table, with no slots.
use autodiff::grad;

#[derive(Clone, Copy)]
pub struct Sample {
    pub x: f64,
    pub y: f64,
}

#[grad(wrt(a))]
fn pair_loss(a: f64, pair: &[Sample; 2]) -> f64 {
    (a * pair[0].x - pair[1].y).powi(2)
}

#[grad(wrt(a))]
fn grid_loss(a: f64, grid: &[[Sample; 2]]) -> f64 {
    pair_loss(a, &grid[0])
}


// The same row, bound by a loop.
#[grad(wrt(a))]
fn grid_loss_by_rows(a: f64, grid: &[[Sample; 2]]) -> f64 {
    let mut l = 0.0;
    for row in grid {
        l += pair_loss(a, row);
    }
    l
}

fn main() {}
