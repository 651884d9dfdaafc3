//! What the reverse sweep saves: a reverse-only analysis whose result, a
//! side table keyed by statement id (`ir::StmtId`), sits beside the IR
//! rather than in it.
//!
//! A read is *needed* when the reverse sweep repeats it: an operand of a
//! local partial derivative, an index of an adjoint element, an argument of
//! a differentiated call, a branch condition or loop bound around reverse
//! work. A write destroys a needed value when a needed read may run before
//! it in the forward sweep: the read comes first in program order, or both
//! sit in a loop that does not also make a new instance of the variable, or
//! the write makes a new instance inside a loop (a `let` in a loop body).
//! Only such writes get a save slot (`SaveKey::Value` for an assignment or
//! a store, `SaveKey::Index` for a counted loop's index); inside loops the
//! slot is a stack. A linear update like `s += w[i] * x[i]` saves nothing.
//!
//! A differentiated call leaves a *tape* (what the callee's forward pass
//! hands to its reverse pass); inside a loop the previous pass's tape is
//! saved when the call overwrites it (`SaveKey::Tape`).
//!
//! A loop body's own value that is cheap to compute (arithmetic, no calls,
//! no transcendental functions) from what the loop never writes (its
//! index, values fixed before it, other such values) is *recomputed* at the
//! start of each reverse pass instead of saved: `let a = x[i + 1] - x[i] *
//! x[i];` costs what a push and a pop would, without the stack.
//!
//! Which values are needed depends on which are saved (a restore reads the
//! slot's indices): the two are iterated to a fixed point.

use std::collections::{BTreeMap, BTreeSet};

use super::checkpoint::{Checkpoint, Verdict};
use super::shield::{Level, Written};
use crate::activity::Activity;
use crate::ir::{
    walk, Arg, AssignKind, Block, Body, Header, Loop, LoopId, Notes, Operand, Rhs, Stmt, StmtId, Ty, Var, VarInfo,
    VarKind,
};
use crate::naming::Namer;
use crate::rules::partials;

/// What a save keeps, by the statement that destroys it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum SaveKey {
    /// The value an assignment overwrites, or the element a store does.
    Value(StmtId),
    /// The tape of the previous pass's call at this statement.
    Tape(StmtId),
    /// A counted loop's index, set anew at each pass.
    Index(StmtId),
}

/// The reverse sweep's side table.
pub struct Saves {
    /// The slot (a `VarKind::Saved` variable) of each save.
    slots: BTreeMap<SaveKey, Var>,
    /// The tape (a `VarKind::Tape` variable) of each differentiated call.
    tapes: BTreeMap<StmtId, Var>,
    needed: Vec<bool>,
    recomputed: Vec<bool>,
    /// Integer steps (`li += 1`) the reverse sweep undoes (`li -= 1`)
    /// rather than restoring from a save.
    undone: BTreeSet<StmtId>,
    /// The verdict on each loop looked at for independent passes
    /// (`checkpoint.rs`), by the loop's statement id.
    verdicts: BTreeMap<StmtId, Verdict>,
    /// The accumulators' updates of checkpointed loops, left out when a
    /// pass runs again.
    skipped: BTreeSet<StmtId>,
    checkpointed_loops: BTreeSet<LoopId>,
}

impl Saves {
    /// For a body that only runs forward (a tangent body): nothing saved,
    /// nothing read back.
    pub fn forward_only() -> Saves {
        Saves {
            slots: BTreeMap::new(),
            tapes: BTreeMap::new(),
            needed: Vec::new(),
            recomputed: Vec::new(),
            undone: BTreeSet::new(),
            verdicts: BTreeMap::new(),
            skipped: BTreeSet::new(),
            checkpointed_loops: BTreeSet::new(),
        }
    }

    /// How the sweeps run the loop at `id`, if its passes are independent
    /// (see `checkpoint.rs`).
    pub fn checkpoint(&self, id: StmtId) -> Option<&Checkpoint> {
        match self.verdicts.get(&id) {
            Some(Verdict::Checkpointed(checkpoint)) => Some(checkpoint),
            _ => None,
        }
    }

    /// The ids of the checkpointed loops.
    pub fn checkpointed_loops(&self) -> &BTreeSet<LoopId> {
        &self.checkpointed_loops
    }

    /// Every checkpointed loop.
    pub fn checkpoints(&self) -> impl Iterator<Item = &Checkpoint> + '_ {
        self.verdicts.values().filter_map(|verdict| match verdict {
            Verdict::Checkpointed(checkpoint) => Some(checkpoint),
            Verdict::Refused(_) => None,
        })
    }

    /// Whether the statement at `id` is an accumulator's update that a
    /// checkpointed loop's pass leaves out when it runs again.
    pub fn is_skipped_in_rerun(&self, id: StmtId) -> bool {
        self.skipped.contains(&id)
    }

    /// Where the save `key` keeps its value, if the sweep makes it.
    pub fn slot(&self, key: SaveKey) -> Option<Var> {
        self.slots.get(&key).copied()
    }

    /// Every save and its slot.
    pub fn slots(&self) -> impl Iterator<Item = (SaveKey, Var)> + '_ {
        self.slots.iter().map(|(key, slot)| (*key, *slot))
    }

    /// The tape of the differentiated call at `id`.
    pub fn tape(&self, id: StmtId) -> Option<Var> {
        self.tapes.get(&id).copied()
    }

    /// Every differentiated call and its tape.
    pub fn tapes(&self) -> impl Iterator<Item = (StmtId, Var)> + '_ {
        self.tapes.iter().map(|(id, tape)| (*id, *tape))
    }

    /// Whether the reverse sweep reads this variable's value.
    pub fn is_needed(&self, var: Var) -> bool {
        self.needed.get(var.0).copied().unwrap_or(false)
    }

    /// Whether the reverse sweep gets the value the integer step at `id`
    /// overwrote by undoing the step (see `integers.rs`).
    pub fn is_undone(&self, id: StmtId) -> bool {
        self.undone.contains(&id)
    }

    /// Whether the reverse sweep computes this value again at the start of
    /// each pass of its loop, rather than restoring it.
    pub fn is_recomputed(&self, var: Var) -> bool {
        self.recomputed.get(var.0).copied().unwrap_or(false) && self.is_needed(var)
    }
}

impl Notes for Saves {
    fn saved_at(&self, id: StmtId) -> Option<Var> {
        self.slot(SaveKey::Value(id)).or(self.slot(SaveKey::Index(id)))
    }

    fn tape_at(&self, id: StmtId) -> Option<(Var, Option<Var>)> {
        self.tape(id).map(|tape| (tape, self.slot(SaveKey::Tape(id))))
    }

    fn loop_note(&self, id: StmtId, body: &Body) -> Option<String> {
        self.verdicts.get(&id).map(|verdict| super::checkpoint::Note(verdict, body).to_string())
    }
}

/// What `collect_reads` looks at besides the statements.
struct Facts {
    active: Vec<bool>,
    tapes: BTreeMap<StmtId, Var>,
    /// Local vectors, whose length an assignment of the whole may change.
    resizable: Vec<bool>,
}

