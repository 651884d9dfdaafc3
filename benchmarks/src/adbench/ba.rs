//! ADBench's bundle adjustment objective, written from the math (see
//! `shared/adbench/README.md`, objective 2), its Jacobian by per-observation
//! gradients, and the hand-written Jacobian.
//!
//! The helpers are ADBench's, each a `#[grad]` function returning an array:
//! [`rodrigues_rotate_point`] (with its `θ = 0` branch), [`radial_distort`]
//! and [`project`], which [`reprojection_error`] calls.

use autodiff::grad;

use super::data::{BaInput, CAMERA_LEN};

/// The nonzeros of one reprojection row of the Jacobian: the camera's 11
/// parameters, the point's 3 coordinates, the weight.
pub const ROW_LEN: usize = CAMERA_LEN + 3 + 1;

/// `pt` rotated by the angle-axis vector `rot` (Rodrigues' formula), to
/// first order when the angle is exactly zero.
#[grad]
pub fn rodrigues_rotate_point(rot: &[f64], pt: [f64; 3]) -> [f64; 3] {
    let sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
    if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let cos_theta = theta.cos();
        let sin_theta = theta.sin();
        let w = [rot[0] / theta, rot[1] / theta, rot[2] / theta];
        let w_cross_pt = [w[1] * pt[2] - w[2] * pt[1], w[2] * pt[0] - w[0] * pt[2], w[0] * pt[1] - w[1] * pt[0]];
        let tmp = (w[0] * pt[0] + w[1] * pt[1] + w[2] * pt[2]) * (1.0 - cos_theta);
        [
            pt[0] * cos_theta + w_cross_pt[0] * sin_theta + w[0] * tmp,
            pt[1] * cos_theta + w_cross_pt[1] * sin_theta + w[1] * tmp,
            pt[2] * cos_theta + w_cross_pt[2] * sin_theta + w[2] * tmp,
        ]
    } else {
        let rot_cross_pt =
            [rot[1] * pt[2] - rot[2] * pt[1], rot[2] * pt[0] - rot[0] * pt[2], rot[0] * pt[1] - rot[1] * pt[0]];
        [pt[0] + rot_cross_pt[0], pt[1] + rot_cross_pt[1], pt[2] + rot_cross_pt[2]]
    }
}

/// `u·(1 + κ1·‖u‖² + κ2·‖u‖⁴)` with `rad_params = (κ1, κ2)`.
#[grad]
pub fn radial_distort(rad_params: &[f64], u: [f64; 2]) -> [f64; 2] {
    let rsq = u[0] * u[0] + u[1] * u[1];
    let distortion = 1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq;
    [u[0] * distortion, u[1] * distortion]
}

/// Where the camera `cam` (`r (3), C (3), f, u0, v0, κ1, κ2`) sees the
/// point `x`: rotated into the camera's frame, divided by its depth,
/// distorted, scaled by `f` and shifted by `(u0, v0)`.
#[grad]
pub fn project(cam: &[f64], x: &[f64]) -> [f64; 2] {
    let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
    let xcam: [f64; 3] = rodrigues_rotate_point(&cam[0..3], xo);
    let u = [xcam[0] / xcam[2], xcam[1] / xcam[2]];
    let distorted: [f64; 2] = radial_distort(&cam[9..11], u);
    [distorted[0] * cam[6] + cam[7], distorted[1] * cam[6] + cam[8]]
}

/// The weighted reprojection error of `point` seen by the camera `cam`
/// against the measured `feature`, written into `err` (2 values):
/// `w·(proj − feature)`.
#[grad(wrt(cam, point, w, err))]
pub fn reprojection_error(cam: &[f64], point: &[f64], w: f64, feature: &[f64], err: &mut [f64]) {
    let proj: [f64; 2] = project(cam, point);
    err[0] = w * (proj[0] - feature[0]);
    err[1] = w * (proj[1] - feature[1]);
}

/// The weight error `1 − w²`.
#[grad]
pub fn weight_error(w: f64) -> f64 {
    1.0 - w * w
}

/// The camera, point, weight and feature of observation `i`.
fn observation(input: &BaInput, i: usize) -> (&[f64], &[f64], f64, &[f64]) {
    let (cam, pt) = (input.obs[2 * i], input.obs[2 * i + 1]);
    (
        &input.cams[cam * CAMERA_LEN..(cam + 1) * CAMERA_LEN],
        &input.points[pt * 3..pt * 3 + 3],
        input.weights[i],
        &input.features[2 * i..2 * i + 2],
    )
}

