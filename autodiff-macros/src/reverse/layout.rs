//! Where the generated function keeps each variable: declared in place or
//! up front, a saved value in one slot, a stack, or an array on the machine
//! stack when every loop around its save site walks a literal range.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::records::Records;
use super::saves::{SaveKey, Saves};
use crate::activity::Activity;
use crate::emit;
use crate::ir::{
    Adaptor, Arg, AssignKind, Block, Body, Header, Loop, Operand, Rhs, Stmt, StmtId, Ty, Var, VarKind, Zero,
};

/// The variables declared up front, before the first statement.
pub(super) fn declarations(body: &Body, layout: &Layout) -> TokenStream {
    let records = layout.records.declarations();
    let each = (0..body.vars.len()).filter(|&i| layout.hoisted[i]).map(|i| match layout.fixed_capacity[i] {
        Some(capacity) => {
            let ident = &body.var(Var(i)).ident;
            let top = stack_top(ident);
            let zero = match body.var(Var(i)).ty {
                Ty::Bool => quote!(false),
                Ty::Float(_) | Ty::AnyFloat => quote!(0.0),
                _ => emit::initial_value(body, Var(i)),
            };
            let capacity = proc_macro2::Literal::usize_unsuffixed(capacity);
            quote!(let mut #ident = [#zero; #capacity]; let mut #top = 0usize;)
        }
        // (A member's values live in its group's vector.)
        None if layout.records.is_member(Var(i)) => TokenStream::new(),
        None => emit::declaration(body, Var(i), layout.stack[i]),
    });
    quote!(#records #(#each)*)
}

/// Where each variable is declared: in place (`let x = ..` at its only
/// definition) or up front, because it is assigned in a branch, or inside
/// a loop and read by the reverse sweep outside that loop.
pub(super) struct Layout {
    pub(super) hoisted: Vec<bool>,
    /// Saved values inside loops: stacks.
    pub(super) stack: Vec<bool>,
    /// A stack whose loops all walk literal ranges (`0..2`) holds at most
    /// this many values: it lives in an array on the machine stack.
    pub(super) fixed_capacity: Vec<Option<usize>>,
    /// Stacks on the heap of one loop nest that share one vector.
    pub(super) records: Records,
    pub(super) mutated: Vec<bool>,
}

impl Layout {
    pub(super) fn new(body: &Body, activity: &Activity, saves: &Saves) -> Self {
        Self::with(body, activity, saves, false)
    }

    /// The layout of a sweep with no reverse part (a replay), where a
    /// temporary assigned in a branch and read nowhere else is declared
    /// where it is assigned.
    pub(super) fn forward_only(body: &Body, activity: &Activity, saves: &Saves) -> Self {
        Self::with(body, activity, saves, true)
    }

    fn with(body: &Body, activity: &Activity, saves: &Saves, forward_only: bool) -> Self {
        let count = body.vars.len();
        let mut inits = vec![0usize; count];
        let mut flat_init = vec![true; count];
        let mut mentioned = vec![false; count];
        let mut mutated = vec![false; count];
        let mut header_bound = vec![false; count];
        let mut counted_index = vec![false; count];
        let mut stack = vec![false; count];
        let mut branched = vec![false; count];
        mark(body, saves, &body.block, StmtId::FIRST, false, 0, &mut |var: Var, event: Event| match event {
            Event::Init { nested } => {
                inits[var.0] += 1;
                flat_init[var.0] &= !nested;
                mentioned[var.0] = true;
            }
            Event::Write => {
                mutated[var.0] = true;
                mentioned[var.0] = true;
            }
            Event::Read => mentioned[var.0] = true,
            Event::Header { counted } => {
                mentioned[var.0] = true;
                if counted {
                    counted_index[var.0] = true;
                    mutated[var.0] = true;
                } else {
                    header_bound[var.0] = true;
                }
            }
            Event::Saved { in_loop, nested } => {
                mentioned[var.0] = true;
                inits[var.0] += 1;
                flat_init[var.0] &= !nested;
                stack[var.0] = in_loop;
                branched[var.0] |= nested;
            }
        });
        let hoisted = (0..count)
            .map(|i| {
                let info = &body.vars[i];
                if info.kind == VarKind::Param || header_bound[i] || !mentioned[i] {
                    return false;
                }
                // (A forward sweep's temporary, read only in the block that
                // sets it, as the zero a call lends in a branch: declared
                // up front, its initializer could read the loop's index. The
                // reverse sweep makes its own if it needs it again.)
                let own_in_reverse = !saves.is_needed(Var(i)) || saves.is_recomputed(Var(i));
                let confined = (forward_only || own_in_reverse)
                    && info.kind == VarKind::Temp
                    && inits[i] == 1
                    && !flat_init[i]
                    && confined_to_its_block(body, saves, &body.block, Var(i));
                if confined {
                    return false;
                }
                if counted_index[i] || stack[i] || inits[i] != 1 || !flat_init[i] {
                    return true;
                }
                // A loop body's own value is visible to the reverse sweep only
                // if it is declared outside the loop; so is a vector whose
                // length its adjoint takes.
                let sized_adjoint = activity.is_active(Var(i)) && matches!(info.zero, Some(Zero::Vec(_)));
                let kept = saves.is_needed(Var(i)) && !saves.is_recomputed(Var(i));
                !info.scope.is_empty() && (kept || info.kind == VarKind::Saved || sized_adjoint)
            })
            .collect();
        let fixed_capacity: Vec<Option<usize>> =
            (0..count).map(|i| stack[i].then(|| fixed_capacity(body, Var(i))).flatten()).collect();
        // (A save in a branch may skip passes: its record would hold gaps.)
        let candidates: Vec<bool> =
            (0..count).map(|i| stack[i] && fixed_capacity[i].is_none() && !branched[i]).collect();
        let records = Records::new(body, saves, &candidates);
        Layout { hoisted, stack, mutated, fixed_capacity, records }
    }
}

/// The most values a save site's stack can hold when every loop around it
/// walks a range of integer literals and the values are floats or flags;
/// small enough to live on the machine stack.
pub(super) fn fixed_capacity(body: &Body, slot: Var) -> Option<usize> {
    const LARGEST: usize = 256;
    let info = body.var(slot);
    // Floats, flags, and the `Copy` tapes of calls (integers too).
    if info.ty == Ty::Aggregate {
        return None;
    }
    let mut loops = BTreeMap::new();
    crate::ir::walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Loop(lp) = stmt {
            loops.insert(lp.id, lp);
        }
    });
    let literal = |operand: &Operand| match operand {
        Operand::Const(constant) => {
            let text = constant.tokens.to_string();
            text.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<usize>().ok()
        }
        _ => None,
    };
    let mut capacity = 1usize;
    for id in &info.scope {
        let Some(Loop { header: Header::Range { lo, hi, inclusive, adaptors, .. }, trips: None, .. }) = loops.get(id)
        else {
            return None;
        };
        if !adaptors.is_empty() {
            return None;
        }
        let passes = (literal(hi)? + usize::from(*inclusive)).checked_sub(literal(lo)?)?;
        capacity = capacity.checked_mul(passes)?;
    }
    (capacity <= LARGEST).then_some(capacity)
}

