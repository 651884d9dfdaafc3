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
//! - `If { cond, then, els }` where `cond` is a variable that is assigned
//!   exactly once, before the `if`, and never again (so the reverse sweep can
//!   branch on it after the forward sweep has finished).
//!
//! Variables are storage locations, not SSA values: `Assign` with
//! `kind: Overwrite` replaces a value that the program may still hold.
//! `return` is gone: it became an assignment to the result variable plus a
//! `done` flag that guards the statements after it.

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
}

impl Ty {
    pub fn is_float(self) -> bool {
        matches!(self, Ty::AnyFloat | Ty::Float(_))
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
    /// A value kept for the reverse sweep.
    Saved,
}

pub struct VarInfo {
    /// The name emitted for this variable, unique in the generated function.
    pub ident: Ident,
    pub ty: Ty,
    /// The type the user wrote, if any (for declarations of non-float values).
    pub declared: Option<syn::Type>,
    pub kind: VarKind,
    /// Whether the user's pattern said `mut` (parameters keep it).
    pub mutable: bool,
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
}

impl Operand {
    pub fn var(&self) -> Option<Var> {
        match self {
            Operand::Var(var) => Some(*var),
            Operand::Const(_) => None,
        }
    }
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
}

impl Op {
    /// The number of operands, receiver included.
    pub fn arity(self) -> usize {
        match self {
            Op::Neg | Op::Not | Op::ToFloat(_) => 1,
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem => 2,
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => 2,
            Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr => 2,
            Op::Log | Op::Powi | Op::Powf | Op::Atan2 | Op::Max | Op::Min | Op::Hypot => 2,
            Op::MulAdd | Op::Clamp => 3,
            _ => 1,
        }
    }

    /// The infix or prefix operator this op is written with, if any.
    pub fn operator(self) -> Option<&'static str> {
        Some(match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Rem => "%",
            Op::Neg => "-",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Not => "!",
            Op::BitAnd => "&",
            Op::BitOr => "|",
            Op::BitXor => "^",
            Op::Shl => "<<",
            Op::Shr => ">>",
            _ => return None,
        })
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

#[derive(Clone)]
pub enum Rhs {
    Use(Operand),
    Prim(Op, Vec<Operand>),
    /// A call of a function by path; differentiated through its `_vjp`.
    Call(syn::ExprPath, Vec<Operand>),
    /// A method kept as written, with no derivative (`n.pow(2)`, `x.is_nan()`).
    Method(Operand, Ident, Vec<Operand>),
    /// A cast to a type that is not a float (`x as usize`): no derivative.
    Cast(Operand, Box<syn::Type>),
}

impl Rhs {
    pub fn operands(&self) -> Vec<&Operand> {
        match self {
            Rhs::Use(operand) | Rhs::Cast(operand, _) => vec![operand],
            Rhs::Prim(_, args) | Rhs::Call(_, args) => args.iter().collect(),
            Rhs::Method(receiver, _, args) => std::iter::once(receiver).chain(args).collect(),
        }
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
    Assign {
        dst: Var,
        rhs: Rhs,
        kind: AssignKind,
        /// Where the forward sweep keeps the value this assignment destroys,
        /// for the reverse sweep to put back: set by `activity` when the
        /// reverse sweep needs that value.
        save: Option<Var>,
        span: Span,
    },
    If {
        cond: Operand,
        then: Block,
        els: Block,
        span: Span,
    },
}

#[derive(Clone, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
}

/// A lowered function.
pub struct Body {
    pub vars: Vec<VarInfo>,
    /// The parameters that are plain bindings, in order.
    pub params: Vec<Var>,
    pub block: Block,
    pub ret: Var,
    /// Items declared inside the body (`const`, nested `fn`), kept as written.
    pub items: Vec<syn::Item>,
}

impl Body {
    pub fn var(&self, var: Var) -> &VarInfo {
        &self.vars[var.0]
    }

    pub fn ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(var) => self.var(*var).ty,
            Operand::Const(constant) => constant.ty,
        }
    }
}

/// Calls `visit` on every statement, outermost first, with its nesting depth.
pub fn walk<'a>(block: &'a Block, depth: usize, visit: &mut dyn FnMut(&'a Stmt, usize)) {
    for stmt in &block.stmts {
        visit(stmt, depth);
        if let Stmt::If { then, els, .. } = stmt {
            walk(then, depth + 1, visit);
            walk(els, depth + 1, visit);
        }
    }
}

// ---- printing, for tests and for reading what lowering did ----

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let params: Vec<String> = self.params.iter().map(|&p| self.typed(p)).collect();
        writeln!(f, "fn({}) -> {}", params.join(", "), self.typed(self.ret))?;
        self.fmt_block(f, &self.block, 1)
    }
}

impl Body {
    fn typed(&self, var: Var) -> String {
        let info = self.var(var);
        format!("{}: {}", info.ident, ty_name(info.ty))
    }

    fn operand(&self, operand: &Operand) -> String {
        match operand {
            Operand::Var(var) => self.var(*var).ident.to_string(),
            Operand::Const(constant) => constant.tokens.to_string(),
        }
    }

    fn operands(&self, operands: &[Operand]) -> String {
        let names: Vec<String> = operands.iter().map(|o| self.operand(o)).collect();
        names.join(", ")
    }

    fn fmt_block(&self, f: &mut fmt::Formatter, block: &Block, depth: usize) -> fmt::Result {
        let indent = "    ".repeat(depth);
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { dst, rhs, kind, save, .. } => {
                    if let Some(save) = save {
                        writeln!(f, "{indent}{} = {}", self.var(*save).ident, self.var(*dst).ident)?;
                    }
                    let rhs = match rhs {
                        Rhs::Use(operand) => self.operand(operand),
                        Rhs::Prim(op, args) => format!("{}({})", op_name(*op), self.operands(args)),
                        Rhs::Call(path, args) => {
                            let path = quote::quote!(#path).to_string().replace(' ', "");
                            format!("call {path}({})", self.operands(args))
                        }
                        Rhs::Method(receiver, name, args) => {
                            format!("{}.{name}({})", self.operand(receiver), self.operands(args))
                        }
                        Rhs::Cast(operand, ty) => {
                            let ty = quote::quote!(#ty).to_string();
                            format!("{} as {ty}", self.operand(operand))
                        }
                    };
                    let arrow = match kind {
                        AssignKind::Init => "=",
                        AssignKind::Overwrite => ":=",
                    };
                    writeln!(f, "{indent}{} {arrow} {rhs}", self.typed(*dst))?;
                }
                Stmt::If { cond, then, els, .. } => {
                    writeln!(f, "{indent}if {} {{", self.operand(cond))?;
                    self.fmt_block(f, then, depth + 1)?;
                    if !els.stmts.is_empty() {
                        writeln!(f, "{indent}}} else {{")?;
                        self.fmt_block(f, els, depth + 1)?;
                    }
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
    }
}

fn op_name(op: Op) -> String {
    match op {
        Op::ToFloat(FloatTy::F32) => "to_f32".to_owned(),
        Op::ToFloat(FloatTy::F64) => "to_f64".to_owned(),
        _ => match crate::symbol::method_name(op) {
            Some(name) => name.to_owned(),
            None => format!("{op:?}").to_lowercase(),
        },
    }
}
