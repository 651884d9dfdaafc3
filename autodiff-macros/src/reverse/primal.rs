//! The primal replay: a body's statements in order, with the saves the
//! reverse sweep needs before the overwrites (none in a tangent body, which
//! `replay` prints for `NAME_jvp`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::Ident;

use super::checkpoint::Checkpoint;
use super::layout::{declarations, stack_top, Layout};
use super::saves::{SaveKey, Saves};
use super::Sweep;
use crate::activity::Activity;
use crate::companion;
use crate::emit;
use crate::ir::{
    Adaptor, AssignKind, Block, Body, FloatTy, Header, Loop, LoopId, Operand, Rhs, Stmt, StmtId, Ty, Var, VarKind, Zero,
};

/// A body that only runs forward (the tangent body of `NAME_jvp`) as
/// statements: its items, its declarations, then its statements in order.
pub fn replay(body: &Body) -> TokenStream {
    let activity = Activity::forward_only();
    let saves = Saves::forward_only();
    let layout = Layout::forward_only(body, &activity, &saves);
    let sweep = Sweep {
        body,
        activity: &activity,
        saves: &saves,
        layout: &layout,
        adjoints: &[],
        unbounded: &[],
        deferred: RefCell::new(None),
        registers: &BTreeMap::new(),
        held: RefCell::new(Vec::new()),
        graph: None,
        second_order: false,
        rerun: false,
        seed: None,
        early: RefCell::new(BTreeSet::new()),
    };
    let forward = sweep.forward(&body.block, StmtId::FIRST);
    let items = &body.items;
    let declarations = declarations(body, &layout);
    quote!(#(#items)* #declarations #forward)
}

/// Every loop in `lp`, itself included, by id.
pub(super) fn collect_loops<'a>(lp: &'a Loop, loops: &mut BTreeMap<LoopId, &'a Loop>) {
    loops.insert(lp.id, lp);
    crate::ir::walk(&lp.body, 0, &mut |stmt, _| {
        if let Stmt::Loop(inner) = stmt {
            loops.insert(inner.id, inner);
        }
    });
}

