//! Assets: find, check and prepare every image the book refers to.
//!
//! [`resolve`] applies the resolution rules to every [`ImageUse`](notes2book_model::ImageUse)
//! of a parsed book, fills in its asset id and [`Book::assets`](notes2book_model::Book)
//! (one entry per distinct file) and returns diagnostics. It never reads outside the book's
//! folders: a path that climbs out, an absolute path elsewhere or a symlink that leads out
//! is an error, never a read.
//!
//! [`prepare`] then reads each distinct file once and, in parallel, decodes, orients,
//! downscales and re-encodes it into one variant per backend ([`Assets`]);
//! [`prepare_with_progress`] does the same and reports each finished file to a callback.
//! No backend opens an image file itself. The bundled fonts ([`BUNDLED_FONTS`]) are assets too.

mod cache;
pub use cache::cached_blob;
mod fonts;
mod jpeg;
pub mod png;
mod process;
mod resolve;
mod svg;

pub use fonts::{BUNDLED_FONTS, BundledFont, MATH_FONT};
pub use process::{
    Assets, Encoded, ImageKind, ImageLimits, Prepared, ProcessOptions, prepare, prepare_one,
    prepare_with_progress,
};
pub use resolve::{ResolveOptions, resolve};
