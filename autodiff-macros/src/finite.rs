//! Which values may be infinite or NaN although the inputs are finite.
//!
//! The reverse sweep runs the rule of every statement of the forward sweep,
//! also of those whose result did not reach the output on the path taken
//! (`let r = x.sqrt(); if x <= 0.0 { return x * x; } r`): their adjoint is
//! then zero, and `0 · ∂` must stay 0. It does for a finite partial; it is
//! NaN for an infinite or NaN one: at a pole (`√x` at 0), outside a domain
//! (`ln x` at −1), or when the partial reads a value that is itself
//! infinite or NaN (`r · y` with that `r`). So the reverse sweep skips the
//! products of such partials when the adjoint is zero (`reverse.rs`), and
//! only of those: this analysis finds the values that may be non-finite,
//! `rules::can_blow_up` the operations whose partials may be.
//!
//! A value may be non-finite when an operation that can make one from
//! finite operands (`rules::can_blow_up`) or a call computed it, or when it
//! is computed from such a value. Parameters are taken as finite, and so is
//! plain arithmetic of finite values (its overflow is not tracked):
//! a dot product's partials are never guarded. The analysis is
//! flow-insensitive, like activity: a variable is marked if any of its
//! assignments is.

use crate::ir::{walk, Body, Rhs, Stmt, Var};
use crate::rules::can_blow_up;

/// For every variable, whether it may hold an infinite or NaN value.
pub fn unbounded(body: &Body) -> Vec<bool> {
    let mut marked = vec![false; body.vars.len()];
    loop {
        let mut changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let (dst, unbounded) = match stmt {
                Stmt::Assign { dst, rhs, .. } => (*dst, makes_unbounded(rhs, &marked)),
                Stmt::Store { place, value, .. } => (place.var, value.reads().iter().any(|var| marked[var.0])),
                Stmt::If { .. } | Stmt::Loop(_) => return,
            };
            if unbounded && !marked[dst.0] {
                marked[dst.0] = true;
                changed = true;
            }
        });
        if !changed {
            return marked;
        }
    }
}

fn makes_unbounded(rhs: &Rhs, marked: &[bool]) -> bool {
    let from_operand = rhs.reads().iter().any(|var: &Var| marked[var.0]);
    match rhs {
        Rhs::Prim(op, _) => can_blow_up(*op) || from_operand,
        Rhs::Call(..) => true,
        _ => from_operand,
    }
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::lowered;

    fn unbounded_names(item: syn::ItemFn) -> String {
        let (body, _) = lowered(item).unwrap();
        let marked = super::unbounded(&body);
        let names: Vec<String> =
            (0..body.vars.len()).filter(|&i| marked[i]).map(|i| body.vars[i].ident.to_string()).collect();
        names.join(" ")
    }

    #[test]
    fn values_computed_from_a_pole_are_unbounded_and_products_of_inputs_are_not() {
        let names = unbounded_names(syn::parse_quote! {
            fn f(x: f64, y: f64, w: &[f64]) -> f64 {
                let p = x * y + w[0] * w[1];
                let r = x.sqrt();
                let s = r * y;
                let t = s.tanh() + p;
                t + p
            }
        });
        assert_eq!(names, "__ret r s t __t3");
    }
}
