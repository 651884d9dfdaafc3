//! The vocabulary the macro recognizes: attribute keys and the float library.

use std::fmt;

use syn::Ident;

use crate::ir::Op;

/// A word compared against identifiers (serde_derive's `Symbol`).
#[derive(Copy, Clone)]
pub struct Symbol(&'static str);

pub const REVERSE: Symbol = Symbol("reverse");
pub const FORWARD: Symbol = Symbol("forward");
pub const HESSIAN: Symbol = Symbol("hessian");
pub const WRT: Symbol = Symbol("wrt");
pub const VJP: Symbol = Symbol("vjp");

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}

/// Methods of `f32`/`f64` with a derivative rule, by the name Rust gives them.
/// Each takes the receiver and `Op::arity() - 1` more arguments.
const FLOAT_METHODS: &[(&str, Op)] = &[
    ("exp", Op::Exp),
    ("exp2", Op::Exp2),
    ("exp_m1", Op::ExpM1),
    ("ln", Op::Ln),
    ("ln_1p", Op::Ln1p),
    ("log", Op::Log),
    ("log2", Op::Log2),
    ("log10", Op::Log10),
    ("sqrt", Op::Sqrt),
    ("cbrt", Op::Cbrt),
    ("powi", Op::Powi),
    ("powf", Op::Powf),
    ("sin", Op::Sin),
    ("cos", Op::Cos),
    ("tan", Op::Tan),
    ("asin", Op::Asin),
    ("acos", Op::Acos),
    ("atan", Op::Atan),
    ("atan2", Op::Atan2),
    ("sinh", Op::Sinh),
    ("cosh", Op::Cosh),
    ("tanh", Op::Tanh),
    ("asinh", Op::Asinh),
    ("acosh", Op::Acosh),
    ("atanh", Op::Atanh),
    ("abs", Op::Abs),
    ("max", Op::Max),
    ("min", Op::Min),
    ("hypot", Op::Hypot),
    ("recip", Op::Recip),
    ("mul_add", Op::MulAdd),
    ("clamp", Op::Clamp),
    ("to_degrees", Op::ToDegrees),
    ("to_radians", Op::ToRadians),
    ("signum", Op::Signum),
    ("floor", Op::Floor),
    ("ceil", Op::Ceil),
    ("round", Op::Round),
    ("trunc", Op::Trunc),
    ("fract", Op::Fract),
];

/// Float methods that answer a question about the value; they are kept as
/// written and carry no derivative.
const FLOAT_PREDICATES: &[&str] =
    &["is_nan", "is_finite", "is_infinite", "is_normal", "is_sign_positive", "is_sign_negative"];

pub fn float_method(name: &Ident) -> Option<Op> {
    FLOAT_METHODS.iter().find(|(word, _)| name == word).map(|&(_, op)| op)
}

pub fn is_float_predicate(name: &Ident) -> bool {
    FLOAT_PREDICATES.iter().any(|word| name == word)
}

/// The method name of a float-library op (for printing and emission).
pub fn method_name(op: Op) -> Option<&'static str> {
    FLOAT_METHODS.iter().find(|&&(_, o)| o == op).map(|&(word, _)| word)
}

/// The supported methods, for error messages.
pub fn supported_methods() -> String {
    let names: Vec<&str> = FLOAT_METHODS.iter().map(|&(word, _)| word).collect();
    names.join(", ")
}
