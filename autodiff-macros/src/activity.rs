//! Activity and to-be-recorded analysis.
//!
//! A variable is *active* when it is a float that depends on a
//! differentiated parameter (varied) and that the result depends on
//! (useful): only active variables get adjoints and derivative code.
//! A variable is *needed* when the reverse sweep reads its value: an operand
//! of a local partial derivative, an argument of a differentiated call, or a
//! branch condition around derivative code. An assignment that overwrites a
//! needed variable gets a save slot (`Stmt::Assign::save`), so the reverse
//! sweep can put the old value back; nothing else is saved.
//!
//! Variables are storage locations, so the analysis is flow-insensitive:
//! a location is active if any of its assignments is.

use crate::ir::{walk, AssignKind, Block, Body, Rhs, Stmt, Var, VarInfo, VarKind};
use crate::naming::Namer;
use crate::rules::partials;

pub struct Activity {
    active: Vec<bool>,
    needed: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, var: Var) -> bool {
        self.active[var.0]
    }

    /// Whether the reverse sweep reads this variable's value.
    #[cfg(test)]
    pub fn is_needed(&self, var: Var) -> bool {
        self.needed[var.0]
    }
}

/// The operand positions of `rhs` that a derivative flows through.
pub fn differentiable_operands(body: &Body, rhs: &Rhs) -> Vec<usize> {
    match rhs {
        Rhs::Use(_) => vec![0],
        Rhs::Prim(op, _) => partials(*op).iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| i).collect(),
        Rhs::Call(_, args) => (0..args.len()).filter(|&i| body.ty(&args[i]).is_float()).collect(),
        Rhs::Method(..) | Rhs::Cast(..) => Vec::new(),
    }
}

pub fn analyze(body: &mut Body, namer: &mut Namer, active_params: &[Var]) -> Activity {
    let count = body.vars.len();
    let is_float: Vec<bool> = body.vars.iter().map(|info| info.ty.is_float()).collect();

    // Varied: forward from the differentiated parameters.
    let mut varied = vec![false; count];
    for param in active_params {
        varied[param.0] = true;
    }
    fixpoint(|| {
        let mut changed = false;
        each_assign(&body.block, &mut |dst, rhs| {
            if varied[dst.0] || !is_float[dst.0] {
                return;
            }
            let operands = rhs.operands();
            let varies =
                differentiable_operands(body, rhs).into_iter().any(|i| operands[i].var().is_some_and(|v| varied[v.0]));
            if varies {
                varied[dst.0] = true;
                changed = true;
            }
        });
        changed
    });

    // Useful: backward from the result.
    let mut useful = vec![false; count];
    useful[body.ret.0] = true;
    fixpoint(|| {
        let mut changed = false;
        each_assign(&body.block, &mut |dst, rhs| {
            if !useful[dst.0] {
                return;
            }
            let operands = rhs.operands();
            for i in differentiable_operands(body, rhs) {
                if let Some(var) = operands[i].var() {
                    changed |= !useful[var.0];
                    useful[var.0] = true;
                }
            }
        });
        changed
    });

    let active: Vec<bool> = (0..count).map(|i| varied[i] && useful[i] && is_float[i]).collect();

    // Needed: what the reverse sweep reads. Saves make more branches carry
    // reverse work, whose conditions are then needed: iterate.
    let mut needed = vec![false; count];
    fixpoint(|| {
        let before = needed.clone();
        mark_needed(body, &body.block, &active, &mut needed);
        needed != before
    });

    let mut activity = Activity { active, needed };
    assign_saves(&mut body.block, &mut body.vars, namer, &activity.needed);
    activity.active.resize(body.vars.len(), false);
    activity.needed.resize(body.vars.len(), false);
    activity
}

fn fixpoint(mut step: impl FnMut() -> bool) {
    while step() {}
}

fn each_assign<'a>(block: &'a Block, visit: &mut dyn FnMut(Var, &'a Rhs)) {
    walk(block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs, .. } = stmt {
            visit(*dst, rhs);
        }
    });
}

