//! Checks the IR against the invariants the later stages rely on (see
//! `ir.rs`), after each stage. A broken invariant is a bug of the macro:
//! the expansion then refuses the function with an internal error rather
//! than emit code that may compute a wrong derivative.
//!
//! Checked:
//!
//! - every variable index exists; parameters are `Param`, the result `Ret`;
//! - names are unique in the generated function and differ from the
//!   shadows of the signature (`d_x`), which live in the same scope;
//! - every variable read was written before it in program order, and every
//!   reference sits inside the loops that declare the variable (`scope`);
//! - a primitive has as many operands as its op takes;
//! - an `if` condition is not written inside the `if`; a counted loop's
//!   bounds, step and index are not written inside the loop (the reverse
//!   sweep walks the range again); loop ids are unique; exit flags are
//!   flags, each `break` flag set inside its loop;
//! - after inference: conditions are `bool`; a copy of a float, or
//!   arithmetic on one, is a float (else its derivative would be dropped);
//! - after activity: saves are `Saved` variables, one per save site, and
//!   tapes are `Tape` variables; before it, there are none.

use std::collections::BTreeSet;

use syn::Ident;

use crate::ir::{walk, Adaptor, Block, Body, Header, LoopId, Op, Operand, Rhs, Stmt, Ty, Var, VarKind};

/// How far the pipeline has gone, hence which invariants hold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Stage {
    /// After `lower` and `optimize`: structure and names.
    Lowered,
    /// After `infer`: types too.
    Typed,
    /// After `activity`: save slots and tapes too.
    Analyzed,
}

/// Every broken invariant of `body` at `stage`, one line each; `reserved`
/// are names the generated function declares beside the body's variables.
pub fn check(body: &Body, reserved: &[&Ident], stage: Stage) -> Result<(), String> {
    let mut checker = Checker { body, stage, problems: Vec::new() };
    checker.vars_exist();
    if checker.problems.is_empty() {
        checker.kinds();
        checker.names(reserved);
        checker.statements();
        checker.flow();
    }
    if checker.problems.is_empty() {
        Ok(())
    } else {
        Err(checker.problems.join("; "))
    }
}

struct Checker<'a> {
    body: &'a Body,
    stage: Stage,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn problem(&mut self, text: String) {
        self.problems.push(text);
    }

    fn name(&self, var: Var) -> String {
        self.body.var(var).ident.to_string()
    }

    /// Every variable mentioned anywhere is an index into `vars`.
    fn vars_exist(&mut self) {
        let count = self.body.vars.len();
        let mut mentioned: Vec<Var> = self.body.params.clone();
        mentioned.extend(self.body.ret);
        walk(&self.body.block, 0, &mut |stmt, _| mentioned.extend(stmt_vars(stmt)));
        if let Some(var) = mentioned.into_iter().find(|var| var.0 >= count) {
            self.problem(format!("variable #{} does not exist ({count} variables)", var.0));
        }
    }

    fn kinds(&mut self) {
        let body = self.body;
        for &param in &body.params {
            if body.var(param).kind != VarKind::Param {
                self.problem(format!("parameter `{}` is not of kind Param", self.name(param)));
            }
        }
        let params: BTreeSet<Var> = body.params.iter().copied().collect();
        if params.len() != body.params.len() {
            self.problem("a parameter is listed twice".to_owned());
        }
        for (i, info) in body.vars.iter().enumerate() {
            if info.kind == VarKind::Param && !params.contains(&Var(i)) {
                self.problem(format!("`{}` is of kind Param but not a parameter", info.ident));
            }
        }
        if let Some(ret) = body.ret {
            if body.var(ret).kind != VarKind::Ret {
                self.problem(format!("the result `{}` is not of kind Ret", self.name(ret)));
            }
        }
    }

    fn names(&mut self, reserved: &[&Ident]) {
        let mut seen = BTreeSet::new();
        for ident in reserved {
            seen.insert(ident.to_string());
        }
        for info in &self.body.vars {
            if !seen.insert(info.ident.to_string()) {
                self.problems.push(format!("the name `{}` is declared twice in the generated function", info.ident));
            }
        }
    }

    /// Checks that look at one statement at a time.
    fn statements(&mut self) {
        let body = self.body;
        let stage = self.stage;
        let mut problems = Vec::new();
        let mut loop_ids = BTreeSet::new();
        let mut save_sites = BTreeSet::new();
        walk(&body.block, 0, &mut |stmt, _| {
            let mut saves = Vec::new();
            match stmt {
                Stmt::Assign { dst, rhs, save, tape, .. } => {
                    if let Rhs::Prim(op, operands) = rhs {
                        if operands.len() != op.arity() {
                            problems.push(format!("`{op:?}` has {} operands, not {}", operands.len(), op.arity()));
                        }
                    }
                    if stage >= Stage::Typed {
                        if let Some(problem) = dropped_float(body, *dst, rhs) {
                            problems.push(problem);
                        }
                    }
                    saves.extend(*save);
                    if let Some(tape) = tape {
                        if body.var(tape.var).kind != VarKind::Tape {
                            problems.push(format!("tape `{}` is not of kind Tape", body.var(tape.var).ident));
                        }
                        saves.extend(tape.save);
                    }
                    if stage < Stage::Analyzed && tape.is_some() {
                        problems.push("a tape before activity analysis".to_owned());
                    }
                }
                Stmt::Store { save, .. } => saves.extend(*save),
                Stmt::If { cond, then, els, .. } => {
                    if let Some(var) = cond.var() {
                        if writes(then).contains(&var) || writes(els).contains(&var) {
                            problems
                                .push(format!("the condition `{}` is written inside its `if`", body.var(var).ident));
                        }
                    }
                    if stage >= Stage::Typed && !matches!(body.ty(cond), Ty::Bool) {
                        problems.push(format!("the condition `{}` is not a bool", body.operand_text(cond)));
                    }
                }
                Stmt::Loop(lp) => {
                    if !loop_ids.insert(lp.id) {
                        problems.push(format!("loop id {} is used twice", lp.id.0));
                    }
                    problems.extend(loop_problems(body, lp));
                    if let Header::Range { index_save, .. } = &lp.header {
                        saves.extend(*index_save);
                    }
                }
            }
            for save in saves {
                if stage < Stage::Analyzed {
                    problems.push(format!("save slot `{}` before activity analysis", body.var(save).ident));
                }
                if body.var(save).kind != VarKind::Saved {
                    problems.push(format!("save slot `{}` is not of kind Saved", body.var(save).ident));
                }
                if !save_sites.insert(save) {
                    problems.push(format!("save slot `{}` serves two sites", body.var(save).ident));
                }
            }
        });
        self.problems.extend(problems);
    }

    /// Definition before use, and references inside the declaring loops.
    fn flow(&mut self) {
        let mut flow = Flow { body: self.body, defined: self.body.params.iter().copied().collect(), loops: Vec::new() };
        let mut problems = Vec::new();
        flow.block(&self.body.block, &mut problems);
        self.problems.extend(problems);
    }
}

