//! The project's own `#[grad]` functions, read from its sources with `syn`:
//! the seeds of the mutation fuzzer.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use syn::visit::Visit;

/// A `#[grad(args)] item` found in the project.
#[derive(Clone)]
pub struct Seed {
    /// The file it was found in, relative to the workspace root.
    pub file: String,
    /// What is inside `#[grad(..)]` (empty for a bare `#[grad]`).
    pub args: TokenStream,
    /// The function, without its `#[grad]` attribute (as the macro gets it).
    pub item: syn::ItemFn,
}

/// The folders searched, relative to the workspace root.
pub const FOLDERS: &[&str] = &["tests", "examples", "autodiff-runtime/src", "benchmarks/src", "src"];

/// Every `#[grad]` function in the Rust files under [`FOLDERS`] of the
/// workspace at `root`, in a stable order. Files that do not parse (some
/// compile-fail tests) are left out; the second value counts them.
pub fn project_functions(root: &Path) -> (Vec<Seed>, usize) {
    let mut files = Vec::new();
    for folder in FOLDERS {
        rust_files(&root.join(folder), &mut files);
    }
    files.sort();
    let mut seeds = Vec::new();
    let mut unparsed = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(file) = syn::parse_file(&text) else {
            unparsed += 1;
            continue;
        };
        let name = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let mut finder = Finder { file: name, seeds: &mut seeds };
        finder.visit_file(&file);
    }
    (seeds, unparsed)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

struct Finder<'a> {
    file: String,
    seeds: &'a mut Vec<Seed>,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if let Some(position) = item.attrs.iter().position(is_grad) {
            let args = match &item.attrs[position].meta {
                syn::Meta::List(list) => list.tokens.clone(),
                _ => TokenStream::new(),
            };
            let mut item = item.clone();
            item.attrs.remove(position);
            self.seeds.push(Seed { file: self.file.clone(), args, item });
        }
        // `#[grad]` functions defined inside other functions.
        syn::visit::visit_item_fn(self, item);
    }
}

fn is_grad(attr: &syn::Attribute) -> bool {
    attr.path().segments.last().is_some_and(|segment| segment.ident == "grad")
}
