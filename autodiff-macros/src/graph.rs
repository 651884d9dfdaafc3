//! `#[grad(graph)]`: `NAME_graph(..)`, the function's computational graph
//! at a point, built by the reverse sweep of `NAME_vjp` with the runtime's
//! `Graph` builder calls beside its statements (see the builder's contract,
//! `autodiff_runtime::graph::build`).
//!
//! The sweep calls [`Hooks`] at two places: around each statement of the
//! primal replay ([`Hooks::before`], [`Hooks::after`]: a loop's cluster and
//! its passes; the node of an assignment with its value and the local
//! partials of the rule table, evaluated by the generated code through
//! `emit::partial`), and where the reverse sweep reaches an assignment or
//! a store, the adjoint of the value it assigned then final
//! ([`Hooks::adjoint`], [`Hooks::store_adjoint`]). Without `graph` the sweep
//! has no hooks and emits what it always did.
//!
//! Every float the function computes is drawn: scalars, and arrays (of
//! arrays), slices, vectors and models as one node of their numbers (a
//! model's in the order of `Params::for_each_slice`). A call's partials come
//! from the callee's `vjp`, run again beside the call (into zeroed shadows
//! for its reference arguments). A call that gives several floats, or
//! writes them into an `&mut` argument (then written into that buffer's
//! node), is one node of them, its partials those of their sum (each float
//! seeded 1), as is the result of a function that returns several. A
//! function with a custom `vjp` is drawn as one call node
//! ([`custom_function`]). The generated code records each
//! float through `autodiff::graph::number`, so that a function generic over
//! its float (expanded at `f64` standing in for `T`) gets a generic graph.
//!
//! In the generated code each value the function computes has a
//! `__graph_var_k: Option<NodeId>` (its current node: what a read of it is
//! an edge from) and each assignment a `__graph_site_k` (its node, for the
//! reverse sweep's adjoint).

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::Ident;

use crate::activity::Activity;
use crate::emit::{self, Holes};
use crate::ir::{
    walk, Arg, Body, Header, Loop, LoopId, Op, Operand, Place, Proj, Rhs, Spelling, Stmt, Ty, Var, VarKind,
};
use crate::naming;
use crate::rules::partials;
use crate::signature::{ParamClass, Signature};

/// What the sweep calls to build the graph beside `NAME_vjp`'s statements.
pub struct Hooks {
    /// Each assignment, by the address of its right-hand side (the forward
    /// and the reverse sweep walk the same body), and its number.
    sites: HashMap<*const Rhs, usize>,
    /// What a read of each variable is written as in a label: its name, or
    /// for a temporary the expression it stands for, with how tightly that
    /// expression binds (to bracket it only where Rust would need it).
    texts: Vec<(String, u8)>,
    /// Whether each variable is drawn (floats and arrays of floats).
    drawn: Vec<bool>,
    /// Whether a derivative flows from each variable (it is active): the
    /// edges from the others carry no partial.
    active: Vec<bool>,
    /// The element reads of each assignment: its operands (by position)
    /// that are drawn as `element` nodes, whose adjoints are the
    /// assignment's times their partials.
    reads: std::collections::BTreeMap<usize, Vec<usize>>,
    /// The statement each loop's pass starts with, by address: the body's
    /// first, or in a `while` loop the first of the branch its condition
    /// guards (the pass that finds the condition false draws nothing). A
    /// loop without one has no statements and no cluster.
    pass_starts: HashSet<*const Stmt>,
    loops: HashSet<LoopId>,
    /// The assignments of calls that give or write several floats: an
    /// element read passed to one has, as its partial for its adjoint, one
    /// per float (`__graph_read_partial_*` is a vector).
    several: HashSet<usize>,
    /// The element reads stored into an array (`y[i] = x[j]`), by the
    /// address of the stored operand, and their numbers: their adjoints
    /// are those of the elements they are stored into.
    stores: HashMap<*const Operand, usize>,
}

/// The graph being built, in the generated code.
fn graph() -> Ident {
    Ident::new("__graph", Span::mixed_site())
}

/// The current node of `var`.
fn var_node(var: Var) -> Ident {
    format_ident!("__graph_var_{}", var.0, span = Span::mixed_site())
}

/// The node of parameter `var` on entry, which keeps its adjoint when the
/// body assigns the parameter (`mut x: f64`, then `x = x * x`).
fn input_node(var: Var) -> Ident {
    format_ident!("__graph_input_{}", var.0, span = Span::mixed_site())
}

/// The node of assignment `site`.
fn site_node(site: usize) -> Ident {
    format_ident!("__graph_site_{}", site, span = Span::mixed_site())
}

/// The node of the element read by operand `k` of assignment `site`.
fn read_node(site: usize, k: usize) -> Ident {
    format_ident!("__graph_read_{}_{}", site, k, span = Span::mixed_site())
}

/// The partial of assignment `site` in that element, at its last run.
fn read_partial(site: usize, k: usize) -> Ident {
    format_ident!("__graph_read_partial_{}_{}", site, k, span = Span::mixed_site())
}

/// The node of the element read stored by store `k`.
fn store_node(k: usize) -> Ident {
    format_ident!("__graph_store_{}", k, span = Span::mixed_site())
}

/// The partials of a call in its reference argument `i`.
fn reference_partials(i: usize) -> Ident {
    format_ident!("__graph_shadow_arg_{}", i, span = Span::mixed_site())
}

/// The copy of operand `k` taken before an assignment, which may overwrite
/// it, for the partials evaluated after it.
fn operand_copy(k: usize) -> Ident {
    format_ident!("__graph_arg_{}", k, span = Span::mixed_site())
}

