//! The model written as XHTML: everything escaped, every element closed, ids from the model
//! (already valid and unique), links to the file that holds their target.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use notes2book_assets::Assets;
use notes2book_model::{
    Align, Block, Book, ChapterId, Diagnostic, Figure, ImageId, ImageStatus, Inline, Length, Link,
    LinkTarget, ListItem,
};

use crate::highlight;
use crate::html::{self, ImageSource, ImgOut};
use crate::mathsvg::MathImages;

pub fn escape(s: &str) -> String {
    notes2book_model::xml_escape(s, false)
}

/// A link address as a valid URL: spaces and the characters URLs may not hold are
/// percent-encoded (letters beyond ASCII stay, as IRIs allow).
pub fn encode_url(s: &str) -> String {
    let s = s.trim();
    // `[` and `]` belong only in the host (an IPv6 address); in a path or a query
    // (`?sql=select+*+from+[table]`) EPUBCheck rejects them.
    let authority = s
        .find("://")
        .map(|i| {
            let from = i + 3;
            let len = s[from..].find(['/', '?', '#']).unwrap_or(s.len() - from);
            from..from + len
        })
        .unwrap_or(0..0);
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        let bracket = matches!(c, '[' | ']') && !authority.contains(&i);
        // Only one `#` starts the fragment; another inside it is a literal character.
        let second_hash = c == '#' && s[..i].contains('#');
        // A `%` that does not start an escape is a literal percent sign.
        let lone_percent = c == '%'
            && !s[i + 1..]
                .get(..2)
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        if c.is_ascii_control()
            || bracket
            || second_hash
            || lone_percent
            || matches!(
                c,
                ' ' | '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'
            )
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn escape_attr(s: &str) -> String {
    notes2book_model::xml_escape(s, true)
}

/// Which file holds each anchor, and each chapter's first file.
#[derive(Debug, Default, Clone)]
pub struct LinkMap {
    pub anchor_file: BTreeMap<String, String>,
    pub chapter_file: Vec<String>,
    /// Footnote number → file it is placed in, per chapter.
    pub footnote_file: Vec<BTreeMap<u32, String>>,
}

/// Writes the blocks of one chapter (or part of one) into `out`.
pub struct Writer<'a> {
    pub book: &'a Book,
    pub assets: &'a Assets,
    pub chapter: ChapterId,
    pub links: &'a LinkMap,
    pub file: &'a str,
    /// HTML heading level = note level + shift (the note's top level becomes h2).
    pub heading_shift: i32,
    pub out: String,
    pub diags: Vec<Diagnostic>,
    noterefs: BTreeMap<u32, u32>,
    highlighted: Option<&'a Highlighted>,
    /// Inside a link: a remote image is then its label, not a link of its own.
    in_link: bool,
    /// Formulas drawn as images (`epub.math: svg`), else they are MathML.
    math: Option<&'a MathImages>,
    /// Where the print edition's pages begin, by block.
    pages: Option<&'a PageMarks>,
    /// Page breaks inside the paragraph being written: (characters into it, label).
    pending: Vec<(usize, String)>,
    /// Characters of the paragraph written so far (white space not counted).
    counted: usize,
    /// The labels of the page-break markers written, in order.
    pub page_labels: Vec<String>,
}

/// The print edition's page starts by the block they fall in: (characters into the
/// block, label), in order.
pub type PageMarks = HashMap<notes2book_model::Span, Vec<(usize, String)>>;

/// Page starts grouped by block.
pub fn page_marks(pages: &[notes2book_model::PageStart]) -> PageMarks {
    let mut marks = PageMarks::new();
    for p in pages {
        marks
            .entry(p.block)
            .or_default()
            .push((p.chars, p.label.clone()));
    }
    for v in marks.values_mut() {
        v.sort_by_key(|(c, _)| *c);
    }
    marks
}

/// Characters of scripts written without spaces between words (CJK ideographs, kana,
/// CJK punctuation), before which a page-break marker may stand.
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF
            | 0x20000..=0x2FFFF)
}

/// A page-break marker: where a printed page begins.
pub fn page_break(label: &str) -> String {
    let l = escape_attr(label);
    format!(
        "<span epub:type=\"pagebreak\" role=\"doc-pagebreak\" id=\"page-{l}\" aria-label=\"{l}\"></span>"
    )
}