/// Marks what the reverse sweep of `block` reads; returns whether the block
/// has any reverse work (derivative code or restores).
fn mark_needed(body: &Body, block: &Block, active: &[bool], needed: &mut [bool]) -> bool {
    let mut work = false;
    for stmt in &block.stmts {
        match stmt {
            Stmt::Assign { dst, rhs, kind, .. } => {
                if *kind == AssignKind::Overwrite && needed[dst.0] {
                    work = true;
                }
                if !active[dst.0] {
                    continue;
                }
                work = true;
                let operands = rhs.operands();
                match rhs {
                    Rhs::Prim(op, _) => {
                        for (i, partial) in partials(*op).into_iter().enumerate() {
                            let (Some(partial), Some(arg)) = (partial, operands[i].var()) else { continue };
                            if !active[arg.0] {
                                continue;
                            }
                            partial.reads(&mut |read| {
                                let var = match read {
                                    Some(j) => operands[j].var(),
                                    None => Some(*dst),
                                };
                                if let Some(var) = var {
                                    needed[var.0] = true;
                                }
                            });
                        }
                    }
                    // The callee's `_vjp` runs the callee again on the same arguments.
                    Rhs::Call(..) => operands.iter().filter_map(|o| o.var()).for_each(|v| needed[v.0] = true),
                    Rhs::Use(_) | Rhs::Method(..) | Rhs::Cast(..) => {}
                }
            }
            Stmt::If { cond, then, els, .. } => {
                let inner = mark_needed(body, then, active, needed) | mark_needed(body, els, active, needed);
                if inner {
                    work = true;
                    if let Some(var) = cond.var() {
                        needed[var.0] = true;
                    }
                }
            }
        }
    }
    work
}

fn assign_saves(block: &mut Block, vars: &mut Vec<VarInfo>, namer: &mut Namer, needed: &[bool]) {
    for stmt in &mut block.stmts {
        match stmt {
            Stmt::Assign { dst, kind: AssignKind::Overwrite, save, .. } if needed[dst.0] => {
                let base = format!("__saved_{}", vars[dst.0].ident.to_string().trim_start_matches('_'));
                let ident = namer.fresh(&base);
                let ty = vars[dst.0].ty;
                let declared = vars[dst.0].declared.clone();
                vars.push(VarInfo { ident, ty, declared, kind: VarKind::Saved, mutable: false });
                *save = Some(Var(vars.len() - 1));
            }
            Stmt::Assign { .. } => {}
            Stmt::If { then, els, .. } => {
                assign_saves(then, vars, namer, needed);
                assign_saves(els, vars, namer, needed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::lowered;

    /// Lowers and analyzes `item` with every float parameter active; returns
    /// the names of the active and of the needed variables, and the IR.
    fn analyzed(item: syn::ItemFn) -> (String, String, String) {
        let (mut body, mut namer) = lowered(item).unwrap();
        let params: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_float()).collect();
        let activity = analyze(&mut body, &mut namer, &params);
        let names = |pick: &dyn Fn(Var) -> bool| {
            let names: Vec<String> =
                (0..body.vars.len()).filter(|&i| pick(Var(i))).map(|i| body.vars[i].ident.to_string()).collect();
            names.join(" ")
        };
        (names(&|v| activity.is_active(v)), names(&|v| activity.is_needed(v)), body.to_string())
    }

    #[test]
    fn integer_and_constant_work_is_inactive() {
        let (active, _, _) = analyzed(syn::parse_quote! {
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
        let (active, _, _) = analyzed(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let flat = x.floor();
                let z = y * 2.0;
                let w = x.exp();
                flat + w
            }
        });
        assert_eq!(active, "x __ret w");
    }

    #[test]
    fn linear_updates_need_nothing_saved() {
        let (_, needed, ir) = analyzed(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let mut s = x;
                s += y;
                s *= 2.0;
                s
            }
        });
        assert_eq!(needed, "");
        assert!(!ir.contains("__saved"), "{ir}");
    }

    #[test]
    fn an_overwritten_operand_is_saved_once() {
        let (_, needed, ir) = analyzed(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                s = s * s;
                s.sin()
            }
        });
        assert_eq!(needed, "s");
        let want = "\
fn(x: f64) -> __ret: f64
    s: f64 = x
    __saved_s = s
    s: f64 := mul(s, s)
    __ret: f64 = sin(s)
";
        assert_eq!(ir, want);
    }

    #[test]
    fn conditions_around_derivative_code_are_needed() {
        let (_, needed, _) = analyzed(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                if x > 1.0 { x * 3.0 } else { x.exp() }
            }
        });
        assert_eq!(needed, "__ret __t1");
    }
}
