//! The adjoint of a part of a model (`m.b`, `m.pos[i]`) passed by value,
//! whose type the macro cannot see: a float, or an array or a vector of
//! them (nested too).

/// A part of a model, into which its adjoint is added.
#[diagnostic::on_unimplemented(
    message = "#[grad] adds a derivative into this part of a model, of type `{Self}`, which it can add only to \
               an `f64` or `f32` or an array or vector of them",
    label = "#[grad] adds a derivative into this part"
)]
pub trait ModelPart {
    /// `self += part`, element by element.
    fn add_part(&mut self, part: &Self);
}

impl ModelPart for f64 {
    #[inline(always)]
    fn add_part(&mut self, part: &f64) {
        *self += *part;
    }
}

impl ModelPart for f32 {
    #[inline(always)]
    fn add_part(&mut self, part: &f32) {
        *self += *part;
    }
}

impl<T: ModelPart, const N: usize> ModelPart for [T; N] {
    #[inline(always)]
    fn add_part(&mut self, part: &[T; N]) {
        for (target, part) in self.iter_mut().zip(part) {
            target.add_part(part);
        }
    }
}

impl<T: ModelPart> ModelPart for Vec<T> {
    #[inline(always)]
    fn add_part(&mut self, part: &Vec<T>) {
        for (target, part) in self.iter_mut().zip(part) {
            target.add_part(part);
        }
    }
}

/// `target += part` for a part of a model used by value (`norm2(m.b)`,
/// `let c: [f64; 3] = m.b;`, `[m.b, m.c]`), whatever its shape.
#[inline(always)]
pub fn add_part<T: ModelPart>(target: &mut T, part: &T) {
    target.add_part(part);
}
