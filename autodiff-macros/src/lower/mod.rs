//! Lowering: the function body (syn) → IR in A-normal form (see `ir.rs` for
//! the invariant this establishes).
//!
//! Before:
//! ```text
//! let u = a + b * c;
//! if u > 0.0 { return u.sin(); }
//! 3.0 * u
//! ```
//! After:
//! ```text
//! __t1 = mul(b, c)
//! u = add(a, __t1)
//! __t2 = gt(u, 0.0)
//! if __t2 { __ret = sin(u); __done := true }
//! __t3 = not(__done)
//! if __t3 { __ret = mul(3.0, u) }
//! ```
//!
//! This file holds the entry point and the state shared while lowering
//! (bindings, scopes, loops and flags, and the types known so far);
//! `stmt.rs` lowers statements and control flow, `expr.rs` expressions,
//! `call.rs` method and function calls, `closures.rs` local closures,
//! `matches.rs` `match` and
//! `if let`, `places.rs` element access and
//! array values, `loops.rs` loops and iterator chains. Everything outside
//! the supported subset is reported to `Ctxt` with the span of the
//! offending code, and lowering goes on, so one run reports every problem.

mod assertions;
mod call;
mod closures;
mod collect;
mod expr;
mod fused_maps;
mod items;
mod loops;
mod matches;
mod picks;
mod places;
mod positions;
mod sources;
mod stmt;
mod structs;
mod tuple_values;
mod vectors;

pub(crate) use loops::is_iterator;
pub use places::zero_of_type;
pub use structs::constructor_owner;
pub use vectors::is_growth;

use std::collections::{BTreeMap, HashMap, HashSet};

/// The bindings of one block, by name.
type Scope = HashMap<String, Binding>;

use quote::{quote, ToTokens};
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::ir::{
    AssignKind, Block, Body, Const, FloatTy, LoopId, Operand, Place, Rhs, Stmt, Ty, Var, VarInfo, VarKind,
};
use crate::naming::{self, Namer};
use crate::signature::{float_ty, ParamClass, RefKind, Signature};
use crate::symbol;

