//! mdBook includes: `{{#include file}}`, `{{#include file:anchor}}`,
//! `{{#include file:10:20}}` (also `:10:`, `::20`, `:10`) and `{{#rustdoc_include …}}`.
//!
//! Included text is spliced in before front matter and Markdown parsing; the [`SegMap`]
//! keeps spans pointing into the included file. `rustdoc_include` shows only the selected
//! lines (the hidden rest would not be shown in a book either). Lines with `ANCHOR:` and
//! `ANCHOR_END:` markers are left out. Includes nest up to [`MAX_DEPTH`] deep; a cycle is
//! an error.

use std::path::{Path, PathBuf};

use notes2book_model::vfs::{Vfs, normalize};
use notes2book_model::{Diagnostic, FileId, Sources};

use crate::segmap::{Builder, SegMap};

pub const MAX_DEPTH: usize = 10;
/// Largest file that may be included.
pub const MAX_INCLUDE_BYTES: u64 = 8 * 1024 * 1024;
/// Most text all the includes of one note may add, nested ones counted too. Without it, ten
/// levels of files that each include the next thirty times would expand to 30¹⁰ copies
/// (an include bomb, like YAML's billion laughs).
pub const MAX_INCLUDED_BYTES: usize = 64 * 1024 * 1024;

pub struct Ctx<'a> {
    pub vfs: &'a dyn Vfs,
    /// The folder every include must stay inside (real path for the Vfs).
    pub root: &'a Path,
    pub sources: &'a mut Sources,
    pub diags: &'a mut Vec<Diagnostic>,
    /// Bytes included into this note so far.
    pub included: usize,
}

/// Where `pat` next occurs at or after `from`, remembered in `cache` while the scan moves
/// forward: looking afresh from every `{{#` cost n² on a note of many unclosed ones.
fn next_from(text: &str, from: usize, pat: &str, cache: &mut Option<usize>) -> Option<usize> {
    match *cache {
        Some(c) if c >= from => {}
        _ => *cache = Some(text[from..].find(pat).map_or(usize::MAX, |i| from + i)),
    }
    cache.filter(|&c| c != usize::MAX)
}

