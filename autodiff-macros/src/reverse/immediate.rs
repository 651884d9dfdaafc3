//! Passes reversed at once: a checkpointed loop (`checkpoint.rs`) whose
//! passes hand the rest of the function only a total is reversed pass by
//! pass in the forward sweep, right after each pass runs, instead of
//! running every pass again in the reverse sweep.
//!
//! Why it is exact: the only thing a pass gives the rest of the function is
//! `total += e` (`e` reads no total), so the total's adjoint `ā` is the same
//! for every pass, and everything a pass's reverse adds into an adjoint from
//! outside the loop is linear in `ā`. Each pass is reversed with `ā = 1`,
//! its additions going into *scratch* adjoints; when the reverse sweep
//! reaches the loop it adds `ā · scratch` into the real adjoints, only when
//! `ā ≠ 0` (a zero adjoint never multiplies a partial that may be infinite:
//! `finite.rs`), and does nothing else. Every pass runs forward once. (In
//! floating point the products associate the other way, `ā·(∂·∂)` for
//! `(ā·∂)·∂`: the same to rounding, but for a product that would underflow
//! to zero before meeting an infinite partial.) Where the total reaches the
//! result only through `+`, `-` and copies (`seed_sign`), `ā` is the seed or
//! its negation, known before the loop: the passes are reversed from it,
//! straight into the shadows of the inputs and the adjoints of the locals
//! they read, which are declared before the loop instead of after the
//! forward sweep (`Sweep::early`): no scratch but for the vectors each pass
//! writes first, no scaling, the same products as the reverse sweep makes.
//!
//! Before (GMM's loop over points, checkpointed):
//! ```text
//! for ix in 0..n { ..pass.. }                            // forward sweep
//! for ix in (0..n).rev() { ..pass with saves.. ..pass backwards.. }
//! ```
//! After, where the result is `.. + slse + ..` (the total's adjoint is the seed):
//! ```text
//! for ix in 0..n {
//!     ..pass with saves..
//!     { let mut __bar_slse = seed;                    // the total's adjoint
//!       ..pass backwards.. }                          // into d_means itself
//! }
//! ```
//! After, where it is `ln(slse)` (known only in the reverse sweep):
//! ```text
//! let mut __scratch_d_means = vec![0.0; means.len()];
//! for ix in 0..n {
//!     ..pass with saves..
//!     { let d_means = &mut __scratch_d_means[..];     // the shadow's name
//!       let mut __bar_slse = 1.0;                     // a unit seed
//!       ..pass backwards.. }
//! }
//! ..                                                  // reverse sweep
//! if __bar_slse != 0.0 { d_means[i] += __bar_slse * __scratch_d_means[i] .. }
//! ```
//!
//! The conditions (on top of `checkpoint.rs`'s: a plain range without
//! exits whose passes are independent), checked here on the IR:
//! - the loop is a statement of the function's own block: not inside a
//!   loop (whose forward passes would all run before the first reverse
//!   visit, each needing its own scratch) nor a branch (the scratch is
//!   declared beside the loop and read by the reverse sweep);
//! - it has accumulators (a total no pass otherwise reads, never saved
//!   nor undone: its reverse passes `ā` on unchanged and leaves its value);
//! - every other variable from outside the loop that a pass writes is
//!   written before it is read in every pass, is not a parameter, and no
//!   statement outside the loop reads it, nor writes it after the loop:
//!   the reverse right after a pass may put an old value back, and its
//!   adjoint, zero when the reverse sweep reaches the loop, gets nothing
//!   that leaves the pass (its scratch starts each pass at zero);
//! - a vector lent to a callee is allowed only where the callee fills it
//!   before reading it (`filled.rs`, known at compile time): the form is
//!   emitted under that constant, today's checkpoint otherwise.
//!
//! And, when the sweep emits it (`Sweep::at_once`):
//! - exactly one accumulator has an adjoint;
//! - every adjoint from outside the loop that the pass's reverse names and
//!   that takes scratch (or, from the seed, is a local's declared early)
//!   is a float, a `Vec` of floats, or the shadow of a `&[F]` / `&Vec<F>`
//!   (from the seed, an input's shadow of any shape takes none).
//!
//! Where a condition fails the loop keeps today's treatment. `NAME_graph`
//! never checkpoints; `NAME_hvp` differentiates the tangent body with the
//! same sweep, under the same conditions.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::checkpoint::{mentions, Checkpoint, Snapshot};
use super::Sweep;
use crate::emit;
use crate::ir::{AssignKind, Body, Header, Loop, Op, Operand, Rhs, Stmt, StmtId, Ty, Var, VarKind, Zero};
use crate::names::NameSet;

