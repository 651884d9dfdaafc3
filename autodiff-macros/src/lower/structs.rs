//! Struct literals built inside the body (`let mut st = State { h: [0.0;
//! 4], c: [0.0; 4] };`): each field becomes a variable of its own, so a
//! field is read (`st.h[i]`), assigned (`st.t = x`) and lent to a call
//! (`cell(&mut st.h, ..)`) like any local, and gets its own adjoint. The
//! struct as a whole is never built in the generated code: using it whole
//! (passed, returned, copied, a method called on it) is refused.

use std::rc::Rc;

use syn::spanned::Spanned;
use syn::{Expr, Member};

use super::{Binding, Lowerer};
use crate::ir::Block;

/// A struct built by a literal in the body: the binding of each field.
pub(super) struct LocalStruct {
    fields: Vec<(String, Binding)>,
    /// Its type, as the literal names it (`Config`, `geometry::Point`).
    pub(super) path: syn::Path,
    /// The literal, when the struct is a constant: not `mut`, each field a
    /// literal, a constant's path or a constant parameter (`Config { scale:
    /// 2.0, n: 3, k }` with `k` left out of `wrt`), so it may be built again
    /// wherever it is needed whole (a method's receiver).
    pub(super) constant: Option<Expr>,
    /// Declared `mut`, each field a constant: a constant but for the `mut`.
    mutable_constant: bool,
}

impl LocalStruct {
    fn field(&self, member: &Member) -> Option<&Binding> {
        let name = member_name(member);
        self.fields.iter().find(|(field, _)| *field == name).map(|(_, binding)| binding)
    }

    /// Whether `var` is one of its fields (a field of a field too).
    pub(super) fn holds(&self, var: crate::ir::Var) -> bool {
        self.fields.iter().any(|(_, binding)| match binding {
            Binding::Var(field) => *field == var,
            Binding::Struct(inner) => inner.holds(var),
            _ => false,
        })
    }
}

impl Lowerer<'_> {
    /// `let [mut] name = Path { field: value, .. };`: each value into a
    /// variable of its own, in the order written (Rust's order), then
    /// `name` stands for them. Returns whether `init` is a struct literal.
    pub(super) fn bind_struct_literal(
        &mut self,
        name: &syn::Ident,
        mutable: bool,
        init: &Expr,
        out: &mut Block,
    ) -> bool {
        let path = match (struct_literal(init), tuple_struct_literal(init)) {
            (Some(literal), _) => literal.path.clone(),
            (None, Some(syn::ExprCall { func, .. })) => match peel(func) {
                Expr::Path(path) => path.path.clone(),
                _ => return false,
            },
            (None, None) => return false,
        };
        let written: Vec<(Member, &Expr)> = if let Some(literal) = struct_literal(init) {
            if let Some(rest) = &literal.rest {
                // The fields written are still bound, so their uses say nothing more.
                self.cx.error_spanned_by(
                    rest,
                    "`..` in a struct literal is not supported in #[grad] functions; write every field",
                );
            }
            literal.fields.iter().map(|field| (field.member.clone(), &field.expr)).collect()
        } else if let Some(call) = tuple_struct_literal(init) {
            // `Point(a, b)`: the fields `0`, `1`, .. in order.
            let unnamed = |i: usize, arg: &Expr| Member::Unnamed(syn::Index { index: i as u32, span: arg.span() });
            call.args.iter().enumerate().map(|(i, arg)| (unnamed(i, arg), arg)).collect()
        } else {
            return false;
        };
        let mut fields = Vec::new();
        let constant_name = |ident: &syn::Ident| match self.lookup(ident) {
            Some(Binding::Var(var)) => Some(self.constant_params.contains(&var)),
            Some(_) => Some(false),
            None => None,
        };
        let constant_field = |(_, value): &(Member, &Expr)| is_constant(value, &constant_name);
        let all_constant = written.iter().all(constant_field);
        let constant = (!mutable && all_constant).then(|| peel(init).clone());
        let mutable_constant = mutable && all_constant;
        for (member, value) in written {
            let field_name = member_name(&member);
            let ident = self.namer.fresh(&format!("{name}_{field_name}"));
            // Errors about the field point at it.
            let mut ident = ident;
            ident.set_span(member.span().resolved_at(ident.span()));
            let mutability = mutable.then(<syn::Token![mut]>::default);
            let stmt: syn::Stmt = syn::parse_quote_spanned!(value.span()=> let #mutability #ident = #value;);
            if let syn::Stmt::Local(local) = &stmt {
                self.lower_local(local, out);
            }
            if let Some(binding) = self.lookup(&ident) {
                fields.push((field_name, binding));
            }
        }
        self.bind(name, Binding::Struct(Rc::new(LocalStruct { fields, path, constant, mutable_constant })));
        true
    }

    /// The name of a struct built in the body, if `expr` is one.
    pub(super) fn struct_name(&self, expr: &Expr) -> Option<syn::Ident> {
        let Expr::Path(path) = peel(expr) else { return None };
        let ident = path.path.get_ident()?;
        matches!(self.lookup(ident)?, Binding::Struct(_)).then(|| ident.clone())
    }

    /// What `st.h` (or `st.inner.h`) stands for when `st` is a struct built
    /// in the body: `None` for any other field access.
    pub(super) fn struct_field(&self, field: &syn::ExprField) -> Option<Binding> {
        let owner = match peel(&field.base) {
            Expr::Path(path) => self.lookup(path.path.get_ident()?)?,
            Expr::Field(inner) => self.struct_field(inner)?,
            _ => return None,
        };
        let Binding::Struct(local) = owner else { return None };
        match local.field(&field.member) {
            Some(binding) => Some(binding.clone()),
            None => {
                let message = format!("this struct literal has no field `{}`", member_name(&field.member));
                self.cx.error_spanned_by(&field.member, message);
                None
            }
        }
    }
}

