//! SVG: kept as SVG for the EPUB once checked (well-formed XML, no scripts, no event
//! handlers, no external references, no DTD internal subset); rasterised with resvg for the
//! PDF. A document type declaration without an internal subset (what Graphviz, Inkscape
//! and Illustrator write) declares nothing and is dropped: EPUB forbids its external
//! identifier. Text inside an SVG is drawn in the PDF with the bundled fonts.

use notes2book_model::{AssetId, Diagnostic};

use crate::process::{Encoded, ImageKind, Outcome, Prepared, ProcessOptions};

pub fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with("<?xml")
        || t.starts_with("<svg")
        || t.starts_with("<!--")
        || t.starts_with("<!DOCTYPE"))
        && head.contains("<svg")
}

fn is_web(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn invalid(name: &str, why: String) -> Diagnostic {
    Diagnostic::error(
        "svg-unsafe",
        format!("{name} is not a safe, well-formed SVG: {why}"),
    )
    .hint("export the drawing again as plain SVG, or as PNG")
}

/// The text without its `<!DOCTYPE …>`, or why it cannot be used: an internal subset
/// (`[ <!ENTITY …> ]`) can declare entities that expand without bound or read other files.
fn without_doctype<'a>(name: &str, text: &'a str) -> Result<std::borrow::Cow<'a, str>, Diagnostic> {
    let Some(start) = text.find("<!DOCTYPE") else {
        return Ok(text.into());
    };
    // Only the prolog may hold it: one after the root element has started is not ours to cut.
    if text[..start].contains("<svg") {
        return Ok(text.into());
    }
    let mut quote = None;
    for (i, c) in text[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => {
                return Err(invalid(
                    name,
                    "its DOCTYPE has an internal subset (entity declarations)".into(),
                ));
            }
            (None, '>') => {
                let mut end = start + i + 1;
                if text[end..].starts_with('\n') {
                    end += 1;
                }
                return Ok(format!("{}{}", &text[..start], &text[end..]).into());
            }
            _ => {}
        }
    }
    Err(invalid(name, "its DOCTYPE is never closed".into()))
}

/// Check the SVG; returns its size.
fn check(name: &str, text: &str) -> Result<(f32, f32), Diagnostic> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts)
        .map_err(|e| invalid(name, e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err(invalid(
            name,
            format!("its root element is <{}>", root.tag_name().name()),
        ));
    }
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        if tag.eq_ignore_ascii_case("script") {
            return Err(invalid(name, "it contains a <script>".into()));
        }
        for a in node.attributes() {
            let an = a.name();
            if an.len() > 2 && an[..2].eq_ignore_ascii_case("on") {
                return Err(invalid(
                    name,
                    format!("<{tag}> has the event handler `{an}`"),
                ));
            }
            if an == "href" {
                let v = a.value().trim();
                // A hyperlink (`<a href>`) to the web loads nothing; anything else that
                // names a file or an address would load it.
                let web_link = tag == "a" && is_web(v);
                if !(v.starts_with('#') || v.starts_with("data:") || web_link) {
                    return Err(invalid(
                        name,
                        format!("<{tag}> refers to `{v}` outside the file"),
                    ));
                }
            }
        }
        if tag == "style"
            && node
                .text()
                .is_some_and(|t| t.contains("url(") && !t.contains("url(#"))
        {
            return Err(invalid(
                name,
                "its style sheet loads something from outside the file".into(),
            ));
        }
    }
    let num = |n: &str| {
        root.attribute(n)
            .and_then(|v| v.trim_end_matches("px").trim().parse::<f32>().ok())
    };
    let view = root.attribute("viewBox").map(|v| {
        v.split([' ', ','])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<f32>().ok())
            .collect::<Vec<_>>()
    });
    let (w, h) = match (num("width"), num("height"), view.as_deref()) {
        (Some(w), Some(h), _) => (w, h),
        (_, _, Some([_, _, w, h])) => (*w, *h),
        _ => (800.0, 600.0),
    };
    Ok((w, h))
}

pub fn prepare(
    id: AssetId,
    name: &str,
    asset_name: String,
    bytes: &[u8],
    opts: &ProcessOptions,
) -> Outcome {
    let text =
        std::str::from_utf8(bytes).map_err(|_| invalid(name, "it is not UTF-8 text".into()))?;
    let text = without_doctype(name, text)?;
    let (w, h) = check(name, &text)?;
    let width = w.round().max(1.0) as u32;
    let height = h.round().max(1.0) as u32;
    let warnings = Vec::new();
    let bytes = text.as_bytes();
    let epub = opts.epub.then(|| Encoded {
        bytes: bytes.to_vec(),
        media_type: "image/svg+xml",
        extension: "svg",
        width,
        height,
        passthrough: true,
    });
    let pdf = if opts.pdf {
        Some(rasterise(name, bytes, opts.pdf_max_px)?)
    } else {
        None
    };
    Ok((
        Prepared {
            id,
            name: asset_name,
            kind: ImageKind::Svg,
            width,
            height,
            epub,
            pdf,
        },
        warnings,
    ))
}

/// The bundled fonts, for text inside drawings: Charis SIL for serif, sans-serif and any
/// family the drawing names that is not bundled (Graphviz's Times, Helvetica), JetBrains
/// Mono for monospace. Never the machine's fonts, so the PDF is the same everywhere.
fn fonts() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DB: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        for f in crate::fonts::BUNDLED_FONTS {
            db.load_font_data(f.bytes.to_vec());
        }
        db.set_serif_family("Charis SIL");
        db.set_sans_serif_family("Charis SIL");
        db.set_monospace_family("JetBrains Mono");
        std::sync::Arc::new(db)
    })
    .clone()
}

fn rasterise(name: &str, bytes: &[u8], max_px: u32) -> Result<Encoded, Diagnostic> {
    let opts = resvg::usvg::Options {
        font_family: "Charis SIL".into(),
        fontdb: fonts(),
        ..resvg::usvg::Options::default()
    };
    let tree =
        resvg::usvg::Tree::from_data(bytes, &opts).map_err(|e| invalid(name, e.to_string()))?;
    let size = tree.size();
    let scale = (max_px as f32 / size.width()).min(4.0);
    let w = ((size.width() * scale).round() as u32).clamp(1, max_px.max(1));
    let h = ((size.height() * scale).round() as u32).clamp(1, 20_000);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h)
        .ok_or_else(|| invalid(name, "its size cannot be drawn".into()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let png = pixmap
        .encode_png()
        .map_err(|e| invalid(name, e.to_string()))?;
    Ok(Encoded {
        bytes: png,
        media_type: "image/png",
        extension: "png",
        width: w,
        height: h,
        passthrough: false,
    })
}
