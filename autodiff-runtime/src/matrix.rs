//! [`Matrix`]: the dense, row-major matrix that [`jacobian`](crate::jacobian)
//! and [`hessian`](crate::hessian) return.

use core::fmt;
use core::ops::{Index, IndexMut};

/// A dense `rows × cols` matrix of `f64`, stored row by row in one `Vec`.
///
/// Entry `(i, j)` is row `i`, column `j`; [`row`](Self::row) is a slice,
/// [`as_slice`](Self::as_slice) the whole storage in row-major order.
///
/// # Example
///
/// ```
/// use autodiff_runtime::Matrix;
///
/// let mut a = Matrix::zeros(2, 3);
/// a[(0, 2)] = 5.0;
/// a[(1, 0)] = -1.0;
/// assert_eq!(a.row(0), &[0.0, 0.0, 5.0]);
/// assert_eq!(a.as_slice(), &[0.0, 0.0, 5.0, -1.0, 0.0, 0.0]);
/// assert_eq!(a.mul_vec(&[1.0, 2.0, 3.0]), vec![15.0, -1.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A `rows × cols` matrix of zeros.
    ///
    /// # Panics
    ///
    /// If `rows · cols` overflows `usize`.
    ///
    /// # Example
    ///
    /// ```
    /// let z = autodiff_runtime::Matrix::zeros(2, 2);
    /// assert_eq!((z.rows(), z.cols()), (2, 2));
    /// assert!(z.as_slice().iter().all(|&v| v == 0.0));
    /// ```
    pub fn zeros(rows: usize, cols: usize) -> Self {
        let len = rows.checked_mul(cols).unwrap_or_else(|| panic!("matrix of {rows} × {cols} entries is too large"));
        Self { rows, cols, data: vec![0.0; len] }
    }

    /// The matrix whose rows are the consecutive `cols`-long chunks of
    /// `data`.
    ///
    /// # Panics
    ///
    /// If `data.len()` is not `rows · cols`.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(a[(1, 0)], 3.0);
    /// ```
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        assert_eq!(
            Some(data.len()),
            rows.checked_mul(cols),
            "matrix: {} entries for {rows} rows of {cols} columns",
            data.len()
        );
        Self { rows, cols, data }
    }

    /// The number of rows.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::Matrix::zeros(3, 1).rows(), 3);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::Matrix::zeros(3, 1).cols(), 1);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`.
    ///
    /// # Panics
    ///
    /// If `i >= rows()`.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(a.row(1), &[3.0, 4.0]);
    /// ```
    pub fn row(&self, i: usize) -> &[f64] {
        self.assert_row(i);
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable.
    ///
    /// # Panics
    ///
    /// If `i >= rows()`.
    ///
    /// # Example
    ///
    /// ```
    /// let mut a = autodiff_runtime::Matrix::zeros(2, 2);
    /// a.row_mut(0).copy_from_slice(&[7.0, 8.0]);
    /// assert_eq!(a[(0, 1)], 8.0);
    /// ```
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        self.assert_row(i);
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Every entry, row by row.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(1, 2, vec![1.0, 2.0]);
    /// assert_eq!(a.as_slice(), &[1.0, 2.0]);
    /// ```
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The storage, row by row.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(1, 2, vec![1.0, 2.0]);
    /// assert_eq!(a.into_vec(), vec![1.0, 2.0]);
    /// ```
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// The product `A·v`.
    ///
    /// # Panics
    ///
    /// If `v.len()` is not `cols()`.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(a.mul_vec(&[1.0, -1.0]), vec![-1.0, -1.0]);
    /// ```
    pub fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        assert_eq!(
            v.len(),
            self.cols,
            "matrix-vector product: vector of length {} for a matrix of {} columns",
            v.len(),
            self.cols
        );
        (0..self.rows).map(|i| self.row(i).iter().zip(v).map(|(a, b)| a * b).sum()).collect()
    }

    /// The transpose.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(1, 2, vec![1.0, 2.0]);
    /// assert_eq!(a.transpose(), autodiff_runtime::Matrix::from_row_major(2, 1, vec![1.0, 2.0]));
    /// ```
    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t[(j, i)] = self[(i, j)];
            }
        }
        t
    }

    /// How far a square matrix is from symmetric: the largest
    /// `|aᵢⱼ − aⱼᵢ| / max(|aᵢⱼ|, |aⱼᵢ|, 1)` (the relative error of
    /// [`relative_error`](crate::relative_error) with floor 1); `0` for a
    /// symmetric matrix, infinite where an entry is not finite.
    ///
    /// # Panics
    ///
    /// If the matrix is not square.
    ///
    /// # Example
    ///
    /// ```
    /// let a = autodiff_runtime::Matrix::from_row_major(2, 2, vec![1.0, 2.0, 2.5, 4.0]);
    /// assert_eq!(a.asymmetry(), 0.2);
    /// ```
    pub fn asymmetry(&self) -> f64 {
        self.assert_square("asymmetry");
        let mut worst: f64 = 0.0;
        for i in 0..self.rows {
            for j in 0..i {
                worst = worst.max(crate::relative_error(self[(i, j)], self[(j, i)], 1.0));
            }
        }
        worst
    }

    /// Replaces a square matrix by its symmetric part `(A + Aᵀ) / 2`.
    ///
    /// # Panics
    ///
    /// If the matrix is not square.
    ///
    /// # Example
    ///
    /// ```
    /// let mut a = autodiff_runtime::Matrix::from_row_major(2, 2, vec![1.0, 2.0, 4.0, 1.0]);
    /// a.symmetrize();
    /// assert_eq!(a.as_slice(), &[1.0, 3.0, 3.0, 1.0]);
    /// ```
    pub fn symmetrize(&mut self) {
        self.assert_square("symmetrize");
        for i in 0..self.rows {
            for j in 0..i {
                let mean = 0.5 * (self[(i, j)] + self[(j, i)]);
                self[(i, j)] = mean;
                self[(j, i)] = mean;
            }
        }
    }

    #[track_caller]
    fn assert_row(&self, i: usize) {
        assert!(i < self.rows, "matrix: row {i} of a matrix of {} rows", self.rows);
    }

    #[track_caller]
    fn assert_square(&self, what: &str) {
        assert_eq!(self.rows, self.cols, "{what}: the matrix must be square, it is {} × {}", self.rows, self.cols);
    }

    #[track_caller]
    fn offset(&self, (i, j): (usize, usize)) -> usize {
        assert!(
            i < self.rows && j < self.cols,
            "matrix: entry ({i}, {j}) of a matrix of {} × {}",
            self.rows,
            self.cols
        );
        i * self.cols + j
    }
}