/// The error for a method called on a struct built in the body that is no
/// constant (`LocalStruct::constant`): it exists as its fields only.
pub(super) fn method_on_local_struct_message(name: &syn::Ident, local: &LocalStruct, method: &syn::Ident) -> String {
    let ty = quote::ToTokens::to_token_stream(&local.path).to_string().replace(' ', "");
    if local.mutable_constant {
        // Its fields are constants: the `mut` is what stands in the way.
        return format!(
            "`{name}` is declared `mut`: #[grad] keeps the fields of a local struct as separate variables and \
             calls the method `{method}` on one only when it is a constant, which a `mut` struct is not; drop the \
             `mut` (`let {name} = {ty} {{ .. }};`), or build `{name}` in the caller and take it as a parameter left \
             out of `wrt` (`{name}: &{ty}`)"
        );
    }
    format!(
        "`{name}` is a struct built in this #[grad] function from values that are not constants, whose fields \
         #[grad] keeps as separate variables, so the method `{method}` cannot be called on it; a method is called \
         on a local struct that is a constant: built by a literal of constants (or of parameters left out of \
         `wrt`), not `mut` (`let {name} = {ty} {{ field: 2.0 }};`), or by a plain function, its type written (`let {name}: {ty} = make(k);`); \
         otherwise build `{name}` in the caller and take it as a parameter left out of `wrt` (`{name}: &{ty}`)"
    )
}

/// The error for a struct built in the body and used as a whole value.
pub(super) fn whole_struct_message(name: impl std::fmt::Display) -> String {
    format!(
        "`{name}` is a struct built in this #[grad] function, whose fields #[grad] keeps as separate variables; \
         use its fields (`{name}.field`, `&mut {name}.field` passed to a call), not the whole struct"
    )
}

fn struct_literal(expr: &Expr) -> Option<&syn::ExprStruct> {
    match peel(expr) {
        Expr::Struct(literal) => Some(literal),
        _ => None,
    }
}

/// `Point(a, b)`, `geometry::Point(a, b)`: a call of a path whose last
/// segment is named like a type (Rust names functions in snake case), and
/// not like an enum's variant (`is_variant_call`) or `Self(..)`, is a tuple
/// struct's literal.
pub(super) fn tuple_struct_literal(expr: &Expr) -> Option<&syn::ExprCall> {
    let Expr::Call(call) = peel(expr) else { return None };
    let (last, _) = type_like_call(call)?;
    (last.arguments.is_none() && last.ident != "Self" && !is_variant_call(call)).then_some(call)
}

/// `Shape::Circle(r)`, `Some(v)`, `Ok(v)`: a call of an enum's variant, a
/// name like a type's after a type's name, or one of the prelude's.
pub(super) fn is_variant_call(call: &syn::ExprCall) -> bool {
    let Some((last, owner)) = type_like_call(call) else { return false };
    let of_a_type = owner.is_some_and(|owner| is_type_like(&owner.ident) || owner.ident == "Self");
    of_a_type || ["Some", "Ok", "Err"].iter().any(|name| last.ident == name)
}

