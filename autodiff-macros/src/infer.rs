//! Completes the types lowering could not see at once: which values are
//! floats, and of which width.
//!
//! Arithmetic ties its operands and result to one type, so evidence flows
//! both ways (`let mut s = 0.0; s += x;` makes `s` an `f64` when `x` is one)
//! until nothing changes. A call's result that nothing else tells about is
//! taken as a float when an argument is one (a `let n: usize = f(x)`
//! annotation says otherwise). Floats of unknown width then take the
//! function's float type; values with no evidence at all are not floats.

use quote::ToTokens;

use crate::ctxt::Ctxt;
use crate::ir::{walk, Arg, Block, Body, FloatTy, Op, Operand, Rhs, Stmt, Ty, Var, VarKind};
use crate::signature::is_opaque;

/// The more informative of two types of one value. Evidence of a float wins
/// over "not a float": in Rust both cannot hold, so the latter came from a
/// type the macro could not see (and taking a float for something else
/// fails to compile, where the reverse would drop a derivative silently).
pub fn join(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (Ty::Unknown, t) | (t, Ty::Unknown) => t,
        (Ty::AnyFloat, Ty::Float(w)) | (Ty::Float(w), Ty::AnyFloat) => Ty::Float(w),
        (Ty::Other, t) | (t, Ty::Other) if t.is_float() => t,
        (a, _) => a,
    }
}

/// The type of `op`'s result from its operands' types: the one rule that
/// lowering (as it goes) and inference (to a fixed point) both apply. A
/// float-library op returns a float whatever its non-float operands are
/// (the `i32` exponent of `powi` says nothing about the result).
pub fn prim_ty(op: Op, operands: &[Ty]) -> Ty {
    match op {
        _ if op.is_comparison() => Ty::Bool,
        Op::ToFloat(float) => Ty::Float(float),
        Op::Not | Op::Shl | Op::Shr => operands[0],
        Op::Powi => join(operands[0], Ty::AnyFloat),
        _ => {
            let ty = operands.iter().copied().fold(Ty::Unknown, join);
            if op.method_name().is_none() {
                ty
            } else {
                join(ty, Ty::AnyFloat)
            }
        }
    }
}

/// The type of `*v` from `v`'s: what a reference to floats (a slice, an
/// array, a model) refers to is an aggregate; what a reference to anything
/// else refers to (`*act` of an enum behind `&`) is what `v` is taken for.
pub fn deref_ty(source: Ty) -> Ty {
    match source {
        Ty::Other | Ty::Bool | Ty::Unknown => source,
        _ => Ty::Aggregate,
    }
}

pub fn infer(body: &mut Body, default: FloatTy) {
    let block = body.block.clone();
    while pass(body, &block) {}
    let mut guessed = false;
    walk(&block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs: Rhs::Call(_, args), .. } = stmt {
            // The result has the float type of the float arguments.
            // An array passed by value counts as floats (`deriv([x, 1.0])`),
            // as one passed by reference does.
            let float_args = args.iter().filter_map(|arg| match arg {
                Arg::Value(operand) if body.ty(operand) == Ty::Aggregate => {
                    let elem = operand.var().and_then(|var| body.var(var).elem);
                    Some(elem.map(Ty::Float).unwrap_or(Ty::AnyFloat))
                }
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

/// `let k1 = deriv(s, k);` then `k1[i]`: a local whose type is not written,
/// set only by calls (or copies of such locals) and taken for a float (a
/// call's result) may be the array `[F; N]` that a `#[grad]` function
/// returns. It is one when its use says so, or when another call says what
/// the callee gives or takes (see `ArrayEvidence`). Its adjoint and tangent
/// are arrays of zeros of its length (`Zero::OfCallResult`). A local indexed
/// twice (`h[i][j]`) is left to `refusals::call_results_indexed_without_type`,
/// which asks for its type.
pub fn arrays_by_their_use(body: &mut Body) {
    let candidates = untyped_call_results(body);
    let depth = index_depths(body);
    let mut arrays: Vec<bool> = (0..body.vars.len()).map(|i| candidates[i] && depth[i] == 1).collect();
    loop {
        let known = arrays.clone();
        let evidence = ArrayEvidence::gather(body, &known);
        let mut changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let Stmt::Assign { dst, rhs, .. } = stmt else { return };
            let mut learn = |var: Var| {
                if candidates[var.0] && !arrays[var.0] {
                    arrays[var.0] = true;
                    changed = true;
                }
            };
            match rhs {
                Rhs::Call(path, args) => {
                    if evidence.returns_array(path) {
                        learn(*dst);
                    }
                    for (position, arg) in args.iter().enumerate() {
                        if let (Arg::Value(Operand::Var(var)), true) = (arg, evidence.takes_array(path, position)) {
                            learn(*var);
                        }
                    }
                }
                // A copy has the type of what it copies, both ways.
                Rhs::Use(Operand::Var(src)) => {
                    if is_flat_array(body, &known, *src) {
                        learn(*dst);
                    }
                    if is_flat_array(body, &known, *dst) {
                        learn(*src);
                    }
                }
                _ => {}
            }
        });
        if !changed {
            break;
        }
    }
    for (info, is_array) in body.vars.iter_mut().zip(arrays) {
        let Ty::Float(float) = info.ty else { continue };
        if is_array {
            info.ty = Ty::Aggregate;
            (info.elem, info.dims, info.zero) = (Some(float), Some(1), Some(crate::ir::Zero::OfCallResult));
        }
    }
}

/// The locals that may be the array a call returns: type not written, taken
/// for a float, and set only by calls and by copies of other locals.
fn untyped_call_results(body: &Body) -> Vec<bool> {
    let mut candidates: Vec<bool> = body
        .vars
        .iter()
        .map(|info| {
            info.ty.is_float() && matches!(info.kind, VarKind::Local | VarKind::Temp) && info.declared.is_none()
        })
        .collect();
    let mut set_by_call = vec![false; body.vars.len()];
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { dst, rhs, .. } = stmt else { return };
        match rhs {
            Rhs::Call(..) => set_by_call[dst.0] = true,
            Rhs::Use(Operand::Var(_)) => {}
            _ => candidates[dst.0] = false,
        }
    });
    // A local set only by copies of others must trace back to a call; one
    // set by copies alone (`let y = x;` of a float parameter) is a float.
    let mut reaches_call = set_by_call;
    let mut changed = true;
    while changed {
        changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Assign { dst, rhs: Rhs::Use(Operand::Var(src)), .. } = stmt {
                if reaches_call[src.0] && candidates[src.0] && !reaches_call[dst.0] {
                    reaches_call[dst.0] = true;
                    changed = true;
                }
            }
        });
    }
    candidates.iter().zip(reaches_call).map(|(&candidate, reaches)| candidate && reaches).collect()
}

