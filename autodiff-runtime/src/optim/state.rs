//! Per-scalar optimizer state, sized on first use.

/// One `f64` of state per scalar parameter (a velocity, a moment estimate),
/// grown with zeros to cover whatever chunk an update touches, so an
/// optimizer needs no size up front and a model's slices can arrive in any
/// order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PerScalar(Vec<f64>);

impl PerScalar {
    /// The state of scalars `offset..offset + len`, zero where never used.
    pub(crate) fn chunk(&mut self, offset: usize, len: usize) -> &mut [f64] {
        let end = offset + len;
        if self.0.len() < end {
            self.0.resize(end, 0.0);
        }
        &mut self.0[offset..end]
    }

    /// Forgets every value, as if no step had been taken.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// Adam's moment estimates and step count, shared by `Adam` and `AdamW`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Moments {
    /// First moments `m`, per scalar.
    m: PerScalar,
    /// Second moments `v`, per scalar.
    v: PerScalar,
    /// Steps begun so far, `t`.
    t: u64,
}

impl Moments {
    /// Steps begun so far.
    pub(crate) fn steps(&self) -> u64 {
        self.t
    }

    /// Counts one more step.
    pub(crate) fn begin_step(&mut self) {
        self.t += 1;
    }

    /// Forgets the moments and the step count.
    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// Adam's update of one chunk:
    /// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
    /// `w ← w − α·m̂ / (√v̂ + ε)` with `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`.
    pub(crate) fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64], h: Hyper) {
        // An `update` without `begin_step` counts as the first step, not as
        // step 0 (whose bias correction would divide by zero).
        let t = i32::try_from(self.t.max(1)).unwrap_or(i32::MAX);
        let bias1 = 1.0 - h.beta1.powi(t);
        let bias2 = 1.0 - h.beta2.powi(t);
        let m = self.m.chunk(offset, params.len());
        let v = self.v.chunk(offset, params.len());
        for (((w, &g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
            *m = h.beta1 * *m + (1.0 - h.beta1) * g;
            *v = h.beta2 * *v + (1.0 - h.beta2) * g * g;
            let m_hat = *m / bias1;
            let v_hat = *v / bias2;
            *w -= h.learning_rate * m_hat / (v_hat.sqrt() + h.epsilon);
        }
    }
}

/// Adam's hyperparameters for one update.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hyper {
    pub(crate) learning_rate: f64,
    pub(crate) beta1: f64,
    pub(crate) beta2: f64,
    pub(crate) epsilon: f64,
}
