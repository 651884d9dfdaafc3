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
//! - after the reverse sweep's analysis, its side table (`reverse/saves.rs`):
//!   every entry names a statement of the right form (a value save an
//!   assignment or a store, an index save a counted loop, a tape a call);
//!   slots are `Saved` variables, one per save site, tapes `Tape` variables;
//!   they are written at their statement, before the reverse sweep reads them.

use std::collections::BTreeSet;

use syn::Ident;

use crate::ir::{
    walk, walk_numbered, Adaptor, Block, Body, Header, LoopId, Op, Operand, Rhs, Stmt, StmtId, Ty, Var, VarKind,
};
use crate::names::NameSet;
use crate::reverse::saves::{SaveKey, Saves};

/// How far the pipeline has gone, hence which invariants hold.
#[derive(Clone, Copy)]
pub enum Stage<'a> {
    /// After `lower` and `optimize`: structure and names.
    Lowered,
    /// After `infer`: types too.
    Typed,
    /// After the reverse sweep's analysis: its side table too.
    Analyzed(&'a Saves),
}

impl<'a> Stage<'a> {
    fn is_typed(self) -> bool {
        !matches!(self, Stage::Lowered)
    }

    fn saves(self) -> Option<&'a Saves> {
        match self {
            Stage::Analyzed(saves) => Some(saves),
            Stage::Lowered | Stage::Typed => None,
        }
    }
}

impl std::fmt::Debug for Stage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Lowered => "Lowered",
            Stage::Typed => "Typed",
            Stage::Analyzed(_) => "Analyzed",
        })
    }
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
        if let Some(saves) = stage.saves() {
            checker.side_table(saves);
        }
    }
    if checker.problems.is_empty() {
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
    stage: Stage<'a>,
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
        // The first variable out of range, in the order: parameters, result,
        // statements, side table.
        let mut missing = self.body.params.iter().copied().chain(self.body.ret).find(|var| var.0 >= count);
        walk(&self.body.block, 0, &mut |stmt, _| {
            if missing.is_none() {
                missing = stmt_vars(stmt).into_iter().find(|var| var.0 >= count);
            }
        });
        if let (None, Some(saves)) = (missing, self.stage.saves()) {
            missing = saves
                .slots()
                .map(|(_, slot)| slot)
                .chain(saves.tapes().map(|(_, tape)| tape))
                .find(|var| var.0 >= count);
        }
        if let Some(var) = missing {
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
        let mut seen = NameSet::default();
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
        let typed = self.stage.is_typed();
        let mut problems = Vec::new();
        let mut loop_ids = BTreeSet::new();
        let integers = if typed { integers(body) } else { Vec::new() };
        walk(&body.block, 0, &mut |stmt, _| match stmt {
            Stmt::Assign { dst, rhs, .. } => {
                if let Rhs::Prim(op, operands) = rhs {
                    if operands.len() != op.arity() {
                        problems.push(format!("`{op:?}` has {} operands, not {}", operands.len(), op.arity()));
                    }
                }
                if typed {
                    if let Some(problem) = dropped_float(body, &integers, *dst, rhs) {
                        problems.push(problem);
                    }
                }
            }
            Stmt::Store { .. } => {}
            Stmt::If { cond, then, els, .. } => {
                if let Some(var) = cond.var() {
                    if crate::ir::written_in(then).contains(&var) || crate::ir::written_in(els).contains(&var) {
                        problems.push(format!("the condition `{}` is written inside its `if`", body.var(var).ident));
                    }
                }
            }
            Stmt::Loop(lp) => {
                if !loop_ids.insert(lp.id) {
                    problems.push(format!("loop id {} is used twice", lp.id.0));
                }
                problems.extend(loop_problems(body, lp));
            }
        });
        self.problems.extend(problems);
    }

    /// Every entry of the reverse sweep's side table names a statement of
    /// its form and a variable of its kind; no slot serves two sites.
    fn side_table(&mut self, saves: &Saves) {
        let body = self.body;
        let mut problems = Vec::new();
        let mut seen = 0;
        walk_numbered(&body.block, StmtId::FIRST, &mut |id, stmt| {
            let counted_loop = matches!(stmt, Stmt::Loop(lp) if matches!(lp.header, Header::Range { .. }));
            let call = matches!(stmt, Stmt::Assign { rhs: Rhs::Call(..), .. });
            let sites = [
                (SaveKey::Value(id), matches!(stmt, Stmt::Assign { .. } | Stmt::Store { .. }), "a value save"),
                (SaveKey::Index(id), counted_loop, "an index save"),
                (SaveKey::Tape(id), saves.tape(id).is_some(), "a tape save"),
            ];
            for (key, fits, what) in sites {
                let Some(slot) = saves.slot(key) else { continue };
                seen += 1;
                if !fits {
                    problems.push(format!("{what} at statement {} of another form", id.0));
                }
                if body.var(slot).kind != VarKind::Saved {
                    problems.push(format!("save slot `{}` is not of kind Saved", body.var(slot).ident));
                }
            }
            if let Some(tape) = saves.tape(id) {
                seen += 1;
                if !call {
                    problems.push(format!("a tape at statement {}, which is not a call", id.0));
                }
                if body.var(tape).kind != VarKind::Tape {
                    problems.push(format!("tape `{}` is not of kind Tape", body.var(tape).ident));
                }
            }
        });
        if seen != saves.slots().count() + saves.tapes().count() {
            problems.push("the side table names a statement the body does not have".to_owned());
        }
        let mut slots = BTreeSet::new();
        for (_, slot) in saves.slots() {
            if !slots.insert(slot) {
                problems.push(format!("save slot `{}` serves two sites", body.var(slot).ident));
            }
        }
        self.problems.extend(problems);
    }

    /// Definition before use, and references inside the declaring loops.
    fn flow(&mut self) {
        let count = self.body.vars.len();
        let mut defined = vec![false; count];
        for param in &self.body.params {
            defined[param.0] = true;
        }
        let mut flow = Flow {
            written: crate::ir::written_flags(&self.body.block, count),
            body: self.body,
            saves: self.stage.saves(),
            defined,
            loops: Vec::new(),
            unreachable: false,
        };
        let mut problems = Vec::new();
        flow.block(&self.body.block, StmtId::FIRST, &mut problems);
        self.problems.extend(problems);
    }
}

