//! The condition language of policies: parse, type-check, compile once.

pub mod check;
pub mod syntax;

pub use check::{CheckError, EnumTy, Expr, Ty};
pub use syntax::{MAX_DEPTH, MAX_LEN, Span, SyntaxError};
