//! Activity and to-be-recorded analysis.
//!
//! A variable is *active* when it can carry a derivative (a float or an
//! aggregate of floats), depends on a differentiated parameter (varied) and
//! reaches the result or an output (useful): only active variables get
//! adjoints and derivative code.
//!
//! A read is *needed* when the reverse sweep repeats it: an operand of a
//! local partial derivative, an index of an adjoint element, an argument of
//! a differentiated call, a branch condition or loop bound around reverse
//! work. A write destroys a needed value when a needed read may run before
//! it in the forward sweep: the read comes first in program order, or both
//! sit in a loop that does not also make a new instance of the variable, or
//! the write makes a new instance inside a loop (a `let` in a loop body).
//! Only such writes get a save slot (`save` on `Assign`/`Store`,
//! `index_save` on a counted loop); inside loops the slot is a stack. A
//! linear update like `s += w[i] * x[i]` saves nothing.
//!
//! A loop body's own value that is cheap to compute (arithmetic, no calls,
//! no transcendental functions) from what the loop never writes (its
//! index, values fixed before it, other such values) is *recomputed* at the
//! start of each reverse pass instead of saved: `let a = x[i + 1] - x[i] *
//! x[i];` costs what a push and a pop would, without the stack.
//!
//! Variables are storage locations, so varied and useful are
//! flow-insensitive: a location is active if any of its assignments is.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{walk, Arg, AssignKind, Block, Body, Header, LoopId, Operand, Rhs, Stmt, Ty, Var, VarInfo, VarKind};
use crate::naming::Namer;
use crate::rules::partials;

pub struct Activity {
    active: Vec<bool>,
    needed: Vec<bool>,
    recomputed: Vec<bool>,
}

impl Activity {
    pub fn is_active(&self, var: Var) -> bool {
        self.active.get(var.0).copied().unwrap_or(false)
    }

    /// Whether the reverse sweep computes this value again at the start of
    /// each pass of its loop, rather than restoring it.
    pub fn is_recomputed(&self, var: Var) -> bool {
        self.recomputed.get(var.0).copied().unwrap_or(false) && self.is_needed(var)
    }

    /// Whether the reverse sweep reads this variable's value.
    pub fn is_needed(&self, var: Var) -> bool {
        self.needed[var.0]
    }
}

/// The operand positions of `rhs` that a derivative flows through.
pub fn differentiable_operands(body: &Body, rhs: &Rhs) -> Vec<usize> {
    let operands = rhs.operands();
    match rhs {
        Rhs::Use(_) | Rhs::Repeat(..) => vec![0],
        Rhs::VecRepeat(..) => vec![0],
        Rhs::ArrayLit(items) => (0..items.len()).collect(),
        Rhs::Prim(op, _) => partials(*op).iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| i).collect(),
        Rhs::Call(..) => (0..operands.len()).filter(|&i| body.ty(operands[i]).is_differentiable()).collect(),
        Rhs::Deref(_) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => Vec::new(),
    }
}

/// The variables a derivative flows from into the result of `rhs`.
fn differentiable_sources(body: &Body, rhs: &Rhs) -> Vec<Var> {
    let operands = rhs.operands();
    let mut vars: Vec<Var> = differentiable_operands(body, rhs).into_iter().filter_map(|i| operands[i].var()).collect();
    match rhs {
        Rhs::Deref(var) => vars.push(*var),
        Rhs::Call(_, args) => vars.extend(args.iter().filter_map(|arg| match arg {
            Arg::Ref { place, .. } => Some(place.var),
            Arg::Value(_) => None,
        })),
        _ => {}
    }
    vars
}

