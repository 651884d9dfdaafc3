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
pub const JVP: Symbol = Symbol("jvp");
pub const GRAPH: Symbol = Symbol("graph");

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

/// Methods of `f32`/`f64` with a derivative rule, in the order error
/// messages list them; their names are in `Op::facts`.
const FLOAT_METHODS: &[Op] = &[
    Op::Exp,
    Op::Exp2,
    Op::ExpM1,
    Op::Ln,
    Op::Ln1p,
    Op::Log,
    Op::Log2,
    Op::Log10,
    Op::Sqrt,
    Op::Cbrt,
    Op::Powi,
    Op::Powf,
    Op::Sin,
    Op::Cos,
    Op::Tan,
    Op::Asin,
    Op::Acos,
    Op::Atan,
    Op::Atan2,
    Op::Sinh,
    Op::Cosh,
    Op::Tanh,
    Op::Asinh,
    Op::Acosh,
    Op::Atanh,
    Op::Abs,
    Op::Max,
    Op::Min,
    Op::Hypot,
    Op::Recip,
    Op::MulAdd,
    Op::Clamp,
    Op::ToDegrees,
    Op::ToRadians,
    Op::Signum,
    Op::Floor,
    Op::Ceil,
    Op::Round,
    Op::Trunc,
    Op::Fract,
    Op::RemEuclid,
    Op::DivEuclid,
    Op::Copysign,
];

/// Float methods that answer a question about the value; they are kept as
/// written and carry no derivative.
const FLOAT_PREDICATES: &[&str] =
    &["is_nan", "is_finite", "is_infinite", "is_normal", "is_sign_positive", "is_sign_negative"];

pub fn float_method(name: &Ident) -> Option<Op> {
    FLOAT_METHODS.iter().copied().find(|op| op.method_name().is_some_and(|word| name == word))
}

pub fn is_float_predicate(name: &Ident) -> bool {
    FLOAT_PREDICATES.iter().any(|word| name == word)
}

/// The supported methods, for error messages.
pub fn supported_methods() -> String {
    let names: Vec<&str> = FLOAT_METHODS.iter().filter_map(|op| op.method_name()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_method_is_a_method_of_its_arity() {
        for &op in FLOAT_METHODS {
            let name = op.method_name().expect("a float method");
            assert_eq!(float_method(&Ident::new(name, proc_macro2::Span::call_site())), Some(op));
            assert!(op.arity() >= 1);
        }
    }
}
