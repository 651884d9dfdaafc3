//! Checks of a lowered, analysed body that the sweeps rely on, made before
//! any sweep runs: what lowering accepted and this accepts, the sweeps
//! differentiate without failing.

use crate::activity::Activity;
use crate::ctxt::Ctxt;
use crate::ir::{walk, Arg, Body, Operand, Rhs, Stmt, Ty, Var, VarKind, Zero};

/// Every reverse-mode refusal that depends on which values are active.
pub fn check_reverse(body: &Body, activity: &Activity, cx: &Ctxt) {
    floats_stored_into_untyped_containers(body, cx);
    call_results_indexed_without_type(body, cx);
    shapes_of_adjoints(body, activity, cx);
    calls_lending_an_adjoint_twice(body, activity, cx);
}

/// An active local aggregate gets an adjoint of its shape: the shape must
/// be known.
fn shapes_of_adjoints(body: &Body, activity: &Activity, cx: &Ctxt) {
    // Where each variable is first set, and from what.
    let mut definitions: Vec<Option<(&Rhs, proc_macro2::Span)>> = vec![None; body.vars.len()];
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs, span, .. } = stmt {
            definitions[dst.0].get_or_insert((rhs, *span));
        }
    });
    let is_model = |var: Var| {
        let info = body.var(var);
        info.kind == VarKind::Param && info.ty == Ty::Aggregate && info.dims.is_none() && info.zero.is_none()
    };
    // (`NAME_hvp`: a tangent of unknown shape is its primal's, told once
    // by the primal's name, which the user wrote.)
    let mut told = std::collections::HashSet::new();
    for (i, info) in body.vars.iter().enumerate() {
        let local_aggregate = info.ty == Ty::Aggregate && info.kind != VarKind::Param;
        if !(local_aggregate && activity.is_active(Var(i)) && info.zero.is_none()) {
            continue;
        }
        let told_of = match info.kind {
            VarKind::Tangent(primal) => primal,
            _ => Var(i),
        };
        if !told.insert(told_of) {
            continue;
        }
        let info = body.var(told_of);
        let definition = definitions[told_of.0];
        let model = definition.and_then(|(rhs, _)| match rhs {
            Rhs::Deref(source) | Rhs::Use(Operand::Var(source)) => Some(*source).filter(|&source| is_model(source)),
            _ => None,
        });
        let span = match (info.kind, definition) {
            (VarKind::Temp, Some((_, span))) => span,
            _ => info.ident.span(),
        };
        if let Some(model) = model {
            // (A method's `self` is a parameter `__self` while it is lowered.)
            let model = body.var(model).ident.to_string().replace(crate::method::PLACEHOLDER, "self");
            cx.push(syn::Error::new(
                span,
                format!(
                    "#[grad] differentiates the model `{model}` through references, not a copy of it; pass `{model}` \
                     itself to a callee that takes it by reference (`&Model`)"
                ),
            ));
        } else if info.kind == VarKind::Temp {
            cx.push(syn::Error::new(
                span,
                "#[grad] cannot tell the shape of this value to build its derivative; bind it with its type (`let v: \
                 [f64; N] = ..`)",
            ));
        } else {
            let name = crate::naming::user_name(&info.ident);
            cx.error_spanned_by(
                &info.ident,
                format!(
                    "#[grad] cannot tell the shape of `{name}` to build its derivative; give it a type (`let {name}: \
                     [f64; N] = ..`) or build it with `[0.0; N]` / `vec![0.0; n]`"
                ),
            );
        }
    }
}

/// A float stored into an element of a local whose type lowering could not
/// tell (`let mut h = zeros(2);`, the result of a plain function) would
/// get no derivative: the local is not known to hold floats, so it has no
/// adjoint or tangent. Refused in both modes rather than dropped.
fn floats_stored_into_untyped_containers(body: &Body, cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Store { place, value, .. } = stmt else { return };
        let container = body.var(place.var);
        if body.ty(value).is_float() && !container.ty.is_differentiable() {
            cx.error_spanned_by(
                &container.ident,
                format!(
                    "#[grad] cannot tell that `{name}` holds floats, so a float written into it would lose its \
                     derivative; give it a type of its shape (`let mut {name}: [f64; N] = ..`, `[[f64; N]; M]`, \
                     `Vec<f64>`, `Vec<[f64; N]>`)",
                    name = container.ident
                ),
            );
        }
    });
}

