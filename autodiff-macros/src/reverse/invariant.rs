//! Loop-invariant adjoints in registers: an element whose index a loop
//! never changes gets its adjoint summed in a local across the loop's
//! reverse, added into memory once after it (issue 9).
//!
//! Before (`qtimesx`'s inner loop, reversed):
//! ```text
//! for row in (col + 1..d).rev() { ..; d_x[col] += __bar_t6 * ltri[li]; }
//! ```
//! After:
//! ```text
//! let mut __bar_x_at_col: f64 = -0.0;
//! for row in (col + 1..d).rev() { ..; __bar_x_at_col += __bar_t6 * ltri[li]; }
//! if __bar_x_at_col != 0.0 { d_x[col] += __bar_x_at_col; }
//! ```
//! rustc cannot do this itself: the bounds checks between the stores may
//! panic, so each store must reach memory in order.
//!
//! An element `v[idx]` qualifies in a loop when every index of it is a
//! constant or a variable the loop never writes, and every mention of `v`
//! in the loop (at any depth) is a read of that same element: `v` is not
//! written, lent, read whole or read at another index there, so nothing
//! else in the loop's reverse touches the adjoint `d_v[idx]` (adjoints of
//! other variables are their own storage, never views of `d_v`). The
//! outermost such loop holds it. The addition after the loop is skipped
//! when the sum is zero: a loop that ran no pass never indexed `d_v`, and
//! `idx` may be out of bounds then.

use std::collections::BTreeMap;

use syn::Ident;

use crate::ir::{same_place, Arg, Block, Body, FloatTy, Header, Operand, Place, Proj, Rhs, Stmt, StmtId, Ty, Var};
use crate::naming::{self, Namer};

/// An element whose adjoint a loop's reverse keeps in the local `name`.
pub struct Register {
    pub place: Place,
    pub name: Ident,
    pub float: FloatTy,
}

/// The registers of each loop, by the loop's statement id; `has_adjoint`
/// tells which variables the reverse sweep differentiates.
pub fn decide(body: &Body, has_adjoint: &dyn Fn(Var) -> bool, namer: &mut Namer) -> BTreeMap<StmtId, Vec<Register>> {
    let mut registers = BTreeMap::new();
    visit(body, has_adjoint, namer, &body.block, StmtId::FIRST, &[], &mut registers);
    registers
}