/// Decides the tapes and saves of `body` and makes their variables (added
/// to `body.vars`; its statements are left as they are).
pub fn analyze(body: &mut Body, namer: &mut Namer, activity: &Activity) -> Saves {
    let tapes = add_tapes(body, namer, activity);
    let active = (0..body.vars.len()).map(|i| activity.is_active(Var(i))).collect();
    let resizable = body
        .vars
        .iter()
        .map(|info| info.kind != VarKind::Param && matches!(info.zero, Some(crate::ir::Zero::Vec(_))))
        .collect();
    let facts = Facts { active, tapes, resizable };

    let scopes: Vec<Vec<LoopId>> = body.vars.iter().map(|info| info.scope.clone()).collect();
    let recomputable = find_recomputable(body);
    // Recomputed values are computed again, and a `while` condition is
    // `true` again, at the start of each reverse pass.
    let mut unrestored = recomputable.clone();
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Loop(Loop { guard: Some(guard), .. }) = stmt {
            unrestored.insert(*guard);
        }
    });
    let integers = super::integers::primitive_integers(body);
    let mut steps = BTreeSet::new();
    crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
        if super::integers::is_step(&integers, stmt) {
            steps.insert(id);
        }
    });
    let shield = super::shield::Facts::new(body);
    let mut saves = BTreeSet::new();
    let mut undone = BTreeSet::new();
    let reads = loop {
        let mut reads = Reads::default();
        collect_reads(&body.block, &facts, &saves, &undone, &mut Walk::default(), &mut reads);
        need_recomputed_inputs(body, &recomputable, &mut reads);
        let decider = Decider {
            body,
            reads: &reads,
            scopes: &scopes,
            unrestored: &unrestored,
            tapes: &facts.tapes,
            shield: &shield,
            steps: &steps,
        };
        let mut decided = Decided::default();
        decider.decide(&body.block, &mut Walk::default(), &mut Vec::new(), &mut decided);
        if decided.saves == saves && decided.undone == undone {
            break reads;
        }
        (saves, undone) = (decided.saves, decided.undone);
    };
    let slots = make_slots(body, namer, &saves, &facts.tapes);
    let count = body.vars.len();
    let mut needed = vec![false; count];
    for var in reads.keys() {
        needed[var.0] = true;
    }
    let recomputed = (0..count).map(|i| recomputable.contains(&Var(i))).collect();
    let inputs = super::checkpoint::Inputs { slots: &slots, undone: &undone, reads: &reads };
    let verdicts = super::checkpoint::decide(body, namer, &inputs);
    let skipped = verdicts
        .values()
        .filter_map(|verdict| match verdict {
            Verdict::Checkpointed(checkpoint) => Some(checkpoint.skipped.iter().copied()),
            Verdict::Refused(_) => None,
        })
        .flatten()
        .collect();
    let mut checkpointed_loops = BTreeSet::new();
    crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
        if let (Stmt::Loop(lp), Some(Verdict::Checkpointed(_))) = (stmt, verdicts.get(&id)) {
            checkpointed_loops.insert(lp.id);
        }
    });
    Saves { slots, tapes: facts.tapes, needed, recomputed, undone, verdicts, skipped, checkpointed_loops }
}

/// Gives every differentiated call a variable for the tape its forward
/// pass leaves for its reverse pass. A call with no active argument
/// (`s = base(2)`) needs no derivative: it is left as written.
fn add_tapes(body: &mut Body, namer: &mut Namer, activity: &Activity) -> BTreeMap<StmtId, Var> {
    let mut sites = Vec::new();
    walk_in_loops(&body.block, &mut Walk::default(), &mut |id, stmt, loops| match stmt {
        // A call that writes a buffer in place of a method, or of a second-order
        // companion (`g::tangent`, `NAME_hvp`'s), has no tape: its reverse
        // runs its `vjp_in_place`.
        // A call that writes two outputs has one, when either is active
        // (its marker none: it runs nothing).
        Stmt::Assign { dst, rhs: rhs @ Rhs::Call(path, args), .. }
            if (activity.is_active(*dst) || rhs.outputs().into_iter().any(|output| activity.is_active(output)))
                && !rhs.is_output_marker()
                && (rhs.written_in_place().is_none()
                    || (path.qself.is_none() && !crate::companion::is_tangent(path)))
                && args.iter().filter_map(Arg::var).any(|var| activity.is_active(var)) =>
        {
            sites.push((id, *dst, loops.to_vec(), rhs.written_in_place().is_some()));
        }
        _ => {}
    });
    let mut tapes = BTreeMap::new();
    for (id, dst, loops, in_place) in sites {
        let base = crate::naming::derived_base("__tape_", &body.var(dst).ident);
        // The tape of a call that writes in place is a closure (see
        // `companion::FWD_IN_PLACE`), neither `Copy` nor a float.
        body.vars.push(VarInfo {
            ident: namer.fresh(&base),
            ty: if in_place { Ty::Aggregate } else { Ty::Other },
            declared: None,
            kind: VarKind::Tape,
            mutable: false,
            elem: None,
            dims: None,
            zero: None,
            by_ref: false,
            scope: loops,
        });
        tapes.insert(id, Var(body.vars.len() - 1));
    }
    tapes
}

/// Calls `visit` on every statement with its id and the loops around it.
fn walk_in_loops<'a>(block: &'a Block, at: &mut Walk, visit: &mut dyn FnMut(StmtId, &'a Stmt, &[LoopId])) {
    for stmt in &block.stmts {
        let id = at.next();
        visit(id, stmt, &at.loops);
        match stmt {
            Stmt::If { then, els, .. } => {
                walk_in_loops(then, at, visit);
                walk_in_loops(els, at, visit);
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                walk_in_loops(&lp.body, at, visit);
                at.loops.pop();
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// The loop bodies' own values the reverse sweep can compute again: defined
/// once, at the top level of their loop's body or of a branch in it
/// (`if i > 0 { let j = i - 1; .. }`), by a cheap operation of values the loop
/// never writes (or of other such values). The reverse sweep computes them
/// at the start of the block that defines them: of each reverse pass, or
/// of the branch, under the condition that guarded them.
fn find_recomputable(body: &Body) -> BTreeSet<Var> {
    let mut assignments: BTreeMap<Var, usize> = BTreeMap::new();
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, .. } = stmt {
            *assignments.entry(*dst).or_default() += 1;
        }
    });
    let changed = changed_in_place(body);
    let mut recomputable = BTreeSet::new();
    walk(&body.block, 0, &mut |stmt, _| {
        let Stmt::Loop(lp) = stmt else { return };
        let mut written = BTreeSet::new();
        walk(&lp.body, 0, &mut |inner, _| match inner {
            Stmt::Assign { dst, .. } => {
                written.insert(*dst);
            }
            Stmt::Store { place, .. } => {
                written.insert(place.var);
            }
            Stmt::Loop(Loop { header: Header::Range { index, .. }, .. }) => {
                written.insert(*index);
            }
            _ => {}
        });
        for stmt in outside_inner_loops(&lp.body) {
            let Stmt::Assign { dst, rhs, kind: AssignKind::Init, .. } = stmt else { continue };
            // A pass counter is also written by its loop, outside the IR.
            let counter = matches!(body.var(*dst).kind, VarKind::Control | VarKind::Done);
            let own = body.var(*dst).scope.last() == Some(&lp.id)
                && assignments.get(dst) == Some(&1)
                && !counter
                && !changed.contains(dst);
            let fixed_length = fixed_length_of(body, rhs);
            let inputs_fixed = rhs
                .reads()
                .iter()
                .all(|read| recomputable.contains(read) || !written.contains(read) || Some(*read) == fixed_length);
            if own && is_cheap(rhs) && inputs_fixed {
                recomputable.insert(*dst);
            }
        }
    });
    recomputable
}

/// The aggregates changed in place (an element stored, `v.push(..)`): their
/// definition alone (`let mut v = w;`) does not give their value later. (A
/// float's methods, `r.is_finite()`, change nothing.)
fn changed_in_place(body: &Body) -> BTreeSet<Var> {
    let mut changed = BTreeSet::new();
    walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Store { place, .. } => {
            changed.insert(place.var);
        }
        Stmt::Assign { rhs: Rhs::Method(Operand::Var(receiver), method, _), .. }
            if method != "len" && !body.var(*receiver).ty.is_float() =>
        {
            changed.insert(*receiver);
        }
        _ => {}
    });
    changed
}

