//! Per-scalar optimizer state, bound to the parameters it is used with.

use super::OptimizerError;

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
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Moment {
    /// The first moment `m`.
    m: f64,
    /// The second moment `v`.
    v: f64,
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

    /// Forgets the moments, the step count and the binding.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// AdamW's decay `w ← shrink·w` (`shrink = 1` for Adam), then Adam's
    /// update of one chunk:
    /// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
    /// `w ← w − α·m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
    /// Fails, changing nothing, where the chunk is outside the state.
    pub(crate) fn update(
        &mut self,
        offset: usize,
        params: &mut [f64],
        grads: &[f64],
        h: Hyper,
    ) -> Result<(), OptimizerError> {
        let moments = self.moments.chunk(offset, params.len())?;
        // An `update` without `begin_step` counts as the first step, not as
        // step 0 (whose bias correction would divide by zero).
        let t = i32::try_from(self.t.max(1)).unwrap_or(i32::MAX);
        let bias1 = 1.0 - h.beta1.powi(t);
        let bias2 = 1.0 - h.beta2.powi(t);
        for ((w, &g), s) in params.iter_mut().zip(grads).zip(moments) {
            s.m = h.beta1 * s.m + (1.0 - h.beta1) * g;
            s.v = h.beta2 * s.v + (1.0 - h.beta2) * g * g;
            let m_hat = s.m / bias1;
            let v_hat = s.v / bias2;
            *w = *w * h.shrink - h.learning_rate * m_hat / (v_hat.sqrt() + h.epsilon);
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
