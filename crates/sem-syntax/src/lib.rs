//! lavaan model syntax -> flat rows with spans; located parse errors.
#![deny(missing_docs)]

mod error;
mod lexer;
mod model;
mod parser;

pub use error::ParseError;
pub use model::{
    BinOp, Constraint, Definition, Expr, FlatRow, ModelSyntax, Modifiers, Op, Span, Statement,
};
pub use parser::parse;
