//! Completes the types lowering could not see at once: which values are
//! floats, and of which width.
//!
//! Arithmetic ties its operands and result to one type, so evidence flows
//! both ways (`let mut s = 0.0; s += x;` makes `s` an `f64` when `x` is one)
//! until nothing changes. A call's result that nothing else tells about is
//! taken as a float when an argument is one (a `let n: usize = f(x)`
//! annotation says otherwise). Floats of unknown width then take the
//! function's float type; values with no evidence at all are not floats.

use crate::ir::{walk, Arg, Block, Body, FloatTy, Op, Operand, Rhs, Stmt, Ty, Var};

/// The more informative of two types of one value.
pub fn join(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (Ty::Unknown, t) | (t, Ty::Unknown) => t,
        (Ty::AnyFloat, Ty::Float(w)) | (Ty::Float(w), Ty::AnyFloat) => Ty::Float(w),
        (a, _) => a,
    }
}

pub fn infer(body: &mut Body, default: FloatTy) {
    let block = body.block.clone();
    while pass(body, &block) {}
    let mut guessed = false;
    walk(&block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs: Rhs::Call(_, args), .. } = stmt {
            // The result has the float type of the float arguments.
            let float_args = args.iter().filter_map(|arg| match arg {
                Arg::Value(operand) => Some(body.ty(operand)).filter(|ty| ty.is_float()),
                Arg::Ref { place, .. } => Some(body.var(place.var).elem.map(Ty::Float).unwrap_or(Ty::AnyFloat)),
            });
            let guess = float_args.fold(Ty::Unknown, join);
            if body.var(*dst).ty == Ty::Unknown && guess != Ty::Unknown {
                body.vars[dst.0].ty = guess;
                guessed = true;
            }
        }
    });
    if guessed {
        while pass(body, &block) {}
    }
    for info in &mut body.vars {
        info.ty = match info.ty {
            Ty::AnyFloat => Ty::Float(default),
            Ty::Unknown => Ty::Other,
            ty => ty,
        };
        if info.ty == Ty::Aggregate && info.elem.is_none() && info.dims.is_some() {
            info.elem = Some(default);
        }
    }
}

/// One sweep over `block`; whether any type changed.
fn pass(body: &mut Body, block: &Block) -> bool {
    let mut changed = false;
    for stmt in &block.stmts {
        match stmt {
            Stmt::Assign { dst, rhs, .. } => {
                let (result, tied) = constraint(body, rhs);
                changed |= refine(body, *dst, result);
                let dst_ty = body.var(*dst).ty;
                if dst_ty != Ty::Aggregate {
                    for operand in tied {
                        changed |= refine_operand(body, operand, dst_ty);
                    }
                }
            }
            Stmt::Store { place, value, .. } => {
                let element = body.place_ty(place);
                changed |= refine_operand(body, value, element);
                // A float stored into an aggregate of unknown width fixes it.
                if let Ty::Float(float) = body.ty(value) {
                    let info = &mut body.vars[place.var.0];
                    if info.ty == Ty::Aggregate && info.elem.is_none() {
                        info.elem = Some(float);
                        changed = true;
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                changed |= pass(body, then);
                changed |= pass(body, els);
            }
            Stmt::Loop(lp) => changed |= pass(body, &lp.body),
        }
    }
    changed
}

/// The type an assignment gives its destination, and the operands that
/// must have the destination's type.
fn constraint<'r>(body: &mut Body, rhs: &'r Rhs) -> (Ty, Vec<&'r Operand>) {
    match rhs {
        Rhs::Use(operand) => (body.ty(operand), vec![operand]),
        Rhs::Prim(op, args) if op.is_comparison() => {
            // Compared operands share a type.
            let shared = args.iter().map(|arg| body.ty(arg)).fold(Ty::Unknown, join);
            for arg in args {
                refine_operand(body, arg, shared);
            }
            (Ty::Bool, Vec::new())
        }
        Rhs::Prim(Op::ToFloat(float), _) => (Ty::Float(*float), Vec::new()),
        Rhs::Prim(Op::Shl | Op::Shr, args) => (body.ty(&args[0]), vec![&args[0]]),
        // The exponent of `powi` is an `i32`.
        Rhs::Prim(Op::Powi, args) => (join(body.ty(&args[0]), Ty::AnyFloat), vec![&args[0]]),
        Rhs::Prim(op, args) => {
            let ty = args.iter().map(|arg| body.ty(arg)).fold(Ty::Unknown, join);
            let ty = if op.operator().is_some() { ty } else { join(ty, Ty::AnyFloat) };
            (ty, args.iter().collect())
        }
        Rhs::Call(..) => (Ty::Unknown, Vec::new()),
        Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) | Rhs::Deref(_) => (Ty::Aggregate, Vec::new()),
        Rhs::Method(receiver, method, _) => {
            let ty = if crate::symbol::is_float_predicate(method) || body.ty(receiver) == Ty::Bool {
                Ty::Bool
            } else {
                Ty::Other
            };
            (ty, Vec::new())
        }
        Rhs::Cast(..) => (Ty::Other, Vec::new()),
    }
}

fn refine_operand(body: &mut Body, operand: &Operand, evidence: Ty) -> bool {
    match operand {
        Operand::Var(var) => refine(body, *var, evidence),
        Operand::Const(_) => false,
        Operand::Place(place) => {
            let info = &mut body.vars[place.var.0];
            match evidence {
                Ty::Float(float) if info.ty == Ty::Aggregate && info.elem.is_none() => {
                    info.elem = Some(float);
                    true
                }
                _ => false,
            }
        }
    }
}

fn refine(body: &mut Body, var: Var, evidence: Ty) -> bool {
    let info = &mut body.vars[var.0];
    if info.ty == Ty::Aggregate {
        return false;
    }
    let joined = join(info.ty, evidence);
    let changed = joined != info.ty;
    info.ty = joined;
    changed
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::lowered;

    fn types(item: syn::ItemFn) -> String {
        lowered(item).map(|(body, _)| body.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn evidence_flows_from_uses_back_to_literals() {
        let ir = types(syn::parse_quote! {
            fn f(x: f32) -> f32 {
                let mut s = 0.0;
                s += x;
                s
            }
        });
        assert!(ir.contains("s: f32 = 0.0"), "{ir}");
    }

    #[test]
    fn integers_stay_integers_and_call_results_follow_their_arguments() {
        let ir = types(syn::parse_quote! {
            fn f(x: f64, n: usize) -> f64 {
                let k = n * 2;
                let y = helper(x);
                let m = count(n);
                y * (k as f64)
            }
        });
        assert!(ir.contains("k: other = mul(n, 2)"), "{ir}");
        assert!(ir.contains("y: f64 = call helper(x)"), "{ir}");
        assert!(ir.contains("m: other = call count(n)"), "{ir}");
    }

    #[test]
    fn elements_of_float_arrays_are_floats() {
        let ir = types(syn::parse_quote! {
            fn f(w: &[[f32; 2]; 3]) -> f32 {
                let mut h = [0.0; 2];
                h[0] = w[1][0];
                h[0]
            }
        });
        assert!(ir.contains("h: floats = [0.0; 2]"), "{ir}");
        assert!(ir.contains("__ret: f32 = h[0]"), "{ir}");
    }
}