/// What the analysis found: the loop's passes may be reversed at once.
pub struct Plan {
    /// The accumulators (one of them active, checked when emitting).
    pub accumulators: BTreeSet<Var>,
    /// The variables from outside the loop that each pass writes first.
    pub written: BTreeSet<Var>,
    /// Compile-time conditions under which the form holds: the callees fill
    /// the vectors they are lent (`filled.rs`); none: always.
    pub conditions: Vec<TokenStream>,
    /// The accumulators that reach the result only through `+` and `-`
    /// (`seed_sign`): their adjoint is the seed, negated when `true`.
    pub linear: BTreeMap<Var, bool>,
}

/// The plan for the checkpointed loop `lp` at `id`, if the conditions of
/// the module's header that the IR decides hold. `carried` holds what the
/// passes write from outside the loop, accumulators and index left out.
pub(super) fn plan(
    body: &Body,
    id: StmtId,
    lp: &Loop,
    top: bool,
    accumulators: &BTreeSet<Var>,
    carried: &BTreeSet<Var>,
    snapshots: &[Snapshot],
) -> Option<Plan> {
    if !top || accumulators.is_empty() {
        return None;
    }
    // A vector kept at each pass's start is handed from pass to pass unless
    // its callees fill it first.
    let conditions: Vec<TokenStream> = snapshots.iter().map(|s| s.unless.clone()).collect::<Option<_>>()?;
    // Indices of loops inside: each `for` binds its own.
    let mut indices = BTreeSet::new();
    crate::ir::walk(&lp.body, 0, &mut |stmt, _| {
        if let Stmt::Loop(Loop { header: Header::Range { index, .. }, .. }) = stmt {
            indices.insert(*index);
        }
    });
    let written: BTreeSet<Var> = carried.iter().copied().filter(|var| !indices.contains(var)).collect();
    let (before, after) = outside(body, id);
    for &var in &written {
        if body.var(var).kind == VarKind::Param || body.var(var).by_ref {
            return None;
        }
        // Before the loop: only assignments that read nothing of it.
        let read_before = before.iter().any(|stmt| match stmt {
            Stmt::Assign { dst, rhs, .. } if *dst == var => rhs.reads().contains(&var),
            _ => mentions(stmt, var),
        });
        if read_before || after.iter().any(|stmt| mentions(stmt, var)) {
            return None;
        }
    }
    let linear = accumulators.iter().filter_map(|&var| Some((var, seed_sign(body, &after, var)?))).collect();
    Some(Plan { accumulators: accumulators.clone(), written, conditions, linear })
}

/// Whether the total `var` reaches the float result only through a chain of
/// `a + b`, `a - b` and copies after the loop (`after`), each link read once
/// and nowhere else: then its adjoint is exactly the seed (`Some(false)`)
/// or its negation (`Some(true)`), known before the reverse sweep, as in
/// GMM's `constant + slse - n·lse + ..`.
fn seed_sign(body: &Body, after: &[&Stmt], var: Var) -> Option<bool> {
    let ret = body.ret?;
    if !matches!(body.var(ret).ty, Ty::Float(_) | Ty::AnyFloat) {
        return None;
    }
    let mut assignments = 0;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| {
        assignments += usize::from(matches!(stmt, Stmt::Assign { dst, .. } if *dst == ret))
    });
    if assignments != 1 {
        return None;
    }
    let (mut current, mut negated, mut from) = (var, false, 0);
    while current != ret {
        let mut readers = after.iter().enumerate().skip(from).filter(|(_, stmt)| mentions(stmt, current));
        let (Some((at, stmt)), None) = (readers.next(), readers.next()) else { return None };
        let Stmt::Assign { dst, rhs, kind: AssignKind::Init, .. } = stmt else { return None };
        let is_current = |operand: &Operand| matches!(operand, Operand::Var(v) if *v == current);
        let flips = match rhs {
            Rhs::Use(operand) if is_current(operand) => false,
            Rhs::Prim(op @ (Op::Add | Op::Sub), args) if args.len() == 2 => {
                match (is_current(&args[0]), is_current(&args[1]) && !args[0].reads().contains(&current)) {
                    (true, false) if !args[1].reads().contains(&current) => false,
                    (false, true) => *op == Op::Sub,
                    _ => return None,
                }
            }
            _ => return None,
        };
        if *dst == current || !matches!(body.var(*dst).ty, Ty::Float(_) | Ty::AnyFloat) {
            return None;
        }
        negated ^= flips;
        (current, from) = (*dst, at + 1);
    }
    // (Nothing reads the result after it is made: its adjoint stays the seed.)
    let read_later = after.iter().skip(from).any(|stmt| mentions(stmt, ret));
    (!read_later).then_some(negated)
}

