//! The fuzzer: the expansion fed with the project's own `#[grad]` functions,
//! mutated, and with functions generated from a grammar of the supported
//! subset (both from the `autodiff-fuzz` crate), as token streams.
//!
//! For every input: the expansion does not panic; its output parses as
//! Rust items; no stage broke an invariant of the IR (`validate.rs`, which
//! turns a broken one into an internal error); when the function is
//! accepted (no `compile_error!`), the output contains no `unsafe` the
//! input did not. A generated function, being in the supported subset,
//! must also be accepted.
//!
//! `AUTODIFF_FUZZ_INPUTS` (mutated inputs; default 3000, a tenth as many
//! generated functions) and `AUTODIFF_FUZZ_SEED` (default 1) choose the
//! run; TESTING.md has the command of a large one. Failures are grouped by
//! kind and message, each shown with a minimised input.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use autodiff_fuzz::grammar::{self, Rng};
use autodiff_fuzz::{corpus, mutate};
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::expand::{grad, INTERNAL_ERROR};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Panic,
    Unparsable,
    InternalError,
    Unsafe,
    Refused,
}

#[derive(Debug)]
struct Failure {
    kind: Kind,
    message: String,
}

impl Failure {
    /// What tells failures apart: the kind and the message without digits
    /// (so `__t3` and `__t7` are one group) and without names the user chose.
    fn key(&self) -> (Kind, String) {
        let mut key = String::new();
        let mut quoted = false;
        for c in self.message.chars().filter(|c| !c.is_ascii_digit()).take(200) {
            if c == '`' {
                quoted = !quoted;
                key.push(c);
            } else if !quoted || !c.is_ascii_alphabetic() || key.ends_with("__") {
                key.push(c);
            }
        }
        (self.kind, key)
    }
}

thread_local! {
    /// Set while this thread runs an expansion under `catch_unwind`.
    static EXPANDING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the panics the fuzzer catches (and reports) off the terminal;
/// every other panic is printed as usual.
fn quiet_caught_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXPANDING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// The expansion, or the message of its panic.
fn expand_catching(args: &TokenStream, item: &TokenStream) -> Result<TokenStream, String> {
    quiet_caught_panics();
    EXPANDING.with(|flag| flag.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| grad(args.clone(), item.clone())));
    EXPANDING.with(|flag| flag.set(false));
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

/// Runs the checks on `#[grad(args)] item`.
fn check(args: &TokenStream, item: &TokenStream, must_accept: bool) -> Result<(), Failure> {
    let fail = |kind, message: String| Err(Failure { kind, message });
    let output = match expand_catching(args, item) {
        Ok(output) => output,
        Err(message) => return fail(Kind::Panic, message),
    };
    let errors = compile_errors(&output);
    // Input that is not an item comes back as it was, after an error.
    let input_parses = syn::parse2::<syn::Item>(item.clone()).is_ok();
    if input_parses || errors.is_empty() {
        if let Err(error) = syn::parse2::<syn::File>(output.clone()) {
            return fail(Kind::Unparsable, error.to_string());
        }
    }
    if let Some(internal) = errors.iter().find(|error| error.contains(INTERNAL_ERROR)) {
        return fail(Kind::InternalError, internal.clone());
    }
    // The user's own `unsafe` is copied wherever the generated functions
    // repeat the signature; the macro must add none to an input without.
    if errors.is_empty() {
        let added = if count_ident(item, "unsafe") == 0 { count_ident(&output, "unsafe") } else { 0 };
        if added > 0 {
            return fail(Kind::Unsafe, format!("{added} `unsafe` in the generated code"));
        }
    } else if must_accept {
        return fail(Kind::Refused, errors.join(" | "));
    }
    Ok(())
}

/// The messages of every `compile_error!("..")` in `tokens`.
fn compile_errors(tokens: &TokenStream) -> Vec<String> {
    let mut errors = Vec::new();
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                let message = trees[i + 1..].iter().find_map(|tree| match tree {
                    TokenTree::Group(group) => Some(group.stream().to_string()),
                    _ => None,
                });
                errors.push(message.unwrap_or_default());
            }
            TokenTree::Group(group) => errors.extend(compile_errors(&group.stream())),
            _ => {}
        }
    }
    errors
}

fn count_ident(tokens: &TokenStream, name: &str) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) => usize::from(ident == name),
            TokenTree::Group(group) => count_ident(&group.stream(), name),
            _ => 0,
        })
        .sum()
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {text:?}")),
        Err(_) => default,
    }
}