impl Hooks {
    pub fn new(body: &Body, activity: &Activity) -> Self {
        // (A table, `data: &[Sample]`, is constant data the graph does not draw: its elements are
        // constants where the body reads them.)
        let drawn = body
            .vars
            .iter()
            .map(|info| is_drawn_type(info.ty) && is_value_kind(info.kind) && !crate::ir::is_table(info))
            .collect();
        let mut hooks = Hooks {
            sites: HashMap::new(),
            texts: body.vars.iter().map(|info| (naming::user_name(&info.ident), ATOM)).collect(),
            drawn,
            active: (0..body.vars.len()).map(|i| activity.is_active(Var(i))).collect(),
            reads: std::collections::BTreeMap::new(),
            pass_starts: HashSet::new(),
            loops: HashSet::new(),
            several: HashSet::new(),
            stores: HashMap::new(),
        };
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Loop(lp) = stmt {
                if let Some(start) = pass_start(lp) {
                    hooks.pass_starts.insert(start as *const Stmt);
                    hooks.loops.insert(lp.id);
                }
            }
        });
        let mut assignments: HashMap<Var, usize> = HashMap::new();
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Assign { dst, .. } = stmt {
                *assignments.entry(*dst).or_default() += 1;
            }
        });
        let mut sites = Vec::new();
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Assign { dst, rhs, .. } = stmt {
                sites.push((*dst, rhs));
            }
        });
        // `for _ in ..`, `for v in x.iter()`: an index the user did not name.
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Loop(crate::ir::Loop { header: Header::Range { index, .. }, .. }) = stmt {
                if hooks.texts[index.0].0.starts_with("__") {
                    hooks.texts[index.0].0 = "_".to_owned();
                }
            }
        });
        let mut stored = Vec::new();
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Store { place, value, .. } = stmt {
                if hooks.drawn[place.var.0]
                    && matches!(value, Operand::Place(_))
                    && hooks.is_differentiated(body, value)
                {
                    stored.push(value as *const Operand);
                }
            }
        });
        hooks.stores = stored.into_iter().enumerate().map(|(k, value)| (value, k)).collect();
        for (site, (dst, rhs)) in sites.into_iter().enumerate() {
            hooks.sites.insert(rhs as *const Rhs, site);
            if matches!(rhs, Rhs::Call(..)) && body.var(dst).ty == Ty::Aggregate {
                hooks.several.insert(site);
            }
            let reads: Vec<usize> = hooks
                .edge_operands(body, dst, rhs)
                .into_iter()
                .enumerate()
                .filter(|(_, operand)| matches!(operand, Operand::Place(_)) && hooks.is_differentiated(body, operand))
                .map(|(k, _)| k)
                .collect();
            if hooks.drawn[dst.0] && !reads.is_empty() {
                hooks.reads.insert(site, reads);
            }
            // A `const` table reads as its path (`W`, not its reference's name).
            if let (true, Rhs::Use(Operand::Const(path))) = (crate::ir::is_table(body.var(dst)), rhs) {
                let path = path.tokens.to_string().replace(' ', "");
                hooks.texts[dst.0] = (path.trim_start_matches('&').to_owned(), ATOM);
            }
            // A temporary assigned once reads as the expression it holds.
            if body.var(dst).kind == VarKind::Temp && assignments.get(&dst) == Some(&1) {
                hooks.texts[dst.0] = (hooks.expression(body, rhs), binding(rhs));
            }
        }
        hooks
    }

    /// The declarations of every node variable, before the parameters' nodes.
    pub fn declarations(&self) -> TokenStream {
        let vars = (0..self.drawn.len()).filter(|&i| self.drawn[i]).map(|i| var_node(Var(i)));
        let sites = (0..self.sites.len()).map(site_node);
        let reads: Vec<(usize, usize)> =
            self.reads.iter().flat_map(|(&site, ks)| ks.iter().map(move |&k| (site, k))).collect();
        let read_nodes = reads.iter().map(|&(site, k)| read_node(site, k));
        let (several, single): (Vec<_>, Vec<_>) = reads.iter().partition(|(site, _)| self.several.contains(site));
        let read_partials = single.iter().map(|&&(site, k)| read_partial(site, k));
        let read_jacobians = several.iter().map(|&&(site, k)| read_partial(site, k));
        let stores = (0..self.stores.len()).map(store_node);
        let node = quote!(::core::option::Option<::autodiff::NodeId>);
        quote! {
            #(let mut #stores: #node = ::core::option::Option::None;)*
            #(let mut #vars: #node = ::core::option::Option::None;)*
            #(let mut #sites: #node = ::core::option::Option::None;)*
            #(let mut #read_nodes: #node = ::core::option::Option::None;)*
            #(let mut #read_partials = ::autodiff::graph::number(0.0);)*
            #(let mut #read_jacobians = ::std::vec::Vec::new();)*
        }
    }

    /// The nodes of the parameters: differentiated ones as inputs, the
    /// other floats and arrays as constants.
    pub fn parameters(&self, sig: &Signature, body: &Body) -> TokenStream {
        let g = graph();
        let mut tokens = TokenStream::new();
        for (param, &var) in sig.params.iter().zip(&body.params) {
            if !self.drawn[var.0] {
                continue;
            }
            let name = naming::user_name(param.ident);
            let value = self.value(body, var);
            let node = var_node(var);
            let method = match param.class {
                ParamClass::Constant => quote!(constant),
                ParamClass::Output { .. } => quote!(output_parameter),
                _ => quote!(input),
            };
            let input = input_node(var);
            tokens.extend(quote! {
                #node = ::core::option::Option::Some(#g.#method(#name, #value));
                let #input = #node;
            });
        }
        tokens
    }

    /// `Value`-convertible tokens for the current value of `var`.
    fn value(&self, body: &Body, var: Var) -> TokenStream {
        aggregate_value(body, var, &body.var(var).ident.to_token_stream())
    }

    // ---- labels ----

    fn operand_text(&self, body: &Body, operand: &Operand) -> String {
        match operand {
            Operand::Var(var) => self.texts[var.0].0.clone(),
            Operand::Const(constant) => constant.tokens.to_string(),
            Operand::Place(place) => self.place_text(body, place),
        }
    }

    fn place_text(&self, body: &Body, place: &Place) -> String {
        let mut text = self.texts[place.var.0].0.clone();
        // A float of a call's tuple result (kept as an array): `split(x).0`.
        if let ([Proj::Index(Operand::Const(index))], Some(_)) =
            (place.proj.as_slice(), emit::tuple_result(body, place.var))
        {
            return format!("{text}.{}", index.tokens.to_string().trim_end_matches("usize"));
        }
        for proj in &place.proj {
            match proj {
                Proj::Index(index) => text += &format!("[{}]", self.operand_text(body, index)),
                Proj::Field(member) => text += &format!(".{}", member.to_token_stream()),
            }
        }
        text
    }

    /// The expression `rhs` stands for, as the user would write it.
    fn expression(&self, body: &Body, rhs: &Rhs) -> String {
        let texts = |operands: &[Operand]| -> Vec<String> {
            operands.iter().map(|operand| self.operand_text(body, operand)).collect()
        };
        match rhs {
            Rhs::Use(operand) => self.operand_text(body, operand),
            Rhs::Prim(op, args) => {
                let own = binding(rhs);
                // An operand in brackets where it binds less tightly than
                // the op (on the right of an infix op, as tightly, too).
                let bracketed = |k: usize, min: u8| {
                    let text = self.operand_text(body, &args[k]);
                    match &args[k] {
                        Operand::Var(var) if self.texts[var.0].1 < min => format!("({text})"),
                        _ => text,
                    }
                };
                match op.facts().spelling {
                    Spelling::Prefix(sign) => format!("{sign}{}", bracketed(0, own)),
                    Spelling::Infix(sign) => format!("{} {sign} {}", bracketed(0, own), bracketed(1, own + 1)),
                    Spelling::Method(name) => {
                        let rest: Vec<String> = args[1..].iter().map(|arg| self.operand_text(body, arg)).collect();
                        format!("{}.{name}({})", bracketed(0, ATOM), rest.join(", "))
                    }
                    Spelling::Cast(float) => format!("{} as {}", bracketed(0, own), emit::float_type(float)),
                }
            }
            Rhs::Call(path, args) => {
                let path = path.to_token_stream().to_string().replace(' ', "");
                let args: Vec<String> = args
                    .iter()
                    .map(|arg| match arg {
                        Arg::Value(operand) => self.operand_text(body, operand),
                        Arg::Ref { place, range, mutable, borrowed } => {
                            let mut text = self.place_text(body, place);
                            if let Some(range) = range {
                                text += &self.range_text(body, range);
                            }
                            // (A table lent whole was written `&W`.)
                            let table =
                                crate::ir::is_table(body.var(place.var)) && body.var(place.var).kind != VarKind::Param;
                            match (borrowed, mutable) {
                                (false, _) if table && place.proj.is_empty() => format!("&{text}"),
                                (false, _) => text,
                                (true, false) => format!("&{text}"),
                                (true, true) => format!("&mut {text}"),
                            }
                        }
                    })
                    .collect();
                format!("{path}({})", args.join(", "))
            }
            Rhs::ArrayLit(items) => format!("[{}]", texts(items).join(", ")),
            Rhs::Repeat(value, len) => format!("[{}; {len}]", self.operand_text(body, value)),
            // An empty vector is what `Vec::new()` (and `collect`) lowered to.
            Rhs::VecRepeat(_, Operand::Const(len)) if len.tokens.to_string() == "0usize" => "Vec::new()".to_owned(),
            Rhs::VecRepeat(value, len) => {
                format!("vec![{}; {}]", self.operand_text(body, value), self.operand_text(body, len))
            }
            Rhs::Deref(var) => format!("*{}", self.texts[var.0].0),
            Rhs::Method(receiver, name, args) => {
                format!("{}.{name}({})", self.operand_text(body, receiver), texts(args).join(", "))
            }
            Rhs::Cast(operand, ty) => format!("{} as {}", self.operand_text(body, operand), ty.to_token_stream()),
            Rhs::Matches(operand, pat, _) => {
                format!("matches!({}, {})", self.operand_text(body, operand), pat.to_token_stream())
            }
        }
    }

    /// `[lo..hi]`, `[lo..]`, `[..=hi]`.
    fn range_text(&self, body: &Body, range: &crate::ir::SliceRange) -> String {
        let bound = |bound: &Option<Operand>| bound.as_ref().map(|b| self.operand_text(body, b)).unwrap_or_default();
        let dots = if range.inclusive { "..=" } else { ".." };
        format!("[{}{dots}{}]", bound(&range.lo), bound(&range.hi))
    }

    fn loop_label(&self, body: &Body, header: &Header) -> String {
        match header {
            Header::Range { index, lo, hi, inclusive, .. } => {
                let dots = if *inclusive { "..=" } else { ".." };
                let (lo, hi) = (self.operand_text(body, lo), self.operand_text(body, hi));
                format!("for {} in {lo}{dots}{hi}", self.texts[index.0].0)
            }
            Header::Forever => "loop".to_owned(),
        }
    }

    // ---- the primal replay ----

    /// Before a statement: a loop's cluster opens; an assignment copies
    /// its operands, which it may overwrite, for its partials.
    pub fn before(&self, body: &Body, stmt: &Stmt) -> TokenStream {
        let g = graph();
        let next_pass = self.pass_starts.contains(&(stmt as *const Stmt)).then(|| quote!(#g.next_pass();));
        let own = match stmt {
            Stmt::Loop(lp) if self.loops.contains(&lp.id) => {
                let label = self.loop_label(body, &lp.header);
                quote!(#g.begin_loop(#label);)
            }
            Stmt::Assign { dst, rhs, span, .. } if self.drawn[dst.0] => {
                let copies = value_operands(rhs).into_iter().enumerate().map(|(k, operand)| {
                    let copy = operand_copy(k);
                    let value = emit::operand(body, operand);
                    // (A constant receiver of a method's twin is lent, `emit::call_argument`.)
                    let lent = matches!((rhs, operand), (Rhs::Call(path, _), Operand::Place(_))
                        if emit::is_lent_receiver(path, k));
                    let value = if lent { quote!(&#value) } else { value.into_token_stream() };
                    quote_spanned!(*span=> let #copy = #value;)
                });
                // A call writing in place: the part it writes, before it.
                let written = match rhs {
                    Rhs::Call(_, args) => written_part(body, args, *dst),
                    _ => None,
                };
                let entry = written.map(|part| {
                    let entry = written_entry();
                    quote_spanned!(*span=> let #entry = ::std::borrow::ToOwned::to_owned(&#part);)
                });
                quote!(#(#copies)* #entry)
            }
            _ => TokenStream::new(),
        };
        quote!(#next_pass #own)
    }

    /// After a statement: an assignment's node, a store's edge, the end of
    /// a loop's cluster.
    pub fn after(&self, body: &Body, stmt: &Stmt) -> TokenStream {
        let g = graph();
        match stmt {
            Stmt::Loop(lp) if self.loops.contains(&lp.id) => quote!(#g.end_loop();),
            Stmt::Assign { dst, rhs, span, .. } if self.drawn[dst.0] => self.assignment(body, *dst, rhs, *span),
            Stmt::Store { place, value, span, .. } if self.drawn[place.var.0] => self.store(body, place, value, *span),
            _ => TokenStream::new(),
        }
    }

    /// The node of `dst = rhs`: an alias for a temporary that only renames
    /// a value, else a new node with an edge from each operand's node.
    fn assignment(&self, body: &Body, dst: Var, rhs: &Rhs, span: Span) -> TokenStream {
        let g = graph();
        let site_index = self.sites[&(rhs as *const Rhs)];
        let site = site_node(site_index);
        let current = var_node(dst);
        let info = body.var(dst);
        let named = matches!(info.kind, VarKind::Local | VarKind::Param);
        let mut tokens = TokenStream::new();
        let mut parents = Vec::new();
        let mut array_links = TokenStream::new();
        if rhs.written_in_place() == Some(dst) {
            return self.in_place_call(body, dst, rhs, span);
        }
        match rhs {
            // `__t = v`, `__ret = v`: the same value, the same node.
            Rhs::Use(Operand::Var(source)) if !named => {
                let source = self.current(*source);
                return quote!(#current = #source;);
            }
            // `__t = x[i]`: the element's node, whose adjoint is the temporary's.
            Rhs::Use(Operand::Place(place)) if !named => {
                let element = self.element(body, place, 0, &mut tokens);
                return quote!(#tokens #site = #element; #current = #site;);
            }
            Rhs::Prim(op, operands) => {
                let args: Vec<emit::Piece> =
                    (0..operands.len()).map(|k| emit::Piece::Stream(operand_copy(k).to_token_stream())).collect();
                let out = emit::Piece::Stream(info.ident.to_token_stream());
                let holes = Holes { args: &args, out: &out, float: emit::float_of(body, dst), span };
                for (k, (operand, d)) in operands.iter().zip(partials(*op)).enumerate() {
                    if !self.is_drawn_operand(body, operand) {
                        continue;
                    }
                    // No rule: a derivative that is zero (piecewise-constant ops).
                    let d = d.map_or_else(|| quote!(0.0), |d| emit::partial(&d, &holes).into_token_stream());
                    self.edge(body, site_index, k, operand, number(&d), &mut tokens, &mut parents);
                }
            }
            Rhs::Call(path, args) => {
                array_links = self.call_partials(body, site_index, path, args, span, &mut tokens, &mut parents);
                array_links.extend(self.reference_links(body, args, &site));
            }
            Rhs::Use(operand) | Rhs::Repeat(operand, _) | Rhs::VecRepeat(operand, _) => {
                if self.is_drawn_operand(body, operand) && body.ty(operand) != Ty::Aggregate {
                    self.edge(body, site_index, 0, operand, number(&quote!(1.0)), &mut tokens, &mut parents);
                }
            }
            Rhs::Deref(var) => {
                let source = self.current(*var);
                let partial = self.active[var.0].then(|| number(&quote!(1.0)));
                parents.push(flow(&source, partial.as_ref()));
            }
            // No derivative flows through these (a pattern test is a bool).
            Rhs::ArrayLit(_) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => {}
        }
        // An array literal: an edge from each element's node, into its index.
        // The elements are read from the arrays' nodes before this node
        // replaces `dst`'s (`s = [s[1], s[0]]` reads the old `s`).
        let mut literal_links = TokenStream::new();
        if let Rhs::ArrayLit(items) = rhs {
            for (k, item) in items.iter().enumerate() {
                if self.is_drawn_operand(body, item) {
                    let from = self.parent(body, item, k, &mut tokens);
                    // An element read keeps its node for its adjoint.
                    let kept = self.is_read(site_index, k).then(|| {
                        let read = read_node(site_index, k);
                        quote!(#read = #from;)
                    });
                    // (A row, `[[1.0, x], [y, 2.0]]`: an edge into the array,
                    // which shows all its numbers, as a row stored does.)
                    let into = if body.ty(item) == Ty::Aggregate {
                        let numbers = self.value(body, dst);
                        quote!(#g.write(__array, __from, #numbers))
                    } else {
                        quote!(#g.store(__array, #k, __from))
                    };
                    literal_links.extend(quote! {
                        #kept
                        if let (::core::option::Option::Some(__array), ::core::option::Option::Some(__from)) = (#site, #from) {
                            #into;
                        }
                    });
                }
            }
        }
        let expr = self.expression(body, rhs);
        let value = self.value(body, dst);
        let name = naming::name_of(&info.ident);
        let node = with_flows(&parents, |differentiated| match rhs {
            Rhs::Call(..) => {
                let label = if named { format!("{name} = {expr}") } else { expr };
                quote!(#g.call(#label, #value, #differentiated))
            }
            _ if named => quote!(#g.bind(#name, #expr, #value, #differentiated)),
            _ => quote!(#g.op(#expr, #value, #differentiated)),
        });
        tokens
            .extend(quote_spanned!(span=> #site = ::core::option::Option::Some(#node); #current = #site; #array_links));
        tokens.extend(literal_links);
        tokens
    }

    /// `helper(x, &mut out)`: a call node holding what the call wrote (the
    /// buffer, or its range), with edges from what it reads, then written
    /// into the buffer's node (`Graph::write`), which stays the buffer's
    /// node. The partials are the callee's `vjp_in_place` seeded with 1 in
    /// each element it writes (those of the sum of what it writes); the
    /// buffer's entry value is an edge where the callee reads it (a partial
    /// in it that is not zero: it updated the buffer rather than overwrote
    /// it).
    fn in_place_call(&self, body: &Body, dst: Var, rhs: &Rhs, span: Span) -> TokenStream {
        let Rhs::Call(path, args) = rhs else { return TokenStream::new() };
        let g = graph();
        let site_index = self.sites[&(rhs as *const Rhs)];
        let site = site_node(site_index);
        let (mut tokens, mut parents) = (TokenStream::new(), Vec::new());
        let mut array_links = self.call_partials(body, site_index, path, args, span, &mut tokens, &mut parents);
        array_links.extend(self.reference_links(body, args, &site));
        let written = args.iter().position(|arg| matches!(arg, Arg::Ref { mutable: true, .. })).unwrap_or_default();
        let depth = match &args[written] {
            Arg::Ref { place, .. } => written_depth(body, place),
            Arg::Value(_) => 1,
        };
        let Some(part) = written_part(body, args, dst) else { return TokenStream::new() };
        let label = self.expression(body, rhs);
        let node = with_flows(
            &parents,
            |differentiated| quote!(#g.call(#label, ::autodiff::Value::numbers(&#part), #differentiated)),
        );
        let (buffer, entry_partials) = (self.current(dst), reference_partials(written));
        let entry_numbers = numbers(entry_partials.to_token_stream(), depth, false);
        let partial = if self.active[dst.0] {
            quote!(::core::option::Option::Some(::autodiff::Value::numbers(&#entry_partials)))
        } else {
            quote!(::core::option::Option::None)
        };
        let numbers = self.value(body, dst);
        tokens.extend(quote_spanned!(span=>
            #site = ::core::option::Option::Some(#node);
            #array_links
            if let (::core::option::Option::Some(__buffer), ::core::option::Option::Some(__call)) = (#buffer, #site) {
                if #entry_numbers.any(|d| ::autodiff::graph::number(*d) != ::autodiff::graph::number(0.0)) {
                    #g.link(__buffer, __call, #partial);
                }
                #g.write(__buffer, __call, #numbers);
            }
        ));
        tokens
    }

    /// `(value, ∂/∂a, ..) = f::vjp(a, .., 1.0)`: the callee's own generated
    /// derivative gives the partial of each float argument (seeded with 1
    /// in each element of a call that gives several floats: the partials of
    /// their sum). Returns the edges from the arrays passed by value, with
    /// their partials, for after the call's node (`#site`).
    #[allow(clippy::too_many_arguments)]
    fn call_partials(
        &self,
        body: &Body,
        site: usize,
        path: &syn::ExprPath,
        args: &[Arg],
        span: Span,
        tokens: &mut TokenStream,
        parents: &mut Vec<TokenStream>,
    ) -> TokenStream {
        let in_place = args.iter().any(|arg| matches!(arg, Arg::Ref { mutable: true, .. }));
        let mut pattern = vec![quote!(_)];
        // The arguments of the call, and of the calls seeded with one float
        // at a time (`unit_seed`), which get shadows of their own.
        let (mut call_args, mut unit_args) = (Vec::new(), Vec::new());
        let unit_seed = Ident::new("__graph_unit_seed", Span::mixed_site());
        let mut pending = Vec::new();
        let mut array_links = TokenStream::new();
        let mut values = 0..;
        for (i, arg) in args.iter().enumerate() {
            let operand = match arg {
                Arg::Value(operand) => operand,
                // The written buffer: a copy of its entry value for the
                // callee to overwrite, and a seed of 1 in each element it
                // writes, which the callee leaves as the partials in its
                // entry value.
                Arg::Ref { place, mutable: true, .. } => {
                    let (entry, seed) = (written_entry(), reference_partials(i));
                    let seeded = numbers(seed.to_token_stream(), written_depth(body, place), true);
                    tokens.extend(quote_spanned!(span=>
                        let mut #seed = ::std::borrow::ToOwned::to_owned(&#entry);
                        #seeded.for_each(|__d| *__d = 1.0);
                    ));
                    let copy = quote!(&mut ::std::borrow::ToOwned::to_owned(&#entry));
                    call_args.extend([copy.clone(), quote!(&mut #seed)]);
                    unit_args.extend([copy, quote!(&mut #unit_seed)]);
                    continue;
                }
                // A field of a constant struct, of a type the macro cannot
                // see: a zero of the field's shape, the range of it lent.
                Arg::Ref { place, range, .. } if body.is_unseen_field(place) => {
                    let buffer = reference_partials(i);
                    let argument = emit::argument(body, arg, span);
                    let zero = emit::lent_zero(body, place);
                    let part = emit::sliced(body, &quote!(#buffer), range.as_ref());
                    let unit_part = emit::sliced(body, &quote!((#zero)), range.as_ref());
                    tokens.extend(quote_spanned!(span=> let mut #buffer = #zero;));
                    call_args.extend([argument.clone(), quote!(&mut #part)]);
                    unit_args.extend([argument, quote!(&mut #unit_part)]);
                    continue;
                }
                Arg::Ref { place, range, .. } => {
                    // A zero shadow for the callee to add the partials into.
                    let buffer = reference_partials(i);
                    let argument = emit::argument(body, arg, span);
                    let shape = emit::unguarded_argument(body, arg);
                    let info = body.var(place.var);
                    let zero = match info.dims {
                        None if crate::ir::is_table_slot(info, place, range.is_some()) => emit::table_slot(info),
                        // A struct the function does not differentiate (`guards::slot`).
                        None if info.ty != Ty::Aggregate => quote!(::autodiff::guards::slot(&*#shape)),
                        None => quote!(::autodiff::Params::zeros_like(&*#shape)),
                        Some(_) => quote!(::autodiff::graph::ZeroShadow::zero_shadow(&*#shape)),
                    };
                    tokens.extend(quote_spanned!(span=> let mut #buffer = #zero;));
                    call_args.extend([argument.clone(), quote!(&mut #buffer)]);
                    unit_args.extend([argument, quote!(&mut #zero)]);
                    continue;
                }
            };
            let k = values.next().unwrap_or_default();
            call_args.push(operand_copy(k).to_token_stream());
            unit_args.push(operand_copy(k).to_token_stream());
            if !body.ty(operand).is_differentiable() {
                continue;
            }
            let partial = format_ident!("__graph_d{}", k, span = Span::mixed_site());
            pattern.push(quote!(#partial));
            match operand {
                // An array by value: an edge from its node, the partials in it.
                Operand::Var(var) if body.ty(operand) == Ty::Aggregate && self.drawn[var.0] => {
                    array_links.extend(self.link_from(body, *var, &site_node(site), &quote!(&#partial)));
                }
                _ if self.is_drawn_operand(body, operand) => pending.push((k, operand, partial)),
                _ => {}
            }
        }
        let several = self.several.contains(&site);
        let value = Ident::new("__graph_values", Span::mixed_site());
        if in_place {
            // `vjp_in_place` returns the partials alone.
            pattern.remove(0);
        } else if several {
            pattern[0] = value.to_token_stream();
        }
        let call_args_of = args;
        let call = |args: &[TokenStream], seed: TokenStream| {
            let method = if in_place { crate::companion::VJP_IN_PLACE } else { crate::companion::VJP };
            let vjp = crate::companion::method(path, method, span);
            let vjp = emit::gated_callee(body, &vjp, call_args_of);
            if in_place {
                quote_spanned!(span=> let (#(#pattern,)*) = #vjp(#(#args,)*);)
            } else {
                quote_spanned!(span=> let (#(#pattern),*) = #vjp(#(#args,)* #seed);)
            }
        };
        // (Of the callee's result's shape: a float, an array, rows.)
        let ones = if several { quote!(::autodiff::guards::one_array()) } else { quote!(1.0) };
        tokens.extend(call(&call_args, ones));
        // An element read passed to a call of several floats: its partial
        // in each float, by a call seeded with that float alone.
        let reads: Vec<usize> = pending.iter().map(|&(k, ..)| k).filter(|&k| self.is_read(site, k)).collect();
        if several && !reads.is_empty() {
            let (count, seed) = if in_place {
                let entry = written_entry();
                let seed = quote! {
                    let mut #unit_seed = ::std::borrow::ToOwned::to_owned(&#entry);
                    #unit_seed.fill(0.0);
                    #unit_seed[__unit] = 1.0;
                };
                (quote!(#entry.len()), seed)
            } else {
                let seed = quote! {
                    let #unit_seed = ::core::array::from_fn(|__j| if __j == __unit { 1.0 } else { 0.0 });
                };
                (quote!(#value.len()), seed)
            };
            let unit_call = call(&unit_args, unit_seed.to_token_stream());
            let jacobians: Vec<Ident> = reads.iter().map(|&k| read_partial(site, k)).collect();
            let partials = reads.iter().map(|&k| format_ident!("__graph_d{}", k, span = Span::mixed_site()));
            tokens.extend(quote_spanned!(span=>
                #(#jacobians.clear();)*
                for __unit in 0..#count {
                    #seed
                    #unit_call
                    #(#jacobians.push(::autodiff::graph::number(#partials));)*
                }
            ));
        }
        for (k, operand, partial) in pending {
            self.edge(body, site, k, operand, number(&partial.to_token_stream()), tokens, parents);
        }
        array_links
    }

    /// The edge from the node of `var`, an array (of arrays), a slice or a
    /// model, into the node `to`, with the partials `partials` (a reference
    /// to them) if a derivative flows from `var`.
    fn link_from(&self, body: &Body, var: Var, to: &Ident, partials: &TokenStream) -> TokenStream {
        let g = graph();
        let from = self.current(var);
        let partial = if !self.active[var.0] {
            quote!(::core::option::Option::None)
        } else if body.var(var).dims.is_none() {
            quote!(::core::option::Option::Some(::autodiff::Value::params(#partials)))
        } else {
            quote!(::core::option::Option::Some(::autodiff::Value::numbers(#partials)))
        };
        quote! {
            if let (::core::option::Option::Some(__from), ::core::option::Option::Some(__to)) = (#from, #to) {
                #g.link(__from, __to, #partial);
            }
        }
    }

    /// Whether operand `k` of assignment `site` is an element read whose
    /// node gets an adjoint.
    fn is_read(&self, site: usize, k: usize) -> bool {
        self.reads.get(&site).is_some_and(|reads| reads.contains(&k))
    }

    /// The edges into the node of a call, `site`, from the arrays and
    /// models it takes by reference, each with the callee's partials in
    /// the part it takes (`call_partials` computed them).
    fn reference_links(&self, body: &Body, args: &[Arg], site: &Ident) -> TokenStream {
        let mut links = TokenStream::new();
        for (i, arg) in args.iter().enumerate() {
            let Arg::Ref { place, mutable, .. } = arg else { continue };
            if self.drawn[place.var.0] && !*mutable {
                let buffer = reference_partials(i);
                links.extend(self.link_from(body, place.var, site, &quote!(&#buffer)));
            }
        }
        links
    }

    /// The edge from operand `k` of assignment `site`, with `partial`; an
    /// element read keeps its node and partial for its adjoint.
    #[allow(clippy::too_many_arguments)]
    fn edge(
        &self,
        body: &Body,
        site: usize,
        k: usize,
        operand: &Operand,
        partial: TokenStream,
        tokens: &mut TokenStream,
        parents: &mut Vec<TokenStream>,
    ) {
        let node = self.parent(body, operand, k, tokens);
        if !self.is_differentiated(body, operand) {
            parents.push(flow(&node, None));
        } else if matches!(operand, Operand::Place(_)) && self.several.contains(&site) {
            // Its partials, one per float of the call, are `call_partials`'.
            let read = read_node(site, k);
            tokens.extend(quote!(#read = #node;));
            parents.push(flow(&read.to_token_stream(), Some(&partial)));
        } else if matches!(operand, Operand::Place(_)) {
            let (read, stored) = (read_node(site, k), read_partial(site, k));
            tokens.extend(quote!(#read = #node; #stored = #partial;));
            parents.push(flow(&read.to_token_stream(), Some(&stored.to_token_stream())));
        } else {
            parents.push(flow(&node, Some(&partial)));
        }
    }

    /// Whether a derivative flows from `operand`: a drawn, active value.
    fn is_differentiated(&self, body: &Body, operand: &Operand) -> bool {
        self.is_drawn_operand(body, operand) && operand.var().is_some_and(|var| self.active[var.0])
    }

    /// The operands of `dst = rhs` that are edges into its node, by
    /// position (a temporary that renames an element read has none: it is
    /// that element's node).
    fn edge_operands<'r>(&self, body: &Body, dst: Var, rhs: &'r Rhs) -> Vec<&'r Operand> {
        let named = matches!(body.var(dst).kind, VarKind::Local | VarKind::Param);
        match rhs {
            Rhs::Prim(_, operands) => operands.iter().collect(),
            Rhs::Call(_, args) => value_operands_of_call(args),
            Rhs::Use(operand) if named => vec![operand],
            Rhs::Repeat(operand, _) | Rhs::VecRepeat(operand, _) => vec![operand],
            Rhs::ArrayLit(items) => items.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// `y[i] = v`: the array's element takes the value, through an edge.
    fn store(&self, body: &Body, place: &Place, value: &Operand, span: Span) -> TokenStream {
        let g = graph();
        let array = self.current(place.var);
        let mut tokens = TokenStream::new();
        let from = if let Some(&k) = self.stores.get(&(value as *const Operand)) {
            // An element read: its node is kept for its adjoint.
            let from = self.parent(body, value, 0, &mut tokens);
            let kept = store_node(k);
            tokens.extend(quote!(#kept = #from;));
            kept.to_token_stream()
        } else if self.is_drawn_operand(body, value) {
            self.parent(body, value, 0, &mut tokens)
        } else {
            // A constant written in: a node of its own.
            let text = self.operand_text(body, value);
            let value = number(&emit::operand(body, value).into_token_stream());
            quote!(::core::option::Option::Some(#g.op(#text, #value, &[])))
        };
        // An array of arrays shows all its numbers again, after the write.
        // (The names bound and read, one span: the statement's may be
        // `mixed_site`, a name the lowering made, which `quote!` is not.)
        let (node, from_node) = (quote!(__array), quote!(__from));
        let write = match single_index(body, place) {
            Some(index) => quote!(#g.store(#node, (#index) as usize, #from_node)),
            None => {
                let numbers = self.value(body, place.var);
                quote!(#g.write(#node, #from_node, #numbers))
            }
        };
        let bound = quote!((::core::option::Option::Some(#node), ::core::option::Option::Some(#from_node)));
        quote_spanned!(span=> {
            #tokens
            if let #bound = (#array, #from) {
                #write;
            }
        })
    }

    /// The node a read of `operand` is an edge from (an `Option<NodeId>`);
    /// an element read gets an `element` node first (`slot`: the operand's
    /// position, naming that node apart from the other operands').
    fn parent(&self, body: &Body, operand: &Operand, slot: usize, tokens: &mut TokenStream) -> TokenStream {
        match operand {
            Operand::Var(var) => self.current(*var).to_token_stream(),
            Operand::Place(place) => self.element(body, place, slot, tokens),
            Operand::Const(_) => quote!(::core::option::Option::None),
        }
    }

    /// A node for the element read `place`: of a one-dimensional array by
    /// its index; of a model or an array of arrays by its value.
    fn element(&self, body: &Body, place: &Place, slot: usize, tokens: &mut TokenStream) -> TokenStream {
        let g = graph();
        let array = self.current(place.var);
        let label = self.place_text(body, place);
        let element = format_ident!("__graph_element_{}", slot, span = Span::mixed_site());
        let read = match single_index(body, place) {
            Some(index) => quote!(#g.element(#label, __array, (#index) as usize)),
            None => {
                let value = emit::place_at(body, place, &body.var(place.var).ident.to_token_stream());
                let value = number(&value);
                quote!(#g.read(#label, __array, #value))
            }
        };
        tokens.extend(quote! {
            let #element = #array.map(|__array| #read);
        });
        element.to_token_stream()
    }

    fn current(&self, var: Var) -> TokenStream {
        if self.drawn[var.0] {
            var_node(var).to_token_stream()
        } else {
            quote!(::core::option::Option::None)
        }
    }

    /// Whether an operand is a value the graph draws: a drawn variable or
    /// a float element of a drawn array.
    fn is_drawn_operand(&self, body: &Body, operand: &Operand) -> bool {
        match operand {
            Operand::Var(var) => self.drawn[var.0],
            Operand::Place(place) => self.drawn[place.var.0] && body.place_ty(place).is_float(),
            Operand::Const(_) => false,
        }
    }

    // ---- the reverse sweep ----

    /// Where the reverse sweep reaches `dst = rhs`: `bar`, the adjoint of
    /// the value it assigned, is final.
    pub fn adjoint(&self, body: &Body, dst: Var, rhs: &Rhs, bar: &TokenStream) -> TokenStream {
        let Some(&site_index) = self.sites.get(&(rhs as *const Rhs)) else { return TokenStream::new() };
        if !self.drawn[dst.0] {
            return TokenStream::new();
        }
        let g = graph();
        let site = site_node(site_index);
        // A call writing in place: the adjoint of the part it wrote.
        let written = match rhs {
            Rhs::Call(_, args) if rhs.written_in_place() == Some(dst) => written_part_of(body, args, dst, bar),
            _ => None,
        };
        // `+ 0.0`: an adjoint nothing reached reads 0, not -0.
        let adjoint = match &written {
            Some(part) => quote!(::autodiff::Value::numbers(&#part)),
            None => aggregate_value(body, dst, bar),
        };
        let reads = self.reads.get(&site_index).into_iter().flatten().map(|&k| {
            let (read, partial) = (read_node(site_index, k), read_partial(site_index, k));
            // An element of an array literal: the adjoint of its place in the array.
            let adjoint = match rhs {
                Rhs::ArrayLit(_) => number(&quote!((#bar)[#k])),
                // Passed to a call of several floats: the adjoint of each
                // times the partial in it.
                _ if self.several.contains(&site_index) => {
                    let bar = written.clone().unwrap_or_else(|| bar.clone());
                    let zero = number(&quote!(0.0));
                    quote! {
                        #partial.iter().zip((#bar).iter()).fold(#zero, |__sum, (__d, __bar)| {
                            __sum + __d * ::autodiff::graph::number(*__bar)
                        })
                    }
                }
                _ => {
                    let bar = number(bar);
                    quote!(#bar * #partial)
                }
            };
            quote!(if let ::core::option::Option::Some(__node) = #read { #g.set_adjoint(__node, #adjoint); })
        });
        quote! {
            if let ::core::option::Option::Some(__node) = #site { #g.set_adjoint(__node, #adjoint); }
            #(#reads)*
        }
    }
}

impl Hooks {
    /// Where the reverse sweep reaches the store of `value` into an array
    /// element: `seed`, that element's adjoint, is the adjoint of the
    /// element read `value`, if it was drawn as one.
    pub fn store_adjoint(&self, value: &Operand, seed: &TokenStream) -> TokenStream {
        let Some(&k) = self.stores.get(&(value as *const Operand)) else { return TokenStream::new() };
        let (g, node) = (graph(), store_node(k));
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, ::autodiff::graph::number(#seed)); })
    }
}

/// The first statement of each pass of `lp` that draws something (see
/// `Hooks::pass_starts`): `while c { b }` is lowered to
/// `loop { t = c; if t { b } else { exit := true } }`, whose passes are b's.
fn pass_start(lp: &Loop) -> Option<&Stmt> {
    if let (Header::Forever, Some(Stmt::If { then, els, .. })) = (&lp.header, lp.body.stmts.last()) {
        let exits = matches!(els.stmts.as_slice(), [Stmt::Assign { dst, .. }] if lp.exits.contains(dst));
        if exits {
            return then.stmts.first();
        }
    }
    lp.body.stmts.first()
}

/// A node made by `make` from the differentiated `parents` (each
/// `(node, partial)`), and a `link` without partial from each of the others
/// (a flow from a value that is not differentiated).
fn with_flows(parents: &[TokenStream], make: impl FnOnce(TokenStream) -> TokenStream) -> TokenStream {
    let g = graph();
    let (flows, count) = (Ident::new("__graph_flows", Span::mixed_site()), parents.len());
    let node = make(quote! {
        &#flows.iter().filter_map(|&(node, partial)| ::core::option::Option::Some((node?, partial?))).collect::<::std::vec::Vec<_>>()
    });
    quote! {{
        let #flows: [::autodiff::graph::Flow; #count] = [#(#parents),*];
        let __node = #node;
        for &(__parent, __partial) in &#flows {
            if let (::core::option::Option::Some(__parent), ::core::option::Option::None) = (__parent, __partial) {
                #g.link(__parent, __node, ::core::option::Option::None);
            }
        }
        __node
    }}
}

/// The copy of the part a call writes in place, taken before the call.
fn written_entry() -> Ident {
    Ident::new("__graph_entry", Span::mixed_site())
}

/// The part of `buffer` the call with `args` writes in place: the buffer
/// (what an output parameter points to), or its range.
fn written_part(body: &Body, args: &[Arg], buffer: Var) -> Option<TokenStream> {
    written_part_of(body, args, buffer, &body.var(buffer).ident.to_token_stream())
}

/// That part of `root`, the buffer or its adjoint.
fn written_part_of(body: &Body, args: &[Arg], buffer: Var, root: &TokenStream) -> Option<TokenStream> {
    args.iter().find_map(|arg| match arg {
        Arg::Ref { place, range, mutable: true, .. } if place.var == buffer => {
            let target = emit::sliced(body, &emit::place_at(body, place, root), range.as_ref());
            Some(if body.var(buffer).by_ref && range.is_none() { quote!(*#target) } else { target })
        }
        _ => None,
    })
}

/// The numbers of `array`, of `depth` levels (rows of arrays or of
/// vectors), as one iterator: `a.iter()`, `a.iter().flatten()`, ..
/// (`iter_mut` for a `mutable` one).
fn numbers(array: TokenStream, depth: usize, mutable: bool) -> TokenStream {
    let iter = if mutable { quote!(#array.iter_mut()) } else { quote!(#array.iter()) };
    (1..depth).fold(iter, |a, _| quote!(#a.flatten()))
}

/// How many indices reach a number of the buffer part `place` a call
/// writes (`b` of `[[f64; N]; M]`: 2; `b[i]`: 1).
fn written_depth(body: &Body, place: &Place) -> usize {
    let indices = place.proj.iter().filter(|proj| matches!(proj, Proj::Index(_))).count();
    body.var(place.var).dims.unwrap_or(1).saturating_sub(indices).max(1)
}

/// `(node, Some(partial))`, or `(node, None)` for a flow without a derivative.
fn flow(node: &TokenStream, partial: Option<&TokenStream>) -> TokenStream {
    match partial {
        Some(partial) => quote!((#node, ::core::option::Option::Some(#partial))),
        None => quote!((#node, ::core::option::Option::None)),
    }
}

/// The operands an assignment reads by value, in order: those copied
/// before it and read by its partials.
fn value_operands(rhs: &Rhs) -> Vec<&Operand> {
    match rhs {
        Rhs::Prim(_, operands) => operands.iter().collect(),
        Rhs::Call(_, args) => value_operands_of_call(args),
        _ => Vec::new(),
    }
}

fn value_operands_of_call(args: &[Arg]) -> Vec<&Operand> {
    args.iter()
        .filter_map(|arg| match arg {
            Arg::Value(operand) => Some(operand),
            Arg::Ref { .. } => None,
        })
        .collect()
}

/// The index of an element of a one-dimensional array.
fn single_index(body: &Body, place: &Place) -> Option<TokenStream> {
    match place.proj.as_slice() {
        [Proj::Index(index)] => Some(emit::operand(body, index).into_token_stream()),
        _ => None,
    }
}

/// Floats, and arrays (of arrays), slices, vectors and models of them.
fn is_drawn_type(ty: Ty) -> bool {
    ty.is_differentiable()
}

/// The numbers of `tokens`, a value (or an adjoint) of the type of `var`,
/// as a `Value`: a float as it is, a model's parameters in the order of
/// `Params::for_each_slice`, an array (of arrays) flattened.
fn aggregate_value(body: &Body, var: Var, tokens: &TokenStream) -> TokenStream {
    let info = body.var(var);
    match (info.ty, info.dims) {
        (Ty::Aggregate, None) => quote!(::autodiff::Value::params(&*#tokens)),
        (Ty::Aggregate, Some(_)) => quote!(::autodiff::Value::numbers(&#tokens)),
        _ => number(tokens),
    }
}

fn is_value_kind(kind: VarKind) -> bool {
    matches!(kind, VarKind::Param | VarKind::Local | VarKind::Temp | VarKind::Ret)
}

/// `x`, of the function's float type, as the `f64` the graph records.
fn number(x: &TokenStream) -> TokenStream {
    quote!(::autodiff::graph::number(#x))
}

/// How tightly a name, a call or a method call binds.
const ATOM: u8 = 20;

/// How tightly the expression `rhs` binds, as Rust's precedence ranks it.
fn binding(rhs: &Rhs) -> u8 {
    let Rhs::Prim(op, _) = rhs else { return ATOM };
    match op.facts().spelling {
        Spelling::Method(_) => ATOM,
        Spelling::Prefix(_) => 13,
        Spelling::Cast(_) => 12,
        Spelling::Infix(_) => match op {
            Op::Mul | Op::Div | Op::Rem => 11,
            Op::Add | Op::Sub => 10,
            Op::Shl | Op::Shr => 9,
            Op::BitAnd => 8,
            Op::BitXor => 7,
            Op::BitOr => 6,
            _ => 5,
        },
    }
}

/// What `graph` draws, refused with the construct named: a function
/// `graph` cannot draw gets an error rather than a wrong picture.
pub fn check(body: &Body) -> syn::Result<()> {
    let mut refused = None;
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs: rhs @ Rhs::Call(path, args), span, .. } = stmt {
            let in_place = rhs.written_in_place() == Some(*dst);
            if refused.is_none() && rhs.outputs().len() > 1 {
                let path = path.to_token_stream().to_string().replace(' ', "");
                refused = Some(syn::Error::new(
                    *span,
                    format!(
                        "`graph` draws a call that writes in place as the node of its one output; `{path}(..)` \
                         writes two `&mut` arguments: split it into one #[grad] function per output, or remove \
                         `graph`"
                    ),
                ));
            }
            if refused.is_none() && !in_place && args.iter().any(writes_through) {
                let path = path.to_token_stream().to_string().replace(' ', "");
                refused = Some(syn::Error::new(
                    *span,
                    format!(
                        "`graph` draws a call as one node computed from what it reads; `{path}(..)` writes into an \
                         `&mut` argument, which the graph cannot show: return the value instead, or remove `graph`"
                    ),
                ));
            }
            // A row of an array of arrays passed by value (`h[0]`).
            let row = args.iter().find_map(|arg| match arg {
                Arg::Value(operand @ Operand::Place(place)) if body.place_ty(place) == Ty::Aggregate => Some(operand),
                _ => None,
            });
            if let Some(row) = row.filter(|_| refused.is_none()) {
                let row = emit::operand(body, row).into_token_stream().to_string().replace(' ', "");
                refused = Some(syn::Error::new(
                    *span,
                    format!(
                        "`graph` draws an array passed by value as an edge from its node; `{row}` is a row of an \
                         array of arrays, which has no node of its own: pass an array the function holds whole, or \
                         remove `graph`"
                    ),
                ));
            }
        }
    });
    if let Some(error) = refused {
        return Err(error);
    }
    Ok(())
}

/// Whether a call may write through `arg`: `&mut y`, or an `&mut`
/// parameter passed on bare to a call statement. One passed bare to a call
/// whose value is used is read (`guards::read` makes rustc check it).
fn writes_through(arg: &Arg) -> bool {
    matches!(arg, Arg::Ref { mutable: true, .. })
}

/// `NAME_graph(params) -> Graph`: the parameters' nodes, then `NAME_vjp`'s
/// sweeps with the builder's calls, the result seeded with 1 (or, for a
/// function that returns nothing, each element of its outputs); then the
/// result's node is marked and each parameter's node gets the partial the
/// sweep returned.
pub fn function(sig: &Signature) -> syn::Result<TokenStream> {
    let crate::expand::Analyzed { mut body, mut namer, activity, saves, scalars, shadows } =
        crate::expand::analyzed(sig)?;
    check(&body)?;
    let hooks = Hooks::new(&body, &activity);
    let seed = namer.fresh("seed");
    let adjoints = crate::reverse::Adjoints {
        scalars: &scalars,
        shadows: &shadows,
        reported: None,
        graph: Some(&hooks),
        second_order: false,
    };
    let sweeps = crate::reverse::vjp_body(&mut body, &activity, &saves, &adjoints, &seed, &mut namer).vjp;

    let name = &sig.item.sig.ident;
    let title = naming::name_of(name);
    let g = graph();
    let turbofish = crate::expand::turbofish(&sig.item.sig.generics);
    let mutated = |ident: &Ident| {
        body.params.iter().any(|&var| body.var(var).ident == *ident && crate::reverse::is_mutated(&body, var))
    };
    let declarations = hooks.declarations();
    let parameters = hooks.parameters(sig, &body);
    let outputs: HashSet<Var> = sig
        .params
        .iter()
        .zip(&body.params)
        .filter(|(param, _)| matches!(param.class, ParamClass::Output { .. }))
        .map(|(_, &var)| var)
        .collect();
    let is_output = |var: Var| outputs.contains(&var);
    let shadow_buffers = sig.params.iter().zip(&body.params).filter_map(|(param, &var)| {
        let (shadow, target) = param.class.shadow()?;
        let seed = is_output(var) && sig.ret.is_none();
        Some(shadow_buffer(body.var(var), shadow, target, seed))
    });
    let float = emit::float_type(sig.float());
    // Several results (an array, a tuple): each seeded 1, the graph of their sum.
    let seed_value = match &sig.ret_array {
        Some(array) => quote!(let #seed: #array = ::autodiff::guards::one_array();),
        None => quote!(let #seed: #float = 1.0;),
    };
    let result = Ident::new("__graph_result", Span::mixed_site());
    // `NAME_vjp`'s result: `(value, partials of the scalars..)`, or
    // `(partials of the scalars..,)` for a function that returns nothing.
    let first_partial = usize::from(body.ret.is_some());
    let scalar_adjoints = scalars.iter().enumerate().map(|(k, var)| {
        let node = input_node(*var);
        let index = syn::Index::from(k + first_partial);
        // A float, or an array taken by value.
        let partial = aggregate_value(&body, *var, &quote!(#result.#index));
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, #partial); })
    });
    // An output's adjoint is its seed, the adjoint of what the function
    // left in it (its shadow ends as the adjoint of its entry value).
    let output_seeds = shadows.iter().filter(|(var, _)| hooks.drawn[var.0] && is_output(*var)).map(|(var, shadow)| {
        let node = var_node(*var);
        let seed = aggregate_value(&body, *var, &shadow.to_token_stream());
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, #seed); })
    });
    let shadow_adjoints =
        shadows.iter().filter(|(var, _)| hooks.drawn[var.0] && !is_output(*var)).map(|(var, shadow)| {
            let node = input_node(*var);
            let partials = aggregate_value(&body, *var, &shadow.to_token_stream());
            quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, #partials); })
        });
    let output = body.ret.filter(|ret| hooks.drawn[ret.0]).map(|ret| {
        let node = var_node(ret);
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.output(__node); })
    });
    Ok(declaration(
        sig,
        &mutated,
        quote! {
            let _ = #name #turbofish;
            let mut #g = ::autodiff::Graph::new(#title);
            #declarations
            #parameters
            #(#shadow_buffers)*
            #(#output_seeds)*
            #seed_value
            let #result = { #sweeps };
            #output
            #(#scalar_adjoints)*
            #(#shadow_adjoints)*
            #g
        },
    ))
}

/// `NAME_graph(params) -> Graph` for a function with a custom `vjp`, whose
/// body the derivative does not come from: the parameters' nodes and one
/// call node whose partials are the custom `vjp`'s at the point, seeded as
/// `function` seeds: the call node is the result (each of its floats
/// seeded 1, the outputs 0), or, for a function that returns nothing, what
/// it wrote into its outputs (each seeded 1). Each output's node is
/// written by the call, with an edge from its entry value where the
/// partial in it is not zero.
pub fn custom_function(sig: &Signature, target: &TokenStream) -> syn::Result<TokenStream> {
    check_custom(sig)?;
    let g = graph();
    let title = naming::name_of(&sig.item.sig.ident);
    let label =
        format!("{title}({})", sig.params.iter().map(|p| naming::user_name(p.ident)).collect::<Vec<_>>().join(", "));
    let (mut nodes, mut args, mut pattern, mut edges, mut adjoints) =
        (TokenStream::new(), Vec::new(), Vec::new(), Vec::new(), TokenStream::new());
    // What the call writes into each output, after it.
    let mut written = Vec::new();
    let call = Ident::new("__graph_call", Span::mixed_site());
    for (k, param) in sig.params.iter().enumerate() {
        let (ident, name) = (param.ident, naming::user_name(param.ident));
        let node = format_ident!("__graph_param_{}", k, span = Span::mixed_site());
        args.push(ident.to_token_stream());
        match &param.class {
            // An array by value: its numbers, and its partials (an array)
            // on the link into the call, as a slice's are.
            ParamClass::Active(_) if crate::signature::is_array_value(param.ty) => {
                let partial = format_ident!("__graph_d{}", k, span = Span::mixed_site());
                nodes.extend(quote!(let #node = #g.input(#name, ::autodiff::Value::numbers(&#ident));));
                pattern.push(partial.to_token_stream());
                adjoints.extend(quote! {
                    #g.link(#node, #call, ::core::option::Option::Some(::autodiff::Value::numbers(&#partial)));
                    #g.set_adjoint(#node, ::autodiff::Value::numbers(&#partial));
                });
            }
            ParamClass::Active(_) => {
                let partial = format_ident!("__graph_d{}", k, span = Span::mixed_site());
                nodes.extend(quote!(let #node = #g.input(#name, ::autodiff::graph::number(#ident));));
                pattern.push(partial.to_token_stream());
                edges.push(quote!((#node, ::autodiff::graph::number(#partial))));
                adjoints.extend(quote!(#g.set_adjoint(#node, ::autodiff::graph::number(#partial));));
            }
            ParamClass::Shadowed { kind, .. } => {
                let buffer = reference_partials(k);
                let (value, zero, partials) = match kind {
                    crate::signature::RefKind::Model => (
                        quote!(::autodiff::Value::params(#ident)),
                        quote!(::autodiff::Params::zeros_like(#ident)),
                        quote!(::autodiff::Value::params(&#buffer)),
                    ),
                    crate::signature::RefKind::Array(_) => (
                        quote!(::autodiff::Value::numbers(#ident)),
                        quote!(::autodiff::graph::ZeroShadow::zero_shadow(&*#ident)),
                        quote!(::autodiff::Value::numbers(&#buffer)),
                    ),
                };
                nodes.extend(quote!(let #node = #g.input(#name, #value); let mut #buffer = #zero;));
                args.push(quote!(&mut #buffer));
                adjoints.extend(quote! {
                    #g.link(#node, #call, ::core::option::Option::Some(#partials));
                    #g.set_adjoint(#node, #partials);
                });
            }
            ParamClass::Constant if crate::signature::float_ty(param.ty).is_some() => {
                nodes.extend(quote!(let #node = #g.constant(#name, ::autodiff::graph::number(#ident));));
                adjoints.extend(quote!(#g.link(#node, #call, ::core::option::Option::None);));
            }
            // An output: its node with its entry value, a shadow seeded as
            // `NAME_graph` seeds outputs, written by the call (see below).
            ParamClass::Output { target, .. } => {
                let buffer = reference_partials(k);
                let seed = format_ident!("__graph_seed_{}", k, span = Span::mixed_site());
                let seeded = numbers(buffer.to_token_stream(), crate::signature::elements_depth(target), true);
                let fill = sig.ret.is_none().then(|| quote!(#seeded.for_each(|__d| *__d = 1.0);));
                nodes.extend(quote! {
                    let #node = #g.output_parameter(#name, ::autodiff::Value::numbers(&*#ident));
                    let mut #buffer = ::autodiff::graph::ZeroShadow::zero_shadow(&*#ident);
                    #fill
                    let #seed = ::autodiff::Value::numbers(&#buffer);
                });
                *args.last_mut().expect("the output's argument") = quote!(&mut *#ident);
                args.push(quote!(&mut #buffer));
                written.push(quote!(::autodiff::Value::numbers(&*#ident)));
                adjoints.extend(quote! {
                    // The output's entry value, where the call reads it.
                    if #buffer.iter().any(|d| ::autodiff::graph::number(*d) != ::autodiff::graph::number(0.0)) {
                        #g.link(#node, #call, ::core::option::Option::Some(::autodiff::Value::numbers(&#buffer)));
                    }
                    #g.write(#node, #call, ::autodiff::Value::numbers(&*#ident));
                    #g.set_adjoint(#node, #seed);
                });
            }
            // Integers and other constants: passed on, not drawn.
            ParamClass::Constant => {}
        }
    }
    let value = Ident::new("__graph_value", Span::mixed_site());
    // Several results: each seeded 1, the graph of their sum.
    let seed = Ident::new("__graph_seed", Span::mixed_site());
    let (seed_value, value_after, value_of, seed_of) = match (&sig.ret_array, sig.ret) {
        (Some(array), _) => (
            quote!(let #seed: #array = ::autodiff::guards::one_array();),
            TokenStream::new(),
            quote!(::autodiff::Value::numbers(&#value)),
            quote!(::autodiff::Value::numbers(&#seed)),
        ),
        (None, Some(_)) => {
            (quote!(let #seed = 1.0;), TokenStream::new(), number(&quote!(#value)), number(&quote!(#seed)))
        }
        // No result: the call node holds what it wrote into the outputs,
        // each number seeded 1.
        (None, None) => {
            let numbers = quote!(::autodiff::Value::Array([#(#written.as_array().unwrap_or_default()),*].concat()));
            // `number(1.0)`: a literal in a generic function is spelled `T`.
            let len = quote!(#value.as_array().map_or(0, |numbers| numbers.len()));
            let ones = quote!(::autodiff::Value::Array(::std::vec![::autodiff::graph::number(1.0); #len]));
            (TokenStream::new(), quote!(let #value = #numbers;), quote!(#value.clone()), ones)
        }
    };
    let (returned, call_args, marked) = match sig.ret {
        Some(_) if pattern.is_empty() => (quote!(#value), quote!(#(#args,)* #seed), Some(quote!(#g.output(#call);))),
        Some(_) => (quote!((#value, #(#pattern),*)), quote!(#(#args,)* #seed), Some(quote!(#g.output(#call);))),
        None => (quote!((#(#pattern,)*)), quote!(#(#args),*), None),
    };
    let name = &sig.item.sig.ident;
    let turbofish = crate::expand::turbofish(&sig.item.sig.generics);
    Ok(declaration(
        sig,
        &|_| false,
        quote! {
            let _ = #name #turbofish;
            let mut #g = ::autodiff::Graph::new(#title);
            #nodes
            #seed_value
            let #returned = #target(#call_args);
            #value_after
            let #call = #g.call(#label, #value_of, &[#(#edges),*]);
            #marked
            #g.set_adjoint(#call, #seed_of);
            #adjoints
            #g
        },
    ))
}

/// What the graph of a function with a custom `vjp` draws: a function that
/// returns floats or writes them into its outputs.
fn check_custom(sig: &Signature) -> syn::Result<()> {
    let has_output = sig.params.iter().any(|param| matches!(param.class, ParamClass::Output { .. }));
    if sig.ret.is_none() && !has_output {
        return Err(syn::Error::new_spanned(
            &sig.item.sig,
            "`graph` draws a function with a custom `vjp` as one call node of its result; this one returns \
             nothing: remove `graph` or the custom derivative",
        ));
    }
    Ok(())
}

/// The shadow `NAME_graph` lends the sweep for the reference parameter
/// `info`: a zero of its shape for the sweep to add the partials of an array
/// or a model into; for an output, its seed: 1 in each element when
/// `seeded` (a function that returns nothing), else 0.
fn shadow_buffer(info: &crate::ir::VarInfo, shadow: &Ident, target: &syn::Type, seeded: bool) -> TokenStream {
    let ident = &info.ident;
    let buffer = format_ident!("__graph_shadow_{}", ident, span = Span::mixed_site());
    let zero = match info.dims {
        None => quote!(::autodiff::Params::zeros_like(#ident)),
        Some(_) => quote!(::autodiff::graph::ZeroShadow::zero_shadow(&*#ident)),
    };
    // (An output of rows, `&mut [[f64; N]; M]`, is seeded number by number.)
    let numbers = numbers(buffer.to_token_stream(), info.dims.unwrap_or(1), true);
    let seed = seeded.then(|| quote!(#numbers.for_each(|__d| *__d = 1.0);));
    quote!(let mut #buffer = #zero; #seed let #shadow: &mut #target = &mut #buffer;)
}

/// `fn NAME_graph(params) -> Graph { body }`, its parameters `mut` where
/// the body writes them. The fallback declares it with a body that never
/// runs, so that callers do not add errors to the real one.
pub fn declaration(sig: &Signature, mutated: &dyn Fn(&Ident) -> bool, body: TokenStream) -> TokenStream {
    let item = sig.item;
    let name = &item.sig.ident;
    let (vis, mut generics) = (&item.vis, item.sig.generics.clone());
    // A function generic over its float, expanded at `f64` standing in for
    // it (`crate::generic`): the graph records its floats as `f64`, which
    // `f64: Number` (spelled back `T: Number`) allows.
    if crate::generic::float_param(item).is_ok_and(|float| float.is_some()) {
        generics.make_where_clause().predicates.push(syn::parse_quote!(f64: ::autodiff::graph::Number));
    }
    let where_clause = &generics.where_clause;
    let graph_name = format_ident!("{}_graph", name);
    let title = naming::name_of(name);
    let lints = crate::expand::lints();
    let inputs = sig.params.iter().map(|param| {
        let (ident, ty) = (param.ident, param.ty);
        let mutability = (param.mutable || mutated(ident)).then(|| quote!(mut));
        quote!(#mutability #ident: #ty)
    });
    let doc = format!(
        " The computational graph of [`{title}`] at the given point (generated by `#[grad(graph)]`): every value \
         it computes with its adjoint ∂{title}/∂value, every data flow with its local partial."
    );
    quote! {
        #[doc = #doc]
        #lints
        #vis fn #graph_name #generics (#(#inputs),*) -> ::autodiff::Graph #where_clause {
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::expand::tests::expand_to_string;
    use proc_macro2::TokenStream;
    use quote::quote;

    /// The expansion without its `NAME_graph` function.
    fn without_graph(args: TokenStream, item: TokenStream) -> String {
        let text = expand_to_string(args, item);
        let Some(start) = text.find("/// The computational graph of") else { return text };
        let end = start + text[start..].find("\n}\n").expect("the end of NAME_graph") + 3;
        format!("{}{}", &text[..start], &text[end..])
    }

    #[test]
    fn graph_leaves_every_other_generated_function_as_it_was() {
        let items = [
            quote! {
                fn j(x: f64, b: f64, c: f64) -> f64 {
                    let v = b * c;
                    let u = x + v;
                    3.0 * u
                }
            },
            quote! {
                fn f(x: &[f64], y: f64) -> f64 {
                    let mut s = 0.0;
                    for i in 0..x.len() {
                        s = s + (x[i] * y).sin();
                    }
                    autodiff::sigmoid(s)
                }
            },
        ];
        for item in items {
            for (plain, graph) in [
                (quote!(), quote!(graph)),
                (quote!(forward, reverse, hessian), quote!(forward, graph, reverse, hessian)),
                (quote!(wrt(x)), quote!(graph, wrt(x))),
            ] {
                let with = expand_to_string(graph.clone(), item.clone());
                assert!(with.contains("_graph("), "no NAME_graph for #[grad({graph})]");
                assert_eq!(without_graph(graph, item.clone()), expand_to_string(plain, item.clone()));
            }
        }
    }

    /// The expansion is the same every time (review 10: the element reads'
    /// declarations came out in a hash map's order).
    #[test]
    fn the_expansion_of_element_reads_is_reproducible() {
        let item = quote!(
            fn f(x: &[f64], w: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * w[i] + x[i].sin() * w[0] + (x[0] * w[i]).exp();
                }
                s
            }
        );
        let first = expand_to_string(quote!(graph), item.clone());
        for _ in 0..8 {
            assert_eq!(expand_to_string(quote!(graph), item.clone()), first);
        }
    }

    /// A call that writes an `&mut` argument is drawn, with an element
    /// read passed to it too; a row of an array of arrays passed by value
    /// is refused, with the way out.
    #[test]
    fn calls_writing_in_place_are_drawn_and_rows_by_value_refused() {
        for (call, refused) in
            [(quote!(g(x[0], &mut z)), false), (quote!(g(v, &mut z)), false), (quote!(h(m[0], &mut z)), true)]
        {
            let item = quote!(
                fn f(x: &[f64], m: &[[f64; 2]; 2]) -> f64 {
                    let v = x[0];
                    let mut z = [0.0; 2];
                    #call;
                    z[0] + z[1]
                }
            );
            let text = expand_to_string(quote!(graph), item);
            assert_eq!(text.contains("compile_error"), refused, "{call}: {text}");
            assert_eq!(text.contains("`m[0]` is a row of an array of arrays"), refused, "{call}: {text}");
        }
    }
}