/// The statements of `block` and of the branches of its `if`s, at any
/// depth, in program order; not those of its inner loops.
fn outside_inner_loops(block: &Block) -> Vec<&Stmt> {
    let mut stmts = Vec::new();
    for stmt in &block.stmts {
        stmts.push(stmt);
        if let Stmt::If { then, els, .. } = stmt {
            stmts.extend(outside_inner_loops(then));
            stmts.extend(outside_inner_loops(els));
        }
    }
    stmts
}

/// The vector of `v.len()`, when `v` is defined once, outside every loop,
/// never assigned again and never grown: stores into it do not change its length, so
/// the length is the same wherever the reverse sweep computes it again.
fn fixed_length_of(body: &Body, rhs: &Rhs) -> Option<Var> {
    let Rhs::Method(Operand::Var(vector), method, args) = rhs else { return None };
    if method != "len" || !args.is_empty() || body.var(*vector).ty != Ty::Aggregate {
        return None;
    }
    let info = body.var(*vector);
    let mut assignments = 0;
    let mut resized = false;
    walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, .. } if dst == vector => assignments += 1,
        // `v.push(..)` (what `push` lowers to) changes the length in place.
        Stmt::Assign { rhs: Rhs::Method(Operand::Var(receiver), method, _), .. } => {
            resized |= receiver == vector && method != "len";
        }
        // A callee that is lent the vector could do the same.
        Stmt::Assign { rhs: Rhs::Call(_, args), .. } => {
            resized |=
                args.iter().any(|arg| matches!(arg, Arg::Ref { place, mutable: true, .. } if place.var == *vector));
        }
        _ => {}
    });
    if resized {
        return None;
    }
    let defined_once = match info.kind {
        VarKind::Param => assignments == 0,
        _ => assignments == 1 && info.scope.is_empty(),
    };
    defined_once.then_some(*vector)
}

/// Arithmetic a push and a pop would cost as much as.
fn is_cheap(rhs: &Rhs) -> bool {
    match rhs {
        Rhs::Use(_) | Rhs::Cast(..) => true,
        // (`is_finite` and friends: a guard's test, `forward.rs`.)
        Rhs::Method(_, method, _) => {
            matches!(method.to_string().as_str(), "len" | "is_finite" | "is_nan" | "is_infinite")
        }
        Rhs::Prim(op, _) => op.facts().cheap,
        Rhs::Call(..) | Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) | Rhs::Deref(_) | Rhs::Matches(..) => {
            false
        }
    }
}

/// A recomputed value that the reverse sweep needs makes its own inputs
/// needed, where it is defined.
fn need_recomputed_inputs(body: &Body, recomputable: &BTreeSet<Var>, reads: &mut Reads) {
    // A recomputed value may read another: repeat until nothing is added.
    loop {
        let before = reads.values().map(Vec::len).sum::<usize>();
        add_recomputed_inputs(body, &body.block, recomputable, &mut Walk::default(), reads);
        if reads.values().map(Vec::len).sum::<usize>() == before {
            break;
        }
    }
}

