//! The reverse sweep: builds the body of `NAME_vjp`.
//!
//! Before (IR of `j`):
//! ```text
//! v = mul(b, c)
//! u = add(a, v)
//! __ret = mul(3.0, u)
//! ```
//! After:
//! ```text
//! let v: f64 = b * c;                 // forward sweep: the primal, plus
//! let u: f64 = a + v;                 // saves of values it overwrites
//! let __ret: f64 = 3.0 * u;           // that the reverse sweep needs
//! let mut __bar_a: f64 = 0.0; ...     // one adjoint per active variable
//! let mut __bar_ret: f64 = seed;
//! __bar_u += __bar_ret * 3.0;         // reverse sweep: statements in
//! __bar_a += __bar_u;                 // reverse order, one accumulation
//! __bar_v += __bar_u;                 // per active operand, from the rule
//! __bar_b += __bar_v * c;             // table
//! __bar_c += __bar_v * b;
//! (__ret, __bar_a, __bar_b, __bar_c)
//! ```
//! Loops run backwards: a loop over a plain range walks the range in
//! reverse; any other loop counted its passes and runs them again. The
//! adjoints of a loop body's own variables are declared once per reverse
//! pass, so each pass starts them at zero. An assignment that overwrote a
//! value resets the adjoint of that value and, if the value was saved, puts
//! it back before the assignment's own partials read their operands.
//!
//! The parts: `saves.rs` decides what the forward sweep keeps (a side table
//! keyed by statement id), `adjoints.rs` adds the adjoint variables to the
//! IR, `layout.rs` decides where each value lives (`records.rs`: the stacks
//! of one loop nest that share a vector), `primal.rs` prints the
//! forward sweep, this file the reverse sweep (reading the transposes and
//! partials of `rules.rs`), `call.rs` the reverse of a call, `invariant.rs`
//! the loop-invariant elements whose adjoints a loop sums in a local,
//! `guard.rs` the tests that keep a zero adjoint from meeting an infinite
//! partial.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::Ident;

use crate::activity::Activity;
use crate::emit::{self, Holes};
use crate::ir::{
    Adaptor, Arg, AssignKind, Block, Body, FloatTy, Header, Loop, LoopId, Operand, Place, Rhs, Stmt, StmtId, Ty, Var,
    VarKind, Zero,
};
use crate::names::{collect_idents, NameSet};
use crate::naming::Namer;
use crate::rules::{partials, Transpose, D};

mod adjoints;
mod call;
mod checkpoint;
pub mod filled;
mod guard;
mod immediate;
mod integers;
mod invariant;
mod layout;
mod primal;
mod records;
pub mod saves;
mod shield;
mod split;

use guard::Finite;
use layout::{declarations, Layout};
pub use primal::replay;
use saves::{SaveKey, Saves};
pub use split::{InPlace, Parts, Split};

/// The differentiated parameters and where their adjoints live.
pub struct Adjoints<'a> {
    /// Scalars whose partials are returned, in order.
    pub scalars: &'a [Var],
    /// Reference parameters and their shadows (`d_x`).
    pub shadows: &'a [(Var, Ident)],
    /// The variable whose value is returned, when it is not the result
    /// being differentiated: `NAME_hvp` differentiates the tangent of the
    /// result and returns the result. `None`: the result.
    pub reported: Option<Var>,
    /// `NAME_graph`: the graph builder's calls beside the sweeps' statements.
    pub graph: Option<&'a crate::graph::Hooks>,
    /// The body is a tangent body (`NAME_hvp`, a companion's second-order
    /// methods): its zero-adjoint guards test the adjoint alone (`guard.rs`).
    pub second_order: bool,
}