/// The objective: the `2p` reprojection errors, then the `p` weight errors.
pub fn ba_objective(input: &BaInput, residuals: &mut [f64]) {
    let p = input.p;
    assert_eq!(residuals.len(), 3 * p, "ba_objective: 3p residuals");
    let (reproj, werr) = residuals.split_at_mut(2 * p);
    for (i, err) in reproj.chunks_exact_mut(2).enumerate() {
        let (cam, point, w, feature) = observation(input, i);
        reprojection_error(cam, point, w, feature, err);
    }
    for (e, &w) in werr.iter_mut().zip(&input.weights) {
        *e = weight_error(w);
    }
}

/// The values of ADBench's CSR Jacobian (`31p` of them): per observation
/// its two reprojection rows of [`ROW_LEN`] (camera, point, weight), then
/// the `p` weight rows of one value each.
pub fn jacobian_len(p: usize) -> usize {
    2 * p * ROW_LEN + p
}

/// The Jacobian by the generated gradients: per observation, one reverse
/// sweep per residual (seed `(1, 0)`, then `(0, 1)`), as reverse mode
/// computes a Jacobian.
pub fn ba_jacobian_generated(input: &BaInput, jacobian: &mut [f64]) {
    let p = input.p;
    assert_eq!(jacobian.len(), jacobian_len(p), "ba_jacobian_generated: 31p values");
    let (reproj, werr) = jacobian.split_at_mut(2 * p * ROW_LEN);
    for (i, rows) in reproj.chunks_exact_mut(2 * ROW_LEN).enumerate() {
        let (cam, point, w, feature) = observation(input, i);
        for (residual, row) in rows.chunks_exact_mut(ROW_LEN).enumerate() {
            let (d_cam, rest) = row.split_at_mut(CAMERA_LEN);
            let (d_point, d_w) = rest.split_at_mut(3);
            d_cam.fill(0.0);
            d_point.fill(0.0);
            let mut err = [0.0; 2];
            let mut d_err = [0.0; 2];
            d_err[residual] = 1.0;
            let (dw,) = reprojection_error_vjp(cam, d_cam, point, d_point, w, feature, &mut err, &mut d_err);
            d_w[0] = dw;
        }
    }
    for (d, &w) in werr.iter_mut().zip(&input.weights) {
        *d = weight_error_grad(w).1;
    }
}

/// What the forward pass of one observation keeps for its two reverse
/// sweeps.
struct Forward {
    z: [f64; 3],
    y: [f64; 3],
    /// `Some` on the Rodrigues branch (θ ≠ 0), `None` on the first-order one.
    rotation: Option<Rotation>,
    u: [f64; 2],
    rsq: f64,
    distortion: f64,
    proj: [f64; 2],
}

/// The Rodrigues branch's intermediates.
struct Rotation {
    theta: f64,
    cos_theta: f64,
    sin_theta: f64,
    v: [f64; 3],
    v_cross_z: [f64; 3],
    v_dot_z: f64,
}

fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn forward(cam: &[f64], point: &[f64]) -> Forward {
    let z = [point[0] - cam[3], point[1] - cam[4], point[2] - cam[5]];
    let r = [cam[0], cam[1], cam[2]];
    let sqtheta = dot(&r, &r);
    let (y, rotation) = if sqtheta != 0.0 {
        let theta = sqtheta.sqrt();
        let (sin_theta, cos_theta) = theta.sin_cos();
        let v = [r[0] / theta, r[1] / theta, r[2] / theta];
        let v_cross_z = cross(&v, &z);
        let v_dot_z = dot(&v, &z);
        let tmp = v_dot_z * (1.0 - cos_theta);
        let y = [0, 1, 2].map(|i| z[i] * cos_theta + v_cross_z[i] * sin_theta + v[i] * tmp);
        (y, Some(Rotation { theta, cos_theta, sin_theta, v, v_cross_z, v_dot_z }))
    } else {
        let r_cross_z = cross(&r, &z);
        ([z[0] + r_cross_z[0], z[1] + r_cross_z[1], z[2] + r_cross_z[2]], None)
    };
    let u = [y[0] / y[2], y[1] / y[2]];
    let rsq = u[0] * u[0] + u[1] * u[1];
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    let proj = [cam[6] * u[0] * distortion + cam[7], cam[6] * u[1] * distortion + cam[8]];
    Forward { z, y, rotation, u, rsq, distortion, proj }
}