/// Expand includes in `text`. Returns `None` when there are none.
pub fn expand(
    text: &str,
    map: &SegMap,
    dir: &Path,
    stack: &mut Vec<PathBuf>,
    ctx: &mut Ctx<'_>,
) -> Option<(String, SegMap)> {
    if !text.contains("{{#") {
        return None;
    }
    let mut b = Builder::with_capacity(text.len());
    let mut last = 0;
    let mut pos = 0;
    let mut changed = false;
    let (mut close_at, mut line_end) = (None, None);
    // The `}}` that ends the tag at `at`, if it comes before the line does.
    let mut closing = |at: usize| {
        let close = next_from(text, at, "}}", &mut close_at)?;
        let nl = next_from(text, at, "\n", &mut line_end);
        nl.is_none_or(|nl| nl > close).then_some(close - at)
    };
    while let Some(rel) = text[pos..].find("{{#") {
        let at = pos + rel;
        pos = at + 3;
        let rest = &text[at + 3..];
        let (kind_len, is_include) = if rest.starts_with("include ") {
            (8, true)
        } else if rest.starts_with("rustdoc_include ") {
            (16, true)
        } else if rest.starts_with("playground ") {
            (11, true)
        } else {
            (0, false)
        };
        if rest.starts_with("title ") && !(at > 0 && text.as_bytes()[at - 1] == b'\\') {
            // `{{#title …}}` sets a browser tab's title in mdBook: nothing to show in a book.
            if let Some(close) = closing(at) {
                b.copy_mapped(text, last..at, map);
                last = at + close + 2;
                // Swallow the line end too, so the line does not become an empty paragraph.
                if text[last..].starts_with('\n') && (at == 0 || text.as_bytes()[at - 1] == b'\n') {
                    last += 1;
                }
                changed = true;
            }
            continue;
        }
        if !is_include {
            continue;
        }
        let Some(close) = closing(at) else {
            continue;
        };
        // `\{{#include x}}` prints literally, without the backslash.
        if at > 0 && text.as_bytes()[at - 1] == b'\\' {
            b.copy_mapped(text, last..at - 1, map);
            last = at;
            changed = true;
            continue;
        }
        let spec = text[at + 3 + kind_len..at + close].trim();
        let end = at + close + 2;
        b.copy_mapped(text, last..at, map);
        last = end;
        changed = true;
        let span = map.span(at..end);
        let (path_part, selector) = split_spec(spec);
        let Some(path) = normalize(&dir.join(path_part)).filter(|p| p.starts_with(ctx.root)) else {
            ctx.diags.push(
                Diagnostic::error(
                    "include-outside",
                    format!("`{path_part}` is outside the book's folder; not included"),
                )
                .at(span)
                .hint("include only files inside the book's folder"),
            );
            continue;
        };
        if stack.contains(&path) || stack.len() >= MAX_DEPTH {
            ctx.diags.push(
                Diagnostic::error("include-cycle", format!("`{path_part}` includes itself (directly or through other files), or includes nest deeper than {MAX_DEPTH}"))
                    .at(span)
                    .hint("remove the include that closes the cycle"),
            );
            continue;
        }
        let bytes = match ctx.vfs.read(&path, MAX_INCLUDE_BYTES) {
            Ok(b) => b,
            Err(e) => {
                ctx.diags.push(
                    Diagnostic::warning(
                        "include-missing",
                        format!("cannot include `{path_part}`: {e}"),
                    )
                    .at(span)
                    .hint("check the path; it is relative to the note's folder"),
                );
                continue;
            }
        };
        let inc_text = match crate::decode::decode(&bytes, false) {
            Ok(d) => d.text,
            Err(p) => {
                ctx.diags.push(
                    Diagnostic::warning(
                        "include-binary",
                        format!("cannot include `{path_part}`: {}", p.message),
                    )
                    .at(span),
                );
                continue;
            }
        };
        let display = path.clone();
        let file = match ctx.sources.find(&display) {
            Some(f) => f,
            None => ctx.sources.add(display, inc_text.clone()),
        };
        let mut sel = Builder::with_capacity(inc_text.len());
        if let Err(msg) = select(&inc_text, selector, file, &mut sel) {
            ctx.diags.push(
                Diagnostic::warning("include-anchor", format!("`{spec}`: {msg}"))
                    .at(span)
                    .hint("mark the lines with `ANCHOR: name` and `ANCHOR_END: name` comments"),
            );
        }
        let (sel_text, sel_map) = sel.finish();
        if ctx.included + sel_text.len() > MAX_INCLUDED_BYTES {
            // Said once; the includes after it are left out too.
            if ctx.included <= MAX_INCLUDED_BYTES {
                ctx.diags.push(
                    Diagnostic::error(
                        "include-too-large",
                        format!(
                            "`{path_part}` would take the text included into this note past {} MiB; it and the includes after it are left out",
                            MAX_INCLUDED_BYTES / (1024 * 1024)
                        ),
                    )
                    .at(span)
                    .hint("include less, or split the note"),
                );
            }
            ctx.included = MAX_INCLUDED_BYTES + 1;
            continue;
        }
        ctx.included += sel_text.len();
        let sub_dir = path.parent().unwrap_or(dir).to_path_buf();
        // mdBook shows a playground include as a Rust code block.
        let fence = rest.starts_with("playground ");
        if fence {
            b.insert("```rust\n", map.map(at));
        }
        stack.push(path);
        match expand(&sel_text, &sel_map, &sub_dir, stack, ctx) {
            Some((t, m)) => b.copy_mapped(&t, 0..t.len(), &m),
            None => b.copy_mapped(&sel_text, 0..sel_text.len(), &sel_map),
        }
        stack.pop();
        if fence {
            b.insert("\n```", map.map(at));
        }
    }
    if !changed {
        return None;
    }
    b.copy_mapped(text, last..text.len(), map);
    Some(b.finish())
}

fn split_spec(spec: &str) -> (&str, &str) {
    match spec.find(':') {
        Some(i) => (spec[..i].trim(), spec[i + 1..].trim()),
        None => (spec, ""),
    }
}

fn is_anchor_line(line: &str) -> bool {
    line.contains("ANCHOR:") || line.contains("ANCHOR_END:")
}

/// Copy the selected lines of `text` into `out`.
/// Copy the selected lines of `text` into `out`, without the last line's line end (as
/// mdBook joins them), so an include fills a code block exactly.
fn select(text: &str, selector: &str, file: FileId, out: &mut Builder) -> Result<(), String> {
    let result = select_ranges(text, selector);
    let mut ranges = match &result {
        Ok(r) => r.clone(),
        Err(_) => Vec::new(),
    };
    if let Some(last) = ranges.last_mut()
        && text[last.clone()].ends_with('\n')
    {
        last.end -= 1;
    }
    for r in ranges {
        out.copy_direct(text, r, file);
    }
    result.map(|_| ())
}

