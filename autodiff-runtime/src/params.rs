//! Model structs as collections of parameters: the [`Params`] trait.
//!
//! A model is a struct of `f64` parameters: scalars, arrays, matrices,
//! vectors, nested layers. [`Params`] lets generic code see every parameter
//! of such a struct as a sequence of contiguous `f64` slices, always in the
//! same order, so optimizers, gradient checks and gradient accumulation are
//! written once for every model. Derive it with `#[derive(Params)]` (from the
//! `autodiff` crate); this module implements it for the leaf types a derived
//! struct is made of:
//!
//! | type | slices visited |
//! |---|---|
//! | `f64` | one slice of length 1 |
//! | `[f64; N]` | one slice of length `N` |
//! | `[[f64; N]; M]` | one slice of length `N·M`, row after row |
//! | `Vec<f64>` | one slice of its length |
//! | `Vec<[f64; N]>` | one slice of length `N·len`, row after row |
//! | `Box<P>` | those of `P` |
//!
//! and the same with `f32` in place of `f64`: `f32` parameters are visited
//! as `f64` slices of at most 64 scalars each, widened on the stack and, by
//! the `_mut` visits, rounded back (so an optimizer updates an `f32` model
//! in `f64` and stores the result as `f32`).
//!
//! A gradient of a model has the model's type: [`Params::zeros_like`] makes
//! one, `#[grad]` accumulates into it, and [`Params::zip_slices_mut`] walks a
//! model and its gradient side by side.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::Params;
//!
//! let w = [[1.0, 2.0], [3.0, 4.0]];
//! assert_eq!(w.num_params(), 4);
//! assert_eq!(w.to_flat(), [1.0, 2.0, 3.0, 4.0]);
//! assert_eq!(w.zeros_like(), [[0.0; 2]; 2]);
//! ```

/// A model struct whose parameters can be visited as flat `f64` slices.
///
/// Implementations visit every parameter exactly once, as contiguous slices,
/// in an order that depends only on the model's shape: two values of the
/// same shape (a model and its gradient) are visited slice for slice, scalar
/// for scalar, in the same order. The provided methods ([`to_flat`],
/// [`copy_from_flat`], [`accumulate`], ...) are all built on that.
///
/// Derive it with `#[derive(Params)]` for structs with named fields of the
/// leaf types listed in the [module documentation](self), of nested
/// `Params` structs, and of `Vec`s and arrays of those; `f32` and `f64`
/// fields alike.
///
/// [`to_flat`]: Params::to_flat
/// [`copy_from_flat`]: Params::copy_from_flat
/// [`accumulate`]: Params::accumulate
///
/// # Example
///
/// Implementing it by hand for a two-field model (the derive writes the
/// same code):
///
/// ```
/// use autodiff_runtime::Params;
///
/// struct Line {
///     w: f64,
///     b: [f64; 2],
/// }
///
/// impl Params for Line {
///     fn zeros_like(&self) -> Self {
///         Line { w: self.w.zeros_like(), b: self.b.zeros_like() }
///     }
///     fn num_params(&self) -> usize {
///         self.w.num_params() + self.b.num_params()
///     }
///     fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
///         self.w.for_each_slice(f);
///         self.b.for_each_slice(f);
///     }
///     fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
///         self.w.for_each_slice_mut(f);
///         self.b.for_each_slice_mut(f);
///     }
///     fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
///         self.w.zip_slices_mut(&other.w, f);
///         self.b.zip_slices_mut(&other.b, f);
///     }
/// }
///
/// let mut line = Line { w: 1.0, b: [2.0, 3.0] };
/// assert_eq!(line.num_params(), 3);
/// assert_eq!(line.to_flat(), [1.0, 2.0, 3.0]);
///
/// // w ← w − 0.5·g, scalar by scalar, as an optimizer does.
/// let grad = Line { w: 2.0, b: [2.0, -2.0] };
/// line.add_scaled(&grad, -0.5);
/// assert_eq!(line.to_flat(), [0.0, 1.0, 4.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model struct of parameters",
    label = "differentiated here",
    note = "derive it with `#[derive(Params)]`, or leave this parameter out of `#[grad(wrt(..))]`"
)]
pub trait Params {
    /// A value of the same shape with every parameter zero (`Vec` lengths
    /// are kept): the starting point of a gradient.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let bias = vec![0.5, -1.5, 2.0];
    /// assert_eq!(bias.zeros_like(), [0.0, 0.0, 0.0]);
    /// ```
    fn zeros_like(&self) -> Self
    where
        Self: Sized;