/// Highlighted code, by the identity of the model's code string (address and length, valid
/// while the book is borrowed), so that a block measured when files are planned is not
/// highlighted again when it is written: highlighting twice was a third of an EPUB build.
/// With a cache folder, code highlighted in an earlier run is read back from it.
#[derive(Debug, Default)]
pub struct Highlighted {
    memo: Mutex<HashMap<(usize, usize), Arc<str>>>,
    cache: Option<std::path::PathBuf>,
}

impl Highlighted {
    pub fn new(cache: Option<std::path::PathBuf>) -> Self {
        Highlighted {
            memo: Mutex::default(),
            cache,
        }
    }

    /// `code` highlighted by `make`; `key` says everything the result depends on (made
    /// only when the block was not highlighted in this build).
    fn get_or_make(
        &self,
        code: &str,
        key: impl FnOnce() -> String,
        make: impl FnOnce() -> String,
    ) -> Arc<str> {
        let at = (code.as_ptr() as usize, code.len());
        if let Some(h) = self.lock().get(&at) {
            return Arc::clone(h);
        }
        let key = key();
        let stored =
            notes2book_assets::cached_blob(self.cache.as_deref(), "code", key.as_bytes(), || {
                Some(make().into_bytes())
            });
        let h: Arc<str> = stored
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default()
            .into();
        self.lock().insert(at, Arc::clone(&h));
        h
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(usize, usize), Arc<str>>> {
        self.memo.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<'a> Writer<'a> {
    pub fn new(
        book: &'a Book,
        assets: &'a Assets,
        chapter: ChapterId,
        links: &'a LinkMap,
        file: &'a str,
    ) -> Self {
        let shift = book
            .chapter(chapter)
            .map(|c| {
                let mut min = 6;
                min_heading(&c.blocks, &mut min);
                2 - min as i32
            })
            .unwrap_or(1);
        Writer {
            book,
            assets,
            chapter,
            links,
            file,
            heading_shift: shift,
            out: String::new(),
            diags: Vec::new(),
            noterefs: BTreeMap::new(),
            highlighted: None,
            in_link: false,
            math: None,
            pages: None,
            pending: Vec::new(),
            counted: 0,
            page_labels: Vec::new(),
        }
    }

    /// Mark where the print edition's pages begin.
    pub fn with_pages(mut self, pages: Option<&'a PageMarks>) -> Self {
        self.pages = pages;
        self
    }

    /// Writes a page-break marker and remembers it for the page list. A block shown twice
    /// (a page included in another) carries its page's marker the first time only.
    fn page_break(&mut self, label: &str) {
        if self.page_labels.iter().any(|l| l == label) {
            return;
        }
        self.out.push_str(&page_break(label));
        self.page_labels.push(label.to_owned());
    }

    /// The markers of pages that begin with the block of `span` are written now; those
    /// that begin inside it are returned (written as its text passes them).
    fn marks_at(&mut self, span: Option<notes2book_model::Span>) -> Vec<(usize, String)> {
        let Some(marks) = span.and_then(|s| self.pages?.get(&s)) else {
            return Vec::new();
        };
        let mut inside = Vec::new();
        for (chars, label) in marks {
            if *chars == 0 {
                self.page_break(label);
            } else {
                inside.push((*chars, label.clone()));
            }
        }
        inside
    }

    /// Text, with the page-break markers that fall in it placed before the first space
    /// after their character count.
    fn text(&mut self, t: &str) {
        if self.pending.is_empty() {
            self.out.push_str(&escape(t));
            return;
        }
        let mut buf = [0u8; 4];
        for c in t.chars() {
            // Between words; in Chinese and Japanese, which have no spaces, between any
            // two characters.
            if c.is_whitespace() || breaks_anywhere(c) {
                while self
                    .pending
                    .first()
                    .is_some_and(|(n, _)| self.counted >= *n)
                {
                    let (_, label) = self.pending.remove(0);
                    self.page_break(&label);
                }
            }
            if !c.is_whitespace() {
                self.counted += 1;
            }
            self.out.push_str(&escape(c.encode_utf8(&mut buf)));
        }
    }

    /// Share highlighted code with the other writers of this book.
    /// Write formulas as the drawings in `math` rather than as MathML.
    pub fn with_math(mut self, math: Option<&'a MathImages>) -> Self {
        self.math = math;
        self
    }

    /// A formula: its drawing (or, when it could not be drawn, its source) with
    /// `epub.math: svg`, else its MathML.
    fn formula(&mut self, tex: &str, mathml: &str, display: bool) {
        match self.math {
            None => self.out.push_str(mathml),
            Some(images) => match images.get(mathml, display) {
                Some(img) => self.out.push_str(&crate::mathsvg::img(img, tex, display)),
                None => {
                    let _ = write!(self.out, "<code class=\"math\">{}</code>", escape(tex));
                }
            },
        }
    }

    pub fn with_highlighted(mut self, memo: &'a Highlighted) -> Self {
        self.highlighted = Some(memo);
        self
    }

    fn href(&self, chapter: ChapterId, anchor: Option<&str>) -> String {
        let chapter_file = self
            .links
            .chapter_file
            .get(chapter.0 as usize)
            .cloned()
            .unwrap_or_default();
        match anchor {
            Some(a) => {
                let file = self
                    .links
                    .anchor_file
                    .get(a)
                    .cloned()
                    .unwrap_or(chapter_file);
                if file == self.file {
                    format!("#{a}")
                } else {
                    format!("{file}#{a}")
                }
            }
            None => chapter_file,
        }
    }

    pub fn blocks(&mut self, blocks: &[Block]) {
        for b in blocks {
            self.block(b);
        }
    }

    fn block(&mut self, b: &Block) {
        let flows = matches!(b, Block::Paragraph { .. } | Block::Heading { .. });
        self.marked(b.span(), flows, |w| w.block_body(b));
    }

    /// Writes a block with the page-break markers of pages that begin in it: before it
    /// when a page begins with it; in its text when it `flows` (a paragraph or heading),
    /// else (code, tables, lists) right after it.
    pub fn marked(
        &mut self,
        span: Option<notes2book_model::Span>,
        flows: bool,
        write: impl FnOnce(&mut Self),
    ) {
        let inside = self.marks_at(span);
        if inside.is_empty() {
            write(self);
            return;
        }
        let (mine, after) = if flows {
            (inside, Vec::new())
        } else {
            (Vec::new(), inside)
        };
        let outer = std::mem::replace(&mut self.pending, mine);
        let outer_count = std::mem::replace(&mut self.counted, 0);
        write(self);
        // What the text did not reach (or a block without running text) is marked after.
        let left = std::mem::replace(&mut self.pending, outer);
        self.counted = outer_count;
        for (_, label) in left.into_iter().chain(after) {
            self.page_break(&label);
        }
    }

    fn block_body(&mut self, b: &Block) {
        match b {
            Block::Paragraph { content, .. } => {
                self.out.push_str("<p>");
                self.inlines(content);
                self.out.push_str("</p>\n");
            }
            Block::Heading {
                level, id, content, ..
            } => {
                let l = (i32::from(*level) + self.heading_shift).clamp(2, 6);
                let _ = write!(self.out, "<h{l} id=\"{}\">", escape_attr(id));
                self.inlines(content);
                let _ = writeln!(self.out, "</h{l}>");
            }
            Block::BlockQuote { blocks, .. } => {
                self.out.push_str("<blockquote>\n");
                self.blocks(blocks);
                self.out.push_str("</blockquote>\n");
            }
            Block::Callout {
                kind,
                title,
                blocks,
                ..
            } => {
                let _ = write!(
                    self.out,
                    "<div class=\"callout callout-{}\">\n<p class=\"callout-title\">",
                    class_safe(kind)
                );
                self.inlines(title);
                self.out.push_str("</p>\n");
                self.blocks(blocks);
                self.out.push_str("</div>\n");
            }
            Block::List {
                start,
                tight,
                items,
                ..
            } => self.list(*start, *tight, items),
            Block::DefinitionList { items, .. } => {
                self.out.push_str("<dl>\n");
                for item in items {
                    self.out.push_str("<dt>");
                    self.inlines(&item.term);
                    self.out.push_str("</dt>\n");
                    for d in &item.definitions {
                        self.out.push_str("<dd>");
                        self.item_blocks(d, d.len() == 1);
                        self.out.push_str("</dd>\n");
                    }
                }
                self.out.push_str("</dl>\n");
            }
            Block::CodeBlock {
                lang,
                code,
                options,
                ..
            } => {
                let lang_class = lang
                    .as_deref()
                    .map(|l| format!(" lang-{}", class_safe(l)))
                    .unwrap_or_default();
                let _ = write!(self.out, "<pre class=\"code{lang_class}\"><code>");
                let make = || highlight::highlight(code, lang.as_deref(), options);
                match self.highlighted {
                    Some(memo) => {
                        let key = || format!("{lang:?} {options:?}\n{code}");
                        self.out.push_str(&memo.get_or_make(code, key, make));
                    }
                    None => self.out.push_str(&make()),
                }
                self.out.push_str("</code></pre>\n");
            }
            Block::Table {
                align,
                head,
                rows,
                caption,
                ..
            } => {
                self.out.push_str("<table>\n");
                if !caption.is_empty() {
                    self.out.push_str("<caption>");
                    self.inlines(caption);
                    self.out.push_str("</caption>\n");
                }
                if !head.is_empty() {
                    self.out.push_str("<thead><tr>");
                    // A header cell says what its column holds; an empty one is a
                    // plain cell, which screen readers do not announce as a header.
                    for (i, cell) in head.iter().enumerate() {
                        let empty = notes2book_model::plain_text(cell).trim().is_empty();
                        self.cell(if empty { "td" } else { "th" }, align.get(i), cell);
                    }
                    self.out.push_str("</tr></thead>\n");
                }
                self.out.push_str("<tbody>\n");
                for row in rows {
                    self.out.push_str("<tr>");
                    for (i, cell) in row.iter().enumerate() {
                        self.cell("td", align.get(i), cell);
                    }
                    self.out.push_str("</tr>\n");
                }
                self.out.push_str("</tbody>\n</table>\n");
            }
            Block::Figure(f) => self.figure(f),
            Block::Math {
                tex,
                formula,
                tag,
                label,
                ..
            } => {
                match label {
                    // A label (`{#eq-x}`) is where references to the equation land.
                    Some(l) => {
                        let _ = write!(
                            self.out,
                            "<div class=\"math-display\" id=\"{}\">",
                            escape_attr(l)
                        );
                    }
                    None => self.out.push_str("<div class=\"math-display\">"),
                }
                if let Some(t) = tag {
                    let _ = write!(self.out, "<span class=\"eqno\">{}</span>", escape(t));
                }
                match formula {
                    Some(f) => self.formula(tex, &f.mathml, true),
                    None => {
                        let _ = write!(self.out, "<code class=\"math\">{}</code>", escape(tex));
                    }
                }
                self.out.push_str("</div>\n");
            }
            Block::Details {
                summary, blocks, ..
            } => {
                self.out
                    .push_str("<div class=\"details\">\n<p class=\"details-summary\">");
                self.inlines(summary);
                self.out.push_str("</p>\n");
                self.blocks(blocks);
                self.out.push_str("</div>\n");
            }
            Block::Embed {
                blocks,
                seamless: true,
                ..
            } => self.blocks(blocks),
            Block::Embed { blocks, .. } => {
                self.out.push_str("<div class=\"embed\">\n");
                self.blocks(blocks);
                self.out.push_str("</div>\n");
            }
            Block::Html {
                html: raw,
                images,
                span,
            } => {
                let mut src = Images {
                    w: self,
                    ids: images,
                };
                let clean = html::sanitize(raw, &mut src, html::Place::Block);
                self.report_removed(&clean, *span);
                self.out.push_str(&clean.xhtml);
                self.out.push('\n');
            }
            Block::Rule { .. } => self.out.push_str("<hr/>\n"),
            Block::Bibliography { entries } => {
                self.out.push_str(
                    "<section epub:type=\"bibliography\" role=\"doc-bibliography\" class=\"bibliography\">\n<ul>\n",
                );
                for e in entries {
                    self.out.push_str("<li epub:type=\"biblioentry\">");
                    self.marked(e.span, true, |w| w.inlines(&e.content));
                    self.out.push_str("</li>\n");
                }
                self.out.push_str("</ul>\n</section>\n");
            }
        }
    }

    fn report_removed(&mut self, clean: &html::Clean, span: Option<notes2book_model::Span>) {
        if clean.too_deep {
            self.diags.push(
                Diagnostic::warning(
                    "html-too-deep",
                    format!(
                        "raw HTML nested more than {} levels deep; the deeper tags are left out, their text is kept",
                        html::MAX_PARSE_DEPTH
                    ),
                )
                .at_opt(span)
                .hint("write the content as Markdown, or nest less"),
            );
        }
        let removed = &clean.removed;
        if removed.is_empty() {
            return;
        }
        self.diags.push(
            Diagnostic::warning(
                "html-removed",
                format!(
                    "raw HTML: removed {} (e-readers do not run or load them)",
                    removed.join(", ")
                ),
            )
            .at_opt(span)
            .hint("write the content as Markdown, or link to it"),
        );
    }

    fn cell(&mut self, tag: &str, align: Option<&Align>, cell: &[Inline]) {
        let style = match align {
            Some(Align::Left) => " style=\"text-align: left\"",
            Some(Align::Center) => " style=\"text-align: center\"",
            Some(Align::Right) => " style=\"text-align: right\"",
            _ => "",
        };
        let _ = write!(self.out, "<{tag}{style}>");
        self.inlines(cell);
        let _ = write!(self.out, "</{tag}>");
    }

    fn list(&mut self, start: Option<u64>, tight: bool, items: &[ListItem]) {
        let tag = if start.is_some() { "ol" } else { "ul" };
        match start {
            Some(n) if n != 1 => {
                let _ = writeln!(self.out, "<ol start=\"{n}\">");
            }
            _ => {
                let _ = writeln!(self.out, "<{tag}>");
            }
        }
        for item in items {
            match item.task {
                Some(done) => {
                    let _ = write!(
                        self.out,
                        "<li class=\"task\"><span class=\"task-box\">{}</span> ",
                        if done { "☑" } else { "☐" }
                    );
                }
                None => self.out.push_str("<li>"),
            }
            self.item_blocks(&item.blocks, tight);
            self.out.push_str("</li>\n");
        }
        let _ = writeln!(self.out, "</{tag}>");
    }

    /// In tight lists a paragraph is written without its `<p>`.
    fn item_blocks(&mut self, blocks: &[Block], tight: bool) {
        for (i, b) in blocks.iter().enumerate() {
            match b {
                Block::Paragraph { content, span } if tight => {
                    if i > 0 {
                        self.out.push_str("<br/>");
                    }
                    self.marked(*span, true, |w| w.inlines(content));
                }
                other => self.block(other),
            }
        }
    }

    fn figure(&mut self, f: &Figure) {
        self.in_link = f.link.is_some();
        // Alternative text that only repeats the caption (after its "Figure 3: ") is said
        // once, by the caption.
        let caption = notes2book_model::plain_text(&f.caption);
        let alt = if !f.alt.trim().is_empty() && caption.trim().ends_with(f.alt.trim()) {
            ""
        } else {
            f.alt.as_str()
        };
        let img = self.image_html(f.image, alt, f.width, true);
        self.in_link = false;
        self.out.push_str("<figure class=\"figure\">\n");
        match &f.link {
            Some(Link {
                target: LinkTarget::External { url },
                ..
            }) => {
                let _ = write!(
                    self.out,
                    "<a href=\"{}\">{img}</a>",
                    escape_attr(&encode_url(url))
                );
            }
            Some(Link {
                target: LinkTarget::Internal { chapter, anchor },
                ..
            }) => {
                let href = self.href(*chapter, anchor.as_deref());
                let _ = write!(self.out, "<a href=\"{}\">{img}</a>", escape_attr(&href));
            }
            _ => self.out.push_str(&img),
        }
        let has_caption = !f.caption.is_empty() || f.attribution.is_some() || f.title.is_some();
        if has_caption {
            self.out.push_str("\n<figcaption>");
            if let Some(t) = &f.title {
                let _ = write!(
                    self.out,
                    "<span class=\"figure-title\">{}</span> ",
                    escape(t)
                );
            }
            self.inlines(&f.caption);
            if let Some(a) = &f.attribution {
                self.out.push_str(" <span class=\"attribution\">");
                match f
                    .attribution_link
                    .as_deref()
                    .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
                {
                    Some(l) => {
                        let _ =
                            write!(self.out, "<a href=\"{}\">{}</a>", escape_attr(l), escape(a));
                    }
                    None => self.out.push_str(&escape(a)),
                }
                self.out.push_str("</span>");
            }
            self.out.push_str("</figcaption>");
        }
        self.out.push_str("\n</figure>\n");
    }

    /// A link's content and its closing tag.
    fn link_content(&mut self, content: &[Inline]) {
        let outer = std::mem::replace(&mut self.in_link, true);
        self.inlines(content);
        self.in_link = outer;
        self.out.push_str("</a>");
    }

    /// An `<img>` for a prepared image, or a placeholder for a missing one, or a link for a
    /// remote one.
    fn image_html(&mut self, id: ImageId, alt: &str, width: Option<Length>, block: bool) -> String {
        let Some(use_) = self.book.images.get(id.0 as usize) else {
            return String::new();
        };
        let prepared = use_
            .asset
            .and_then(|a| self.assets.get(a))
            .and_then(|p| p.epub.as_ref().map(|e| (p, e)));
        match (use_.status, prepared) {
            (ImageStatus::Found, Some((p, e))) => {
                let style = match width {
                    Some(Length::Percent(v)) => {
                        format!(" style=\"width: {}%\"", v.clamp(1.0, 100.0))
                    }
                    Some(Length::Px(v)) => {
                        format!(" style=\"width: {}px; max-width: 100%\"", v.max(1.0))
                    }
                    Some(Length::Em(v)) => format!(" style=\"width: {v}em; max-width: 100%\""),
                    _ => String::new(),
                };
                format!(
                    "<img src=\"images/{}.{}\" alt=\"{}\" width=\"{}\" height=\"{}\"{style}/>",
                    p.name,
                    e.extension,
                    escape_attr(alt),
                    e.width,
                    e.height
                )
            }
            (ImageStatus::Remote, _) => {
                let label = if alt.is_empty() {
                    use_.src.as_str()
                } else {
                    alt
                };
                if self.in_link {
                    escape(label)
                } else {
                    format!(
                        "<a class=\"remote-image\" href=\"{}\">{}</a>",
                        escape_attr(&encode_url(&use_.src)),
                        escape(label)
                    )
                }
            }
            _ => {
                let what = if alt.is_empty() {
                    use_.src.as_str()
                } else {
                    alt
                };
                if block {
                    format!(
                        "<div class=\"missing-image\"><p>Image not available: {}</p></div>",
                        escape(&use_.src)
                    )
                } else {
                    format!("<span class=\"missing-image\">[{}]</span>", escape(what))
                }
            }
        }
    }

    pub fn inlines(&mut self, list: &[Inline]) {
        if list.iter().any(|i| matches!(i, Inline::Html { .. })) {
            self.inlines_with_html(list);
            return;
        }
        for i in list {
            self.inline(i);
        }
    }

    /// Inline HTML comes in pieces (`<kbd>`, text, `</kbd>`): the run is parsed as one
    /// fragment, with our own markup held in placeholders so the sanitiser leaves it alone.
    fn inlines_with_html(&mut self, list: &[Inline]) {
        let mut fragment = String::new();
        let mut ours: Vec<String> = Vec::new();
        let mut images: Vec<ImageId> = Vec::new();
        let mut span = None;
        // Raw `<a>` tags opened and not yet closed: our own links inside them are not links.
        let mut open_links = 0usize;
        for i in list {
            match i {
                Inline::Html {
                    html,
                    images: imgs,
                    span: s,
                } => {
                    fragment.push_str(html);
                    images.extend(imgs.iter().copied());
                    span = span.or(*s);
                    let tag = html.trim_start().to_ascii_lowercase();
                    if tag.starts_with("<a ") || tag.starts_with("<a>") {
                        open_links += 1;
                    } else if tag.starts_with("</a") {
                        open_links = open_links.saturating_sub(1);
                    }
                }
                other => {
                    let saved = std::mem::take(&mut self.out);
                    let outer = self.in_link;
                    self.in_link |= open_links > 0;
                    if self.in_link
                        && let Inline::Link(l) = other
                    {
                        self.inlines(&l.content);
                    } else {
                        self.inline(other);
                    }
                    self.in_link = outer;
                    let rendered = std::mem::replace(&mut self.out, saved);
                    let _ = write!(fragment, "\u{E010}{}\u{E011}", ours.len());
                    ours.push(rendered);
                }
            }
        }
        let place = if self.in_link {
            html::Place::InLink
        } else {
            html::Place::Inline
        };
        let mut src = Images {
            w: self,
            ids: &images,
        };
        let clean = html::sanitize(&fragment, &mut src, place);
        self.report_removed(&clean, span);
        let mut rest = clean.xhtml.as_str();
        while let Some(p) = rest.find('\u{E010}') {
            self.out.push_str(&rest[..p]);
            let after = &rest[p + '\u{E010}'.len_utf8()..];
            let end = after.find('\u{E011}').unwrap_or(after.len());
            if let Some(piece) = after[..end].parse::<usize>().ok().and_then(|n| ours.get(n)) {
                self.out.push_str(piece);
            }
            rest = after.get(end + '\u{E011}'.len_utf8()..).unwrap_or("");
        }
        self.out.push_str(rest);
    }

    fn inline(&mut self, i: &Inline) {
        match i {
            Inline::Text(t) => self.text(t),
            Inline::Emph(c) => self.wrap("em", c),
            Inline::Strong(c) => self.wrap("strong", c),
            Inline::Strike(c) => self.wrap("del", c),
            Inline::Highlight(c) => self.wrap("mark", c),
            Inline::Code(c) => {
                let _ = write!(self.out, "<code>{}</code>", escape(c));
            }
            Inline::Link(l) => match &l.target {
                LinkTarget::External { url } => {
                    let _ = write!(self.out, "<a href=\"{}\">", escape_attr(&encode_url(url)));
                    self.link_content(&l.content);
                }
                LinkTarget::Internal { chapter, anchor } => {
                    let href = self.href(*chapter, anchor.as_deref());
                    let _ = write!(self.out, "<a href=\"{}\">", escape_attr(&href));
                    self.link_content(&l.content);
                }
                LinkTarget::Unresolved => self.inlines(&l.content),
            },
            Inline::Image {
                image, alt, width, ..
            } => {
                let html = self.image_html(*image, alt, *width, false);
                self.out.push_str(&html);
            }
            Inline::FootnoteRef { number, .. } => {
                let n = *number;
                let count = self.noterefs.entry(n).or_insert(0);
                *count += 1;
                let id = if *count == 1 {
                    format!("fnref-{n}")
                } else {
                    format!("fnref-{n}-{count}")
                };
                let file = self
                    .links
                    .footnote_file
                    .get(self.chapter.0 as usize)
                    .and_then(|m| m.get(&n))
                    .map(String::as_str)
                    .unwrap_or(self.file);
                let href = if file == self.file {
                    format!("#fn-{n}")
                } else {
                    format!("{file}#fn-{n}")
                };
                let _ = write!(
                    self.out,
                    "<sup><a epub:type=\"noteref\" role=\"doc-noteref\" class=\"noteref\" href=\"{href}\" id=\"{id}\">{n}</a></sup>"
                );
            }
            Inline::Math { tex, formula, .. } => match formula {
                Some(f) => self.formula(tex, &f.mathml, false),
                None => {
                    let _ = write!(self.out, "<code class=\"math\">{}</code>", escape(tex));
                }
            },
            Inline::SoftBreak => self.out.push('\n'),
            Inline::HardBreak => self.out.push_str("<br/>\n"),
            // Reflowed text has no fixed pages: a reference says only what it names.
            Inline::Html { .. } | Inline::PageRef { .. } => {}
            Inline::Anchor { id, .. } => {
                let _ = write!(self.out, "<span id=\"{}\"></span>", escape_attr(id));
            }
        }
    }

    fn wrap(&mut self, tag: &str, c: &[Inline]) {
        let _ = write!(self.out, "<{tag}>");
        self.inlines(c);
        let _ = write!(self.out, "</{tag}>");
    }

    /// The footnotes placed in this file, as EPUB 3 pop-up asides (back-link first).
    pub fn footnotes(&mut self, numbers: &[u32]) {
        let Some(ch) = self.book.chapter(self.chapter) else {
            return;
        };
        if numbers.is_empty() {
            return;
        }
        self.out
            .push_str("<section class=\"footnotes\" epub:type=\"footnotes\">\n");
        for &n in numbers {
            let Some(f) = ch.footnotes.get(n as usize - 1) else {
                continue;
            };
            let _ = writeln!(
                self.out,
                "<aside epub:type=\"footnote\" role=\"doc-footnote\" class=\"footnote\" id=\"fn-{n}\">"
            );
            let back = format!("<a class=\"footnote-back\" href=\"#fnref-{n}\">{n}.</a> ");
            match f.blocks.split_first() {
                Some((Block::Paragraph { content, .. }, rest)) => {
                    self.out.push_str("<p>");
                    self.out.push_str(&back);
                    self.inlines(content);
                    self.out.push_str("</p>\n");
                    self.blocks(rest);
                }
                _ => {
                    let _ = writeln!(self.out, "<p>{back}</p>");
                    self.blocks(&f.blocks);
                }
            }
            self.out.push_str("</aside>\n");
        }
        self.out.push_str("</section>\n");
    }
}

/// Source of `<img>` for raw HTML: the image ids of the fragment, in order.
struct Images<'w, 'a> {
    w: &'w mut Writer<'a>,
    ids: &'w [ImageId],
}

impl ImageSource for Images<'_, '_> {
    fn image(&mut self, index: usize) -> ImgOut {
        let Some(&id) = self.ids.get(index) else {
            return ImgOut::Missing;
        };
        let book = self.w.book;
        let Some(use_) = book.images.get(id.0 as usize) else {
            return ImgOut::Missing;
        };
        if use_.status == ImageStatus::Remote {
            return ImgOut::Remote(use_.src.clone());
        }
        match use_
            .asset
            .and_then(|a| self.w.assets.get(a))
            .and_then(|p| p.epub.as_ref().map(|e| (p, e)))
        {
            Some((p, e)) => ImgOut::Found {
                src: format!("images/{}.{}", p.name, e.extension),
                width: e.width,
                height: e.height,
            },
            None => ImgOut::Missing,
        }
    }
}

fn min_heading(blocks: &[Block], min: &mut u8) {
    for b in blocks {
        match b {
            Block::Heading { level, .. } => *min = (*min).min(*level),
            Block::BlockQuote { blocks, .. }
            | Block::Callout { blocks, .. }
            | Block::Details { blocks, .. } => min_heading(blocks, min),
            _ => {}
        }
    }
}

/// Letters, digits and `-` only: safe in a class name.
pub fn class_safe(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::encode_url;

    #[test]
    fn urls_are_made_valid() {
        assert_eq!(
            encode_url("https://d.example/db?sql=select+*+from+[t]&p=%27a b%"),
            "https://d.example/db?sql=select+*+from+%5Bt%5D&p=%27a%20b%25"
        );
        assert_eq!(
            encode_url("http://[::1]:8080/x[1]"),
            "http://[::1]:8080/x%5B1%5D"
        );
        assert_eq!(encode_url("https://e.org/café#ü"), "https://e.org/café#ü");
        assert_eq!(
            encode_url("http://e.org/f.shtml#id3#id3"),
            "http://e.org/f.shtml#id3%23id3"
        );
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;
    use notes2book_model::{FileId, PageStart, Span};

    /// A paragraph with page starts `at` (characters into it), written `times` times (a
    /// page included in another shows its blocks again).
    fn marked_times(text: &str, at: &[usize], times: usize) -> String {
        let span = Span::new(FileId(0), 0, text.len());
        let pages: Vec<PageStart> = at
            .iter()
            .enumerate()
            .map(|(k, &chars)| PageStart {
                label: (k + 7).to_string(),
                block: span,
                chars,
            })
            .collect();
        let marks = page_marks(&pages);
        let (book, assets, links) = (Book::default(), Assets::default(), LinkMap::default());
        let mut w =
            Writer::new(&book, &assets, ChapterId(0), &links, "a.xhtml").with_pages(Some(&marks));
        for _ in 0..times {
            w.block(&Block::Paragraph {
                content: vec![Inline::Text(text.into())],
                span: Some(span),
            });
        }
        w.out
    }

    fn marked(text: &str, at: &[usize]) -> String {
        marked_times(text, at, 1)
    }

    #[test]
    fn a_block_shown_twice_carries_its_page_markers_once() {
        let out = marked_times("one two three four", &[0, 5], 2);
        assert_eq!(out.matches("id=\"page-7\"").count(), 1, "{out}");
        assert_eq!(out.matches("id=\"page-8\"").count(), 1, "{out}");
    }

    #[test]
    fn page_breaks_stand_between_words_or_between_cjk_characters() {
        let out = marked("one two three four", &[0, 5]);
        assert!(out.starts_with(&page_break("7")), "{out}");
        assert!(
            out.contains(&format!("one two{} three", page_break("8"))),
            "{out}"
        );
        let out = marked("一二三四五", &[3]);
        assert!(
            out.contains(&format!("一二三{}四五", page_break("7"))),
            "{out}"
        );
        // A page start past the paragraph's end is marked after it.
        let out = marked("short", &[99]);
        assert!(out.ends_with(&page_break("7")), "{out}");
    }
}