/// The statements of the function's block before and after the one at `id`.
fn outside(body: &Body, id: StmtId) -> (Vec<&Stmt>, Vec<&Stmt>) {
    let numbered = body.block.numbered(StmtId::FIRST);
    let at = numbered.iter().position(|(at, _)| *at == id).unwrap_or(numbered.len());
    let before = numbered[..at].iter().map(|(_, stmt)| *stmt).collect();
    let after = numbered.get(at + 1..).unwrap_or_default().iter().map(|(_, stmt)| *stmt).collect();
    (before, after)
}

/// How an adjoint from outside the loop lives while a pass is reversed.
enum Kind {
    /// A float (`__bar_a`).
    Scalar,
    /// A local `Vec` of floats (`__bar_q`).
    Vector,
    /// The shadow of a `&[F]` (`d_x`), lent as a slice of the scratch.
    Slice,
    /// The shadow of a `&Vec<F>`, lent as the scratch itself.
    VecShadow,
}

struct Scratch {
    var: Var,
    adjoint: Ident,
    name: Ident,
    kind: Kind,
    /// Written first by every pass: its scratch starts each pass at zero
    /// and is not added to the real adjoint.
    fresh: bool,
}

/// Which sweep asks for a loop reversed at once.
pub(super) enum Half {
    /// The scratch, then the loop, each pass reversed after it runs.
    Forward,
    /// The scaled additions.
    Reverse,
}