/// A float copied or computed into a variable taken as not a float: its
/// derivative would be lost. Ill-typed code is left to rustc, which rejects
/// it: an operation on a value that is surely an integer (declared so, a
/// literal, a cast, a loop index), or an assignment to a variable declared
/// with a type that is surely not a float (`usize`, `bool`, an array).
fn dropped_float(body: &Body, integers: &[bool], dst: Var, rhs: &Rhs) -> Option<String> {
    let (Rhs::Use(_) | Rhs::Prim(..)) = rhs else { return None };
    let operands = rhs.operands();
    let differentiable: Vec<&Operand> =
        crate::activity::differentiable_operands(body, rhs).into_iter().map(|i| operands[i]).collect();
    let ill_typed = differentiable
        .iter()
        .any(|operand| matches!(body.ty(operand), Ty::Bool | Ty::Aggregate) || is_integer(body, integers, operand));
    let info = body.var(dst);
    if ill_typed || !matches!(info.ty, Ty::Other | Ty::Unknown) {
        return None;
    }
    if let Rhs::Prim(op, _) = rhs {
        if is_float_only(*op) {
            return Some(format!(
                "`{}` is the result of `{op:?}`, which only floats have, but typed {:?}",
                info.ident, info.ty
            ));
        }
    }
    // A model's field is taken as a float unless used otherwise (an integer
    // field used as a bound), so it is no evidence here.
    let model_field = |operand: &Operand| operand.place().is_some_and(|place| body.var(place.var).dims.is_none());
    let float_operand = differentiable.iter().any(|operand| body.ty(operand).is_float() && !model_field(operand));
    let surely_not_float = info.declared.as_ref().is_some_and(is_surely_not_float);
    (float_operand && !surely_not_float).then(|| {
        format!("`{}` is assigned a float but typed {:?}: its derivative would be dropped", info.ident, info.ty)
    })
}

fn is_integer(body: &Body, integers: &[bool], operand: &Operand) -> bool {
    match operand {
        Operand::Var(var) => integers[var.0],
        Operand::Const(constant) => constant.ty == Ty::Other,
        Operand::Place(place) => body.place_ty(place) == Ty::Other && integers[place.var.0],
    }
}

