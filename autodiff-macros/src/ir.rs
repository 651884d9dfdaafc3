//! The intermediate representation: A-normal form with structured control
//! flow.
//!
//! Invariant after `lower`: a body is a tree of blocks whose statements are
//! only
//!
//! - `Assign { dst, rhs }` where `rhs` is one of `Use(operand)`,
//!   `Prim(op, operands)`, `Call(path, operands)`, `Method(operand, name,
//!   operands)` or `Cast(operand, type)`: every operand is a variable or a
//!   constant, never a nested expression;
//! - `Store { place, value }`: `a[i][j] = value` or `m.w[i] = value`, where
//!   the indices are variables or constants;
//! - `If { cond, then, els }` where `cond` is a temporary assigned just
//!   before the `if` and never inside it (so the reverse sweep can branch on
//!   it again);
//! - `Loop { header, body, exits, trips }`: a `for` over a range (its bounds
//!   are temporaries or constants, fixed before the loop) or an endless
//!   `loop`, left after any pass that set one of the `exits` flags.
//!
//! Operands are variables, constants, or places (`x[i]`, `m.b[j]`) read in
//! place, so an element costs no copy.
//!
//! Variables are storage locations, not SSA values: `Assign` with
//! `kind: Overwrite` replaces a value that the program may still hold.
//! `return`, `break` and `continue` are gone: each became a flag (`__done`,
//! a loop's exit flag, its continue flag) that guards the statements after
//! it.
//!
//! The IR holds what both modes read. A pass's own facts live beside it, in
//! a side table keyed by `StmtId` (a statement's pre-order position), and
//! the printer shows them through `Notes`: the reverse sweep's saves and
//! tapes (`reverse/saves.rs`).

use std::fmt;

use proc_macro2::{Span, TokenStream};
use syn::Ident;

/// A variable: an index into `Body::vars`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Var(pub usize);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FloatTy {
    F32,
    F64,
}

/// What the macro knows of a value's type. Only floats are differentiated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    /// A float whose width is not known yet (an unsuffixed literal).
    AnyFloat,
    Float(FloatTy),
    Bool,
    /// Integers and everything else: never differentiated.
    Other,
    /// No evidence yet (a constant path, the result of a call).
    Unknown,
    /// Floats in arrays, slices, vectors or a model struct: differentiated
    /// element by element.
    Aggregate,
}

impl Ty {
    pub fn is_float(self) -> bool {
        matches!(self, Ty::AnyFloat | Ty::Float(_))
    }

    /// Whether values of this type can carry derivatives.
    pub fn is_differentiable(self) -> bool {
        self.is_float() || self == Ty::Aggregate
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VarKind {
    Param,
    /// A `let` of the user's.
    Local,
    /// A temporary introduced by lowering.
    Temp,
    /// The function's result.
    Ret,
    /// The flag set by an early `return`.
    Done,
    /// A value kept for the reverse sweep: one slot outside loops, a stack
    /// inside them.
    Saved,
    /// A flag of `break`/`continue`, or a loop's pass counter.
    Control,
    /// What a call's forward pass keeps for its reverse pass.
    Tape,
    /// The tangent of a variable (forward mode).
    Tangent(Var),
    /// The adjoint of a variable (reverse mode, `reverse/adjoints.rs`).
    Adjoint(Var),
}

/// How to make a zero of an aggregate's type, for its adjoint.
#[derive(Clone)]
pub enum Zero {
    /// An array: `[0.0; N]`, `[[0.0; N]; M]`, as tokens; or any expression
    /// that makes a zero of the shape (`guards::lent_zero(..)` for a field
    /// whose type the macro cannot see, `forward::lent_zero`).
    Array(TokenStream),
    /// A vector as long as the primal one, of elements made by the inner zero.
    Vec(Box<Zero>),
    /// A float element of a vector.
    Scalar,
    /// An array of zeros of a length rustc infers (`array::from_fn(|_|
    /// 0.0)`): for the array a call returns into a local whose type is not
    /// written (`let k1 = deriv(s, k);`), whose adjoint or tangent is passed
    /// to the callee's derivative, which fixes the length.
    OfCallResult,
}

#[derive(Clone)]
pub struct VarInfo {
    /// The name emitted for this variable, unique in the generated function.
    pub ident: Ident,
    pub ty: Ty,
    /// The type the user wrote, if any (for declarations of non-float values).
    pub declared: Option<syn::Type>,
    pub kind: VarKind,
    /// Whether the user's pattern said `mut` (parameters keep it).
    pub mutable: bool,
    /// For aggregates: the float type of their elements.
    pub elem: Option<FloatTy>,
    /// For arrays: how many indices reach a float (`[[f64; N]; M]` → 2);
    /// `None` for model structs, whose fields the macro cannot see.
    pub dims: Option<usize>,
    /// For local aggregates: how to make a zero of the same shape.
    pub zero: Option<Zero>,
    /// Whether the variable holds a reference (a parameter `&[f64]`), so a
    /// whole-value copy reads through it.
    pub by_ref: bool,
    /// Where it is declared: the loops (innermost last) whose every pass
    /// makes a new instance of it. Empty for parameters and top-level lets.
    pub scope: Vec<LoopId>,
}

/// A loop, numbered in order of appearance.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LoopId(pub usize);

/// A part of an aggregate: `[i]` or `.field`.
#[derive(Clone)]
pub enum Proj {
    Index(Operand),
    Field(syn::Member),
}

/// An element of an aggregate variable: `x[i]`, `w[i][j]`, `m.layer.b[j]`.
#[derive(Clone)]
pub struct Place {
    pub var: Var,
    pub proj: Vec<Proj>,
}

impl Place {
    /// The variables its indices read.
    pub fn index_vars(&self) -> impl Iterator<Item = Var> + '_ {
        // (An index read from a table, `x[idx[i + 1]]`, reads `idx` and the
        // temporary `i + 1` too.)
        self.proj.iter().flat_map(|proj| match proj {
            Proj::Index(operand) => operand.reads(),
            Proj::Field(_) => Vec::new(),
        })
    }
}

/// A constant: a literal or a path to a `const`, emitted as written.
#[derive(Clone)]
pub struct Const {
    pub tokens: TokenStream,
    pub ty: Ty,
}

#[derive(Clone)]
pub enum Operand {
    Var(Var),
    Const(Const),
    /// An element read in place.
    Place(Box<Place>),
}

impl Operand {
    /// The variable whose value this operand is (for a place: its aggregate).
    pub fn var(&self) -> Option<Var> {
        match self {
            Operand::Var(var) => Some(*var),
            Operand::Const(_) => None,
            Operand::Place(place) => Some(place.var),
        }
    }