/// One reverse sweep of one observation with the residual adjoints
/// `seed`, writing its row `[∂cam (11), ∂point (3), ∂w]`.
fn reverse(cam: &[f64], w: f64, feature: &[f64], fwd: &Forward, seed: [f64; 2], row: &mut [f64]) {
    let Forward { z, y, ref rotation, u, rsq, distortion, proj } = *fwd;
    let f = cam[6];
    // err = w·(proj − feature)
    row[ROW_LEN - 1] = seed[0] * (proj[0] - feature[0]) + seed[1] * (proj[1] - feature[1]);
    let d_proj = [seed[0] * w, seed[1] * w];
    // proj = f·u·L + (u0, v0)
    row[7] = d_proj[0];
    row[8] = d_proj[1];
    row[6] = (d_proj[0] * u[0] + d_proj[1] * u[1]) * distortion;
    let d_distortion = f * (d_proj[0] * u[0] + d_proj[1] * u[1]);
    // L = 1 + κ1·s + κ2·s²
    row[9] = d_distortion * rsq;
    row[10] = d_distortion * rsq * rsq;
    let d_rsq = d_distortion * (cam[9] + 2.0 * cam[10] * rsq);
    let d_u = [d_proj[0] * f * distortion + 2.0 * u[0] * d_rsq, d_proj[1] * f * distortion + 2.0 * u[1] * d_rsq];
    // u = (y0, y1) / y2
    let d_y = [d_u[0] / y[2], d_u[1] / y[2], -(d_u[0] * u[0] + d_u[1] * u[1]) / y[2]];
    // y = R(r)·z
    let (d_r, d_z) = match rotation {
        Some(rot) => reverse_rodrigues(rot, &z, &d_y),
        None => {
            // y = z + r × z: ∂r = z × ∂y, ∂z = ∂y + ∂y × r
            let r = [cam[0], cam[1], cam[2]];
            let dy_cross_r = cross(&d_y, &r);
            (cross(&z, &d_y), [0, 1, 2].map(|i| d_y[i] + dy_cross_r[i]))
        }
    };
    // z = X − C
    for i in 0..3 {
        row[i] = d_r[i];
        row[3 + i] = -d_z[i];
        row[CAMERA_LEN + i] = d_z[i];
    }
}

/// The adjoints `(∂r, ∂z)` of `y = z·cos θ + (v × z)·sin θ + v·(v·z)(1 − cos θ)`
/// with `v = r/θ`, `θ = ‖r‖`, given `∂y`.
fn reverse_rodrigues(rot: &Rotation, z: &[f64; 3], d_y: &[f64; 3]) -> ([f64; 3], [f64; 3]) {
    let Rotation { theta, cos_theta, sin_theta, v, v_cross_z, v_dot_z } = *rot;
    let tmp = v_dot_z * (1.0 - cos_theta);
    // y = z·cos θ + (v × z)·sin θ + v·tmp
    let mut d_z = d_y.map(|d| d * cos_theta);
    let mut d_cos = dot(d_y, z);
    let d_sin = dot(d_y, &v_cross_z);
    let d_cross = d_y.map(|d| d * sin_theta);
    let d_tmp = dot(d_y, &v);
    let mut d_v = d_y.map(|d| d * tmp);
    // v × z: ∂v += z × ∂c, ∂z += ∂c × v
    let z_cross_dc = cross(z, &d_cross);
    let dc_cross_v = cross(&d_cross, &v);
    // tmp = (v·z)(1 − cos θ)
    let d_dot = d_tmp * (1.0 - cos_theta);
    d_cos -= d_tmp * v_dot_z;
    for i in 0..3 {
        d_v[i] += z_cross_dc[i] + d_dot * z[i];
        d_z[i] += dc_cross_v[i] + d_dot * v[i];
    }
    // cos θ, sin θ, then v = r/θ: ∂r = ∂v/θ + ∂θ·v with ∂θ gathering −(∂v·v)/θ
    let d_theta = -d_cos * sin_theta + d_sin * cos_theta - dot(&d_v, &v) / theta;
    let d_r = [0, 1, 2].map(|i| d_v[i] / theta + d_theta * v[i]);
    (d_r, d_z)
}