/// The refusals of constructs that no derivative goes through although a
/// differentiated value reaches them (calls kept as written, names bound
/// in patterns), in every mode, on the primal body. `varied` is
/// `activity::varied` of the differentiated inputs: whether such a
/// construct's result is useful cannot be asked, since the derivative it
/// drops is what would make it so (`sigmoid(s.apply(y))`: `y` reaches the
/// output only through the call kept as written).
pub fn drops_of_varied_values(body: &Body, varied: &[bool], cx: &Ctxt) {
    patterns_on_varied_values(body, varied, cx);
    calls_making_structs_of_varied_values(body, varied, cx);
    floats_passed_to_methods_kept_as_written(body, &|var| varied[var.0], cx);
    methods_by_path_on_fields(body, varied, cx);
}

/// `match xs { [a, b, ..] => a * b }` of a differentiated `xs`: a name bound
/// inside a pattern is a constant (`Rhs::Matches`), right for what an enum
/// holds, a silent loss for the elements of floats. Told after inference,
/// which types a call's value (`let k = pair(x);`, then `match k`). A
/// model's field (or a copy of it) matched by an enum's variant
/// (`Act::Leaky(a)`, `Some(a)`: `ir::names_a_variant`) is an enum of the
/// model's settings, its payload a constant.
fn patterns_on_varied_values(body: &Body, varied: &[bool], cx: &Ctxt) {
    // (Each name of a pattern is bound on its own: one error per value.)
    let mut reported = std::collections::HashSet::new();
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { rhs: Rhs::Matches(value, pattern, Some(_)), span, .. } = stmt else { return };
        let Some(var) = value.var().filter(|var| varied[var.0]) else { return };
        if reported.contains(&var) {
            return;
        }
        let ty = body.ty(value);
        let info = body.var(var);
        let model = info.ty == Ty::Aggregate && info.dims.is_none() && !crate::ir::is_table(info);
        let whole_model = model && value.place().is_none_or(|place| place.proj.is_empty());
        let message = if whole_model && info.kind == VarKind::Param {
            let name = info.ident.to_string().replace(crate::method::PLACEHOLDER, "self");
            format!(
                "`{name}` is differentiated as a model (a `&T` parameter), so what a pattern binds inside it would \
                 carry no derivative; if it is an enum of settings, leave it out of `wrt(..)` (`#[grad(wrt(..))]` \
                 naming the others)"
            )
        } else if (ty.is_float() || (model && !whole_model)) && crate::ir::names_a_variant(pattern) {
            return;
        } else if ty.is_float() || ty == Ty::Aggregate {
            "names bound inside a pattern on floats (a slice, an array, a model: `[a, b] => ..`) would carry no \
             derivative in #[grad] functions; read the elements by their index (`let a = x[0];`), or take the \
             array apart with a `let` (`let [a, b] = p;`)"
                .to_owned()
        } else {
            return;
        };
        reported.insert(var);
        cx.push(syn::Error::new(*span, message));
    });
}