pub fn lower(sig: &Signature, namer: &mut Namer, cx: &Ctxt) -> Body {
    let mut lowerer = Lowerer {
        cx,
        namer,
        vars: Vec::new(),
        var_names: HashSet::new(),
        scopes: vec![Scope::new()],
        done: None,
        ret: None,
        returns_tuple: sig.ret_tuple.is_some(),
        items: Vec::new(),
        loops: Vec::new(),
        closures: Vec::new(),
        next_loop: 0,
        escapes: BTreeMap::new(),
        tables: Vec::new(),
        untyped_vectors: HashSet::new(),
        collected: HashSet::new(),
        inferred_vectors: Vec::new(),
        integer_vectors: HashSet::new(),
        float: None,
        top_level: HashSet::new(),
        body_depth: 0,
        structs_by_field: HashSet::new(),
        constructed: HashMap::new(),
        call_results: HashSet::new(),
        float_call_args: HashMap::new(),
        by_value: HashSet::new(),
        refused: HashSet::new(),
        read_refused: std::cell::Cell::new(false),
        constant_params: HashSet::new(),
        fallback_arities: HashMap::new(),
        lent_constants: HashSet::new(),
        moved_constants: Vec::new(),
        mutable_locals: HashSet::new(),
        typed_parts: Vec::new(),
        constant_parts: Vec::new(),
    };
    items::check_scopes(sig.item, cx);
    let params: Vec<Var> = sig.params.iter().enumerate().map(|(i, param)| lowerer.param(param, i, sig)).collect();
    lowerer.constant_params = (sig.params.iter().zip(&params).enumerate())
        .filter(|(i, (param, _))| !param.mutable && (param.class == ParamClass::Constant || !sig.differentiates(*i)))
        .map(|(_, (_, &var))| var)
        .collect();
    lowerer.ret = sig.ret.map(|float| {
        let ident = lowerer.namer.fresh("__ret");
        let Some(array) = &sig.ret_array else {
            return lowerer.new_var(ident, Ty::Float(float), VarKind::Ret, None);
        };
        // `-> [F; N]`: the result is an array, its adjoint the seed.
        let ret = lowerer.new_var(ident, Ty::Aggregate, VarKind::Ret, Some((**array).clone()));
        let info = &mut lowerer.vars[ret.0];
        info.elem = Some(float);
        info.dims = Some(crate::signature::elements_depth(array));
        info.zero = places::zero_of_type(array);
        ret
    });
    let mut floats = lowerer.vars.iter().filter_map(|info| match info.ty {
        Ty::Float(float) => Some(float),
        _ => info.elem,
    });
    let first = floats.next();
    lowerer.float = first.filter(|&first| floats.all(|float| float == first));
    let mut block = Block::default();
    let sink = match lowerer.ret {
        Some(ret) => Sink::Var(ret, AssignKind::Init),
        None => Sink::Discard,
    };
    lowerer.body_depth = lowerer.scopes.len();
    let body = positions::as_loops(fused_maps::fused(picks::by_index(sig.item)), lowerer.namer);
    lowerer.lower_stmts(&body.stmts, &mut block, sink);
    lowerer.declare_inferred_vectors(&mut block);
    lowerer.constants_lent_after_a_move();
    lowerer.bind_tables(&mut block);
    if let Some(done) = lowerer.done {
        if !reads(&block, done) {
            strip_writes(&mut block, done);
        }
    }
    if let Some(ret) = lowerer.ret {
        if !writes(&block, ret) && !cx.has_errors() {
            cx.error_spanned_by(
                &sig.item.block,
                "the body of a #[grad] function must produce its value; end it with the value or `return` it",
            );
        }
    }
    // A constructor's local used as a struct (a receiver, lent, moved) is
    // one, for the refusal of a struct made from a varied value.
    let used_whole = |var: &Var| {
        lowerer.lent_constants.contains(var) || lowerer.moved_constants.iter().any(|(moved, _)| moved == var)
    };
    let constructed = lowerer.constructed.keys().filter(|var| used_whole(var));
    let mut structs: Vec<Var> = lowerer.structs_by_field.iter().chain(constructed).copied().collect();
    structs.sort_by_key(|var| var.0);
    structs.dedup();
    Body {
        vars: lowerer.vars,
        params,
        block,
        ret: lowerer.ret,
        items: lowerer.items,
        structs,
        // (The parts of a model that is not differentiated whose methods are
        // called: `constant_fields` adds those the body uses as integers.)
        constant_fields: lowerer.constant_parts,
        float_tables: Vec::new(),
    }
}

/// Where the value of an expression goes.
#[derive(Clone, Copy)]
enum Sink {
    Discard,
    Var(Var, AssignKind),
}

/// What a name stands for: a variable, an element read in place (a
/// `for` or closure binding of a slice element), a local closure, or a
/// sub-slice.
#[derive(Clone)]
enum Binding {
    Var(Var),
    Place(Place),
    /// A row of an array of arrays bound by reference (`x` of `for x in
    /// xs.iter()`, a `&[f64; N]`): read like a place, passed to calls as a
    /// borrow of the row.
    Row(Place),
    Closure(std::rc::Rc<closures::LocalClosure>),
    /// `let y = &x[a..b];`: elements `a..b` of `x`, read in place.
    Slice(sources::Source),
    /// `let st = State { .. };`: a struct built in the body, its fields
    /// kept as separate bindings.
    Struct(std::rc::Rc<structs::LocalStruct>),
}

/// A name bound to a part of a model with its type written, in the scope
/// at `depth`; it names the part while the name is bound to that place.
struct TypedPart {
    name: String,
    place: Place,
    ty: syn::Type,
    depth: usize,
}

