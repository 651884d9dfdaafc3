//! A `&mut` output is an output whether or not `wrt(..)` names it
//! (CONTRACT.md): leaving it out of `wrt` keeps its shadow and its adjoint.

#![allow(clippy::ptr_arg)]

use autodiff::grad;

/// `err = (cam₀·point₀·s, sin(cam₁)·point₁)` with `s` a constant.
#[grad(wrt(cam, point))]
fn residual(cam: &[f64], point: &[f64], s: f64, err: &mut [f64]) {
    err[0] = cam[0] * point[0] * s;
    err[1] = cam[1].sin() * point[1];
}

/// The same function with the output named in `wrt`.
#[grad(wrt(cam, point, err))]
fn residual_named(cam: &[f64], point: &[f64], s: f64, err: &mut [f64]) {
    err[0] = cam[0] * point[0] * s;
    err[1] = cam[1].sin() * point[1];
}

#[test]
fn an_output_left_out_of_wrt_is_still_an_output() {
    let (cam, point, s) = ([0.5, 1.2], [2.0, -0.7], 3.0);
    let seed = [0.25, -1.5];
    let (mut d_cam, mut d_point, mut err, mut d_err) = ([0.0; 2], [0.0; 2], [0.0; 2], seed);
    residual_vjp(&cam, &mut d_cam, &point, &mut d_point, s, &mut err, &mut d_err);

    assert_eq!(err, [cam[0] * point[0] * s, cam[1].sin() * point[1]]);
    let want_cam = [seed[0] * point[0] * s, seed[1] * cam[1].cos() * point[1]];
    let want_point = [seed[0] * cam[0] * s, seed[1] * cam[1].sin()];
    for (got, want) in d_cam.iter().chain(&d_point).zip(want_cam.iter().chain(&want_point)) {
        assert!((got - want).abs() < 1e-12, "{d_cam:?} {d_point:?}");
    }
    // The function overwrote the output: its adjoint is consumed.
    assert_eq!(d_err, [0.0, 0.0]);

    let (mut n_cam, mut n_point, mut n_err, mut n_d_err) = ([0.0; 2], [0.0; 2], [0.0; 2], seed);
    residual_named_vjp(&cam, &mut n_cam, &point, &mut n_point, s, &mut n_err, &mut n_d_err);
    assert_eq!((n_cam, n_point, n_err, n_d_err), (d_cam, d_point, err, d_err));
}