/// `Lin::predict(&p.lin, x)`, `x` differentiated: a method called by its
/// type's path on a field of a struct, which would be differentiated as a
/// function at that path (rustc: "ambiguous associated type"). Refused with
/// the way out; given constants only, it is a plain call, kept.
fn methods_by_path_on_fields(body: &Body, varied: &[bool], cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { rhs: Rhs::Call(path, args), .. } = stmt else { return };
        let segments: Vec<&syn::PathSegment> = path.path.segments.iter().collect();
        let Some((last, before)) = segments.split_last() else { return };
        let Some(owner) = before.last() else { return };
        let upper = |ident: &syn::Ident| crate::naming::name_of(ident).starts_with(|c: char| c.is_ascii_uppercase());
        let method_path = path.qself.is_none() && (upper(&owner.ident) || owner.ident == "Self") && !upper(&last.ident);
        let Some(Arg::Ref { place, .. }) = args.first() else { return };
        let on_a_field = matches!(place.proj.first(), Some(crate::ir::Proj::Field(_)));
        let varied_arg = args.iter().any(|arg| match arg {
            Arg::Value(operand) => operand.reads().iter().any(|var| varied[var.0]),
            Arg::Ref { place, .. } => varied[place.var.0],
        });
        if !method_path || !on_a_field || !varied_arg {
            return;
        }
        let (owner, method) = (&owner.ident, &last.ident);
        cx.error_spanned_by(
            path,
            format!(
                "`{owner}::{method}(..)` is called by its type's path on a field of a struct, which #[grad] does \
                 not differentiate through; make `{method}` a #[grad] free function taking `&{owner}` and pass it \
                 the field (`{method}(&s.field, ..)`)"
            ),
        );
    });
}

/// `let cfg: Config = make(x);` (or `Config::new(x)`, or untyped and read
/// by field, `cfg.scale`), `x` differentiated: the call returns no float,
/// so no derivative goes through it, and every use of `cfg` (a field, a
/// method, `&cfg` lent) would be a constant that is not one. Refused. A
/// result known to hold integers or `bool`s (`let i: usize = bucket(x);`)
/// is piecewise constant in `x`: its derivative is zero, and it is kept.
fn calls_making_structs_of_varied_values(body: &Body, varied: &[bool], cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { dst, rhs: Rhs::Call(path, args), .. } = stmt else { return };
        let info = body.var(*dst);
        if info.ty.is_differentiable() || info.ty == Ty::Bool {
            return;
        }
        let holds_a_struct = match &info.declared {
            Some(declared) => !holds_only_integers(declared),
            None => body.structs.contains(dst),
        };
        let varied_arg = args.iter().any(|arg| match arg {
            Arg::Value(operand) => operand.var().is_some_and(|var| varied[var.0]),
            Arg::Ref { place, .. } => varied[place.var.0],
        });
        if !holds_a_struct || !varied_arg {
            return;
        }
        let callee = quote::ToTokens::to_token_stream(&path.path).to_string().replace(' ', "");
        let name = &info.ident;
        let ty = info.declared.clone().or_else(|| crate::lower::constructor_owner(path));
        let ty = ty.map_or("Type".to_owned(), |ty| quote::ToTokens::to_token_stream(&ty).to_string().replace(' ', ""));
        // (A struct has the ways out of a struct; a tuple, an `Option` or a
        // `Box` of floats has those of a value #[grad] cannot see into.)
        let is_struct = info.declared.as_ref().is_none_or(|ty| {
            matches!(ty, syn::Type::Path(path) if path.qself.is_none()
                && path.path.segments.last().is_some_and(|last| last.arguments.is_none()))
        });
        let message = if is_struct {
            format!(
                "`{callee}(..)` is given a differentiated value but returns no float (`{name}`): #[grad] does not \
                 differentiate through a struct, so the derivative that `{name}` carries would be lost; build \
                 `{name}` in the caller and take it as a parameter left out of `wrt` (`{name}: &{ty}`), make `{ty}` \
                 a model (`#[derive(Params)]`, a differentiated parameter `&{ty}`), or compute from the \
                 differentiated values the floats you need here, without the struct"
            )
        } else if info.declared.as_ref().is_some_and(|ty| matches!(ty, syn::Type::Tuple(_))) {
            // (`let mv: (f64, f64) = mean_var(x);`: the tuple of a #[grad] function.)
            format!(
                "`{callee}(..)` is given a differentiated value and its tuple `{ty}` is bound whole to `{name}`, \
                 where #[grad] cannot follow the derivative; a tuple of floats is differentiated when a #[grad] \
                 function returns it and it is taken apart as it is bound (`let (a, b) = {callee}(..);`): put \
                 #[grad] on `{callee}` if it has none, and bind its floats each to a local"
            )
        } else {
            format!(
                "`{callee}(..)` is given a differentiated value and returns `{ty}`, which #[grad] does not \
                 differentiate through, so the derivative that `{name}` carries would be lost; return the floats \
                 from a #[grad] function (a float, an array of floats, or a tuple of floats taken apart: `let (a, \
                 b) = f(x);`), or compute them here"
            )
        };
        cx.error_spanned_by(path, message);
    });
}