impl Index<(usize, usize)> for Matrix {
    type Output = f64;

    #[track_caller]
    fn index(&self, at: (usize, usize)) -> &f64 {
        &self.data[self.offset(at)]
    }
}

impl IndexMut<(usize, usize)> for Matrix {
    #[track_caller]
    fn index_mut(&mut self, at: (usize, usize)) -> &mut f64 {
        let offset = self.offset(at);
        &mut self.data[offset]
    }
}

/// One row per line, entries separated by spaces, each printed with the
/// formatter's precision (`{:.3}` gives three decimals).
impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..self.rows {
            if i > 0 {
                writeln!(f)?;
            }
            for (j, v) in self.row(i).iter().enumerate() {
                if j > 0 {
                    write!(f, " ")?;
                }
                fmt::Display::fmt(v, f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_swaps_indices() {
        let a = Matrix::from_row_major(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let t = a.transpose();
        assert_eq!((t.rows(), t.cols()), (3, 2));
        for i in 0..2 {
            for j in 0..3 {
                assert_eq!(t[(j, i)], a[(i, j)]);
            }
        }
    }

    #[test]
    fn asymmetry_of_non_finite_entries_is_infinite() {
        let a = Matrix::from_row_major(2, 2, vec![0.0, f64::NAN, 1.0, 0.0]);
        assert_eq!(a.asymmetry(), f64::INFINITY);
        assert_eq!(Matrix::zeros(0, 0).asymmetry(), 0.0);
    }

    #[test]
    fn display_prints_rows_with_the_given_precision() {
        let a = Matrix::from_row_major(2, 2, vec![1.0, 0.5, -2.0, 1.0 / 3.0]);
        assert_eq!(format!("{a:.2}"), "1.00 0.50\n-2.00 0.33");
    }

    #[test]
    #[should_panic(expected = "entry (1, 2) of a matrix of 2 × 2")]
    fn index_out_of_bounds_names_the_entry() {
        let _ = Matrix::zeros(2, 2)[(1, 2)];
    }

    #[test]
    #[should_panic(expected = "5 entries for 2 rows of 3 columns")]
    fn from_row_major_checks_the_length() {
        let _ = Matrix::from_row_major(2, 3, vec![0.0; 5]);
    }

    #[test]
    #[should_panic(expected = "symmetrize: the matrix must be square, it is 2 × 3")]
    fn symmetrize_needs_a_square_matrix() {
        Matrix::zeros(2, 3).symmetrize();
    }
}
