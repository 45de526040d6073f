//! `notes2book init`: a commented config and a first note, never overwriting anything.

use std::path::Path;

const CONFIG: &str = r#"# notes2book.yaml: settings for this book. Every key is optional; the README has the
# full reference. Unknown keys are errors, so typos do not go unnoticed.

title: My Notes
# subtitle: Collected and edited
authors: [Your Name]
language: en                 # BCP 47 language tag
# date: 2026-01-31           # default: the newest note date
# identifier: urn:isbn:…     # default: a stable UUID from the title and authors
# description: One sentence about the book.
# publisher: …
# rights: CC BY 4.0
# cover: cover.jpg           # relative to this file; without one a cover is made (or {design: band, colour: '#7a1f1f'}, or false)

input: content               # the notes folder, relative to this file
# chapters: [intro.md, part-one/_index.md]   # explicit order; default: weight, then name
# static_dirs: [static]      # more folders for /images/... references
# drafts: false              # include notes marked `draft: true`
# fix_mojibake: true         # repair UTF-8 that was read as Latin-1
# output_name: my-notes      # book/my-notes.epub; default: the title as a slug

epub:
  toc_depth: 2               # heading depth of the table of contents
  # css: extra.css           # added after the default stylesheet
  # embed_fonts: false       # true embeds the bundled fonts
  # math: mathml             # svg draws formulas as images, for Kindle
  # max_image_px: 1600       # longest image side in the EPUB

# a11y:                      # accessibility statements only a publisher can make
#   conforms_to: EPUB Accessibility 1.1 - WCAG 2.1 Level AA
#   certified_by: …
"#;

const NOTE: &str = r#"---
title: Welcome
weight: 1
---
This is the first note of your book. Each Markdown file in `content/` becomes a chapter,
ordered by `weight` and then by file name.

## What you can write

- *Emphasis*, **strong**, `code`, [links to other notes](welcome.md), footnotes[^1]
- Hugo shortcodes such as `{{</* figure src="/images/photo.jpg" caption="…" */>}}`
- Obsidian `[[wikilinks]]`, `![[embeds]]` and callouts:

> [!tip] Build the book
> Run `notes2book --epub` in this folder; the book appears in `book/`.

[^1]: Footnotes become pop-up notes in the EPUB.
"#;

/// Create the files; refuse if any of them exists. Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<String>, String> {
    let config = dir.join("notes2book.yaml");
    let note = dir.join("content").join("welcome.md");
    for p in [&config, &note] {
        if p.exists() {
            return Err(format!(
                "{} already exists; init never overwrites anything",
                shown(p)
            ));
        }
    }
    std::fs::create_dir_all(dir.join("content"))
        .map_err(|e| format!("cannot create {}: {e}", dir.join("content").display()))?;
    crate::build::write_atomic(&config, CONFIG.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    crate::build::write_atomic(&note, NOTE.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", note.display()))?;
    Ok(vec![shown(&config), shown(&note)])
}

/// A path as the user would type it: `notes2book.yaml`, not `./notes2book.yaml`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// How to get from here to the new book: nothing when it is the current folder, else
/// `cd DIR && ` (quoted for the shell when the name needs it).
pub fn cd_prefix(dir: &Path) -> String {
    let shown = shown(dir);
    if shown.is_empty() {
        return String::new();
    }
    let plain = shown
        .chars()
        .all(|c| c.is_alphanumeric() || "/._-~+,:@".contains(c));
    if plain && !shown.starts_with('~') {
        format!("cd {shown} && ")
    } else {
        format!("cd '{}' && ", shown.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_step_is_plain_and_safe_to_paste() {
        assert_eq!(cd_prefix(Path::new(".")), "");
        assert_eq!(cd_prefix(Path::new("")), "");
        assert_eq!(cd_prefix(Path::new("my-book")), "cd my-book && ");
        assert_eq!(cd_prefix(Path::new("./a/b")), "cd a/b && ");
        assert_eq!(cd_prefix(Path::new("my book")), "cd 'my book' && ");
        assert_eq!(cd_prefix(Path::new("it's")), r"cd 'it'\''s' && ");
        assert_eq!(shown(Path::new("./notes2book.yaml")), "notes2book.yaml");
    }
}