/// Hand-written Jacobian of [`ba_objective`], in the layout of
/// [`ba_jacobian_generated`]: per observation one forward pass that keeps
/// its intermediates, then the two reverse sweeps that read them.
pub fn ba_jacobian_hand(input: &BaInput, jacobian: &mut [f64]) {
    let p = input.p;
    assert_eq!(jacobian.len(), jacobian_len(p), "ba_jacobian_hand: 31p values");
    let (reproj, werr) = jacobian.split_at_mut(2 * p * ROW_LEN);
    for (i, rows) in reproj.chunks_exact_mut(2 * ROW_LEN).enumerate() {
        let (cam, point, w, feature) = observation(input, i);
        let fwd = forward(cam, point);
        let (x_row, y_row) = rows.split_at_mut(ROW_LEN);
        reverse(cam, w, feature, &fwd, [1.0, 0.0], x_row);
        reverse(cam, w, feature, &fwd, [0.0, 1.0], y_row);
    }
    for (d, &w) in werr.iter_mut().zip(&input.weights) {
        *d = -2.0 * w;
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::{expected, expected_floats};
    use super::super::test_support::{assert_close, assert_near_numeric};
    use super::*;

    fn residuals(input: &BaInput) -> Vec<f64> {
        let mut out = vec![0.0; 3 * input.p];
        ba_objective(input, &mut out);
        out
    }

    fn generated(input: &BaInput) -> Vec<f64> {
        let mut jacobian = vec![f64::NAN; jacobian_len(input.p)];
        ba_jacobian_generated(input, &mut jacobian);
        jacobian
    }

    fn hand(input: &BaInput) -> Vec<f64> {
        let mut jacobian = vec![f64::NAN; jacobian_len(input.p)];
        ba_jacobian_hand(input, &mut jacobian);
        jacobian
    }

    /// The test input with every camera's rotation set to zero: the
    /// first-order branch of the rotation.
    fn unrotated() -> BaInput {
        let mut input = BaInput::load("ba/test.txt");
        for cam in input.cams.chunks_exact_mut(CAMERA_LEN) {
            cam[..3].fill(0.0);
        }
        input
    }

    /// A test input whose cameras and points differ from each other.
    fn varied() -> BaInput {
        let mut input = BaInput::load("ba/test.txt");
        for (j, v) in input.cams.iter_mut().enumerate() {
            *v *= 1.0 + 0.01 * (j % 7) as f64;
        }
        for (j, v) in input.points.iter_mut().enumerate() {
            *v += 0.1 * (j % 5) as f64;
        }
        input
    }

    #[test]
    fn ba_matches_adbench_reference() {
        let input = BaInput::load("ba/test.txt");
        let reference = expected("ba_test.expected.json");
        let reproj = expected_floats(&reference, "reproj_err_every_observation");
        let werr = reference["w_err_every_observation"].as_f64().expect("w_err");
        let mut want = reproj.repeat(input.p);
        want.extend(std::iter::repeat_n(werr, input.p));
        assert_close("ba residuals", &residuals(&input), &want, 1e-8);
        let vals = expected_floats(&reference, "J_vals");
        assert_close("ba generated jacobian", &generated(&input), &vals, 1e-8);
        assert_close("ba hand jacobian", &hand(&input), &vals, 1e-8);
    }

    /// Row by row, the generated Jacobian against central differences of
    /// the residual it differentiates.
    #[test]
    fn ba_jacobian_matches_numeric() {
        for input in [varied(), unrotated()] {
            let jacobian = generated(&input);
            for i in 0..input.p {
                let (cam, point, w, feature) = observation(&input, i);
                let params = [cam, point, &[w]].concat();
                for residual in 0..2 {
                    let numeric = autodiff::numeric_gradient(
                        |q| {
                            let mut err = [0.0; 2];
                            reprojection_error(&q[..CAMERA_LEN], &q[CAMERA_LEN..14], q[14], feature, &mut err);
                            err[residual]
                        },
                        &params,
                    );
                    let row = (2 * i + residual) * ROW_LEN;
                    assert_near_numeric("ba row", &jacobian[row..row + ROW_LEN], &numeric);
                }
                let weight_row = jacobian[2 * input.p * ROW_LEN + i];
                assert_near_numeric(
                    "ba weight row",
                    &[weight_row],
                    &autodiff::numeric_gradient(|q| 1.0 - q[0] * q[0], &[w]),
                );
            }
        }
    }

    /// A quarter turn about z takes x to y; the zero rotation's first-order
    /// branch is the identity, and its partials those of `pt + r × pt`:
    /// `∂r = pt × s`, `∂pt = s` at `r = 0`.
    #[test]
    fn rodrigues_rotates_and_its_zero_branch_differentiates() {
        let quarter = [0.0, 0.0, std::f64::consts::FRAC_PI_2];
        let y = rodrigues_rotate_point(&quarter, [1.0, 0.0, 0.0]);
        assert!((y[0]).abs() < 1e-15 && (y[1] - 1.0).abs() < 1e-15 && y[2] == 0.0, "{y:?}");
        let pt = [1.0, 2.0, 3.0];
        assert_eq!(rodrigues_rotate_point(&[0.0; 3], pt), pt);
        let mut d_rot = [0.0; 3];
        let (value, d_pt) = rodrigues_rotate_point_vjp(&[0.0; 3], &mut d_rot, pt, [0.0, 0.0, 1.0]);
        assert_eq!(value, pt);
        assert_eq!(d_rot, [2.0, -1.0, 0.0]);
        assert_eq!(d_pt, [0.0, 0.0, 1.0]);
    }

    /// `u·(1 + κ1·s + κ2·s²)` at `u = (1, 2)`, `s = 5`.
    #[test]
    fn radial_distort_scales_by_the_polynomial() {
        assert_eq!(radial_distort(&[0.1, 0.01], [1.0, 2.0]), [1.75, 3.5]);
    }

    #[test]
    fn ba_hand_matches_generated() {
        for input in [BaInput::load("ba/test.txt"), varied(), unrotated()] {
            assert_close("ba", &hand(&input), &generated(&input), 1e-10);
        }
    }
}
