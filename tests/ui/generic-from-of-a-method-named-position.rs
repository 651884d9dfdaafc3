// A method named `position` of the user's own type, returning a `T`
// (review 31): not an iterator's position, so `T::from(k)` of what it
// gives is refused in generic code, not taken for an integer (whose
// conversion, `k as f64`, would not compile).
use autodiff::{grad, Float};

pub struct Track<T> {
    pub stops: Vec<T>,
}

impl<T: Float> Track<T> {
    pub fn position(&self, i: usize) -> Option<T> {
        self.stops.get(i).copied()
    }
}

#[grad(wrt(x))]
fn scaled<T: Float>(x: T, track: &Track<T>) -> T {
    let k = track.position(1).unwrap();
    x * x * T::from(k).unwrap()
}

fn main() {}