impl Sweep<'_> {
    /// `half` of the loop `lp` at `id` reversed pass by pass in the forward
    /// sweep, if its plan holds and the pass's reverse names only adjoints
    /// it can lend scratch for; `None`: today's checkpoint. Both sweeps ask,
    /// and get the same answer: the pass's reverse is made the same way.
    pub(super) fn at_once(&self, id: StmtId, lp: &Loop, checkpoint: &Checkpoint, half: Half) -> Option<TokenStream> {
        let plan = checkpoint.at_once.as_ref()?;
        let mut active = plan.accumulators.iter().filter(|var| self.adjoint(**var).is_some());
        let (Some(&total), None) = (active.next(), active.next()) else { return None };
        let total_bar = self.adjoint(total)?.clone();
        // The pass's reverse as the forward sweep emits it: no adjoint held
        // in a register of the loop's (the reverse sweep's own may be).
        let held = self.held.take();
        let made = self.at_once_parts(id, lp, plan, total, &total_bar);
        *self.held.borrow_mut() = held;
        let (made, run, reverse) = made?;
        let conditions = &plan.conditions;
        Some(match half {
            Half::Forward if conditions.is_empty() => quote!(#made #run),
            Half::Reverse if conditions.is_empty() => reverse,
            // Under the callees' constant flags; today's checkpoint otherwise.
            Half::Forward => {
                let old = self.checkpointed_forward(id, lp, checkpoint);
                quote!(#made if const { #((#conditions))&&* } { #run } else { #old })
            }
            Half::Reverse => {
                let old = self.reverse_checkpointed(id, lp, checkpoint);
                quote!(if const { #((#conditions))&&* } { #reverse } else { #old })
            }
        })
    }

    /// The scratch declarations, the loop for the forward sweep, and the
    /// scaled additions for the reverse one.
    fn at_once_parts(
        &self,
        id: StmtId,
        lp: &Loop,
        plan: &Plan,
        total: Var,
        total_bar: &Ident,
    ) -> Option<(TokenStream, TokenStream, TokenStream)> {
        let span = lp.span;

        let declarations = self.adjoint_declarations(Some(lp.id), None);
        let backward = self.reverse_pass(id, lp);
        let mut names = NameSet::default();
        crate::names::collect_idents(quote!(#declarations #backward), &mut names);
        // A total whose adjoint is the seed: the passes are reversed from it,
        // straight into the shadows of the inputs.
        let direct = self.seed.zip(plan.linear.get(&total));
        let mut scratches = Vec::new();
        let mut early = Vec::new();
        for (i, adjoint) in self.adjoints.iter().enumerate() {
            let var = Var(i);
            let Some(adjoint) = adjoint.as_ref().filter(|_| self.activity.is_active(var) || self.is_shadow(var)) else {
                continue;
            };
            let info = self.body.var(var);
            if var == total || info.scope.contains(&lp.id) || !names.contains(&adjoint.to_string()) {
                continue;
            }
            let fresh = plan.written.contains(&var);
            if !fresh && plan.accumulators.contains(&var) {
                return None;
            }
            if direct.is_some() && self.is_input_shadow(var) {
                continue;
            }
            let kind = self.scratch_kind(var)?;
            // From the seed, a local's own adjoint can take the additions:
            // it is declared here, before the loop, rather than after the
            // forward sweep (`early`).
            if direct.is_some() && !fresh && matches!(kind, Kind::Scalar | Kind::Vector) {
                early.push((var, kind));
                continue;
            }
            let name = format_ident!("__scratch_{}", adjoint, span = Span::mixed_site());
            scratches.push(Scratch { var, adjoint: adjoint.clone(), name, kind, fresh });
        }

        // Forward: the pass with its saves (the totals' updates kept), then
        // at once backwards from a unit seed into the scratch.
        let float = emit::float_type(self.float(total));
        // (`self` is the forward sweep, or the reverse sweep outside any
        // rerun: the totals' updates are kept.)
        let pass = self.forward(&lp.body, id.after(1));
        let lend: TokenStream = scratches.iter().map(|s| self.lend(s)).collect();
        let take_back: TokenStream = scratches.iter().map(|s| self.take_back(s)).collect();
        let start = match direct {
            Some((seed, false)) => quote!(#seed),
            Some((seed, true)) => quote!(-#seed),
            None => quote!(1.0),
        };
        let body = quote_spanned!(span=> #pass {
            let mut #total_bar: #float = #start;
            #lend
            #declarations
            #backward
            #take_back
        });
        let run = self.loop_over_range(lp, body);
        let mut made: TokenStream = scratches.iter().map(|s| self.make(s)).collect();
        for (var, kind) in early {
            // (Once: a loop before may have declared it.)
            if self.early.borrow_mut().insert(var) {
                made.extend(self.declare_early(var, &kind));
            }
        }

        // Reverse: `ā · scratch` into the real adjoints, unless `ā` is zero
        // (the scratch as it is, when the passes started from `ā` itself).
        let factor = direct.is_none().then_some(total_bar);
        let scale: TokenStream = scratches.iter().filter(|s| !s.fresh).map(|s| self.scaled(s, factor)).collect();
        let reverse = match factor {
            _ if scale.is_empty() => TokenStream::new(),
            Some(bar) => quote_spanned!(span=> if #bar != 0.0 { #scale }),
            None => scale,
        };
        Some((made, run, reverse))
    }

    fn is_shadow(&self, var: Var) -> bool {
        let info = self.body.var(var);
        info.kind == VarKind::Param && info.ty == Ty::Aggregate && info.by_ref
    }

    /// The shadow of a parameter the function only reads: nothing but
    /// additions touch it, in any order.
    fn is_input_shadow(&self, var: Var) -> bool {
        let output = matches!(&self.body.var(var).declared, Some(syn::Type::Reference(r)) if r.mutability.is_some());
        self.is_shadow(var) && !output
    }

    /// How the adjoint of `var` can be lent scratch, if it can.
    fn scratch_kind(&self, var: Var) -> Option<Kind> {
        let info = self.body.var(var);
        if matches!(info.ty, Ty::Float(_) | Ty::AnyFloat) {
            return Some(Kind::Scalar);
        }
        if self.is_shadow(var) {
            let Some(syn::Type::Reference(reference)) = &info.declared else { return None };
            return match &*reference.elem {
                syn::Type::Slice(_) => Some(Kind::Slice),
                syn::Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Vec") => {
                    Some(Kind::VecShadow)
                }
                _ => None,
            };
        }
        let vector = matches!(&info.zero, Some(Zero::Vec(inner)) if matches!(**inner, Zero::Scalar));
        (info.ty == Ty::Aggregate && !info.by_ref && info.kind != VarKind::Param && vector).then_some(Kind::Vector)
    }

    /// The scratch, at zero, made before the loop (from the primal's length).
    fn make(&self, scratch: &Scratch) -> TokenStream {
        let (name, primal) = (&scratch.name, self.ident(scratch.var));
        let float = emit::float_type(match self.body.var(scratch.var).elem {
            Some(elem) => elem,
            None => self.float(scratch.var),
        });
        match scratch.kind {
            Kind::Scalar => quote!(let mut #name: #float = -0.0;),
            Kind::Vector | Kind::Slice | Kind::VecShadow => {
                quote!(let mut #name: ::std::vec::Vec<#float> = ::std::vec![0.0; #primal.len()];)
            }
        }
    }

    /// The declaration of a local's adjoint, at zero, as
    /// `adjoint_declarations` makes it after the forward sweep.
    fn declare_early(&self, var: Var, kind: &Kind) -> TokenStream {
        let (adjoint, primal) = (self.adjoints[var.0].as_ref(), self.ident(var));
        let float = emit::float_type(self.float(var));
        match kind {
            Kind::Scalar => quote!(let mut #adjoint: #float = -0.0;),
            _ => quote!(let mut #adjoint = ::std::vec![0.0; #primal.len()];),
        }
    }

    /// The adjoint's name bound to the scratch while a pass is reversed (a
    /// vector each pass writes first: at zero, as long as the pass left it).
    fn lend(&self, scratch: &Scratch) -> TokenStream {
        let (name, adjoint, primal) = (&scratch.name, &scratch.adjoint, self.ident(scratch.var));
        match (&scratch.kind, scratch.fresh) {
            (Kind::Scalar, false) => quote!(let mut #adjoint = #name;),
            (Kind::Scalar, true) => quote!(let mut #adjoint = #name; #adjoint = -0.0;),
            (Kind::Vector, false) => quote!(let mut #adjoint = ::core::mem::take(&mut #name);),
            (Kind::Vector, true) => quote! {
                let mut #adjoint = ::core::mem::take(&mut #name);
                #adjoint.clear();
                #adjoint.resize(#primal.len(), 0.0);
            },
            (Kind::Slice, _) => quote!(let #adjoint = &mut #name[..];),
            (Kind::VecShadow, _) => quote!(let #adjoint = &mut #name;),
        }
    }

    /// The scratch taken back from the adjoint's name after the pass.
    fn take_back(&self, scratch: &Scratch) -> TokenStream {
        let (name, adjoint) = (&scratch.name, &scratch.adjoint);
        match scratch.kind {
            Kind::Scalar | Kind::Vector => quote!(#name = #adjoint;),
            Kind::Slice | Kind::VecShadow => TokenStream::new(),
        }
    }

    /// `x̄ += ā · scratch` (`x̄ += scratch` without `factor`), where the
    /// passes added something: an element no pass reached gets nothing, as
    /// it would from the passes themselves (`ā` may be infinite).
    fn scaled(&self, scratch: &Scratch, factor: Option<&Ident>) -> TokenStream {
        let (name, adjoint) = (&scratch.name, &scratch.adjoint);
        let (target, part) = (Ident::new("__target", Span::mixed_site()), Ident::new("__part", Span::mixed_site()));
        let factor = factor.map(|factor| quote!(#factor *));
        match scratch.kind {
            Kind::Scalar => quote!(if #name != 0.0 { #adjoint += #factor #name; }),
            Kind::Vector | Kind::Slice | Kind::VecShadow => quote! {
                for (#target, #part) in #adjoint.iter_mut().zip(#name.iter()) {
                    if *#part != 0.0 {
                        *#target += #factor *#part;
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::expand::tests::expand_to_string;
    use quote::quote;

    /// The generated function `name`, pretty-printed, from its signature on.
    fn function<'a>(expanded: &'a str, name: &str) -> &'a str {
        let start = expanded.find(&format!("fn {name}(")).unwrap_or_else(|| panic!("{name}: {expanded}"));
        let end = expanded[start..].find("\n}\n").map_or(expanded.len(), |i| start + i);
        &expanded[start..end]
    }

    /// Whether the generated function `name` reverses something in its
    /// forward sweep (before its result is made): a loop's passes at once.
    fn reversed_forward(expanded: &str, name: &str) -> bool {
        let body = function(expanded, name);
        body.split_once("let __ret").is_some_and(|(forward, _)| forward.contains("__bar_"))
    }

    /// Whether `NAME_vjp` and `NAME_hvp` of `item` reverse a loop's passes at once.
    fn at_once(item: proc_macro2::TokenStream) -> (bool, bool) {
        let expanded = expand_to_string(quote!(reverse, hessian), item);
        (reversed_forward(&expanded, "f_vjp"), reversed_forward(&expanded, "f_hvp"))
    }

    /// Rows of a running product reading the input, a local float `b` and
    /// the total's index, into the total `s`; `result` ends the function.
    fn rows(result: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        quote! {
            fn f(x: &[f64], a: f64) -> f64 {
                let n = x.len();
                let b = a * a;
                let mut s = 0.0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for _ in 0..2 {
                            p = p * (x[j] * b + x[i]).sin() + 0.5;
                        }
                    }
                    s += p;
                }
                #result
            }
        }
    }

    #[test]
    fn a_top_level_loop_handing_on_one_total_is_reversed_at_once_in_both_modes() {
        assert_eq!(at_once(rows(quote!(s + a * b))), (true, true));
        // The tangent of `s·a` reads both the total and its tangent, two
        // totals of the tangent body with adjoints: `_hvp` keeps today's.
        assert_eq!(at_once(rows(quote!(s * a))), (true, false));
    }

    #[test]
    fn from_the_seed_the_adjoints_of_locals_are_declared_before_the_loop() {
        let expanded = expand_to_string(
            quote!(reverse),
            quote! {
                fn f(x: &[f64], a: f64) -> f64 {
                    let n = x.len();
                    let mut q = vec![0.0; n];
                    for i in 0..n {
                        q[i] = (0.5 * x[i]).exp();
                    }
                    let b = a * a;
                    let mut s = 0.0;
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for _ in 0..2 {
                                p = p * (q[j] * b + x[i]).sin() + 0.5;
                            }
                        }
                        s += p;
                    }
                    s + a
                }
            },
        );
        let vjp = function(&expanded, "f_vjp");
        let (forward, _) = vjp.split_once("let __ret").expect("a result");
        // Declared once, before the loop, and added into by the passes.
        for declaration in ["let mut __bar_b: f64 = -0.0;", "let mut __bar_q = ::std::vec![0.0; q.len()];"] {
            assert_eq!(vjp.matches(declaration).count(), 1, "{declaration}: {vjp}");
            assert!(forward.find(declaration) < forward.find("let mut __bar_s: f64 = seed;"), "{declaration}: {vjp}");
        }
        assert!(forward.contains("let mut __bar_s: f64 = seed;"), "{vjp}");
        assert!(!vjp.contains("__scratch"), "{vjp}");
    }

    /// The forms `tests/corpus_loops.rs` checks against central differences.
    #[test]
    fn the_corpus_rows_take_the_forms_they_are_named_for() {
        let helper_rows = at_once(quote! {
            fn f(x: &[f64], w: &[f64]) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                for i in 0..w.len() {
                    let mut p = 1.0;
                    for j in 0..n {
                        for _ in 0..2 {
                            p = soft_pair(p * x[j], w[i]);
                        }
                    }
                    s -= p * w[i];
                }
                s
            }
        });
        assert_eq!(helper_rows, (true, true));
        let filled_rows = at_once(quote! {
            fn f(x: &[f64], m: usize) -> f64 {
                let n = x.len();
                let mut buf = vec![0.0; m];
                let mut s = 0.0;
                for i in 0..n {
                    for j in 0..m {
                        buf[j] = x[j % n] * x[i];
                    }
                    let mut p = 1.0;
                    for j in 0..m {
                        for l in 0..2 {
                            p = p * buf[j].sin() + 0.5 * buf[(j + l) % m];
                        }
                    }
                    s += p;
                }
                s
            }
        });
        // (`_hvp`: the tangent body's loop is not checkpointed at all; its
        // passes are reversed as any loop's.)
        assert_eq!(filled_rows, (true, false));
        let remade_rows = at_once(quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut row = vec![0.0; 1];
                let mut s = 0.0;
                for i in 0..n {
                    let made = x.to_vec();
                    row = made;
                    row[i] = row[i] * 2.0;
                    let mut p = 1.0;
                    for j in 0..n {
                        for _ in 0..2 {
                            p = p * (row[j] * x[i]).sin() + 0.5;
                        }
                    }
                    s += p;
                }
                s
            }
        });
        assert!(remade_rows.0);
        let two_seeded_loops = expand_to_string(
            quote!(reverse),
            quote! {
                fn f(x: &[f64], a: f64) -> f64 {
                    let n = x.len();
                    let b = a * a;
                    let mut s = 0.0;
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for _ in 0..2 {
                                p = p * (x[j] * b + x[i]).sin() + 0.5;
                            }
                        }
                        s += p;
                    }
                    let mut t = 0.0;
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for _ in 0..2 {
                                p = p * (x[j] + b * x[i]).cos() + 0.5;
                            }
                        }
                        t += p;
                    }
                    s - t
                }
            },
        );
        let vjp = function(&two_seeded_loops, "f_vjp");
        assert!(vjp.contains("let mut __bar_s: f64 = seed;") && vjp.contains("let mut __bar_t: f64 = -seed;"), "{vjp}");
        assert_eq!(vjp.matches("let mut __bar_b: f64").count(), 1, "{vjp}");
        let mixture_points = at_once(quote! {
            fn f(alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64], d: usize, k: usize) -> f64 {
                let n = x.len() / d;
                let tri = d * (d + 1) / 2;
                let mut q = vec![0.0; k * d];
                for i in 0..k * d {
                    q[i] = icf[(i / d) * tri + i % d].exp();
                }
                let mut xc = vec![0.0; d];
                let mut qx = vec![0.0; d];
                let mut main_term = vec![0.0; k];
                let mut slse = 0.0;
                for ix in 0..n {
                    for ik in 0..k {
                        for id in 0..d {
                            xc[id] = x[ix * d + id] - means[ik * d + id];
                        }
                        let ltri = ik * tri + d;
                        packed_times(&q[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * tri], &xc, &mut qx);
                        let sq: f64 = qx.iter().map(|v| v * v).sum();
                        main_term[ik] = alphas[ik] - 0.5 * sq;
                    }
                    slse += shifted_lse(&main_term);
                }
                slse
            }
        });
        assert!(mixture_points.0);
        // A loop inside another (which carries `k`) keeps today's.
        let rows_in_rounds = at_once(quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                let mut k = 0;
                for r in 0..2 {
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for _ in 0..2 {
                                p = p * (x[j] * x[i]).sin() + 0.5;
                            }
                        }
                        s += p * x[r];
                    }
                    s += x[k] * x[k];
                    k = (k + r + 1) % n;
                }
                s
            }
        });
        assert_eq!(rows_in_rounds, (false, false));
    }

    #[test]
    fn two_totals_with_adjoints_keep_todays_checkpoint() {
        let got = at_once(quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                let mut t = 0.0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for _ in 0..2 {
                            p = p * (x[j] * x[i]).sin() + 0.5;
                        }
                    }
                    s += p;
                    t += p * p;
                }
                s * t
            }
        });
        assert_eq!(got, (false, false));
    }

    #[test]
    fn a_total_read_by_the_pass_keeps_todays_checkpoint() {
        let got = at_once(quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for _ in 0..2 {
                            p = p * (x[j] * x[i]).cos() + 0.1 * s;
                        }
                    }
                    s += p;
                }
                s
            }
        });
        assert_eq!(got, (false, false));
    }

    #[test]
    fn a_graph_never_reverses_passes_at_once() {
        let expanded = expand_to_string(
            quote!(graph),
            quote! {
                fn f(x: &[f64]) -> f64 {
                    let n = x.len();
                    let mut s = 0.0;
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for _ in 0..2 {
                                p = p * (x[j] * x[i]).sin() + 0.5;
                            }
                        }
                        s += p;
                    }
                    s
                }
            },
        );
        assert!(reversed_forward(&expanded, "f_vjp"), "{expanded}");
        assert!(!function(&expanded, "f_graph").contains("__scratch_"), "{expanded}");
        assert!(!function(&expanded, "f_graph").contains("let mut __bar_s: f64 = seed;"), "{expanded}");
    }
}