/// A loop being lowered, for `break` and `continue`.
struct LoopCtx {
    id: LoopId,
    /// Set by `break`; made at the first `break`.
    brk: Option<Var>,
    /// Set by `continue`; made at the first `continue`.
    cont: Option<Var>,
    /// Where `break value` sends its value (a `loop` used as a value).
    sink: Sink,
    /// Whether a `return` inside must end this loop too.
    exits_on_done: bool,
    /// The index a `for` over a range binds (not a `mut` copy of it).
    index: Option<Var>,
}

/// The inline closure of a reduction whose body is being lowered, for a
/// `return` inside it: that returns from the closure (the value of one
/// element), not from the function.
struct ClosureCtx {
    /// Where the closure's value goes.
    sink: Sink,
    /// Set by `return`, made at the first one; it guards the rest of the
    /// closure's body and is reset at the start of each call.
    returned: Option<Var>,
    /// How many loops were open where the body begins (the reduction's
    /// own included).
    depth: usize,
}

struct Lowerer<'a> {
    cx: &'a Ctxt,
    namer: &'a mut Namer,
    vars: Vec<VarInfo>,
    /// The names of `vars` (without `r#`), so that a new binding knows in
    /// constant time whether it shadows one.
    var_names: HashSet<String>,
    /// Bindings in scope, innermost scope last; later bindings shadow earlier.
    scopes: Vec<Scope>,
    /// The flag set by `return`, made when the first `return` is lowered.
    done: Option<Var>,
    ret: Option<Var>,
    /// Whether the function returns a tuple of floats, lowered as an array
    /// (`(a, b)` as its value is `[a, b]`).
    returns_tuple: bool,
    items: Vec<syn::Item>,
    /// The loops around the code being lowered, innermost last.
    loops: Vec<LoopCtx>,
    /// The reduction closures around the code being lowered that contain a
    /// `return`, innermost last.
    closures: Vec<ClosureCtx>,
    next_loop: usize,
    /// How many times each flag (`__done`, a `break` or `continue` flag) has
    /// been set so far: a statement that set one guards the rest of its
    /// block.
    escapes: BTreeMap<Var, usize>,
    /// The `const` and `static` tables the body indexes (`W[i]`), each read
    /// through a reference made at the top of the function.
    tables: Vec<(syn::Path, Var)>,
    /// Untyped local vectors (`let mut v = Vec::new();`), until their first
    /// `push` tells whether they hold floats (`vectors.rs`).
    untyped_vectors: HashSet<Var>,
    /// Those a `collect` made, for the wording of a refusal.
    collected: HashSet<Var>,
    /// Untyped vectors a float was pushed onto: their declarations become
    /// those of vectors of floats once the body is lowered.
    inferred_vectors: Vec<Var>,
    /// The one float type of the signature, if it has one: what an
    /// unsuffixed float literal is in the body.
    float: Option<FloatTy>,
    /// Untyped local vectors that integers were pushed onto: iterated,
    /// their elements are indices (`vectors.rs`).
    integer_vectors: HashSet<Var>,
    /// The user's locals declared in the body's own block, before anything
    /// that may `return`: each holds one value wherever the generated code,
    /// its reverse sweep included, names it.
    top_level: HashSet<Var>,
    /// How many scopes are open in the body's own block.
    body_depth: usize,
    /// Untyped locals whose named fields were read (`cfg.rate`): structs.
    structs_by_field: HashSet<Var>,
    /// Untyped locals a constructor made (`let cfg = Config::new(k);`,
    /// `structs::constructor_type`), with the type a method called on one
    /// is taken for.
    constructed: HashMap<Var, syn::Type>,
    /// Untyped locals a call's value initialized (`let h = hidden(x);`),
    /// which may be the arrays `#[grad]` functions return.
    call_results: HashSet<Var>,
    /// The arguments of the call that made each of `call_results`.
    float_call_args: HashMap<Var, Vec<crate::ir::Arg>>,
    /// Names Rust binds to a reference and `#[grad]` to the value, so that
    /// `*v` is `v`: a pass's index or position (`i` of `for (i, v) in
    /// x.iter().enumerate()`), which a closure's pattern (`.filter(|(i, _)|
    /// *i != 2)`) binds by reference in Rust, and a name bound in a pattern
    /// on a reference (`match act { Act::Leaky(s) => .. }`, `act: &Act`).
    by_value: HashSet<Var>,
    /// Locals whose value a refused construct gave, directly or through
    /// another such local (`let i = x.partition_point(..); let j = i + 1;`):
    /// their type is unknown because of an error already reported, so what
    /// their type would decide (an index, a method's receiver) reports no
    /// second one.
    refused: HashSet<Var>,
    /// Whether a local in `refused` was read since the mark (`mark_refused`).
    read_refused: std::cell::Cell<bool>,
    /// The parameters that are constants: not differentiated (left out of
    /// `wrt`, or of no float type) and not `mut`, so one value throughout.
    constant_params: HashSet<Var>,
    /// The methods whose fallback items were declared (`declare_fallback`),
    /// by name and kind, with the argument count they were declared for.
    fallback_arities: HashMap<(String, bool), usize>,
    /// The constant struct locals (`constant_struct_local`) that the
    /// generated code lends (`&cfg`, as a receiver or an argument).
    lent_constants: HashSet<Var>,
    /// Those passed by value to a call (`total(cfg)`), where.
    moved_constants: Vec<(Var, proc_macro2::Span)>,
    /// The user's locals declared `mut`, for the wording of a refusal.
    mutable_locals: HashSet<Var>,
    /// Parts of a model bound by a reference whose type is written (`let
    /// layer: &Layer = &self.layers[l];`): a method called on one goes
    /// through that type's companion (`call.rs` `part_method_call`).
    typed_parts: Vec<TypedPart>,
    /// Those of a model that is not differentiated whose methods are
    /// called, as `constant_fields::model_field` paths: constants, passed
    /// to the methods' twins for a constant `self` with no slots.
    constant_parts: Vec<Place>,
}