/// The variables that surely hold integers (or other non-floats): declared
/// so, loop indices, casts, kept methods (`len`), and arithmetic on them.
fn integers(body: &Body) -> Vec<bool> {
    let mut integers: Vec<bool> = body
        .vars
        .iter()
        .map(|info| info.declared.as_ref().is_some_and(is_surely_not_float) && info.ty == Ty::Other)
        .collect();
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Loop(lp) = stmt {
            if let Header::Range { index, .. } = &lp.header {
                integers[index.0] = true;
            }
        }
    });
    let mut changed = true;
    while changed {
        changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let Stmt::Assign { dst, rhs, .. } = stmt else { return };
            let integer = match rhs {
                Rhs::Cast(..) | Rhs::Method(..) => true,
                Rhs::Prim(op, _) if is_float_only(*op) => false,
                Rhs::Use(_) | Rhs::Prim(..) => {
                    rhs.operands().iter().any(|operand| is_integer(body, &integers, operand))
                }
                _ => false,
            };
            if integer && !integers[dst.0] && body.var(*dst).ty == Ty::Other {
                integers[dst.0] = true;
                changed = true;
            }
        });
    }
    integers
}

/// The operations only floats have (`x.exp()`, `x.powi(2)`): their
/// result is a float in any code that compiles. Integers have arithmetic,
/// comparisons, `abs`, `max`, `min`, `clamp` and `signum` too.
fn is_float_only(op: Op) -> bool {
    use Op::*;
    !matches!(
        op,
        Add | Sub
            | Mul
            | Div
            | Rem
            | Neg
            | Eq
            | Ne
            | Lt
            | Le
            | Gt
            | Ge
            | Not
            | BitAnd
            | BitOr
            | BitXor
            | Shl
            | Shr
            | Abs
            | Max
            | Min
            | Clamp
            | Signum
    )
}

/// Integers, `bool`, `char`, references, arrays, tuples: never a float.
fn is_surely_not_float(ty: &syn::Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "bool", "char", "str",
    ];
    match ty {
        syn::Type::Path(path) => PRIMITIVES.iter().any(|name| path.path.is_ident(name)),
        syn::Type::Paren(inner) => is_surely_not_float(&inner.elem),
        syn::Type::Reference(_) | syn::Type::Array(_) | syn::Type::Slice(_) | syn::Type::Tuple(_) => true,
        _ => false,
    }
}

fn loop_problems(body: &Body, lp: &crate::ir::Loop) -> Vec<String> {
    let mut problems = Vec::new();
    let written = crate::ir::written_in(&lp.body);
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
    /// The reverse sweep's side table: its slots and tapes are written at
    /// their statements.
    saves: Option<&'a Saves>,
    /// By variable (flags: the checks run on every function at every
    /// stage, unoptimized, where a set of `Var`s costs a tree walk each).
    defined: Vec<bool>,
    /// Every variable written anywhere: one never written holds a `()`
    /// (`let t = {};`), and rustc rejects reading it as a number.
    written: Vec<bool>,
    loops: Vec<LoopId>,
    /// After an endless `loop` without exits: nothing after it runs, so
    /// what it reads need not be written (`let r = loop {}; s += r;`).
    unreachable: bool,
}