    /// The number of scalar parameters: the total length of the slices
    /// [`for_each_slice`](Params::for_each_slice) visits.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let rows: Vec<[f64; 3]> = vec![[0.0; 3]; 4];
    /// assert_eq!(rows.num_params(), 12);
    /// ```
    fn num_params(&self) -> usize;

    /// Calls `f` on every parameter, as contiguous slices, in a fixed order.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let w = [[1.0, 2.0], [3.0, 4.0]];
    /// let mut sum = 0.0;
    /// w.for_each_slice(&mut |s| sum += s.iter().sum::<f64>());
    /// assert_eq!(sum, 10.0);
    /// ```
    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64]));

    /// Calls `f` on every parameter, mutably, in the order of
    /// [`for_each_slice`](Params::for_each_slice).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let mut w = vec![1.0, 2.0];
    /// w.for_each_slice_mut(&mut |s| s.iter_mut().for_each(|x| *x *= 10.0));
    /// assert_eq!(w, [10.0, 20.0]);
    /// ```
    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64]));

    /// Calls `f` on each slice of `self` together with the slice of `other`
    /// at the same place, in the order of
    /// [`for_each_slice`](Params::for_each_slice). Both slices of a pair have
    /// the same length.
    ///
    /// # Panics
    ///
    /// If `self` and `other` differ in shape (a `Vec` of another length).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let mut w = vec![1.0, 2.0];
    /// let g = vec![0.5, 0.25];
    /// w.zip_slices_mut(&g, &mut |w, g| {
    ///     for (w, g) in w.iter_mut().zip(g) {
    ///         *w -= 2.0 * g;
    ///     }
    /// });
    /// assert_eq!(w, [0.0, 1.5]);
    /// ```
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64]))
    where
        Self: Sized;

    /// Every parameter in one vector, in the order of
    /// [`for_each_slice`](Params::for_each_slice); the input of
    /// [`check_gradient`](crate::check_gradient) and
    /// [`numeric_gradient`](crate::numeric_gradient) over a model.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let rows = vec![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    /// assert_eq!(rows.to_flat(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// ```
    fn to_flat(&self) -> Vec<f64> {
        let mut flat = Vec::with_capacity(self.num_params());
        self.for_each_slice(&mut |s| flat.extend_from_slice(s));
        flat
    }

    /// Overwrites every parameter from `flat`, in the order of
    /// [`to_flat`](Params::to_flat), which it inverts.
    ///
    /// # Panics
    ///
    /// If `flat.len()` differs from [`num_params`](Params::num_params).
    ///
    /// # Example
    ///
    /// A model's gradient checked against central differences: the model is
    /// rebuilt from each perturbed flat vector.
    ///
    /// ```
    /// use autodiff_runtime::{check_gradient, Params};
    ///
    /// // loss(w) = Σ_ij w_ij², so ∂loss/∂w_ij = 2·w_ij.
    /// let w = [[1.0, -2.0], [0.5, 3.0]];
    /// let loss = |flat: &[f64]| {
    ///     let mut m = [[0.0; 2]; 2];
    ///     m.copy_from_flat(flat);
    ///     m.as_flattened().iter().map(|x| x * x).sum::<f64>()
    /// };
    /// let grad: Vec<f64> = w.to_flat().iter().map(|x| 2.0 * x).collect();
    /// check_gradient(loss, &w.to_flat(), &grad).assert_close(1e-6);
    /// ```
    #[track_caller]
    fn copy_from_flat(&mut self, flat: &[f64]) {
        let n = self.num_params();
        assert_eq!(
            flat.len(),
            n,
            "Params::copy_from_flat: the model has {n} parameters but the flat slice has {}",
            flat.len()
        );
        let mut offset = 0;
        self.for_each_slice_mut(&mut |s| {
            s.copy_from_slice(&flat[offset..offset + s.len()]);
            offset += s.len();
        });
    }

    /// Sets every parameter to zero, keeping the shape: resets a gradient
    /// between mini-batches.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let mut g = [[1.0, 2.0], [3.0, 4.0]];
    /// g.fill_zero();
    /// assert_eq!(g, [[0.0; 2]; 2]);
    /// ```
    fn fill_zero(&mut self) {
        self.for_each_slice_mut(&mut |s| s.fill(0.0));
    }

    /// Multiplies every parameter by `factor`: turns a summed gradient into
    /// a mean one.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let mut g = vec![2.0, -4.0];
    /// g.scale(0.5);
    /// assert_eq!(g, [1.0, -2.0]);
    /// ```
    fn scale(&mut self, factor: f64) {
        self.for_each_slice_mut(&mut |s| s.iter_mut().for_each(|x| *x *= factor));
    }

    /// Adds `other` into `self`, parameter by parameter: sums per-sample
    /// gradients into a batch gradient.
    ///
    /// # Panics
    ///
    /// If the two differ in shape.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// let mut total = [0.0, 0.0];
    /// total.accumulate(&[1.0, 2.0]);
    /// total.accumulate(&[3.0, 4.0]);
    /// assert_eq!(total, [4.0, 6.0]);
    /// ```
    #[track_caller]
    fn accumulate(&mut self, other: &Self)
    where
        Self: Sized,
    {
        self.add_scaled(other, 1.0);
    }

    /// `self ← self + alpha·other`, parameter by parameter (an *axpy*).
    ///
    /// # Panics
    ///
    /// If the two differ in shape.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// // One plain gradient-descent step, w ← w − 0.1·g.
    /// let mut w = vec![1.0, 1.0];
    /// w.add_scaled(&vec![10.0, -5.0], -0.1);
    /// assert_eq!(w, [0.0, 1.5]);
    /// ```
    #[track_caller]
    fn add_scaled(&mut self, other: &Self, alpha: f64)
    where
        Self: Sized,
    {
        self.zip_slices_mut(other, &mut |a, b| {
            for (a, b) in a.iter_mut().zip(b) {
                *a += alpha * b;
            }
        });
    }

    /// The Euclidean norm `√(Σ p²)` over every parameter: the size of a
    /// gradient, for clipping or for a convergence test.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::Params;
    ///
    /// assert_eq!([[3.0], [4.0]].norm(), 5.0);
    /// ```
    fn norm(&self) -> f64 {
        let mut sum = 0.0;
        self.for_each_slice(&mut |s| sum += s.iter().map(|x| x * x).sum::<f64>());
        sum.sqrt()
    }
}

