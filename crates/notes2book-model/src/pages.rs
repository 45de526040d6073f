//! Where the pages of the print edition begin, for an EPUB that marks them: what the PDF's
//! layout tells the EPUB writer when both are built in one run.

use crate::Span;

/// One printed page's beginning: its label (the folio printed on it) and the block it
/// begins in, `chars` characters into that block's text (letters, digits and punctuation;
/// white space is not counted), 0 when the page begins with the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStart {
    pub label: String,
    pub block: Span,
    pub chars: usize,
}