    pub fn place(&self) -> Option<&Place> {
        match self {
            Operand::Place(place) => Some(place),
            _ => None,
        }
    }

    /// Every variable this operand reads: itself, or a place's aggregate and
    /// indices.
    pub fn reads(&self) -> Vec<Var> {
        let mut vars = Vec::new();
        self.push_reads(&mut vars);
        vars
    }

    /// `reads`, pushed onto `vars` (plain loops: every pass asks this of
    /// every statement, in an unoptimized build).
    fn push_reads(&self, vars: &mut Vec<Var>) {
        match self {
            Operand::Var(var) => vars.push(*var),
            Operand::Const(_) => {}
            Operand::Place(place) => {
                vars.push(place.var);
                // (`index_vars`, unrolled.)
                for proj in &place.proj {
                    if let Proj::Index(index) = proj {
                        index.push_reads(vars);
                    }
                }
            }
        }
    }
}

/// An argument of a call: a value, or a reference to (a part or a slice of)
/// an aggregate.
#[derive(Clone)]
pub enum Arg {
    Value(Operand),
    /// `borrowed`: written with `&`; without it the argument is a
    /// reference already (a slice or model parameter passed on).
    Ref {
        place: Place,
        range: Option<SliceRange>,
        mutable: bool,
        borrowed: bool,
    },
}

impl Arg {
    /// The variable whose value (or part) this argument passes.
    pub fn var(&self) -> Option<Var> {
        match self {
            Arg::Value(operand) => operand.var(),
            Arg::Ref { place, .. } => Some(place.var),
        }
    }
}

/// `[lo..hi]`, `[lo..]`, `[..hi]` of a slice argument.
#[derive(Clone)]
pub struct SliceRange {
    pub lo: Option<Operand>,
    pub hi: Option<Operand>,
    pub inclusive: bool,
}

/// Primitive operations. Every one has a rule in `rules.rs`; the float
/// library ops are named after the `f32`/`f64` methods they stand for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Neg,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Not,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    /// `x as f32` / `x as f64`.
    ToFloat(FloatTy),
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Powi,
    Powf,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Abs,
    Max,
    Min,
    Hypot,
    Recip,
    MulAdd,
    Clamp,
    ToDegrees,
    ToRadians,
    Signum,
    Floor,
    Ceil,
    Round,
    Trunc,
    Fract,
    RemEuclid,
    DivEuclid,
    Copysign,
}

