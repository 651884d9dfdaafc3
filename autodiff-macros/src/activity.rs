//! Activity analysis, shared by both modes.
//!
//! A variable is *active* when it can carry a derivative (a float or an
//! aggregate of floats), depends on a differentiated parameter (varied) and
//! reaches the result or an output (useful): only active variables get
//! tangents or adjoints and derivative code.
//!
//! Variables are storage locations, so varied and useful are
//! flow-insensitive: a location is active if any of its assignments is.
//!
//! What the reverse sweep reads back, saves and tapes are reverse-only
//! facts: `reverse/saves.rs` computes them from this.

use crate::ir::{walk, Arg, Block, Body, Rhs, Stmt, Var};
use crate::rules::partials;

pub struct Activity {
    active: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, var: Var) -> bool {
        self.active.get(var.0).copied().unwrap_or(false)
    }

    /// For a body that only runs forward (a tangent body): nothing has an adjoint.
    pub fn forward_only() -> Activity {
        Activity { active: Vec::new() }
    }
}

/// The operand positions of `rhs` that a derivative flows through.
pub fn differentiable_operands(body: &Body, rhs: &Rhs) -> Vec<usize> {
    let operands = rhs.operands();
    match rhs {
        Rhs::Use(_) | Rhs::Repeat(..) => vec![0],
        Rhs::VecRepeat(..) => vec![0],
        Rhs::ArrayLit(items) => (0..items.len()).collect(),
        Rhs::Prim(op, _) => partials(*op).iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| i).collect(),
        Rhs::Call(..) => (0..operands.len()).filter(|&i| body.ty(operands[i]).is_differentiable()).collect(),
        Rhs::Deref(_) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => Vec::new(),
    }
}

/// The variables a derivative flows from into the result of `rhs`.
fn differentiable_sources(body: &Body, rhs: &Rhs) -> Vec<Var> {
    let operands = rhs.operands();
    let mut vars: Vec<Var> = differentiable_operands(body, rhs).into_iter().filter_map(|i| operands[i].var()).collect();
    match rhs {
        Rhs::Deref(var) => vars.push(*var),
        Rhs::Call(_, args) => vars.extend(args.iter().filter_map(|arg| match arg {
            Arg::Ref { place, .. } => Some(place.var),
            Arg::Value(_) => None,
        })),
        _ => {}
    }
    vars
}

/// `seeds`: the differentiated parameters; `outputs`: the `&mut` outputs,
/// which are both.
pub fn analyze(body: &Body, seeds: &[Var], outputs: &[Var]) -> Activity {
    Activity { active: active(body, seeds, outputs) }
}

/// Which variables are active: varied (they depend on a differentiated
/// input) and useful (they reach the result). Both modes differentiate
/// only these.
pub fn active(body: &Body, seeds: &[Var], outputs: &[Var]) -> Vec<bool> {
    let count = body.vars.len();
    let differentiable: Vec<bool> = body.vars.iter().map(|info| info.ty.is_differentiable()).collect();

    let mut varied = vec![false; count];
    for var in seeds.iter().chain(outputs) {
        varied[var.0] = true;
    }
    while propagate_varied(body, &body.block, &differentiable, &mut varied) {}

    let mut useful = vec![false; count];
    if let Some(ret) = body.ret {
        useful[ret.0] = true;
    }
    for var in outputs {
        useful[var.0] = true;
    }
    while propagate_useful(body, &body.block, &mut useful) {}

    (0..count).map(|i| varied[i] && useful[i] && differentiable[i]).collect()
}

fn propagate_varied(body: &Body, block: &Block, differentiable: &[bool], varied: &mut [bool]) -> bool {
    let mut changed = false;
    walk(block, 0, &mut |stmt, _| {
        let (dst, varies) = match stmt {
            Stmt::Assign { dst, rhs, .. } => (*dst, differentiable_sources(body, rhs).iter().any(|v| varied[v.0])),
            Stmt::Store { place, value, .. } => (place.var, value.var().is_some_and(|v| varied[v.0])),
            _ => return,
        };
        if varies && differentiable[dst.0] && !varied[dst.0] {
            varied[dst.0] = true;
            changed = true;
        }
    });
    changed
}

fn propagate_useful(body: &Body, block: &Block, useful: &mut [bool]) -> bool {
    let mut changed = false;
    walk(block, 0, &mut |stmt, _| {
        let sources = match stmt {
            Stmt::Assign { dst, rhs, .. } if useful[dst.0] => differentiable_sources(body, rhs),
            Stmt::Store { place, value, .. } if useful[place.var.0] => value.var().into_iter().collect(),
            _ => return,
        };
        for var in sources {
            changed |= !useful[var.0];
            useful[var.0] = true;
        }
    });
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::lowered;

    /// The names of the active variables of `item`, every float parameter
    /// differentiated.
    fn active_names(item: syn::ItemFn) -> String {
        let (body, _) = lowered(item).unwrap();
        let params: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_float()).collect();
        let activity = analyze(&body, &params, &[]);
        let names: Vec<String> = (0..body.vars.len())
            .filter(|&i| activity.is_active(Var(i)))
            .map(|i| body.vars[i].ident.to_string())
            .collect();
        names.join(" ")
    }

    #[test]
    fn integer_and_constant_work_is_inactive() {
        let active = active_names(syn::parse_quote! {
            fn f(x: f64, n: i32) -> f64 {
                let k = n * 2;
                let c = (k as f64) * 3.0;
                let unused = x.sin();
                x * c
            }
        });
        assert_eq!(active, "x __ret");
    }

    #[test]
    fn values_that_do_not_reach_the_result_are_inactive() {
        let active = active_names(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let flat = x.floor();
                let z = y * 2.0;
                let w = x.exp();
                flat + w
            }
        });
        assert_eq!(active, "x __ret w");
    }
}