/// How many indices (at most 2) reach into each variable anywhere.
fn index_depths(body: &Body) -> Vec<usize> {
    let mut depth = vec![0usize; body.vars.len()];
    let mut record = |place: &crate::ir::Place| {
        let indices = place.proj.iter().filter(|proj| matches!(proj, crate::ir::Proj::Index(_))).count();
        depth[place.var.0] = depth[place.var.0].max(indices.min(2));
    };
    walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { rhs, .. } => rhs.operands().into_iter().filter_map(Operand::place).for_each(&mut record),
        Stmt::Store { place, value, .. } => {
            record(place);
            value.place().into_iter().for_each(&mut record);
        }
        Stmt::If { .. } | Stmt::Loop(_) => {}
    });
    depth
}

/// A one-dimensional float array: an aggregate of one index level, or a
/// local already found to be one.
fn is_flat_array(body: &Body, arrays: &[bool], var: Var) -> bool {
    let info = body.var(var);
    arrays[var.0] || (info.ty == Ty::Aggregate && info.dims == Some(1) && info.elem.is_some() && !info.by_ref)
}

/// What the calls of a body say about their callees: a function returns
/// one type and takes one type at each position, whatever the call (a
/// generic callee is generic over the float, not over array or float), so
/// one call whose result or argument is an array tells about every call of
/// the same path.
struct ArrayEvidence {
    returns: Vec<String>,
    takes: Vec<(String, usize)>,
}

impl ArrayEvidence {
    fn gather(body: &Body, arrays: &[bool]) -> Self {
        let mut evidence = ArrayEvidence { returns: Vec::new(), takes: Vec::new() };
        walk(&body.block, 0, &mut |stmt, _| {
            let Stmt::Assign { dst, rhs: Rhs::Call(path, args), .. } = stmt else { return };
            let key = callee_key(path);
            if is_flat_array(body, arrays, *dst) {
                evidence.returns.push(key.clone());
            }
            for (position, arg) in args.iter().enumerate() {
                if let Arg::Value(Operand::Var(var)) = arg {
                    if is_flat_array(body, arrays, *var) {
                        evidence.takes.push((key.clone(), position));
                    }
                }
            }
        });
        evidence
    }

    fn returns_array(&self, path: &syn::ExprPath) -> bool {
        self.returns.contains(&callee_key(path))
    }

    fn takes_array(&self, path: &syn::ExprPath, position: usize) -> bool {
        let key = callee_key(path);
        self.takes.iter().any(|(callee, at)| *callee == key && *at == position)
    }
}