/// How an op is written in Rust.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Spelling {
    /// `op a`: `-a`, `!a`.
    Prefix(&'static str),
    /// `a op b`: `a + b`, `a < b`, `a << b`.
    Infix(&'static str),
    /// A method of `f32`/`f64` by its Rust name (`x.exp()`), taking the
    /// receiver and `arity - 1` more arguments.
    Method(&'static str),
    /// `a as f32`, `a as f64`.
    Cast(FloatTy),
}

/// What the passes need to know of an op, in one place.
#[derive(Clone, Copy, Debug)]
pub struct OpFacts {
    /// The number of operands, receiver included.
    pub arity: usize,
    pub spelling: Spelling,
    /// Costs about what a push and a pop would: a loop body's value made by
    /// it is computed again in the reverse pass rather than saved.
    pub cheap: bool,
}

impl Op {
    /// The facts of every op: one exhaustive table, so an op without them
    /// does not compile.
    pub fn facts(self) -> OpFacts {
        use Op::*;
        use Spelling::{Cast, Infix, Method, Prefix};
        let (arity, spelling, cheap) = match self {
            Add => (2, Infix("+"), true),
            Sub => (2, Infix("-"), true),
            Mul => (2, Infix("*"), true),
            Div => (2, Infix("/"), true),
            Rem => (2, Infix("%"), true),
            Neg => (1, Prefix("-"), true),
            Eq => (2, Infix("=="), true),
            Ne => (2, Infix("!="), true),
            Lt => (2, Infix("<"), true),
            Le => (2, Infix("<="), true),
            Gt => (2, Infix(">"), true),
            Ge => (2, Infix(">="), true),
            Not => (1, Prefix("!"), true),
            BitAnd => (2, Infix("&"), true),
            BitOr => (2, Infix("|"), true),
            BitXor => (2, Infix("^"), true),
            Shl => (2, Infix("<<"), true),
            Shr => (2, Infix(">>"), true),
            ToFloat(float) => (1, Cast(float), true),
            Exp => (1, Method("exp"), false),
            Exp2 => (1, Method("exp2"), false),
            ExpM1 => (1, Method("exp_m1"), false),
            Ln => (1, Method("ln"), false),
            Ln1p => (1, Method("ln_1p"), false),
            Log => (2, Method("log"), false),
            Log2 => (1, Method("log2"), false),
            Log10 => (1, Method("log10"), false),
            Sqrt => (1, Method("sqrt"), false),
            Cbrt => (1, Method("cbrt"), false),
            Powi => (2, Method("powi"), false),
            Powf => (2, Method("powf"), false),
            Sin => (1, Method("sin"), false),
            Cos => (1, Method("cos"), false),
            Tan => (1, Method("tan"), false),
            Asin => (1, Method("asin"), false),
            Acos => (1, Method("acos"), false),
            Atan => (1, Method("atan"), false),
            Atan2 => (2, Method("atan2"), false),
            Sinh => (1, Method("sinh"), false),
            Cosh => (1, Method("cosh"), false),
            Tanh => (1, Method("tanh"), false),
            Asinh => (1, Method("asinh"), false),
            Acosh => (1, Method("acosh"), false),
            Atanh => (1, Method("atanh"), false),
            Abs => (1, Method("abs"), true),
            Max => (2, Method("max"), true),
            Min => (2, Method("min"), true),
            Hypot => (2, Method("hypot"), false),
            Recip => (1, Method("recip"), false),
            MulAdd => (3, Method("mul_add"), true),
            Clamp => (3, Method("clamp"), false),
            ToDegrees => (1, Method("to_degrees"), false),
            ToRadians => (1, Method("to_radians"), false),
            Signum => (1, Method("signum"), true),
            Floor => (1, Method("floor"), true),
            Ceil => (1, Method("ceil"), true),
            Round => (1, Method("round"), true),
            Trunc => (1, Method("trunc"), true),
            Fract => (1, Method("fract"), true),
            RemEuclid => (2, Method("rem_euclid"), true),
            DivEuclid => (2, Method("div_euclid"), true),
            Copysign => (2, Method("copysign"), true),
        };
        OpFacts { arity, spelling, cheap }
    }

    /// The number of operands, receiver included.
    pub fn arity(self) -> usize {
        self.facts().arity
    }

    /// The `f32`/`f64` method this op stands for, if it is one.
    pub fn method_name(self) -> Option<&'static str> {
        match self.facts().spelling {
            Spelling::Method(name) => Some(name),
            Spelling::Prefix(_) | Spelling::Infix(_) | Spelling::Cast(_) => None,
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

#[derive(Clone)]
pub enum Rhs {
    Use(Operand),
    Prim(Op, Vec<Operand>),
    /// A call of a function by path; differentiated through its companion's
    /// `vjp`.
    Call(syn::ExprPath, Vec<Arg>),
    /// `[a, b, c]`.
    ArrayLit(Vec<Operand>),
    /// `[v; N]`, with `N` as written.
    Repeat(Operand, TokenStream),
    /// `vec![v; n]`.
    VecRepeat(Operand, Operand),
    /// `*x`: a copy of a whole array behind a reference.
    Deref(Var),
    /// A method kept as written, with no derivative (`n.pow(2)`, `x.is_nan()`).
    Method(Operand, Ident, Vec<Operand>),
    /// A cast to a type that is not a float (`x as usize`): no derivative.
    Cast(Operand, Box<syn::Type>),
    /// An arm of a `match` or `if let`, no derivative: without a name,
    /// whether the value matches a pattern that binds nothing
    /// (`matches!(v, Shape::Square | Shape::Cube)`, a `bool`); with one, the
    /// value the pattern binds to that name, its only binding, on a value
    /// known to match (`Some(b)` → `b`).
    Matches(Operand, Box<syn::Pat>, Option<Ident>),
}

impl Rhs {
    /// The aggregate a call writes through its `&mut` argument
    /// (`helper(x, &mut out)`): lowering makes it the destination of the
    /// call's statement, so every pass sees the call overwrite it.
    pub fn written_in_place(&self) -> Option<Var> {
        self.outputs().first().copied()
    }

    /// Every aggregate a call writes through a `&mut` argument, in order
    /// (`step(x, &mut h, &mut c)` writes `h` and `c`).
    pub fn outputs(&self) -> Vec<Var> {
        let Rhs::Call(_, args) = self else { return Vec::new() };
        args.iter()
            .filter_map(|arg| match arg {
                Arg::Ref { place, mutable: true, .. } => Some(place.var),
                _ => None,
            })
            .collect()
    }

    /// The marker that a call of two or more outputs (`step(x, &mut h, &mut
    /// c)`) writes `output` (`c`, not the first), put just before the call
    /// statement (which writes the first): the call itself, with `output`
    /// its only `&mut` argument, so that every pass that sees one written
    /// variable per statement sees `c` written with what the call reads,
    /// and before the call, so that what it overwrites is kept before it
    /// does. It runs no code: the sweeps skip it (`is_output_marker`), and
    /// the call's reverse sweep gives the adjoints of both.
    pub fn output_marker(path: &syn::ExprPath, args: &[Arg], output: Var) -> Rhs {
        let mut path = path.clone();
        path.attrs.push(syn::parse_quote!(#[autodiff_output_marker]));
        let args = args
            .iter()
            .map(|arg| match arg {
                Arg::Ref { place, range, mutable: true, borrowed } if place.var != output => {
                    Arg::Ref { place: place.clone(), range: range.clone(), mutable: false, borrowed: *borrowed }
                }
                _ => arg.clone(),
            })
            .collect();
        Rhs::Call(path, args)
    }

    /// Whether this is a marker `output_marker` made, which runs no code.
    pub fn is_output_marker(&self) -> bool {
        matches!(self, Rhs::Call(path, _) if path.attrs.iter().any(|attr| attr.path().is_ident("autodiff_output_marker")))
    }

    /// The value operands, in order (a call's reference arguments are not
    /// among them; see `Rhs::Call`).
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Rhs::Use(operand) | Rhs::Cast(operand, _) | Rhs::Repeat(operand, _) | Rhs::Matches(operand, ..) => {
                vec![operand]
            }
            Rhs::Prim(_, args) | Rhs::ArrayLit(args) => args.iter().collect(),
            Rhs::Call(_, args) => args
                .iter()
                .filter_map(|arg| match arg {
                    Arg::Value(operand) => Some(operand),
                    Arg::Ref { .. } => None,
                })
                .collect(),
            Rhs::VecRepeat(value, len) => vec![value, len],
            Rhs::Deref(_) => Vec::new(),
            Rhs::Method(receiver, _, args) => std::iter::once(receiver).chain(args).collect(),
        }
    }

    /// Every variable the right-hand side reads.
    pub fn reads(&self) -> Vec<Var> {
        let mut vars = Vec::new();
        match self {
            Rhs::Use(operand) | Rhs::Cast(operand, _) | Rhs::Repeat(operand, _) | Rhs::Matches(operand, ..) => {
                operand.push_reads(&mut vars)
            }
            Rhs::Prim(_, args) | Rhs::ArrayLit(args) => args.iter().for_each(|arg| arg.push_reads(&mut vars)),
            Rhs::VecRepeat(value, len) => {
                value.push_reads(&mut vars);
                len.push_reads(&mut vars);
            }
            Rhs::Method(receiver, _, args) => {
                receiver.push_reads(&mut vars);
                args.iter().for_each(|arg| arg.push_reads(&mut vars));
            }
            Rhs::Call(..) | Rhs::Deref(_) => self.operands().into_iter().for_each(|arg| arg.push_reads(&mut vars)),
        }
        match self {
            Rhs::Deref(var) => vars.push(*var),
            Rhs::Call(_, args) => {
                for arg in args {
                    if let Arg::Ref { place, range, .. } = arg {
                        vars.push(place.var);
                        vars.extend(place.index_vars());
                        if let Some(range) = range {
                            // (A bound read from a table, `&x[idx[k]..]`, reads `k` too.)
                            range.lo.iter().chain(&range.hi).for_each(|bound| bound.push_reads(&mut vars));
                        }
                    }
                }
            }
            _ => {}
        }
        vars
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AssignKind {
    /// The variable held no value the program can still read (a `let`, an
    /// arm of an `if` expression).
    Init,
    /// The assignment replaces a value that may have been read before.
    Overwrite,
}

#[derive(Clone)]
pub enum Stmt {
    Assign { dst: Var, rhs: Rhs, kind: AssignKind, span: Span },
    Store { place: Place, value: Operand, span: Span },
    If { cond: Operand, then: Block, els: Block, span: Span },
    Loop(Loop),
}

#[derive(Clone)]
pub struct Loop {
    pub id: LoopId,
    pub header: Header,
    pub body: Block,
    /// Flags that end the loop after the current pass (`break`, `return`).
    pub exits: Vec<Var>,
    /// Counts the passes, for loops the reverse sweep cannot replay from
    /// their range alone (`loop`, `while`, early exits, `step_by`).
    pub trips: Option<Var>,
    /// The condition of a `while` loop that no other loop encloses: true at
    /// the start of every pass but the first (a false one ended the loop),
    /// so the reverse sweep sets it back to `true` after each pass instead
    /// of saving it.
    pub guard: Option<Var>,
    pub span: Span,
}

#[derive(Clone)]
pub enum Header {
    /// `for index in lo..hi` (`..=` when inclusive), optionally reversed or
    /// stepped, with the source order of those adaptors kept.
    Range { index: Var, lo: Operand, hi: Operand, inclusive: bool, adaptors: Vec<Adaptor> },
    /// `loop`.
    Forever,
}

#[derive(Clone)]
pub enum Adaptor {
    Rev,
    StepBy(Operand),
}

#[derive(Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A lowered function.
#[derive(Clone)]
pub struct Body {
    pub vars: Vec<VarInfo>,
    /// The parameters, in order.
    pub params: Vec<Var>,
    pub block: Block,
    /// The result variable; `None` for a function that returns `()`.
    pub ret: Option<Var>,
    /// Items declared inside the body (`const`, nested `fn`), kept as written.
    pub items: Vec<syn::Item>,
    /// Locals whose type is not written but whose named fields are read
    /// (`let cfg = make(k); cfg.rate`): structs.
    pub structs: Vec<Var>,
    /// The fields of models that hold no float (`m.n_in`, `m.layers[_].n`),
    /// as paths where an index stands for all (`constant_fields.rs`):
    /// constants.
    pub constant_fields: Vec<Place>,
    /// The `const` tables in capitals whose elements the body only passes by
    /// value to calls (`sq(x, DATA[i])`), taken for tables of floats
    /// (`constant_fields.rs`): their elements are floats, which rustc checks.
    pub float_tables: Vec<Var>,
}

/// Whether `info` is a table of constants whose element type the macro
/// cannot see: a `const` or `static` the body indexes (`W[i]`, declared
/// `_`), or a parameter `data: &[Sample]` (constant data: no float type is
/// in sight to differentiate).
pub fn is_table(info: &VarInfo) -> bool {
    match &info.declared {
        Some(syn::Type::Infer(_)) => true,
        Some(ty) => info.kind == VarKind::Param && is_table_type(ty),
        None => false,
    }
}

/// Whether a name that `pat` binds in a `match` on `scrutinee` is, in Rust,
/// a reference into it: the scrutinee is one (`match act { Act::Leaky(s)
/// => .. }` with `act: &Act`) and the pattern does not start with `&` (nor
/// do the cases of an or-pattern, which Rust binds alike). `#[grad]` holds a
/// copy of the value instead (`guards::copied_out`).
pub fn binds_through_a_reference(scrutinee: &VarInfo, pat: &syn::Pat) -> bool {
    fn is_reference_pattern(pat: &syn::Pat) -> bool {
        match pat {
            syn::Pat::Paren(paren) => is_reference_pattern(&paren.pat),
            syn::Pat::Or(or) => or.cases.first().is_some_and(is_reference_pattern),
            syn::Pat::Reference(_) => true,
            _ => false,
        }
    }
    scrutinee.by_ref && !is_reference_pattern(pat)
}

/// Whether `pattern` is an enum's variant with a payload: a tuple pattern
/// of a path of two segments or more (`Act::Leaky(a)`), or `Some`, `Ok`,
/// `Err`, which no float or array matches. (A braced pattern,
/// `nn::Lin { w, b }`, is as likely a struct of weights: not one.)
pub fn names_a_variant(pattern: &syn::Pat) -> bool {
    let path = match pattern {
        syn::Pat::Paren(paren) => return names_a_variant(&paren.pat),
        syn::Pat::Reference(reference) => return names_a_variant(&reference.pat),
        syn::Pat::Or(or) => return or.cases.iter().all(names_a_variant),
        syn::Pat::TupleStruct(tuple) => &tuple.path,
        _ => return false,
    };
    path.segments.len() > 1 || ["Some", "Ok", "Err"].iter().any(|name| path.is_ident(name))
}

/// `&[Sample]`, `&Vec<Sample>`: a parameter type whose elements the macro
/// cannot see.
pub fn is_table_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(reference)
        if reference.mutability.is_none() && crate::signature::opaque_elements(&reference.elem))
}

/// Whether two places name the same element the same way (`x[col]` and
/// `x[col]`; not `x[col]` and `x[row]`, which may be equal too).
pub fn same_place(a: &Place, b: &Place) -> bool {
    a.var == b.var
        && a.proj.len() == b.proj.len()
        && a.proj.iter().zip(&b.proj).all(|pair| match pair {
            (Proj::Index(Operand::Var(a)), Proj::Index(Operand::Var(b))) => a == b,
            (Proj::Index(Operand::Const(a)), Proj::Index(Operand::Const(b))) => {
                a.tokens.to_string() == b.tokens.to_string()
            }
            (Proj::Field(a), Proj::Field(b)) => a == b,
            _ => false,
        })
}

impl Body {
    pub fn var(&self, var: Var) -> &VarInfo {
        &self.vars[var.0]
    }

    pub fn ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(var) => self.var(*var).ty,
            Operand::Const(constant) => constant.ty,
            Operand::Place(place) => self.place_ty(place),
        }
    }

    /// Whether `place` is a field (or a part of one) of a struct the macro
    /// does not differentiate (`s.scale`, `self.ws[1]`, `&s.inner.v`: a
    /// parameter left out of `wrt(..)`, a `self` that is no model, a local
    /// constant struct), whose type it cannot see: passed to a `#[grad]`
    /// call, rustc checks what it is (`emit::gated_callee`).
    pub fn is_unseen_field(&self, place: &Place) -> bool {
        is_unseen_field(self.var(place.var), place)
    }

    /// Whether `place` reads a field of a model that holds no float
    /// (`m.n_in`, `m.sizes[i]`: `constant_fields.rs`).
    pub fn is_constant_field(&self, place: &Place) -> bool {
        self.constant_fields.iter().any(|field| crate::constant_fields::is_within(field, place))
    }

    /// An element of an aggregate is a float of the aggregate's element type
    /// once it is fully indexed; fewer indices leave an aggregate (a row).
    /// Model fields are taken as floats unless used otherwise; the elements
    /// of a `const` table (`is_table`) are what their use says.
    pub fn place_ty(&self, place: &Place) -> Ty {
        let info = self.var(place.var);
        let indices = place.proj.iter().filter(|proj| matches!(proj, Proj::Index(_))).count();
        if self.is_constant_field(place) {
            return Ty::Other;
        }
        match info.ty {
            Ty::Aggregate if is_table(info) && !place.proj.is_empty() && !self.float_tables.contains(&place.var) => {
                Ty::Unknown
            }
            Ty::Aggregate if place.proj.is_empty() => Ty::Aggregate,
            Ty::Aggregate if info.dims.is_some_and(|dims| indices < dims) => Ty::Aggregate,
            Ty::Aggregate => match info.elem {
                Some(float) => Ty::Float(float),
                None => Ty::AnyFloat,
            },
            ty => ty,
        }
    }
}

/// Whether `place` is an element of a table lent whole (`&data[i]`, a
/// `Sample` or, behind an alias, floats): constant data whose slots in a
/// callee are what the callee's parameter says (`guards::element_zero`).
pub fn is_table_element(info: &VarInfo, place: &Place) -> bool {
    is_table(info)
        && place.proj.len() == table_depth(info)
        && place.proj.iter().all(|proj| matches!(proj, Proj::Index(_)))
}

/// Whether `place` is a part of a table lent whole to a call: an element
/// (`is_table_element`) or a row (`&grid[i]` of `grid: &[[Sample; 2]]`;
/// any part of a `const` table, whose depth is not in sight), whose slots
/// in a callee are what its type calls for (`guards::element_zero`: a
/// struct's, which a table parameter has too, or a zero of its floats).
pub fn is_lent_table_part(info: &VarInfo, place: &Place) -> bool {
    let deep_enough = match &info.declared {
        Some(syn::Type::Infer(_)) => true,
        _ => place.proj.len() <= table_depth(info),
    };
    is_table(info)
        && !place.proj.is_empty()
        && deep_enough
        && place.proj.iter().all(|proj| matches!(proj, Proj::Index(_)))
}

/// Whether the slot of `place`, lent whole to a call (`range`: a part of
/// it), is `emit::table_slot`'s: a table's, or a part of a table
/// parameter's. (A part of a `const` table is a copy of floats, as any
/// array's part, since the macro cannot see that it holds structs.)
pub fn is_table_slot(info: &VarInfo, place: &Place, range: bool) -> bool {
    is_table(info) && place.proj.is_empty() && (!range || info.kind == VarKind::Param)
}

/// How many indices reach an element of a table: one for a `const` table
/// (whose type is not in sight), the nesting of a parameter's type
/// (`&[[Sample; 2]]`: two).
pub fn table_depth(info: &VarInfo) -> usize {
    let Some(syn::Type::Reference(reference)) = &info.declared else { return 1 };
    (1..).take_while(|&depth| crate::signature::element_type(&reference.elem, depth).is_some()).last().unwrap_or(1)
}

/// `Body::is_unseen_field`, `info` being the variable of `place`.
/// An element of a table (`data[i]`, `data[i].x`) is one too.
pub fn is_unseen_field(info: &VarInfo, place: &Place) -> bool {
    let field = matches!(info.ty, Ty::Other | Ty::Unknown)
        && matches!(info.kind, VarKind::Param | VarKind::Local)
        && matches!(place.proj.first(), Some(Proj::Field(_)));
    field || (is_table(info) && !place.proj.is_empty())
}

/// A statement of a body, by its position in a pre-order walk (the order of
/// `walk`: a statement, then its `then`, its `else`, or its loop body),
/// counted from 0. Passes that keep facts beside the IR (the reverse sweep's
/// saves) key them by it; any change to the statements renumbers them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct StmtId(pub usize);

impl StmtId {
    /// The first statement of a body.
    pub const FIRST: StmtId = StmtId(0);

    /// The id `count` statements further in the walk.
    pub fn after(self, count: usize) -> StmtId {
        StmtId(self.0 + count)
    }
}

impl Stmt {
    /// How many statements this one is, those of its nested blocks included.
    pub fn size(&self) -> usize {
        1 + match self {
            Stmt::If { then, els, .. } => then.size() + els.size(),
            Stmt::Loop(lp) => lp.body.size(),
            Stmt::Assign { .. } | Stmt::Store { .. } => 0,
        }
    }
}

impl Block {
    /// How many statements it holds, at any depth.
    pub fn size(&self) -> usize {
        self.stmts.iter().map(Stmt::size).sum()
    }

    /// Its statements with their ids, `first` being the id of the first one.
    pub fn numbered(&self, first: StmtId) -> Vec<(StmtId, &Stmt)> {
        let mut next = first;
        self.stmts
            .iter()
            .map(|stmt| {
                let id = next;
                next = next.after(stmt.size());
                (id, stmt)
            })
            .collect()
    }
}

/// The ids of the first statements of an `if`'s branches (`then`, `els`)
/// whose own id is `id`.
pub fn branch_ids(id: StmtId, then: &Block) -> (StmtId, StmtId) {
    (id.after(1), id.after(1 + then.size()))
}

/// Calls `visit` on every statement of a body with its id, in the order of `walk`.
pub fn walk_numbered<'a>(block: &'a Block, first: StmtId, visit: &mut dyn FnMut(StmtId, &'a Stmt)) {
    for (id, stmt) in block.numbered(first) {
        visit(id, stmt);
        match stmt {
            Stmt::If { then, els, .. } => {
                let (then_id, els_id) = branch_ids(id, then);
                walk_numbered(then, then_id, visit);
                walk_numbered(els, els_id, visit);
            }
            Stmt::Loop(lp) => walk_numbered(&lp.body, id.after(1), visit),
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// Calls `visit` on every statement, outermost first, with its nesting depth.
pub fn walk<'a>(block: &'a Block, depth: usize, visit: &mut dyn FnMut(&'a Stmt, usize)) {
    for stmt in &block.stmts {
        visit(stmt, depth);
        match stmt {
            Stmt::If { then, els, .. } => {
                walk(then, depth + 1, visit);
                walk(els, depth + 1, visit);
            }
            Stmt::Loop(lp) => walk(&lp.body, depth + 1, visit),
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// Every variable a block writes, at any depth (a counted loop writes its
/// index).
pub fn written_in(block: &Block) -> std::collections::BTreeSet<Var> {
    let mut written = std::collections::BTreeSet::new();
    walk_writes(block, &mut |var| {
        written.insert(var);
    });
    written
}

/// `written_in` as a flag per variable of a body of `count` variables
/// (a variable out of range is left out).
pub fn written_flags(block: &Block, count: usize) -> Vec<bool> {
    let mut written = vec![false; count];
    walk_writes(block, &mut |var| {
        if let Some(flag) = written.get_mut(var.0) {
            *flag = true;
        }
    });
    written
}

fn walk_writes(block: &Block, write: &mut dyn FnMut(Var)) {
    walk(block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, .. } => write(*dst),
        Stmt::Store { place, .. } => write(place.var),
        Stmt::Loop(lp) => {
            if let Header::Range { index, .. } = &lp.header {
                write(*index);
            }
        }
        Stmt::If { .. } => {}
    });
}

// ---- printing, for tests and for reading what lowering did ----

/// What a pass keeps beside the IR, for the printer to show at each
/// statement (the reverse sweep's saves and tapes, `reverse/saves.rs`).
pub trait Notes {
    /// The slot that keeps the value statement `id` overwrites (for a
    /// counted loop: its index, at each pass).
    fn saved_at(&self, id: StmtId) -> Option<Var>;
    /// The tape a call at `id` leaves, and the slot that keeps the previous one.
    fn tape_at(&self, id: StmtId) -> Option<(Var, Option<Var>)>;
    /// What the sweeps do with the loop at `id` beyond running it
    /// (`reverse/checkpoint.rs`).
    fn loop_note(&self, _id: StmtId, _body: &Body) -> Option<String> {
        None
    }
}

/// No notes: the IR alone.
impl Notes for () {
    fn saved_at(&self, _: StmtId) -> Option<Var> {
        None
    }

    fn tape_at(&self, _: StmtId) -> Option<(Var, Option<Var>)> {
        None
    }
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.annotated(&()).fmt(f)
    }
}

/// A body printed with a side table's notes.
pub struct Annotated<'a> {
    body: &'a Body,
    notes: &'a dyn Notes,
}

impl fmt::Display for Annotated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let body = self.body;
        let params: Vec<String> = body.params.iter().map(|&p| body.typed(p)).collect();
        let ret = body.ret.map(|ret| body.typed(ret)).unwrap_or_else(|| "()".to_owned());
        writeln!(f, "fn({}) -> {ret}", params.join(", "))?;
        body.fmt_block(f, self.notes, &body.block, StmtId::FIRST, 1)
    }
}

impl Body {
    /// The body printed with `notes` beside its statements.
    pub fn annotated<'a>(&'a self, notes: &'a dyn Notes) -> Annotated<'a> {
        Annotated { body: self, notes }
    }

    fn typed(&self, var: Var) -> String {
        let info = self.var(var);
        format!("{}: {}", info.ident, ty_name(info.ty))
    }

    pub(crate) fn operand_text(&self, operand: &Operand) -> String {
        match operand {
            Operand::Var(var) => self.var(*var).ident.to_string(),
            Operand::Const(constant) => constant.tokens.to_string(),
            Operand::Place(place) => self.place_text(place),
        }
    }

    fn place_text(&self, place: &Place) -> String {
        let mut text = self.var(place.var).ident.to_string();
        for proj in &place.proj {
            match proj {
                Proj::Index(index) => text += &format!("[{}]", self.operand_text(index)),
                Proj::Field(member) => text += &format!(".{}", quote::quote!(#member)),
            }
        }
        text
    }

    fn operands(&self, operands: &[Operand]) -> String {
        let names: Vec<String> = operands.iter().map(|o| self.operand_text(o)).collect();
        names.join(", ")
    }

    fn arg_text(&self, arg: &Arg) -> String {
        match arg {
            Arg::Value(operand) => self.operand_text(operand),
            Arg::Ref { place, range, mutable, .. } => {
                let range = range.as_ref().map(|range| {
                    let bound = |b: &Option<Operand>| b.as_ref().map(|o| self.operand_text(o)).unwrap_or_default();
                    let dots = if range.inclusive { "..=" } else { ".." };
                    format!("[{}{dots}{}]", bound(&range.lo), bound(&range.hi))
                });
                let mutability = if *mutable { "&mut " } else { "&" };
                format!("{mutability}{}{}", self.place_text(place), range.unwrap_or_default())
            }
        }
    }

    fn rhs_text(&self, rhs: &Rhs) -> String {
        match rhs {
            Rhs::Use(operand) => self.operand_text(operand),
            Rhs::Prim(op, args) => format!("{}({})", op_name(*op), self.operands(args)),
            Rhs::Call(path, args) => {
                let path = quote::quote!(#path).to_string().replace(' ', "");
                let args: Vec<String> = args.iter().map(|arg| self.arg_text(arg)).collect();
                format!("call {path}({})", args.join(", "))
            }
            Rhs::ArrayLit(items) => format!("[{}]", self.operands(items)),
            Rhs::Repeat(value, len) => format!("[{}; {len}]", self.operand_text(value)),
            Rhs::VecRepeat(value, len) => format!("vec[{}; {}]", self.operand_text(value), self.operand_text(len)),
            Rhs::Deref(var) => format!("*{}", self.var(*var).ident),
            Rhs::Method(receiver, name, args) => {
                format!("{}.{name}({})", self.operand_text(receiver), self.operands(args))
            }
            Rhs::Cast(operand, ty) => {
                let ty = quote::quote!(#ty).to_string();
                format!("{} as {ty}", self.operand_text(operand))
            }
            Rhs::Matches(operand, pat, None) => {
                let pat = quote::quote!(#pat).to_string();
                format!("matches({}, {pat})", self.operand_text(operand))
            }
            Rhs::Matches(operand, pat, Some(name)) => {
                let pat = quote::quote!(#pat).to_string();
                format!("bound({}, {pat} => {name})", self.operand_text(operand))
            }
        }
    }

    fn fmt_block(
        &self,
        f: &mut fmt::Formatter,
        notes: &dyn Notes,
        block: &Block,
        first: StmtId,
        depth: usize,
    ) -> fmt::Result {
        let indent = "    ".repeat(depth);
        for (id, stmt) in block.numbered(first) {
            match stmt {
                Stmt::Assign { dst, rhs, kind, .. } => {
                    let tape = notes.tape_at(id);
                    if let Some(save) = tape.and_then(|(_, save)| save) {
                        let tape = tape.map(|(tape, _)| self.var(tape).ident.to_string()).unwrap_or_default();
                        writeln!(f, "{indent}{} <- {tape}", self.var(save).ident)?;
                    }
                    if let Some(save) = notes.saved_at(id) {
                        writeln!(f, "{indent}{} <- {}", self.var(save).ident, self.var(*dst).ident)?;
                    }
                    let arrow = match kind {
                        AssignKind::Init => "=",
                        AssignKind::Overwrite => ":=",
                    };
                    let tape = tape.map(|(tape, _)| format!(" (tape {})", self.var(tape).ident)).unwrap_or_default();
                    writeln!(f, "{indent}{} {arrow} {}{tape}", self.typed(*dst), self.rhs_text(rhs))?;
                }
                Stmt::Store { place, value, .. } => {
                    if let Some(save) = notes.saved_at(id) {
                        writeln!(f, "{indent}{} <- {}", self.var(save).ident, self.place_text(place))?;
                    }
                    writeln!(f, "{indent}{} := {}", self.place_text(place), self.operand_text(value))?;
                }
                Stmt::If { cond, then, els, .. } => {
                    let (then_id, els_id) = branch_ids(id, then);
                    writeln!(f, "{indent}if {} {{", self.operand_text(cond))?;
                    self.fmt_block(f, notes, then, then_id, depth + 1)?;
                    if !els.stmts.is_empty() {
                        writeln!(f, "{indent}}} else {{")?;
                        self.fmt_block(f, notes, els, els_id, depth + 1)?;
                    }
                    writeln!(f, "{indent}}}")?;
                }
                Stmt::Loop(lp) => {
                    let header = match &lp.header {
                        Header::Range { index, lo, hi, inclusive, adaptors } => {
                            let dots = if *inclusive { "..=" } else { ".." };
                            let mut text = format!(
                                "for {} in {}{dots}{}",
                                self.var(*index).ident,
                                self.operand_text(lo),
                                self.operand_text(hi)
                            );
                            for adaptor in adaptors {
                                match adaptor {
                                    Adaptor::Rev => text += " rev",
                                    Adaptor::StepBy(step) => text += &format!(" step_by {}", self.operand_text(step)),
                                }
                            }
                            if let Some(save) = notes.saved_at(id) {
                                text += &format!(" (index <- {})", self.var(save).ident);
                            }
                            text
                        }
                        Header::Forever => "loop".to_owned(),
                    };
                    let exits: Vec<String> = lp.exits.iter().map(|v| self.var(*v).ident.to_string()).collect();
                    let exits = if exits.is_empty() { String::new() } else { format!(" until {}", exits.join(" | ")) };
                    let trips = lp.trips.map(|t| format!(" counting {}", self.var(t).ident)).unwrap_or_default();
                    let note = notes.loop_note(id, self).map(|note| format!(" ({note})")).unwrap_or_default();
                    writeln!(f, "{indent}{header}{exits}{trips}{note} {{")?;
                    self.fmt_block(f, notes, &lp.body, id.after(1), depth + 1)?;
                    writeln!(f, "{indent}}}")?;
                }
            }
        }
        Ok(())
    }
}

fn ty_name(ty: Ty) -> &'static str {
    match ty {
        Ty::AnyFloat => "float",
        Ty::Float(FloatTy::F32) => "f32",
        Ty::Float(FloatTy::F64) => "f64",
        Ty::Bool => "bool",
        Ty::Other => "other",
        Ty::Unknown => "?",
        Ty::Aggregate => "floats",
    }
}

fn op_name(op: Op) -> String {
    match op.facts().spelling {
        Spelling::Cast(FloatTy::F32) => "to_f32".to_owned(),
        Spelling::Cast(FloatTy::F64) => "to_f64".to_owned(),
        Spelling::Method(name) => name.to_owned(),
        Spelling::Prefix(_) | Spelling::Infix(_) => format!("{op:?}").to_lowercase(),
    }
}