fn add_recomputed_inputs(body: &Body, block: &Block, recomputable: &BTreeSet<Var>, at: &mut Walk, reads: &mut Reads) {
    for stmt in &block.stmts {
        let id = at.next();
        let pos = id.0;
        match stmt {
            Stmt::Assign { dst, rhs, .. } if recomputable.contains(dst) && reads.contains_key(dst) => {
                // The length of a vector of fixed length reads none of its values.
                let fixed_length = fixed_length_of(body, rhs);
                for var in rhs.reads().into_iter().filter(|var| Some(*var) != fixed_length) {
                    let read = Read { key: 2 * pos, loops: at.loops.clone() };
                    let known = reads.get(&var).is_some_and(|list| list.contains(&read));
                    if !known {
                        reads.entry(var).or_default().push(read);
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                add_recomputed_inputs(body, then, recomputable, at, reads);
                add_recomputed_inputs(body, els, recomputable, at, reads);
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                add_recomputed_inputs(body, &lp.body, recomputable, at, reads);
                at.loops.pop();
            }
            _ => {}
        }
    }
}

/// A needed read: where it happens, as `2·position` (`+1` for a read of a
/// statement's own result, which happens after its write), and in which loops.
#[derive(Clone, PartialEq, Debug)]
pub(super) struct Read {
    key: usize,
    pub(super) loops: Vec<LoopId>,
}

pub(super) type Reads = BTreeMap<Var, Vec<Read>>;

/// Statement ids and loop nesting while walking statements in pre-order
/// (the numbering of `ir::walk_numbered`).
#[derive(Default)]
struct Walk {
    pos: usize,
    loops: Vec<LoopId>,
}

impl Walk {
    fn next(&mut self) -> StmtId {
        let id = StmtId(self.pos);
        self.pos += 1;
        id
    }
}

fn add(reads: &mut Reads, var: Var, key: usize, loops: &[LoopId]) {
    reads.entry(var).or_default().push(Read { key, loops: loops.to_vec() });
}

/// The indices of an active element operand (`x[j]`), which the reverse
/// sweep reads again to address its adjoint (`x̄[j] += ..`).
fn add_adjoint_indices(reads: &mut Reads, operand: &Operand, active: &[bool], key: usize, loops: &[LoopId]) {
    if let Operand::Place(place) = operand {
        if active[place.var.0] {
            place.index_vars().for_each(|v| add(reads, v, key, loops));
        }
    }
}

/// Collects the needed reads of `block`; returns whether its reverse sweep
/// has any work (derivative code or restores).
fn collect_reads(
    block: &Block,
    facts: &Facts,
    saves: &BTreeSet<SaveKey>,
    undone: &BTreeSet<StmtId>,
    at: &mut Walk,
    reads: &mut Reads,
) -> bool {
    let active = &facts.active;
    let mut work = false;
    for stmt in &block.stmts {
        let id = at.next();
        let pos = id.0;
        let key = 2 * pos;
        match stmt {
            Stmt::Assign { dst, rhs, kind, .. } => {
                work |= saves.contains(&SaveKey::Value(id)) || saves.contains(&SaveKey::Tape(id));
                // A vector replaced whole may have had another length: the
                // adjoint of the old value is made with the old length. (A
                // call writing it in place keeps its length.)
                let replaced = *kind == AssignKind::Overwrite && !rhs.outputs().contains(dst);
                if replaced && active[dst.0] && facts.resizable[dst.0] {
                    add(reads, *dst, key, &at.loops);
                }
                if undone.contains(&id) {
                    // Undoing `x += c` reads the new `x` and the step `c`.
                    work = true;
                    add(reads, *dst, key + 1, &at.loops);
                    rhs.reads().into_iter().filter(|v| v != dst).for_each(|v| add(reads, v, key, &at.loops));
                }
                // A call's reverse sweep runs when any output it writes is active.
                if !rhs.outputs().into_iter().chain([*dst]).any(|var| active[var.0]) {
                    continue;
                }
                work = true;
                let operands = rhs.operands();
                let is_active = |operand: &Operand| {
                    operand.var().is_some_and(|v| active[v.0]) && !matches!(operand, Operand::Const(_))
                };
                match rhs {
                    Rhs::Prim(op, _) => {
                        for (i, partial) in partials(*op).into_iter().enumerate() {
                            let Some(partial) = partial else { continue };
                            if !is_active(operands[i]) {
                                continue;
                            }
                            // The adjoint element `x̄[i]` is indexed like the operand.
                            if let Some(place) = operands[i].place() {
                                place.index_vars().for_each(|v| add(reads, v, key, &at.loops));
                            }
                            partial.reads(&mut |read| match read {
                                Some(j) => operands[j].reads().into_iter().for_each(|v| add(reads, v, key, &at.loops)),
                                None => add(reads, *dst, key + 1, &at.loops),
                            });
                        }
                    }
                    // An element's adjoint `x̄[j]` is indexed like the element.
                    Rhs::Use(Operand::Place(place)) => place.index_vars().for_each(|v| add(reads, v, key, &at.loops)),
                    Rhs::Repeat(item, _) | Rhs::VecRepeat(item, _) => {
                        add_adjoint_indices(reads, item, active, key, &at.loops);
                    }
                    Rhs::ArrayLit(items) => {
                        items.iter().for_each(|item| add_adjoint_indices(reads, item, active, key, &at.loops));
                    }
                    // The callee's reverse pass takes the same arguments, and
                    // the tape its forward pass left (read after this write).
                    // The buffer a call writes in place is not among them:
                    // its reverse pass (a closure) does not read it.
                    // A marker's reverse sweep reads nothing.
                    Rhs::Call(..) if rhs.is_output_marker() => {}
                    Rhs::Call(..) => {
                        let written = if facts.tapes.contains_key(&id) { rhs.outputs() } else { Vec::new() };
                        let read = rhs.reads().into_iter().filter(|v| !written.contains(v));
                        read.for_each(|v| add(reads, v, key, &at.loops));
                        if let Some(&tape) = facts.tapes.get(&id) {
                            add(reads, tape, key + 1, &at.loops);
                        }
                    }
                    _ => {}
                }
            }
            Stmt::Store { place, value, .. } => {
                work |= saves.contains(&SaveKey::Value(id));
                if active[place.var.0] {
                    work = true;
                    place.index_vars().for_each(|v| add(reads, v, key, &at.loops));
                    add_adjoint_indices(reads, value, active, key, &at.loops);
                } else if saves.contains(&SaveKey::Value(id)) {
                    place.index_vars().for_each(|v| add(reads, v, key, &at.loops));
                }
            }
            Stmt::If { cond, then, els, .. } => {
                let inner = collect_reads(then, facts, saves, undone, at, reads)
                    | collect_reads(els, facts, saves, undone, at, reads);
                if inner {
                    work = true;
                    if let Some(var) = cond.var() {
                        add(reads, var, key, &at.loops);
                    }
                }
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                let index_saved = saves.contains(&SaveKey::Index(id));
                let inner = collect_reads(&lp.body, facts, saves, undone, at, reads) | index_saved;
                at.loops.pop();
                if inner {
                    work = true;
                    let bounds: Vec<Var> = match (&lp.header, lp.trips) {
                        (_, Some(trips)) => vec![trips],
                        (Header::Range { lo, hi, adaptors, .. }, None) => {
                            let mut vars: Vec<Var> = lo.reads();
                            vars.extend(hi.reads());
                            for adaptor in adaptors {
                                if let crate::ir::Adaptor::StepBy(step) = adaptor {
                                    vars.extend(step.reads());
                                }
                            }
                            vars
                        }
                        (Header::Forever, None) => Vec::new(),
                    };
                    bounds.into_iter().for_each(|v| add(reads, v, key, &at.loops));
                }
            }
        }
    }
    work
}

/// What `Decider::decide` finds: the saves, and the integer steps undone
/// instead of saved.
#[derive(Default)]
struct Decided {
    saves: BTreeSet<SaveKey>,
    undone: BTreeSet<StmtId>,
}

/// Decides which writes destroy a needed value, except writes of the
/// `unrestored` variables, whose old value the reverse sweep gets without a
/// save; of those, which need no save because an earlier save restores
/// what they change first (`shield.rs`), and which are integer steps the
/// reverse sweep undoes (`integers.rs`).
struct Decider<'a> {
    body: &'a Body,
    reads: &'a Reads,
    scopes: &'a [Vec<LoopId>],
    unrestored: &'a BTreeSet<Var>,
    tapes: &'a BTreeMap<StmtId, Var>,
    shield: &'a super::shield::Facts<'a>,
    steps: &'a BTreeSet<StmtId>,
}

impl<'a> Decider<'a> {
    fn decide(&self, block: &'a Block, at: &mut Walk, enclosing: &mut Vec<Level<'a>>, decided: &mut Decided) {
        enclosing.push(Level { stmts: block.numbered(StmtId(at.pos)), current: 0 });
        for (current, stmt) in block.stmts.iter().enumerate() {
            if let Some(level) = enclosing.last_mut() {
                level.current = current;
            }
            let id = at.next();
            self.decide_stmt(id, stmt, at, enclosing, decided);
            match stmt {
                Stmt::If { then, els, .. } => {
                    self.decide(then, at, enclosing, decided);
                    self.decide(els, at, enclosing, decided);
                }
                Stmt::Loop(lp) => {
                    at.loops.push(lp.id);
                    self.decide(&lp.body, at, enclosing, decided);
                    at.loops.pop();
                }
                _ => {}
            }
        }
        enclosing.pop();
    }

    fn decide_stmt(&self, id: StmtId, stmt: &Stmt, at: &Walk, enclosing: &[Level], decided: &mut Decided) {
        let pos = id.0;
        let write = match stmt {
            Stmt::Assign { dst, .. } if self.unrestored.contains(dst) => None,
            Stmt::Assign { dst, kind, .. } => Some((*dst, *kind)),
            Stmt::Store { place, .. } => Some((place.var, AssignKind::Overwrite)),
            Stmt::Loop(Loop { header: Header::Range { index, .. }, trips: Some(_), .. }) => {
                // A counted loop sets its index at each pass: a new instance.
                Some((*index, AssignKind::Init))
            }
            _ => None,
        };
        // A tape is new at every call: kept if a pass of a loop would lose it.
        if let Some(tape) = self.tapes.get(&id) {
            if self.reads.contains_key(tape) && !at.loops.is_empty() {
                decided.saves.insert(SaveKey::Tape(id));
            }
        }
        let Some((var, kind)) = write else { return };
        let site_loops: Vec<LoopId> = match stmt {
            Stmt::Loop(lp) => at.loops.iter().copied().chain([lp.id]).collect(),
            _ => at.loops.clone(),
        };
        let Some(var_reads) = self.reads.get(&var) else { return };
        let destroys = match kind {
            AssignKind::Init => !site_loops.is_empty(),
            AssignKind::Overwrite => var_reads.iter().any(|read| {
                read.key <= 2 * pos
                    || read.loops.iter().any(|l| site_loops.contains(l) && !self.scopes[var.0].contains(l))
            }),
        };
        if !destroys {
            return;
        }
        // (A whole aggregate may change length: its adjoint takes the
        // length of the value put back, so it is not left to a cover.)
        let written = match stmt {
            Stmt::Assign { dst, .. } if self.body.var(*dst).ty != Ty::Aggregate => Some(Written::Whole(*dst)),
            Stmt::Store { place, .. } => Some(Written::Element(place)),
            _ => None,
        };
        let saved = |id: StmtId| decided.saves.contains(&SaveKey::Value(id));
        let read_between = |var: Var, from: usize, to: usize| {
            self.reads.get(&var).is_some_and(|reads| reads.iter().any(|read| (from..to).contains(&read.key)))
        };
        let shielded = written.is_some_and(|written| {
            super::shield::is_shielded(self.shield, written, &at.loops, enclosing, &saved, &read_between)
        });
        if shielded {
            return;
        }
        if self.steps.contains(&id) {
            decided.undone.insert(id);
            return;
        }
        decided.saves.insert(match stmt {
            Stmt::Loop(_) => SaveKey::Index(id),
            _ => SaveKey::Value(id),
        });
    }
}

/// A slot for each decided save, of the type of what it keeps: a whole
/// variable, or an element of an aggregate for a store.
fn make_slots(
    body: &mut Body,
    namer: &mut Namer,
    saves: &BTreeSet<SaveKey>,
    tapes: &BTreeMap<StmtId, Var>,
) -> BTreeMap<SaveKey, Var> {
    let mut sites = Vec::new();
    walk_in_loops(&body.block, &mut Walk::default(), &mut |id, stmt, loops| {
        let mut site = |key: SaveKey, of: Var, element: bool, loops: Vec<LoopId>| {
            if saves.contains(&key) {
                sites.push((key, of, element, loops));
            }
        };
        if let Some(&tape) = tapes.get(&id) {
            site(SaveKey::Tape(id), tape, false, loops.to_vec());
        }
        match stmt {
            Stmt::Assign { dst, .. } => site(SaveKey::Value(id), *dst, false, loops.to_vec()),
            Stmt::Store { place, .. } => site(SaveKey::Value(id), place.var, true, loops.to_vec()),
            Stmt::Loop(Loop { id: loop_id, header: Header::Range { index, .. }, .. }) => {
                site(SaveKey::Index(id), *index, false, loops.iter().copied().chain([*loop_id]).collect());
            }
            Stmt::Loop(_) | Stmt::If { .. } => {}
        }
    });
    let mut slots = BTreeMap::new();
    for (key, of, element, loops) in sites {
        slots.insert(key, new_slot(body, namer, of, element, loops));
    }
    slots
}

/// A `Saved` variable for the value of `of` (an element of it when
/// `element`), one instance per pass of the innermost of `loops`.
fn new_slot(body: &mut Body, namer: &mut Namer, of: Var, element: bool, loops: Vec<LoopId>) -> Var {
    let info = body.var(of);
    let base = crate::naming::derived_base("__saved_", &info.ident);
    let ident = namer.fresh(&base);
    let (ty, declared) = if element {
        // (An element of an integer table, `id[0] = id[1]`, is an integer.)
        let ty = match info.ty {
            Ty::Aggregate => info.elem.map(Ty::Float).unwrap_or(Ty::AnyFloat),
            _ => Ty::Other,
        };
        (ty, None)
    } else if info.by_ref && info.kind == VarKind::Param {
        // The values an output parameter points to, owned (`Vec<F>`, `[F; N]`).
        (info.ty, None)
    } else {
        (info.ty, info.declared.clone())
    };
    // (A value of a type the macro does not know, an enum, starts as a
    // constant it is given: `[Mode::Lin; 3]` needs no `Default`.)
    let unknown = !element && matches!(info.ty, Ty::Other | Ty::Unknown) || element && ty == Ty::Other;
    let zero = if unknown && !info.by_ref {
        crate::emit::assigned_constant(body, of, element).map(crate::ir::Zero::Array)
    } else if element {
        None
    } else if info.by_ref && matches!(info.kind, VarKind::Local | VarKind::Tangent(_)) {
        // A slice name (`let mut a = x;` given `y` in a branch): the slot
        // keeps a reference, copied, and starts as the slice `a` first names.
        crate::emit::alias_root(body, of)
            .map(|root| crate::ir::Zero::Array(quote::ToTokens::to_token_stream(&body.var(root).ident)))
    } else {
        info.zero.clone()
    };
    let (elem, dims) = if element { (None, None) } else { (info.elem, info.dims) };
    body.vars.push(VarInfo {
        ident,
        ty,
        declared,
        kind: VarKind::Saved,
        mutable: false,
        elem,
        dims,
        zero,
        by_ref: false,
        scope: loops,
    });
    Var(body.vars.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::lowered;

    /// Lowers and analyzes `item` with every float parameter active; returns
    /// the names of the needed variables, and the IR with its saves.
    fn analyzed(item: syn::ItemFn) -> (String, String) {
        let (mut body, mut namer) = lowered(item).unwrap();
        let params: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_float()).collect();
        let activity = crate::activity::analyze(&body, &params, &[]);
        let saves = analyze(&mut body, &mut namer, &activity);
        let needed: Vec<String> =
            (0..body.vars.len()).filter(|&i| saves.is_needed(Var(i))).map(|i| body.vars[i].ident.to_string()).collect();
        (needed.join(" "), body.annotated(&saves).to_string())
    }

    #[test]
    fn linear_updates_need_nothing_saved() {
        let (needed, ir) = analyzed(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let mut s = x;
                s += y;
                s *= 2.0;
                s
            }
        });
        assert_eq!(needed, "");
        assert!(!ir.contains("__saved"), "{ir}");
    }

    #[test]
    fn an_overwritten_operand_is_saved_once() {
        let (needed, ir) = analyzed(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                s = s * s;
                s.sin()
            }
        });
        assert_eq!(needed, "s");
        let want = "\
fn(x: f64) -> __ret: f64
    s: f64 = x
    __saved_s <- s
    s: f64 := mul(s, s)
    __ret: f64 = sin(s)