/// A float copied or computed into a variable that is not a float: its
/// derivative would be lost.
fn dropped_float(body: &Body, dst: Var, rhs: &Rhs) -> Option<String> {
    let float_operand = match rhs {
        Rhs::Use(operand) => body.ty(operand).is_float(),
        Rhs::Prim(op, operands) if carries_derivative(*op) => operands.iter().any(|o| body.ty(o).is_float()),
        _ => false,
    };
    let info = body.var(dst);
    (float_operand && !info.ty.is_float()).then(|| {
        format!("`{}` is assigned a float but typed {:?}: its derivative would be dropped", info.ident, info.ty)
    })
}

/// Ops whose result is a float when an operand is one (not comparisons,
/// logic or bit operations).
fn carries_derivative(op: Op) -> bool {
    !op.is_comparison() && !matches!(op, Op::Not | Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr)
}

fn loop_problems(body: &Body, lp: &crate::ir::Loop) -> Vec<String> {
    let mut problems = Vec::new();
    let written = writes(&lp.body);
    if let Header::Range { index, lo, hi, adaptors, .. } = &lp.header {
        let step = adaptors.iter().filter_map(|adaptor| match adaptor {
            Adaptor::StepBy(step) => Some(step),
            Adaptor::Rev => None,
        });
        for bound in [lo, hi].into_iter().chain(step) {
            if let Some(var) = bound.var().filter(|var| written.contains(var)) {
                problems.push(format!("loop bound `{}` is written inside its loop", body.var(var).ident));
            }
        }
        if written.contains(index) {
            problems.push(format!("loop index `{}` is written inside its loop", body.var(*index).ident));
        }
    }
    for &exit in &lp.exits {
        let info = body.var(exit);
        match info.kind {
            VarKind::Done => {}
            VarKind::Control if written.contains(&exit) => {}
            VarKind::Control => problems.push(format!("exit flag `{}` is never set inside its loop", info.ident)),
            kind => problems.push(format!("exit flag `{}` is of kind {kind:?}", info.ident)),
        }
    }
    if let Some(trips) = lp.trips {
        if body.var(trips).kind != VarKind::Control {
            problems.push(format!("pass counter `{}` is not of kind Control", body.var(trips).ident));
        }
    }
    problems
}