/// Whether a value of type `ty` holds integers or `bool`s only (`usize`,
/// `Vec<usize>`, `Option<(usize, bool)>`, `[i32; 3]`): piecewise constant.
fn holds_only_integers(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            if crate::lower::is_integer_type(ty) || path.path.is_ident("bool") {
                return true;
            }
            let Some(last) = path.path.segments.last() else { return false };
            let syn::PathArguments::AngleBracketed(generic) = &last.arguments else { return false };
            let known = ["Vec", "Option", "VecDeque", "HashSet", "BTreeSet"].iter().any(|name| last.ident == name);
            known
                && generic
                    .args
                    .iter()
                    .all(|arg| matches!(arg, syn::GenericArgument::Type(ty) if holds_only_integers(ty)))
        }
        syn::Type::Array(array) => holds_only_integers(&array.elem),
        syn::Type::Slice(slice) => holds_only_integers(&slice.elem),
        syn::Type::Reference(reference) => holds_only_integers(&reference.elem),
        syn::Type::Paren(paren) => holds_only_integers(&paren.elem),
        syn::Type::Tuple(tuple) => tuple.elems.iter().all(holds_only_integers),
        _ => false,
    }
}

/// `s.energy(y)` on a constant struct, with `y` of a type lowering could
/// not tell (`let y = helper(x);`, typed only later by inference): the call
/// is kept as written, a plain method call, and would drop the derivative
/// in `y`. Refused in both modes, asking for the type, with which the call
/// goes through `energy`'s derivative (`lower/call.rs`).
fn floats_passed_to_methods_kept_as_written(body: &Body, varied: &dyn Fn(Var) -> bool, cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { rhs: Rhs::Method(receiver, method, args), .. } = stmt else { return };
        let varied = |arg: &&Operand| arg.var().is_some_and(|var| varied(var) && body.ty(arg).is_differentiable());
        let Some(arg) = args.iter().find(varied) else { return };
        // `let cfg = make(k); cfg.rate; cfg.apply(x)`: a struct whose type
        // is not written, so its methods are not known to be #[grad] ones.
        let untyped_struct = receiver
            .var()
            .map(|var| body.var(var))
            .filter(|info| info.kind == VarKind::Local && info.declared.is_none() && info.ty == Ty::Other);
        if let Some(info) = untyped_struct {
            let name = &info.ident;
            cx.error_spanned_by(
                method,
                format!(
                    "#[grad] cannot see the type of `{name}`, so `{method}` would be called as a plain method and \
                     lose the derivative of its argument; write the type (`let {name}: Config = ..`), so that the \
                     call goes through the derivative of `{method}` (a #[grad] method)"
                ),
            );
            return;
        }
        let info = body.var(arg.var().unwrap_or(Var(0)));
        // `self.inner.apply(x)` with `x: f64`: the argument's type is known;
        // what #[grad] cannot see is the receiver's (a field, a call's value).
        if info.kind == VarKind::Param || info.declared.is_some() {
            let name = &info.ident;
            cx.error_spanned_by(
                method,
                format!(
                    "`{method}` is called on a value whose type #[grad] cannot see (a field, or another call's \
                     value), so the call would be kept as written and lose the derivative of `{name}`; call it on \
                     a parameter (`inner: &Settings`, passed `&self.inner` by the caller) or on a local whose type \
                     is written (`let s: Settings = ..;`)"
                ),
            );
            return;
        }
        let (value, fix) = if info.kind == VarKind::Temp {
            ("this argument".to_owned(), "bind it with a typed `let` (`let y: f64 = ..;`) and pass that".to_owned())
        } else {
            let name = &info.ident;
            (format!("`{name}`"), format!("give it its type (`let {name}: f64 = ..`)"))
        };
        cx.error_spanned_by(
            method,
            format!(
                "#[grad] cannot tell that {value} is a float where it is passed to `{method}`, so the call would \
                 be kept as written and lose its derivative; {fix}, so that the call goes through the derivative \
                 of `{method}` (a #[grad] method)"
            ),
        );
    });
}

