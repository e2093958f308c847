//! Lexer and parser: text → syntax tree with byte spans.
//!
//! The grammar (precedence from loosest):
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | cmp
//! cmp     := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum)?
//! sum     := postfix (("+" | "-") postfix)*
//! postfix := primary ("." ident)*
//! primary := int | string | "true" | "false" | "none" | ident
//!          | ident "(" args ")"                       function call
//!          | q "(" ident "in" expr ("where" expr)? ")"  q ∈ exists, all, count, first
//!          | "[" ident "in" expr "where" expr "]"       filter
//!          | "[" expr "for" ident "in" expr ("where" expr)? "]"   map (none results dropped)
//!          | "[" (expr ("," expr)*)? "]"              list
//!          | "if" expr "then" expr "else" expr
//!          | "(" expr ")"
//! ```
//! Nesting is limited to [`MAX_DEPTH`] and the text to [`MAX_LEN`] bytes, so
//! neither parsing nor evaluation can exhaust the stack.

use std::fmt;

/// The deepest nesting a condition may have.
pub const MAX_DEPTH: usize = 64;
/// The longest condition text, in bytes.
pub const MAX_LEN: usize = 16 * 1024;
/// The most terms in one `+`/`-` chain or one `.field` chain.
pub const MAX_CHAIN: usize = 256;

