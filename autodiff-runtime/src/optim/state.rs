//! Per-scalar optimizer state, bound to the parameters it is used with.

use super::range::{check, Range};
use super::{descend, OptimizerError};

/// State per scalar parameter (a velocity, moment estimates), zero at
/// first, bound to a number of scalars.
///
/// A whole step whose size is known ([`bind`](Self::bind), from `step` and
/// `step_params`) binds the state to that size on first use and checks it
/// afterwards. Updates of chunks by offset grow an unbound state to cover
/// them, so a model's slices can arrive in any order; the next step
/// ([`freeze`](Self::freeze), from `begin_step`) binds it to the size its
/// first step reached. Once bound, a step of another size, or an update
/// beyond it, is an [`OptimizerError::StateMismatch`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PerScalar<S> {
    values: Vec<S>,
    bound: Option<usize>,
}

impl<S> Default for PerScalar<S> {
    fn default() -> Self {
        Self { values: Vec::new(), bound: None }
    }
}

impl<S: Copy + Default> PerScalar<S> {
    /// Checks that a step over `scalars` parameters in all fits the state,
    /// binding (and allocating) it on first use.
    pub(crate) fn bind(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        self.freeze();
        match self.bound {
            Some(state) if state != scalars => Err(OptimizerError::StateMismatch { state, needed: scalars }),
            Some(_) => Ok(()),
            None => {
                self.grow_to(scalars)?;
                self.bound = Some(scalars);
                Ok(())
            }
        }
    }

    /// Binds a state that updates by offset have sized to that size.
    pub(crate) fn freeze(&mut self) {
        if self.bound.is_none() && !self.values.is_empty() {
            self.bound = Some(self.values.len());
        }
    }

    /// The state of scalars `offset..offset + len`.
    pub(crate) fn chunk(&mut self, offset: usize, len: usize) -> Result<&mut [S], OptimizerError> {
        let end = offset.checked_add(len).ok_or(OptimizerError::OffsetOverflow { offset, len })?;
        match self.bound {
            Some(state) if end > state => return Err(OptimizerError::StateMismatch { state, needed: end }),
            Some(_) => {}
            None => self.grow_to(end)?,
        }
        Ok(&mut self.values[offset..end])
    }

    /// The values from scalar `offset` on, zero past those stored: what
    /// the next step's [`chunk`](Self::chunk) would start from.
    pub(crate) fn peek(&self, offset: usize) -> impl Iterator<Item = S> + '_ {
        let stored = self.values.get(offset..).unwrap_or_default();
        stored.iter().copied().chain(std::iter::repeat(S::default()))
    }

    /// Forgets every value and the binding, as if no step had been taken.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    fn grow_to(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        if let Some(more) = scalars.checked_sub(self.values.len()) {
            self.values.try_reserve_exact(more).map_err(|_| OptimizerError::StateAllocation { scalars })?;
            self.values.resize(scalars, S::default());
        }
        Ok(())
    }
}

/// Adam's two moment estimates of one scalar.
///
/// The second moment is kept as its square root `r = √v`, the gradient's
/// running root mean square: `g²` overflows for `|g| > 1.3e154`, `r` stays
/// within the gradients' range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Moment {
    /// The first moment `m`.
    m: f64,
    /// The root `r = √v` of the second moment.
    r: f64,
}

/// The scale of the slow path of [`Step::ratio`]: `2⁻⁶⁴`, exact, and small
/// enough that a value up to `f64::MAX` divided by a bias correction
/// (`≥ 2⁻⁵³`) stays finite.
const SCALE: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// Adam's constants of one step `t`.
#[derive(Clone, Copy)]
struct Step {
    h: Hyper,
    /// `√β₂` and `√(1 − β₂)`, the factors of `r`'s update.
    root_beta2: f64,
    root_one_minus_beta2: f64,
    /// The bias corrections `1 − β₁ᵗ` and `√(1 − β₂ᵗ)`.
    bias1: f64,
    root_bias2: f64,
}

impl Step {
    /// The constants of step `t`. An `update` without `begin_step` (`t = 0`)
    /// counts as the first step, not as step 0, whose bias correction would
    /// divide by zero.
    fn new(h: Hyper, t: u64) -> Self {
        let t = i32::try_from(t.max(1)).unwrap_or(i32::MAX);
        Self {
            h,
            root_beta2: h.beta2.sqrt(),
            root_one_minus_beta2: (1.0 - h.beta2).sqrt(),
            bias1: 1.0 - h.beta1.powi(t),
            root_bias2: (1.0 - h.beta2.powi(t)).sqrt(),
        }
    }