/// `seeds`: the differentiated parameters; `outputs`: the `&mut` outputs,
/// which are both.
pub fn analyze(body: &mut Body, namer: &mut Namer, seeds: &[Var], outputs: &[Var]) -> Activity {
    let mut active = active(body, seeds, outputs);
    add_tapes(&mut body.block, &mut body.vars, namer, &active, &mut Walk::default());
    let count = body.vars.len();
    active.resize(count, false);

    let scopes: Vec<Vec<LoopId>> = body.vars.iter().map(|info| info.scope.clone()).collect();
    let recomputable = find_recomputable(body);
    // Recomputed values are computed again, and a `while` condition is
    // `true` again, at the start of each reverse pass.
    let mut unrestored = recomputable.clone();
    crate::ir::walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Loop(Loop { guard: Some(guard), .. }) = stmt {
            unrestored.insert(*guard);
        }
    });
    let mut saves = BTreeSet::new();
    let reads = loop {
        let mut reads = Reads::default();
        collect_reads(&body.block, &active, &saves, &mut Walk::default(), &mut reads);
        need_recomputed_inputs(&body.block, &recomputable, &mut reads);
        let mut decided = BTreeSet::new();
        decide_saves(&body.block, &reads, &scopes, &unrestored, &mut Walk::default(), &mut decided);
        if decided == saves {
            break reads;
        }
        saves = decided;
    };
    let mut needed = vec![false; count];
    for var in reads.keys() {
        needed[var.0] = true;
    }
    apply_saves(&mut body.block, &mut body.vars, namer, &saves, &mut Walk::default());
    let recomputed = (0..body.vars.len()).map(|i| recomputable.contains(&Var(i))).collect();
    let mut activity = Activity { active, needed, recomputed };
    activity.active.resize(body.vars.len(), false);
    activity.needed.resize(body.vars.len(), false);
    activity
}

/// Which variables are active: varied (they depend on a differentiated
/// input) and useful (they reach the result). Both modes differentiate
/// only these.
pub fn active(body: &Body, seeds: &[Var], outputs: &[Var]) -> Vec<bool> {
    let count = body.vars.len();
    let differentiable: Vec<bool> = body.vars.iter().map(|info| info.ty.is_differentiable()).collect();

    let mut varied = vec![false; count];
    for var in seeds.iter().chain(outputs) {
        varied[var.0] = true;
    }
    while propagate_varied(body, &body.block, &differentiable, &mut varied) {}

    let mut useful = vec![false; count];
    if let Some(ret) = body.ret {
        useful[ret.0] = true;
    }
    for var in outputs {
        useful[var.0] = true;
    }
    while propagate_useful(body, &body.block, &mut useful) {}

    (0..count).map(|i| varied[i] && useful[i] && differentiable[i]).collect()
}

impl Activity {
    /// For a body that only runs forward (a tangent body): nothing is read
    /// back, nothing has an adjoint.
    pub fn forward_only(body: &Body) -> Activity {
        let count = body.vars.len();
        Activity { active: vec![false; count], needed: vec![false; count], recomputed: vec![false; count] }
    }
}

/// Saves of a call's tape are keyed by the call's position plus this, so
/// they sit in the same set as the saves of what the call assigns.
const TAPE: usize = 1 << 40;

/// Gives every differentiated call a variable for the tape its forward
/// pass leaves for its reverse pass. A call with no active argument
/// (`s = base(2)`) needs no derivative: it is left as written.
fn add_tapes(block: &mut Block, vars: &mut Vec<VarInfo>, namer: &mut Namer, active: &[bool], at: &mut Walk) {
    for stmt in &mut block.stmts {
        let _ = at.next();
        match stmt {
            Stmt::Assign { dst, rhs: Rhs::Call(_, args), tape, .. }
                if active[dst.0] && args.iter().filter_map(Arg::var).any(|var| active[var.0]) =>
            {
                let base = crate::naming::derived_base("__tape_", &vars[dst.0].ident);
                vars.push(VarInfo {
                    ident: namer.fresh(&base),
                    ty: Ty::Other,
                    declared: None,
                    kind: VarKind::Tape,
                    mutable: false,
                    elem: None,
                    dims: None,
                    zero: None,
                    by_ref: false,
                    scope: at.loops.clone(),
                });
                *tape = Some(crate::ir::Tape { var: Var(vars.len() - 1), save: None });
            }
            Stmt::If { then, els, .. } => {
                add_tapes(then, vars, namer, active, at);
                add_tapes(els, vars, namer, active, at);
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                add_tapes(&mut lp.body, vars, namer, active, at);
                at.loops.pop();
            }
            _ => {}
        }
    }
}

