//! EPUB 3 backend (not written yet; issue "EPUB backend").
//!
//! It will take the finished `Book` and its prepared assets by reference and return the
//! bytes of an EPUB 3 (with an EPUB 2 NCX) built with epub-builder: one XHTML file per
//! chapter written from the model, footnotes as EPUB 3 popups, a default stylesheet for
//! e-readers, fixed zip entry times for byte-identical output. Until then this crate has no
//! API, so nothing can call it by mistake.