impl Lowerer<'_> {
    // ---- variables and scopes ----

    /// `let __table_W = &W;` for each table, first in the body.
    fn bind_tables(&mut self, block: &mut Block) {
        let bindings = self.tables.iter().map(|(path, var)| {
            let span = syn::spanned::Spanned::span(path);
            let tokens = quote::quote_spanned!(span=> &#path);
            let rhs = Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate }));
            Stmt::Assign { dst: *var, rhs, kind: AssignKind::Init, span }
        });
        block.stmts.splice(0..0, bindings.collect::<Vec<_>>());
    }

    fn new_var(&mut self, ident: Ident, ty: Ty, kind: VarKind, declared: Option<syn::Type>) -> Var {
        let scope = self.loops.iter().map(|ctx| ctx.id).collect();
        self.var_names.insert(naming::name_of(&ident));
        self.vars.push(VarInfo {
            ident,
            ty,
            declared,
            kind,
            mutable: false,
            elem: None,
            dims: None,
            zero: None,
            by_ref: false,
            scope,
        });
        Var(self.vars.len() - 1)
    }

    /// A variable for `param`, the `index`-th of `sig`; a struct the function
    /// leaves out of `wrt(..)` or a table (`Signature::has_empty_slots`) is a
    /// constant, whatever slots it has; a constant model
    /// (`Signature::constant_models`) is a model, not differentiated.
    fn param(&mut self, param: &crate::signature::Param, index: usize, sig: &crate::signature::Signature) -> Var {
        let model;
        let class = if sig.constant_models.contains(&index) {
            model = ParamClass::Shadowed {
                shadow: param.ident.clone(),
                target: Box::new(param.ty.clone()),
                kind: RefKind::Model,
            };
            &model
        } else if sig.has_empty_slots(index) {
            &ParamClass::Constant
        } else {
            &param.class
        };
        let (ty, elem, dims, zero) = match class {
            ParamClass::Active(float) if crate::signature::is_array_value(param.ty) => (
                Ty::Aggregate,
                Some(*float),
                Some(crate::signature::elements_depth(param.ty)),
                places::zero_of_type(param.ty),
            ),
            ParamClass::Active(float) => (Ty::Float(*float), None, None, None),
            ParamClass::Shadowed { target, kind: RefKind::Array(float), .. }
            | ParamClass::Output { target, elem: float, .. } => (
                Ty::Aggregate,
                Some(*float),
                Some(crate::signature::elements_depth(target)),
                places::zero_of_type(target),
            ),
            ParamClass::Shadowed { kind: RefKind::Model, .. } => (Ty::Aggregate, None, None, None),
            ParamClass::Constant => match float_ty(param.ty) {
                Some(float) => (Ty::Float(float), None, None, None),
                None if is_bool(param.ty) => (Ty::Bool, None, None, None),
                None => match constant_aggregate(param.ty) {
                    Some((float, dims)) => (Ty::Aggregate, Some(float), Some(dims), None),
                    None if crate::ir::is_table_type(param.ty) => (Ty::Aggregate, None, None, None),
                    None => (type_of(param.ty), None, None, None),
                },
            },
        };
        let var = self.new_var(param.ident.clone(), ty, VarKind::Param, Some(param.ty.clone()));
        let info = &mut self.vars[var.0];
        info.mutable = param.mutable;
        info.elem = elem;
        info.dims = dims;
        info.zero = zero;
        info.by_ref = matches!(param.ty, syn::Type::Reference(_));
        self.bind(param.ident, Binding::Var(var));
        var
    }

    fn temp(&mut self, ty: Ty) -> Var {
        let ident = self.namer.temp();
        self.new_var(ident, ty, VarKind::Temp, None)
    }

    /// A flag or counter of the loop machinery.
    fn control(&mut self, base: &str, ty: Ty, declared: Option<syn::Type>) -> Var {
        let ident = self.namer.fresh(base);
        self.new_var(ident, ty, VarKind::Control, declared)
    }

    fn bind(&mut self, ident: &Ident, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            // A later binding of the same name in the same scope shadows it.
            scope.insert(naming::name_of(ident), binding);
        }
    }

    /// What `ident` is bound to in the innermost scope itself.
    fn bound_here(&self, ident: &Ident) -> Option<Binding> {
        self.scopes.last().and_then(|scope| scope.get(&naming::name_of(ident))).cloned()
    }

    /// Gives `ident` in the innermost scope the binding `bound_here` found
    /// before a `let` rebound it (none: the outer scopes' one shows again).
    fn restore_here(&mut self, ident: &Ident, previous: Option<Binding>) {
        let Some(scope) = self.scopes.last_mut() else { return };
        let name = naming::name_of(ident);
        match previous {
            Some(previous) => scope.insert(name, previous),
            None => scope.remove(&name),
        };
    }

    fn lookup(&self, ident: &Ident) -> Option<Binding> {
        let name = naming::name_of(ident);
        let binding = self.scopes.iter().rev().find_map(|scope| scope.get(&name)).cloned();
        if matches!(binding, Some(Binding::Var(var)) if self.refused.contains(&var)) {
            self.read_refused.set(true);
        }
        binding
    }

    /// Lowers a value into `var` (`lower`), and marks `var` refused when
    /// lowering it reported an error or read a refused local.
    fn mark_refused<R>(&mut self, var: Var, lower: impl FnOnce(&mut Self) -> R) -> R {
        let (errors, outer) = (self.cx.error_count(), self.read_refused.replace(false));
        let result = lower(self);
        if self.cx.error_count() > errors || self.read_refused.get() {
            self.refused.insert(var);
        }
        self.read_refused.set(outer || self.read_refused.get());
        result
    }

    /// Whether `operand` is a local a refused construct gave (see `refused`).
    fn is_refused(&self, operand: &Operand) -> bool {
        operand.var().is_some_and(|var| self.refused.contains(&var))
    }

    /// A value standing for a construct refused because of an earlier error
    /// (see `refused`): no second error.
    fn already_refused(&self) -> Rhs {
        debug_assert!(self.cx.has_errors());
        Rhs::Use(Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }))
    }

    /// `let cfg: Config = make(2.0); cfg.apply(x); total(cfg)`: the reverse
    /// sweep (which runs after the whole primal) lends `&cfg` again to the
    /// derivative of `apply`, after the move: refused, rather than failing
    /// to compile with rustc's "borrow of moved value".
    fn constants_lent_after_a_move(&self) {
        for (var, span) in &self.moved_constants {
            if !self.lent_constants.contains(var) {
                continue;
            }
            let name = &self.vars[var.0].ident;
            // (A clone keeps a raw name, `r#loop`, raw.)
            let mut at = name.clone();
            at.set_span(*span);
            self.cx.error_spanned_by(
                at,
                format!(
                    "`{name}` is moved here, but the derivative code #[grad] generates lends `&{name}` to the \
                     #[grad] calls it is used in after the function's own code has run; pass a reference \
                     (`&{name}`, the callee taking `&T`) or a copy (`{name}.clone()`)"
                ),
            );
        }
    }

    /// A user binding: keeps its name unless an earlier binding had it.
    fn user_var(&mut self, ident: &Ident, ty: Ty, declared: Option<syn::Type>) -> Var {
        let first = !self.var_names.contains(&naming::name_of(ident));
        let name = self.namer.binding(ident, first);
        self.new_var(name, ty, VarKind::Local, declared)
    }

    fn in_scope<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.scopes.push(Scope::new());
        let result = f(self);
        self.scopes.pop();
        let depth = self.scopes.len();
        self.typed_parts.retain(|part| part.depth <= depth);
        result
    }

    fn done_var(&mut self) -> Var {
        if let Some(done) = self.done {
            return done;
        }
        let done = self.control("__done", Ty::Bool, None);
        // Made where the first `return` is, but it outlives every loop.
        self.vars[done.0].scope.clear();
        self.vars[done.0].kind = VarKind::Done;
        self.done = Some(done);
        done
    }

    fn unsupported(&self, tokens: impl ToTokens, message: impl std::fmt::Display) -> Rhs {
        self.cx.error_spanned_by(tokens, message);
        Rhs::Use(Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }))
    }

    fn assign(&self, out: &mut Block, dst: Var, rhs: Rhs, kind: AssignKind, span: proc_macro2::Span) {
        out.stmts.push(Stmt::Assign { dst, rhs, kind, span });
    }

    /// Records that a statement set `flag`, so the rest of its block is guarded.
    fn escape(&mut self, flag: Var) {
        *self.escapes.entry(flag).or_default() += 1;
    }

    /// The flags that can end the current block early: `__done` and the
    /// innermost loop's `break` and `continue` flags.
    fn guard_flags(&self) -> Vec<Var> {
        let mut flags: Vec<Var> = self.done.into_iter().collect();
        if let Some(ctx) = self.loops.last() {
            flags.extend(ctx.brk);
            flags.extend(ctx.cont);
        }
        if let Some(closure) = self.closure_here() {
            flags.extend(closure.returned);
        }
        flags
    }

    /// The closure whose body is being lowered, unless a loop inside it is.
    fn closure_here(&self) -> Option<&ClosureCtx> {
        self.closures.last().filter(|closure| closure.depth == self.loops.len())
    }

    // ---- types known while lowering (infer.rs completes them) ----

    fn operand_ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(var) => self.vars[var.0].ty,
            Operand::Const(constant) => constant.ty,
            Operand::Place(place) => self.place_ty(place),
        }
    }

    fn place_ty(&self, place: &Place) -> Ty {
        let info = &self.vars[place.var.0];
        let indices = place.proj.iter().filter(|p| matches!(p, crate::ir::Proj::Index(_))).count();
        match info.ty {
            Ty::Aggregate if crate::ir::is_table(info) && !place.proj.is_empty() => Ty::Unknown,
            Ty::Aggregate if place.proj.is_empty() => Ty::Aggregate,
            Ty::Aggregate if info.dims.is_some_and(|dims| indices < dims) => Ty::Aggregate,
            Ty::Aggregate => info.elem.map(Ty::Float).unwrap_or(Ty::AnyFloat),
            ty => ty,
        }
    }

    fn is_aggregate_operand(&self, operand: &Operand) -> bool {
        self.operand_ty(operand) == Ty::Aggregate
    }

    fn rhs_ty(&self, rhs: &Rhs) -> Ty {
        match rhs {
            Rhs::Use(operand) => self.operand_ty(operand),
            Rhs::Prim(op, args) => {
                let tys: Vec<Ty> = args.iter().map(|arg| self.operand_ty(arg)).collect();
                crate::infer::prim_ty(*op, &tys)
            }
            Rhs::Call(..) => Ty::Unknown,
            Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) => Ty::Aggregate,
            Rhs::Deref(source) => crate::infer::deref_ty(self.vars[source.0].ty),
            Rhs::Method(receiver, method, _) => {
                if symbol::is_float_predicate(method) {
                    Ty::Bool
                } else {
                    match self.operand_ty(receiver) {
                        Ty::Bool => Ty::Bool,
                        _ => Ty::Other,
                    }
                }
            }
            Rhs::Cast(_, ty) => type_of(ty),
            Rhs::Matches(_, _, None) => Ty::Bool,
            Rhs::Matches(_, _, Some(_)) => Ty::Unknown,
        }
    }
}