fn visit(
    body: &Body,
    has_adjoint: &dyn Fn(Var) -> bool,
    namer: &mut Namer,
    block: &Block,
    first: StmtId,
    held: &[Place],
    registers: &mut BTreeMap<StmtId, Vec<Register>>,
) {
    for (id, stmt) in block.numbered(first) {
        match stmt {
            Stmt::If { then, els, .. } => {
                let (then_id, els_id) = crate::ir::branch_ids(id, then);
                visit(body, has_adjoint, namer, then, then_id, held, registers);
                visit(body, has_adjoint, namer, els, els_id, held, registers);
            }
            Stmt::Loop(lp) => {
                let mut written = crate::ir::written_in(&lp.body);
                written.extend(lp.trips);
                if let Header::Range { index, .. } = &lp.header {
                    written.insert(*index);
                }
                let mut mentions = Mentions::default();
                mentions.stmt(stmt);
                let mut inner: Vec<Place> = held.to_vec();
                let mut found = Vec::new();
                for (&var, places) in &mentions.0 {
                    let Some(Some(place)) = places.first() else { continue };
                    let same = places.iter().all(|other| other.as_ref().is_some_and(|other| same_place(place, other)));
                    let invariant = place.proj.iter().all(|proj| match proj {
                        Proj::Index(Operand::Var(index)) => !written.contains(index),
                        Proj::Index(Operand::Const(_)) | Proj::Field(_) => true,
                        Proj::Index(Operand::Place(_)) => false,
                    });
                    let Ty::Float(float) = body.place_ty(place) else { continue };
                    let fresh = !held.iter().any(|outer| same_place(outer, place));
                    if !same || !invariant || !fresh || !has_adjoint(var) || written.contains(&var) {
                        continue;
                    }
                    let name = namer.fresh(&register_base(body, place));
                    inner.push(place.clone());
                    found.push(Register { place: place.clone(), name, float });
                }
                if !found.is_empty() {
                    registers.insert(id, found);
                }
                visit(body, has_adjoint, namer, &lp.body, id.after(1), &inner, registers);
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// `__bar_x_at_col` for `x[col]`, `__bar_m_b_at_k` for `m.b[k]`.
fn register_base(body: &Body, place: &Place) -> String {
    let mut path = Vec::new();
    let mut indices = Vec::new();
    for proj in &place.proj {
        match proj {
            Proj::Field(member) => path.push(quote::quote!(#member).to_string()),
            Proj::Index(Operand::Var(index)) => {
                indices.push(naming::name_of(&body.var(*index).ident).trim_start_matches('_').to_owned())
            }
            Proj::Index(Operand::Const(constant)) => {
                let text = constant.tokens.to_string();
                let word = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                indices.push(if word { text } else { "k".to_owned() });
            }
            Proj::Index(Operand::Place(_)) => indices.push("i".to_owned()),
        }
    }
    let mut base = naming::derived_base("__bar_", &body.var(place.var).ident);
    for field in path {
        base = format!("{base}_{field}");
    }
    format!("{base}_at_{}", indices.join("_"))
}

/// Every mention of each variable in a loop: `Some(place)` for a read of an
/// element, `None` for anything else (a write, a loan, a whole read).
#[derive(Default)]
struct Mentions(BTreeMap<Var, Vec<Option<Place>>>);

impl Mentions {
    fn other(&mut self, var: Var) {
        self.0.entry(var).or_default().push(None);
    }

    fn operand(&mut self, operand: &Operand) {
        match operand {
            Operand::Var(var) => self.other(*var),
            Operand::Const(_) => {}
            Operand::Place(place) => {
                self.0.entry(place.var).or_default().push(Some((**place).clone()));
                self.indices(place);
            }
        }
    }

    fn indices(&mut self, place: &Place) {
        for proj in &place.proj {
            if let Proj::Index(index) = proj {
                self.operand(index);
            }
        }
    }

    fn rhs(&mut self, rhs: &Rhs) {
        match rhs {
            Rhs::Call(_, args) => {
                for arg in args {
                    match arg {
                        Arg::Value(operand) => self.operand(operand),
                        Arg::Ref { place, range, .. } => {
                            self.other(place.var);
                            self.indices(place);
                            for bound in range.iter().flat_map(|range| range.lo.iter().chain(&range.hi)) {
                                self.operand(bound);
                            }
                        }
                    }
                }
            }
            // `v.len()` reads no element.
            Rhs::Method(Operand::Var(_), method, args) if method == "len" && args.is_empty() => {}
            Rhs::Deref(var) => self.other(*var),
            _ => rhs.operands().into_iter().for_each(|operand| self.operand(operand)),
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Assign { dst, rhs, .. } => {
                self.other(*dst);
                rhs.outputs().into_iter().for_each(|output| self.other(output));
                self.rhs(rhs);
            }
            Stmt::Store { place, value, .. } => {
                self.other(place.var);
                self.indices(place);
                self.operand(value);
            }
            Stmt::If { cond, then, els, .. } => {
                self.operand(cond);
                then.stmts.iter().chain(&els.stmts).for_each(|inner| self.stmt(inner));
            }
            Stmt::Loop(lp) => {
                if let Header::Range { index, lo, hi, adaptors, .. } = &lp.header {
                    self.other(*index);
                    self.operand(lo);
                    self.operand(hi);
                    for adaptor in adaptors {
                        if let crate::ir::Adaptor::StepBy(step) = adaptor {
                            self.operand(step);
                        }
                    }
                }
                lp.exits.iter().chain(&lp.trips).chain(&lp.guard).for_each(|flag| self.other(*flag));
                lp.body.stmts.iter().for_each(|inner| self.stmt(inner));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::vjp_of;
    use quote::quote;

    #[test]
    fn an_invariant_element_is_summed_in_a_local_and_added_once() {
        let got = vjp_of(quote! {
            fn qtimesx(q_diag: &[f64], ltri: &[f64], x: &[f64], out: &mut [f64]) {
                let d = x.len();
                for i in 0..d {
                    out[i] = q_diag[i] * x[i];
                }
                let mut li = 0;
                for col in 0..d {
                    for row in col + 1..d {
                        out[row] += ltri[li] * x[col];
                        li += 1;
                    }
                }
            }
        });
        let held = "let mut __bar_x_at_col: f64 = -0.0;
        for row in (__t4..__t5).rev() {";
        assert!(got.contains(held), "{got}");
        assert!(got.contains("__bar_x_at_col += __bar_t6 * ltri[li];"), "{got}");
        let added = "        }
        if __bar_x_at_col != 0.0 {
            d_x[col] += __bar_x_at_col;
        }
    }";
        assert!(got.contains(added), "{got}");
        assert_eq!(got.matches("d_x[col]").count(), 1, "{got}");
        // `x[i]` changes with the first loop's index: no local.
        assert!(got.contains("d_x[i] += __bar_t2 * q_diag[i];"), "{got}");
    }

    #[test]
    fn the_outermost_loop_that_keeps_the_index_holds_the_local() {
        let got = vjp_of(quote! {
            fn f(x: &[f64], w: &[f64], k: usize) -> f64 {
                let mut s = 0.0;
                for i in 0..w.len() {
                    for j in i..w.len() {
                        s += (x[k] * w[i] * w[j]).sin();
                    }
                }
                s
            }
        });
        let declared = got.find("let mut __bar_x_at_k: f64 = -0.0;").expect("a local for x[k]");
        let outer = got.find("for i in (").expect("the outer loop reversed");
        let added = got.find("d_x[k] += __bar_x_at_k;").expect("added after the loops");
        assert!(declared < outer && outer < added, "{got}");
        assert_eq!(got.matches("let mut __bar_x_at_k").count(), 1, "{got}");
    }

    #[test]
    fn an_element_that_may_alias_another_read_keeps_its_additions_in_memory() {
        // `x[col]` and `x[row]` are the same element when `row == col`.
        let got = vjp_of(quote! {
            fn f(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for col in 0..x.len() {
                    for row in 0..x.len() {
                        s += x[col] * x[row];
                    }
                }
                s
            }
        });
        assert!(!got.contains("__bar_x_at"), "{got}");
        assert!(got.contains("d_x[col] +="), "{got}");
    }

    #[test]
    fn an_element_of_a_vector_the_loop_writes_keeps_its_additions_in_memory() {
        let got = vjp_of(quote! {
            fn f(x: &[f64], k: usize) -> f64 {
                let mut v = vec![0.0; x.len()];
                let mut s = 0.0;
                for i in 0..x.len() {
                    v[i] = x[i] * 2.0;
                    s += v[k].sin();
                }
                s
            }
        });
        assert!(!got.contains("__bar_v_at"), "{got}");
        // `x[i]` moves with the loop's index; `x` is read nowhere else.
        assert!(!got.contains("__bar_x_at"), "{got}");
    }

    #[test]
    fn an_element_lent_to_a_call_whole_keeps_its_additions_in_memory() {
        let got = vjp_of(quote! {
            fn f(x: &[f64], k: usize) -> f64 {
                let mut s = 0.0;
                for i in 0..3 {
                    s += x[k] * helpers::total(x);
                }
                s
            }
        });
        assert!(!got.contains("__bar_x_at"), "{got}");
    }
}
