//! Element reads shared within a pass.
//!
//! Before:
//! ```text
//! a = sub(x[__t3], mul(x[i], x[i]))      (in a loop body; x never written)
//! b = sub(1.0, x[i])
//! ```
//! After:
//! ```text
//! __t9 = x[i]
//! a = sub(x[__t3], mul(__t9, __t9))
//! b = sub(1.0, __t9)
//! ```
//! An element of an aggregate the region never writes, read by several
//! statements of one block, is read once into a temporary. Its adjoint is
//! then a local of the pass that the reverse sweep adds into the shadow
//! once, instead of adding into memory at every read. The temporary is
//! cheap, so the reverse sweep recomputes it rather than saving it.

use std::collections::BTreeSet;

use crate::ir::{AssignKind, Block, Body, LoopId, Operand, Place, Proj, Rhs, Stmt, Ty, Var, VarInfo, VarKind};
use crate::naming::Namer;

pub fn share_element_reads(body: &mut Body, namer: &mut Namer) {
    let mut block = std::mem::take(&mut body.block);
    let written = crate::ir::written_in(&block);
    share_in(&mut block, &written, &[], &mut body.vars, namer);
    body.block = block;
}

/// A place's identity: its variable, and each projection as text.
fn key(place: &Place) -> (Var, Vec<String>) {
    let proj = place
        .proj
        .iter()
        .map(|proj| match proj {
            Proj::Index(Operand::Var(var)) => format!("v{}", var.0),
            Proj::Index(Operand::Const(constant)) => constant.tokens.to_string(),
            Proj::Index(Operand::Place(_)) => String::from("?"),
            Proj::Field(member) => quote::quote!(#member).to_string(),
        })
        .collect();
    (place.var, proj)
}

fn fixed(place: &Place, written: &BTreeSet<Var>) -> bool {
    !written.contains(&place.var)
        && place.proj.iter().all(|proj| match proj {
            Proj::Index(Operand::Var(var)) => !written.contains(var),
            Proj::Index(Operand::Const(_)) | Proj::Field(_) => true,
            Proj::Index(Operand::Place(_)) => false,
        })
}

/// The value operands of a statement that may be replaced, each with
/// whether it is an operand of arithmetic (so a number, where a copy
/// `let w: [f64; 3] = m.w;` may read a whole field, and a comparison
/// `m.rows[0] == m.rows[1]` two rows or two `String`s).
fn operands_mut(stmt: &mut Stmt) -> Vec<(&mut Operand, bool)> {
    match stmt {
        Stmt::Assign { rhs: Rhs::Prim(op, args), .. } => {
            let arithmetic = !op.is_comparison();
            args.iter_mut().map(|arg| (arg, arithmetic)).collect()
        }
        Stmt::Assign { rhs: Rhs::Use(operand), .. } => vec![(operand, false)],
        _ => Vec::new(),
    }
}

/// The reads of one place in a block.
struct Reads {
    id: (Var, Vec<String>),
    count: usize,
    /// Whether arithmetic reads it: the temporary is typed as a number, and
    /// a place only copied or compared may hold an array.
    is_a_number: bool,
    place: Place,
}

/// `scope`: the loops around `block` (each pass of the innermost makes a
/// new instance of what the block defines).
fn share_in(block: &mut Block, written: &BTreeSet<Var>, scope: &[LoopId], vars: &mut Vec<VarInfo>, namer: &mut Namer) {
    // Inner loops are regions of their own.
    for stmt in &mut block.stmts {
        if let Stmt::Loop(lp) = stmt {
            let inner = crate::ir::written_in(&lp.body);
            let inner_scope: Vec<LoopId> = scope.iter().copied().chain([lp.id]).collect();
            share_in(&mut lp.body, &inner, &inner_scope, vars, namer);
        }
    }
    let mut reads: Vec<Reads> = Vec::new();
    for stmt in &mut block.stmts {
        for (operand, in_arithmetic) in operands_mut(stmt) {
            let Operand::Place(place) = operand else { continue };
            if !fixed(place, written) || vars[place.var.0].ty != Ty::Aggregate {
                continue;
            }
            let id = key(place);
            match reads.iter_mut().find(|reads| reads.id == id) {
                Some(reads) => {
                    reads.count += 1;
                    reads.is_a_number |= in_arithmetic;
                }
                None => reads.push(Reads { id, count: 1, is_a_number: in_arithmetic, place: (**place).clone() }),
            }
        }
    }
    for Reads { id, count, is_a_number, place } in reads {
        if count < 2 || !is_a_number {
            continue;
        }
        let Some(first) = block
            .stmts
            .iter_mut()
            .position(|stmt| operands_mut(stmt).iter().any(|(o, _)| matches!(o, Operand::Place(p) if key(p) == id)))
        else {
            continue;
        };
        let ident = namer.temp();
        vars.push(VarInfo {
            ident,
            ty: Ty::Unknown,
            declared: None,
            kind: VarKind::Temp,
            mutable: false,
            elem: None,
            dims: None,
            zero: None,
            by_ref: false,
            scope: scope.to_vec(),
        });
        let temp = Var(vars.len() - 1);
        for stmt in &mut block.stmts {
            for (operand, _) in operands_mut(stmt) {
                if matches!(operand, Operand::Place(p) if key(p) == id) {
                    *operand = Operand::Var(temp);
                }
            }
        }
        let span = match &block.stmts[first] {
            Stmt::Assign { span, .. } => *span,
            _ => proc_macro2::Span::call_site(),
        };
        let load =
            Stmt::Assign { dst: temp, rhs: Rhs::Use(Operand::Place(Box::new(place))), kind: AssignKind::Init, span };
        block.stmts.insert(first, load);
    }
}
