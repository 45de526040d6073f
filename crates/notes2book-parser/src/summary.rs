//! mdBook's `SUMMARY.md`: chapter order, nesting and part titles.

use notes2book_model::{Diagnostic, FileId, Span};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Part {
        title: String,
        span: Span,
    },
    Chapter {
        label: String,
        path: String,
        depth: u8,
        span: Span,
    },
}

pub fn parse(text: &str, file: FileId, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut list_depth: u8 = 0;
    let mut in_heading = false;
    let mut heading = String::new();
    let mut heading_start = 0;
    let mut seen_chapter = false;
    let mut in_part = false;
    let mut link: Option<(String, String, usize)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                heading.clear();
                heading_start = range.start;
            }
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                // The first heading before any chapter is the summary's own title.
                if seen_chapter || !out.is_empty() || heading.trim() != "Summary" {
                    out.push(Entry::Part {
                        title: heading.trim().to_owned(),
                        span: Span::new(file, heading_start, range.end),
                    });
                    in_part = true;
                }
            }
            Event::Start(Tag::List(_)) => list_depth = list_depth.saturating_add(1),
            Event::End(TagEnd::List(_)) => list_depth = list_depth.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => {
                link = Some((dest_url.to_string(), String::new(), range.start));
            }
            Event::End(TagEnd::Link) => {
                if let Some((path, label, start)) = link.take() {
                    let span = Span::new(file, start, range.end);
                    seen_chapter = true;
                    if path.trim().is_empty() {
                        diags.push(
                            Diagnostic::note("summary-draft", format!("`{label}` in SUMMARY.md has no file (a draft chapter); it is left out"))
                                .at(span),
                        );
                        continue;
                    }
                    // Prefix and suffix chapters (outside the list) stand at the top level.
                    let depth = if list_depth == 0 {
                        0
                    } else {
                        list_depth - 1 + u8::from(in_part)
                    };
                    out.push(Entry::Chapter {
                        label: label.trim().to_owned(),
                        path,
                        depth,
                        span,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, label, _)) = &mut link {
                    label.push_str(&t);
                } else if in_heading {
                    heading.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdbook_summary() {
        let text = "# Summary\n\n[Intro](README.md)\n\n# Guide\n\n- [Install](guide/install.md)\n    - [Deep](guide/deep.md)\n- [Draft]()\n\n---\n\n[Thanks](thanks.md)\n";
        let mut d = vec![];
        let e = parse(text, FileId(0), &mut d);
        let shape: Vec<String> = e
            .iter()
            .map(|e| match e {
                Entry::Part { title, .. } => format!("part {title}"),
                Entry::Chapter {
                    label, path, depth, ..
                } => format!("{depth} {label} {path}"),
            })
            .collect();
        assert_eq!(
            shape,
            [
                "0 Intro README.md",
                "part Guide",
                "1 Install guide/install.md",
                "2 Deep guide/deep.md",
                "0 Thanks thanks.md"
            ]
        );
        assert_eq!(d.len(), 1);
    }
}