/// `let k1 = deriv(s, k);` then `k1[0]`: the macro takes a call's result
/// for a float unless told otherwise, and a float cannot be indexed. The
/// result of a function that returns an array needs its type written.
fn call_results_indexed_without_type(body: &Body, cx: &Ctxt) {
    let mut reported = Vec::new();
    let mut check = |operand: &Operand| {
        let Some(place) = operand.place() else { return };
        let info = body.var(place.var);
        let indices = place.proj.iter().filter(|proj| matches!(proj, crate::ir::Proj::Index(_))).count();
        if indices > 0 && info.ty.is_float() && !reported.contains(&place.var) {
            reported.push(place.var);
            let shape = if indices > 1 { "[[f64; N]; M]" } else { "[f64; N]" };
            cx.error_spanned_by(
                &info.ident,
                format!(
                    "`{name}` is indexed, but #[grad] takes it for a float, since it cannot see its type (the array \
                     a #[grad] function returns, a model's field): write its type where it is bound (`let {name}: \
                     {shape} = ..`)",
                    name = info.ident,
                ),
            );
        }
    };
    walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { rhs, .. } => rhs.operands().into_iter().for_each(&mut check),
        Stmt::Store { value, .. } => check(value),
        Stmt::If { .. } | Stmt::Loop(_) => {}
    });
}

/// A call takes one shadow per reference argument; a second part of the
/// same active aggregate goes through a flat buffer, which an array of
/// arrays cannot.
fn calls_lending_an_adjoint_twice(body: &Body, activity: &Activity, cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { dst, rhs: Rhs::Call(_, args), .. } = stmt else { return };
        if !activity.is_active(*dst) {
            return;
        }
        let mut lent = Vec::new();
        for arg in args {
            let Arg::Ref { place, .. } = arg else { continue };
            if !activity.is_active(place.var) {
                continue;
            }
            let indices = place.proj.iter().filter(|proj| matches!(proj, crate::ir::Proj::Index(_))).count();
            let dims = body.var(place.var).dims.unwrap_or(1).saturating_sub(indices);
            if lent.contains(&place.var) && dims > 1 {
                cx.error_spanned_by(
                    &body.var(place.var).ident,
                    "an array of arrays passed twice to one call is not supported; pass it once",
                );
            }
            lent.push(place.var);
        }
    });
}

