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

use crate::ir::{walk, Arg, Body, Operand, Rhs, Stmt, Var};
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
    // (A model's field that holds no float, `m.n_in as f64`, carries none.)
    let carries = |operand: &Operand| !matches!(operand, Operand::Place(place) if body.is_constant_field(place));
    let mut vars: Vec<Var> = differentiable_operands(body, rhs)
        .into_iter()
        .filter(|&i| carries(operands[i]))
        .filter_map(|i| operands[i].var())
        .collect();
    match rhs {
        Rhs::Deref(var) => vars.push(*var),
        Rhs::Call(_, args) => vars.extend(args.iter().filter_map(|arg| match arg {
            Arg::Ref { place, .. } => Some(place.var),
            Arg::Value(_) => None,
        })),
        // A method kept as written differentiates nothing, but a float
        // argument of it must look active for `refusals` to refuse it (it
        // would lose its derivative).
        Rhs::Method(_, _, args) => vars.extend(args.iter().filter_map(|arg| arg.var())),
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
    let flows = flows(body);

    // Each search visits a variable once, so the analysis is linear in the
    // body's size (a fixed point over the statements would be quadratic on
    // a long chain).
    let mut dependents = vec![Vec::new(); count];
    let mut sources = vec![Vec::new(); count];
    for (dst, from) in &flows {
        for source in from {
            if differentiable[dst.0] {
                dependents[source.0].push(*dst);
            }
            sources[dst.0].push(*source);
        }
    }
    let varied = reachable(count, seeds.iter().chain(outputs), &dependents);
    let useful = reachable(count, body.ret.iter().chain(outputs), &sources);
    (0..count).map(|i| varied[i] && useful[i] && differentiable[i]).collect()
}

/// Which variables are varied (depend on a differentiated input), useful or
/// not: what a refusal of a value that would lose its derivative asks
/// (`refusals::drops_of_varied_values`), since a value kept out of the
/// derivative code is no longer useful to activity.
pub fn varied(body: &Body, seeds: &[Var], outputs: &[Var]) -> Vec<bool> {
    let count = body.vars.len();
    let mut dependents = vec![Vec::new(); count];
    for (dst, from) in &flows(body) {
        if body.vars[dst.0].ty.is_differentiable() {
            for source in from {
                dependents[source.0].push(*dst);
            }
        }
    }
    reachable(count, seeds.iter().chain(outputs), &dependents)
}

/// Every assignment of the body as (destination, the variables a derivative
/// flows from into it), wherever it stands: activity is flow-insensitive.
fn flows(body: &Body) -> Vec<(Var, Vec<Var>)> {
    let mut flows = Vec::new();
    walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, rhs, .. } => flows.push((*dst, differentiable_sources(body, rhs))),
        Stmt::Store { place, value, .. } => flows.push((place.var, value.var().into_iter().collect())),
        _ => {}
    });
    flows
}

/// The variables reachable from `roots` along `edges`, the roots included.
fn reachable<'a>(count: usize, roots: impl Iterator<Item = &'a Var>, edges: &[Vec<Var>]) -> Vec<bool> {
    let mut seen = vec![false; count];
    let mut stack: Vec<Var> = Vec::new();
    for root in roots {
        if !seen[root.0] {
            seen[root.0] = true;
            stack.push(*root);
        }
    }
    while let Some(var) = stack.pop() {
        for next in &edges[var.0] {
            if !seen[next.0] {
                seen[next.0] = true;
                stack.push(*next);
            }
        }
    }
    seen
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