pub(super) enum Event {
    Init { nested: bool },
    Write,
    Read,
    Header { counted: bool },
    Saved { in_loop: bool, nested: bool },
}

/// Reports every definition, write and read of a variable to `visit`.
/// `nested`: inside an `if` (whose branches are scopes of their own);
/// `depth`: the number of loops around `block`. A definition inside a loop
/// that the variable outlives (`let z = loop { break x; }`) is nested too:
/// the variable must be declared before that loop. `first`: the id of the
/// block's first statement.
pub(super) fn mark(
    body: &Body,
    saves: &Saves,
    block: &Block,
    first: StmtId,
    nested: bool,
    depth: usize,
    visit: &mut dyn FnMut(Var, Event),
) {
    let outlives_loop = |var: Var| body.var(var).scope.len() < depth;
    for (id, stmt) in block.numbered(first) {
        match stmt {
            Stmt::Assign { dst, rhs, kind, .. } => {
                rhs.reads().into_iter().for_each(|var| visit(var, Event::Read));
                // A buffer lent as `&mut` to a call (a forward-mode call's
                // output tangent) is written by it.
                if let Rhs::Call(_, args) = rhs {
                    for arg in args {
                        if let Arg::Ref { place, mutable: true, .. } = arg {
                            visit(place.var, Event::Write);
                        }
                    }
                }
                // A vector grown by `push` (one of integers, kept as written).
                if let Rhs::Method(Operand::Var(vector), method, _) = rhs {
                    if crate::lower::is_growth(method) {
                        visit(*vector, Event::Write);
                    }
                }
                if let Some(tape) = saves.tape(id) {
                    if let Some(slot) = saves.slot(SaveKey::Tape(id)) {
                        let in_loop = !body.var(slot).scope.is_empty();
                        visit(slot, Event::Saved { in_loop, nested });
                    }
                    visit(tape, Event::Init { nested: nested || outlives_loop(tape) });
                }
                if let Some(save) = saves.slot(SaveKey::Value(id)) {
                    let in_loop = !body.var(save).scope.is_empty();
                    visit(save, Event::Saved { in_loop, nested });
                }
                match kind {
                    AssignKind::Init => visit(*dst, Event::Init { nested: nested || outlives_loop(*dst) }),
                    AssignKind::Overwrite => visit(*dst, Event::Write),
                }
            }
            Stmt::Store { place, value, .. } => {
                value.reads().into_iter().for_each(|var| visit(var, Event::Read));
                place.index_vars().for_each(|var| visit(var, Event::Read));
                if let Some(save) = saves.slot(SaveKey::Value(id)) {
                    let in_loop = !body.var(save).scope.is_empty();
                    visit(save, Event::Saved { in_loop, nested });
                }
                visit(place.var, Event::Write);
            }
            Stmt::If { cond, then, els, .. } => {
                if let Some(var) = cond.var() {
                    visit(var, Event::Read);
                }
                let (then_id, els_id) = crate::ir::branch_ids(id, then);
                mark(body, saves, then, then_id, true, depth, visit);
                mark(body, saves, els, els_id, true, depth, visit);
            }
            Stmt::Loop(lp) => {
                if let Header::Range { index, lo, hi, adaptors, .. } = &lp.header {
                    let reads = lo.reads().into_iter().chain(hi.reads()).chain(adaptors.iter().flat_map(|a| match a {
                        Adaptor::StepBy(step) => step.reads(),
                        Adaptor::Rev => Vec::new(),
                    }));
                    reads.for_each(|var| visit(var, Event::Read));
                    visit(*index, Event::Header { counted: lp.trips.is_some() });
                    if let Some(save) = saves.slot(SaveKey::Index(id)) {
                        visit(save, Event::Saved { in_loop: true, nested: true });
                    }
                }
                if let Some(trips) = lp.trips {
                    visit(trips, Event::Write);
                }
                lp.exits.iter().for_each(|var| visit(*var, Event::Read));
                mark(body, saves, &lp.body, id.after(1), false, depth + 1, visit);
            }
        }
    }
}