fn select_ranges(text: &str, selector: &str) -> Result<Vec<std::ops::Range<usize>>, String> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |pos, l| {
            let start = *pos;
            *pos += l.len();
            Some((start, l))
        })
        .collect();
    let pick = |range: std::ops::Range<usize>| -> Vec<std::ops::Range<usize>> {
        lines[range]
            .iter()
            .filter(|(_, line)| !is_anchor_line(line))
            .map(|&(start, line)| start..start + line.len())
            .collect()
    };
    let n = lines.len();
    let num = |s: &str| s.trim().parse::<usize>().ok();
    if selector.is_empty() {
        return Ok(pick(0..n));
    }
    let parts: Vec<&str> = selector.split(':').collect();
    let all_numeric = parts
        .iter()
        .all(|p| p.trim().is_empty() || num(p).is_some());
    if all_numeric {
        let (from, to) = match parts.as_slice() {
            [a] => (num(a).unwrap_or(1), num(a).unwrap_or(n)),
            [a, b] => (num(a).unwrap_or(1), num(b).unwrap_or(n)),
            _ => return Err("use `file:start:end`".into()),
        };
        let from = from.max(1).min(n + 1);
        let to = to.min(n).max(from - 1);
        return Ok(pick(from - 1..to));
    }
    let name = selector.trim();
    let start = lines
        .iter()
        .position(|(_, l)| anchor_name(l, "ANCHOR:") == Some(name))
        .ok_or_else(|| format!("no `ANCHOR: {name}` in the file; nothing included"))?;
    let end = lines[start + 1..]
        .iter()
        .position(|(_, l)| anchor_name(l, "ANCHOR_END:") == Some(name))
        .map_or(n, |e| start + 1 + e);
    Ok(pick(start + 1..end))
}

fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let i = line.find(marker)?;
    let rest = line[i + marker.len()..].trim();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::vfs::MemFs;

    fn run(fs: &MemFs, note: &str) -> (String, Vec<Diagnostic>, SegMap) {
        let mut sources = Sources::default();
        let f = sources.add("book/a.md".into(), note.into());
        let mut diags = Vec::new();
        let mut ctx = Ctx {
            vfs: fs,
            root: Path::new("book"),
            sources: &mut sources,
            diags: &mut diags,
            included: 0,
        };
        let map = SegMap::identity(f, note.len());
        let out = expand(note, &map, Path::new("book"), &mut vec![], &mut ctx);
        let (t, m) = out.unwrap_or((note.to_owned(), map));
        (t, diags, m)
    }

    #[test]
    fn an_include_bomb_stops_at_the_budget() {
        // Each level includes the one below 30 times: 30³ copies of 100 kB at level 3.
        let mut fs = MemFs::new();
        fs.insert("book/l0.txt", "word ".repeat(20_000));
        for i in 1..=3 {
            fs.insert(
                format!("book/l{i}.txt"),
                format!("{{{{#include l{}.txt}}}}\n", i - 1).repeat(30),
            );
        }
        let (t, d, _) = run(&fs, "{{#include l3.txt}}\n");
        assert!(t.len() <= MAX_INCLUDED_BYTES + 100, "{} bytes", t.len());
        assert!(t.len() > MAX_INCLUDED_BYTES / 2);
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["include-too-large"]);
    }

    #[test]
    fn whole_lines_and_anchors() {
        let mut fs = MemFs::new();
        fs.insert(
            "book/code.rs",
            "// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\nfn other() {}\n",
        );
        let (t, d, _) = run(&fs, "```\n{{#include code.rs}}\n```\n");
        assert!(d.is_empty());
        assert_eq!(t, "```\nfn main() {}\nfn other() {}\n```\n");
        let (t, _, m) = run(&fs, "A {{#include code.rs:main}}B");
        assert_eq!(t, "A fn main() {}B");
        assert_eq!(m.map(2), (FileId(1), 16));
        let (t, _, _) = run(&fs, "{{#rustdoc_include code.rs:4}}");
        assert_eq!(t, "fn other() {}");
        let (t, _, _) = run(&fs, "{{#include code.rs::2}}");
        assert_eq!(t, "fn main() {}");
        let (t, _, _) = run(&fs, "{{#title Intro}}\n# Intro\n");
        assert_eq!(t, "# Intro\n");
        let (t, _, _) = run(&fs, "\\{{#include code.rs}}");
        assert_eq!(t, "{{#include code.rs}}");
    }

    #[test]
    fn refusals() {
        let mut fs = MemFs::new();
        fs.insert("book/self.md", "{{#include self.md}}");
        let (_, d, _) = run(&fs, "{{#include ../../etc/passwd}}");
        assert_eq!(d[0].code, "include-outside");
        let (_, d, _) = run(&fs, "{{#include self.md}}");
        assert_eq!(d[0].code, "include-cycle");
        let (_, d, _) = run(&fs, "{{#include nope.rs}}");
        assert_eq!(d[0].code, "include-missing");
    }
}
