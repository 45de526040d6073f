//! The notes2book document model: the contract between the parser and the backends.
//!
//! The parser (`notes2book-parser`) produces one [`Book`]: an owned, fully resolved tree in
//! which every link already points at a chapter and anchor, every image at an entry of
//! [`Book::images`], every heading has a book-unique id and every footnote its number.
//! The asset resolver fills in [`ImageUse::asset`]; the backends only read.
//!
//! Nodes that can fail later carry a [`Span`] (file + byte range) so that a backend problem
//! still points at `file:line:col` through [`Sources`].
//!
//! What the model does not represent is written down in `README.md` ("What the model keeps").

mod diag;
mod doc;
pub mod outline;
mod pages;
mod source;
mod text;
pub mod url;
pub mod vfs;

pub use diag::{Diagnostic, Severity};
pub use doc::*;
pub use outline::outline;
pub use pages::PageStart;
pub use source::{FileId, Location, SourceFile, Sources, Span};
pub use text::{is_rtl_language, plain_text, slug_words, slugify, syntax_token, xml_escape};