/// The count of values in a fixed-size stack.
pub(super) fn stack_top(stack: &Ident) -> Ident {
    format_ident!("{}_top", stack)
}

/// Whether every mention of `var` lies in the block whose statements set
/// it (nested blocks included). For a forward-only sweep: the statement
/// ids `mark` is given matter only to saves, which such a sweep has none of.
fn confined_to_its_block(body: &Body, saves: &Saves, block: &Block, var: Var) -> bool {
    let sets = |stmt: &Stmt| matches!(stmt, Stmt::Assign { dst, kind: AssignKind::Init, .. } if *dst == var);
    if block.stmts.iter().any(sets) {
        return true;
    }
    let mentions = |block: &Block| {
        let mut count = 0;
        mark(body, saves, block, StmtId::FIRST, false, 0, &mut |seen, _| count += usize::from(seen == var));
        count
    };
    for stmt in &block.stmts {
        let inner: Vec<&Block> = match stmt {
            Stmt::If { then, els, .. } => vec![then, els],
            Stmt::Loop(lp) => vec![&lp.body],
            Stmt::Assign { .. } | Stmt::Store { .. } => continue,
        };
        for inner in inner {
            let within = mentions(inner);
            if within > 0 {
                // The block that sets it is in here: nothing outside may mention it.
                return mentions(block) == within && confined_to_its_block(body, saves, inner, var);
            }
        }
    }
    false
}
