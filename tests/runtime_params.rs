//! `#[derive(Params)]` through the facade: model structs with nested
//! structs, matrices, `Vec`s and `Vec`s of layers are seen as flat slices in
//! declaration order, and gradient checks and optimizers work over them.

use autodiff::prelude::*;

/// A dense layer `y = W·x + b` with 2 inputs and 3 outputs.
#[derive(Params, Clone, Debug, PartialEq)]
struct Dense {
    w: [[f64; 2]; 3],
    b: [f64; 3],
}

/// A model with one field of every supported kind.
#[derive(Params, Clone, Debug, PartialEq)]
struct Model {
    scale: f64,
    first: Dense,
    hidden: Vec<f64>,
    rows: Vec<[f64; 2]>,
    layers: Vec<Dense>,
    pair: [Dense; 2],
    cube: [[[f64; 2]; 2]; 2],
}

/// A layer whose sizes are const generics.
#[derive(Params, Clone, Debug, PartialEq)]
struct Layer<const I: usize, const O: usize> {
    w: [[f64; I]; O],
    b: [f64; O],
}

/// A stack of any kind of layer.
#[derive(Params, Clone, Debug, PartialEq)]
struct Stack<L> {
    layers: Vec<L>,
    gain: Box<f64>,
}

/// A dense layer whose every parameter is `start`, `start + 1`, ...
fn counting_dense(start: f64) -> Dense {
    let v = |k: usize| start + k as f64;
    Dense { w: [[v(0), v(1)], [v(2), v(3)], [v(4), v(5)]], b: [v(6), v(7), v(8)] }
}

/// A model whose parameters, in declaration order, are 0, 1, 2, ...
fn counting_model() -> Model {
    Model {
        scale: 0.0,
        first: counting_dense(1.0),
        hidden: vec![10.0, 11.0, 12.0, 13.0],
        rows: vec![[14.0, 15.0], [16.0, 17.0], [18.0, 19.0]],
        layers: vec![counting_dense(20.0), counting_dense(29.0)],
        pair: [counting_dense(38.0), counting_dense(47.0)],
        cube: [[[56.0, 57.0], [58.0, 59.0]], [[60.0, 61.0], [62.0, 63.0]]],
    }
}

#[test]
fn counts_every_scalar() {
    // 1 + 9 + 4 + 3·2 + 2·9 + 2·9 + 2·2·2.
    assert_eq!(counting_model().num_params(), 1 + 9 + 4 + 6 + 18 + 18 + 8);
}

#[test]
fn visits_fields_in_declaration_order_row_major() {
    let expected: Vec<f64> = (0..64).map(f64::from).collect();
    assert_eq!(counting_model().to_flat(), expected);
}

#[test]
fn zeros_like_keeps_the_shape() {
    let model = counting_model();
    let zero = model.zeros_like();
    assert_eq!(zero.hidden.len(), 4);
    assert_eq!(zero.rows.len(), 3);
    assert_eq!(zero.layers.len(), 2);
    assert_eq!(zero.num_params(), model.num_params());
    assert!(zero.to_flat().iter().all(|&x| x == 0.0));
}

#[test]
fn matrices_and_vecs_of_rows_are_single_slices() {
    let mut lengths = Vec::new();
    counting_dense(0.0).for_each_slice(&mut |s| lengths.push(s.len()));
    assert_eq!(lengths, [6, 3]);
}

#[test]
fn copy_from_flat_inverts_to_flat() {
    let model = counting_model();
    let mut copy = model.zeros_like();
    copy.copy_from_flat(&model.to_flat());
    assert_eq!(copy, model);
}

#[test]
fn mutable_visit_reaches_every_parameter() {
    let mut model = counting_model();
    model.for_each_slice_mut(&mut |s| s.iter_mut().for_each(|x| *x = -*x));
    let expected: Vec<f64> = (0..64).map(|k| -f64::from(k)).collect();
    assert_eq!(model.to_flat(), expected);
}

#[test]
fn zip_pairs_each_scalar_with_its_twin() {
    let mut model = counting_model();
    let other = counting_model();
    // model ← model − 2·other = −model, scalar by scalar.
    model.add_scaled(&other, -2.0);
    let expected: Vec<f64> = (0..64).map(|k| -f64::from(k)).collect();
    assert_eq!(model.to_flat(), expected);
}

#[test]
#[should_panic(expected = "`Model.layers` differs in length between the two values")]
fn zip_rejects_a_vec_of_layers_of_another_length() {
    let mut model = counting_model();
    let mut other = counting_model();
    other.layers.pop();
    model.accumulate(&other);
}

#[test]
#[should_panic(expected = "a Vec<f64> has length 4 but the other value has length 5")]
fn zip_rejects_a_vec_of_another_length() {
    let mut model = counting_model();
    let mut other = counting_model();
    other.hidden.push(0.0);
    model.accumulate(&other);
}

