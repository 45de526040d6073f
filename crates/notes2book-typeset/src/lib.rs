//! The typesetting engine: the finished `Book` in, [`Frame`]s out (one per page: glyph
//! runs, rules, images and link areas at their positions, grouped by the block they come
//! from, with its kind and source span). The stages, each reading only the ones before:
//! 1. [`fonts`]: the bundled faces (and configured fallbacks), shaping with harfrust.
//! 2. [`inline`]: a paragraph's inlines become boxes, glue and penalties (UAX #14 break
//!    opportunities, hyphenation by the book's language; [`html`] gives raw HTML's text).
//! 3. [`linebreak`]: Knuth–Plass total-fit line breaking.
//! 4. [`layout`]: blocks become a vertical list of lines and unbreakable boxes with keep
//!    rules (widows, orphans, headings kept with what follows); tables, figures and code
//!    are its submodules.
//! 5. [`paginate`]: the vertical list is cut into pages, footnotes at the foot.
//! 6. [`contents`], [`front`], [`furniture`]: the table of contents and the outline's
//!    bookmarks, the cover and title page, running heads and folios.
//! 7. [`document`]: chapters laid out in parallel, a batch at a time, page numbers assigned, pages turned
//!    into [`frame`]s, all by the page [`setup`]; [`pagemap`] says where each page begins
//!    in the book's blocks (for the EPUB's print page numbers).
//!
//! Nothing here knows the file format the pages are written in.

pub mod bidi;
pub mod breaks;
pub mod contents;
pub mod cover;
pub mod discover;
pub mod document;
pub mod fonts;
pub mod frame;
pub mod front;
pub mod furniture;
pub mod html;
pub mod inline;
pub mod layout;
pub mod linebreak;
pub mod math;
pub mod pagemap;
pub mod paginate;
pub mod setup;

pub use document::{Typeset, setup_fonts, typeset};
pub use frame::{Frame, Group, Position, Tag, TagKind};
pub use setup::{Margins, Options, PAGE_SIZES, font_size_for, margins_for, page_size};

use notes2book_model::Length;

/// A length the author gave, in points, relative to `width` for percentages.
pub fn length_pt(l: Length, width: f32, em: f32) -> f32 {
    match l {
        Length::Px(v) => v * 0.75,
        Length::Percent(p) => width * p / 100.0,
        Length::Em(v) => v * em,
        Length::Cm(v) => v * 72.0 / 2.54,
        Length::Mm(v) => v * 72.0 / 25.4,
        Length::In(v) => v * 72.0,
    }
}