fn place_operand(place: Place) -> Operand {
    if place.proj.is_empty() {
        Operand::Var(place.var)
    } else {
        Operand::Place(Box::new(place))
    }
}

/// Whether `ty` is a primitive integer type.
pub(crate) fn is_integer_type(ty: &syn::Type) -> bool {
    const INTEGERS: [&str; 12] =
        ["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize"];
    matches!(ty, syn::Type::Path(path) if INTEGERS.iter().any(|name| path.path.is_ident(name)))
}

pub(crate) fn is_bool(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("bool"))
}

/// What a type written by the user says of a value: an alias the macro
/// cannot see through says nothing (the value's own type decides).
pub(crate) fn type_of(ty: &syn::Type) -> Ty {
    match float_ty(ty) {
        Some(float) => Ty::Float(float),
        None if is_bool(ty) => Ty::Bool,
        None if matches!(ty, syn::Type::Infer(_)) || crate::signature::is_opaque(ty) => Ty::Unknown,
        None if crate::signature::array_elem(ty).is_some() => Ty::Aggregate,
        None => Ty::Other,
    }
}

/// The element float type and depth of an array type written by the user.
fn constant_aggregate(ty: &syn::Type) -> Option<(FloatTy, usize)> {
    let target = match ty {
        syn::Type::Reference(reference) => &*reference.elem,
        ty => ty,
    };
    crate::signature::array_elem(target).map(|float| (float, crate::signature::elements_depth(target)))
}

