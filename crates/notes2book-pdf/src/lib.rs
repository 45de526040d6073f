//! PDF backend (not written yet; issues "PDF backend, part 1 and 2").
//!
//! It will take the finished `Book` and its prepared assets by reference, lay the book out
//! (shaping, Knuth–Plass line breaking, hyphenation, pagination without widows and orphans,
//! footnotes, tables, figures, title page, contents, outline, running heads) and return PDF
//! bytes written with printpdf. Until then this crate has no API, so nothing can call it by
//! mistake.