/// The path of a callee as written, without generic arguments
/// (`deriv::<f32>` and `deriv` are one function); a method's keeps its type
/// (`<Model>::predict` is not `<Spring>::predict`).
fn callee_key(path: &syn::ExprPath) -> String {
    let owner = path.qself.as_ref().map(|qself| qself.ty.to_token_stream().to_string());
    let segments = path.path.segments.iter().map(|segment| segment.ident.to_string());
    owner.into_iter().chain(segments).collect::<Vec<_>>().join("::")
}

/// Refuses what an alias the macro cannot see through would make it guess
/// (see `signature::is_opaque`): a float cast to such a type (is the
/// derivative 1, or is it cut by an integer type?), and a by-value
/// parameter of such a type that holds a float (it would not be
/// differentiated).
pub fn check_opaque_types(body: &Body, cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { rhs: Rhs::Cast(operand, ty), .. } = stmt {
            if is_opaque(ty) && body.ty(operand).is_float() {
                let name = ty.to_token_stream().to_string().replace(' ', "");
                cx.error_spanned_by(
                    ty,
                    format!(
                        "#[grad] cannot tell whether `{name}` is a float type, so it cannot tell whether the \
                         derivative passes through this cast; write `as f64` or `as f32` (it passes), or the \
                         integer type by name (it is cut)"
                    ),
                );
            }
        }
    });
    for &param in &body.params {
        let info = body.var(param);
        let Some(ty) = &info.declared else { continue };
        if is_opaque(ty) && info.ty.is_float() {
            let name = ty.to_token_stream().to_string().replace(' ', "");
            cx.error_spanned_by(
                ty,
                format!(
                    "#[grad] cannot tell whether `{name}` is `f32` or `f64`, and differentiates only parameters \
                     declared as one; write `{}: f64` or `{}: f32` (with `#[grad(wrt(..))]` to leave it out)",
                    info.ident, info.ident
                ),
            );
        }
    }
}

