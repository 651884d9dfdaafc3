//! `NAME_graph` of a function that assigns a parameter taken by value
//! (`mut x: f64`, `mut s: [f64; 2]`) or an array from a literal that reads
//! it (`s = [s[1], s[0] * 2.0]`), found by user round 13: the input's
//! partial went onto the node of the last assignment (whose own adjoint it
//! replaced) and the input node had none; the literal's element reads were
//! taken from the new array's node, so it showed wrong numbers. Each node
//! is checked against the closed form.

// The labels under test are of assignments as written (`x = x + 1.0`).
#![allow(clippy::assign_op_pattern)]

mod common;

use autodiff::prelude::*;
use common::graph::{adjoint, node};

#[grad(graph)]
fn reassigned(mut x: f64) -> f64 {
    x = x * x;
    x = x + 1.0;
    3.0 * x
}

#[grad(graph)]
fn scaled_in_place(mut x: f64, y: f64) -> f64 {
    x *= y;
    x * x
}

#[grad(graph)]
fn swapped_local(a: [f64; 2]) -> f64 {
    let mut s = a;
    s = [s[1], s[0] * 2.0];
    s[0] * s[1] + s[0]
}

#[grad(graph)]
fn swapped_parameter(mut s: [f64; 2]) -> f64 {
    s = [s[1], s[0] * 2.0];
    s[0] * s[1] + s[0]
}

fn array(g: &autodiff::Graph, label: &str, adjoint: bool) -> Vec<f64> {
    let node = g.node(node(g, label));
    let value = if adjoint { node.adjoint().expect("an adjoint") } else { node.value() };
    value.as_array().expect("an array").to_vec()
}

#[test]
fn an_assigned_scalar_parameter_keeps_its_input_adjoint() {
    // 3((x²) + 1) at x = 2: d/dx = 6x = 12; the nodes after x² have adjoint 3.
    let g = reassigned_graph(2.0);
    assert_eq!(adjoint(&g, "x"), 12.0);
    assert_eq!(adjoint(&g, "x = x * x"), 3.0);
    assert_eq!(adjoint(&g, "x = x + 1.0"), 3.0);
    assert_eq!(reassigned_grad(2.0).1, 12.0);

    // (xy)² at (2, 3): the node xy = 6 has adjoint 12; d/dx = 2xy·y = 36, d/dy = 2xy·x = 24.
    let g = scaled_in_place_graph(2.0, 3.0);
    assert_eq!(adjoint(&g, "x = x * y"), 12.0);
    assert_eq!(adjoint(&g, "x"), 36.0);
    assert_eq!(adjoint(&g, "y"), 24.0);
}

#[test]
fn an_array_literal_reading_the_array_it_replaces() {
    // s = [a1, 2a0] = [3, 4]; f = s0·s1 + s0: ∂f/∂s = [s1 + 1, s0] = [5, 3],
    // ∂f/∂a = [2·3, 5] = [6, 5].
    let g = swapped_local_graph([2.0, 3.0]);
    assert_eq!(array(&g, "s = [s[1], s[0] * 2.0]", false), [3.0, 4.0]);
    assert_eq!(array(&g, "s = [s[1], s[0] * 2.0]", true), [5.0, 3.0]);
    assert_eq!(array(&g, "a", true), [6.0, 5.0]);

    let g = swapped_parameter_graph([2.0, 3.0]);
    assert_eq!(array(&g, "s = [s[1], s[0] * 2.0]", false), [3.0, 4.0]);
    assert_eq!(array(&g, "s = [s[1], s[0] * 2.0]", true), [5.0, 3.0]);
    assert_eq!(array(&g, "s", true), [6.0, 5.0]);
    assert_eq!(swapped_parameter_grad([2.0, 3.0]).1, [6.0, 5.0]);
}
