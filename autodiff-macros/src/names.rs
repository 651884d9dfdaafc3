//! Sets of names with a cheap hash. Cargo builds a proc macro unoptimized,
//! where a `BTreeSet<String>` (a string comparison per level) and the
//! standard SipHash cost much of the expansion of a long function; the
//! names are short and not chosen to collide, so rustc's own FxHash does.
//! And the names a pattern binds.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// A set of identifiers, by their text.
pub type NameSet = HashSet<String, BuildHasherDefault<FxHasher>>;

/// FxHash: a rotate, a xor and a multiply per byte (a plain loop: the
/// iterators of a word-at-a-time version cost more unoptimized).
#[derive(Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            self.add(u64::from(bytes[i]));
            i += 1;
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    /// The product's high bits are its well-mixed ones, and the table
    /// picks a bucket by the low bits: rotated down (as rustc-hash 2 does),
    /// else `__t1`, `__t2`, .. would share their buckets.
    fn finish(&self) -> u64 {
        self.hash.rotate_left(26)
    }
}

/// Adds to `names` every identifier `tokens` holds, inside groups too.
pub fn collect_idents(tokens: proc_macro2::TokenStream, names: &mut NameSet) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(ident) => {
                names.insert(ident.to_string());
            }
            proc_macro2::TokenTree::Group(group) => collect_idents(group.stream(), names),
            _ => {}
        }
    }
}

/// Every name `pattern` binds, added to `names`.
pub fn bound_by(pattern: &syn::Pat, names: &mut Vec<proc_macro2::Ident>) {
    struct Names<'a>(&'a mut Vec<proc_macro2::Ident>);
    impl syn::visit::Visit<'_> for Names<'_> {
        fn visit_pat_ident(&mut self, binding: &syn::PatIdent) {
            self.0.push(binding.ident.clone());
            syn::visit::visit_pat_ident(self, binding);
        }
    }
    syn::visit::Visit::visit_pat(&mut Names(names), pattern);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_told_apart() {
        let mut names = NameSet::default();
        for name in ["a", "a1", "__t1", "__t10", "__bar_a1", "a_1", "abcdefgh", "abcdefghi"] {
            assert!(names.insert(name.to_owned()), "{name}");
        }
        assert!(!names.insert("__t10".to_owned()));
        assert!(names.contains("abcdefgh") && !names.contains("abcdefg"));
    }
}
