//! The adjoint variables: one IR variable of kind `VarKind::Adjoint(of)`
//! for each variable the reverse sweep differentiates, as forward mode
//! makes one of kind `VarKind::Tangent(of)` per tangent. A reference
//! parameter's adjoint is its shadow (`d_x`), a parameter of the generated
//! function; the others are locals the reverse sweep declares (`__bar_x`).
//!
//! They are added to `Body::vars` and named by the function's `Namer`, so
//! no name of the generated function can collide with them.

use crate::activity::Activity;
use crate::ir::{Body, Var, VarInfo, VarKind};
use crate::naming::{self, Namer};

use super::Adjoints;

/// Adds the adjoint of every active variable and differentiated parameter
/// to `body`; returns, by variable, its adjoint.
pub fn declare(body: &mut Body, activity: &Activity, params: &Adjoints, namer: &mut Namer) -> Vec<Option<Var>> {
    let count = body.vars.len();
    let mut adjoint_of = vec![None; count];
    for (i, adjoint) in adjoint_of.iter_mut().enumerate() {
        let var = Var(i);
        let info = body.var(var);
        let ident = match params.shadows.iter().find(|(param, _)| *param == var) {
            Some((_, shadow)) => shadow.clone(),
            None if activity.is_active(var) || params.scalars.contains(&var) => {
                namer.fresh(&naming::adjoint_base(&info.ident))
            }
            None => continue,
        };
        let info = VarInfo { ident, kind: VarKind::Adjoint(var), mutable: true, declared: None, ..info.clone() };
        body.vars.push(info);
        *adjoint = Some(Var(body.vars.len() - 1));
    }
    adjoint_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::lowered;

    #[test]
    fn active_variables_and_differentiated_parameters_get_adjoint_variables() {
        let (mut body, mut namer) = lowered(syn::parse_quote! {
            fn f(x: f64, w: &[f64], n: usize) -> f64 {
                let k = n * 2;
                let y = x * w[k];
                y.sin()
            }
        })
        .expect("lowers");
        let (x, w) = (body.params[0], body.params[1]);
        let shadow = syn::Ident::new("d_w", proc_macro2::Span::call_site());
        let activity = crate::activity::analyze(&body, &[x, w], &[]);
        let shadows = [(w, shadow)];
        let params = Adjoints { scalars: &[x], shadows: &shadows, reported: None, graph: None, second_order: false };
        let adjoint_of = declare(&mut body, &activity, &params, &mut namer);
        let named: Vec<String> = adjoint_of
            .iter()
            .enumerate()
            .filter_map(|(i, adjoint)| {
                let adjoint = body.var((*adjoint)?);
                assert_eq!(adjoint.kind, VarKind::Adjoint(Var(i)));
                Some(format!("{}: {}", body.vars[i].ident, adjoint.ident))
            })
            .collect();
        // `n` and `k` are integers: no adjoint; `w`'s is its shadow.
        assert_eq!(named, ["x: __bar_x", "w: d_w", "__ret: __bar_ret", "y: __bar_y"]);
    }
}
