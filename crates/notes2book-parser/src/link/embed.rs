//! `![[Note]]` embeds: the embedded note's content in place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use notes2book_model::vfs::normalize;

use notes2book_model::{
    Block, Chapter, ChapterId, Diagnostic, Footnote, Inline, LinkSyntax, LinkTarget, Span,
    plain_text, slugify,
};

use super::{Index, MAX_EMBED_DEPTH};
use crate::walk;

/// Most blocks one chapter may gain through embeds (against embed bombs).
const MAX_EMBEDDED_BLOCKS: usize = 20_000;

/// Replace `![[Note]]` embeds with the note's content. Each chapter is expanded on its own
/// from the notes as written, so a cycle is cut where it closes, seen from that chapter.
pub fn resolve_embeds(chapters: &mut [Chapter], ix: &Index, diags: &mut Vec<Diagnostic>) {
    let has: Vec<bool> = chapters
        .iter_mut()
        .map(|c| has_embed(&mut c.blocks))
        .collect();
    if !has.iter().any(|&h| h) {
        return;
    }
    let originals: Vec<(Vec<Block>, Vec<Footnote>)> = chapters
        .iter()
        .map(|c| (c.blocks.clone(), c.footnotes.clone()))
        .collect();
    let paths: Vec<PathBuf> = chapters
        .iter()
        .map(|c| c.path.clone().unwrap_or_default())
        .collect();
    let dirs: Vec<PathBuf> = paths
        .iter()
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    let mut seen_problems: BTreeSet<(u32, u32, &'static str)> = BTreeSet::new();
    let mut cycles: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut files: BTreeMap<String, (usize, Option<Span>)> = BTreeMap::new();
    for i in 0..chapters.len() {
        if !has[i] {
            continue;
        }
        let mut ctx = EmbedCtx {
            originals: &originals,
            dirs: &dirs,
            paths: &paths,
            ix,
            budget: MAX_EMBEDDED_BLOCKS,
            problems: Vec::new(),
            cycles: &mut cycles,
            files: &mut files,
        };
        let mut blocks = originals[i].0.clone();
        let mut footnotes = originals[i].1.clone();
        ctx.expand(&mut blocks, &mut footnotes, &mut vec![i]);
        for d in ctx.problems {
            let key = d.span.map_or((0, 0, d.code), |s| (s.file, s.start, d.code));
            if seen_problems.insert(key) {
                diags.push(d);
            }
        }
        chapters[i].blocks = blocks;
        chapters[i].footnotes = footnotes;
    }
    for (ext, (count, span)) in files {
        let (what, hint) = match ext.as_str() {
            "base" => (
                "Obsidian Bases views",
                "a view of the vault's notes exists only inside Obsidian; list the notes in the text instead",
            ),
            "canvas" => (
                "Obsidian canvases",
                "export the canvas as an image (PNG or SVG) and embed that",
            ),
            "pdf" => (
                "PDFs",
                "link to the file on the web, or embed pages of it as images",
            ),
            _ => (
                "audio or video",
                "e-readers and print cannot play it; link to it on the web instead",
            ),
        };
        let shown = if count == 1 {
            "the embed shows the file's name instead".to_owned()
        } else {
            format!("{count} embeds show the file's name instead (the first is here)")
        };
        diags.push(
            Diagnostic::warning(
                "embed-file",
                format!("`.{ext}` files are {what}, which a book cannot embed; {shown}"),
            )
            .at_opt(span)
            .hint(hint),
        );
    }
}

/// Obsidian embeds other than notes and images: views and media that a book cannot show.
const FILE_EMBEDS: &[&str] = &[
    "base", "canvas", "pdf", "mp3", "wav", "m4a", "ogg", "flac", "3gp", "webm", "mp4", "mov",
    "mkv", "ogv",
];

/// The extension of an embed's file when it is one of [`FILE_EMBEDS`], lower case.
fn file_embed(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    let ext = ext.trim().to_ascii_lowercase();
    FILE_EMBEDS.contains(&ext.as_str()).then_some(ext)
}

fn has_embed(blocks: &mut [Block]) -> bool {
    let mut found = false;
    notes2book_model::walk_blocks_mut(blocks, &mut |b| {
        found |= matches!(b, Block::Embed { chapter: None, .. })
    });
    found
}

struct EmbedCtx<'a> {
    /// Cycles already reported (their chapters, sorted): each is reported once.
    cycles: &'a mut BTreeSet<Vec<usize>>,
    originals: &'a [(Vec<Block>, Vec<Footnote>)],
    dirs: &'a [PathBuf],
    /// Each chapter's note, relative to the notes folder.
    paths: &'a [PathBuf],
    ix: &'a Index,
    budget: usize,
    problems: Vec<Diagnostic>,
    /// Embeds of files no book can show, by extension: count and first place.
    files: &'a mut BTreeMap<String, (usize, Option<Span>)>,
}

/// One embed to expand: its target as written, its place, and whether it is an include.
struct Embedded<'a> {
    target: &'a str,
    span: Option<Span>,
    seamless: bool,
}

