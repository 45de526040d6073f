//! The typesetting engine: the finished `Book` in, positioned pages out. The stages, each
//! reading the one before:
//! 1. [`fonts`]: the bundled faces (and configured fallbacks), shaping with harfrust.
//! 2. [`inline`]: a paragraph's inlines become boxes, glue and penalties (UAX #14 break
//!    opportunities, hyphenation by the book's language).
//! 3. [`linebreak`]: Knuth–Plass total-fit line breaking.
//! 4. [`layout`]: blocks become a vertical list of lines and unbreakable boxes with keep
//!    rules (widows, orphans, headings kept with what follows).
//! 5. [`paginate`]: the vertical list is cut into pages, footnotes at the foot.
//! 6. [`contents`]: the table of contents and the outline's bookmarks.
//!
//! Nothing here knows the file format the pages are written in.

pub mod contents;
pub mod fonts;
pub mod inline;
pub mod layout;
pub mod linebreak;
pub mod paginate;
pub mod table;

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