";
        assert_eq!(ir, want);
    }

    #[test]
    fn conditions_around_derivative_code_are_needed() {
        let (needed, _) = analyzed(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                if x > 1.0 { x * 3.0 } else { x.exp() }
            }
        });
        assert_eq!(needed, "__ret __t1");
    }
}

#[cfg(test)]
mod loop_tests {
    use super::*;
    use crate::lower::tests::lowered;

    fn saved_ir(item: syn::ItemFn) -> String {
        let (mut body, mut namer) = lowered(item).unwrap();
        let seeds: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_differentiable()).collect();
        let activity = crate::activity::analyze(&body, &seeds, &[]);
        let saves = analyze(&mut body, &mut namer, &activity);
        body.annotated(&saves).to_string()
    }

    #[test]
    fn a_linear_loop_saves_nothing() {
        let ir = saved_ir(syn::parse_quote! {
            fn dot(w: &[f64], x: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..w.len() {
                    s += w[i] * x[i];
                }
                s
            }
        });
        assert!(!ir.contains("<-"), "{ir}");
    }

    #[test]
    fn a_while_condition_is_not_saved() {
        // It was true before every pass but the first; `y` is saved, as the
        // reverse sweep reads the value `y * y` destroys.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let mut y = x;
                while y < 10.0 && y > 0.1 {
                    y = y * y;
                }
                y
            }
        });
        assert_eq!(ir.matches("<-").count(), 1, "{ir}");
        assert!(ir.contains("__saved_y <- y"), "{ir}");
    }

    #[test]
    fn a_running_product_saves_one_value_per_pass() {
        let ir = saved_ir(syn::parse_quote! {
            fn product(x: &[f64]) -> f64 {
                let mut p = 1.0;
                for i in 0..x.len() {
                    p = p * x[i];
                }
                p
            }
        });
        assert_eq!(ir.matches("<-").count(), 1, "{ir}");
        assert!(ir.contains("__saved_p <- p"), "{ir}");
    }

    #[test]
    fn a_loop_local_read_after_its_update_is_not_saved_again() {
        // `z` is a new instance each pass (saved once at its `let`); the
        // updates inside the inner loop come before the read by `tanh`.
        let ir = saved_ir(syn::parse_quote! {
            fn layer(w: &[[f64; 2]; 2], x: &[f64; 2]) -> f64 {
                let mut out = 0.0;
                for i in 0..2 {
                    let mut z = 0.0;
                    for j in 0..2 {
                        z += w[i][j] * x[j];
                    }
                    out += z.sin();
                }
                out
            }
        });
        assert_eq!(ir.matches("<-").count(), 1, "{ir}");
        assert!(ir.contains("__saved_z <- z\n"), "{ir}");
    }

    #[test]
    fn a_call_in_a_loop_saves_the_previous_pass_tape() {
        // Each pass's call overwrites the tape the reverse pass of the
        // previous one reads: kept on a stack, keyed by the call.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], y: f64) -> f64 {
                let mut t = y;
                for i in 0..x.len() {
                    t = g(x[i], t);
                }
                t
            }
        });
        assert!(ir.contains("__saved_tape_t <- __tape_t\n"), "{ir}");
        assert!(ir.contains("t: f64 := call g(x[i], t) (tape __tape_t)\n"), "{ir}");
    }

    #[test]
    fn a_counted_loop_saves_its_index_where_it_is_read_back() {
        // A loop with an early exit replays its passes by count, not by
        // range: the index each pass read is kept.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let mut s = 1.0;
                for i in 0..x.len() {
                    s = s * x[i];
                    if s > 3.0 {
                        break;
                    }
                }
                s
            }
        });
        assert!(ir.contains("(index <- __saved_i)"), "{ir}");
    }

    #[test]
    fn an_index_of_an_element_adjoint_is_kept_when_overwritten() {
        // `x̄[j] += ā[0]` and `x̄[j] += ȳ[0]` run after `j := 1` in the
        // reverse sweep: the `j` they address is put back first.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let mut j = 0;
                let a = [x[j], x[2]];
                j = 1;
                a[0] * a[1] + x[j]
            }
        });
        assert!(ir.contains("__saved_j <- j\n    j: other := 1"), "{ir}");
        let (mut body, mut namer) = lowered(syn::parse_quote! {
            fn g(x: &[f64], y: &mut [f64]) {
                let mut j = 0;
                y[0] = x[j];
                j = 1;
                y[1] = x[j] * 2.0;
            }
        })
        .unwrap();
        let (x, y) = (body.params[0], body.params[1]);
        let activity = crate::activity::analyze(&body, &[x, y], &[y]);
        let saves = analyze(&mut body, &mut namer, &activity);
        let ir = body.annotated(&saves).to_string();
        assert!(ir.contains("__saved_j <- j\n    j: other := 1"), "{ir}");
    }

    /// ADBench's `Qtimesx` inside a loop over components: `qx` filled by a
    /// store at every index of `0..d`, then incremented over the packed
    /// lower triangle by a counter `li`, then read (`Σ qx²`).
    const QTIMESX: &str = "
        fn f(d: usize, k: usize, icf: &[f64], xc: &[f64], q: &[f64]) -> f64 {
            let mut qx = vec![0.0; d];
            let mut total = 0.0;
            for ik in 0..k {
                for id in 0..d {
                    qx[id] = q[id] * xc[id];
                }
                let mut li = ik * d;
                for col in 0..d {
                    for row in col + 1..d {
                        qx[row] += icf[li] * xc[col];
                        li += 1;
                    }
                }
                let sq: f64 = qx.iter().map(|v| v * v).sum();
                total += sq;
            }
            total
        }";

    #[test]
    fn increments_after_a_saved_fill_keep_nothing() {
        let ir = saved_ir(syn::parse_str(QTIMESX).unwrap());
        // The fill keeps the previous pass's `qx`, and the counter its
        // previous pass's end, once per component; nothing in the triangle,
        // and `qx.len()` is computed again.
        let saves: Vec<&str> = ir.lines().filter(|line| line.contains("<-")).map(str::trim).collect();
        assert_eq!(saves, ["__saved_qx <- qx[id]", "__saved_li <- li"], "{ir}");
        assert!(ir.contains("qx[row] := __t4\n                li: other := add(li, 1)\n"), "{ir}");
    }

    #[test]
    fn an_increment_whose_old_value_is_read_keeps_it() {
        // `sin` reads the element between the two increments of a pass.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut a = vec![0.0; n];
                let mut s = 0.0;
                for r in 0..3 {
                    for i in 0..n {
                        a[i] = x[i] * x[r];
                    }
                    for i in 0..n {
                        a[i] += x[i];
                        s += a[i].sin();
                        a[i] += x[r];
                        s += a[i] * a[i];
                    }
                }
                s
            }
        });
        assert_eq!(ir.matches("<- a[i").count(), 3, "{ir}");
    }

    #[test]
    fn an_increment_outside_the_filled_range_keeps_its_value() {
        // The fill covers `0..d`, the increment walks `0..m`: nothing says
        // `m ≤ d`, so the elements past `d` are kept.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], d: usize, m: usize) -> f64 {
                let mut a = vec![0.0; m];
                let mut s = 0.0;
                for r in 0..2 {
                    for i in 0..d {
                        a[i] = x[i] * x[r];
                    }
                    for i in 0..m {
                        a[i] += x[i];
                    }
                    s += a[0] * a[1];
                }
                s
            }
        });
        assert!(ir.contains("__saved_a_2 <- a[i_1]\n            a[i_1] := __t2"), "{ir}");
    }

    #[test]
    fn integer_steps_are_undone_and_other_writes_saved() {
        // `j += 1` and `j -= n` are undone; `k = k * 2 % n` cannot be.
        let (mut body, mut namer) = lowered(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut j = 0;
                let mut k = 1;
                let mut s = 0.0;
                for i in 0..n {
                    j += 1;
                    if j >= n {
                        j -= n;
                    }
                    s += x[j] * x[i];
                    k = k * 2 % n;
                    s += x[k];
                }
                s
            }
        })
        .unwrap();
        let x = body.params[0];
        let activity = crate::activity::analyze(&body, &[x], &[]);
        let saves = analyze(&mut body, &mut namer, &activity);
        let mut undone = Vec::new();
        crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
            if let Stmt::Assign { dst, .. } = stmt {
                if saves.is_undone(id) {
                    undone.push(body.var(*dst).ident.to_string());
                }
            }
        });
        assert_eq!(undone, ["j", "j"]);
        let ir = body.annotated(&saves).to_string();
        assert!(!ir.contains("__saved_j"), "{ir}");
        assert!(ir.contains("__saved_k <- k\n        k: other := rem("), "{ir}");
    }

    #[test]
    fn an_index_computed_in_a_branch_is_computed_again() {
        // The heat equation's edges: `i - 1` only where `i > 0`, computed
        // again in the reverse sweep's branch rather than pushed per pass.
        let ir = saved_ir(syn::parse_quote! {
            fn f(u: &[f64], steps: usize) -> f64 {
                let n = u.len();
                let mut s = 0.0;
                for _step in 0..steps {
                    for i in 0..n {
                        let left = if i > 0 { u[i - 1] } else { u[i] };
                        s += left * u[i];
                    }
                }
                s
            }
        });
        // (`left`, which the product reads, is kept: a float of two branches.)
        assert!(!ir.contains("<- __t3"), "{ir}");
        assert_eq!(ir.matches("<-").count(), 2, "{ir}");
        let (mut body, mut namer) = lowered(syn::parse_quote! {
            fn f(u: &[f64], steps: usize) -> f64 {
                let n = u.len();
                let mut s = 0.0;
                for _step in 0..steps {
                    for i in 0..n {
                        let left = if i > 0 { u[i - 1] } else { u[i] };
                        s += left * u[i];
                    }
                }
                s
            }
        })
        .unwrap();
        let u = body.params[0];
        let activity = crate::activity::analyze(&body, &[u], &[]);
        let saves = analyze(&mut body, &mut namer, &activity);
        let recomputed: Vec<String> = (0..body.vars.len())
            .filter(|&i| saves.is_recomputed(Var(i)))
            .map(|i| body.vars[i].ident.to_string())
            .collect();
        assert_eq!(recomputed, ["__t1", "__t2", "__t3"]);
    }

    #[test]
    fn a_fill_whose_bound_changes_in_the_index_loop_covers_nothing() {
        // `r` keeps to the first `0..h`, the fill of a later pass to a
        // smaller `h`: the increment keeps what it overwrites.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut h = n;
                let mut a = vec![0.0; n];
                let mut s = 0.0;
                for r in 0..h {
                    for i in 0..h {
                        a[i] = x[i] * x[r];
                    }
                    a[r] += x[0];
                    s += a[r] * a[n - 1];
                    h = h / 2;
                }
                s
            }
        });
        assert!(ir.contains("<- a[r]\n        a[r] := __t"), "{ir}");
    }

    #[test]
    fn a_fill_bounded_by_a_local_covers_increments_bounded_by_it() {
        // Each loop reads `n` through a copy made where it starts.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut a = vec![0.0; n];
                let mut s = 0.0;
                for pass in 0..2 {
                    for i in 0..n {
                        a[i] = x[i] * x[pass];
                    }
                    for c in 0..n {
                        for r in c..n {
                            a[r] += x[c] * x[r];
                        }
                    }
                    s += a[0] * a[n - 1];
                }
                s
            }
        });
        let saves: Vec<&str> = ir.lines().filter(|line| line.contains("<-")).map(str::trim).collect();
        assert_eq!(saves, ["__saved_a <- a[i]"], "{ir}");
    }
}

