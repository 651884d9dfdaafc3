//! Rows of integers iterated as index tables (round 19, D2): the
//! triangles of a mesh, `for t in tris` of `tris: &[[usize; 3]]`, each
//! pass a copy of the row, its corners indices into the vertices.
//! Refused before ("iterate the positions instead"). Checked against the
//! closed form of the area's gradient in every mode.

mod common;

use autodiff::prelude::*;
use common::close;

/// The signed area of a triangle mesh: `½ Σ (b − a) × (c − a)`.
#[grad(forward, reverse, hessian, wrt(verts))]
fn mesh_area(verts: &[[f64; 2]], tris: &[[usize; 3]]) -> f64 {
    let mut area = 0.0;
    for t in tris {
        let a = verts[t[0]];
        let b = verts[t[1]];
        let c = verts[t[2]];
        area += 0.5 * ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]));
    }
    area
}

/// The same over `tris.iter()`, a corner read in place.
#[grad(forward, reverse, wrt(verts))]
fn corner_sum(verts: &[[f64; 2]], tris: &[[usize; 3]]) -> f64 {
    tris.iter().map(|t| verts[t[0]][0] * verts[t[2]][1]).sum()
}

/// The closed form: vertex `p` of triangle `(a, b, c)` in counterclockwise
/// order moves the area by `½ (next − previous)⊥`, `∂/∂pₓ = ½ (n_y − q_y)`,
/// `∂/∂p_y = ½ (q_x − n_x)` with `n` the next corner and `q` the previous.
fn area_gradient(verts: &[[f64; 2]], tris: &[[usize; 3]]) -> Vec<[f64; 2]> {
    let mut g = vec![[0.0; 2]; verts.len()];
    for t in tris {
        for k in 0..3 {
            let (p, n, q) = (t[k], t[(k + 1) % 3], t[(k + 2) % 3]);
            g[p][0] += 0.5 * (verts[n][1] - verts[q][1]);
            g[p][1] += 0.5 * (verts[q][0] - verts[n][0]);
        }
    }
    g
}

#[test]
fn a_mesh_iterated_by_its_triangles_in_every_mode() {
    let verts = [[0.0, 0.0], [1.0, 0.1], [1.2, 1.0], [-0.1, 0.9]];
    let tris = [[0, 1, 2], [0, 2, 3]];
    let mut d = [[0.0; 2]; 4];
    let area = mesh_area_grad(&verts, &mut d, &tris);
    let want = area_gradient(&verts, &tris);
    assert!(close(area, 0.5 * (1.0 * 1.0 - 1.2 * 0.1) + 0.5 * (1.2 * 0.9 + 0.1 * 1.0), 1e-14));
    for (got, want) in d.iter().zip(&want) {
        assert!(close(got[0], want[0], 1e-14) && close(got[1], want[1], 1e-14), "{d:?} against {want:?}");
    }
    let v = [[0.3, -0.2], [0.1, 0.5], [-0.4, 0.2], [0.6, 0.1]];
    let along: f64 = (0..4).map(|i| d[i][0] * v[i][0] + d[i][1] * v[i][1]).sum();
    let (_, tangent) = mesh_area_jvp(&verts, &v, &tris);
    assert!(close(tangent, along, 1e-13));
    // The area is quadratic: H·v is the gradient at v of the bilinear part.
    let mut hv = [[0.0; 2]; 4];
    mesh_area_hvp(&verts, &v, &mut hv, &tris);
    let (mut plus, mut minus) = ([[0.0; 2]; 4], [[0.0; 2]; 4]);
    let shifted =
        |s: f64| std::array::from_fn::<[f64; 2], 4, _>(|i| [verts[i][0] + s * v[i][0], verts[i][1] + s * v[i][1]]);
    mesh_area_grad(&shifted(1.0), &mut plus, &tris);
    mesh_area_grad(&shifted(-1.0), &mut minus, &tris);
    for i in 0..4 {
        for j in 0..2 {
            assert!(close(hv[i][j], 0.5 * (plus[i][j] - minus[i][j]), 1e-13), "{hv:?}");
        }
    }
    let mut dc = [[0.0; 2]; 4];
    let value = corner_sum_grad(&verts, &mut dc, &tris);
    assert!(close(value, 0.0 * 1.0 + 0.0 * 0.9, 1e-15));
    assert_eq!(dc, [[1.0 + 0.9, 0.0], [0.0; 2], [0.0, 0.0], [0.0, 0.0]]);
    let (_, tangent) = corner_sum_jvp(&verts, &v, &tris);
    assert!(close(tangent, dc[0][0] * v[0][0], 1e-15));
}
