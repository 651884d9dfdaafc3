//! The derivatives a program does not call warn of nothing: `#[grad]`
//! writes `NAME_jvp`, `NAME_hvp` and a companion beside the `NAME_grad` a
//! program uses, and in a private module (here made by a `macro_rules!`, as
//! user round 8 did) rustc took each unused one for dead code, 169
//! warnings for 84 functions. This file denies dead code: it compiles only
//! if none is reported.

#![deny(dead_code)]

macro_rules! squares {
    ($($name:ident),*) => {
        $(
            mod $name {
                use autodiff::prelude::*;

                #[grad(forward, reverse, hessian)]
                pub fn square(s: f64, y: f64) -> f64 {
                    s * s * y
                }
            }
        )*
    };
}

squares!(first, second);

#[test]
fn only_the_gradient_is_called() {
    let grad: fn(f64, f64) -> (f64, f64, f64) = first::square_grad;
    assert_eq!(grad(3.0, 2.0), (18.0, 12.0, 9.0));
    assert_eq!(second::square_grad(1.0, 1.0), (1.0, 2.0, 1.0));
}