/// The loop bodies' own values the reverse sweep can compute again: defined
/// once, at the top level of their loop's body, by a cheap operation of
/// values the loop never writes (or of other such values).
fn find_recomputable(body: &Body) -> BTreeSet<Var> {
    let mut assignments: BTreeMap<Var, usize> = BTreeMap::new();
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, .. } = stmt {
            *assignments.entry(*dst).or_default() += 1;
        }
    });
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
        for stmt in &lp.body.stmts {
            let Stmt::Assign { dst, rhs, kind: AssignKind::Init, .. } = stmt else { continue };
            // A pass counter is also written by its loop, outside the IR.
            let counter = matches!(body.var(*dst).kind, VarKind::Control | VarKind::Done);
            let own = body.var(*dst).scope.last() == Some(&lp.id) && assignments.get(dst) == Some(&1) && !counter;
            let inputs_fixed = rhs.reads().iter().all(|read| recomputable.contains(read) || !written.contains(read));
            if own && is_cheap(rhs) && inputs_fixed {
                recomputable.insert(*dst);
            }
        }
    });
    recomputable
}

/// Arithmetic a push and a pop would cost as much as.
fn is_cheap(rhs: &Rhs) -> bool {
    match rhs {
        Rhs::Use(_) | Rhs::Cast(..) => true,
        Rhs::Method(_, method, _) => method == "len",
        Rhs::Prim(op, _) => op.facts().cheap,
        Rhs::Call(..) | Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) | Rhs::Deref(_) | Rhs::Matches(..) => {
            false
        }
    }
}

/// A recomputed value that the reverse sweep needs makes its own inputs
/// needed, where it is defined.
fn need_recomputed_inputs(block: &Block, recomputable: &BTreeSet<Var>, reads: &mut Reads) {
    // A recomputed value may read another: repeat until nothing is added.
    loop {
        let before = reads.values().map(Vec::len).sum::<usize>();
        add_recomputed_inputs(block, recomputable, &mut Walk::default(), reads);
        if reads.values().map(Vec::len).sum::<usize>() == before {
            break;
        }
    }
}

fn add_recomputed_inputs(block: &Block, recomputable: &BTreeSet<Var>, at: &mut Walk, reads: &mut Reads) {
    for stmt in &block.stmts {
        let pos = at.next();
        match stmt {
            Stmt::Assign { dst, rhs, .. } if recomputable.contains(dst) && reads.contains_key(dst) => {
                for var in rhs.reads() {
                    let read = Read { key: 2 * pos, loops: at.loops.clone() };
                    let known = reads.get(&var).is_some_and(|list| list.contains(&read));
                    if !known {
                        reads.entry(var).or_default().push(read);
                    }
                }
            }
            Stmt::If { then, els, .. } => {
                add_recomputed_inputs(then, recomputable, at, reads);
                add_recomputed_inputs(els, recomputable, at, reads);
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                add_recomputed_inputs(&lp.body, recomputable, at, reads);
                at.loops.pop();
            }
            _ => {}
        }
    }
}

fn propagate_varied(body: &Body, block: &Block, differentiable: &[bool], varied: &mut [bool]) -> bool {
    let mut changed = false;
    walk(block, 0, &mut |stmt, _| {
        let (dst, varies) = match stmt {
            Stmt::Assign { dst, rhs, .. } => (*dst, differentiable_sources(body, rhs).iter().any(|v| varied[v.0])),
            Stmt::Store { place, value, .. } => (place.var, value.var().is_some_and(|v| varied[v.0])),
            _ => return,
        };
        if varies && differentiable[dst.0] && !varied[dst.0] {
            varied[dst.0] = true;
            changed = true;
        }
    });
    changed
}

fn propagate_useful(body: &Body, block: &Block, useful: &mut [bool]) -> bool {
    let mut changed = false;
    walk(block, 0, &mut |stmt, _| {
        let sources = match stmt {
            Stmt::Assign { dst, rhs, .. } if useful[dst.0] => differentiable_sources(body, rhs),
            Stmt::Store { place, value, .. } if useful[place.var.0] => value.var().into_iter().collect(),
            _ => return,
        };
        for var in sources {
            changed |= !useful[var.0];
            useful[var.0] = true;
        }
    });
    changed
}

/// A needed read: where it happens, as `2·position` (`+1` for a read of a
/// statement's own result, which happens after its write), and in which loops.
#[derive(Clone, PartialEq, Debug)]
struct Read {
    key: usize,
    loops: Vec<LoopId>,
}

type Reads = BTreeMap<Var, Vec<Read>>;