#[cfg(test)]
mod checkpoint_tests {
    use super::*;
    use crate::lower::tests::lowered;

    fn saved_ir(item: syn::ItemFn) -> String {
        let (mut body, mut namer) = lowered(item).unwrap();
        let seeds: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_differentiable()).collect();
        let activity = crate::activity::analyze(&body, &seeds, &[]);
        let saves = analyze(&mut body, &mut namer, &activity);
        body.annotated(&saves).to_string()
    }

    /// The note on the loop whose header starts with `header`.
    fn note(ir: &str, header: &str) -> String {
        let line = ir.lines().map(str::trim).find(|line| line.starts_with(header)).unwrap_or_else(|| panic!("{ir}"));
        line.split_once(" (")
            .map(|(_, note)| note.trim_end_matches(" {").trim_end_matches(')').to_owned())
            .unwrap_or_default()
    }

    /// GMM's loop over points: per point and component `xc = x − μ`, the
    /// triangular product by a callee writing `qx` in place, a log-sum-exp
    /// into a running total.
    const GMM: &str = "
        fn gmm(d: usize, k: usize, n: usize, alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
            let icf_size = d * (d + 1) / 2;
            let mut xcentered = vec![0.0; d];
            let mut qxcentered = vec![0.0; d];
            let mut main_term = vec![0.0; k];
            let mut slse = 0.0;
            for ix in 0..n {
                for ik in 0..k {
                    for id in 0..d {
                        xcentered[id] = x[ix * d + id] - means[ik * d + id];
                    }
                    let ltri = ik * icf_size + d;
                    qtimesx(&icf[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * icf_size], &xcentered, &mut qxcentered);
                    let sqnorm: f64 = qxcentered.iter().map(|v| v * v).sum();
                    main_term[ik] = alphas[ik] - 0.5 * sqnorm;
                }
                slse += log_sum_exp(&main_term);
            }
            slse
        }";

    #[test]
    fn gmm_points_are_checkpointed_with_the_lent_buffer_kept() {
        let ir = saved_ir(syn::parse_str(GMM).unwrap());
        // `xcentered` and `main_term` are filled before they are read in
        // every pass; `qxcentered` is lent to a callee that may read it,
        // unless its companion says it fills it first (`filled.rs`).
        let note_ix = note(&ir, "for ix in");
        // Its one total, `slse`, is all a pass hands on: each pass is
        // reversed right after it runs (`immediate.rs`), where the callee
        // fills the buffer first.
        assert_eq!(
            note_ix, "checkpointed, each pass reversed at once, snapshots qxcentered unless its callees fill it",
            "{ir}"
        );
        // The loops inside are run as they are, per pass.
        assert_eq!(note(&ir, "for ik in"), "", "{ir}");
    }

    #[test]
    fn a_state_lent_to_a_step_per_pass_is_not_checkpointed() {
        // LSTM's time loop: each pass lends the state to a callee writing it
        // in place, whose tape is the pass's one growing save: all passes
        // keep about what the loop reads, and running it twice would cost
        // more than that spares.
        let ir = saved_ir(syn::parse_quote! {
            fn rollout(w: &[f64], state: &[f64], steps: usize) -> f64 {
                let mut st = state.to_vec();
                let mut total = 0.0;
                for t in 0..steps {
                    step(w, &mut st);
                    total += st[0] * (t as f64);
                }
                total
            }
        });
        assert_eq!(note(&ir, "for t in"), "not checkpointed: its saves grow with one size", "{ir}");
    }

    #[test]
    fn a_batch_keeping_a_hidden_layer_per_sample_is_not_checkpointed() {
        // An MLP's batch: each sample keeps its hidden layer's `tanh`s, one
        // per pass of the loop over units. All samples together keep a few
        // times the batch; running the batch twice would cost a forward pass.
        let ir = saved_ir(syn::parse_quote! {
            fn batch(w: &[f64], xs: &[f64], n: usize, h: usize) -> f64 {
                let mut total = 0.0;
                for s in 0..xs.len() / n {
                    let mut out = 0.0;
                    for j in 0..h {
                        let mut z = 0.0;
                        for i in 0..n {
                            z += w[j * n + i] * xs[s * n + i];
                        }
                        out += z.tanh();
                    }
                    total += out * out;
                }
                total
            }
        });
        assert_eq!(note(&ir, "for s in"), "not checkpointed: its saves grow with one size", "{ir}");
    }

    #[test]
    fn a_loop_saving_a_scalar_per_pass_is_not_checkpointed() {
        let ir = saved_ir(syn::parse_quote! {
            fn product(x: &[f64]) -> f64 {
                let mut p = 1.0;
                for i in 0..x.len() {
                    p = p * x[i];
                }
                p
            }
        });
        assert_eq!(note(&ir, "for i in"), "not checkpointed: nothing grows per pass", "{ir}");
    }

    #[test]
    fn a_pass_reading_a_value_written_after_the_loop_is_not_checkpointed() {
        // The reverse sweep reaches the loop after `scale` changed.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut scale = x[0];
                let mut s = 0.0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * x[j] * x[l] * scale;
                        }
                    }
                    s += p;
                }
                scale = 2.0;
                s * scale
            }
        });
        assert_eq!(note(&ir, "for i in"), "not checkpointed: reads scale, written later", "{ir}");
    }

    #[test]
    fn a_pass_reading_the_accumulator_keeps_it_per_pass() {
        // `s` is read by the pass (`p * s`): not an accumulator, a float
        // handed from pass to pass, kept at the start of each.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * x[j] * x[l] + s;
                        }
                    }
                    s += p;
                }
                s
            }
        });
        assert_eq!(note(&ir, "for i in"), "checkpointed, snapshots s", "{ir}");
    }

    #[test]
    fn an_integer_handed_between_passes_is_not_checkpointed() {
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                let mut k = 0;
                for i in 0..n {
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * x[(j + k) % n] * x[l];
                        }
                    }
                    k = (k * 7 + i) % n;
                    s += p;
                }
                s
            }
        });
        assert_eq!(note(&ir, "for i in"), "not checkpointed: passes carry k", "{ir}");
    }

    #[test]
    fn an_inner_loop_of_an_unqualified_loop_is_checkpointed() {
        // The outer loop hands `s` on through an exit; the middle one
        // qualifies, the innermost is left to it.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                loop {
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for l in 0..n {
                                p = p * x[j] * x[i] * x[l];
                            }
                        }
                        s += p;
                    }
                    if s > 1.0 {
                        break;
                    }
                }
                s
            }
        });
        assert_eq!(note(&ir, "loop"), "not checkpointed: not a plain range", "{ir}");
        assert_eq!(note(&ir, "for i in"), "checkpointed", "{ir}");
        assert_eq!(note(&ir, "for j in"), "", "{ir}");
    }

    #[test]
    fn a_vector_stored_into_and_read_by_the_next_pass_is_not_checkpointed() {
        // Pass `r` reads what pass `r − 1` stored in `a`: a snapshot of `a`
        // per pass could cost more than the saves it spares.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut a = vec![1.0; n];
                let mut s = 0.0;
                for r in 0..n {
                    for i in 1..n {
                        for l in 0..n {
                            a[i] = a[i - 1] * x[i] + a[i] * x[r] * x[l];
                        }
                    }
                    s += a[n - 1];
                }
                s
            }
        });
        assert_eq!(note(&ir, "for r in"), "not checkpointed: passes carry a", "{ir}");
    }

    #[test]
    fn a_reversed_range_with_continue_is_checkpointed() {
        // `continue` guards the rest of the pass with a flag of the pass's
        // own; the reverse sweep walks the reversed range forwards.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                for i in (0..n).rev() {
                    if x[i] < 0.0 {
                        continue;
                    }
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * (x[j] * x[i] * x[l]).sin() + 0.5;
                        }
                    }
                    s += p * x[i];
                }
                s
            }
        });
        assert_eq!(note(&ir, "for i in"), "checkpointed, each pass reversed at once", "{ir}");
    }

    #[test]
    fn a_value_written_first_in_each_pass_but_read_before_the_loop_is_kept() {
        // `last` is written before it is read in every pass, but `pre`'s
        // partial reads the value from before the loop: the reverse sweep
        // must find it there after the passes ran again.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut last = x[0] * x[1];
                let pre = (last * x[2]).sin();
                let mut s = 0.0;
                for i in 0..n {
                    last = x[i] * 0.5;
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * (x[j] * x[l] * last).sin() + 0.5;
                        }
                    }
                    s += p;
                }
                s + pre * last
            }
        });
        assert_eq!(note(&ir, "for i in"), "checkpointed, snapshots last", "{ir}");
    }

    #[test]
    fn a_value_written_first_in_each_pass_and_read_after_the_loop_is_not_reversed_at_once() {
        // The reverse right after a pass would put the value from before the
        // pass back; the rest of the function reads what the loop left.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let n = x.len();
                let mut last = 0.0;
                let mut s = 0.0;
                for i in 0..n {
                    last = x[i] * 0.5;
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * (x[j] * x[l] * last).sin() + 0.5;
                        }
                    }
                    s += p;
                }
                s * last
            }
        });
        assert_eq!(note(&ir, "for i in"), "checkpointed, snapshots last", "{ir}");
    }

    #[test]
    fn a_pass_writing_a_parameter_is_not_reversed_at_once() {
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], mut a: f64) -> f64 {
                let n = x.len();
                let mut s = 0.0;
                for i in 0..n {
                    a = x[i] * 0.5;
                    let mut p = 1.0;
                    for j in 0..n {
                        for l in 0..n {
                            p = p * (x[j] * x[l] * a).sin() + 0.5;
                        }
                    }
                    s += p;
                }
                s
            }
        });
        assert_eq!(note(&ir, "for i in"), "checkpointed", "{ir}");
    }

    #[test]
    fn a_checkpointed_loop_inside_a_for_loop_is_not_reversed_at_once() {
        // The outer loop carries `k`; the inner one qualifies, but all the
        // outer passes run forward before its first reverse visit.
        let ir = saved_ir(syn::parse_quote! {
            fn f(x: &[f64], n: usize) -> f64 {
                let mut s = 0.0;
                let mut k = 0;
                for r in 0..2 {
                    for i in 0..n {
                        let mut p = 1.0;
                        for j in 0..n {
                            for l in 0..n {
                                p = p * x[j] * x[l] * x[i];
                            }
                        }
                        s += p;
                    }
                    s += x[k];
                    k = (k + r + 1) % n;
                }
                s
            }
        });
        assert_eq!(note(&ir, "for r in"), "not checkpointed: passes carry k", "{ir}");
        assert_eq!(note(&ir, "for i in"), "checkpointed", "{ir}");
    }
}
