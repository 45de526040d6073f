//! The `pdf:` section of notes2book.yaml → the PDF backend's options.

use notes2book_model::Diagnostic;
use notes2book_pdf::{FallbackFont, PdfOptions};
use notes2book_typeset::{Options, PAGE_SIZES, font_size_for, margins_for, page_size};

use crate::project::Project;

const MM: f32 = 72.0 / 25.4;

/// Options for the PDF backend; problems in the section are added to the project's
/// diagnostics (as errors: a wrong page size or an unreadable font is a broken config).
pub fn options(project: &mut Project, modified: i64, fonts: &crate::build::FontArgs) -> PdfOptions {
    let cfg = project.config.pdf.clone();
    let mut opts = Options {
        two_sided: cfg.two_sided,
        ..Options::default()
    };
    let mut diags = Vec::new();
    if let Some(name) = &cfg.page_size {
        match page_size(name) {
            Some(size) => opts.page_size = size,
            None => diags.push(
                Diagnostic::error("config-pdf", format!("unknown page size `{name}`"))
                    .hint(format!("pdf.page_size is one of {}", PAGE_SIZES.join(", "))),
            ),
        }
    }
    // The body size and the margins suit the page unless the configuration sets them.
    opts.font_size = font_size_for(opts.page_size);
    if let Some(s) = cfg.font_size
        && (5.0..=30.0).contains(&s)
    {
        opts.font_size = s;
    }
    opts.margins = margins_for(opts.page_size, opts.font_size);
    if let Some(m) = cfg.margins {
        let set = |v: Option<f32>, d: f32| v.map_or(d, |mm| mm.clamp(0.0, 100.0) * MM);
        opts.margins.top = set(m.top, opts.margins.top);
        opts.margins.bottom = set(m.bottom, opts.margins.bottom);
        opts.margins.inner = set(m.inner, opts.margins.inner);
        opts.margins.outer = set(m.outer, opts.margins.outer);
    }
    let (w, h) = opts.page_size;
    let m = opts.margins;
    if w - m.inner - m.outer < 144.0 || h - m.top - m.bottom < 144.0 {
        diags.push(
            Diagnostic::error(
                "config-pdf",
                "the margins leave less than 5 cm for the text",
            )
            .hint("make pdf.margins smaller (they are in millimetres)"),
        );
    }
    if let Some(s) = cfg.font_size
        && !(5.0..=30.0).contains(&s)
    {
        diags.push(
            Diagnostic::error("config-pdf", format!("font size {s} is out of range"))
                .hint("pdf.font_size is in points, between 5 and 30 (books use 9.5 to 12)"),
        );
    }
    if let Some(l) = cfg.line_height {
        if (1.0..=3.0).contains(&l) {
            opts.line_height = l;
        } else {
            diags.push(
                Diagnostic::error("config-pdf", format!("line height {l} is out of range"))
                    .hint("pdf.line_height is a multiple of the font size, between 1 and 3"),
            );
        }
    }
    if let Some(t) = cfg.toc {
        opts.toc = t;
    }
    if let Some(d) = cfg.toc_depth {
        opts.toc_depth = d.clamp(1, 6);
    }
    if let Some(j) = cfg.justify {
        opts.justify = j;
    }
    if let Some(m) = cfg.microtype {
        opts.microtype = m;
    }
    if let Some(hy) = cfg.hyphenate {
        opts.hyphenate = hy;
    }
    for f in &cfg.fallback_fonts {
        let path = project.config_dir.join(f);
        match std::fs::read(&path) {
            Ok(bytes) => opts.fallback_fonts.push(FallbackFont {
                name: f.display().to_string(),
                bytes: bytes.into(),
                index: 0,
            }),
            Err(e) => diags.push(
                Diagnostic::error(
                    "config-pdf",
                    format!("cannot read the fallback font {}: {e}", path.display()),
                )
                .hint("pdf.fallback_fonts are paths relative to notes2book.yaml"),
            ),
        }
    }
    let mut dirs = fonts.paths.clone();
    dirs.extend(cfg.font_dirs.iter().map(|d| project.config_dir.join(d)));
    opts.discovery = notes2book_typeset::discover::Discovery {
        system: !fonts.ignore_system,
        dirs,
    };
    use notes2book_typeset::fonts::Role;
    let roles = [
        (Role::Body, "body", &cfg.fonts.body),
        (Role::Heading, "heading", &cfg.fonts.heading),
        (Role::Mono, "mono", &cfg.fonts.mono),
    ];
    for (role, key, name) in roles {
        let Some(name) = name else { continue };
        match notes2book_typeset::discover::family(name, &opts.discovery, &project.config_dir) {
            Ok(family) => opts.families.push((role, family)),
            Err(e) => diags.push(Diagnostic::error("config-pdf", format!("pdf.fonts.{key}: {e}")).hint(
                "name a family installed on this machine or in pdf.font_dirs / --font-path (`fc-list : family` lists them), or a font file relative to notes2book.yaml",
            )),
        }
    }
    project.parsed.diagnostics.extend(diags);
    opts.cache = project.cache_dir.clone();
    PdfOptions {
        layout: opts,
        modified,
        raw_limit: None,
    }
}