    /// The new parameter and moments of one scalar; the parameter is
    /// infinite where its true value exceeds `f64::MAX`.
    fn apply(self, w: f64, g: f64, s: Moment) -> (f64, Moment) {
        let (beta1, h) = (self.h.beta1, self.h);
        // A convex combination lies between its ends; the clamp keeps a
        // rounding near f64::MAX from making it infinite.
        let m = (beta1 * s.m + (1.0 - beta1) * g).clamp(s.m.min(g), s.m.max(g));
        let r = root_sum_of_squares(self.root_beta2 * s.r, self.root_one_minus_beta2 * g.abs());
        let w = descend(w * h.shrink, h.learning_rate, self.ratio(m, r));
        (w, Moment { m, r })
    }

    /// Refuses, with the index of the first, an update whose new parameter
    /// would overflow (the moments cannot).
    fn refuse_overflow(
        self,
        offset: usize,
        params: &[f64],
        grads: &[f64],
        moments: impl Iterator<Item = Moment>,
    ) -> Result<(), OptimizerError> {
        let overflows = |((&w, &g), s)| !self.apply(w, g, s).0.is_finite();
        match params.iter().zip(grads).zip(moments).position(overflows) {
            Some(i) => Err(OptimizerError::StepOverflow { index: offset + i }),
            None => Ok(()),
        }
    }

    /// `m̂ / (√v̂ + ε)`, with `m̂ = m / (1 − β₁ᵗ)` and `√v̂ = r / √(1 − β₂ᵗ)`:
    /// a ratio of moderate size, computed on scaled values where `m̂` or
    /// the denominator would overflow.
    fn ratio(self, m: f64, r: f64) -> f64 {
        let (m_hat, denominator) = (m / self.bias1, r / self.root_bias2 + self.h.epsilon);
        if m_hat.is_finite() && denominator.is_finite() {
            return m_hat / denominator;
        }
        (m * SCALE / self.bias1) / (r * SCALE / self.root_bias2 + self.h.epsilon * SCALE)
    }
}

/// `√(a² + b²)` for `a, b ≥ 0`, without overflow or underflow of the
/// squares (the plain formula where they are safe, being faster).
fn root_sum_of_squares(a: f64, b: f64) -> f64 {
    let larger = a.max(b);
    if larger == 0.0 || (1e-150..1e150).contains(&larger) {
        (a * a + b * b).sqrt()
    } else {
        a.hypot(b)
    }
}

/// Adam's moment estimates and step count, shared by `Adam` and `AdamW`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Moments {
    /// `m` and `v` per scalar.
    moments: PerScalar<Moment>,
    /// Steps begun so far, `t`.
    t: u64,
}

impl Moments {
    /// Steps begun so far.
    pub(crate) fn steps(&self) -> u64 {
        self.t
    }

    /// Counts one more step (saturating: past 2⁶⁴ steps the bias
    /// correction is 1 anyway).
    pub(crate) fn begin_step(&mut self) {
        self.moments.freeze();
        self.t = self.t.saturating_add(1);
    }

    /// See [`PerScalar::bind`].
    pub(crate) fn bind(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        self.moments.bind(scalars)
    }

    /// The checks of [`update`](Self::update) for the next step, `t + 1`,
    /// changing nothing.
    pub(crate) fn check_next_update(
        &self,
        offset: usize,
        params: &[f64],
        grads: &[f64],
        h: Hyper,
    ) -> Result<(), OptimizerError> {
        h.check()?;
        Step::new(h, self.t.saturating_add(1)).refuse_overflow(offset, params, grads, self.moments.peek(offset))
    }

    /// Forgets the moments, the step count and the binding.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// AdamW's decay `w ← shrink·w` (`shrink = 1` for Adam), then Adam's
    /// update of one chunk:
    /// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
    /// `w ← w − α·m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
    /// Fails, changing nothing, where the chunk is outside the state, a
    /// hyperparameter is out of range or a new parameter would overflow.
    pub(crate) fn update(
        &mut self,
        offset: usize,
        params: &mut [f64],
        grads: &[f64],
        h: Hyper,
    ) -> Result<(), OptimizerError> {
        h.check()?;
        let step = Step::new(h, self.t);
        let moments = self.moments.chunk(offset, params.len())?;
        step.refuse_overflow(offset, params, grads, moments.iter().copied())?;
        for ((w, &g), s) in params.iter_mut().zip(grads).zip(moments) {
            (*w, *s) = step.apply(*w, g, *s);
        }
        Ok(())
    }
}

/// Adam's hyperparameters for one update.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hyper {
    pub(crate) learning_rate: f64,
    pub(crate) beta1: f64,
    pub(crate) beta2: f64,
    pub(crate) epsilon: f64,
    /// AdamW's decay factor `1 − α·λ`; 1 for Adam.
    pub(crate) shrink: f64,
}

impl Hyper {
    /// The ranges of Adam's hyperparameters, for values written to public
    /// fields (the builders panic on them).
    fn check(self) -> Result<(), OptimizerError> {
        check("learning_rate", self.learning_rate, Range::NonNegative)?;
        check("beta1", self.beta1, Range::Decay)?;
        check("beta2", self.beta2, Range::Decay)?;
        check("epsilon", self.epsilon, Range::Positive)
    }
}