/// Failures grouped by kind and message (digits dropped, so `__t3` and
/// `__t7` are one group), each with its first input and a count.
#[derive(Default)]
struct Report {
    groups: BTreeMap<(Kind, String), (usize, String, TokenStream, TokenStream)>,
    inputs: usize,
}

impl Report {
    fn add(&mut self, origin: String, args: &TokenStream, item: &TokenStream, failure: Failure) {
        let entry = self.groups.entry(failure.key()).or_insert_with(|| (0, origin, args.clone(), item.clone()));
        entry.0 += 1;
    }

    /// Every group with a minimised input, or `Ok` when there is none.
    fn finish(self, must_accept: bool) -> Result<(), String> {
        if self.groups.is_empty() {
            return Ok(());
        }
        let total: usize = self.groups.values().map(|entry| entry.0).sum();
        let mut text = format!("{total} of {} inputs fail, in {} groups:\n", self.inputs, self.groups.len());
        for (key, (count, origin, args, item)) in self.groups {
            let kind = key.0;
            let item = shrink(&args, item, &key, must_accept);
            let message = check(&args, &item, must_accept).err().map(|f| f.message).unwrap_or_default();
            let message: String = message.chars().take(400).collect();
            text +=
                &format!("\n{kind:?} x{count} (first from {origin}): {message}\n#[grad({args})]\n{}\n", pretty(&item));
        }
        Err(text)
    }
}

