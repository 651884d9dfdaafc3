//! Writes whose old value the reverse sweep never sees, because an earlier
//! overwrite that is saved puts it back first.
//!
//! In `qx[id] = d[id] * xc[id]` (for every `id` in `0..n`) followed by
//! `qx[row] += l * xc[col]` (for `row` in `col + 1..n`), the reverse sweep
//! reads `qx` only after `qx` was used, in an earlier pass: by the time it
//! gets there, the restore of the first loop's save has put back every
//! element the increments changed. So the increments keep nothing, where a
//! hand-written adjoint keeps nothing either.
//!
//! A write `W` of `a` needs no save when, in a block around it, an earlier
//! statement `C` of that block *covers* it (restores, in the reverse sweep,
//! every element `W` may change: `C` assigns the whole of `a`, or stores the
//! same element, or is a loop storing `a[j]` for every `j` of a range that
//! holds `W`'s index) with a save, and no needed read of `a` lies between
//! `C` and the end of the statement of that block that holds `W` (which may
//! be a loop around `W`). Every read of `a` the reverse sweep makes after
//! undoing `W` is then one that ran before `C`: `C`'s restore comes first.

use crate::ir::{Adaptor, AssignKind, Body, Header, Loop, LoopId, Operand, Place, Proj, Rhs, Stmt, StmtId, Var};

/// A block around the statement being decided: its statements with their
/// ids, and which of them holds that statement.
pub(super) struct Level<'a> {
    pub(super) stmts: Vec<(StmtId, &'a Stmt)>,
    pub(super) current: usize,
}

/// What the check needs to know of the analysis that calls it.
pub(super) struct Facts<'a> {
    /// The statements that define each variable (assignments, stores into
    /// it, the loops whose index it is).
    definitions: Vec<Vec<StmtId>>,
    /// The variable each copy holds, for a variable defined once by
    /// `t = v` (as a loop's bound is copied where the loop starts).
    copies: Vec<Option<(Var, StmtId)>>,
    loops: std::collections::BTreeMap<LoopId, (StmtId, &'a Loop)>,
}

impl<'a> Facts<'a> {
    pub(super) fn new(body: &'a Body) -> Self {
        let mut definitions = vec![Vec::new(); body.vars.len()];
        let mut copies = vec![None; body.vars.len()];
        let mut loops = std::collections::BTreeMap::new();
        crate::ir::walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| match stmt {
            Stmt::Assign { dst, rhs, kind, .. } => {
                definitions[dst.0].push(id);
                if let (Rhs::Use(Operand::Var(source)), AssignKind::Init) = (rhs, kind) {
                    copies[dst.0] = Some((*source, id));
                }
            }
            Stmt::Store { place, .. } => definitions[place.var.0].push(id),
            Stmt::Loop(lp) => {
                if let Header::Range { index, .. } = &lp.header {
                    definitions[index.0].push(id);
                }
                loops.insert(lp.id, (id, lp));
            }
            Stmt::If { .. } => {}
        });
        // Only a variable defined once is surely the copy.
        for (var, copy) in copies.iter_mut().enumerate() {
            if definitions[var].len() != 1 {
                *copy = None;
            }
        }
        Facts { definitions, copies, loops }
    }

    /// The variable `operand` copies, and where, when it is such a copy.
    fn source(&self, operand: &Operand) -> (Operand, Option<StmtId>) {
        match operand {
            Operand::Var(var) => match self.copies[var.0] {
                Some((source, id)) => (Operand::Var(source), Some(id)),
                None => (operand.clone(), None),
            },
            _ => (operand.clone(), None),
        }
    }

    /// Whether nothing defines `var` from statement `from` to before `to`.
    fn unchanged(&self, var: Var, from: usize, to: usize) -> bool {
        !self.definitions[var.0].iter().any(|id| (from..to).contains(&id.0))
    }
}

/// What is written: all of a variable, or one element of it.
#[derive(Clone, Copy)]
pub(super) enum Written<'a> {
    Whole(Var),
    Element(&'a Place),
}

impl Written<'_> {
    fn var(self) -> Var {
        match self {
            Written::Whole(var) => var,
            Written::Element(place) => place.var,
        }
    }
}

/// Whether the write `written` at `id`, inside the loops `around`, needs no
/// save (see the module's documentation). `saved`: whether the statement
/// at an id saves what it overwrites; `read_between(var, from, to)`:
/// whether a needed read of `var` has a key in `from..to` (keys are
/// `2·id`, `+1` for a read of a statement's own result).
pub(super) fn is_shielded(
    facts: &Facts,
    written: Written,
    around: &[LoopId],
    enclosing: &[Level],
    saved: &dyn Fn(StmtId) -> bool,
    read_between: &dyn Fn(Var, usize, usize) -> bool,
) -> bool {
    for level in enclosing.iter().rev() {
        let (holder, holder_stmt) = level.stmts[level.current];
        let end = holder.0 + holder_stmt.size();
        let earlier = level.stmts[..level.current].iter().rev();
        if let Some(from) =
            earlier.filter_map(|&(id, stmt)| covers(facts, id, stmt, written, around, end, saved)).next()
        {
            // A nearer cover with a read after it: any farther one has that read too.
            return !read_between(written.var(), from, 2 * end);
        }
    }
    false
}

