//! `#[grad(graph)]`: `NAME_graph(..)`, the function's computational graph
//! at a point, built by the reverse sweep of `NAME_vjp` with the runtime's
//! `Graph` builder calls beside its statements (see the builder's contract,
//! `autodiff_runtime::graph::build`).
//!
//! The sweep calls [`Hooks`] at two places: around each statement of the
//! primal replay ([`Hooks::before`], [`Hooks::after`]: a loop's cluster and
//! its passes; the node of an assignment with its value and the local
//! partials of the rule table, evaluated by the generated code through
//! `emit::partial`), and where the reverse sweep reaches an assignment, the
//! adjoint of the value it assigned then final ([`Hooks::adjoint`]).
//! Without `graph` the sweep has no hooks and emits what it always did.
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
    reads: HashMap<usize, Vec<usize>>,
    /// The statement each loop's pass starts with, by address: the body's
    /// first, or in a `while` loop the first of the branch its condition
    /// guards (the pass that finds the condition false draws nothing). A
    /// loop without one has no statements and no cluster.
    pass_starts: HashSet<*const Stmt>,
    loops: HashSet<LoopId>,
}

/// The graph being built, in the generated code.
fn graph() -> Ident {
    Ident::new("__graph", Span::mixed_site())
}

/// The current node of `var`.
fn var_node(var: Var) -> Ident {
    format_ident!("__graph_var_{}", var.0, span = Span::mixed_site())
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

/// The copy of operand `k` taken before an assignment, which may overwrite
/// it, for the partials evaluated after it.
fn operand_copy(k: usize) -> Ident {
    format_ident!("__graph_arg_{}", k, span = Span::mixed_site())
}

impl Hooks {
    pub fn new(body: &Body, activity: &Activity) -> Self {
        let drawn =
            body.vars.iter().map(|info| is_drawn_type(info.ty, info.dims) && is_value_kind(info.kind)).collect();
        let mut hooks = Hooks {
            sites: HashMap::new(),
            texts: body.vars.iter().map(|info| (naming::name_of(&info.ident), ATOM)).collect(),
            drawn,
            active: (0..body.vars.len()).map(|i| activity.is_active(Var(i))).collect(),
            reads: HashMap::new(),
            pass_starts: HashSet::new(),
            loops: HashSet::new(),
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
        for (site, (dst, rhs)) in sites.into_iter().enumerate() {
            hooks.sites.insert(rhs as *const Rhs, site);
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
        let read_partials = reads.iter().map(|&(site, k)| read_partial(site, k));
        let node = quote!(::core::option::Option<::autodiff::NodeId>);
        quote! {
            #(let mut #vars: #node = ::core::option::Option::None;)*
            #(let mut #sites: #node = ::core::option::Option::None;)*
            #(let mut #read_nodes: #node = ::core::option::Option::None;)*
            #(let mut #read_partials: f64 = 0.0;)*
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
            let name = naming::name_of(param.ident);
            let value = self.value(body, var);
            let node = var_node(var);
            let method = match param.class {
                ParamClass::Constant => quote!(constant),
                _ => quote!(input),
            };
            tokens.extend(quote!(#node = ::core::option::Option::Some(#g.#method(#name, #value));));
        }
        tokens
    }

    /// `Value`-convertible tokens for the current value of `var`.
    fn value(&self, body: &Body, var: Var) -> TokenStream {
        let ident = &body.var(var).ident;
        if body.var(var).ty == Ty::Aggregate {
            quote!(::autodiff::Value::from(&#ident[..]))
        } else {
            quote!(#ident)
        }
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
                        Arg::Ref { place, .. } => format!("&{}", self.place_text(body, place)),
                    })
                    .collect();
                format!("{path}({})", args.join(", "))
            }
            Rhs::ArrayLit(items) => format!("[{}]", texts(items).join(", ")),
            Rhs::Repeat(value, len) => format!("[{}; {len}]", self.operand_text(body, value)),
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
                    quote_spanned!(*span=> let #copy = #value;)
                });
                quote!(#(#copies)*)
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
                let args: Vec<TokenStream> = (0..operands.len()).map(|k| operand_copy(k).to_token_stream()).collect();
                let out = info.ident.to_token_stream();
                let holes = Holes { args: &args, out: &out, float: emit::float_of(body, dst), span };
                for (k, (operand, d)) in operands.iter().zip(partials(*op)).enumerate() {
                    if !self.is_drawn_operand(body, operand) {
                        continue;
                    }
                    // No rule: a derivative that is zero (piecewise-constant ops).
                    let d = d.map_or_else(|| quote!(0.0), |d| emit::partial(&d, &holes));
                    self.edge(body, site_index, k, operand, quote!((#d) as f64), &mut tokens, &mut parents);
                }
            }
            Rhs::Call(path, args) => {
                self.call_partials(body, site_index, path, args, span, &mut tokens, &mut parents);
            }
            Rhs::Use(operand) | Rhs::Repeat(operand, _) | Rhs::VecRepeat(operand, _) => {
                if self.is_drawn_operand(body, operand) && body.ty(operand) != Ty::Aggregate {
                    self.edge(body, site_index, 0, operand, quote!(1.0), &mut tokens, &mut parents);
                }
            }
            Rhs::Deref(var) => {
                let source = self.current(*var);
                let partial = self.active[var.0].then(|| quote!(1.0));
                parents.push(flow(&source, partial.as_ref()));
            }
            // No derivative flows through these (a pattern test is a bool).
            Rhs::ArrayLit(_) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => {}
        }
        let expr = self.expression(body, rhs);
        let value = self.value(body, dst);
        let name = naming::name_of(&info.ident);
        // Each parent as `(node, partial)`, the partial `None` on a flow
        // from a value that is not differentiated: drawn by `link`.
        let (flows, count) = (Ident::new("__graph_flows", Span::mixed_site()), parents.len());
        let differentiated = quote! {
            &#flows.iter().filter_map(|&(node, partial)| ::core::option::Option::Some((node?, partial?))).collect::<::std::vec::Vec<_>>()
        };
        let node = match rhs {
            Rhs::Call(..) => {
                let label = if named { format!("{name} = {expr}") } else { expr };
                quote!(#g.call(#label, #value, #differentiated))
            }
            _ if named => quote!(#g.bind(#name, #expr, #value, #differentiated)),
            _ => quote!(#g.op(#expr, #value, #differentiated)),
        };
        let node = quote! {{
            let #flows: [(::core::option::Option<::autodiff::NodeId>, ::core::option::Option<f64>); #count] = [#(#parents),*];
            let __node = #node;
            for &(__parent, __partial) in &#flows {
                if let (::core::option::Option::Some(__parent), ::core::option::Option::None) = (__parent, __partial) {
                    #g.link(__parent, __node, ::core::option::Option::None);
                }
            }
            __node
        }};
        tokens.extend(quote_spanned!(span=> #site = ::core::option::Option::Some(#node); #current = #site;));
        // An array literal: an edge from each element's node, into its index.
        if let Rhs::ArrayLit(items) = rhs {
            for (k, item) in items.iter().enumerate() {
                if self.is_drawn_operand(body, item) {
                    let mut element = TokenStream::new();
                    let from = self.parent(body, item, k, &mut element);
                    tokens.extend(quote! {
                        #element
                        if let (::core::option::Option::Some(__array), ::core::option::Option::Some(__from)) = (#site, #from) {
                            #g.store(__array, #k, __from);
                        }
                    });
                }
            }
        }
        tokens
    }

    /// `(value, ∂/∂a, ..) = f::vjp(a, .., 1.0)`: the callee's own generated
    /// derivative gives the partial of each float argument.
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
    ) {
        let vjp = crate::companion::method(path, crate::companion::VJP, span);
        let mut pattern = vec![quote!(_)];
        let mut call_args = Vec::new();
        let mut pending = Vec::new();
        for (k, operand) in value_operands_of_call(args).into_iter().enumerate() {
            call_args.push(operand_copy(k).to_token_stream());
            if !body.ty(operand).is_float() {
                continue;
            }
            let partial = format_ident!("__graph_d{}", k, span = Span::mixed_site());
            pattern.push(quote!(#partial));
            if self.is_drawn_operand(body, operand) {
                pending.push((k, operand, partial));
            }
        }
        tokens.extend(quote_spanned!(span=> let (#(#pattern),*) = #vjp(#(#call_args,)* 1.0);));
        for (k, operand, partial) in pending {
            self.edge(body, site, k, operand, quote!(#partial as f64), tokens, parents);
        }
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
            _ => Vec::new(),
        }
    }

    /// `y[i] = v`: the array's element takes the value, through an edge.
    fn store(&self, body: &Body, place: &Place, value: &Operand, span: Span) -> TokenStream {
        let g = graph();
        let array = self.current(place.var);
        let Some(index) = single_index(body, place) else { return TokenStream::new() };
        let mut tokens = TokenStream::new();
        let from = if self.is_drawn_operand(body, value) {
            self.parent(body, value, 0, &mut tokens)
        } else {
            // A constant written in: a node of its own.
            let text = self.operand_text(body, value);
            let value = emit::operand(body, value);
            quote!(::core::option::Option::Some(#g.op(#text, #value, &[])))
        };
        quote_spanned!(span=> {
            #tokens
            if let (::core::option::Option::Some(__array), ::core::option::Option::Some(__from)) = (#array, #from) {
                #g.store(__array, (#index) as usize, __from);
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

    /// A node for the element read `place`.
    fn element(&self, body: &Body, place: &Place, slot: usize, tokens: &mut TokenStream) -> TokenStream {
        let g = graph();
        let array = self.current(place.var);
        let Some(index) = single_index(body, place) else { return quote!(::core::option::Option::None) };
        let label = self.place_text(body, place);
        let element = format_ident!("__graph_element_{}", slot, span = Span::mixed_site());
        tokens.extend(quote! {
            let #element = #array.map(|__array| #g.element(#label, __array, (#index) as usize));
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
        // `+ 0.0`: an adjoint nothing reached reads 0, not -0.
        let adjoint = if body.var(dst).ty == Ty::Aggregate {
            quote!(::autodiff::Value::from(&#bar[..]))
        } else {
            quote!(#bar + 0.0)
        };
        let reads = self.reads.get(&site_index).into_iter().flatten().map(|&k| {
            let (read, partial) = (read_node(site_index, k), read_partial(site_index, k));
            quote!(if let ::core::option::Option::Some(__node) = #read { #g.set_adjoint(__node, (#bar as f64) * #partial + 0.0); })
        });
        quote! {
            if let ::core::option::Option::Some(__node) = #site { #g.set_adjoint(__node, #adjoint); }
            #(#reads)*
        }
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
        [Proj::Index(index)] => Some(emit::operand(body, index)),
        _ => None,
    }
}

fn is_drawn_type(ty: Ty, dims: Option<usize>) -> bool {
    ty.is_float() || (ty == Ty::Aggregate && dims == Some(1))
}

fn is_value_kind(kind: VarKind) -> bool {
    matches!(kind, VarKind::Param | VarKind::Local | VarKind::Temp | VarKind::Ret)
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
pub fn check(sig: &Signature, body: &Body) -> syn::Result<()> {
    if let Some(array) = &sig.ret_array {
        return Err(syn::Error::new_spanned(
            array,
            "`graph` draws a function that returns one float; this one returns several: draw a scalar function of \
             them, or remove `graph`",
        ));
    }
    if sig.ret.is_none() {
        return Err(syn::Error::new_spanned(
            &sig.item.sig,
            "`graph` draws a function that returns a float; this one returns nothing (its results are in `&mut` \
             outputs): return the value to draw, or remove `graph`",
        ));
    }
    for param in &sig.params {
        let refused = match &param.class {
            ParamClass::Output { .. } => Some("an `&mut` output"),
            ParamClass::Shadowed { kind: crate::signature::RefKind::Model, .. } => Some("a model"),
            ParamClass::Active(_) if crate::signature::is_array_value(param.ty) => Some("an array taken by value"),
            _ => None,
        };
        if let Some(what) = refused {
            return Err(syn::Error::new_spanned(
                param.ty,
                format!(
                    "`graph` draws floats, slices and arrays of floats; `{}` is {what}: pass its numbers as slices \
                     or arrays, or remove `graph`",
                    naming::name_of(param.ident)
                ),
            ));
        }
    }
    for info in &body.vars {
        if info.ty == Ty::Aggregate && info.dims.is_some_and(|dims| dims > 1) && is_value_kind(info.kind) {
            return Err(syn::Error::new_spanned(
                &info.ident,
                format!(
                    "`graph` draws an array as one node of numbers; `{}` is an array of arrays: flatten it, or \
                     remove `graph`",
                    naming::name_of(&info.ident)
                ),
            ));
        }
    }
    let mut refused = None;
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs: Rhs::Call(path, args), span, .. } = stmt {
            // A call that gives several floats (an array, a tuple) or takes an array by value.
            let several = body.var(*dst).ty == Ty::Aggregate
                || args.iter().any(|arg| matches!(arg, Arg::Value(value) if body.ty(value) == Ty::Aggregate));
            if refused.is_none() && several {
                let path = path.to_token_stream().to_string().replace(' ', "");
                refused = Some(syn::Error::new(
                    *span,
                    format!(
                        "`graph` draws a call as one node of one number; `{path}(..)` takes or gives an array or a \
                         tuple: call a function of numbers, or remove `graph`"
                    ),
                ));
            }
            if refused.is_none() && args.iter().any(|arg| matches!(arg, Arg::Ref { .. })) {
                let path = path.to_token_stream().to_string().replace(' ', "");
                refused = Some(syn::Error::new(
                    *span,
                    format!(
                        "`graph` draws a call as one node with the partial of each number it takes; `{path}(..)` \
                         takes a reference to an array: call it with numbers, or remove `graph`"
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

/// `NAME_graph(params) -> Graph`: the parameters' nodes, then `NAME_vjp`'s
/// sweeps with the builder's calls, seeded with 1; then the result's node
/// is marked and each parameter's node gets the partial the sweep returned.
pub fn function(sig: &Signature) -> syn::Result<TokenStream> {
    let crate::expand::Analyzed { mut body, mut namer, activity, saves, scalars, shadows } =
        crate::expand::analyzed(sig)?;
    check(sig, &body)?;
    let hooks = Hooks::new(&body, &activity);
    let seed = namer.fresh("seed");
    let adjoints =
        crate::reverse::Adjoints { scalars: &scalars, shadows: &shadows, reported: None, graph: Some(&hooks) };
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
    // Zeroed shadows for the sweep to add the partials of the arrays into.
    let shadow_buffers = shadows.iter().map(|(var, shadow)| {
        let info = body.var(*var);
        let ident = &info.ident;
        let zero = info.zero.clone().or_else(|| info.declared.as_ref().and_then(crate::lower::zero_of_type));
        let zero = zero.map(|zero| emit::zero(&zero, &quote!(#ident))).unwrap_or_else(|| quote!(0.0));
        let buffer = format_ident!("__graph_shadow_{}", var.0, span = Span::mixed_site());
        let target = sig.params.iter().find(|param| param.ident == ident).and_then(|param| param.class.shadow());
        let target = target.map(|(_, target)| target.to_token_stream());
        quote!(let mut #buffer = #zero; let #shadow: &mut #target = &mut #buffer;)
    });
    let float = emit::float_type(sig.float());
    let result = Ident::new("__graph_result", Span::mixed_site());
    // `NAME_vjp`'s result: `(value, partials of the scalars..)`.
    let scalar_adjoints = scalars.iter().enumerate().map(|(k, var)| {
        let node = var_node(*var);
        let index = syn::Index::from(k + 1);
        let partial = quote!(#result.#index);
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, #partial + 0.0); })
    });
    let shadow_adjoints = shadows.iter().filter(|(var, _)| hooks.drawn[var.0]).map(|(var, shadow)| {
        let node = var_node(*var);
        quote!(if let ::core::option::Option::Some(__node) = #node { #g.set_adjoint(__node, ::autodiff::Value::from(&#shadow[..])); })
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
            let #seed: #float = 1.0;
            let #result = { #sweeps };
            #output
            #(#scalar_adjoints)*
            #(#shadow_adjoints)*
            #g
        },
    ))
}

/// `fn NAME_graph(params) -> Graph { body }`, its parameters `mut` where
/// the body writes them. The fallback declares it with a body that never
/// runs, so that callers do not add errors to the real one.
pub fn declaration(sig: &Signature, mutated: &dyn Fn(&Ident) -> bool, body: TokenStream) -> TokenStream {
    let item = sig.item;
    let name = &item.sig.ident;
    let (vis, generics) = (&item.vis, &item.sig.generics);
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

    #[test]
    fn refusals_name_the_construct() {
        let cases = [
            (
                quote!(
                    fn f(x: &mut [f64]) {
                        x[0] = 1.0;
                    }
                ),
                "returns nothing",
            ),
            (
                quote!(
                    fn f(w: &[[f64; 2]; 2]) -> f64 {
                        w[0][1]
                    }
                ),
                "`w` is an array of arrays",
            ),
            (
                quote!(
                    fn f(x: &[f64]) -> f64 {
                        g(&x)
                    }
                ),
                "`g(..)` takes a reference to an array",
            ),
        ];
        for (item, message) in cases {
            let text = expand_to_string(quote!(graph), item);
            assert!(text.contains(message), "{message}: {text}");
        }
    }
}
