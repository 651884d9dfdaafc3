//! The reverse sweep of a call of another `#[grad]` function: through the
//! callee's companion (`rev` from the tape its `fwd` left, or `vjp`), a
//! shadow for each reference argument, the returned partials added in.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use super::saves::SaveKey;
use super::Sweep;
use crate::companion;
use crate::emit;
use crate::ir::{Arg, FloatTy, Operand, Rhs, StmtId, Var, VarInfo, VarKind, Zero};

impl Sweep<'_> {
    /// The forward sweep's `helper(x, &mut out);`: differentiated, through
    /// `helper::fwd_in_place`, whose closure (the reverse half) is the
    /// call's tape, an `Option` so that it can be declared before the call
    /// (`Default`) and moved out by the reverse sweep.
    pub(super) fn forward_in_place_call(&self, id: StmtId, rhs: &Rhs, span: Span) -> TokenStream {
        let (Some(tape), Rhs::Call(path, args)) = (self.saves.tape(id), rhs) else {
            let call = emit::rhs(self.body, rhs, FloatTy::F64, span);
            return quote_spanned!(span=> #call;);
        };
        let fwd = companion::method(path, companion::FWD_IN_PLACE, span);
        let fwd = emit::gated_callee(self.body, &fwd, args);
        let args = args.iter().enumerate().map(|(i, arg)| emit::call_argument(self.body, path, i, arg, span));
        let tape_ident = self.ident(tape);
        let save =
            self.saves.slot(SaveKey::Tape(id)).map(|slot| self.save(slot, &tape_ident.to_token_stream(), tape, span));
        let call = quote_spanned!(span=> ::core::option::Option::Some(#fwd(#(#args),*)));
        if self.layout.hoisted[tape.0] {
            quote_spanned!(span=> #save #tape_ident = #call;)
        } else {
            quote_spanned!(span=> #save let #tape_ident = #call;)
        }
    }

    /// What a call that writes in place overwrites: the range or element it
    /// is lent (`out[a..b]`), when the save slot can hold a vector of
    /// another length than the buffer's (a stack, or a slot made at the
    /// save); the whole buffer otherwise (through an output parameter, the
    /// values it points to). `None` for a whole local buffer, which is the
    /// variable itself.
    fn written_part(&self, slot: Var, rhs: &Rhs) -> Option<TokenStream> {
        let Rhs::Call(_, args) = rhs else { return None };
        let Some(Arg::Ref { place, range, .. }) = args.iter().find(|arg| matches!(arg, Arg::Ref { mutable: true, .. }))
        else {
            return None;
        };
        let primal = self.ident(place.var).to_token_stream();
        let part_fits = self.layout.stack[slot.0] || !self.layout.hoisted[slot.0];
        let whole = place.proj.is_empty() && range.is_none();
        if whole || !part_fits {
            return self.body.var(place.var).by_ref.then(|| quote!((*#primal)));
        }
        Some(emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref()))
    }

    /// Keeps what the call `rhs` (writing `dst` in place) is about to
    /// overwrite in `slot`: copied, not moved out (the callee writes into
    /// the buffer). On a stack, the values are appended to one flat vector
    /// (no allocation per pass) when the part has the same length when it
    /// is put back: a buffer that is never grown.
    pub(super) fn save_written_part(&self, slot: Var, dst: Var, rhs: &Rhs, span: Span) -> TokenStream {
        let part = self.written_part(slot, rhs).unwrap_or_else(|| self.ident(dst).to_token_stream());
        if self.flat_stack(slot, dst) {
            let stack = self.ident(slot);
            return quote_spanned!(span=> #stack.extend_from_slice(&#part););
        }
        self.save_value(slot, &quote!(::std::borrow::ToOwned::to_owned(&#part)), span)
    }

    /// Puts back what `save_written_part` kept in `slot`: a whole local
    /// buffer is moved back, a part or an output's values copied back.
    pub(super) fn restore_written_part(&self, slot: Var, dst: Var, rhs: &Rhs, span: Span) -> TokenStream {
        let part = self.written_part(slot, rhs);
        if self.flat_stack(slot, dst) {
            let part = part.unwrap_or_else(|| self.ident(dst).to_token_stream());
            let (stack, at) = (self.ident(slot), Ident::new("__at", Span::mixed_site()));
            return quote_spanned!(span=> {
                let #at = #stack.len() - #part.len();
                #part.copy_from_slice(&#stack[#at..]);
                #stack.truncate(#at);
            });
        }
        let Some(part) = part else {
            return self.restore(slot, &self.ident(dst).to_token_stream(), span);
        };
        let entry = Ident::new("__entry", Span::mixed_site());
        let take = self.restore(slot, &quote!(let #entry), span);
        quote_spanned!(span=> #take #part.clone_from_slice(&#entry);)
    }

    /// Whether the values a call overwrites in `dst` are kept in the flat
    /// vector `slot`: a stack, for floats of a buffer that keeps its length.
    fn flat_stack(&self, slot: Var, dst: Var) -> bool {
        let mut grown = false;
        crate::ir::walk(&self.body.block, 0, &mut |stmt, _| {
            if let crate::ir::Stmt::Assign { rhs: Rhs::Method(crate::ir::Operand::Var(vector), method, _), .. } = stmt {
                grown |= *vector == dst && crate::lower::is_growth(method);
            }
        });
        self.layout.stack[slot.0] && self.layout.fixed_capacity[slot.0].is_none() && !grown
    }

    /// `foo(a, &x, n)` → `{ let (_, __d0) = foo::vjp(a, &x, &mut x̄, n, ȳ); ā += __d0; }`:
    /// one partial per float argument, a shadow after each reference.
    /// Without `seed`, the call writes its `&mut` argument in place
    /// (`helper(x, &mut out)`): `foo::vjp_in_place` consumes that buffer's
    /// adjoint, lent as its shadow, and leaves the adjoint of its value
    /// before the call (CONTRACT.md's `&mut` outputs).
    ///
    /// Two ranges of one slice (`f(&w[a..b], &w[b..c])`) cannot both
    /// borrow its shadow: when they do not overlap (checked when the call
    /// runs), the shadow is split in two (`split_at_mut`); otherwise the
    /// second gets a buffer, added back after the call.
    pub(super) fn reverse_call(
        &self,
        path: &syn::ExprPath,
        args: &[Arg],
        tape: Option<Var>,
        seed: Option<&TokenStream>,
        span: Span,
    ) -> TokenStream {
        let pair = self.two_ranges_of_one_slice(args).and_then(|(first, second)| {
            let root = self.adjoint(args[first].var()?)?;
            Some((first, second, self.range_bounds(&args[first])?, self.range_bounds(&args[second])?, root))
        });
        let Some((first, second, first_bounds, second_bounds, root)) = pair else {
            return self.reverse_call_with(path, args, tape, seed, None, span);
        };
        let parts = [Ident::new("__first", Span::mixed_site()), Ident::new("__second", Span::mixed_site())];
        let [first_part, second_part] = &parts;
        let split = self.reverse_call_with(path, args, tape, seed, Some((first, second, &parts)), span);
        let aliased = self.reverse_call_with(path, args, tape, seed, None, span);
        let disjoint = Ident::new("__disjoint", Span::mixed_site());
        let bounds = Ident::new("__bounds", Span::mixed_site());
        quote_spanned!(span=> {
            /// The two ranges `a` and `b` of `s`, when they do not overlap.
            #[inline(always)]
            fn #disjoint<T>(s: &mut [T], a: (usize, usize), b: (usize, usize)) -> ::core::option::Option<(&mut [T], &mut [T])> {
                if a.1 <= b.0 {
                    let (head, tail) = s.split_at_mut(b.0);
                    ::core::option::Option::Some((&mut head[a.0..a.1], &mut tail[..b.1 - b.0]))
                } else if b.1 <= a.0 {
                    let (head, tail) = s.split_at_mut(a.0);
                    ::core::option::Option::Some((&mut tail[..a.1 - a.0], &mut head[b.0..b.1]))
                } else {
                    ::core::option::Option::None
                }
            }
            let #bounds = (#first_bounds, #second_bounds);
            match #disjoint(&mut #root[..], #bounds.0, #bounds.1) {
                ::core::option::Option::Some((#first_part, #second_part)) => #split,
                ::core::option::Option::None => #aliased,
            }
        })
    }

    /// `(lo, hi)` of a range argument `&x[lo..hi]` (`0` and `x.len()` when
    /// left out), as `usize`s.
    fn range_bounds(&self, arg: &Arg) -> Option<TokenStream> {
        let Arg::Ref { place, range: Some(range), .. } = arg else { return None };
        let lo =
            range.lo.as_ref().map_or_else(|| quote!(0usize), |lo| emit::operand(self.body, lo).into_token_stream());
        let primal = self.ident(place.var);
        let hi = match (&range.hi, range.inclusive) {
            (Some(hi), false) => emit::operand(self.body, hi).into_token_stream(),
            (Some(hi), true) => {
                let hi = emit::operand(self.body, hi);
                quote!(#hi + 1)
            }
            (None, _) => quote!(#primal.len()),
        };
        Some(quote!((#lo, #hi)))
    }

    /// The indices of the only two arguments that are ranges of the same
    /// differentiated slice or vector (`&w[a..b]`, `&w[c..d]`), read only.
    fn two_ranges_of_one_slice(&self, args: &[Arg]) -> Option<(usize, usize)> {
        let range_of = |arg: &Arg| match arg {
            Arg::Ref { place, range: Some(_), mutable: false, .. }
                if place.proj.is_empty() && self.body.var(place.var).dims == Some(1) =>
            {
                Some(place.var)
            }
            _ => None,
        };
        for (i, arg) in args.iter().enumerate() {
            let Some(var) = range_of(arg) else { continue };
            self.adjoint(var)?;
            let same: Vec<usize> = (0..args.len()).filter(|&j| args[j].var() == Some(var)).collect();
            let both_ranges = same.iter().all(|&j| range_of(&args[j]) == Some(var));
            if same.len() == 2 && both_ranges && same[0] == i {
                return Some((same[0], same[1]));
            }
        }
        None
    }

    /// `reverse_call`, with the shadows of the arguments `split` names (two
    /// ranges of one slice) given as the parts of a split shadow.
    fn reverse_call_with(
        &self,
        path: &syn::ExprPath,
        args: &[Arg],
        tape: Option<Var>,
        seed: Option<&TokenStream>,
        split: Option<(usize, usize, &[Ident; 2])>,
        span: Span,
    ) -> TokenStream {
        // With the tape of the forward call, `NAME::rev` runs only the
        // callee's reverse sweep; without one, `NAME::vjp` runs both.
        let in_place = seed.is_none();
        let (companion, tape) = match tape {
            // The closure `fwd_in_place` left runs the callee's reverse sweep.
            Some(tape) if in_place => {
                let reverse_half = Ident::new("__reverse_half", Span::mixed_site());
                (
                    syn::ExprPath { attrs: Vec::new(), qself: None, path: reverse_half.into() },
                    Some(self.ident(tape).to_token_stream()),
                )
            }
            Some(tape) => {
                let tape = self.ident(tape);
                (companion::method(path, companion::REV, span), Some(quote!(#tape,)))
            }
            None if in_place => (companion::method(path, companion::VJP_IN_PLACE, span), None),
            None => (companion::method(path, companion::VJP, span), None),
        };
        let mut call_args = Vec::new();
        // `vjp_in_place` returns the partials alone.
        let mut pattern = if in_place { Vec::new() } else { vec![quote!(_)] };
        let mut adds = TokenStream::new();
        let mut buffers = TokenStream::new();
        let mut borrowed: Vec<Var> = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            call_args.push(match arg {
                // The reverse half does not read the buffer (it kept what it
                // needs): it takes the buffer's adjoint alone.
                Arg::Ref { mutable: true, .. } if in_place && tape.is_some() => TokenStream::new(),
                // The callee's `vjp` writes the output again: it gets a copy
                // of the buffer's value before the call (restored by now),
                // so the caller's own copy keeps it for the statements before.
                Arg::Ref { place, range, mutable: true, .. } => {
                    let primal = self.ident(place.var).to_token_stream();
                    let whole_output = self.body.var(place.var).by_ref && range.is_none();
                    let entry = if whole_output {
                        quote!(*#primal)
                    } else {
                        emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref())
                    };
                    quote!(&mut ::std::borrow::ToOwned::to_owned(&#entry))
                }
                _ => emit::call_argument(self.body, path, i, arg, span),
            });
            match arg {
                Arg::Value(operand) => {
                    // A float, or a float array passed by value, whose
                    // partial (an array) is added element by element.
                    if !self.body.ty(operand).is_differentiable() {
                        continue;
                    }
                    match self.adjoint_of(operand) {
                        Some(target) => {
                            let partial = format_ident!("__d{}", i, span = Span::mixed_site());
                            let dims = self.aggregate_dims(operand);
                            let model_part = matches!(operand, Operand::Place(place) if self.is_model_place(place));
                            if model_part {
                                // (A float, or an array passed by value: its type decides.)
                                adds.extend(
                                    quote_spanned!(span=> ::autodiff::guards::add_part(&mut #target, &#partial);),
                                );
                            } else {
                                adds.extend(self.add_into(&target, &quote!(#partial), dims, span));
                            }
                            pattern.push(quote!(#partial));
                        }
                        None => pattern.push(quote!(_)),
                    }
                }
                Arg::Ref { place, range, .. } => {
                    let part = split.and_then(|(first, second, parts)| {
                        [first, second].iter().position(|&j| j == i).map(|k| &parts[k])
                    });
                    if let Some(part) = part {
                        call_args.push(quote!(&mut *#part));
                        continue;
                    }
                    let shadow = match self.adjoint(place.var) {
                        // The same adjoint cannot be lent twice to one call:
                        // a second part of it goes through a buffer, added
                        // back after the call.
                        Some(root) if borrowed.contains(&place.var) => {
                            let buffer = format_ident!("__alias{}", i, span = Span::mixed_site());
                            let primal = self.ident(place.var).to_token_stream();
                            let part =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref());
                            let target = emit::sliced(
                                self.body,
                                &emit::place_at(self.body, place, &root.to_token_stream()),
                                range.as_ref(),
                            );
                            let info = self.body.var(place.var);
                            let whole_reference = info.by_ref && place.proj.is_empty();
                            if info.dims.is_none() && range.is_none() {
                                // A model: a zero model, added back field by field.
                                let part = if whole_reference { part } else { quote!(&#part) };
                                let target = if whole_reference { quote!(&mut *#target) } else { quote!(&mut #target) };
                                buffers.extend(quote_spanned!(span=>
                                    let mut #buffer = ::autodiff::Params::zeros_like(#part);
                                ));
                                adds.extend(quote_spanned!(span=> ::autodiff::Params::accumulate(#target, &#buffer);));
                                call_args.push(quote!(&mut #buffer));
                                continue;
                            }
                            // `refusals::check_reverse` refused an array of arrays here.
                            // A sub-slice gets a vector; an array or a vector a
                            // zeroed copy of its own type.
                            buffers.extend(if range.is_some() {
                                quote_spanned!(span=> let mut #buffer = ::std::vec![0.0; (#part).len()];)
                            } else {
                                let part = if whole_reference { part } else { quote!(&#part) };
                                quote_spanned!(span=>
                                    let mut #buffer = ::std::borrow::ToOwned::to_owned(#part);
                                    #buffer.fill(0.0);
                                )
                            });
                            adds.extend(self.add_into(&target, &quote!(#buffer), Some(1), span));
                            quote!(&mut #buffer)
                        }
                        Some(root) => {
                            borrowed.push(place.var);
                            // A shadow parameter is a `&mut` already: reborrow it.
                            let shadow_param = self.body.var(place.var).kind == VarKind::Param;
                            let root = if shadow_param && place.proj.is_empty() && range.is_none() {
                                quote!(*#root)
                            } else {
                                root.to_token_stream()
                            };
                            let target =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &root), range.as_ref());
                            quote!(&mut #target)
                        }
                        // A field of a constant struct, of a type the macro
                        // cannot see: a zero of its shape, made by rustc.
                        None if self.body.is_unseen_field(place) => {
                            let zero = emit::lent_zero(self.body, place);
                            let target = emit::sliced(self.body, &quote!((#zero)), range.as_ref());
                            quote!(&mut #target)
                        }
                        // A table has the slots of a struct the callee leaves
                        // out; a part of a table parameter too. (A part of a
                        // `const` one is a copy, as for any array below.)
                        None if crate::ir::is_table_slot(self.body.var(place.var), place, range.is_some()) => {
                            let slot = emit::table_slot(self.body.var(place.var));
                            quote!(&mut #slot)
                        }
                        // An inactive aggregate still needs a buffer for the
                        // callee to add into; it is thrown away.
                        None => {
                            let primal = self.ident(place.var).to_token_stream();
                            let target =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref());
                            let info = self.body.var(place.var);
                            let whole = place.proj.is_empty() && range.is_none();
                            if info.ty != crate::ir::Ty::Aggregate && whole {
                                // A struct the caller does not differentiate.
                                call_args.push(emit::struct_slot(self.body, place.var, true));
                                continue;
                            }
                            match (&info.zero, whole) {
                                (Some(Zero::Array(zero)), true) => quote!(&mut #zero),
                                (Some(_), true) => quote!(&mut (#target).to_vec()),
                                (None, true) if info.by_ref => scratch_of_reference(info, &target),
                                _ if range.is_some() => quote!(&mut (#target).to_vec()),
                                // A row (`&xs[i]`): a copy of its own type, an
                                // array where the callee takes `&[f64; N]`.
                                _ => quote!(&mut ::core::clone::Clone::clone(&#target)),
                            }
                        }
                    };
                    call_args.push(shadow);
                }
            }
        }
        // (An argument the reverse half does not take is left empty.)
        call_args.retain(|arg| !arg.is_empty());
        let callee = emit::gated_callee(self.body, &companion, args);
        buffers.extend(self.varied_arguments_checked(path, args, span));
        buffers.extend(self.structs_passed_again(args, syn::spanned::Spanned::span(&path.path)));
        if let (true, Some(tape)) = (in_place, &tape) {
            let reverse_half = &companion;
            return quote_spanned!(span=> {
                #buffers
                if let ::core::option::Option::Some(#reverse_half) = #tape {
                    let (#(#pattern,)*) = #callee(#(#call_args,)*);
                    #adds
                }
            });
        }
        if in_place {
            return quote_spanned!(span=> { #buffers let (#(#pattern,)*) = #callee(#(#call_args,)*); #adds });
        }
        quote_spanned!(span=> { #buffers let (#(#pattern),*) = #callee(#(#call_args,)* #tape #seed); #adds })
    }
}

impl Sweep<'_> {
    /// For each argument with an adjoint (a value that varies with what is
    /// differentiated and reaches the result), a check at compile time that
    /// the callee does not leave its parameter out of `wrt(..)`, where it is
    /// a constant whose partial its companion does not compute
    /// (`guards::Probe`). A method's companion is no type: the method states
    /// each parameter it leaves out as an associated constant, which the
    /// call names (`method::left_out_name`).
    fn varied_arguments_checked(&self, path: &syn::ExprPath, args: &[Arg], span: Span) -> TokenStream {
        if companion::is_tangent(path) {
            // (`f::tangent`: the companion `f` must have the derivatives of it.)
            let mut callee = path.path.clone();
            callee.segments.pop();
            callee.segments.pop_punct();
            if let Some(last) = callee.segments.last_mut() {
                last.arguments = syn::PathArguments::None;
            }
            return quote_spanned!(span=> ::autodiff::guards::second_order(#callee::COMPANION););
        }
        if companion::is_method_tangent(path) {
            return TokenStream::new();
        }
        let varied = args.iter().enumerate().filter(|(_, arg)| match arg {
            Arg::Value(operand) => self.body.ty(operand).is_differentiable() && self.adjoint_of(operand).is_some(),
            Arg::Ref { place, mutable: false, .. } => self.adjoint(place.var).is_some(),
            Arg::Ref { mutable: true, .. } => false,
        });
        if path.qself.is_some() {
            return varied
                .map(|(i, _)| {
                    let verdict = companion::method(path, &companion::left_out(i), span);
                    quote_spanned!(span=> ::autodiff::guards::varied_argument(#verdict);)
                })
                .collect();
        }
        let mut callee = path.path.clone();
        if let Some(last) = callee.segments.last_mut() {
            last.arguments = syn::PathArguments::None;
        }
        varied
            .map(|(i, _)| {
                // One of the two probes answers; the other is not used.
                quote_spanned!(span=> {
                    #[allow(unused_imports)]
                    use ::autodiff::guards::{DifferentiatedProbe as _, LeftOutProbe as _};
                    ::autodiff::guards::varied_argument(
                        (&#callee::COMPANION.probe::<#i>()).verdict()
                    );
                })
            })
            .collect()
    }
}

impl Sweep<'_> {
    /// A struct passed by value to the call (`by_val(cfg, y)`) is passed
    /// again to its derivative: a check at compile time that it is `Copy`
    /// (`guards::PassedAgain`), so that a struct that is not is refused with
    /// the fix rather than moved twice.
    fn structs_passed_again(&self, args: &[Arg], span: Span) -> TokenStream {
        args.iter()
            .filter_map(|arg| match arg {
                Arg::Value(crate::ir::Operand::Var(var))
                    if self.body.structs.contains(var) || self.is_declared_struct(*var) =>
                {
                    let ident = self.ident(*var);
                    Some(quote_spanned!(span=> ::autodiff::guards::passed_again(&#ident);))
                }
                _ => None,
            })
            .collect()
    }

    /// Whether `var` is a local or parameter of a struct type written out.
    fn is_declared_struct(&self, var: Var) -> bool {
        let info = self.body.var(var);
        info.ty == crate::ir::Ty::Other
            && matches!(&info.declared, Some(syn::Type::Path(path))
                if path.qself.is_none() && !crate::lower::is_integer_type(&syn::Type::Path(path.clone()))
                    && !path.path.is_ident("bool"))
    }
}

/// A throwaway shadow for `reference`, a parameter the caller does not
/// differentiate (`&[f64]`, `&[f64; N]`, `&Vec<f64>`, `&Model`), of the
/// shape of what it points to.
fn scratch_of_reference(info: &VarInfo, reference: &TokenStream) -> TokenStream {
    let slice = matches!(&info.declared, Some(syn::Type::Reference(r)) if matches!(*r.elem, syn::Type::Slice(_)));
    if slice {
        quote!(&mut (#reference).to_vec())
    } else if info.dims.is_none() {
        quote!(&mut ::autodiff::guards::slot(#reference))
    } else {
        quote!(&mut ::core::clone::Clone::clone(#reference))
    }
}

#[cfg(test)]
mod tests {
    use crate::expand::tests::expand_to_string;
    use quote::quote;

    fn compact(text: &str) -> String {
        text.split_whitespace().collect()
    }

    /// The companion's `fwd_in_place` of `scale_shift`, which reads the
    /// values it overwrites.
    fn scale_shift() -> String {
        expand_to_string(
            quote!(),
            quote! {
                fn scale_shift(a: f64, y: &mut [f64]) {
                    for i in 0..y.len() {
                        y[i] = y[i] * a + (i as f64) * 0.5;
                    }
                }
            },
        )
    }

    #[test]
    fn fwd_in_place_runs_the_forward_sweep_and_returns_the_reverse_one() {
        let text = compact(&scale_shift());
        let start = text.find("fnfwd_in_place(").expect("a fwd_in_place");
        let fwd = &text[start..];
        // The forward sweep, with its stack, then the closure over it.
        assert!(fwd.contains("__saved_y.push(y[i]);y[i]=__t2;"), "{fwd}");
        assert!(fwd.contains("+use<>"), "{fwd}");
        assert!(fwd.contains("move|a:f64,d_y:&mut[f64]|"), "{fwd}");
        // The reverse sweep reads the final values: it has its own copy.
        assert!(fwd.contains("lety:&mut[f64]=&mut__kept_y;"), "{fwd}");
        let end = fwd.find("fnjvp(").unwrap_or(fwd.len());
        assert!(!fwd[..end].contains("vjp_in_place"), "{fwd}");
    }

    #[test]
    fn a_call_in_place_keeps_the_closure_and_calls_it_on_the_way_back() {
        let text = compact(&expand_to_string(
            quote!(),
            quote! {
                fn caller(x: &[f64]) -> f64 {
                    let mut buf = vec![0.0; 2];
                    buf[0] = x[2];
                    for k in 0..2 {
                        scale_shift(x[k], &mut buf[0..2]);
                    }
                    buf[0] * buf[1]
                }
            },
        ));
        let start = text.find("fncaller_vjp(").expect("caller_vjp");
        let vjp = &text[start..];
        let vjp = &vjp[..vjp.find("structcaller").unwrap_or(vjp.len())];
        assert!(
            vjp.contains(
                "=::core::option::Option::Some(scale_shift::fwd_in_place(x[k],\
                 ::autodiff::guards::written(&mutbuf[0..2])),);"
            ),
            "{vjp}"
        );
        assert!(vjp.contains("__reverse_half(x[k],&mut__bar_buf[0..2])"), "{vjp}");
        // No copy of the buffer: neither a save (the closure does not read
        // it) nor a scratch copy for the callee.
        assert!(!vjp.contains("to_owned"), "{vjp}");
        assert!(!vjp.contains("__saved_buf"), "{vjp}");
        assert!(!vjp.contains("vjp_in_place"), "{vjp}");
    }

    #[test]
    fn two_ranges_of_one_slice_split_its_shadow_when_apart() {
        let text = compact(&expand_to_string(
            quote!(),
            quote! {
                fn caller(p: &[f64], n: usize) -> f64 {
                    dot(&p[..n], &p[n..])
                }
            },
        ));
        let start = text.find("fncaller_vjp(").expect("caller_vjp");
        let vjp = &text[start..];
        let vjp = &vjp[..vjp.find("structcaller").unwrap_or(vjp.len())];
        assert!(vjp.contains("=((0usize,n),(n,p.len()));match__disjoint(&mutd_p[..],"), "{vjp}");
        assert!(vjp.contains("dot::rev(&p[..n],&mut*__first,&p[n..],&mut*__second,__tape_ret,__bar_ret,)"), "{vjp}");
        // Overlapping ranges still get a buffer for the second one.
        assert!(
            vjp.contains("::core::option::Option::None=>{letmut__alias1=::std::vec![0.0;(p[n..]).len()];"),
            "{vjp}"
        );
    }

    /// A field of a constant struct: by value, the derivatives' callee is
    /// gated by rustc's probe of its type (no float); lent, it gets a zero
    /// of its shape (`guards::lent_zero`) and the callee is gated too (it
    /// holds floats). Known types are not probed.
    #[test]
    fn fields_of_constant_structs_are_probed_and_nothing_else() {
        let text = compact(&expand_to_string(
            quote!(forward, reverse, hessian, wrt(x)),
            quote! {
                fn caller(x: f64, b: f64, w: &[f64], s: &Cfg) -> f64 {
                    take_n(x, s.n) * dot(x, &s.v[1..]) + free2(x, b) * dot(b, w)
                }
            },
        ));
        for derivative in ["take_n::rev", "take_n::jvp", "take_n::tangent_rev", "take_n::tangent_fwd"] {
            let gated = format!("(&&&::autodiff::guards::Unseen::of(&s.n)).passed()}},{derivative},)(");
            assert!(text.contains(&gated), "{derivative}: {text}");
        }
        for derivative in ["dot::rev", "dot::jvp", "dot::tangent_rev", "dot::tangent_fwd"] {
            let gated = format!("(&&&::autodiff::guards::Unseen::of(&s.v)).lent()}},{derivative},)(");
            assert!(text.contains(&gated), "{derivative}: {text}");
        }
        assert!(text.contains("&mut(::autodiff::guards::lent_zero("), "{text}");
        // `b`, `w` and the plain call are as they were.
        assert!(!text.contains(",free2::"), "{text}");
        assert!(!text.contains("Unseen::of(&b)") && !text.contains("Unseen::of(&w)"), "{text}");
    }

    #[test]
    fn only_the_range_a_call_overwrites_is_kept() {
        // The product before each call reads the range's values before it.
        let text = compact(&expand_to_string(
            quote!(),
            quote! {
                fn caller(x: &[f64; 3]) -> f64 {
                    let mut buf = vec![0.0; 4];
                    for i in 0..4 {
                        buf[i] = x[i % 3] + 0.5;
                    }
                    let mut s = 0.0;
                    for k in 0..3 {
                        s += buf[1] * buf[2] * buf[0];
                        scale_shift(x[k], &mut buf[1..3]);
                    }
                    s + buf[1] * buf[3]
                }
            },
        ));
        // On one flat stack, no allocation per pass.
        assert!(text.contains("__saved_buf.extend_from_slice(&buf[1..3]);"), "{text}");
        assert!(text.contains("buf[1..3].copy_from_slice(&__saved_buf[__at..]);__saved_buf.truncate(__at);"), "{text}");
    }
}