/// The statements of `NAME_vjp`, ending in its result.
/// Adds the adjoint variables to `body` (`adjoints.rs`).
pub fn vjp_body(
    body: &mut Body,
    activity: &Activity,
    saves: &Saves,
    params: &Adjoints,
    seed: &Ident,
    namer: &mut Namer,
) -> Parts {
    let adjoint_vars = adjoints::declare(body, activity, params, namer);
    // (`NAME_graph` reads every addition where it is made.)
    let registers = match params.graph {
        Some(_) => Default::default(),
        None => {
            let has_adjoint = |var: Var| adjoint_vars[var.0].is_some() && activity.is_active(var);
            invariant::decide(body, &has_adjoint, namer)
        }
    };
    let body: &Body = body;
    let layout = Layout::new(body, activity, saves);
    let adjoints: Vec<Option<Ident>> =
        adjoint_vars.iter().map(|adjoint| adjoint.map(|adjoint| body.var(adjoint).ident.clone())).collect();
    let unbounded = crate::finite::unbounded(body);
    let sweep = Sweep {
        body,
        activity,
        saves,
        layout: &layout,
        adjoints: &adjoints,
        unbounded: &unbounded,
        deferred: RefCell::new(None),
        registers: &registers,
        held: RefCell::new(Vec::new()),
        graph: params.graph,
        second_order: params.second_order,
        rerun: false,
        seed: Some(seed),
        early: RefCell::new(BTreeSet::new()),
    };

    let items = &body.items;
    let declarations = declarations(body, &layout);
    let snapshots = sweep.snapshot_declarations();
    let declarations = quote!(#declarations #(#snapshots)*);
    let forward = sweep.forward(&body.block, StmtId::FIRST);
    let adjoint_declarations = sweep.adjoint_declarations(None, Some(seed));
    let reverse = sweep.reverse(&body.block, StmtId::FIRST);

    // The reverse sweep puts back values it saved; what the function
    // returns and what it left in its outputs are kept aside first.
    let restored = restored_vars(body, saves);
    let value = Ident::new("__value", Span::mixed_site());
    let returned = body.ret.map(|ret| params.reported.unwrap_or(ret));
    let keep_value = returned.filter(|ret| restored.contains(ret)).map(|ret| {
        let ret = &body.var(ret).ident;
        quote!(let #value = #ret;)
    });
    let (keep_outputs, put_back_outputs): (Vec<TokenStream>, Vec<TokenStream>) = body
        .params
        .iter()
        .filter(|&&param| {
            // Outputs only: scalar parameters are the function's own copies.
            let declared = &body.var(param).declared;
            restored.contains(&param) && matches!(declared, Some(syn::Type::Reference(r)) if r.mutability.is_some())
        })
        .map(|&param| {
            let info = body.var(param);
            let ident = &info.ident;
            let kept = format_ident!("__final_{}", ident, span = Span::mixed_site());
            let is_array =
                matches!(&info.declared, Some(syn::Type::Reference(r)) if matches!(&*r.elem, syn::Type::Array(_)));
            if is_array {
                (quote!(let #kept = *#ident;), quote!(*#ident = #kept;))
            } else {
                (quote!(let #kept = #ident.to_vec();), quote!(#ident.copy_from_slice(&#kept);))
            }
        })
        .unzip();

    // `+ 0.0` turns an untouched -0.0 adjoint into +0.0.
    // (An array taken by value has an adjoint made of +0.0.)
    let partials = params.scalars.iter().map(|param| {
        let adjoint = &adjoints[param.0];
        if body.var(*param).ty == Ty::Aggregate {
            quote!(#adjoint)
        } else {
            quote!(#adjoint + 0.0)
        }
    });
    let result = match returned {
        Some(ret) => {
            let value =
                if keep_value.is_some() { value.to_token_stream() } else { body.var(ret).ident.to_token_stream() };
            if params.scalars.is_empty() {
                quote!(#value)
            } else {
                quote!((#value, #(#partials),*))
            }
        }
        None => quote!((#(#partials,)*)),
    };
    let items = quote!(#(#items)*);
    let backward = quote!(#adjoint_declarations #reverse);
    let in_place = split::in_place_split(body, &items, [&declarations, &forward], [&backward, &result]);
    let halves = [quote!(#items #declarations #forward), quote!(#items), quote!(#keep_value #backward #result)];
    let split = split::value_split(body, &keep_outputs, halves);
    Parts {
        in_place,
        vjp: quote! {
            #items
            #declarations
            #forward
            #keep_value
            #(#keep_outputs)*
            #backward
            #(#put_back_outputs)*
            #result
        },
        split,
    }
}

/// The variables the reverse sweep writes back into.
fn restored_vars(body: &Body, saves: &Saves) -> Vec<Var> {
    let mut vars = Vec::new();
    crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
        if saves.slot(SaveKey::Value(id)).is_none() && !saves.is_undone(id) {
            return;
        }
        match stmt {
            Stmt::Assign { dst, .. } => vars.push(*dst),
            Stmt::Store { place, .. } => vars.push(place.var),
            Stmt::If { .. } | Stmt::Loop(_) => {}
        }
    });
    vars
}

struct Sweep<'a> {
    body: &'a Body,
    activity: &'a Activity,
    /// What the forward sweep saves and the calls' tapes (`saves.rs`).
    saves: &'a Saves,
    layout: &'a Layout,
    /// The names of the adjoint variables, by variable.
    /// (Words, not streams: see `emit::Piece`.)
    adjoints: &'a [Option<Ident>],
    /// The values that may be infinite or NaN (`finite.rs`).
    unbounded: &'a [bool],
    /// While reversing a loop pass: the pass's plain additions into the
    /// shadows of its read-only inputs, emitted together at the end of the
    /// pass in forward order (see `reverse_loop`), and the variables whose
    /// values stay put for the whole reverse pass.
    deferred: RefCell<Option<Deferred>>,
    /// The elements whose adjoints a loop's reverse keeps in a local
    /// (`invariant.rs`), by loop, and those of the loops being reversed.
    registers: &'a std::collections::BTreeMap<StmtId, Vec<invariant::Register>>,
    held: RefCell<Vec<(Place, Ident)>>,
    /// For `NAME_graph` (see `crate::graph`).
    graph: Option<&'a crate::graph::Hooks>,
    /// Guards test the adjoint alone (`Adjoints::second_order`).
    second_order: bool,
    /// Whether this sweep prints a checkpointed pass run again, which
    /// leaves the accumulators' updates out (`checkpoint.rs`).
    rerun: bool,
    /// The result's adjoint, for passes reversed at once (`immediate.rs`).
    seed: Option<&'a Ident>,
    /// The adjoints of locals that such passes add into, declared before
    /// their loop rather than after the forward sweep.
    early: RefCell<BTreeSet<Var>>,
}

struct Deferred {
    stable: BTreeSet<Var>,
    additions: Vec<TokenStream>,
}

impl Sweep<'_> {
    fn ident(&self, var: Var) -> &Ident {
        &self.body.var(var).ident
    }

    fn float(&self, var: Var) -> FloatTy {
        emit::float_of(self.body, var)
    }

    fn adjoint(&self, var: Var) -> Option<&Ident> {
        self.adjoints[var.0].as_ref().filter(|_| self.activity.is_active(var))
    }

    /// The adjoint of an operand, if it is active: `__bar_x`, `d_w[i]`, or
    /// the local an invariant element's adjoint is summed in
    /// (`invariant.rs`). As trees (see `emit::Piece`).
    fn adjoint_piece(&self, operand: &Operand) -> Option<emit::Piece> {
        match operand {
            Operand::Var(var) => self.adjoint(*var).map(emit::Piece::word),
            Operand::Place(place) if self.body.is_constant_field(place) => None,
            Operand::Place(place) => {
                let root = self.adjoint(place.var)?;
                let held = self.held.borrow();
                match held.iter().find(|(held, _)| crate::ir::same_place(held, place)) {
                    Some((_, register)) => Some(emit::Piece::word(register)),
                    None => Some(emit::element(self.body, place, emit::Piece::word(root))),
                }
            }
            Operand::Const(_) => None,
        }
    }

    /// `adjoint_piece` as a stream.
    fn adjoint_of(&self, operand: &Operand) -> Option<TokenStream> {
        self.adjoint_piece(operand).map(|piece| piece.into_token_stream())
    }

    /// The reverse of the loop `id`, made by `reverse`, with the adjoints
    /// of its loop-invariant elements (`invariant.rs`) summed in locals
    /// while it runs and added into memory once after it.
    fn with_registers(&self, id: StmtId, reverse: impl FnOnce() -> TokenStream) -> TokenStream {
        let registers = self.registers.get(&id).map(Vec::as_slice).unwrap_or_default();
        let count = self.held.borrow().len();
        self.held.borrow_mut().extend(registers.iter().map(|register| (register.place.clone(), register.name.clone())));
        let tokens = reverse();
        self.held.borrow_mut().truncate(count);
        if tokens.is_empty() {
            return tokens;
        }
        let mut names = NameSet::default();
        collect_idents(tokens.clone(), &mut names);
        let (mut before, mut after) = (TokenStream::new(), TokenStream::new());
        for register in registers.iter().filter(|register| names.contains(&register.name.to_string())) {
            let Some(root) = self.adjoint(register.place.var) else { continue };
            let (name, ty) = (&register.name, emit::float_type(register.float));
            let target = emit::element_of(self.body, &register.place, root);
            before.extend(quote!(let mut #name: #ty = -0.0;));
            after.extend(quote!(if #name != 0.0 { #target += #name; }));
        }
        quote!(#before #tokens #after)
    }

    /// Declarations of the adjoints whose instances live in `scope` (the
    /// function when `None`, else one pass of that loop), at zero.
    fn adjoint_declarations(&self, scope: Option<LoopId>, seed: Option<&Ident>) -> TokenStream {
        let mut tokens = TokenStream::new();
        for (i, adjoint) in self.adjoints.iter().enumerate() {
            let var = Var(i);
            let info = self.body.var(var);
            let Some(adjoint) = adjoint else { continue };
            if info.kind == VarKind::Param && info.ty == Ty::Aggregate && info.by_ref {
                continue; // a shadow parameter
            }
            if info.scope.last().copied() != scope || self.early.borrow().contains(&var) {
                continue;
            }
            let wanted = self.activity.is_active(var) || info.kind == VarKind::Param;
            if !wanted {
                continue;
            }
            let primal = info.ident.to_token_stream();
            if info.ty != Ty::Aggregate && (Some(var) != self.body.ret || seed.is_none()) {
                // Nearly every declaration: pushed as trees (see `emit::Piece`).
                let ty = emit::float_annotation(self.float(var));
                emit::push_let(&mut tokens, Span::call_site(), true, adjoint, ty, emit::negative_zero());
                continue;
            }
            tokens.extend(match info.ty {
                // An array's seed is an array (`-> [F; N]`).
                Ty::Aggregate if Some(var) == self.body.ret && seed.is_some() => quote!(let mut #adjoint = #seed;),
                _ if Some(var) == self.body.ret && seed.is_some() => {
                    let ty = emit::float_type(self.float(var));
                    quote!(let mut #adjoint: #ty = #seed;)
                }
                Ty::Aggregate => match &info.zero {
                    Some(zero) => {
                        let zero = emit::zero(zero, &primal);
                        quote!(let mut #adjoint = #zero;)
                    }
                    // `refusals::check_reverse` refused an active aggregate of unknown shape.
                    None => TokenStream::new(),
                },
                // -0.0 is the exact identity of `+`, so the first `+=` into
                // it compiles to a move; a returned partial is normalized
                // back to +0.0 (see `vjp_body`).
                _ => {
                    let ty = emit::float_type(self.float(var));
                    quote!(let mut #adjoint: #ty = -0.0;)
                }
            });
        }
        emit::flushed(tokens)
    }

    // ---- reverse sweep ----

    /// The adjoint statements, last statement first; `first` is the id of
    /// the block's first statement.
    fn reverse(&self, block: &Block, first: StmtId) -> TokenStream {
        block.numbered(first).into_iter().rev().map(|(id, stmt)| self.reverse_stmt(id, stmt)).collect()
    }

    fn reverse_stmt(&self, id: StmtId, stmt: &Stmt) -> TokenStream {
        match stmt {
            Stmt::Assign { dst, rhs, kind, span } => self.reverse_assign(id, *dst, rhs, *kind, *span),
            Stmt::Store { place, value, span } => {
                self.reverse_store(place, value, self.saves.slot(SaveKey::Value(id)), *span)
            }
            Stmt::If { cond, then, els, span } => {
                let (then_id, els_id) = crate::ir::branch_ids(id, then);
                let then = self.reverse_branch(then, then_id);
                let els = self.reverse_branch(els, els_id);
                if then.is_empty() && els.is_empty() {
                    return TokenStream::new();
                }
                let cond = emit::operand(self.body, cond);
                if els.is_empty() {
                    quote_spanned!(*span=> if #cond { #then })
                } else {
                    quote_spanned!(*span=> if #cond { #then } else { #els })
                }
            }
            Stmt::Loop(lp) => self.reverse_loop(id, lp),
        }
    }

    fn reverse_loop(&self, id: StmtId, lp: &Loop) -> TokenStream {
        self.with_registers(id, || self.reverse_loop_itself(id, lp))
    }

    fn reverse_loop_itself(&self, id: StmtId, lp: &Loop) -> TokenStream {
        if let Some(checkpoint) = self.checkpoint(id) {
            return self
                .at_once(id, lp, checkpoint, immediate::Half::Reverse)
                .unwrap_or_else(|| self.reverse_checkpointed(id, lp, checkpoint));
        }
        let span = lp.span;
        let body = self.reverse_pass(id, lp);
        let restore_index = match (&lp.header, self.saves.slot(SaveKey::Index(id))) {
            (Header::Range { index, .. }, Some(slot)) => {
                Some(self.restore(slot, &self.ident(*index).to_token_stream(), span))
            }
            _ => None,
        };
        if body.is_empty() && restore_index.is_none() {
            return TokenStream::new();
        }
        let unrecorded = self.layout.records.pass_unrecorded(lp.id);
        let declarations = self.adjoint_declarations(Some(lp.id), None);
        let recomputations = self.recomputations(&lp.body);
        let declarations = quote!(#unrecorded #declarations #recomputations);
        match (&lp.header, lp.trips) {
            (Header::Range { index, lo, hi, inclusive, adaptors, .. }, None) => {
                let range = self.range_tokens(lo, hi, *inclusive);
                // Walking a plain range backwards; a reversed one forwards.
                let range = if adaptors.iter().any(|a| matches!(a, Adaptor::Rev)) {
                    range
                } else {
                    let range = Self::parenthesized(range);
                    quote!(#range.rev())
                };
                let index = self.ident(*index);
                quote_spanned!(span=> for #index in #range { #declarations #body })
            }
            (_, Some(trips)) => {
                let trips = self.ident(trips);
                let guard = lp.guard.filter(|guard| self.saves.is_needed(*guard)).map(|guard| {
                    let guard = self.ident(guard);
                    quote_spanned!(span=> #guard = true;)
                });
                quote_spanned!(span=> for _ in 0..#trips { #declarations #body #restore_index #guard })
            }
            (Header::Forever, None) => TokenStream::new(),
        }
    }

    /// A checkpointed loop (`checkpoint.rs`), backwards: each pass puts its
    /// snapshots back, runs forward again with its saves, then backwards,
    /// and leaves the snapshots as the pass found them.
    fn reverse_checkpointed(&self, id: StmtId, lp: &Loop, checkpoint: &checkpoint::Checkpoint) -> TokenStream {
        let span = lp.span;
        let Header::Range { index, lo, hi, inclusive, adaptors } = &lp.header else {
            unreachable!("checkpoint.rs checkpoints plain ranges only")
        };
        let declarations = self.adjoint_declarations(Some(lp.id), None);
        let (peek, pop) = self.snapshot_restores(checkpoint);
        // (The values a plain reverse pass computes again, the rerun computes.)
        let again = Sweep {
            rerun: true,
            deferred: RefCell::new(None),
            held: RefCell::new(Vec::new()),
            early: RefCell::new(BTreeSet::new()),
            ..*self
        };
        let rerun = again.forward(&lp.body, id.after(1));
        let body = self.reverse_pass(id, lp);
        let range = self.range_tokens(lo, hi, *inclusive);
        let range = if adaptors.iter().any(|a| matches!(a, Adaptor::Rev)) {
            range
        } else {
            let range = Self::parenthesized(range);
            quote!(#range.rev())
        };
        let index = self.ident(*index);
        quote_spanned!(span=> for #index in #range { #peek #declarations #rerun #body #pop })
    }

    /// A block's own cheap values (`saves.rs`), computed again rather than
    /// restored, at the start of its reverse.
    fn recomputations(&self, block: &Block) -> TokenStream {
        let recomputed = block.stmts.iter().filter_map(|stmt| match stmt {
            Stmt::Assign { dst, rhs, span, .. } if self.saves.is_recomputed(*dst) => {
                let ident = self.ident(*dst);
                let annotation = emit::annotation(self.body, *dst);
                let value = emit::rhs(self.body, rhs, self.float(*dst), *span);
                Some(quote_spanned!(*span=> let #ident #annotation = #value;))
            }
            _ => None,
        });
        quote!(#(#recomputed)*)
    }

    /// A branch of an `if`, backwards, after its own cheap values computed
    /// again (under the condition that guarded them: `i - 1` where `i > 0`).
    fn reverse_branch(&self, block: &Block, first: StmtId) -> TokenStream {
        let reversed = self.reverse(block, first);
        if reversed.is_empty() {
            return reversed;
        }
        let recomputations = self.recomputations(block);
        quote!(#recomputations #reversed)
    }

    /// One pass of a loop, backwards. The plain additions into shadows of
    /// inputs the loop only reads (`d_x[i] += x̄ᵢ`) are gathered and made at
    /// the end of the pass in forward order, as a person writes them: made
    /// where they arise, two neighbouring elements updated in reverse order
    /// invite LLVM to pair them into one vector store that the next pass's
    /// load then waits on (3× slower on Rosenbrock).
    fn reverse_pass(&self, id: StmtId, lp: &Loop) -> TokenStream {
        // A value computed again at the start of the pass stays put; one
        // computed again in a branch is only there, and counts as written.
        let pass_recomputed: BTreeSet<Var> = lp
            .body
            .stmts
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::Assign { dst, .. } if self.saves.is_recomputed(*dst) => Some(*dst),
                _ => None,
            })
            .collect();
        let mut written = BTreeSet::new();
        crate::ir::walk(&lp.body, 0, &mut |stmt, _| match stmt {
            Stmt::Assign { dst, .. } if !pass_recomputed.contains(dst) => {
                written.insert(*dst);
            }
            Stmt::Store { place, .. } => {
                written.insert(place.var);
            }
            Stmt::Loop(inner) => {
                if let Header::Range { index, .. } = &inner.header {
                    written.insert(*index);
                }
            }
            _ => {}
        });
        let stable = (0..self.body.vars.len()).map(Var).filter(|var| !written.contains(var)).collect();
        let outer = self.deferred.replace(None);
        let mut tokens = TokenStream::new();
        let mut pending_additions = Vec::new();
        for (id, stmt) in lp.body.numbered(id.after(1)).into_iter().rev() {
            if let Stmt::Assign { dst, rhs, kind: AssignKind::Init, span } = stmt {
                *self.deferred.borrow_mut() =
                    Some(Deferred { stable: BTreeSet::clone(&stable), additions: Vec::new() });
                let code = self.reverse_assign(id, *dst, rhs, AssignKind::Init, *span);
                tokens.extend(code);
                if let Some(deferred) = self.deferred.borrow_mut().take() {
                    pending_additions.extend(deferred.additions);
                }
                continue;
            }
            tokens.extend(self.reverse_stmt(id, stmt));
        }
        *self.deferred.borrow_mut() = outer;
        pending_additions.reverse();
        quote!(#tokens #(#pending_additions)*)
    }

    /// `target += seed` for an element of a read-only input shadow, kept
    /// for the end of the pass when a pass is being reversed.
    fn defer(&self, operand: &Operand, addition: TokenStream) -> Option<TokenStream> {
        let Operand::Place(place) = operand else { return Some(addition) };
        let info = self.body.var(place.var);
        let input_shadow = info.kind == VarKind::Param
            && !matches!(&info.declared, Some(syn::Type::Reference(r)) if r.mutability.is_some());
        let mut deferred = self.deferred.borrow_mut();
        // (An array taken by value is the function's own copy, which the pass
        // may write: the reverse of that write reads the adjoint then.)
        let stable = |deferred: &Deferred| {
            deferred.stable.contains(&place.var) && place.index_vars().all(|var| deferred.stable.contains(&var))
        };
        match deferred.as_mut() {
            Some(deferred) if input_shadow && stable(deferred) => {
                deferred.additions.push(addition);
                None
            }
            _ => Some(addition),
        }
    }

    fn reverse_store(&self, place: &Place, value: &Operand, save: Option<Var>, span: Span) -> TokenStream {
        let target = emit::operand(self.body, &Operand::Place(Box::new(place.clone()))).into_token_stream();
        let restore = save.map(|slot| self.restore(slot, &target, span));
        let Some(root) = self.adjoint(place.var) else {
            return restore.unwrap_or_default();
        };
        let bar = emit::element_of(self.body, place, root);
        let seed = Ident::new("__seed", Span::mixed_site());
        let add = self.adjoint_of(value).map(|value_bar| quote_spanned!(span=> #value_bar += #seed;));
        // `NAME_graph`: the element read stored here gets the element's adjoint.
        let graph = self.graph.map(|graph| graph.store_adjoint(value, &seed.to_token_stream()));
        quote_spanned!(span=> { let #seed = #bar; #graph #bar = 0.0; #restore #add })
    }

    /// The reverse of the assignment `id`: `dst = rhs`.
    fn reverse_assign(&self, id: StmtId, dst: Var, rhs: &Rhs, kind: AssignKind, span: Span) -> TokenStream {
        // `NAME_graph`: the adjoint of the value assigned here is final, its node gets it.
        let graph = self
            .graph
            .zip(self.adjoint(dst))
            .map(|(graph, bar)| graph.adjoint(self.body, dst, rhs, &bar.to_token_stream()));
        let code = self.reverse_assign_sweep(id, dst, rhs, kind, span);
        quote!(#graph #code)
    }

    fn reverse_assign_sweep(&self, id: StmtId, dst: Var, rhs: &Rhs, kind: AssignKind, span: Span) -> TokenStream {
        let ident = self.ident(dst).to_token_stream();
        let restore = match self.saves.slot(SaveKey::Value(id)) {
            Some(slot) => Some(self.restore(slot, &ident, span)),
            None if self.saves.is_undone(id) => integers::undo(self.body, dst, rhs, span),
            None => None,
        };
        let tape = self.saves.tape(id);
        // `helper(x, &mut out)`: `out` back to its value before the call,
        // then the callee consumes its adjoint in place.
        if let (Some(written), Rhs::Call(path, call_args)) = (rhs.written_in_place(), rhs) {
            let restore_written =
                || self.saves.slot(SaveKey::Value(id)).map(|slot| self.restore_written_part(slot, dst, rhs, span));
            // The call after a marker gave its output's adjoint already.
            if rhs.is_output_marker() {
                return restore_written().unwrap_or_default();
            }
            // With two outputs, the call runs when either has an adjoint.
            let outputs: Vec<Var> =
                rhs.outputs().into_iter().filter(|&output| self.adjoint(output).is_some()).collect();
            let bars: Vec<&Ident> = outputs.iter().filter_map(|&output| self.adjoint(output)).collect();
            if written == dst && !bars.is_empty() {
                let restore = restore_written();
                let mut call = self.reverse_call(path, call_args, tape, None, span);
                // As for a call that returns a float: with an argument that may
                // not be finite, a zero adjoint (the whole buffers') skips it.
                if crate::finite::reads_non_finite(rhs, self.unbounded) {
                    // (A buffer of rows, `[[f64; N]; M]`, is tested number by number.)
                    let numbers = outputs.iter().zip(&bars).map(|(&output, bar)| {
                        let flatten = (1..self.body.var(output).dims.unwrap_or(1)).map(|_| quote!(.flatten()));
                        quote!(#bar.iter()#(#flatten)*)
                    });
                    call = quote_spanned!(span=> if #(#numbers.any(|s| *s != 0.0))||* { #call });
                }
                // The tape of the previous call at this site comes back.
                let restore_tape = tape.and_then(|tape| {
                    let slot = self.saves.slot(SaveKey::Tape(id))?;
                    Some(self.restore(slot, &self.ident(tape).to_token_stream(), span))
                });
                return quote!({ #restore #call #restore_tape });
            }
        }
        let Some(bar) = self.adjoint(dst) else {
            return restore.unwrap_or_default();
        };
        // The call's reverse pass reads this call's tape, then the tape of
        // the previous call at this site comes back.
        let restore_tape = tape.and_then(|tape| {
            let slot = self.saves.slot(SaveKey::Tape(id))?;
            Some(self.restore(slot, &self.ident(tape).to_token_stream(), span))
        });
        let aggregate = self.body.var(dst).ty == Ty::Aggregate;
        // `s = s + e` passes its adjoint through to the old `s` unchanged:
        // only `e` gets something.
        if let Rhs::Prim(op @ (crate::ir::Op::Add | crate::ir::Op::Sub), args) = rhs {
            let accumulates = kind == AssignKind::Overwrite && args[0].var() == Some(dst) && args[0].place().is_none();
            if accumulates && !args[1].reads().contains(&dst) {
                let add = self.adjoint_of(&args[1]).map(|target| match op {
                    crate::ir::Op::Add => quote_spanned!(span=> #target += #bar;),
                    _ => quote_spanned!(span=> #target -= #bar;),
                });
                return quote!(#restore #add);
            }
        }
        let mut prologue = TokenStream::new();
        let mut rezero = TokenStream::new();
        // The value this assignment replaced starts with a zero adjoint, so
        // the incoming adjoint is taken out first.
        let seed = if kind == AssignKind::Overwrite {
            let seed = Ident::new("__seed", Span::mixed_site());
            if aggregate {
                let info = self.body.var(dst);
                let zero = |like: &dyn ToTokens| {
                    let like = like.to_token_stream();
                    info.zero.as_ref().map(|zero| emit::zero(zero, &like)).unwrap_or_else(|| quote!(0.0))
                };
                if restore.is_some() && matches!(info.zero, Some(Zero::Vec(_))) {
                    // A vector (`h = next`, a reference `t = w`) may change
                    // length: the old value's adjoint has the length of the
                    // restored one.
                    prologue.extend(quote_spanned!(span=> let #seed = ::core::mem::take(&mut #bar);));
                    let zero = zero(&ident);
                    rezero = quote_spanned!(span=> #bar = #zero;);
                } else {
                    // The zero is made before `bar` is lent to `replace`.
                    let fresh = Ident::new("__zero", Span::mixed_site());
                    let zero = zero(bar);
                    prologue.extend(quote_spanned!(span=>
                        let #fresh = #zero;
                        let #seed = ::core::mem::replace(&mut #bar, #fresh);
                    ));
                }
            } else {
                prologue.extend(quote_spanned!(span=> let #seed = #bar; #bar = 0.0;));
            }
            seed
        } else {
            bar.clone()
        };
        // A partial that reads the result must see it before the restore.
        let reads_out = matches!(rhs, Rhs::Prim(op, _) if partials(*op).iter().flatten().any(|d| d.reads_out()));
        let out = if restore.is_some() && reads_out {
            let out = Ident::new("__out", Span::mixed_site());
            prologue.extend(quote_spanned!(span=> let #out = #ident;));
            quote!(#out)
        } else {
            ident.clone()
        };
        prologue.extend(restore);
        prologue.extend(rezero);
        let accumulations = self.accumulations(dst, rhs, tape, &seed, &out, span);
        if kind == AssignKind::Overwrite {
            quote!({ #prologue #accumulations #restore_tape })
        } else {
            quote!(#prologue #accumulations #restore_tape)
        }
    }

    /// `x̄ += ȳ · ∂y/∂x` for every active operand `x` of `y = rhs`.
    fn accumulations(
        &self,
        dst: Var,
        rhs: &Rhs,
        tape: Option<Var>,
        seed_word: &Ident,
        out: &TokenStream,
        span: Span,
    ) -> TokenStream {
        // The seed and the targets of the accumulations are words and
        // elements, kept as trees (see `emit::Piece`).
        let seed = &seed_word.to_token_stream();
        let mut tokens = TokenStream::new();
        let operands = rhs.operands();
        let args: Vec<emit::Piece> = operands.iter().map(|operand| emit::operand(self.body, operand)).collect();
        let out = &emit::Piece::Stream(out.clone());
        match rhs {
            Rhs::Use(_) | Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) | Rhs::Deref(_) => {
                tokens.extend(self.same_length(dst, rhs, seed, span));
                for (operand, transpose) in crate::rules::transpose_form(rhs) {
                    // `let c: [f64; 3] = m.b;`, `[m.b, m.c]`: a model's
                    // part, which the macro takes for a float unless it is
                    // indexed, read whole into an array: its adjoint is the
                    // array's (or the item's), whatever its shape.
                    let model_part = self.body.var(dst).ty == Ty::Aggregate
                        && matches!(&operand, Operand::Place(place) if self.is_model_place(place));
                    let part = match transpose {
                        Transpose::Whole => Some(seed.clone()),
                        Transpose::Item(k) => {
                            let k = proc_macro2::Literal::usize_unsuffixed(k);
                            Some(quote!(#seed[#k]))
                        }
                        Transpose::EachElement => None,
                    };
                    if let (true, Some(part), Some(target)) = (model_part, part, self.adjoint_of(&operand)) {
                        tokens.extend(quote_spanned!(span=> ::autodiff::guards::add_part(&mut #target, &#part);));
                        continue;
                    }
                    tokens.extend(self.transposed(&operand, transpose, seed, span));
                }
            }
            Rhs::Prim(crate::ir::Op::ToFloat(_), _) => {
                // `y = x as f32`: the adjoint goes back in `x`'s own type.
                if let (Some(target), Some(source)) = (self.adjoint_of(operands[0]), operands[0].var()) {
                    let ty = emit::float_type(match self.body.ty(operands[0]) {
                        Ty::Float(float) => float,
                        _ => self.float(source),
                    });
                    tokens.extend(quote_spanned!(span=> #target += #seed as #ty;));
                }
            }
            // `y = x * x`: one accumulation of ȳ·2x rather than two of ȳ·x.
            Rhs::Prim(op @ crate::ir::Op::Mul, _)
                if args[0].to_token_stream().to_string() == args[1].to_token_stream().to_string() =>
            {
                if let Some(target) = self.adjoint_piece(operands[0]) {
                    let holes = Holes { args: &args, out, float: self.float(dst), span };
                    let twice = D::Bin(crate::rules::Bin::Mul, Box::new(D::Lit(2.0)), Box::new(D::Arg(0)));
                    let addition = emit::accumulate(&target, seed_word, &twice, &holes);
                    let guarded = self.may_blow_up(*op, &twice, &operands, dst);
                    tokens.extend(if guarded {
                        let mut finite = Finite::When(Vec::new());
                        finite.partial(&twice, &holes);
                        guard::unless_zero(seed, self.guard_tests(finite), addition, span)
                    } else {
                        addition
                    });
                }
            }
            Rhs::Prim(op, _) => {
                let holes = Holes { args: &args, out, float: self.float(dst), span };
                let mut guarded = TokenStream::new();
                let mut finite = Finite::When(Vec::new());
                for (i, partial) in partials(*op).iter().enumerate() {
                    if let (Some(partial), Some(target)) = (partial, self.adjoint_piece(operands[i])) {
                        let addition = emit::accumulate(&target, seed_word, partial, &holes);
                        if self.may_blow_up(*op, partial, &operands, dst) {
                            finite.partial(partial, &holes);
                            guarded.extend(addition);
                            continue;
                        }
                        // Only a partial of ±1 reads nothing that could change by the pass's end.
                        let plain = matches!(partial, D::Lit(v) if *v == 1.0)
                            || matches!(partial, D::Neg(inner) if **inner == D::Lit(1.0));
                        tokens.extend(if plain { self.defer(operands[i], addition) } else { Some(addition) });
                    }
                }
                if !guarded.is_empty() {
                    tokens.extend(guard::unless_zero(seed, self.guard_tests(finite), guarded, span));
                }
            }
            // A call with constant arguments only has no derivative.
            Rhs::Call(_, call_args)
                if !call_args.iter().filter_map(Arg::var).any(|var| self.adjoint(var).is_some()) => {}
            Rhs::Call(path, call_args) => {
                let call = self.reverse_call(path, call_args, tape, Some(seed), span);
                // A zero adjoint skips the callee: its own rules may multiply
                // a value that overflowed inside it (`v * v` at 1e200) by the
                // adjoint, unguarded where its own adjoints cannot vanish.
                // (Testing its arguments first, as `guard.rs` does for a
                // partial, would not see that.)
                tokens.extend(match self.body.var(dst).ty {
                    // An array's seed (`-> [F; N]`) is zero when all its elements are.
                    // Of an array of arrays (`-> [[F; N]; M]`), when all its rows' are.
                    Ty::Aggregate => {
                        let flatten = (1..self.body.var(dst).dims.unwrap_or(1)).map(|_| quote!(.flatten()));
                        quote_spanned!(span=> if #seed.iter()#(#flatten)*.any(|s| *s != 0.0) { #call })
                    }
                    _ => guard::unless_zero(seed, Finite::Never, call, span),
                });
            }
            Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => {}
        }
        tokens
    }

    /// `k = a` between arrays a call returned into locals whose type is not
    /// written (`Zero::OfCallResult`): nothing else fixes the length of the
    /// copy's adjoint, so it is tied to the source's (one type, as in Rust).
    fn same_length(&self, dst: Var, rhs: &Rhs, seed: &TokenStream, span: Span) -> Option<TokenStream> {
        let Rhs::Use(Operand::Var(src)) = rhs else { return None };
        let of_call = |var: Var| matches!(self.body.var(var).zero, Some(Zero::OfCallResult));
        if !of_call(dst) && !of_call(*src) {
            return None;
        }
        let target = self.adjoint(*src)?;
        Some(quote_spanned!(span=> ::autodiff::guards::same_type(&#target, &#seed);))
    }

    /// The addition into the adjoint of `operand`, if it is active, of its
    /// part of `seed` (`rules::transpose_form`).
    fn transposed(
        &self,
        operand: &Operand,
        transpose: Transpose,
        seed: &TokenStream,
        span: Span,
    ) -> Option<TokenStream> {
        let target = self.adjoint_of(operand)?;
        let dims = self.aggregate_dims(operand);
        match transpose {
            // A scalar read of a read-only input may wait for the pass's end.
            Transpose::Whole if dims.is_none() => self.defer(operand, self.add_into(&target, seed, None, span)),
            Transpose::Whole => {
                let grow = self.grow_to(operand, &target, seed, span);
                let add = self.add_into(&target, seed, dims, span);
                Some(quote!(#grow #add))
            }
            // A row of an array of arrays (`[[x[0], x[1]], ..]`) adds as a row.
            Transpose::Item(k) => {
                let k = proc_macro2::Literal::usize_unsuffixed(k);
                Some(self.add_into(&target, &quote!(#seed[#k]), dims, span))
            }
            Transpose::EachElement => {
                let element = Ident::new("__element", Span::mixed_site());
                let add = self.add_into(&target, &quote!(#element), dims, span);
                Some(quote_spanned!(span=> for #element in #seed.iter() { #add }))
            }
        }
    }

    /// What a guard tests before the adjoint: the partials' finiteness
    /// (`guard.rs`), except in a tangent body, where adjoints are often zero
    /// and skipping the partial pays more (`seed_net_hvp`: 58 ns against
    /// 83 ns with the partials tested first).
    fn guard_tests(&self, finite: Finite) -> Finite {
        if self.second_order {
            Finite::Never
        } else {
            finite
        }
    }

    /// Whether the partial `d` of `dst = op(operands)` can be infinite or
    /// NaN at this statement (see `finite.rs`), so that a zero adjoint must
    /// skip its product rather than make it NaN.
    fn may_blow_up(&self, op: crate::ir::Op, d: &D, operands: &[&Operand], dst: Var) -> bool {
        let unbounded = |read: Option<usize>| match read {
            Some(i) => crate::finite::may_be_non_finite(operands[i], self.unbounded),
            None => self.unbounded[dst.0],
        };
        crate::rules::can_blow_up(op) || d.reads_unbounded(&unbounded)
    }

    /// How many indices reach a float in an aggregate operand (`None` for a
    /// scalar).
    /// Whether `place` is a part of a model (`m.b`, `m.pos[i]`), whose
    /// type the macro cannot see.
    pub(super) fn is_model_place(&self, place: &crate::ir::Place) -> bool {
        let info = self.body.var(place.var);
        info.ty == Ty::Aggregate && info.dims.is_none() && !place.proj.is_empty()
    }

    fn aggregate_dims(&self, operand: &Operand) -> Option<usize> {
        if self.body.ty(operand) != Ty::Aggregate {
            return None;
        }
        let var = operand.var()?;
        let dims = self.body.var(var).dims.unwrap_or(1);
        // Constant indices count too: `h[0]` of `[[f64; N]; M]` is a row.
        let used = operand
            .place()
            .map_or(0, |place| place.proj.iter().filter(|proj| matches!(proj, crate::ir::Proj::Index(_))).count());
        Some(dims.saturating_sub(used).max(1))
    }

    /// For a whole local vector's adjoint `target` about to take `value`, the
    /// adjoint of a copy of it: `target` grown to `value`'s length. It was
    /// made at the start of the pass with the length the vector has last
    /// (`next` in `for .. { let next = vec![0.0; h.len() - 1]; .. h = next; }`),
    /// and an addition by `zip` would drop the rest.
    fn grow_to(&self, operand: &Operand, target: &TokenStream, value: &TokenStream, span: Span) -> TokenStream {
        let Operand::Var(var) = operand else { return TokenStream::new() };
        let info = self.body.var(*var);
        let element = match &info.zero {
            Some(Zero::Vec(inner)) if info.kind != VarKind::Param && !info.by_ref => match &**inner {
                Zero::Scalar => quote!(0.0),
                Zero::Array(zero) => zero.clone(),
                Zero::Vec(_) | Zero::OfCallResult => return TokenStream::new(),
            },
            _ => return TokenStream::new(),
        };
        quote_spanned!(span=> if #target.len() < #value.len() { #target.resize(#value.len(), #element); })
    }

    /// `target += value`, element by element for aggregates of `dims` levels.
    fn add_into(&self, target: &TokenStream, value: &TokenStream, dims: Option<usize>, span: Span) -> TokenStream {
        let Some(dims) = dims else {
            return quote_spanned!(span=> #target += #value;);
        };
        let (a, b) = (Ident::new("__a", Span::mixed_site()), Ident::new("__b", Span::mixed_site()));
        // Nested arrays add as one flat slice: `[[f64; N]; M]` → `[f64]`.
        let flatten = |tokens: &TokenStream, mutable: bool| {
            let mut flat = tokens.clone();
            for _ in 1..dims.max(1) {
                flat = if mutable { quote!(#flat.as_flattened_mut()) } else { quote!(#flat.as_flattened()) };
            }
            if mutable {
                quote!(#flat.iter_mut())
            } else {
                quote!(#flat.iter())
            }
        };
        let (targets, values) = (flatten(target, true), flatten(value, false));
        quote_spanned!(span=> for (#a, #b) in #targets.zip(#values) { *#a += *#b; })
    }
}

/// Whether the function writes `var` (so a parameter must be `mut` in `NAME_vjp`).
pub fn is_mutated(body: &Body, var: Var) -> bool {
    let mut written = false;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, .. } => written |= *dst == var,
        Stmt::Store { place, .. } => written |= place.var == var && !body.var(var).by_ref,
        _ => {}
    });
    written
}
#[cfg(test)]
mod tests_support {
    use crate::expand::tests::expand_sweeps_to_string;

    /// The body of the generated `NAME_vjp`, pretty-printed.
    pub(super) fn vjp_of(item: proc_macro2::TokenStream) -> String {
        let expanded = expand_sweeps_to_string(item);
        let start = expanded.find("_vjp(").expect("a vjp function");
        let start = expanded[start..].find('{').map(|i| start + i).unwrap_or(start);
        let end = expanded[start..].find("\n}\n").map(|i| start + i + 3).unwrap_or(expanded.len());
        expanded[start..end].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::vjp_of;
    use quote::quote;

    #[test]
    fn straight_line_code_reads_like_the_chain_rule() {
        let got = vjp_of(quote! {
            fn j(a: f64, b: f64, c: f64) -> f64 {
                let v = b * c;
                let u = a + v;
                3.0 * u
            }
        });
        let want = "{
    let _ = j;
    let v: f64 = b * c;
    let u: f64 = a + v;
    let __ret: f64 = 3.0 * u;
    let mut __bar_a: f64 = -0.0;
    let mut __bar_b: f64 = -0.0;
    let mut __bar_c: f64 = -0.0;
    let mut __bar_ret: f64 = seed;
    let mut __bar_v: f64 = -0.0;
    let mut __bar_u: f64 = -0.0;
    __bar_u += __bar_ret * 3.0;
    __bar_a += __bar_u;
    __bar_v += __bar_u;
    __bar_b += __bar_v * c;
    __bar_c += __bar_v * b;
    (__ret, __bar_a + 0.0, __bar_b + 0.0, __bar_c + 0.0)
}
";
        assert_eq!(got, want);
    }

    #[test]
    fn an_overwrite_resets_the_adjoint_and_restores_the_value() {
        let got = vjp_of(quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                s = s.sin();
                s
            }
        });
        assert!(got.contains("let __saved_s = s;"), "{got}");
        assert!(got.contains("let __seed = __bar_s;\n        __bar_s = 0.0;"), "{got}");
        assert!(got.contains("s = __saved_s;\n        __bar_s += __seed * f64::cos(s);"), "{got}");
    }

    #[test]
    fn branches_are_replayed_on_the_recorded_condition() {
        let got = vjp_of(quote! {
            fn f(x: f64) -> f64 {
                if x > 1.0 { x * 3.0 } else { x.exp() }
            }
        });
        assert!(got.contains("let __t1 = x > 1.0;"), "{got}");
        assert!(got.contains("if __t1 {\n        __bar_x += __bar_ret * 3.0;\n    } else {\n        if f64::is_finite(__ret) || __bar_ret != 0.0 {\n            __bar_x += __bar_ret * __ret;\n        }\n    }"), "{got}");
    }

    #[test]
    fn a_zero_adjoint_skips_the_products_that_can_be_infinite() {
        let got = vjp_of(quote! {
            fn f(x: f64, y: f64) -> f64 {
                let r = x.sqrt();
                let p = x * y;
                let s = r * y + p;
                if x <= 0.0 {
                    return x * x;
                }
                s
            }
        });
        // √'s partial is infinite at 0, and `r` may be NaN (x < 0): their
        // products are skipped when the adjoint is 0 and the partial, known
        // from the forward sweep, is not finite; `x * y` of finite inputs
        // needs no test.
        let sqrt = "if f64::is_finite(0.5 / r) || __bar_r != 0.0 {\n        __bar_x += __bar_r * (0.5 / r);";
        assert!(got.contains(sqrt), "{got}");
        assert!(
            got.contains("if f64::is_finite(r) || __bar_t1 != 0.0 {\n        __bar_y += __bar_t1 * r;\n    }"),
            "{got}"
        );
        assert!(got.contains("__bar_r += __bar_t1 * y;"), "{got}");
        assert!(got.contains("__bar_x += __bar_p * y;\n    __bar_y += __bar_p * x;"), "{got}");
    }

    #[test]
    fn a_guard_tests_the_forward_values_before_the_adjoint() {
        let got = vjp_of(quote! {
            fn f(x: f64, y: f64) -> f64 {
                let r = x.ln();
                helpers::g(r, y) + x % y
            }
        });
        // A call runs only when its adjoint is not zero: a value may
        // overflow inside it although its arguments are finite.
        assert!(got.contains("if __bar_t1 != 0.0 {"), "{got}");
        assert!(!got.contains("f64::is_finite(r)"), "{got}");
        // `%`'s partials: 1 needs no test, minus the quotient does (y = 0).
        let rem = "if f64::is_finite(-f64::round((x - __t2) / y)) || __bar_t2 != 0.0 {\n        __bar_x += __bar_t2;\n        __bar_y += __bar_t2 * -f64::round((x - __t2) / y);";
        assert!(got.contains(rem), "{got}");
        // `ln`'s partial 1/x: tested, then added.
        assert!(got.contains("if f64::is_finite(1.0 / x) || __bar_r != 0.0 {"), "{got}");
    }

    #[test]
    fn calls_go_through_the_callee_vjp() {
        let got = vjp_of(quote! {
            fn f(x: f64, n: usize) -> f64 {
                helpers::g(x, n, 2.0) * x
            }
        });
        assert!(got.contains("let __call = helpers::g::fwd(x, n, 2.0);"), "{got}");
        assert!(got.contains("let (_, __d0, _) = helpers::g::rev(x, n, 2.0, __tape_t1, __bar_t1);"), "{got}");
    }

    #[test]
    fn kinks_follow_the_documented_conventions() {
        let got = vjp_of(quote! {
            fn f(x: f64, y: f64) -> f64 {
                x.abs() + x.max(y)
            }
        });
        // `max` splits a tie evenly, and gives the derivative to `x` where `y` is NaN.
        let to_x = "if x == y {\n        __bar_x += __bar_t2 * 0.5;\n    } else {\n        if x >= y {\n            __bar_x += __bar_t2;\n        } else {\n            if y != y {\n                __bar_x += __bar_t2;\n            }\n        }\n    }";
        assert!(got.contains(to_x), "{got}");
        let to_y = "if x == y {\n        __bar_y += __bar_t2 * 0.5;\n    } else {\n        if !(x >= y) {\n            if !(y != y) {\n                __bar_y += __bar_t2;\n            }\n        }\n    }";
        assert!(got.contains(to_y), "{got}");
        assert!(got.contains("if x > 0.0 {\n        __bar_x += __bar_t1;\n    } else {\n        if x < 0.0 {\n            __bar_x -= __bar_t1;\n        }\n    }"), "{got}");
    }

    #[test]
    fn a_counter_walking_a_triangle_is_counted_back_down() {
        let got = vjp_of(quote! {
            fn f(d: usize, l: &[f64], x: &[f64]) -> f64 {
                let mut qx = vec![0.0; d];
                let mut li = 0;
                for col in 0..d {
                    for row in col + 1..d {
                        qx[row] += l[li] * x[col];
                        li += 1;
                    }
                }
                qx.iter().map(|v| v * v).sum()
            }
        });
        assert!(!got.contains("__saved"), "{got}");
        assert!(!got.contains(".push("), "{got}");
        assert!(got.contains("let mut __bar_t3: f64 = -0.0;\n            li = li - 1;\n"), "{got}");
    }

    #[test]
    fn a_stack_in_a_triangular_nest_reserves_the_passes_counted_first() {
        let got = vjp_of(quote! {
            fn f(x: &[f64], d: usize) -> f64 {
                // (`y`, read by every pass and written after the loop,
                // keeps the passes from being run again one by one.)
                let mut y = x[0];
                let mut p = 1.0;
                for col in 0..d {
                    for row in col + 1..d {
                        p = p * x[row] + y;
                    }
                }
                y = 2.0;
                p * y
            }
        });
        let counted = "{
        let __passes = {
            let mut __passes = 0usize;
            for col in (0..d) {
                let _ = col;
                let __t1 = col + 1;
                let _ = __t1;
                __passes += (__t1..d).size_hint().0;
            }
            __passes
        };
        __saved_p.reserve(__passes);
    }
    for col in 0..d {";
        assert!(got.contains(counted), "{got}");
    }

    /// GMM's loop over points, reduced: `total` is the result (its adjoint
    /// is the seed) or its logarithm's argument (`result`).
    fn points(result: proc_macro2::TokenStream) -> String {
        vjp_of(quote! {
            fn f(d: usize, k: usize, n: usize, means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
                let icf_size = d * (d + 1) / 2;
                let mut xc = vec![0.0; d];
                let mut qx = vec![0.0; d];
                let mut total = 0.0;
                for ix in 0..n {
                    for ik in 0..k {
                        for id in 0..d {
                            xc[id] = x[ix * d + id] - means[ik * d + id];
                        }
                        qtimesx(&icf[0..d], &icf[d..icf_size], &xc, &mut qx);
                        let sq: f64 = qx.iter().map(|v| v * v).sum();
                        total += (1.0 + sq).ln();
                    }
                }
                #result
            }
        })
    }

    /// The loop's forms in `got`: (the scratch made before it, the loop
    /// reversed at once, today's checkpoint; the reverse sweep's part for
    /// it, today's), split at the callee's flag that `qx` is filled first.
    fn forms(got: &str) -> [&str; 5] {
        let (forward, reverse) = got.split_once("let __ret").expect("the forward sweep ends at the result");
        let filled = "if const { ((qtimesx::FILLED_FIRST.len() > 3 && qtimesx::FILLED_FIRST[3])) }";
        let (made, rest) = forward.split_once(filled).expect("the form under the callee's flag");
        let (at_once, today) = rest.split_once("\n    } else {\n").expect("today's checkpoint otherwise");
        let (_, reverse) =
            reverse.split_once("if const {").unwrap_or_else(|| panic!("the reverse under the flag: {got}"));
        let (under, today_reverse) = reverse.split_once("else {").expect("today's reverse otherwise");
        let scaled = under.split_once('}').map_or("", |(_, scaled)| scaled.trim());
        [made, at_once, today, scaled.trim_start_matches('{').trim_end_matches('}'), today_reverse]
    }

    /// `order` appears in `text` in that order.
    fn in_order(text: &str, order: &[&str], got: &str) {
        let at: Vec<usize> =
            order.iter().map(|line| text.find(line).unwrap_or_else(|| panic!("{line}: {got}"))).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}: {got}");
    }

    #[test]
    fn a_pass_handing_on_the_result_is_reversed_at_once_into_the_shadows() {
        let got = points(quote!(total));
        let [made, at_once, today, scaled, _] = forms(&got);
        // `total` is the result: its adjoint is the seed, known before the
        // loop. Each pass runs forward with its saves and its total's update,
        // then backwards from the seed straight into the inputs' shadows;
        // the vectors each pass writes first lend their adjoints scratch.
        assert!(!made.contains("__scratch_d_means"), "{got}");
        assert!(
            made.contains("let mut __scratch___bar_xc: ::std::vec::Vec<f64> = ::std::vec![0.0; xc.len()];"),
            "{got}"
        );
        let order = [
            "for ix in 0..n {",
            "__saved_xc.push(xc[id]);",
            "total = total + __t11;",
            "let mut __bar_total: f64 = seed;",
            "let mut __bar_xc = ::core::mem::take(&mut __scratch___bar_xc);",
            "__bar_xc.clear();",
            "__bar_xc.resize(xc.len(), 0.0);",
            "__bar_t11 += __bar_total;",
            "d_means[__t6] -= __bar_t3;",
            "__scratch___bar_xc = __bar_xc;",
        ];
        in_order(at_once, &order, &got);
        assert!(!at_once.contains("let d_means"), "{got}");
        // No snapshot is taken there; today's checkpoint keeps it.
        assert!(!at_once.contains("__snapshot"), "{got}");
        assert!(today.contains("__snapshot_qx.extend_from_slice(&qx);"), "{got}");
        // The reverse sweep has nothing left to do for the loop.
        assert_eq!(scaled.trim(), "", "{got}");
        assert_eq!(got.matches("total = total + __t11;").count(), 2, "{got}");
    }

    #[test]
    fn a_pass_handing_on_a_total_read_otherwise_is_reversed_at_once_into_scratch() {
        let got = points(quote!(total.ln()));
        let [made, at_once, _, scaled, today_reverse] = forms(&got);
        // `ln(total)`: the total's adjoint is known only in the reverse
        // sweep. The passes are reversed from 1 into scratch as large as
        // the adjoints they add into, under the names of the real ones.
        assert!(
            made.contains("let mut __scratch_d_means: ::std::vec::Vec<f64> = ::std::vec![0.0; means.len()];"),
            "{got}"
        );
        let order = [
            "for ix in 0..n {",
            "total = total + __t11;",
            "let mut __bar_total: f64 = 1.0;",
            "let d_means = &mut __scratch_d_means[..];",
            "__bar_t11 += __bar_total;",
            "d_means[__t6] -= __bar_t3;",
        ];
        in_order(at_once, &order, &got);
        // Reverse: `ā · scratch`, only where `ā` and the part are not zero,
        // and no pass again.
        let add = "if __bar_total != 0.0 {
            for (__target, __part) in d_means.iter_mut().zip(__scratch_d_means.iter()) {
                if *__part != 0.0 {
                    *__target += __bar_total * *__part;
                }
            }";
        assert!(scaled.contains(add), "{got}");
        assert!(!scaled.contains("__saved_xc"), "{got}");
        // Written first by every pass, `xc`'s adjoint leaves no pass.
        assert!(!scaled.contains("__scratch___bar_xc"), "{got}");
        assert!(today_reverse.contains("__saved_xc.push(xc[id]);"), "{got}");
    }

    #[test]
    fn a_checkpointed_loop_with_two_totals_saves_nothing_forward_and_runs_each_pass_again() {
        let got = vjp_of(quote! {
            fn f(d: usize, k: usize, n: usize, means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
                let icf_size = d * (d + 1) / 2;
                let mut xc = vec![0.0; d];
                let mut qx = vec![0.0; d];
                let mut total = 0.0;
                let mut other = 0.0;
                for ix in 0..n {
                    for ik in 0..k {
                        for id in 0..d {
                            xc[id] = x[ix * d + id] - means[ik * d + id];
                        }
                        qtimesx(&icf[0..d], &icf[d..icf_size], &xc, &mut qx);
                        let sq: f64 = qx.iter().map(|v| v * v).sum();
                        total += (1.0 + sq).ln();
                        other += sq;
                    }
                }
                total * other
            }
        });
        // Two totals with adjoints: no pass is reversed at once (`immediate.rs`).
        assert!(!got.contains("__scratch"), "{got}");
        let (forward, reverse) = got.split_once("let __ret").expect("the forward sweep ends at the result");
        // Forward: the primal, and `qx` (lent to a callee) kept at each
        // pass's start, unless the callee's companion says it fills `qx`
        // before reading it (a constant: the copy is compiled out).
        let pushes: Vec<&str> = forward.lines().map(str::trim).filter(|line| line.contains(".push(")).collect();
        assert_eq!(pushes, ["__snapshot_lengths_qx.push(qx.len());"], "{got}");
        let unless = "if !(const { (qtimesx::FILLED_FIRST.len() > 3 && qtimesx::FILLED_FIRST[3]) }) {";
        let kept = format!("for ix in 0..n {{\n        {unless}\n            __snapshot_qx.extend_from_slice(&qx);");
        assert!(forward.contains(&kept), "{got}");
        assert!(
            forward.contains(&format!("{unless}\n            __snapshot_qx.reserve(__passes * qx.len());")),
            "{got}"
        );
        assert_eq!(got.matches(unless).count(), 4, "reserve, push, put back, drop: {got}");
        // Reverse: per pass, `qx` back, the pass again with its saves but not
        // the total's update, its reverse, and the snapshot dropped.
        let pass = reverse.split_once("for ix in (0..n).rev() {").map(|(_, pass)| pass).expect("a reverse loop");
        let again = pass.find("__saved_xc.push(xc[id]);").expect("saves in the pass run again");
        let back = pass.find("__bar_t11 += __bar_total;").expect("the pass's reverse");
        let peek = pass.find("qx.extend_from_slice(&__snapshot_qx[__start..]);").expect("the snapshot put back");
        let drop = pass.find("__snapshot_qx.truncate(__start);").expect("the snapshot dropped");
        assert!(peek < again && again < back && back < drop, "{got}");
        assert_eq!(got.matches("total = total + __t11;").count(), 1, "{got}");
    }
}