/// The key from which reads of `written`'s variable would see what the
/// write changed, if the statement `stmt` at `id` covers the write: its
/// save restores every element the write may change.
fn covers(
    facts: &Facts,
    id: StmtId,
    stmt: &Stmt,
    written: Written,
    around: &[LoopId],
    end: usize,
    saved: &dyn Fn(StmtId) -> bool,
) -> Option<usize> {
    let var = written.var();
    match (stmt, written) {
        (Stmt::Assign { dst, .. }, _) if *dst == var && saved(id) => Some(2 * id.0 + 1),
        (Stmt::Store { place, .. }, Written::Element(element)) if saved(id) && same_element(place, element) => {
            let fixed = element.index_vars().all(|index| facts.unchanged(index, id.0 + 1, end));
            fixed.then_some(2 * id.0 + 1)
        }
        (Stmt::Loop(lp), Written::Element(element)) => {
            fills_range(facts, id, lp, element, around, end, saved).then_some(2 * id.0)
        }
        _ => None,
    }
}

fn same_element(a: &Place, b: &Place) -> bool {
    let same_proj = |x: &Proj, y: &Proj| match (x, y) {
        (Proj::Index(Operand::Var(i)), Proj::Index(Operand::Var(j))) => i == j,
        (Proj::Index(Operand::Const(i)), Proj::Index(Operand::Const(j))) => {
            i.tokens.to_string() == j.tokens.to_string()
        }
        (Proj::Field(f), Proj::Field(g)) => f == g,
        _ => false,
    };
    a.var == b.var && a.proj.len() == b.proj.len() && a.proj.iter().zip(&b.proj).all(|(x, y)| same_proj(x, y))
}

/// Whether `lp` (at `id`) stores into `a[j]` at every `j` of its range, with
/// a save, and the index of `element` (`a[r]`) is the index of a loop
/// around the write whose range lies within that one.
fn fills_range(
    facts: &Facts,
    id: StmtId,
    lp: &Loop,
    element: &Place,
    around: &[LoopId],
    end: usize,
    saved: &dyn Fn(StmtId) -> bool,
) -> bool {
    let Header::Range { index, lo, hi, inclusive, adaptors } = &lp.header else { return false };
    // Every pass runs, and runs the store.
    let every_pass = lp.trips.is_none() && lp.exits.is_empty() && adaptors.iter().all(|a| matches!(a, Adaptor::Rev));
    let [Proj::Index(Operand::Var(r))] = &element.proj[..] else { return false };
    let stores_each = lp.body.numbered(id.after(1)).into_iter().any(|(store_id, stmt)| {
        matches!(stmt, Stmt::Store { place, .. }
            if place.var == element.var
                && matches!(&place.proj[..], [Proj::Index(Operand::Var(j))] if j == index)
                && saved(store_id))
    });
    if !every_pass || !stores_each {
        return false;
    }
    let Some((inner_id, inner)) = around
        .iter()
        .filter_map(|loop_id| facts.loops.get(loop_id))
        .find(|(_, inner)| matches!(&inner.header, Header::Range { index: inner_index, .. } if inner_index == r))
    else {
        return false;
    };
    let Header::Range { lo: inner_lo, hi: inner_hi, inclusive: inner_inclusive, .. } = &inner.header else {
        return false;
    };
    // The bounds are read when each loop starts: nothing may change them
    // from the first of those starts to the end of the write's statement,
    // nor in the rest of the index's loop when it holds both (its next pass
    // fills by the new bound, while the index keeps to the old one).
    // A bound read through copies (`__t1 = n`) is the same where both
    // copies hold the same variable, unchanged from the first copy on.
    let from = id.0.min(inner_id.0);
    let to = end.max(inner_id.0 + 1 + inner.body.size());
    let same_bound = |a: &Operand, b: &Operand| {
        let ((a, a_copied), (b, b_copied)) = (facts.source(a), facts.source(b));
        let from = [Some(StmtId(from)), a_copied, b_copied].into_iter().flatten().map(|id| id.0).min().unwrap_or(from);
        same_operand(&a, &b)
            && match a {
                Operand::Var(var) => facts.unchanged(var, from, to),
                Operand::Const(_) => true,
                Operand::Place(_) => false,
            }
    };
    let below = match (literal(lo), literal(inner_lo)) {
        // An index is a `usize`: at least 0.
        (Some(0), _) => true,
        (Some(lo), Some(inner_lo)) => inner_lo >= lo,
        _ => same_bound(lo, inner_lo),
    };
    let above = match (literal(hi), literal(inner_hi)) {
        (Some(hi), Some(inner_hi)) => inner_hi + usize::from(*inner_inclusive) <= hi + usize::from(*inclusive),
        _ => same_bound(hi, inner_hi) && (*inclusive || !*inner_inclusive),
    };
    below && above
}

fn same_operand(a: &Operand, b: &Operand) -> bool {
    match (a, b) {
        (Operand::Var(a), Operand::Var(b)) => a == b,
        (Operand::Const(a), Operand::Const(b)) => a.tokens.to_string() == b.tokens.to_string(),
        _ => false,
    }
}

/// The value of an integer literal operand (`8`, `8usize`).
fn literal(operand: &Operand) -> Option<usize> {
    let Operand::Const(constant) = operand else { return None };
    let text = constant.tokens.to_string();
    text.strip_suffix("usize").unwrap_or(&text).replace('_', "").parse::<usize>().ok()
}
