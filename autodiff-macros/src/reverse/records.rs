//! Stacks that share one vector: the floats (or flags, or the tapes of one
//! helper's calls) the forward sweep saves on every pass of one loop nest
//! are kept as one record per pass, the way a hand-written adjoint keeps a
//! `struct Saved` per step. The group counts its records (one per pass of
//! its innermost loop), and the `k`-th member's value of record `j` sits at
//! `j * width + k` in the group's vector: one allocation per call instead
//! of one per stack (a helper called once per step of a caller's loop
//! allocates per call), a pass's values side by side, and one count per
//! loop instead of one per stack (each a register, or a spill).
//!
//! Before:
//! ```text
//! __saved_a.push(a); .. __saved_b.push(b);               // forward
//! b = __saved_b.pop().expect(..); .. a = __saved_a.pop().expect(..);
//! ```
//! After:
//! ```text
//! for i in .. {                                          // forward
//!     ::autodiff::records::put(&mut __records_0, __recorded_0 * 2 + 0, a); ..
//!     ::autodiff::records::put(&mut __records_0, __recorded_0 * 2 + 1, b); ..
//!     __recorded_0 += 1;
//! }
//! for i in (..).rev() {                                  // reverse
//!     __recorded_0 -= 1;
//!     .. b = __records_0[__recorded_0 * 2 + 1]; .. a = __records_0[__recorded_0 * 2 + 0];
//! }
//! ```
//! Why one count serves every member: a member is saved exactly once on
//! every pass (a save in a branch, or after an early exit, which lowering
//! puts in a branch, is no member), so the count, moved on at the end of
//! each forward pass and back at the start of each reverse one, is the
//! pass's record for every save and restore in it, in whatever order the
//! sweeps make them. `put` grows the vector when a count goes past it (a
//! reservation is a hint, never a bound), so a wrong estimate costs time,
//! not a value.

use std::collections::BTreeMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

use super::saves::{SaveKey, Saves};
use crate::emit;
use crate::ir::{Arg, Body, FloatTy, LoopId, Rhs, Stmt, StmtId, Ty, Var};

/// The record groups of a sweep.
#[derive(Default)]
pub(super) struct Records {
    /// By variable: the group of a member stack and its place in a record.
    member: Vec<Option<(usize, usize)>>,
    groups: Vec<Group>,
}

struct Group {
    ident: Ident,
    /// The records put so far: the pass of `innermost` that is running.
    count: Ident,
    /// The loop whose passes the records are.
    innermost: LoopId,
    /// The element type, written for values (a tape's is inferred).
    ty: Option<Ident>,
    /// The values in one record.
    width: usize,
}