/// One sweep over `block`; whether any type changed.
fn pass(body: &mut Body, block: &Block) -> bool {
    let mut changed = false;
    for stmt in &block.stmts {
        changed |= integers_by_their_use(body, stmt);
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

/// An index (`h[b]`) and a loop's bounds (`0..n`) are integers: no float,
/// whatever else is guessed (`let b = bucket(x[i], n);` with `bucket` a
/// plain function returning `usize`, round 20 C2, was taken for a float).
/// Evidence of a float still wins (`join`), and rustc checks both.
fn integers_by_their_use(body: &mut Body, stmt: &Stmt) -> bool {
    let mut indices: Vec<Operand> = Vec::new();
    let mut from_place = |place: &crate::ir::Place| {
        for proj in &place.proj {
            if let crate::ir::Proj::Index(index) = proj {
                indices.push(index.clone());
            }
        }
    };
    match stmt {
        Stmt::Assign { rhs, .. } => rhs.operands().into_iter().filter_map(Operand::place).for_each(&mut from_place),
        Stmt::Store { place, value, .. } => {
            from_place(place);
            value.place().into_iter().for_each(&mut from_place);
        }
        Stmt::If { .. } => {}
        Stmt::Loop(lp) => {
            if let crate::ir::Header::Range { lo, hi, adaptors, .. } = &lp.header {
                indices.extend([lo.clone(), hi.clone()]);
                for adaptor in adaptors {
                    if let crate::ir::Adaptor::StepBy(step) = adaptor {
                        indices.push(step.clone());
                    }
                }
            }
        }
    }
    let mut changed = false;
    for index in &indices {
        changed |= refine_operand(body, index, Ty::Other);
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
        Rhs::Prim(op, args) => {
            let tys: Vec<Ty> = args.iter().map(|arg| body.ty(arg)).collect();
            let tied = match op {
                Op::ToFloat(_) => Vec::new(),
                // The exponent of `powi` is an `i32`, the shift amount any integer.
                Op::Shl | Op::Shr | Op::Powi => vec![&args[0]],
                _ => args.iter().collect(),
            };
            (prim_ty(*op, &tys), tied)
        }
        Rhs::Call(..) => (Ty::Unknown, Vec::new()),
        Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) => (Ty::Aggregate, Vec::new()),
        Rhs::Deref(source) => (deref_ty(body.var(*source).ty), Vec::new()),
        Rhs::Method(receiver, method, _) => {
            let ty = if crate::symbol::is_float_predicate(method) || body.ty(receiver) == Ty::Bool {
                Ty::Bool
            } else {
                Ty::Other
            };
            (ty, Vec::new())
        }
        Rhs::Cast(_, ty) => (crate::lower::type_of(ty), Vec::new()),
        Rhs::Matches(_, _, None) => (Ty::Bool, Vec::new()),
        Rhs::Matches(_, _, Some(_)) => (Ty::Unknown, Vec::new()),
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

    /// The IR once the arrays that calls return are known too.
    fn types_with_arrays(item: syn::ItemFn) -> String {
        let (mut body, _) = lowered(item).unwrap();
        super::arrays_by_their_use(&mut body);
        body.to_string()
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
    fn float_evidence_wins_over_not_a_float() {
        use crate::ir::{FloatTy, Ty};
        let f64 = Ty::Float(FloatTy::F64);
        assert_eq!(super::join(Ty::Other, f64), f64);
        assert_eq!(super::join(Ty::AnyFloat, Ty::Other), Ty::AnyFloat);
        assert_eq!(super::join(Ty::Other, Ty::Bool), Ty::Other);
    }

    #[test]
    fn powi_of_a_call_is_a_float() {
        // The `i32` exponent says nothing about the result's type.
        let ir = types(syn::parse_quote! {
            fn f(p: f64, t: f64) -> f64 {
                0.5 * squared_error(p, t).powi(2)
            }
        });
        assert!(ir.contains("__t2: f64 = call squared_error(p, t)"), "{ir}");
        assert!(ir.contains("__t1: f64 = powi(__t2, 2)"), "{ir}");
    }

    #[test]
    fn aliases_take_the_type_of_their_value_and_paths_are_resolved() {
        let ir = types(syn::parse_quote! {
            fn f(x: f64, n: usize) -> f64 {
                let y: Real = x * x;
                let k = n as Real;
                let z: ::core::primitive::f64 = y * k;
                z + x as std::primitive::f64
            }
        });
        assert!(ir.contains("y: f64 = mul(x, x)"), "{ir}");
        assert!(ir.contains("k: f64 = n as Real"), "{ir}");
        assert!(ir.contains("z: f64 = mul(y, k)"), "{ir}");
        assert!(ir.contains("to_f64(x)"), "{ir}");
    }

    /// The errors `check_opaque_types` reports for `item`.
    fn opaque_errors(item: syn::ItemFn) -> String {
        let (body, _) = lowered(item).unwrap();
        let cx = crate::ctxt::Ctxt::new();
        super::check_opaque_types(&body, &cx);
        let errors = cx.check().err().into_iter().flatten();
        errors.map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_float_cast_to_an_alias_is_refused() {
        let errors = opaque_errors(syn::parse_quote! {
            fn f(x: f64, n: usize) -> f64 {
                let a = n as Real;
                let b = x as Real;
                a * b
            }
        });
        assert!(errors.contains("cannot tell whether `Real` is a float type"), "{errors}");
        assert!(errors.contains("write `as f64` or `as f32`"), "{errors}");
    }

    #[test]
    fn a_float_parameter_typed_by_an_alias_is_refused() {
        let errors = opaque_errors(syn::parse_quote! {
            fn f(x: f64, k: Real, n: Count) -> f64 {
                k * x
            }
        });
        assert!(errors.contains("write `k: f64` or `k: f32`"), "{errors}");
        assert!(!errors.contains("`n"), "{errors}");
    }

    #[test]
    fn a_call_result_is_an_array_when_another_call_of_its_callee_says_so() {
        let ir = types_with_arrays(syn::parse_quote! {
            fn f(x: f64, k: f64) -> f64 {
                let a = deriv([x, 1.0], k);
                let b = deriv(a, k);
                let c = step(x);
                let e = energy([x, k]) + energy(c);
                let y = helper(x);
                let z = y;
                b[0] + other(z) + e
            }
        });
        // `b` is indexed, so `deriv` returns an array, and takes one first.
        assert!(ir.contains("a: floats = call deriv("), "{ir}");
        assert!(ir.contains("c: floats = call step(x)"), "{ir}");
        // Nothing says `helper` returns an array, nor that a copy of it is one.
        assert!(ir.contains("y: f64 = call helper(x)"), "{ir}");
        assert!(ir.contains("z: f64 = y"), "{ir}");
    }

    #[test]
    fn a_copy_of_a_call_result_is_an_array_both_ways() {
        let ir = types_with_arrays(syn::parse_quote! {
            fn f(x: f64) -> [f64; 2] {
                let a = deriv([x, 1.0]);
                let k = a;
                let r = deriv([k[0], x]);
                r
            }
        });
        assert!(ir.contains("a: floats = call deriv("), "{ir}");
        assert!(ir.contains("k: floats = a"), "{ir}");
        assert!(ir.contains("r: floats = call deriv("), "{ir}");
    }

    #[test]
    fn a_callee_is_its_path_without_generics_and_a_method_keeps_its_type() {
        let key = |path: syn::ExprPath| super::callee_key(&path);
        assert_eq!(key(syn::parse_quote!(deriv::<f32>)), key(syn::parse_quote!(deriv)));
        assert_ne!(key(syn::parse_quote!(<Model>::predict)), key(syn::parse_quote!(<Spring>::predict)));
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
