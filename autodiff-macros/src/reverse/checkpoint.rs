//! Independent passes: a loop whose passes the reverse sweep can run again
//! one at a time (Tapenade's II-LOOP), so that its stacks hold one pass.
//!
//! A loop is *checkpointed* when its passes hand each other nothing the
//! reverse sweep cannot get back without per-pass saves:
//!
//! - what a pass writes is its own (a `let` in the body), or written before
//!   any read in every pass (*fresh*: an assignment, or a loop storing every
//!   element of a vector of fixed length), or an *accumulator* (`total +=
//!   e`, whose old value no pass otherwise reads), or a float, or a vector
//!   of floats only lent to calls that write it, whose value at the start
//!   of each pass is kept (a *snapshot*: a buffer written by
//!   `helper(.., &mut buf)`, a callee that may read what it is lent; the
//!   snapshot is compiled out when the callee's companion says it writes
//!   all of the buffer before reading it, as GMM's `qtimesx` does:
//!   `filled.rs`);
//! - what a pass reads and does not write, nothing writes later (after the
//!   loop, or in any loop around it): it is the same in the reverse sweep;
//! - it is a plain range (its reverse sets the index), and its saves per
//!   pass grow with the product of two sizes (a save two loops deep, or a
//!   vector or tape per pass of an inner loop: GMM's tape per component per
//!   point). A pass that keeps a few scalars, a value per pass of an inner
//!   loop, or whole vectors (an MLP's batch, LSTM's steps) keeps a few
//!   times what the loop reads in all; running it twice would cost more.
//!
//! The forward sweep then runs the loop's primal without saves (and takes
//! the snapshots); the reverse sweep, for each pass, puts the snapshots
//! back, runs the pass forward with its saves (the accumulators' updates
//! left out: the primal's totals are final) and at once backwards. Only the
//! outermost such loop is checkpointed; a loop that is not is looked into.
//! Where a pass hands on one total only, `immediate.rs` reverses each pass
//! right after it runs instead, and no pass runs twice.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proc_macro2::TokenStream;
use syn::Ident;

use super::saves::{Reads, SaveKey};
use crate::ir::{AssignKind, Block, Body, Header, Loop, Op, Operand, Proj, Rhs, Stmt, StmtId, Ty, Var, VarKind, Zero};
use crate::naming::Namer;

/// A value kept at the start of each pass.
pub struct Snapshot {
    pub var: Var,
    /// The stack of kept values (a vector's elements, one after another).
    pub values: Ident,
    /// For a vector: the stack of its lengths.
    pub lengths: Option<Ident>,
    /// A compile-time condition under which the passes need no snapshot:
    /// the callees that write the vector fill it first (`filled.rs`).
    pub unless: Option<TokenStream>,
}

/// How the sweeps run a checkpointed loop.
pub struct Checkpoint {
    pub snapshots: Vec<Snapshot>,
    /// The accumulators' updates, left out when a pass runs again.
    pub skipped: BTreeSet<StmtId>,
    /// When each pass can instead be reversed right after it runs, in the
    /// forward sweep (`immediate.rs`): how.
    pub at_once: Option<super::immediate::Plan>,
}

/// Why a loop is not checkpointed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refusal {
    /// `loop`, `while`, an early exit or a step: no index to set again.
    NotAPlainRange,
    /// No save inside grows with the data: running a pass twice would cost
    /// more than it saves.
    NothingGrowsPerPass,
    /// A pass reads this value, which a statement after the loop (or a loop
    /// around it) overwrites.
    ReadsALaterWrite(Var),
    /// Passes hand each other this value, which cannot be kept per pass (an
    /// output, an integer, an array of another shape).
    Carries(Var),
    /// A pass keeps at most one value per pass of an inner loop, or a few
    /// whole vectors: all passes' saves are small next to the time of one
    /// more run of the loop.
    SavesAreSmall,
}

pub enum Verdict {
    Checkpointed(Checkpoint),
    Refused(Refusal),
}

