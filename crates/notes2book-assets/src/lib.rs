//! Assets: find and check every image the book refers to.
//!
//! [`resolve`] applies the resolution rules to every [`ImageUse`] of a parsed book, fills in
//! [`ImageUse::asset`] and [`Book::assets`] (one entry per distinct file) and returns
//! diagnostics. It never reads outside the book's folders: a path that climbs out, an
//! absolute path elsewhere or a symlink that leads out is an error, never a read.
//!
//! Decoding, orienting, downscaling and re-encoding the images for each backend (in
//! parallel) is the next step of this crate and not written yet.

mod resolve;

pub use resolve::{ResolveOptions, resolve};