#[test]
fn const_generic_and_generic_structs() {
    let layer = Layer::<3, 2> { w: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], b: [7.0, 8.0] };
    assert_eq!(layer.num_params(), 8);
    assert_eq!(layer.to_flat(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);

    let stack = Stack { layers: vec![layer.clone(), layer.zeros_like()], gain: Box::new(9.0) };
    assert_eq!(stack.num_params(), 17);
    let zero = stack.zeros_like();
    assert_eq!((zero.layers.len(), *zero.gain), (2, 0.0));
    assert_eq!(stack.to_flat()[..8], layer.to_flat()[..]);
    assert_eq!(stack.to_flat()[16], 9.0);
}

#[test]
fn empty_model_has_no_parameters() {
    #[derive(Params)]
    struct Empty {}
    let mut empty = Empty {};
    assert_eq!((empty.num_params(), empty.to_flat()), (0, vec![]));
    empty.accumulate(&Empty {});
}

/// `loss(m) = Σᵢ yᵢ²` with `y = W·x + b`: the hand-derived gradient is
/// `∂W[i][j] = 2·yᵢ·xⱼ`, `∂b[i] = 2·yᵢ`.
fn dense_loss(m: &Dense, x: [f64; 2]) -> f64 {
    (0..3).map(|i| m.w[i][0] * x[0] + m.w[i][1] * x[1] + m.b[i]).map(|y| y * y).sum()
}

fn dense_loss_gradient(m: &Dense, x: [f64; 2]) -> Dense {
    let mut g = m.zeros_like();
    for i in 0..3 {
        let y = m.w[i][0] * x[0] + m.w[i][1] * x[1] + m.b[i];
        g.w[i] = [2.0 * y * x[0], 2.0 * y * x[1]];
        g.b[i] = 2.0 * y;
    }
    g
}

#[test]
fn gradient_check_over_a_model_through_flat_slices() {
    let m = Dense { w: [[0.3, -0.2], [0.1, 0.5], [-0.4, 0.25]], b: [0.05, -0.1, 0.2] };
    let x = [1.5, -0.7];
    let loss = |flat: &[f64]| {
        let mut probe = m.zeros_like();
        probe.copy_from_flat(flat);
        dense_loss(&probe, x)
    };
    check_gradient(loss, &m.to_flat(), &dense_loss_gradient(&m, x).to_flat()).assert_close(1e-6);
}

#[test]
fn sgd_on_a_model_fits_a_linear_map() {
    // Targets from W* = [[1, 2], [3, 4], [5, 6]], b* = [−1, 0, 1]; the loss
    // Σ‖W·x + b − y‖² over points spanning the inputs has that unique minimum.
    let truth = Dense { w: [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], b: [-1.0, 0.0, 1.0] };
    let xs = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    let mut m = truth.zeros_like();
    let mut opt = Sgd::new(0.1).with_momentum(0.5);
    for _ in 0..500 {
        let mut grad = m.zeros_like();
        for x in xs {
            for i in 0..3 {
                let predict = |d: &Dense| d.w[i][0] * x[0] + d.w[i][1] * x[1] + d.b[i];
                let r = predict(&m) - predict(&truth);
                grad.w[i][0] += 2.0 * r * x[0] / 4.0;
                grad.w[i][1] += 2.0 * r * x[1] / 4.0;
                grad.b[i] += 2.0 * r / 4.0;
            }
        }
        opt.step_params(&mut m, &grad);
    }
    for (got, want) in m.to_flat().iter().zip(truth.to_flat()) {
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
}

/// `Σᵢ (W·x + b)ᵢ²` through `#[grad]` with the model as a `&Dense`
/// parameter: its shadow is a `&mut Dense` of the derived shape.
#[grad(wrt(m))]
fn dense_loss_by_grad(m: &Dense, x: &[f64; 2]) -> f64 {
    let mut total = 0.0;
    for i in 0..3 {
        let y = m.w[i][0] * x[0] + m.w[i][1] * x[1] + m.b[i];
        total += y * y;
    }
    total
}

#[test]
fn grad_of_a_model_parameter_fills_a_zeros_like_shadow() {
    let m = Dense { w: [[0.3, -0.2], [0.1, 0.5], [-0.4, 0.25]], b: [0.05, -0.1, 0.2] };
    let x = [1.5, -0.7];
    let mut d_m = m.zeros_like();
    let value = dense_loss_by_grad_grad(&m, &mut d_m, &x);
    assert_eq!(value, dense_loss_by_grad(&m, &x));
    assert!((value - dense_loss(&m, x)).abs() < 1e-15);
    let want = dense_loss_gradient(&m, x);
    for (got, want) in d_m.to_flat().iter().zip(want.to_flat()) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
}