/// The last segment of a call's path, named like a type, and the segment
/// before it, if any; `None` for a qualified path or a snake-case name.
fn type_like_call(call: &syn::ExprCall) -> Option<(&syn::PathSegment, Option<&syn::PathSegment>)> {
    let Expr::Path(path) = peel(&call.func) else { return None };
    let mut segments = path.path.segments.iter().rev();
    let last = segments.next()?;
    (path.qself.is_none() && is_type_like(&last.ident)).then(|| (last, segments.next()))
}

/// Named like a type: `Point`, `Self`.
fn is_type_like(ident: &syn::Ident) -> bool {
    crate::naming::name_of(ident).starts_with(|c: char| c.is_ascii_uppercase())
}

/// `Config` of `Config::new(k)`, `geo::Frame::default()` or
/// `Self::with_scale(k)`: a call of a constructor (named `new`, `default`,
/// `from`, or `new_..`, `with_..`, `from_..`) of a type named like one (not
/// `f64::from`), whose value a method is then called on
/// (`cfg.apply(x)`) is taken for that type, as Rust code calling a method
/// on it almost always means. Where it is not (`Box<Config>`, `&Config`),
/// the generated call lends `&cfg` to `<Config>::method`, which deref
/// coercion still accepts; where the type has no such method rustc's error
/// is the user's own. The standard library's containers, whose methods
/// are the user's to call, are not taken.
pub(super) fn constructor_type(expr: &Expr) -> Option<syn::Type> {
    let Expr::Call(call) = peel(expr) else { return None };
    let Expr::Path(path) = peel(&call.func) else { return None };
    constructor_owner(path)
}

/// `Config` of the path `Config::new` (see `constructor_type`).
pub fn constructor_owner(path: &syn::ExprPath) -> Option<syn::Type> {
    const CONTAINERS: &[&str] = &[
        "Vec", "VecDeque", "String", "Box", "Rc", "Arc", "Option", "Result", "HashMap", "HashSet", "BTreeMap",
        "BTreeSet", "Cell", "RefCell",
    ];
    if path.qself.is_some() || path.path.segments.len() < 2 {
        return None;
    }
    let type_like = |ident: &syn::Ident| crate::naming::name_of(ident).starts_with(|c: char| c.is_ascii_uppercase());
    // `Shape::Circle(r)` is an enum's variant, not a constructor's call;
    // and only a constructor's name says it returns its type (`Config::new`,
    // `::default`, `::with_scale`, `::from_parts`; `Factory::config` need not).
    let function = crate::naming::name_of(&path.path.segments.last()?.ident);
    let constructor = ["new", "default", "from"].contains(&function.as_str())
        || ["new_", "with_", "from_"].iter().any(|prefix| function.starts_with(prefix));
    if !constructor {
        return None;
    }
    let mut owner = path.path.clone();
    owner.segments.pop();
    owner.segments.pop_punct();
    let ty_segment = owner.segments.last()?;
    if !(type_like(&ty_segment.ident) || ty_segment.ident == "Self")
        || CONTAINERS.iter().any(|name| ty_segment.ident == name)
    {
        return None;
    }
    Some(syn::Type::Path(syn::TypePath { qself: None, path: owner }))
}

/// A value no derivative can flow into: a literal (`2.0`, `-1.5`, `[0.0;
/// 3]`, `[1.0, 2.0]`), a constant's path (`SCALE`, `f64::consts::PI`), or
/// a name `bound` says is a constant (a parameter left out of `wrt`, not
/// `mut`); not another local or parameter (`bound` says `Some(false)`),
/// whatever its name.
fn is_constant(expr: &Expr, bound: &dyn Fn(&syn::Ident) -> Option<bool>) -> bool {
    match peel(expr) {
        Expr::Lit(_) => true,
        Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => is_constant(expr, bound),
        Expr::Array(array) => array.elems.iter().all(|elem| is_constant(elem, bound)),
        Expr::Repeat(repeat) => is_constant(&repeat.expr, bound),
        Expr::Path(path) if path.path.get_ident().and_then(bound).is_some() => {
            path.path.get_ident().and_then(bound) == Some(true)
        }
        Expr::Path(path) => {
            let last = path.path.segments.last();
            last.is_some_and(|last| {
                let name = crate::naming::name_of(&last.ident);
                name.len() > 1 && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
        }
        _ => false,
    }
}

fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => peel(&paren.expr),
        Expr::Group(group) => peel(&group.expr),
        expr => expr,
    }
}

fn member_name(member: &Member) -> String {
    match member {
        Member::Named(ident) => crate::naming::name_of(ident),
        Member::Unnamed(index) => index.index.to_string(),
    }
}