/// What the decision reads of the save analysis.
pub(super) struct Inputs<'a> {
    pub slots: &'a BTreeMap<SaveKey, Var>,
    pub undone: &'a BTreeSet<StmtId>,
    pub reads: &'a Reads,
}

/// The verdict on every loop looked at, by the loop's statement id.
pub(super) fn decide(body: &Body, namer: &mut Namer, inputs: &Inputs) -> BTreeMap<StmtId, Verdict> {
    let mut verdicts = BTreeMap::new();
    visit(body, namer, inputs, &body.block, StmtId::FIRST, &BTreeSet::new(), 0, &mut verdicts);
    verdicts
}

/// Looks at the loops of `block`; `later` holds what is written after the
/// block (or around it) while it still matters to the loops inside.
#[allow(clippy::too_many_arguments)]
fn visit(
    body: &Body,
    namer: &mut Namer,
    inputs: &Inputs,
    block: &Block,
    first: StmtId,
    later: &BTreeSet<Var>,
    depth: usize,
    verdicts: &mut BTreeMap<StmtId, Verdict>,
) {
    let numbered = block.numbered(first);
    // What the statements after each loop (or branch holding one) write,
    // from the end; straight-line code needs none of it.
    let mut laters = vec![None; numbered.len()];
    let mut running = BTreeSet::new();
    for (i, (_, stmt)) in numbered.iter().enumerate().rev() {
        if holds_a_loop(stmt) {
            let mut after = later.clone();
            after.extend(running.iter().copied());
            laters[i] = Some(after);
        }
        writes_of(stmt, &mut running);
    }
    for ((id, stmt), later) in numbered.into_iter().zip(laters) {
        let Some(mut later) = later else { continue };
        match stmt {
            Stmt::If { then, els, .. } => {
                let (then_id, els_id) = crate::ir::branch_ids(id, then);
                visit(body, namer, inputs, then, then_id, &later, depth, verdicts);
                visit(body, namer, inputs, els, els_id, &later, depth, verdicts);
            }
            Stmt::Loop(lp) => {
                // (A statement of the function's own block: `immediate.rs`.)
                let top = std::ptr::eq(block, &body.block);
                let verdict = judge(body, namer, inputs, id, lp, &later, depth, top);
                let checkpointed = matches!(verdict, Verdict::Checkpointed(_));
                verdicts.insert(id, verdict);
                if !checkpointed {
                    // Every pass of this loop runs after the others' statements.
                    writes_of(stmt, &mut later);
                    visit(body, namer, inputs, &lp.body, id.after(1), &later, depth + 1, verdicts);
                }
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn judge(
    body: &Body,
    namer: &mut Namer,
    inputs: &Inputs,
    id: StmtId,
    lp: &Loop,
    later: &BTreeSet<Var>,
    depth: usize,
    top: bool,
) -> Verdict {
    match try_checkpoint(body, namer, inputs, id, lp, later, depth, top) {
        Ok(checkpoint) => Verdict::Checkpointed(checkpoint),
        Err(refusal) => Verdict::Refused(refusal),
    }
}

#[allow(clippy::too_many_arguments)]
fn try_checkpoint(
    body: &Body,
    namer: &mut Namer,
    inputs: &Inputs,
    id: StmtId,
    lp: &Loop,
    later: &BTreeSet<Var>,
    depth: usize,
    top: bool,
) -> Result<Checkpoint, Refusal> {
    let Header::Range { index, .. } = &lp.header else { return Err(Refusal::NotAPlainRange) };
    if lp.trips.is_some() || !lp.exits.is_empty() {
        return Err(Refusal::NotAPlainRange);
    }
    match growth_per_pass(body, inputs, id, lp, depth) {
        None => return Err(Refusal::NothingGrowsPerPass),
        Some(Growth::Linear) => return Err(Refusal::SavesAreSmall),
        Some(Growth::Product) => {}
    }
    let (accumulators, skipped) = accumulators(body, inputs, id, lp);
    // (The index the reverse sweep sets itself.)
    let mut written = BTreeSet::from([*index]);
    for stmt in &lp.body.stmts {
        writes_of(stmt, &mut written);
    }
    let mut snapshots = Vec::new();
    for &var in &written {
        let info = body.var(var);
        let own = info.scope.contains(&lp.id);
        if own || var == *index || accumulators.contains(&var) {
            continue;
        }
        let needed_outside =
            inputs.reads.get(&var).is_some_and(|reads| reads.iter().any(|read| !read.loops.contains(&lp.id)));
        let fresh = if needed_outside { None } else { fresh_in(body, &lp.body, var) };
        if fresh.as_ref().is_some_and(Vec::is_empty) {
            continue;
        }
        let mut snapshot = snapshot_of(body, namer, &lp.body, var)?;
        snapshot.unless = fresh.map(|conditions| quote::quote!(#((#conditions))&&*));
        snapshots.push(snapshot);
    }
    let mut read = BTreeSet::new();
    crate::ir::walk(&lp.body, 0, &mut |stmt, _| read.extend(reads_of(stmt)));
    if let Some(&var) = read.iter().find(|var| !written.contains(var) && later.contains(var)) {
        return Err(Refusal::ReadsALaterWrite(var));
    }
    let carried: BTreeSet<Var> = written
        .iter()
        .copied()
        .filter(|var| *var != *index && !accumulators.contains(var) && !body.var(*var).scope.contains(&lp.id))
        .collect();
    let at_once = super::immediate::plan(body, id, lp, top, &accumulators, &carried, &snapshots);
    Ok(Checkpoint { snapshots, skipped, at_once })
}

/// How the saves of a pass grow with the data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Growth {
    /// With one size: a value per pass of an inner loop, or whole vectors
    /// (a vector's save, a callee's tape). All passes together keep about
    /// what the loop reads (an MLP's batch: a hidden layer per sample;
    /// LSTM's steps: a step's tape each).
    Linear,
    /// With the product of two: a save two loops deep, or a vector or tape
    /// per pass of an inner loop (GMM: a tape per component per point).
    Product,
}

/// How the saves inside the loop grow per pass, if some grow with the data.
fn growth_per_pass(body: &Body, inputs: &Inputs, id: StmtId, lp: &Loop, depth: usize) -> Option<Growth> {
    let inside = |key: &SaveKey| {
        let (SaveKey::Value(at) | SaveKey::Tape(at) | SaveKey::Index(at)) = *key;
        at > id && at.0 <= id.0 + lp.body.size()
    };
    let slots: Vec<_> = inputs.slots.iter().filter(|(key, _)| inside(key)).map(|(_, &slot)| body.var(slot)).collect();
    let product = |info: &&crate::ir::VarInfo| {
        info.scope.len() > depth + 2 || (info.scope.len() > depth + 1 && info.ty == Ty::Aggregate)
    };
    if slots.iter().any(product) {
        Some(Growth::Product)
    } else if slots.iter().any(|info| info.scope.len() > depth + 1 || info.ty == Ty::Aggregate) {
        Some(Growth::Linear)
    } else {
        None
    }
}

/// The loop's accumulators (written only by `v = v ± e` with an `e` that
/// does not read `v`, never read otherwise, kept by no save) and those
/// updates.
fn accumulators(body: &Body, inputs: &Inputs, id: StmtId, lp: &Loop) -> (BTreeSet<Var>, BTreeSet<StmtId>) {
    let mut updates: BTreeMap<Var, Vec<StmtId>> = BTreeMap::new();
    let mut other = BTreeSet::new();
    crate::ir::walk_numbered(&lp.body, id.after(1), &mut |at, stmt| {
        if let Some(var) = accumulated(stmt) {
            updates.entry(var).or_default().push(at);
            other.extend(reads_of(stmt).into_iter().filter(|read| *read != var));
            return;
        }
        other.extend(reads_of(stmt));
        let mut written = BTreeSet::new();
        if let Stmt::Assign { dst, .. } = stmt {
            written.insert(*dst);
        }
        if let Stmt::Store { place, .. } = stmt {
            written.insert(place.var);
        }
        other.extend(written);
    });
    let mut vars = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    for (var, ids) in updates {
        let info = body.var(var);
        let kept = ids.iter().any(|at| inputs.slots.contains_key(&SaveKey::Value(*at)) || inputs.undone.contains(at));
        let own = info.scope.contains(&lp.id);
        if other.contains(&var) || kept || own || info.ty == Ty::Aggregate || info.by_ref {
            continue;
        }
        vars.insert(var);
        skipped.extend(ids);
    }
    (vars, skipped)
}

/// The variable `stmt` accumulates into, if it is `v = v + e` or `v = v - e`.
fn accumulated(stmt: &Stmt) -> Option<Var> {
    let Stmt::Assign { dst, rhs: Rhs::Prim(Op::Add | Op::Sub, args), kind: AssignKind::Overwrite, .. } = stmt else {
        return None;
    };
    let into_itself = matches!(&args[0], Operand::Var(var) if var == dst);
    (into_itself && !args[1].reads().contains(dst)).then_some(*dst)
}

/// A snapshot for `var`, if it is a float, or a local vector of floats that
/// the pass only lends to calls writing it in place (whose saves keep the
/// whole vector at each call already: one more copy per pass costs less).
/// A vector the pass stores into element by element is refused: its
/// snapshot could cost more than the saves it spares.
fn snapshot_of(body: &Body, namer: &mut Namer, pass: &Block, var: Var) -> Result<Snapshot, Refusal> {
    let info = body.var(var);
    let mut stored = false;
    crate::ir::walk(pass, 0, &mut |stmt, _| match stmt {
        Stmt::Store { place, .. } => stored |= place.var == var,
        Stmt::Assign { dst, rhs, .. } => stored |= *dst == var && rhs.written_in_place() != Some(var),
        Stmt::If { .. } | Stmt::Loop(_) => {}
    });
    let unkept = info.by_ref || matches!(info.kind, VarKind::Ret | VarKind::Done | VarKind::Control);
    let values = namer.fresh(&crate::naming::derived_base("__snapshot_", &info.ident));
    match (info.ty, &info.zero) {
        _ if unkept => Err(Refusal::Carries(var)),
        (Ty::Float(_) | Ty::AnyFloat, _) => Ok(Snapshot { var, values, lengths: None, unless: None }),
        (Ty::Aggregate, Some(Zero::Vec(inner)))
            if matches!(**inner, Zero::Scalar) && info.kind != VarKind::Param && !stored =>
        {
            let lengths = namer.fresh(&crate::naming::derived_base("__snapshot_lengths_", &info.ident));
            Ok(Snapshot { var, values, lengths: Some(lengths), unless: None })
        }
        _ => Err(Refusal::Carries(var)),
    }
}

/// Whether every execution of `block` writes `var` before it reads it: a
/// statement reading `var` comes after one that writes all of it (an
/// assignment, a fill: a loop storing every element, or a call whose
/// callee fills it), or is a loop or branch in which this holds on its own.
/// `Some(conditions)`: it holds when the callees' compile-time flags
/// `conditions` do (none: always); `None`: it does not.
fn fresh_in(body: &Body, block: &Block, var: Var) -> Option<Vec<TokenStream>> {
    let mut conditions = Vec::new();
    for stmt in &block.stmts {
        if !mentions(stmt, var) {
            continue;
        }
        match stmt {
            Stmt::Assign { dst, rhs, .. } if *dst == var && !rhs.reads().contains(&var) => return Some(conditions),
            Stmt::Assign { dst, rhs, .. } if *dst == var => {
                conditions.push(super::filled::by_call(rhs, var)?);
                return Some(conditions);
            }
            Stmt::Loop(lp) if fills(body, lp, var) => return Some(conditions),
            Stmt::Loop(lp) if !reads_of(stmt).contains(&var) => conditions.extend(fresh_in(body, &lp.body, var)?),
            Stmt::If { then, els, cond, .. } if cond.var() != Some(var) => {
                conditions.extend(fresh_in(body, then, var)?);
                conditions.extend(fresh_in(body, els, var)?);
            }
            _ => return None,
        }
    }
    Some(conditions)
}

/// Whether `lp` is `for i in 0..n { .. v[i] = e; .. }` over every element of
/// the vector `v` of fixed length `n` (or the slice parameter `v` of
/// length `n`), reading none of it.
pub(super) fn fills(body: &Body, lp: &Loop, var: Var) -> bool {
    let Header::Range { index, lo, hi, inclusive: false, adaptors } = &lp.header else { return false };
    let from_zero = matches!(lo, Operand::Const(c) if matches!(c.tokens.to_string().as_str(), "0" | "0usize"));
    if !from_zero || !adaptors.is_empty() || lp.trips.is_some() || !lp.exits.is_empty() {
        return false;
    }
    let stores_each = lp.body.stmts.iter().any(|stmt| {
        matches!(stmt, Stmt::Store { place, .. }
            if place.var == var && matches!(&place.proj[..], [Proj::Index(Operand::Var(i))] if i == index))
    });
    let mut reads = false;
    crate::ir::walk(&lp.body, 0, &mut |stmt, _| reads |= reads_of(stmt).contains(&var));
    let whole = fixed_length(body, var).is_some_and(|length| same_value(body, &length, hi))
        || super::filled::spans_param(body, lp, var);
    stores_each && !reads && whole
}

/// The length of a local vector made once by `vec![v; n]` outside every
/// loop and never assigned again nor lent mutably (`n` as an operand).
fn fixed_length(body: &Body, var: Var) -> Option<Operand> {
    let mut definitions = Vec::new();
    let mut resized = false;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, rhs, .. } => {
            if *dst == var {
                definitions.push(rhs);
            }
            resized |=
                matches!(rhs, Rhs::Method(Operand::Var(receiver), method, _) if *receiver == var && method != "len");
        }
        Stmt::Store { .. } | Stmt::If { .. } | Stmt::Loop(_) => {}
    });
    match definitions[..] {
        [Rhs::VecRepeat(_, length)] if !resized && body.var(var).scope.is_empty() => Some(length.clone()),
        _ => None,
    }
}

/// Whether `a` and `b` hold the same value wherever they are read: the same
/// constant, or the same variable that nothing assigns after its one
/// definition outside every loop (a parameter nothing assigns).
fn same_value(body: &Body, a: &Operand, b: &Operand) -> bool {
    match (a, b) {
        (Operand::Const(a), Operand::Const(b)) => a.tokens.to_string() == b.tokens.to_string(),
        (Operand::Var(a), Operand::Var(b)) if a == b => {
            let mut assignments = 0;
            crate::ir::walk(&body.block, 0, &mut |stmt, _| {
                if matches!(stmt, Stmt::Assign { dst, .. } if dst == a) {
                    assignments += 1;
                }
            });
            let info = body.var(*a);
            match info.kind {
                VarKind::Param => assignments == 0 && !info.by_ref,
                _ => assignments == 1 && info.scope.is_empty(),
            }
        }
        _ => false,
    }
}

/// Whether `stmt` is a loop or a branch holding one.
fn holds_a_loop(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Loop(_) => true,
        Stmt::If { then, els, .. } => then.stmts.iter().chain(&els.stmts).any(holds_a_loop),
        Stmt::Assign { .. } | Stmt::Store { .. } => false,
    }
}

/// Whether `stmt` (at any depth) reads or writes `var`.
pub(super) fn mentions(stmt: &Stmt, var: Var) -> bool {
    let mut written = BTreeSet::new();
    writes_of(stmt, &mut written);
    let mut found = written.contains(&var) || reads_of(stmt).contains(&var);
    if let Stmt::If { then, els, .. } = stmt {
        found |= [then, els].iter().any(|block| block.stmts.iter().any(|inner| mentions(inner, var)));
    }
    if let Stmt::Loop(lp) = stmt {
        found |= lp.body.stmts.iter().any(|inner| mentions(inner, var));
    }
    found
}

/// What `stmt` itself reads (not its nested blocks): its operands and
/// indices, a branch's condition, a loop's bounds and flags.
fn reads_of(stmt: &Stmt) -> Vec<Var> {
    match stmt {
        Stmt::Assign { rhs, .. } => rhs.reads(),
        Stmt::Store { place, value, .. } => place.index_vars().chain(value.reads()).collect(),
        Stmt::If { cond, .. } => cond.reads(),
        Stmt::Loop(lp) => {
            let mut vars: Vec<Var> = lp.exits.iter().copied().chain(lp.trips).chain(lp.guard).collect();
            if let Header::Range { lo, hi, adaptors, .. } = &lp.header {
                vars.extend(lo.reads());
                vars.extend(hi.reads());
                for adaptor in adaptors {
                    if let crate::ir::Adaptor::StepBy(step) = adaptor {
                        vars.extend(step.reads());
                    }
                }
            }
            vars
        }
    }
}

/// Adds what `stmt` writes, at any depth, to `written` (a loop writes its
/// index and its pass counter).
fn writes_of(stmt: &Stmt, written: &mut BTreeSet<Var>) {
    match stmt {
        Stmt::Assign { dst, .. } => {
            written.insert(*dst);
        }
        Stmt::Store { place, .. } => {
            written.insert(place.var);
        }
        Stmt::If { then, els, .. } => {
            then.stmts.iter().chain(&els.stmts).for_each(|inner| writes_of(inner, written));
        }
        Stmt::Loop(lp) => {
            if let Header::Range { index, .. } = &lp.header {
                written.insert(*index);
            }
            written.extend(lp.trips);
            lp.body.stmts.iter().for_each(|inner| writes_of(inner, written));
        }
    }
}

/// The loop's note in the printed IR.
pub(super) struct Note<'a>(pub &'a Verdict, pub &'a Body);

impl fmt::Display for Note<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let name = |var: Var| self.1.var(var).ident.to_string();
        match self.0 {
            Verdict::Checkpointed(checkpoint) => {
                write!(f, "checkpointed")?;
                if checkpoint.at_once.is_some() {
                    write!(f, ", each pass reversed at once")?;
                }
                if !checkpoint.snapshots.is_empty() {
                    let kept: Vec<String> = checkpoint
                        .snapshots
                        .iter()
                        .map(|s| match s.unless {
                            Some(_) => format!("{} unless its callees fill it", name(s.var)),
                            None => name(s.var),
                        })
                        .collect();
                    write!(f, ", snapshots {}", kept.join(" "))?;
                }
                Ok(())
            }
            Verdict::Refused(Refusal::NotAPlainRange) => write!(f, "not checkpointed: not a plain range"),
            Verdict::Refused(Refusal::NothingGrowsPerPass) => write!(f, "not checkpointed: nothing grows per pass"),
            Verdict::Refused(Refusal::ReadsALaterWrite(var)) => {
                write!(f, "not checkpointed: reads {}, written later", name(*var))
            }
            Verdict::Refused(Refusal::Carries(var)) => write!(f, "not checkpointed: passes carry {}", name(*var)),
            Verdict::Refused(Refusal::SavesAreSmall) => write!(f, "not checkpointed: its saves grow with one size"),
        }
    }
}

/// Declarations of the snapshot stacks.
pub(super) fn declarations(checkpoint: &Checkpoint) -> TokenStream {
    checkpoint
        .snapshots
        .iter()
        .map(|snapshot| {
            let values = &snapshot.values;
            let lengths = snapshot
                .lengths
                .as_ref()
                .map(|lengths| quote::quote!(let mut #lengths: ::std::vec::Vec<usize> = ::std::vec::Vec::new();));
            quote::quote!(let mut #values = ::std::vec::Vec::new(); #lengths)
        })
        .collect()
}
