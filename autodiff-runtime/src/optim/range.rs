//! The valid ranges of optimizer hyperparameters, checked where they are
//! set (a panic, as std does for an invalid argument) and again at each
//! update (an error, for a value written to a public field).

use super::OptimizerError;

/// Where a hyperparameter must lie.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Range {
    /// Finite and `≥ 0`: a learning rate, a weight decay.
    NonNegative,
    /// Finite and `> 0`: Adam's `ε`, which keeps a zero gradient's step from
    /// being `0 / 0`.
    Positive,
    /// `0 ≤ x < 1`: a momentum or a moment decay. At 1 a momentum never
    /// forgets and Adam's bias correction divides by zero.
    Decay,
}

impl Range {
    fn contains(self, value: f64) -> bool {
        match self {
            Self::NonNegative => value.is_finite() && value >= 0.0,
            Self::Positive => value.is_finite() && value > 0.0,
            Self::Decay => (0.0..1.0).contains(&value),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::NonNegative => "finite and >= 0",
            Self::Positive => "finite and > 0",
            Self::Decay => "in [0, 1)",
        }
    }
}

/// `Ok` if `value` lies in `range`, else the error naming the parameter.
pub(crate) fn check(name: &'static str, value: f64, range: Range) -> Result<(), OptimizerError> {
    if range.contains(value) {
        Ok(())
    } else {
        Err(OptimizerError::InvalidHyperparameter { name, value, valid: range.describe() })
    }
}

/// `value`, or a panic naming the parameter and its valid range.
#[track_caller]
pub(crate) fn checked(name: &'static str, value: f64, range: Range) -> f64 {
    if let Err(error) = check(name, value, range) {
        panic!("{error}");
    }
    value
}