impl Records {
    /// Groups the stacks among `candidates` (by variable: a stack on the
    /// heap saved on every pass of its loops, outside any branch) that have
    /// the same loops around them and hold values of one type: floats of
    /// one width, flags, or the tapes of calls of one function with float
    /// arguments of the same widths (whose `fwd` then returns one tape
    /// type, `Copy`). A checkpointed loop's stacks are left out (its
    /// passes run again in the reverse sweep). A group needs two members;
    /// a lone stack stays a vector.
    pub(super) fn new(body: &Body, saves: &Saves, candidates: &[bool]) -> Self {
        let mut calls = BTreeMap::new();
        crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
            if let Stmt::Assign { rhs, dst, .. } = stmt {
                calls.insert(id, (rhs, *dst));
            }
        });
        let checkpointed = saves.checkpointed_loops();
        let mut by_nest: BTreeMap<(Vec<LoopId>, String), Vec<Var>> = BTreeMap::new();
        for (key, slot) in saves.slots() {
            let info = body.var(slot);
            let kind = match key {
                SaveKey::Value(id) => match (info.ty, calls.get(&id)) {
                    // (A call writing a buffer keeps the buffer's values.)
                    (_, Some((rhs, _))) if rhs.written_in_place().is_some() => continue,
                    (Ty::Float(FloatTy::F32), _) => "f32".to_owned(),
                    (Ty::Float(FloatTy::F64), _) => "f64".to_owned(),
                    (Ty::Bool, _) => "bool".to_owned(),
                    _ => continue,
                },
                SaveKey::Tape(id) => match calls.get(&id) {
                    Some((rhs, dst)) => match tape_kind(body, rhs, *dst) {
                        Some(kind) => kind,
                        None => continue,
                    },
                    None => continue,
                },
                SaveKey::Index(_) => continue,
            };
            let eligible = candidates.get(slot.0).copied().unwrap_or(false)
                && !info.scope.is_empty()
                && !info.scope.iter().any(|l| checkpointed.contains(l));
            if eligible {
                by_nest.entry((info.scope.clone(), kind)).or_default().push(slot);
            }
        }
        let mut records = Records { member: vec![None; body.vars.len()], groups: Vec::new() };
        for ((scope, kind), mut members) in by_nest {
            let Some(&innermost) = scope.last() else { continue };
            if members.len() < 2 {
                continue;
            }
            members.sort();
            let index = records.groups.len();
            for (k, member) in members.iter().enumerate() {
                records.member[member.0] = Some((index, k));
            }
            let ident = Ident::new(&format!("__records_{index}"), Span::mixed_site());
            let count = Ident::new(&format!("__recorded_{index}"), Span::mixed_site());
            let ty = match kind.as_str() {
                "f32" => Some(emit::float_type(FloatTy::F32)),
                "f64" => Some(emit::float_type(FloatTy::F64)),
                "bool" => Some(Ident::new("bool", Span::call_site())),
                _ => None, // a tape: what `put` stores says
            };
            records.groups.push(Group { ident, count, innermost, ty, width: members.len() });
        }
        records
    }

    /// Whether `slot` is a member of a group.
    pub(super) fn is_member(&self, slot: Var) -> bool {
        self.member.get(slot.0).is_some_and(Option::is_some)
    }

    /// The vectors of the groups and their counts, declared up front.
    pub(super) fn declarations(&self) -> TokenStream {
        self.groups
            .iter()
            .map(|group| {
                let (ident, count) = (&group.ident, &group.count);
                let ty = group.ty.as_ref().map(|ty| quote!(: ::std::vec::Vec<#ty>));
                quote!(let mut #ident #ty = ::std::vec::Vec::new(); let mut #count = 0usize;)
            })
            .collect()
    }

    /// The end of a forward pass of `lp`: the next pass's saves go into
    /// the next records.
    pub(super) fn pass_recorded(&self, lp: LoopId) -> TokenStream {
        let counts = self.groups.iter().filter(|group| group.innermost == lp).map(|group| &group.count);
        quote!(#(#counts += 1;)*)
    }

    /// The start of a reverse pass of `lp`: its restores read the last
    /// records.
    pub(super) fn pass_unrecorded(&self, lp: LoopId) -> TokenStream {
        let counts = self.groups.iter().filter(|group| group.innermost == lp).map(|group| &group.count);
        quote!(#(#counts -= 1;)*)
    }

    /// The group vector of `slot` and its room for `passes` passes of the
    /// loops around it: `None` when `slot` is no member; an empty stream
    /// for all but the group's first member, which reserves for all.
    pub(super) fn reservation(&self, slot: Var, passes: &TokenStream) -> Option<TokenStream> {
        let (index, k) = self.member.get(slot.0).copied().flatten()?;
        if k != 0 {
            return Some(TokenStream::new());
        }
        let group = &self.groups[index];
        let (ident, width) = (&group.ident, Literal::usize_unsuffixed(group.width));
        Some(quote!(#ident.reserve(#passes * #width);))
    }

    /// Keeps `value` as the member `slot`'s value of this pass.
    pub(super) fn put(&self, slot: Var, value: &TokenStream) -> Option<TokenStream> {
        let (at, ident) = self.place(slot)?;
        Some(quote!(::autodiff::records::put(&mut #ident, #at, #value);))
    }

    /// Puts the member `slot`'s value of this pass back into `target`.
    pub(super) fn take(&self, slot: Var, target: &TokenStream) -> Option<TokenStream> {
        let (at, ident) = self.place(slot)?;
        Some(quote!(#target = #ident[#at];))
    }

    /// `count * width + k` and the group's vector.
    fn place(&self, slot: Var) -> Option<(TokenStream, &Ident)> {
        let (index, k) = self.member.get(slot.0).copied().flatten()?;
        let group = &self.groups[index];
        let (count, width, k) = (&group.count, Literal::usize_unsuffixed(group.width), Literal::usize_unsuffixed(k));
        Some((quote!(#count * #width + #k), &group.ident))
    }
}

/// What the tape of the call `rhs` (into `dst`) is known by: the path and
/// the float widths of its arguments and value, when every argument is a
/// float passed by value and the value is a float. Two such calls of one
/// path then get one instance of the callee, so one tape type (references,
/// integers or arrays could pick different generic or const arguments).
fn tape_kind(body: &Body, rhs: &Rhs, dst: Var) -> Option<String> {
    let Rhs::Call(path, args) = rhs else { return None };
    if rhs.written_in_place().is_some() {
        return None;
    }
    let width = |ty: Ty| match ty {
        Ty::Float(FloatTy::F32) => Some("f32"),
        Ty::Float(FloatTy::F64) => Some("f64"),
        _ => None,
    };
    let mut kind = format!("tape {}(", path.to_token_stream());
    for arg in args {
        let Arg::Value(operand) = arg else { return None };
        kind.push_str(width(body.ty(operand))?);
        kind.push(',');
    }
    kind.push_str(") -> ");
    kind.push_str(width(body.var(dst).ty)?);
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::vjp_of;
    use quote::quote;

    fn compact(text: &str) -> String {
        text.split_whitespace().collect()
    }

    #[test]
    fn a_loop_s_saved_floats_and_tapes_share_one_record_per_pass() {
        let got = compact(&vjp_of(quote! {
            fn f(x: &[f64], y: &mut [f64]) {
                for i in 0..x.len() {
                    let a = g(x[i]);
                    let b = g(y[i]);
                    y[i] = a * b + y[i].tanh();
                }
            }
        }));
        // One vector for the floats, one for the tapes of `g`, each
        // reserved once for every pass and counted once per pass.
        assert!(got.contains("letmut__records_0:::std::vec::Vec<f64>=::std::vec::Vec::new();"), "{got}");
        assert!(got.contains("letmut__records_1=::std::vec::Vec::new();"), "{got}");
        assert!(got.contains("__records_0.reserve((0..__t1).size_hint().0*4);"), "{got}");
        assert!(got.contains("__records_1.reserve((0..__t1).size_hint().0*2);"), "{got}");
        assert!(!got.contains(".push("), "{got}");
        assert!(got.contains("::autodiff::records::put(&mut__records_0,__recorded_0*4+0,a);"), "{got}");
        assert!(got.contains("a=__records_0[__recorded_0*4+0];"), "{got}");
        assert!(got.contains("::autodiff::records::put(&mut__records_1,__recorded_1*2+1,__tape_b);"), "{got}");
        assert!(got.contains("__tape_b=__records_1[__recorded_1*2+1];"), "{got}");
        // Moved on after the forward pass's last statement, back before
        // the reverse pass's first.
        assert!(got.contains("__recorded_0+=1;__recorded_1+=1;}"), "{got}");
        assert!(got.contains("foriin(0..__t1).rev(){__recorded_0-=1;__recorded_1-=1;"), "{got}");
        assert!(!got.contains("__saved_a"), "{got}");
    }

    #[test]
    fn a_save_in_a_branch_and_a_lone_stack_keep_their_vectors() {
        let got = compact(&vjp_of(quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                let mut t = 1.0;
                for i in 0..x.len() {
                    s = (s * x[i]).sin();
                    if x[i] > 0.0 {
                        t = t * x[i].cos();
                    }
                }
                for k in 0..n {
                    t = (t + s).exp();
                }
                s * t
            }
        }));
        // `__t2` and `s` are saved on every pass of the first loop.
        assert!(got.contains("__records_0.reserve((0..__t1).size_hint().0*2);"), "{got}");
        assert!(!got.contains("__records_1"), "{got}");
        // A save in a branch skips passes; the second loop saves one value.
        assert!(got.contains("if__t3{__saved_t4.push(__t4);"), "{got}");
        assert!(got.contains("__saved_t.push(t);"), "{got}");
        assert!(got.contains("__saved_t_2.push(t);"), "{got}");
    }

    /// The inner range is set in the outer loop (`m` grows): nothing can
    /// be reserved before the nest, and `put` grows the records as it goes
    /// (the corpus row `growing_nest` checks the gradient).
    #[test]
    fn a_nest_whose_inner_range_grows_grows_its_records() {
        let got = compact(&vjp_of(quote! {
            fn f(w: &[f64]) -> f64 {
                let mut m = 1;
                let mut s = 0.5;
                let mut q = 0.2;
                for i in 0..3 {
                    for j in 0..m {
                        s = (s * w[i] + q).sin();
                        q = (q + s * w[j]).cos();
                    }
                    m += 1;
                }
                s + q
            }
        }));
        assert!(!got.contains(".reserve("), "{got}");
        assert!(got.contains("::autodiff::records::put(&mut__records_0,__recorded_0*3+1,s);"), "{got}");
        assert!(got.contains("s=__records_0[__recorded_0*3+1];"), "{got}");
        // Counted by the inner loop's passes.
        assert!(got.contains("q=f64::cos(__t4);__recorded_0+=1;}m=m+1;"), "{got}");
        assert!(got.contains("forjin(0..__t1).rev(){__recorded_0-=1;"), "{got}");
    }
}