/// Whether any statement reads `var`.
fn reads(block: &Block, var: Var) -> bool {
    let mut found = false;
    crate::ir::walk(block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { rhs, .. } => found |= rhs.reads().contains(&var),
        Stmt::Store { place, value, .. } => {
            found |= value.reads().contains(&var) || place.index_vars().any(|v| v == var)
        }
        Stmt::If { cond, .. } => found |= cond.var() == Some(var),
        Stmt::Loop(lp) => found |= lp.exits.contains(&var),
    });
    found
}

/// Whether any statement assigns `var`.
pub(super) fn writes(block: &Block, var: Var) -> bool {
    let mut found = false;
    crate::ir::walk(block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, .. } = stmt {
            found |= *dst == var;
        }
    });
    found
}

/// Removes the assignments to a variable nobody reads.
fn strip_writes(block: &mut Block, var: Var) {
    block.stmts.retain(|stmt| !matches!(stmt, Stmt::Assign { dst, .. } if *dst == var));
    for stmt in &mut block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                strip_writes(then, var);
                strip_writes(els, var);
            }
            Stmt::Loop(lp) => {
                lp.exits.retain(|exit| *exit != var);
                strip_writes(&mut lp.body, var);
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}
#[cfg(test)]
pub(crate) mod tests;