impl Flow<'_> {
    /// The side table's variables written at statement `id`: its save
    /// slots and its tape.
    fn side_writes(&self, id: StmtId) -> Vec<Var> {
        let Some(saves) = self.saves else { return Vec::new() };
        [SaveKey::Value(id), SaveKey::Tape(id), SaveKey::Index(id)]
            .into_iter()
            .filter_map(|key| saves.slot(key))
            .chain(saves.tape(id))
            .collect()
    }

    fn block(&mut self, block: &Block, first: StmtId, problems: &mut Vec<String>) {
        for (id, stmt) in block.numbered(first) {
            match stmt {
                Stmt::Assign { dst, rhs, .. } => {
                    self.read_all(&rhs.reads(), problems);
                    let written = [*dst].into_iter().chain(self.side_writes(id));
                    self.write_all(written, problems);
                }
                Stmt::Store { place, value, .. } => {
                    let reads: Vec<Var> =
                        std::iter::once(place.var).chain(place.index_vars()).chain(value.reads()).collect();
                    self.read_all(&reads, problems);
                    self.write_all(self.side_writes(id), problems);
                }
                Stmt::If { cond, then, els, .. } => {
                    self.read_all(&cond.reads(), problems);
                    let before = self.unreachable;
                    let (then_id, els_id) = crate::ir::branch_ids(id, then);
                    self.block(then, then_id, problems);
                    let after_then = self.unreachable;
                    self.unreachable = before;
                    self.block(els, els_id, problems);
                    self.unreachable &= after_then;
                }
                Stmt::Loop(lp) => {
                    self.read_all(&lp.trips.into_iter().collect::<Vec<_>>(), problems);
                    self.loops.push(lp.id);
                    if let Header::Range { index, lo, hi, adaptors, .. } = &lp.header {
                        let step = adaptors.iter().filter_map(|adaptor| match adaptor {
                            Adaptor::StepBy(step) => Some(step),
                            Adaptor::Rev => None,
                        });
                        let bounds: Vec<Var> = [lo, hi].into_iter().chain(step).flat_map(Operand::reads).collect();
                        self.read_all(&bounds, problems);
                        self.write_all([*index].into_iter().chain(self.side_writes(id)), problems);
                    }
                    let before = self.unreachable;
                    self.block(&lp.body, id.after(1), problems);
                    self.loops.pop();
                    // The exits are tested after each pass, by the loop itself.
                    self.read_all(&lp.exits, problems);
                    let endless = matches!(lp.header, Header::Forever) && lp.exits.is_empty();
                    self.unreachable = before || endless;
                }
            }
        }
    }

    fn read_all(&mut self, vars: &[Var], problems: &mut Vec<String>) {
        for &var in vars {
            self.in_scope(var, problems);
            // A user's `let r;` read before it is set is the user's error,
            // which rustc reports on the function itself.
            let users = self.body.var(var).kind == VarKind::Local;
            if !users && !self.defined[var.0] && !self.unreachable && self.written[var.0] {
                problems.push(format!("`{}` is read before it is written", self.body.var(var).ident));
                // Once is enough.
                self.defined[var.0] = true;
            }
        }
    }

    fn write_all(&mut self, vars: impl IntoIterator<Item = Var>, problems: &mut Vec<String>) {
        for var in vars {
            self.in_scope(var, problems);
            self.defined[var.0] = true;
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

/// Every variable one statement names (not its nested blocks).
fn stmt_vars(stmt: &Stmt) -> Vec<Var> {
    match stmt {
        Stmt::Assign { dst, rhs, .. } => {
            let mut vars = rhs.reads();
            vars.push(*dst);
            vars
        }
        Stmt::Store { place, value, .. } => {
            std::iter::once(place.var).chain(place.index_vars()).chain(value.reads()).collect()
        }
        Stmt::If { cond, .. } => cond.reads(),
        Stmt::Loop(lp) => {
            let mut vars: Vec<Var> = lp.exits.iter().copied().chain(lp.trips).collect();
            if let Header::Range { index, lo, hi, adaptors, .. } = &lp.header {
                vars.push(*index);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AssignKind, Const, Loop};
    use crate::lower::tests::lowered;
    use quote::quote;

    fn typed(item: syn::ItemFn) -> Body {
        lowered(item).expect("lowers").0
    }

    fn running_sum() -> Body {
        typed(syn::parse_quote! {
            fn f(x: &[f64], y: f64) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * y;
                }
                s
            }
        })
    }

    fn first_loop(block: &mut Block) -> &mut Loop {
        block
            .stmts
            .iter_mut()
            .find_map(|stmt| match stmt {
                Stmt::Loop(lp) => Some(lp),
                _ => None,
            })
            .expect("a loop")
    }

    #[test]
    fn lowered_functions_pass() {
        assert_eq!(check(&running_sum(), &[], Stage::Typed), Ok(()));
    }

    #[test]
    fn a_write_to_the_loop_index_is_caught() {
        let mut body = running_sum();
        let lp = first_loop(&mut body.block);
        let Header::Range { index, .. } = lp.header else { panic!("a counted loop") };
        let one = Operand::Const(Const { tokens: quote!(1usize), ty: Ty::Other });
        let write = Stmt::Assign {
            dst: index,
            rhs: Rhs::Use(one),
            kind: AssignKind::Overwrite,
            span: proc_macro2::Span::call_site(),
        };
        lp.body.stmts.push(write);
        let problem = check(&body, &[], Stage::Lowered).unwrap_err();
        assert!(problem.contains("loop index `i` is written inside its loop"), "{problem}");
    }

    #[test]
    fn a_name_taken_by_a_shadow_is_caught() {
        let body = running_sum();
        let shadow = syn::Ident::new("s", proc_macro2::Span::call_site());
        let problem = check(&body, &[&shadow], Stage::Lowered).unwrap_err();
        assert!(problem.contains("the name `s` is declared twice"), "{problem}");
    }

    #[test]
    fn a_read_before_the_write_is_caught() {
        let mut body = running_sum();
        // `s = 0.0` moved after the loop that reads it, `s` being one of
        // the macro's temporaries (a user's `let s;` read early is rustc's
        // to report).
        let init = body.block.stmts.remove(0);
        let Stmt::Assign { dst, .. } = &init else { panic!("`s = 0.0` first") };
        body.vars[dst.0].kind = VarKind::Temp;
        body.block.stmts.insert(body.block.stmts.len() - 1, init);
        let problem = check(&body, &[], Stage::Lowered).unwrap_err();
        assert!(problem.contains("`s` is read before it is written"), "{problem}");
    }

    #[test]
    fn a_float_typed_as_something_else_is_caught() {
        let mut body = running_sum();
        let s = body.vars.iter().position(|info| info.ident == "s").expect("s");
        body.vars[s].ty = Ty::Other;
        let problem = check(&body, &[], Stage::Typed).unwrap_err();
        assert!(problem.contains("`s` is assigned a float but typed Other"), "{problem}");
        assert_eq!(check(&body, &[], Stage::Lowered), Ok(()), "types are not checked before inference");
    }

    /// `p := p * x[i]` in a loop: the old `p` is saved at each pass.
    fn running_product() -> (Body, Saves) {
        let (mut body, mut namer) = lowered(syn::parse_quote! {
            fn f(x: &[f64], y: f64) -> f64 {
                let mut p = y;
                for i in 0..x.len() {
                    p = p * x[i];
                }
                p
            }
        })
        .expect("lowers");
        let activity = crate::activity::analyze(&body, &body.params, &[]);
        let saves = crate::reverse::saves::analyze(&mut body, &mut namer, &activity);
        (body, saves)
    }

    /// Replaces the statement `target` by `with`, which must be as large.
    fn replace_at(block: &mut Block, first: StmtId, target: StmtId, with: &Stmt) {
        let mut id = first;
        for stmt in &mut block.stmts {
            if id == target {
                *stmt = with.clone();
                return;
            }
            let size = stmt.size();
            match stmt {
                Stmt::Loop(lp) => replace_at(&mut lp.body, id.after(1), target, with),
                Stmt::If { then, els, .. } => {
                    let (then_id, els_id) = crate::ir::branch_ids(id, then);
                    replace_at(then, then_id, target, with);
                    replace_at(els, els_id, target, with);
                }
                Stmt::Assign { .. } | Stmt::Store { .. } => {}
            }
            id = id.after(size);
        }
    }

    #[test]
    fn an_analyzed_body_passes_with_its_side_table() {
        let (body, saves) = running_product();
        assert_eq!(saves.slots().count(), 1, "{}", body.annotated(&saves));
        assert_eq!(check(&body, &[], Stage::Analyzed(&saves)), Ok(()));
    }

    #[test]
    fn a_side_table_that_no_longer_fits_its_body_is_caught() {
        let (mut body, saves) = running_product();
        let (key, _) = saves.slots().next().expect("a save");
        let SaveKey::Value(id) = key else { panic!("a value save, not {key:?}") };
        // The saved assignment becomes an `if` of the same size.
        let cond = Operand::Const(Const { tokens: quote!(true), ty: Ty::Bool });
        let empty =
            Stmt::If { cond, then: Block::default(), els: Block::default(), span: proc_macro2::Span::call_site() };
        replace_at(&mut body.block, StmtId::FIRST, id, &empty);
        let problem = check(&body, &[], Stage::Analyzed(&saves)).unwrap_err();
        assert!(problem.contains(&format!("a value save at statement {} of another form", id.0)), "{problem}");
        assert_eq!(check(&body, &[], Stage::Typed), Ok(()), "the body alone is well formed");
    }
}