/// The forward-mode refusals: values whose zero tangent forward mode
/// cannot build. `active` is `activity::active` of the differentiated
/// parameters; `given` says which parameters have a tangent parameter.
pub fn check_forward(body: &Body, active: &[bool], given: &dyn Fn(Var) -> bool, cx: &Ctxt) {
    floats_stored_into_untyped_containers(body, cx);
    call_results_indexed_without_type(body, cx);
    for &param in &body.params {
        let info = body.var(param);
        if active[param.0] && !given(param) && info.ty == Ty::Aggregate {
            cx.error_spanned_by(
                &info.ident,
                format!(
                    "`{}` is set from differentiated values but is not differentiated itself; add it to `wrt(..)`",
                    info.ident
                ),
            );
        }
    }
    let is_active = |operand: &Operand| operand.var().is_some_and(|var| active[var.0]);
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { dst, rhs, .. } = stmt else { return };
        if !active[dst.0] {
            return;
        }
        let operands: Vec<Operand> = match rhs {
            Rhs::Use(_) | Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) => {
                rhs.operands().into_iter().cloned().collect()
            }
            Rhs::Deref(var) => vec![Operand::Var(*var)],
            Rhs::Prim(..) | Rhs::Call(..) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => return,
        };
        let info = body.var(*dst);
        if !operands.iter().any(is_active) {
            // A reference's zero tangent would have to borrow a buffer that outlives it.
            let of_vectors =
                matches!(rhs, Rhs::ArrayLit(items) if items.iter().any(|item| body.ty(item) == Ty::Aggregate));
            if info.ty == Ty::Aggregate && info.zero.is_none() && of_vectors {
                // (Forward mode's tangent, which the companion has for callers.)
                cx.error_spanned_by(
                    &info.ident,
                    format!(
                        "#[grad] cannot build the zero derivative of `{}`, an array of vectors; build it with \
                         `vec![vec![0.0; n]; m]`, or `[[0.0; N]; M]` for fixed sizes",
                        info.ident
                    ),
                );
            } else if info.ty == Ty::Aggregate && (info.zero.is_none() || info.by_ref) {
                cx.error_spanned_by(
                    &info.ident,
                    format!(
                        "forward mode cannot build a zero tangent for `{}` here; differentiate the value it is set \
                         from too (add it to `wrt(..)`)",
                        info.ident
                    ),
                );
            }
            return;
        }
        if let Rhs::ArrayLit(items) = rhs {
            for item in items.iter().filter(|item| !is_active(item) && body.ty(item) == Ty::Aggregate) {
                let shaped = matches!(item, Operand::Var(var) if matches!(body.var(*var).zero, Some(Zero::Array(_))));
                if !shaped {
                    cx.error_spanned_by(
                        &info.ident,
                        "forward mode cannot build a zero tangent for an element of this array that is not \
                         differentiated; differentiate it too (add it to `wrt(..)`)",
                    );
                }
            }
        }
    });
}

/// Second order differentiates a call that writes in place through its
/// callee's `tangent` and `tangent_vjp_in_place`, one output at a time: a
/// call that writes two (`step(x, &mut h, &mut c)`) is refused.
pub fn calls_writing_two_outputs_in_second_order(body: &Body, cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Assign { rhs: rhs @ Rhs::Call(path, _), .. } = stmt else { return };
        if rhs.outputs().len() > 1 && !rhs.is_output_marker() {
            let name = quote::ToTokens::to_token_stream(path).to_string().replace(' ', "");
            cx.error_spanned_by(
                path,
                format!(
                    "second order (`hessian`) does not support a call that writes more than one `&mut` argument \
                     (`{name}(..)`); split `{name}` into one #[grad] function per output, or use `NAME_grad` / \
                     `NAME_jvp`, which support it"
                ),
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::expand::tests::expand_to_string;
    use quote::quote;

    #[test]
    fn a_matrix_lent_twice_to_one_call_is_refused_before_the_sweep() {
        let text = expand_to_string(
            quote!(),
            quote! {
                fn f(w: &[[f64; 2]; 2]) -> f64 {
                    g(w, w)
                }
            },
        );
        assert!(text.contains("an array of arrays passed twice to one call is not supported"), "{text}");
        // A call whose result does not reach the output lends no shadow: accepted.
        let text = expand_to_string(
            quote!(),
            quote! {
                fn f(x: f64, w: &[[f64; 2]; 2]) -> f64 {
                    let unused = g(w, w);
                    x * x
                }
            },
        );
        assert!(!text.contains("compile_error"), "{text}");
    }

    #[test]
    fn forward_mode_refuses_a_zero_tangent_of_unknown_shape_before_the_pass() {
        let text = expand_to_string(
            quote!(forward, wrt(x)),
            quote! {
                fn f(x: &[f64], y: &[f64], c: bool) -> f64 {
                    let z = if c { x } else { y };
                    z[0]
                }
            },
        );
        assert!(text.contains("forward mode cannot build a zero tangent for `z` here"), "{text}");
    }
}