/// A byte range within the condition text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where.
    pub span: Span,
    /// What.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
    Str(String),
    Ident(String),
    Op(&'static str),
    End,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

const OPS: [&str; 15] = [
    "==", "!=", "<=", ">=", "<", ">", "+", "-", "(", ")", "[", "]", ",", ".", ":",
];

impl Lexer<'_> {
    fn next(&mut self) -> Result<(Tok, Span), SyntaxError> {
        let bytes = self.src.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'#' {
                while let Some(&c) = bytes.get(self.pos) {
                    if c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
        let start = self.pos;
        let Some(&b) = bytes.get(start) else {
            return Ok((Tok::End, Span { start, end: start }));
        };
        let rest = self.src.get(start..).unwrap_or("");
        if b.is_ascii_digit() {
            let len = rest.bytes().take_while(u8::is_ascii_digit).count();
            self.pos += len;
            let text = rest.get(..len).unwrap_or("");
            let span = Span {
                start,
                end: self.pos,
            };
            return text
                .parse::<i64>()
                .map(|n| (Tok::Int(n), span))
                .map_err(|_| SyntaxError {
                    span,
                    message: format!("the number `{text}` is too large"),
                });
        }
        if b == b'"' {
            let mut out = String::new();
            let mut chars = rest.char_indices().skip(1);
            for (i, c) in chars.by_ref() {
                if c == '"' {
                    self.pos = start + i + 1;
                    return Ok((
                        Tok::Str(out),
                        Span {
                            start,
                            end: self.pos,
                        },
                    ));
                }
                out.push(c);
            }
            return Err(SyntaxError {
                span: Span {
                    start,
                    end: self.src.len(),
                },
                message: "unterminated string: a closing `\"` is missing".into(),
            });
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            let len = rest
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            self.pos += len;
            return Ok((
                Tok::Ident(rest.get(..len).unwrap_or("").to_string()),
                Span {
                    start,
                    end: self.pos,
                },
            ));
        }
        for op in OPS {
            if rest.starts_with(op) {
                self.pos += op.len();
                return Ok((
                    Tok::Op(op),
                    Span {
                        start,
                        end: self.pos,
                    },
                ));
            }
        }
        let ch = rest.chars().next().unwrap_or('?');
        Err(SyntaxError {
            span: Span {
                start,
                end: start + ch.len_utf8(),
            },
            message: format!("unexpected character `{ch}`"),
        })
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `and`
    And,
    /// `or`
    Or,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in` (membership)
    In,
    /// `+`
    Add,
    /// `-`
    Sub,
}

/// Quantifiers over a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quant {
    /// `exists(x in xs where c)`
    Exists,
    /// `all(x in xs where c)`
    All,
    /// `count(x in xs where c)`
    Count,
    /// `first(x in xs where c)`
    First,
    /// `last(x in xs where c)`
    Last,
    /// `[x in xs where c]`
    Filter,
}

/// A syntax tree node.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// Integer literal.
    Int(i64, Span),
    /// String literal.
    Str(String, Span),
    /// `true` / `false`.
    Bool(bool, Span),
    /// `none`.
    None(Span),
    /// A variable name.
    Var(String, Span),
    /// `base.name`.
    Field(Box<Ast>, String, Span),
    /// `name(args)`.
    Call(String, Vec<Ast>, Span),
    /// `a op b`.
    Bin(BinOp, Box<Ast>, Box<Ast>, Span),
    /// `not a`.
    Not(Box<Ast>, Span),
    /// `[a, b]`.
    List(Vec<Ast>, Span),
    /// Quantifier or comprehension.
    Quant(Quant, String, Box<Ast>, Option<Box<Ast>>, Span),
    /// `[head for x in xs where c]`.
    Map(Box<Ast>, String, Box<Ast>, Option<Box<Ast>>, Span),
    /// `if c then a else b`.
    If(Box<Ast>, Box<Ast>, Box<Ast>, Span),
}

impl Ast {
    /// The node's span.
    pub fn span(&self) -> Span {
        match self {
            Ast::Int(_, s)
            | Ast::Str(_, s)
            | Ast::Bool(_, s)
            | Ast::None(s)
            | Ast::Var(_, s)
            | Ast::Field(_, _, s)
            | Ast::Call(_, _, s)
            | Ast::Bin(_, _, _, s)
            | Ast::Not(_, s)
            | Ast::List(_, s)
            | Ast::Quant(_, _, _, _, s)
            | Ast::Map(_, _, _, _, s)
            | Ast::If(_, _, _, s) => *s,
        }
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    tok: Tok,
    span: Span,
    depth: usize,
}

/// Parses a condition.
///
/// # Errors
/// [`SyntaxError`] with the span of the fault.
pub fn parse(src: &str) -> Result<Ast, SyntaxError> {
    if src.len() > MAX_LEN {
        return Err(SyntaxError {
            span: Span { start: 0, end: 0 },
            message: format!(
                "a condition may be at most {MAX_LEN} bytes long, this one has {}",
                src.len()
            ),
        });
    }
    let mut lex = Lexer { src, pos: 0 };
    let (tok, span) = lex.next()?;
    let mut p = Parser {
        lex,
        tok,
        span,
        depth: 0,
    };
    let e = p.expr()?;
    if p.tok != Tok::End {
        return Err(p.err(format!(
            "unexpected {} after the end of the condition",
            describe(&p.tok)
        )));
    }
    Ok(e)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Int(n) => format!("number `{n}`"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::End => "end of text".into(),
    }
}

impl Parser<'_> {
    fn bump(&mut self) -> Result<(Tok, Span), SyntaxError> {
        let (t, s) = self.lex.next()?;
        let old = std::mem::replace(&mut self.tok, t);
        let old_span = std::mem::replace(&mut self.span, s);
        Ok((old, old_span))
    }
    fn err(&self, message: String) -> SyntaxError {
        SyntaxError {
            span: self.span,
            message,
        }
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.tok, Tok::Ident(s) if s == kw)
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(&self.tok, Tok::Op(o) if *o == op)
    }
    fn expect_op(&mut self, op: &str) -> Result<Span, SyntaxError> {
        if self.is_op(op) {
            Ok(self.bump()?.1)
        } else {
            Err(self.err(format!("expected `{op}`, found {}", describe(&self.tok))))
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), SyntaxError> {
        if self.is_kw(kw) {
            self.bump()?;
            Ok(())
        } else {
            Err(self.err(format!("expected `{kw}`, found {}", describe(&self.tok))))
        }
    }
    fn ident(&mut self) -> Result<(String, Span), SyntaxError> {
        match self.bump()? {
            (Tok::Ident(s), sp) if !is_keyword(&s) => Ok((s, sp)),
            (t, sp) => Err(SyntaxError {
                span: sp,
                message: format!("expected a name, found {}", describe(&t)),
            }),
        }
    }
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!(
                "the condition is nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Ast, SyntaxError> {
        self.enter()?;
        let r = self.or();
        self.depth -= 1;
        r
    }
    fn or(&mut self) -> Result<Ast, SyntaxError> {
        let mut terms = vec![self.and()?];
        while self.is_kw("or") {
            self.bump()?;
            terms.push(self.and()?);
        }
        Ok(balanced(BinOp::Or, terms))
    }
    fn and(&mut self) -> Result<Ast, SyntaxError> {
        let mut terms = vec![self.not()?];
        while self.is_kw("and") {
            self.bump()?;
            terms.push(self.not()?);
        }
        Ok(balanced(BinOp::And, terms))
    }
    fn not(&mut self) -> Result<Ast, SyntaxError> {
        if self.is_kw("not") {
            let (_, s) = self.bump()?;
            self.enter()?;
            let e = self.not();
            self.depth -= 1;
            let e = e?;
            let sp = s.to(e.span());
            return Ok(Ast::Not(Box::new(e), sp));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Ast, SyntaxError> {
        let l = self.sum()?;
        let op = match &self.tok {
            Tok::Op("==") => BinOp::Eq,
            Tok::Op("!=") => BinOp::Ne,
            Tok::Op("<") => BinOp::Lt,
            Tok::Op("<=") => BinOp::Le,
            Tok::Op(">") => BinOp::Gt,
            Tok::Op(">=") => BinOp::Ge,
            Tok::Ident(s) if s == "in" => BinOp::In,
            _ => return Ok(l),
        };
        self.bump()?;
        let r = self.sum()?;
        let s = l.span().to(r.span());
        Ok(Ast::Bin(op, Box::new(l), Box::new(r), s))
    }
    fn sum(&mut self) -> Result<Ast, SyntaxError> {
        let mut l = self.postfix()?;
        let mut terms = 1usize;
        loop {
            if terms >= MAX_CHAIN && (self.is_op("+") || self.is_op("-")) {
                return Err(self.err(format!("a sum may have at most {MAX_CHAIN} terms")));
            }
            terms += 1;
            let op = if self.is_op("+") {
                BinOp::Add
            } else if self.is_op("-") {
                BinOp::Sub
            } else {
                return Ok(l);
            };
            self.bump()?;
            let r = self.postfix()?;
            let s = l.span().to(r.span());
            l = Ast::Bin(op, Box::new(l), Box::new(r), s);
        }
    }
    fn postfix(&mut self) -> Result<Ast, SyntaxError> {
        let mut e = self.primary()?;
        let mut links = 0usize;
        while self.is_op(".") {
            links += 1;
            if links > MAX_CHAIN {
                return Err(self.err(format!(
                    "a chain of fields may have at most {MAX_CHAIN} links"
                )));
            }
            self.bump()?;
            let (name, s) = self.ident()?;
            let sp = e.span().to(s);
            e = Ast::Field(Box::new(e), name, sp);
        }
        Ok(e)
    }
    fn primary(&mut self) -> Result<Ast, SyntaxError> {
        self.enter()?;
        let r = self.primary_inner();
        self.depth -= 1;
        r
    }
    fn primary_inner(&mut self) -> Result<Ast, SyntaxError> {
        let (tok, span) = self.bump()?;
        match tok {
            Tok::Int(n) => Ok(Ast::Int(n, span)),
            Tok::Str(s) => Ok(Ast::Str(s, span)),
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect_op(")")?;
                Ok(e)
            }
            Tok::Op("[") => self.list(span),
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Ast::Bool(true, span)),
                "false" => Ok(Ast::Bool(false, span)),
                "none" => Ok(Ast::None(span)),
                "if" => {
                    let c = self.expr()?;
                    self.expect_kw("then")?;
                    let a = self.expr()?;
                    self.expect_kw("else")?;
                    let b = self.expr()?;
                    let sp = span.to(b.span());
                    Ok(Ast::If(Box::new(c), Box::new(a), Box::new(b), sp))
                }
                "exists" | "all" | "count" | "first" | "last" if self.is_op("(") => {
                    let q = match name.as_str() {
                        "exists" => Quant::Exists,
                        "all" => Quant::All,
                        "count" => Quant::Count,
                        "first" => Quant::First,
                        _ => Quant::Last,
                    };
                    self.bump()?;
                    let (var, _) = self.ident()?;
                    self.expect_kw("in")?;
                    let src = self.expr()?;
                    let cond = if self.is_kw("where") {
                        self.bump()?;
                        Some(Box::new(self.expr()?))
                    } else {
                        None
                    };
                    let end = self.expect_op(")")?;
                    Ok(Ast::Quant(q, var, Box::new(src), cond, span.to(end)))
                }
                _ if is_keyword(&name) => Err(SyntaxError {
                    span,
                    message: format!("`{name}` is a keyword and cannot start an expression"),
                }),
                _ if self.is_op("(") => {
                    self.bump()?;
                    let mut args = Vec::new();
                    if !self.is_op(")") {
                        loop {
                            args.push(self.expr()?);
                            if self.is_op(",") {
                                self.bump()?;
                            } else {
                                break;
                            }
                        }
                    }
                    let end = self.expect_op(")")?;
                    Ok(Ast::Call(name, args, span.to(end)))
                }
                _ => Ok(Ast::Var(name, span)),
            },
            t => Err(SyntaxError {
                span,
                message: format!("expected an expression, found {}", describe(&t)),
            }),
        }
    }
    fn list(&mut self, open: Span) -> Result<Ast, SyntaxError> {
        if self.is_op("]") {
            let end = self.bump()?.1;
            return Ok(Ast::List(Vec::new(), open.to(end)));
        }
        let first = self.expr()?;
        // `[x in xs where c]` parses its head as the comparison `x in xs`.
        if let (Ast::Bin(BinOp::In, var, src, _), true) = (&first, self.is_kw("where"))
            && let Ast::Var(name, _) = var.as_ref()
        {
            self.bump()?;
            let cond = self.expr()?;
            let end = self.expect_op("]")?;
            return Ok(Ast::Quant(
                Quant::Filter,
                name.clone(),
                src.clone(),
                Some(Box::new(cond)),
                open.to(end),
            ));
        }
        if self.is_kw("for") {
            self.bump()?;
            let (var, _) = self.ident()?;
            self.expect_kw("in")?;
            let src = self.expr()?;
            let cond = if self.is_kw("where") {
                self.bump()?;
                Some(Box::new(self.expr()?))
            } else {
                None
            };
            let end = self.expect_op("]")?;
            return Ok(Ast::Map(
                Box::new(first),
                var,
                Box::new(src),
                cond,
                open.to(end),
            ));
        }
        let mut items = vec![first];
        while self.is_op(",") {
            self.bump()?;
            items.push(self.expr()?);
        }
        let end = self.expect_op("]")?;
        Ok(Ast::List(items, open.to(end)))
    }
}

/// `a op b op c …` as a balanced tree, operands in order: `and` and `or` are
/// associative and evaluate left to right either way, and the tree stays
/// shallow however long the chain.
fn balanced(op: BinOp, mut terms: Vec<Ast>) -> Ast {
    if terms.len() <= 1 {
        return terms
            .pop()
            .unwrap_or(Ast::Bool(op == BinOp::And, Span::default()));
    }
    let right = terms.split_off(terms.len() / 2);
    let (l, r) = (balanced(op, terms), balanced(op, right));
    let s = l.span().to(r.span());
    Ast::Bin(op, Box::new(l), Box::new(r), s)
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "and"
            | "or"
            | "not"
            | "in"
            | "where"
            | "for"
            | "if"
            | "then"
            | "else"
            | "true"
            | "false"
            | "none"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence() {
        let e = parse("a and b or not c").unwrap();
        assert!(matches!(e, Ast::Bin(BinOp::Or, _, _, _)));
        let e = parse("count(x in events where x.kind == \"completed\") >= 2").unwrap();
        assert!(matches!(e, Ast::Bin(BinOp::Ge, _, _, _)));
        let e = parse("[x.actor for x in events where x.kind == \"reminder\"]").unwrap();
        assert!(matches!(e, Ast::Map(..)));
        let e = parse("[x in events where x.actor == task.assigned_by]").unwrap();
        assert!(matches!(e, Ast::Quant(Quant::Filter, _, _, _, _)));
    }

    #[test]
    fn reports_spans() {
        let err = parse("a and (b or").unwrap_err();
        assert_eq!(err.span.start, 11);
        let err = parse("a $ b").unwrap_err();
        assert_eq!(err.span, Span { start: 2, end: 3 });
    }

    #[test]
    fn limits_depth_without_overflow() {
        let deep = "(".repeat(5_000) + "a" + &")".repeat(5_000);
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("nested deeper"));
        let nots = "not ".repeat(5_000) + "a";
        assert!(parse(&nots).is_err());
    }
}