impl EmbedCtx<'_> {
    fn expand(
        &mut self,
        blocks: &mut [Block],
        footnotes: &mut Vec<Footnote>,
        stack: &mut Vec<usize>,
    ) {
        let host = *stack.last().unwrap_or(&0);
        let mut todo: Vec<(String, Option<Span>, bool)> = Vec::new();
        notes2book_model::walk_blocks_mut(blocks, &mut |b| {
            if let Block::Embed {
                target,
                chapter: None,
                span,
                seamless,
                ..
            } = b
            {
                todo.push((target.clone(), *span, *seamless));
            }
        });
        if todo.is_empty() {
            return;
        }
        let mut results: Vec<(Option<ChapterId>, Vec<Block>)> = Vec::with_capacity(todo.len());
        for (target, span, seamless) in todo {
            let part = Embedded {
                target: &target,
                span,
                seamless,
            };
            results.push(self.one(&part, host, footnotes, stack));
        }
        let mut results = results.into_iter();
        notes2book_model::walk_blocks_mut(blocks, &mut |b| {
            if let Block::Embed {
                chapter: chapter @ None,
                blocks: inner,
                ..
            } = b
                && let Some((c, content)) = results.next()
            {
                *chapter = c;
                *inner = content;
            }
        });
    }

    fn one(
        &mut self,
        part: &Embedded<'_>,
        host: usize,
        footnotes: &mut Vec<Footnote>,
        stack: &mut Vec<usize>,
    ) -> (Option<ChapterId>, Vec<Block>) {
        let (target, span) = (part.target, part.span);
        let (name, heading) = match target.split_once('#') {
            Some((n, h)) => (n, Some(h)),
            None => (target, None),
        };
        if let Some(ext) = file_embed(name) {
            self.files.entry(ext).or_insert((0, span)).0 += 1;
            return (
                None,
                vec![Block::Paragraph {
                    content: vec![Inline::Text(target.to_owned())],
                    span,
                }],
            );
        }
        let found = if name.is_empty() {
            Ok(Some(ChapterId(host as u32)))
        } else {
            self.ix.by_name(name, &self.dirs[host])
        };
        let t = match found {
            Ok(Some(t)) => t,
            Ok(None) | Err(_) => {
                self.problems.push(
                    Diagnostic::warning(
                        "embed-unresolved",
                        format!(
                            "`![[{target}]]` names no note in the book; its name is shown instead"
                        ),
                    )
                    .at_opt(span)
                    .hint("use the note's file name or title"),
                );
                return (
                    None,
                    vec![Block::Paragraph {
                        content: vec![Inline::Text(target.to_owned())],
                        span,
                    }],
                );
            }
        };
        let ti = t.0 as usize;
        if stack.contains(&ti) || stack.len() > MAX_EMBED_DEPTH {
            let mut members: Vec<usize> = match stack.iter().position(|&c| c == ti) {
                Some(p) => stack[p..].to_vec(),
                None => stack.clone(),
            };
            members.sort_unstable();
            if !self.cycles.insert(members) {
                return (Some(t), vec![link_paragraph(target, t, span)]);
            }
            self.problems.push(
                Diagnostic::warning("embed-cycle", format!("`![[{target}]]` embeds a note that embeds this one (or nests deeper than {MAX_EMBED_DEPTH}); a link is shown instead"))
                    .at_opt(span)
                    .hint("remove one of the embeds in the cycle"),
            );
            return (Some(t), vec![link_paragraph(target, t, span)]);
        }
        let (src_blocks, src_notes) = &self.originals[ti];
        let mut copy = match heading {
            Some(h) if h.starts_with('^') => block_of(src_blocks, h),
            Some(h) => section_of(src_blocks, h),
            None => src_blocks.clone(),
        };
        rebase(&mut copy, &self.paths[ti], part.seamless);
        let size = count_blocks(&mut copy);
        if size > self.budget {
            self.problems.push(
                Diagnostic::warning("embed-too-large", format!("`![[{target}]]` would make this chapter larger than {MAX_EMBEDDED_BLOCKS} embedded blocks; a link is shown instead"))
                    .at_opt(span)
                    .hint("embed fewer or smaller notes"),
            );
            return (Some(t), vec![link_paragraph(target, t, span)]);
        }
        self.budget -= size;
        // The footnotes the copy refers to (directly or through each other) join the host
        // chapter's, renumbered after them; the others stay behind.
        let mut wanted: Vec<u32> = Vec::new();
        let collect = |blocks: &mut [Block], wanted: &mut Vec<u32>| {
            walk::inlines_mut(blocks, &mut |inline| {
                if let Inline::FootnoteRef { number, .. } = inline
                    && !wanted.contains(number)
                {
                    wanted.push(*number);
                }
            });
        };
        collect(&mut copy, &mut wanted);
        let mut i = 0;
        while i < wanted.len() {
            if let Some(f) = src_notes.get(wanted[i] as usize - 1) {
                let mut blocks = f.blocks.clone();
                collect(&mut blocks, &mut wanted);
            }
            i += 1;
        }
        let base = footnotes.len() as u32;
        let renumber = |number: &mut u32| {
            if let Some(p) = wanted.iter().position(|w| w == number) {
                *number = base + p as u32 + 1;
            }
        };
        walk::inlines_mut(&mut copy, &mut |inline| {
            if let Inline::FootnoteRef { number, .. } = inline {
                renumber(number);
            }
        });
        for &n in &wanted {
            let Some(f) = src_notes.get(n as usize - 1) else {
                continue;
            };
            let mut f = f.clone();
            walk::inlines_mut(&mut f.blocks, &mut |inline| {
                if let Inline::FootnoteRef { number, .. } = inline {
                    renumber(number);
                }
            });
            footnotes.push(f);
        }
        // An embed's headings are not the host's sections; an include's are.
        if !part.seamless {
            notes2book_model::walk_blocks_mut(&mut copy, &mut |b| {
                if let Block::Heading { in_toc, .. } = b {
                    *in_toc = false;
                }
            });
        }
        stack.push(ti);
        self.expand(&mut copy, footnotes, stack);
        stack.pop();
        (Some(t), copy)
    }
}

