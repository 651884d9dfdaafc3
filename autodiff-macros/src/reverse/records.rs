//! Stacks that share one vector: the floats (or flags, or the tapes of one
//! helper's calls) the forward sweep saves on every pass of one loop nest
//! are kept as one record per pass, the way a hand-written adjoint keeps a
//! `struct Saved` per step. A member stack is then a count (its slot's
//! variable, a `usize`), and its `j`-th value sits at `j * width + k` in
//! the group's vector: one allocation per call instead of one per stack (a
//! helper called once per step of a caller's loop allocates per call), and
//! a pass's values side by side.
//!
//! Before:
//! ```text
//! __saved_a.push(a); .. __saved_b.push(b);               // forward
//! b = __saved_b.pop().expect(..); .. a = __saved_a.pop().expect(..);
//! ```
//! After:
//! ```text
//! ::autodiff::records::put(&mut __records_0, __saved_a * 2 + 0, a); __saved_a += 1; ..
//! __saved_b -= 1; b = __records_0[__saved_b * 2 + 1]; ..
//! ```
//! Each member keeps its own count, so it pops exactly what it pushed
//! whatever the order of the other members' pushes and pops; `put` grows
//! the vector when a count goes past it (a reservation is a hint, never a
//! bound), so a wrong estimate costs time, not a value.

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
        for ((_, kind), mut members) in by_nest {
            if members.len() < 2 {
                continue;
            }
            members.sort();
            let index = records.groups.len();
            for (k, member) in members.iter().enumerate() {
                records.member[member.0] = Some((index, k));
            }
            let ident = Ident::new(&format!("__records_{index}"), Span::mixed_site());
            let ty = match kind.as_str() {
                "f32" => Some(emit::float_type(FloatTy::F32)),
                "f64" => Some(emit::float_type(FloatTy::F64)),
                "bool" => Some(Ident::new("bool", Span::call_site())),
                _ => None, // a tape: what `put` stores says
            };
            records.groups.push(Group { ident, ty, width: members.len() });
        }
        records
    }

    /// Whether `slot` is a member of a group.
    pub(super) fn is_member(&self, slot: Var) -> bool {
        self.member.get(slot.0).is_some_and(Option::is_some)
    }

    /// The vectors of the groups, declared up front.
    pub(super) fn declarations(&self) -> TokenStream {
        self.groups
            .iter()
            .map(|group| {
                let ident = &group.ident;
                let ty = group.ty.as_ref().map(|ty| quote!(: ::std::vec::Vec<#ty>));
                quote!(let mut #ident #ty = ::std::vec::Vec::new();)
            })
            .collect()
    }

    /// A member's count, declared up front in place of its vector.
    pub(super) fn member_declaration(ident: &Ident) -> TokenStream {
        quote!(let mut #ident = 0usize;)
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

    /// Keeps `value` as the next value of the member `slot` (counted by
    /// `count`, the slot's variable).
    pub(super) fn put(&self, slot: Var, count: &Ident, value: &TokenStream) -> Option<TokenStream> {
        let (at, ident) = self.place(slot, count)?;
        Some(quote!(::autodiff::records::put(&mut #ident, #at, #value); #count += 1;))
    }

    /// Puts the last value of the member `slot` back into `target`.
    pub(super) fn take(&self, slot: Var, count: &Ident, target: &TokenStream) -> Option<TokenStream> {
        let (at, ident) = self.place(slot, count)?;
        Some(quote!(#count -= 1; #target = #ident[#at];))
    }

    /// `count * width + k` and the group's vector.
    fn place(&self, slot: Var, count: &Ident) -> Option<(TokenStream, &Ident)> {
        let (index, k) = self.member.get(slot.0).copied().flatten()?;
        let group = &self.groups[index];
        let (width, k) = (Literal::usize_unsuffixed(group.width), Literal::usize_unsuffixed(k));
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
        // reserved once for every pass; the stacks are counts.
        assert!(got.contains("letmut__records_0:::std::vec::Vec<f64>=::std::vec::Vec::new();"), "{got}");
        assert!(got.contains("letmut__records_1=::std::vec::Vec::new();"), "{got}");
        assert!(got.contains("__records_0.reserve((0..__t1).size_hint().0*4);"), "{got}");
        assert!(got.contains("__records_1.reserve((0..__t1).size_hint().0*2);"), "{got}");
        assert!(!got.contains(".push("), "{got}");
        assert!(got.contains("::autodiff::records::put(&mut__records_0,__saved_a*4+0,a);__saved_a+=1;"), "{got}");
        assert!(got.contains("__saved_a-=1;a=__records_0[__saved_a*4+0];"), "{got}");
        assert!(got.contains("::autodiff::records::put(&mut__records_1,__saved_tape_b*2+1,__tape_b);"), "{got}");
        assert!(got.contains("__saved_tape_b-=1;__tape_b=__records_1[__saved_tape_b*2+1];"), "{got}");
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
        assert!(got.contains("::autodiff::records::put(&mut__records_0,__saved_s*3+1,s);"), "{got}");
        assert!(got.contains("__saved_s-=1;s=__records_0[__saved_s*3+1];"), "{got}");
    }
}