/// Position and loop nesting while walking statements in pre-order; every
/// walk numbers statements the same way.
#[derive(Default)]
struct Walk {
    pos: usize,
    loops: Vec<LoopId>,
}

impl Walk {
    fn next(&mut self) -> usize {
        self.pos += 1;
        self.pos
    }
}

fn add(reads: &mut Reads, var: Var, key: usize, loops: &[LoopId]) {
    reads.entry(var).or_default().push(Read { key, loops: loops.to_vec() });
}

/// Collects the needed reads of `block`; returns whether its reverse sweep
/// has any work (derivative code or restores).
fn collect_reads(block: &Block, active: &[bool], saves: &BTreeSet<usize>, at: &mut Walk, reads: &mut Reads) -> bool {
    let mut work = false;
    for stmt in &block.stmts {
        let pos = at.next();
        let key = 2 * pos;
        match stmt {
            Stmt::Assign { dst, rhs, .. } => {
                work |= saves.contains(&pos) || saves.contains(&(TAPE + pos));
                if !active[dst.0] {
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
                    Rhs::Use(Operand::Place(place)) => place.index_vars().for_each(|v| add(reads, v, key, &at.loops)),
                    // The callee's reverse pass takes the same arguments, and
                    // the tape its forward pass left (read after this write).
                    Rhs::Call(..) => {
                        rhs.reads().into_iter().for_each(|v| add(reads, v, key, &at.loops));
                        if let Stmt::Assign { tape: Some(tape), .. } = stmt {
                            add(reads, tape.var, key + 1, &at.loops);
                        }
                    }
                    _ => {}
                }
            }
            Stmt::Store { place, .. } => {
                work |= saves.contains(&pos);
                if active[place.var.0] {
                    work = true;
                    place.index_vars().for_each(|v| add(reads, v, key, &at.loops));
                } else if saves.contains(&pos) {
                    place.index_vars().for_each(|v| add(reads, v, key, &at.loops));
                }
            }
            Stmt::If { cond, then, els, .. } => {
                let inner =
                    collect_reads(then, active, saves, at, reads) | collect_reads(els, active, saves, at, reads);
                if inner {
                    work = true;
                    if let Some(var) = cond.var() {
                        add(reads, var, key, &at.loops);
                    }
                }
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                let index_saved = saves.contains(&pos);
                let inner = collect_reads(&lp.body, active, saves, at, reads) | index_saved;
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

/// The positions of the writes that destroy a needed value, except writes
/// of the `unrestored` variables, whose old value the reverse sweep gets
/// without a save.
fn decide_saves(
    block: &Block,
    reads: &Reads,
    scopes: &[Vec<LoopId>],
    unrestored: &BTreeSet<Var>,
    at: &mut Walk,
    saves: &mut BTreeSet<usize>,
) {
    for stmt in &block.stmts {
        let pos = at.next();
        let write = match stmt {
            Stmt::Assign { dst, .. } if unrestored.contains(dst) => None,
            Stmt::Assign { dst, kind, .. } => Some((*dst, *kind)),
            Stmt::Store { place, .. } => Some((place.var, AssignKind::Overwrite)),
            Stmt::Loop(Loop { header: Header::Range { index, .. }, trips: Some(_), .. }) => {
                // A counted loop sets its index at each pass: a new instance.
                Some((*index, AssignKind::Init))
            }
            _ => None,
        };
        // A tape is new at every call: kept if a pass of a loop would lose it.
        if let Stmt::Assign { tape: Some(tape), .. } = stmt {
            if reads.contains_key(&tape.var) && !at.loops.is_empty() {
                saves.insert(TAPE + pos);
            }
        }
        if let Some((var, kind)) = write {
            let site_loops: Vec<LoopId> = match stmt {
                Stmt::Loop(lp) => at.loops.iter().copied().chain([lp.id]).collect(),
                _ => at.loops.clone(),
            };
            if let Some(var_reads) = reads.get(&var) {
                let destroys = match kind {
                    AssignKind::Init => !site_loops.is_empty(),
                    AssignKind::Overwrite => var_reads.iter().any(|read| {
                        read.key <= 2 * pos
                            || read.loops.iter().any(|l| site_loops.contains(l) && !scopes[var.0].contains(l))
                    }),
                };
                if destroys {
                    saves.insert(pos);
                }
            }
        }
        match stmt {
            Stmt::If { then, els, .. } => {
                decide_saves(then, reads, scopes, unrestored, at, saves);
                decide_saves(els, reads, scopes, unrestored, at, saves);
            }
            Stmt::Loop(lp) => {
                at.loops.push(lp.id);
                decide_saves(&lp.body, reads, scopes, unrestored, at, saves);
                at.loops.pop();
            }
            _ => {}
        }
    }
}

use crate::ir::Loop;

fn apply_saves(block: &mut Block, vars: &mut Vec<VarInfo>, namer: &mut Namer, saves: &BTreeSet<usize>, at: &mut Walk) {
    for stmt in &mut block.stmts {
        let pos = at.next();
        let loops = at.loops.clone();
        let mut slot = |vars: &mut Vec<VarInfo>, of: Var, element: bool, loops: Vec<LoopId>| {
            let info = &vars[of.0];
            let base = crate::naming::derived_base("__saved_", &info.ident);
            let ident = namer.fresh(&base);
            let (ty, declared) = if element {
                (info.elem.map(Ty::Float).unwrap_or(Ty::AnyFloat), None)
            } else {
                (info.ty, info.declared.clone())
            };
            let zero = if element { None } else { info.zero.clone() };
            let (elem, dims) = if element { (None, None) } else { (info.elem, info.dims) };
            vars.push(VarInfo {
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
            Var(vars.len() - 1)
        };
        if let Stmt::Assign { tape: Some(tape), .. } = stmt {
            if saves.contains(&(TAPE + pos)) {
                tape.save = Some(slot(vars, tape.var, false, loops.clone()));
            }
        }
        match stmt {
            Stmt::Assign { dst, save, .. } if saves.contains(&pos) => *save = Some(slot(vars, *dst, false, loops)),
            Stmt::Store { place, save, .. } if saves.contains(&pos) => *save = Some(slot(vars, place.var, true, loops)),
            Stmt::If { then, els, .. } => {
                apply_saves(then, vars, namer, saves, at);
                apply_saves(els, vars, namer, saves, at);
            }
            Stmt::Loop(lp) => {
                if saves.contains(&pos) {
                    if let Header::Range { index, index_save, .. } = &mut lp.header {
                        let loops = loops.iter().copied().chain([lp.id]).collect();
                        *index_save = Some(slot(vars, *index, false, loops));
                    }
                }
                at.loops.push(lp.id);
                apply_saves(&mut lp.body, vars, namer, saves, at);
                at.loops.pop();
            }
            _ => {}
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::tests::lowered;

    /// Lowers and analyzes `item` with every float parameter active; returns
    /// the names of the active and of the needed variables, and the IR.
    fn analyzed(item: syn::ItemFn) -> (String, String, String) {
        let (mut body, mut namer) = lowered(item).unwrap();
        let params: Vec<Var> = body.params.iter().copied().filter(|p| body.var(*p).ty.is_float()).collect();
        let activity = analyze(&mut body, &mut namer, &params, &[]);
        let names = |pick: &dyn Fn(Var) -> bool| {
            let names: Vec<String> =
                (0..body.vars.len()).filter(|&i| pick(Var(i))).map(|i| body.vars[i].ident.to_string()).collect();
            names.join(" ")
        };
        (names(&|v| activity.is_active(v)), names(&|v| activity.is_needed(v)), body.to_string())
    }

    #[test]
    fn integer_and_constant_work_is_inactive() {
        let (active, _, _) = analyzed(syn::parse_quote! {
            fn f(x: f64, n: i32) -> f64 {
                let k = n * 2;
                let c = (k as f64) * 3.0;
                let unused = x.sin();
                x * c
            }
        });
        assert_eq!(active, "x __ret");
    }

    #[test]
    fn values_that_do_not_reach_the_result_are_inactive() {
        let (active, _, _) = analyzed(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let flat = x.floor();
                let z = y * 2.0;
                let w = x.exp();
                flat + w
            }
        });
        assert_eq!(active, "x __ret w");
    }

    #[test]
    fn linear_updates_need_nothing_saved() {
        let (_, needed, ir) = analyzed(syn::parse_quote! {
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
        let (_, needed, ir) = analyzed(syn::parse_quote! {
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
        let (_, needed, _) = analyzed(syn::parse_quote! {
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
        analyze(&mut body, &mut namer, &seeds, &[]);
        body.to_string()
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
}
