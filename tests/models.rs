//! Model structs (`#[derive(Params)]`) as `#[grad]` parameters: nested
//! structs, 2-D arrays, vectors and rows iterated in place.

// Index loops over weights are the shape under test, written on purpose.
#![allow(clippy::needless_range_loop)]

use autodiff::prelude::*;

#[derive(Params, Clone, Debug)]
struct Layer {
    w: [[f64; 2]; 3],
    b: [f64; 3],
}

#[derive(Params, Clone, Debug)]
struct Net {
    l1: Layer,
    out: Vec<f64>,
    scale: f64,
}

#[grad(wrt(m))]
fn net(m: &Net, x: &[f64; 2]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        let mut z = m.l1.b[i];
        for j in 0..2 {
            z += m.l1.w[i][j] * x[j];
        }
        s += m.out[i] * z.tanh();
    }
    s * m.scale
}

#[test]
fn model() {
    let m = Net {
        l1: Layer { w: [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], b: [0.1, 0.2, -0.3] },
        out: vec![1.0, -1.0, 0.5],
        scale: 1.5,
    };
    let x = [0.7, -1.1];
    let mut d = m.zeros_like();
    let v = net_grad(&m, &mut d, &x);
    assert!((v - net(&m, &x)).abs() < 1e-15);
    let flat = m.to_flat();
    let num = autodiff::numeric_gradient(
        |p| {
            let mut m2 = m.clone();
            m2.copy_from_flat(p);
            net(&m2, &x)
        },
        &flat,
    );
    let got = d.to_flat();
    for (a, b) in got.iter().zip(&num) {
        assert!((a - b).abs() < 1e-6, "{got:?} {num:?}");
    }
}

#[derive(Params, Clone)]
struct Lin {
    w: [[f64; 4]; 3],
    b: [f64; 3],
}

#[grad(wrt(m))]
fn lin(m: &Lin, x: &[f64; 4]) -> f64 {
    let mut logits = [0.0; 3];
    for k in 0..3 {
        logits[k] = m.b[k] + m.w[k].iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
    }
    logits.iter().map(|z| z * z).sum()
}

#[test]
fn model_rows() {
    let m = Lin { w: [[0.1, 0.2, 0.3, 0.4], [0.5, -0.6, 0.7, 0.8], [0.9, 1.0, -1.1, 1.2]], b: [0.1, 0.2, 0.3] };
    let x = [1.0, 2.0, -1.0, 0.5];
    let mut d = m.zeros_like();
    lin_grad(&m, &mut d, &x);
    let num = autodiff::numeric_gradient(
        |p| {
            let mut m2 = m.clone();
            m2.copy_from_flat(p);
            lin(&m2, &x)
        },
        &m.to_flat(),
    );
    for (a, b) in d.to_flat().iter().zip(&num) {
        assert!((a - b).abs() < 1e-6);
    }
}

#[derive(Params, Clone)]
struct Parts {
    c: [f64; 3],
    s: f64,
}

/// A model's parts taken apart by a tuple `let` whose types are written on
/// the tuple (review 4: the annotation was not seen, and `a[1]` was taken
/// for the index of a float).
#[grad]
fn tuple_of_parts(m: &Parts) -> f64 {
    let (a, b): ([f64; 3], f64) = (m.c, m.s);
    a[1] * b + a[2] * a[0]
}

#[test]
fn a_tuple_let_with_its_types_written_differentiates_each_part() {
    let m = Parts { c: [1.0, 2.0, 3.0], s: 0.5 };
    let mut d = Parts { c: [0.0; 3], s: 0.0 };
    let value = tuple_of_parts_grad(&m, &mut d);
    // f = c1·s + c2·c0: ∂c = (c2, s, c0), ∂s = c1.
    assert_eq!(value, 2.0 * 0.5 + 3.0 * 1.0);
    assert_eq!((d.c, d.s), ([3.0, 0.5, 1.0], 2.0));
}