/// The check every leaf `zip_slices_mut` on a `Vec` starts with.
#[track_caller]
fn assert_same_shape(what: &str, ours: usize, theirs: usize) {
    assert_eq!(
        ours, theirs,
        "Params::zip_slices_mut: {what} has length {ours} but the other value has length {theirs}; both must have the same shape"
    );
}

impl Params for f64 {
    fn zeros_like(&self) -> Self {
        0.0
    }

    fn num_params(&self) -> usize {
        1
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        f(std::slice::from_ref(self));
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        f(std::slice::from_mut(self));
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        f(std::slice::from_mut(self), std::slice::from_ref(other));
    }
}

impl<const N: usize> Params for [f64; N] {
    fn zeros_like(&self) -> Self {
        [0.0; N]
    }

    fn num_params(&self) -> usize {
        N
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        f(self);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        f(self);
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        f(self, other);
    }
}

impl<const N: usize, const M: usize> Params for [[f64; N]; M] {
    fn zeros_like(&self) -> Self {
        [[0.0; N]; M]
    }

    fn num_params(&self) -> usize {
        N * M
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        f(self.as_flattened());
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        f(self.as_flattened_mut());
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        f(self.as_flattened_mut(), other.as_flattened());
    }
}

impl Params for Vec<f64> {
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }

    fn num_params(&self) -> usize {
        self.len()
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        f(self);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        f(self);
    }

    #[track_caller]
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        assert_same_shape("a Vec<f64>", self.len(), other.len());
        f(self, other);
    }
}

impl<const N: usize> Params for Vec<[f64; N]> {
    fn zeros_like(&self) -> Self {
        vec![[0.0; N]; self.len()]
    }

    fn num_params(&self) -> usize {
        N * self.len()
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        f(self.as_flattened());
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        f(self.as_flattened_mut());
    }

    #[track_caller]
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        assert_same_shape("a Vec<[f64; N]>", self.len(), other.len());
        f(self.as_flattened_mut(), other.as_flattened());
    }
}

// `f32` parameters are visited as `f64` slices: each run of up to `WIDE`
// of them is widened into a buffer on the stack, handed to `f`, and, in the
// `_mut` visits, rounded back when `f` returns. The runs depend only on the
// shape, as the trait asks, and nothing is allocated.

/// The longest run of `f32` parameters visited as one `f64` slice.
const WIDE: usize = 64;

fn visit_wide(values: &[f32], f: &mut dyn FnMut(&[f64])) {
    let mut wide = [0.0f64; WIDE];
    for run in values.chunks(WIDE) {
        let wide = &mut wide[..run.len()];
        for (w, v) in wide.iter_mut().zip(run) {
            *w = f64::from(*v);
        }
        f(wide);
    }
}