impl Sweep<'_> {
    /// The primal statements, with saves before the overwrites that need
    /// them; `first` is the id of the block's first statement.
    pub(super) fn forward(&self, block: &Block, first: StmtId) -> TokenStream {
        let stmts = block.numbered(first);
        let Some(graph) = self.graph else { return self.forward_stmts(stmts) };
        // `NAME_graph`: the graph builder's calls around each statement.
        let with_graph = |(id, stmt): (StmtId, &Stmt)| {
            [graph.before(self.body, stmt), self.forward_stmts(vec![(id, stmt)]), graph.after(self.body, stmt)]
        };
        stmts.into_iter().flat_map(with_graph).collect()
    }

    fn forward_stmts(&self, stmts: Vec<(StmtId, &Stmt)>) -> TokenStream {
        let mut tokens = TokenStream::new();
        for (id, stmt) in stmts {
            // A checkpointed pass run again leaves its accumulators final.
            if self.rerun && self.graph.is_none() && self.saves.is_skipped_in_rerun(id) {
                continue;
            }
            match stmt {
                Stmt::Assign { dst, rhs, kind, span } => {
                    let ident = self.ident(*dst);
                    let in_place = rhs.written_in_place() == Some(*dst);
                    if let Some(save) = self.saves.slot(SaveKey::Value(id)) {
                        tokens.extend(if in_place {
                            self.save_written_part(save, *dst, rhs, *span)
                        } else {
                            self.save(save, &ident.to_token_stream(), *dst, *span)
                        });
                    }
                    if in_place {
                        // A marker runs nothing: the call after it writes its output.
                        if !rhs.is_output_marker() {
                            tokens.extend(self.forward_in_place_call(id, rhs, *span));
                        }
                        continue;
                    }
                    let float = match self.body.var(*dst).ty {
                        Ty::Float(float) => float,
                        _ => FloatTy::F64,
                    };
                    let mut value = emit::rhs(self.body, rhs, float, *span);
                    // A tuple result is kept as an array (the companion's `fwd` gives one).
                    // A tangent companion (inside `_hvp`) returns an array already.
                    let direct_call = matches!(rhs, Rhs::Call(path, _) if !companion::is_tangent(path))
                        && self.saves.tape(id).is_none();
                    if let Some(len) = emit::tuple_result(self.body, *dst).filter(|_| direct_call) {
                        let tuple = Ident::new("__tuple", Span::mixed_site());
                        let fields = (0..len).map(syn::Index::from);
                        value =
                            emit::Piece::Stream(quote_spanned!(*span=> { let #tuple = #value; [#(#tuple.#fields),*] }));
                    }
                    if let Some(copied) = self.copy_of_moved_vector(*dst, rhs, *kind, *span) {
                        tokens.extend(copied);
                        continue;
                    }
                    // A differentiated call runs its forward pass and keeps the tape.
                    if let (Some(tape), Rhs::Call(path, args)) = (self.saves.tape(id), rhs) {
                        let call = Ident::new("__call", Span::mixed_site());
                        let fwd = companion::method(path, companion::FWD, *span);
                        let fwd = emit::gated_callee(self.body, &fwd, args);
                        let args =
                            args.iter().enumerate().map(|(i, arg)| emit::call_argument(self.body, path, i, arg, *span));
                        tokens.extend(quote_spanned!(*span=> let #call = #fwd(#(#args),*);));
                        let tape_ident = self.ident(tape);
                        if let Some(slot) = self.saves.slot(SaveKey::Tape(id)) {
                            tokens.extend(self.save(slot, &tape_ident.to_token_stream(), tape, *span));
                        }
                        tokens.extend(if self.layout.hoisted[tape.0] {
                            quote_spanned!(*span=> #tape_ident = #call.1;)
                        } else {
                            quote_spanned!(*span=> let #tape_ident = #call.1;)
                        });
                        value = emit::Piece::Stream(quote!(#call.0));
                    }
                    let value = emit::checked_call_result(self.body, *dst, rhs, value, *span);
                    let defines = *kind == AssignKind::Init
                        && !self.layout.hoisted[dst.0]
                        && self.body.var(*dst).kind != VarKind::Param;
                    if defines {
                        let annotation = emit::annotation(self.body, *dst);
                        emit::push_let(&mut tokens, *span, self.layout.mutated[dst.0], ident, annotation, value);
                    } else {
                        emit::push_assign(&mut tokens, *span, ident, value);
                    }
                }
                Stmt::Store { place, value, span } => {
                    let target = emit::operand(self.body, &Operand::Place(Box::new(place.clone()))).into_token_stream();
                    if let Some(save) = self.saves.slot(SaveKey::Value(id)) {
                        tokens.extend(self.save(save, &target, place.var, *span));
                    }
                    let value = emit::operand(self.body, value);
                    tokens.extend(quote_spanned!(*span=> #target = #value;));
                }
                Stmt::If { cond, then, els, span } => {
                    let cond = emit::operand(self.body, cond);
                    let (then_id, els_id) = crate::ir::branch_ids(id, then);
                    let then = self.forward(then, then_id);
                    let els = self.forward(els, els_id);
                    tokens.extend(if els.is_empty() {
                        quote_spanned!(*span=> if #cond { #then })
                    } else {
                        quote_spanned!(*span=> if #cond { #then } else { #els })
                    });
                }
                Stmt::Loop(lp) => tokens.extend(self.forward_loop(id, lp)),
            }
        }
        emit::flushed(tokens)
    }

    /// `h = next;` for a local vector `next` the reverse sweep still reads
    /// (its adjoint is as long as it): copied into `h`'s buffer instead of
    /// moved (`let h = next;` clones it).
    fn copy_of_moved_vector(&self, dst: Var, rhs: &Rhs, kind: AssignKind, span: Span) -> Option<TokenStream> {
        let Rhs::Use(Operand::Var(source)) = rhs else { return None };
        let info = self.body.var(*source);
        let moved_vector = matches!(info.zero, Some(Zero::Vec(_))) && !info.by_ref && info.kind != VarKind::Param;
        // (A replay of a forward-only body has no adjoints.)
        if !moved_vector || self.adjoints.is_empty() || self.adjoint(*source).is_none() {
            return None;
        }
        let (ident, source) = (self.ident(dst), self.ident(*source));
        let defines = kind == AssignKind::Init && !self.layout.hoisted[dst.0];
        Some(if defines {
            let mutability = self.layout.mutated[dst.0].then(|| quote!(mut));
            quote_spanned!(span=> let #mutability #ident = ::core::clone::Clone::clone(&#source);)
        } else {
            quote_spanned!(span=> ::core::clone::Clone::clone_from(&mut #ident, &#source);)
        })
    }

    /// Keeps the value of `target` (a variable or an element of `of`) in `slot`.
    pub(super) fn save(&self, slot: Var, target: &TokenStream, of: Var, span: Span) -> TokenStream {
        let whole_vec = matches!(self.body.var(slot).zero, Some(Zero::Vec(_))) && self.body.var(of).ty == Ty::Aggregate;
        // A vector about to be replaced is moved out rather than copied.
        let value = if whole_vec { quote!(::core::mem::take(&mut #target)) } else { target.clone() };
        self.save_value(slot, &value, span)
    }

    /// Keeps `value` in `slot`.
    pub(super) fn save_value(&self, slot: Var, value: &TokenStream, span: Span) -> TokenStream {
        let slot_ident = self.ident(slot);
        if let Some(put) = self.layout.records.put(slot, value) {
            put
        } else if self.layout.fixed_capacity[slot.0].is_some() {
            let top = stack_top(slot_ident);
            quote_spanned!(span=> #slot_ident[#top] = #value; #top += 1;)
        } else if self.layout.stack[slot.0] {
            quote_spanned!(span=> #slot_ident.push(#value);)
        } else if self.layout.hoisted[slot.0] {
            quote_spanned!(span=> #slot_ident = #value;)
        } else {
            quote_spanned!(span=> let #slot_ident = #value;)
        }
    }

    /// Puts the value kept in `slot` back into `target`.
    pub(super) fn restore(&self, slot: Var, target: &TokenStream, span: Span) -> TokenStream {
        let slot_ident = self.ident(slot);
        if let Some(take) = self.layout.records.take(slot, target) {
            take
        } else if self.layout.fixed_capacity[slot.0].is_some() {
            let top = stack_top(slot_ident);
            quote_spanned!(span=> #top -= 1; #target = #slot_ident[#top];)
        } else if self.layout.stack[slot.0] {
            quote_spanned!(span=> #target = #slot_ident.pop().expect("autodiff: value stack underflow");)
        } else {
            quote_spanned!(span=> #target = #slot_ident;)
        }
    }

    pub(super) fn range_tokens(&self, lo: &Operand, hi: &Operand, inclusive: bool) -> TokenStream {
        let (lo, hi) = (emit::operand(self.body, lo), emit::operand(self.body, hi));
        if inclusive {
            quote!(#lo..=#hi)
        } else {
            quote!(#lo..#hi)
        }
    }

    pub(super) fn parenthesized(range: TokenStream) -> TokenStream {
        quote!((#range))
    }

    /// `stack.reserve(n)` before the outermost loop around a save site,
    /// when every loop around the site walks a range fixed before that
    /// loop starts, or one computed from the indices around it (a
    /// triangular nest: its passes are counted first, see
    /// `counted_passes`): the stack then allocates once per call.
    pub(super) fn reservations(&self, lp: &Loop) -> TokenStream {
        let mut loops = BTreeMap::new();
        collect_loops(lp, &mut loops);
        let fixed_outside = |operand: &Operand| match operand {
            Operand::Const(_) => true,
            Operand::Var(var) => !self.body.var(*var).scope.contains(&lp.id),
            Operand::Place(_) => false,
        };
        let mut tokens = TokenStream::new();
        let mut counted: BTreeMap<&[LoopId], Vec<Var>> = BTreeMap::new();
        // A stack of this sweep, not of a checkpointed loop's (one pass's):
        // a sweep without saves pushes nothing.
        let slots: BTreeSet<Var> = self.saves.slots().map(|(_, slot)| slot).collect();
        let checkpointed = self.saves.checkpointed_loops();
        let per_pass =
            |info: &crate::ir::VarInfo| self.graph.is_none() && info.scope.iter().any(|l| checkpointed.contains(l));
        for (i, info) in self.body.vars.iter().enumerate() {
            if !self.layout.stack[i] || self.layout.fixed_capacity[i].is_some() || info.scope.first() != Some(&lp.id) {
                continue;
            }
            if !slots.contains(&Var(i)) || per_pass(info) {
                continue;
            }
            let lengths: Option<Vec<TokenStream>> = info
                .scope
                .iter()
                .map(|id| match loops.get(id) {
                    Some(Loop { header: Header::Range { lo, hi, inclusive, .. }, trips: None, .. })
                        if fixed_outside(lo) && fixed_outside(hi) =>
                    {
                        let range = Self::parenthesized(self.range_tokens(lo, hi, *inclusive));
                        Some(quote!(#range.size_hint().0))
                    }
                    _ => None,
                })
                .collect();
            match lengths {
                Some(lengths) => {
                    let total = lengths.into_iter().reduce(|a, b| quote!(#a * #b)).unwrap_or_else(|| quote!(0));
                    tokens.extend(self.reserve(Var(i), &total));
                }
                None => counted.entry(&info.scope[..]).or_default().push(Var(i)),
            }
        }
        for (scope, stacks) in counted {
            let Some(passes) = self.counted_passes(lp, scope, &loops) else { continue };
            let count = Ident::new("__passes", Span::mixed_site());
            let reserve = stacks.into_iter().map(|stack| self.reserve(stack, &count.to_token_stream()));
            tokens.extend(quote_spanned!(lp.span=> { let #count = #passes; #(#reserve)* }));
        }
        tokens
    }

    /// Room for `passes` values in the stack `slot` (in its group's vector
    /// when it has one, which its first member reserves for all).
    fn reserve(&self, slot: Var, passes: &TokenStream) -> TokenStream {
        self.layout.records.reservation(slot, passes).unwrap_or_else(|| {
            let stack = self.ident(slot);
            quote!(#stack.reserve(#passes);)
        })
    }

    /// The number of passes of the innermost of the loops `scope` (the
    /// outermost being `lp`), counted before `lp` runs by walking the loops'
    /// ranges alone: each loop's bounds are fixed before `lp`, an index of
    /// a loop around it, or a value of an enclosing pass that the reverse
    /// sweep computes again anyway (cheap, of what the loops do not write),
    /// such as `col + 1` in `for col in 0..d { for row in col + 1..d { .. } }`.
    /// `None` when a bound is anything else (the stack then grows as it goes).
    fn counted_passes(&self, lp: &Loop, scope: &[LoopId], loops: &BTreeMap<LoopId, &Loop>) -> Option<TokenStream> {
        let nest: Vec<&Loop> = scope.iter().map(|id| loops.get(id).copied()).collect::<Option<_>>()?;
        // A value from before `lp` is the same when counting only if `lp`
        // does not change it.
        let mut written = BTreeSet::new();
        crate::ir::walk(&lp.body, 0, &mut |stmt, _| match stmt {
            Stmt::Assign { dst, .. } => {
                written.insert(*dst);
            }
            Stmt::Store { place, .. } => {
                written.insert(place.var);
            }
            Stmt::If { .. } | Stmt::Loop(_) => {}
        });
        let mut available = BTreeSet::new();
        let is_available = |available: &BTreeSet<Var>, operand: &Operand| match operand {
            Operand::Const(_) => true,
            Operand::Var(var) => {
                available.contains(var) || !(self.body.var(*var).scope.contains(&lp.id) || written.contains(var))
            }
            Operand::Place(_) => false,
        };
        // Outermost first: each level's header, and the values it computes
        // again for the levels inside.
        let mut levels = Vec::new();
        for (depth, inner) in nest.iter().enumerate() {
            let Loop { header: Header::Range { index, lo, hi, inclusive, adaptors }, trips: None, .. } = inner else {
                return None;
            };
            if adaptors.iter().any(|adaptor| !matches!(adaptor, Adaptor::Rev))
                || !is_available(&available, lo)
                || !is_available(&available, hi)
            {
                return None;
            }
            let range = Self::parenthesized(self.range_tokens(lo, hi, *inclusive));
            if depth + 1 == nest.len() {
                levels.push((range, *index, TokenStream::new()));
                break;
            }
            available.insert(*index);
            // (`let _ = ..`: an index or value no inner bound reads is no warning.)
            let index_ident = self.ident(*index);
            let mut lets = quote!(let _ = #index_ident;);
            for stmt in &inner.body.stmts {
                let Stmt::Assign { dst, rhs, kind: AssignKind::Init, span } = stmt else { continue };
                let reads_available = rhs.reads().iter().all(|var| is_available(&available, &Operand::Var(*var)));
                if self.saves.is_recomputed(*dst) && reads_available {
                    let ident = self.ident(*dst);
                    let annotation = emit::annotation(self.body, *dst);
                    let value = emit::rhs(self.body, rhs, self.float(*dst), *span);
                    lets.extend(quote_spanned!(*span=> let #ident #annotation = #value; let _ = #ident;));
                    available.insert(*dst);
                }
            }
            levels.push((range, *index, lets));
        }
        let passes = Ident::new("__passes", Span::mixed_site());
        let (innermost, _, _) = levels.pop()?;
        let mut count = quote!(#passes += #innermost.size_hint().0;);
        for (range, index, lets) in levels.into_iter().rev() {
            let index = self.ident(index);
            count = quote!(for #index in #range { #lets #count });
        }
        Some(quote!({ let mut #passes = 0usize; #count #passes }))
    }

    pub(super) fn forward_loop(&self, id: StmtId, lp: &Loop) -> TokenStream {
        let span = lp.span;
        if let Some(checkpoint) = self.checkpoint(id) {
            return self
                .at_once(id, lp, checkpoint, super::immediate::Half::Forward)
                .unwrap_or_else(|| self.checkpointed_forward(id, lp, checkpoint));
        }
        let reserve = self.reservations(lp);
        let body = self.forward(&lp.body, id.after(1));
        let recorded = self.layout.records.pass_recorded(lp.id);
        let body = quote!(#body #recorded);
        let count = lp.trips.map(|trips| {
            let trips = self.ident(trips);
            quote_spanned!(span=> #trips += 1;)
        });
        let exit = (!lp.exits.is_empty()).then(|| {
            let exits = lp.exits.iter().map(|exit| self.ident(*exit));
            quote_spanned!(span=> if #(#exits)||* { break; })
        });
        match &lp.header {
            Header::Range { index, .. } => {
                let range = self.forward_range(lp);
                let index_ident = self.ident(*index);
                if lp.trips.is_none() {
                    let run = self.loop_over_range(lp, body);
                    return quote_spanned!(span=> #reserve #run);
                }
                let pass = Ident::new("__pass", Span::mixed_site());
                let save = self
                    .saves
                    .slot(SaveKey::Index(id))
                    .map(|slot| self.save(slot, &index_ident.to_token_stream(), *index, span));
                quote_spanned!(span=> #reserve for #pass in #range { #save #index_ident = #pass; #count #body #exit })
            }
            Header::Forever => quote_spanned!(span=> #reserve loop { #count #body #exit }),
        }
    }

    /// A checkpointed loop forward: the primal alone, and the snapshots at
    /// the start of each pass.
    pub(super) fn checkpointed_forward(&self, id: StmtId, lp: &Loop, checkpoint: &Checkpoint) -> TokenStream {
        let quiet = Saves::forward_only();
        let sweep = Sweep {
            saves: &quiet,
            deferred: RefCell::new(None),
            held: RefCell::new(Vec::new()),
            early: RefCell::new(BTreeSet::new()),
            ..*self
        };
        let body = sweep.forward(&lp.body, id.after(1));
        let snapshots = self.snapshot_pushes(checkpoint);
        let reserve = self.snapshot_reservations(lp, checkpoint);
        let run = self.loop_over_range(lp, quote!(#snapshots #body));
        quote!(#reserve #run)
    }

    /// `lp`'s range as the forward sweep walks it, adaptors applied.
    fn forward_range(&self, lp: &Loop) -> TokenStream {
        let Header::Range { lo, hi, inclusive, adaptors, .. } = &lp.header else { return TokenStream::new() };
        let mut range = self.range_tokens(lo, hi, *inclusive);
        for adaptor in adaptors {
            let range_in_parens = Self::parenthesized(range.clone());
            range = match adaptor {
                Adaptor::Rev => quote!(#range_in_parens.rev()),
                Adaptor::StepBy(step) => {
                    let step = emit::operand(self.body, step);
                    quote!(#range_in_parens.step_by(#step))
                }
            };
        }
        range
    }

    /// `for index in range { body }` for a loop over a range without a pass counter.
    pub(super) fn loop_over_range(&self, lp: &Loop, body: TokenStream) -> TokenStream {
        let Header::Range { index, .. } = &lp.header else { return TokenStream::new() };
        let range = self.forward_range(lp);
        let index = self.ident(*index);
        quote_spanned!(lp.span=> for #index in #range { #body })
    }

    /// How the sweep runs the loop at `id`, if it is checkpointed (not in
    /// `NAME_graph`, whose hooks follow every statement once).
    pub(super) fn checkpoint(&self, id: StmtId) -> Option<&Checkpoint> {
        self.graph.is_none().then(|| self.saves.checkpoint(id)).flatten()
    }

    /// The stacks of the snapshots, declared up front.
    pub(super) fn snapshot_declarations(&self) -> Vec<TokenStream> {
        if self.graph.is_some() {
            return Vec::new();
        }
        self.saves.checkpoints().map(super::checkpoint::declarations).collect()
    }

    /// Room in the snapshot stacks for every pass of `lp` (a vector's as
    /// long as it is when the loop starts): they then allocate once.
    fn snapshot_reservations(&self, lp: &Loop, checkpoint: &Checkpoint) -> TokenStream {
        let Header::Range { lo, hi, inclusive, .. } = &lp.header else { return TokenStream::new() };
        let range = Self::parenthesized(self.range_tokens(lo, hi, *inclusive));
        let passes = Ident::new("__passes", Span::mixed_site());
        let reserve: TokenStream = checkpoint
            .snapshots
            .iter()
            .map(|snapshot| {
                let (var, values) = (self.ident(snapshot.var), &snapshot.values);
                let reserve = match &snapshot.lengths {
                    Some(lengths) => quote!(#values.reserve(#passes * #var.len()); #lengths.reserve(#passes);),
                    None => quote!(#values.reserve(#passes);),
                };
                unless(snapshot, reserve)
            })
            .collect();
        if reserve.is_empty() {
            return reserve;
        }
        quote_spanned!(lp.span=> { let #passes = #range.size_hint().0; #reserve })
    }

    /// Keeps each snapshot's value at the start of a forward pass.
    fn snapshot_pushes(&self, checkpoint: &Checkpoint) -> TokenStream {
        checkpoint
            .snapshots
            .iter()
            .map(|snapshot| {
                let (var, values) = (self.ident(snapshot.var), &snapshot.values);
                let push = match &snapshot.lengths {
                    Some(lengths) => quote!(#values.extend_from_slice(&#var); #lengths.push(#var.len());),
                    None => quote!(#values.push(#var);),
                };
                unless(snapshot, push)
            })
            .collect()
    }

    /// Puts each snapshot back at the start of a reverse pass (keeping it),
    /// and at its end (dropping it).
    pub(super) fn snapshot_restores(&self, checkpoint: &Checkpoint) -> (TokenStream, TokenStream) {
        let start = Ident::new("__start", Span::mixed_site());
        let empty = "autodiff: snapshot stack underflow";
        let mut peek = TokenStream::new();
        let mut pop = TokenStream::new();
        for snapshot in &checkpoint.snapshots {
            let (var, values) = (self.ident(snapshot.var), &snapshot.values);
            let (put_back, drop) = match &snapshot.lengths {
                Some(lengths) => {
                    let copy = quote!(#var.clear(); #var.extend_from_slice(&#values[#start..]););
                    let put_back = quote!({
                        let #start = #values.len() - *#lengths.last().expect(#empty);
                        #copy
                    });
                    let drop = quote!({
                        let #start = #values.len() - #lengths.pop().expect(#empty);
                        #copy
                        #values.truncate(#start);
                    });
                    (put_back, drop)
                }
                None => (quote!(#var = *#values.last().expect(#empty);), quote!(#var = #values.pop().expect(#empty);)),
            };
            peek.extend(unless(snapshot, put_back));
            pop.extend(unless(snapshot, drop));
        }
        (peek, pop)
    }
}

/// `code` of a snapshot, compiled out when its callees fill the vector
/// first (`filled.rs`).
fn unless(snapshot: &super::checkpoint::Snapshot, code: TokenStream) -> TokenStream {
    match &snapshot.unless {
        Some(filled) => quote!(if !(const { #filled }) { #code }),
        None => code,
    }
}