/// Deletes statements of `item` while the same failure (by key) remains.
fn shrink(args: &TokenStream, item: TokenStream, key: &(Kind, String), must_accept: bool) -> TokenStream {
    let Ok(mut best) = syn::parse2::<syn::ItemFn>(item.clone()) else { return item };
    let fails = |candidate: &syn::ItemFn| {
        let tokens = quote!(#candidate);
        check(args, &tokens, must_accept).err().is_some_and(|failure| failure.key() == *key)
    };
    if !fails(&best) {
        return item;
    }
    loop {
        let mut smaller = None;
        for path in statement_paths(&best.block, &mut Vec::new()) {
            let mut candidate = best.clone();
            remove_statement(&mut candidate.block, &path);
            if fails(&candidate) {
                smaller = Some(candidate);
                break;
            }
        }
        match smaller {
            Some(candidate) => best = candidate,
            None => return quote!(#best),
        }
    }
}

/// Where every statement is: indices through nested blocks of `if`, loops
/// and blocks.
fn statement_paths(block: &syn::Block, prefix: &mut Vec<usize>) -> Vec<Vec<usize>> {
    let mut paths = Vec::new();
    for (i, stmt) in block.stmts.iter().enumerate() {
        prefix.push(i);
        paths.push(prefix.clone());
        for (k, inner) in inner_blocks(stmt).into_iter().enumerate() {
            prefix.push(k);
            paths.extend(statement_paths(inner, prefix));
            prefix.pop();
        }
        prefix.pop();
    }
    paths
}

fn inner_blocks(stmt: &syn::Stmt) -> Vec<&syn::Block> {
    let expr = match stmt {
        syn::Stmt::Expr(expr, _) => expr,
        syn::Stmt::Local(local) => match &local.init {
            Some(init) => &*init.expr,
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    match expr {
        syn::Expr::If(expr_if) => {
            let mut blocks = vec![&expr_if.then_branch];
            if let Some((_, els)) = &expr_if.else_branch {
                if let syn::Expr::Block(block) = &**els {
                    blocks.push(&block.block);
                }
            }
            blocks
        }
        syn::Expr::ForLoop(lp) => vec![&lp.body],
        syn::Expr::While(lp) => vec![&lp.body],
        syn::Expr::Loop(lp) => vec![&lp.body],
        syn::Expr::Block(block) => vec![&block.block],
        _ => Vec::new(),
    }
}

fn remove_statement(block: &mut syn::Block, path: &[usize]) {
    let (first, rest) = (path[0], &path[1..]);
    if rest.is_empty() {
        block.stmts.remove(first);
        return;
    }
    let stmt = &mut block.stmts[first];
    let expr = match stmt {
        syn::Stmt::Expr(expr, _) => expr,
        syn::Stmt::Local(local) => match &mut local.init {
            Some(init) => &mut *init.expr,
            None => return,
        },
        _ => return,
    };
    let inner: Option<&mut syn::Block> = match (expr, rest[0]) {
        (syn::Expr::If(expr_if), 0) => Some(&mut expr_if.then_branch),
        (syn::Expr::If(expr_if), _) => match &mut expr_if.else_branch {
            Some((_, els)) => match &mut **els {
                syn::Expr::Block(block) => Some(&mut block.block),
                _ => None,
            },
            None => None,
        },
        (syn::Expr::ForLoop(lp), _) => Some(&mut lp.body),
        (syn::Expr::While(lp), _) => Some(&mut lp.body),
        (syn::Expr::Loop(lp), _) => Some(&mut lp.body),
        (syn::Expr::Block(block), _) => Some(&mut block.block),
        _ => None,
    };
    if let Some(inner) = inner {
        remove_statement(inner, &rest[1..]);
    }
}

fn pretty(item: &TokenStream) -> String {
    match syn::parse2::<syn::File>(item.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => item.to_string(),
    }
}

fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn mutated_project_functions_expand_safely() {
    let (seeds, _) = corpus::project_functions(workspace_root());
    assert!(seeds.len() > 100, "only {} #[grad] functions found in the project", seeds.len());
    let inputs = env_number("AUTODIFF_FUZZ_INPUTS", 3000) as usize;
    let mut rng = Rng::new(env_number("AUTODIFF_FUZZ_SEED", 1));
    let donors: Vec<syn::ItemFn> = seeds.iter().map(|seed| seed.item.clone()).collect();
    let mut report = Report { inputs: inputs + seeds.len(), ..Report::default() };
    for seed in &seeds {
        let item = &seed.item;
        if let Err(failure) = check(&seed.args, &quote!(#item), false) {
            report.add(format!("{} as written", seed.file), &seed.args, &quote!(#item), failure);
        }
    }
    for _ in 0..inputs {
        let seed = &seeds[rng.below(seeds.len())];
        let (args, item) = mutate::mutate(&seed.args, &seed.item, &donors, &mut rng);
        if let Err(failure) = check(&args, &item, false) {
            report.add(format!("{}, {}", seed.file, seed.item.sig.ident), &args, &item, failure);
        }
    }
    if let Err(text) = report.finish(false) {
        panic!("{text}");
    }
}

#[test]
fn generated_functions_are_accepted_and_expand_safely() {
    let count = env_number("AUTODIFF_FUZZ_INPUTS", 3000) as usize / 10;
    let seed = env_number("AUTODIFF_FUZZ_SEED", 1);
    let mut functions = grammar::program(seed, count);
    // Their generic twins (`fn caseN_g<T: Float>`) too.
    functions.extend(grammar::generic_twins(seed, count, grammar::GENERIC_SHARE).into_iter().map(|(_, twin)| twin));
    let mut report = Report { inputs: functions.len(), ..Report::default() };
    for function in &functions {
        let args: TokenStream = function.attr_args().parse().expect("generated arguments parse");
        let item: TokenStream = function.item().parse().expect("generated functions parse");
        if let Err(failure) = check(&args, &item, true) {
            report.add(format!("generated {}", function.name), &args, &item, failure);
        }
    }
    if let Err(text) = report.finish(true) {
        panic!("{text}");
    }
}

/// The checks themselves can fail: an internal error, `unsafe` in an
/// accepted expansion and a refusal are reported.
#[test]
fn the_checks_catch_what_they_look_for() {
    let errors = compile_errors(&quote!(a ::core::compile_error! { "one" } { compile_error!("two"); }));
    assert_eq!(errors, vec!["\"one\"".to_owned(), "\"two\"".to_owned()]);
    assert_eq!(
        count_ident(
            &quote!(unsafe {
                unsafe fn g() {}
            }),
            "unsafe"
        ),
        2
    );
    let square = quote!(
        fn f(x: f64) -> f64 {
            x * x
        }
    );
    assert!(check(&quote!(), &square, true).is_ok());
    assert_eq!(count_ident(&grad(quote!(), square), "unsafe"), 0);
    let refused = check(
        &quote!(),
        &quote!(
            fn f(x: f64) -> f64 {
                let mut y = x;
                while let Some(v) = Some(y) {
                    y = v;
                }
                y
            }
        ),
        true,
    );
    assert!(refused.is_err_and(|failure| failure.kind == Kind::Refused));
}

/// The grammar's functions are valid Rust the macro's parser reads.
#[test]
fn generated_functions_parse() {
    for function in grammar::program(7, 50) {
        let source = function.item();
        assert!(syn::parse_str::<syn::ItemFn>(&source).is_ok(), "does not parse:\n{source}");
    }
}