fn visit_wide_mut(values: &mut [f32], f: &mut dyn FnMut(&mut [f64])) {
    let mut wide = [0.0f64; WIDE];
    for run in values.chunks_mut(WIDE) {
        let wide = &mut wide[..run.len()];
        for (w, v) in wide.iter_mut().zip(run.iter()) {
            *w = f64::from(*v);
        }
        f(wide);
        for (v, w) in run.iter_mut().zip(wide.iter()) {
            *v = *w as f32;
        }
    }
}

fn zip_wide(values: &mut [f32], other: &[f32], f: &mut dyn FnMut(&mut [f64], &[f64])) {
    let (mut wide, mut wide_other) = ([0.0f64; WIDE], [0.0f64; WIDE]);
    for (run, other_run) in values.chunks_mut(WIDE).zip(other.chunks(WIDE)) {
        let (wide, wide_other) = (&mut wide[..run.len()], &mut wide_other[..run.len()]);
        for ((w, o), (v, u)) in wide.iter_mut().zip(wide_other.iter_mut()).zip(run.iter().zip(other_run)) {
            (*w, *o) = (f64::from(*v), f64::from(*u));
        }
        f(wide, wide_other);
        for (v, w) in run.iter_mut().zip(wide.iter()) {
            *v = *w as f32;
        }
    }
}

impl Params for f32 {
    fn zeros_like(&self) -> Self {
        0.0
    }

    fn num_params(&self) -> usize {
        1
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        visit_wide(std::slice::from_ref(self), f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        visit_wide_mut(std::slice::from_mut(self), f);
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        zip_wide(std::slice::from_mut(self), std::slice::from_ref(other), f);
    }
}

impl<const N: usize> Params for [f32; N] {
    fn zeros_like(&self) -> Self {
        [0.0; N]
    }

    fn num_params(&self) -> usize {
        N
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        visit_wide(self, f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        visit_wide_mut(self, f);
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        zip_wide(self, other, f);
    }
}

impl<const N: usize, const M: usize> Params for [[f32; N]; M] {
    fn zeros_like(&self) -> Self {
        [[0.0; N]; M]
    }

    fn num_params(&self) -> usize {
        N * M
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        visit_wide(self.as_flattened(), f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        visit_wide_mut(self.as_flattened_mut(), f);
    }

    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        zip_wide(self.as_flattened_mut(), other.as_flattened(), f);
    }
}

impl Params for Vec<f32> {
    fn zeros_like(&self) -> Self {
        vec![0.0; self.len()]
    }

    fn num_params(&self) -> usize {
        self.len()
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        visit_wide(self, f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        visit_wide_mut(self, f);
    }

    #[track_caller]
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        assert_same_shape("a Vec<f32>", self.len(), other.len());
        zip_wide(self, other, f);
    }
}

impl<const N: usize> Params for Vec<[f32; N]> {
    fn zeros_like(&self) -> Self {
        vec![[0.0; N]; self.len()]
    }

    fn num_params(&self) -> usize {
        N * self.len()
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        visit_wide(self.as_flattened(), f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        visit_wide_mut(self.as_flattened_mut(), f);
    }

    #[track_caller]
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        assert_same_shape("a Vec<[f32; N]>", self.len(), other.len());
        zip_wide(self.as_flattened_mut(), other.as_flattened(), f);
    }
}

/// A boxed model is a model: what recursive or large models are stored in.
impl<P: Params> Params for Box<P> {
    fn zeros_like(&self) -> Self {
        Box::new((**self).zeros_like())
    }

    fn num_params(&self) -> usize {
        (**self).num_params()
    }

    fn for_each_slice(&self, f: &mut dyn FnMut(&[f64])) {
        (**self).for_each_slice(f);
    }

    fn for_each_slice_mut(&mut self, f: &mut dyn FnMut(&mut [f64])) {
        (**self).for_each_slice_mut(f);
    }