fn count_blocks(blocks: &mut [Block]) -> usize {
    let mut n = 0;
    notes2book_model::walk_blocks_mut(blocks, &mut |_| n += 1);
    n
}

fn link_paragraph(target: &str, t: ChapterId, span: Option<Span>) -> Block {
    let link = notes2book_model::Link {
        dest: target.to_owned(),
        target: LinkTarget::Internal {
            chapter: t,
            anchor: None,
        },
        syntax: LinkSyntax::Wiki,
        title: None,
        content: vec![Inline::Text(target.to_owned())],
        span,
    };
    Block::Paragraph {
        content: vec![Inline::Link(Box::new(link))],
        span,
    }
}

/// The block that carries the block id `name` (`^quote-1`): a paragraph, or the one list
/// item of a list; the whole note when no block has it.
fn block_of(blocks: &[Block], name: &str) -> Vec<Block> {
    let has = |b: &Block| {
        let mut found = false;
        notes2book_model::walk_blocks(std::slice::from_ref(b), &mut |b| {
            notes2book_model::block_inlines(b, &mut |i| {
                found |= matches!(i, Inline::Anchor { name: n, .. } if n == name)
            })
        });
        found
    };
    for b in blocks {
        if !has(b) {
            continue;
        }
        if let Block::List {
            items,
            start,
            tight,
            span,
        } = b
            && let Some(item) = items.iter().find(|i| i.blocks.iter().any(&has))
        {
            return vec![Block::List {
                start: *start,
                tight: *tight,
                items: vec![item.clone()],
                span: *span,
            }];
        }
        return vec![b.clone()];
    }
    blocks.to_vec()
}

/// Links in an embedded copy mean what they meant in their own note: `[[#Heading]]` and
/// `[x](#id)` lead into the source note, `[x](other.md)` is relative to its folder.
/// Anchors in an embedded copy lose their names (links lead to the original place); an
/// include's stay, as its text is the host's own.
fn rebase(blocks: &mut [Block], source: &Path, seamless: bool) {
    let dir = source.parent().unwrap_or(Path::new(""));
    let source = source.to_string_lossy();
    crate::walk::inlines_mut(blocks, &mut |i| match i {
        // An include is rendered as part of the host page: its links are the host's.
        Inline::Link(l) if l.target == LinkTarget::Unresolved && !seamless => {
            let wiki = matches!(l.syntax, LinkSyntax::Wiki | LinkSyntax::Ref);
            if l.dest.starts_with('#') {
                l.dest = format!("{}{source}{}", if wiki { "" } else { "/" }, l.dest);
            } else if l.syntax == LinkSyntax::Markdown
                && !l.dest.starts_with('/')
                && !l.dest.contains(':')
                && let Some(p) = normalize(&dir.join(&l.dest))
            {
                l.dest = format!("/{}", p.to_string_lossy());
            }
        }
        Inline::Anchor { name, .. } if !seamless => name.clear(),
        _ => {}
    });
}

/// The blocks from the heading named `h` up to the next heading of the same or a higher level.
fn section_of(blocks: &[Block], h: &str) -> Vec<Block> {
    let want = slugify(h);
    let start = blocks.iter().position(|b| matches!(b, Block::Heading { id, content, .. } if *id == want || slugify(&plain_text(content)) == want));
    let Some(start) = start else {
        return blocks.to_vec();
    };
    let level = match &blocks[start] {
        Block::Heading { level, .. } => *level,
        _ => 1,
    };
    let end = blocks[start + 1..]
        .iter()
        .position(|b| matches!(b, Block::Heading { level: l, .. } if *l <= level))
        .map_or(blocks.len(), |e| start + 1 + e);
    blocks[start..end].to_vec()
}