/// A walk in program order that knows what has been written so far and
/// which loops are around.
struct Flow<'a> {
    body: &'a Body,
    defined: BTreeSet<Var>,
    loops: Vec<LoopId>,
}

impl Flow<'_> {
    fn block(&mut self, block: &Block, problems: &mut Vec<String>) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { dst, rhs, save, tape, .. } => {
                    self.read_all(&rhs.reads(), problems);
                    let written = [*dst]
                        .into_iter()
                        .chain(*save)
                        .chain(tape.iter().flat_map(|t| [Some(t.var), t.save]).flatten());
                    self.write_all(written, problems);
                }
                Stmt::Store { place, value, save, .. } => {
                    let reads: Vec<Var> =
                        std::iter::once(place.var).chain(place.index_vars()).chain(value.reads()).collect();
                    self.read_all(&reads, problems);
                    self.write_all(save.iter().copied(), problems);
                }
                Stmt::If { cond, then, els, .. } => {
                    self.read_all(&cond.reads(), problems);
                    self.block(then, problems);
                    self.block(els, problems);
                }
                Stmt::Loop(lp) => {
                    self.read_all(&lp.trips.into_iter().collect::<Vec<_>>(), problems);
                    self.loops.push(lp.id);
                    if let Header::Range { index, lo, hi, adaptors, index_save, .. } = &lp.header {
                        let step = adaptors.iter().filter_map(|adaptor| match adaptor {
                            Adaptor::StepBy(step) => Some(step),
                            Adaptor::Rev => None,
                        });
                        let bounds: Vec<Var> = [lo, hi].into_iter().chain(step).flat_map(Operand::reads).collect();
                        self.read_all(&bounds, problems);
                        self.write_all([*index].into_iter().chain(*index_save), problems);
                    }
                    self.block(&lp.body, problems);
                    self.loops.pop();
                    // The exits are tested after each pass, by the loop itself.
                    self.read_all(&lp.exits, problems);
                }
            }
        }
    }

    fn read_all(&mut self, vars: &[Var], problems: &mut Vec<String>) {
        for &var in vars {
            self.in_scope(var, problems);
            if !self.defined.contains(&var) {
                problems.push(format!("`{}` is read before it is written", self.body.var(var).ident));
                // Once is enough.
                self.defined.insert(var);
            }
        }
    }

    fn write_all(&mut self, vars: impl IntoIterator<Item = Var>, problems: &mut Vec<String>) {
        for var in vars {
            self.in_scope(var, problems);
            self.defined.insert(var);
        }
    }

    /// A variable declared in a loop's body is referenced only inside it.
    fn in_scope(&self, var: Var, problems: &mut Vec<String>) {
        let info = self.body.var(var);
        if let Some(outside) = info.scope.iter().find(|id| !self.loops.contains(id)) {
            problems.push(format!("`{}` is referenced outside loop {}, which declares it", info.ident, outside.0));
        }
    }
}

/// The variables a block writes, in any nested statement.
fn writes(block: &Block) -> BTreeSet<Var> {
    let mut written = BTreeSet::new();
    walk(block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, .. } => {
            written.insert(*dst);
        }
        Stmt::Store { place, .. } => {
            written.insert(place.var);
        }
        Stmt::Loop(lp) => {
            if let Header::Range { index, .. } = &lp.header {
                written.insert(*index);
            }
        }
        Stmt::If { .. } => {}
    });
    written
}

/// Every variable one statement names (not its nested blocks).
fn stmt_vars(stmt: &Stmt) -> Vec<Var> {
    match stmt {
        Stmt::Assign { dst, rhs, save, tape, .. } => {
            let mut vars = rhs.reads();
            vars.push(*dst);
            vars.extend(*save);
            if let Some(tape) = tape {
                vars.push(tape.var);
                vars.extend(tape.save);
            }
            vars
        }
        Stmt::Store { place, value, save, .. } => {
            let mut vars: Vec<Var> =
                std::iter::once(place.var).chain(place.index_vars()).chain(value.reads()).collect();
            vars.extend(*save);
            vars
        }
        Stmt::If { cond, .. } => cond.reads(),
        Stmt::Loop(lp) => {
            let mut vars: Vec<Var> = lp.exits.iter().copied().chain(lp.trips).collect();
            if let Header::Range { index, lo, hi, adaptors, index_save, .. } = &lp.header {
                vars.push(*index);
                vars.extend(index_save);
                vars.extend(lo.reads());
                vars.extend(hi.reads());
                for adaptor in adaptors {
                    if let Adaptor::StepBy(step) = adaptor {
                        vars.extend(step.reads());
                    }
                }
            }
            vars
        }
    }
}