    #[track_caller]
    fn zip_slices_mut(&mut self, other: &Self, f: &mut dyn FnMut(&mut [f64], &[f64])) {
        (**self).zip_slices_mut(&**other, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slices a value visits, as lengths, to check the "one slice" rule.
    fn slice_lengths(p: &impl Params) -> Vec<usize> {
        let mut lens = Vec::new();
        p.for_each_slice(&mut |s| lens.push(s.len()));
        lens
    }

    #[test]
    fn scalar_is_one_slice_of_one() {
        let mut x = 2.5;
        assert_eq!((x.zeros_like(), x.num_params(), slice_lengths(&x)), (0.0, 1, vec![1]));
        x.for_each_slice_mut(&mut |s| s[0] = 7.0);
        assert_eq!(x, 7.0);
        x.zip_slices_mut(&3.0, &mut |a, b| a[0] -= b[0]);
        assert_eq!(x, 4.0);
    }

    #[test]
    fn matrix_is_one_slice_in_row_major_order() {
        let w = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        assert_eq!(slice_lengths(&w), vec![6]);
        assert_eq!(w.num_params(), 6);
        assert_eq!(w.to_flat(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(w.zeros_like(), [[0.0; 3]; 2]);
    }

    #[test]
    fn vec_of_rows_keeps_its_length() {
        let w = vec![[1.0, 2.0]; 3];
        assert_eq!(w.zeros_like(), vec![[0.0, 0.0]; 3]);
        assert_eq!((w.num_params(), slice_lengths(&w)), (6, vec![6]));
    }

    #[test]
    fn a_box_is_its_contents() {
        let mut b = Box::new([1.0, 2.0]);
        assert_eq!((b.num_params(), b.to_flat()), (2, vec![1.0, 2.0]));
        b.accumulate(&Box::new([1.0, 1.0]));
        assert_eq!((*b, *b.zeros_like()), ([2.0, 3.0], [0.0, 0.0]));
    }

    #[test]
    fn empty_values_have_no_parameters() {
        let (v, a): (Vec<f64>, [f64; 0]) = (Vec::new(), []);
        assert_eq!((v.num_params(), a.num_params()), (0, 0));
        assert!(v.to_flat().is_empty() && a.to_flat().is_empty());
        assert_eq!(a.norm(), 0.0);
    }

    #[test]
    fn copy_from_flat_inverts_to_flat() {
        let src = [[1.0, -2.0], [3.5, 4.0], [0.0, 9.0]];
        let mut dst = src.zeros_like();
        dst.copy_from_flat(&src.to_flat());
        assert_eq!(dst, src);
    }

    #[test]
    fn helpers_follow_their_formulas() {
        let mut w = vec![1.0, 2.0, 3.0];
        w.scale(2.0);
        assert_eq!(w, [2.0, 4.0, 6.0]);
        w.add_scaled(&vec![1.0, 1.0, 1.0], -2.0);
        assert_eq!(w, [0.0, 2.0, 4.0]);
        w.accumulate(&vec![1.0, 0.0, -4.0]);
        assert_eq!(w, [1.0, 2.0, 0.0]);
        // √(1 + 4) = √5.
        assert_eq!(w.norm(), 5f64.sqrt());
        w.fill_zero();
        assert_eq!(w, [0.0; 3]);
    }

    #[test]
    #[should_panic(expected = "the model has 4 parameters but the flat slice has 3")]
    fn copy_from_flat_rejects_a_wrong_length() {
        [[0.0; 2]; 2].copy_from_flat(&[1.0, 2.0, 3.0]);
    }

    #[test]
    fn f32_parameters_are_visited_as_f64_and_rounded_back() {
        let mut w: Vec<f32> = (0..150).map(|i| i as f32 * 0.5).collect();
        // Runs of at most 64, in order.
        assert_eq!(slice_lengths(&w), vec![64, 64, 22]);
        assert_eq!(w.to_flat(), (0..150).map(|i| i as f64 * 0.5).collect::<Vec<_>>());
        w.add_scaled(&vec![1.0f32; 150], -0.25);
        assert_eq!(w[149], 74.25);
        let mut m = [[1.0f32, 2.0], [3.0, 4.0]];
        m.copy_from_flat(&[0.1, 0.2, 0.3, 0.4]);
        assert_eq!(m, [[0.1f32, 0.2], [0.3, 0.4]]);
        let mut x = 1.5f32;
        x.accumulate(&2.0);
        assert_eq!((x, x.num_params(), x.zeros_like()), (3.5, 1, 0.0));
        let rows = vec![[1.0f32, -1.0]; 2];
        assert_eq!((rows.num_params(), rows.norm()), (4, 2.0));
        assert_eq!([0.5f32; 3].to_flat(), [0.5; 3]);
    }

    #[test]
    #[should_panic(expected = "a Vec<f64> has length 2 but the other value has length 3")]
    fn zip_rejects_vecs_of_different_lengths() {
        vec![0.0; 2].accumulate(&vec![0.0; 3]);
    }

    #[test]
    #[should_panic(expected = "a Vec<[f64; N]> has length 1 but the other value has length 0")]
    fn zip_rejects_row_vecs_of_different_lengths() {
        vec![[0.0; 2]; 1].accumulate(&Vec::new());
    }
}
