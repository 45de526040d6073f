//! Kobo's flavour of EPUB (`.kepub.epub`): each sentence of every content document in a
//! `<span class="koboSpan" id="kobo.P.S">` (paragraph P, sentence S), which Kobo's reader
//! uses for its reading statistics, page turns and highlights, and the body's content in
//! `div#book-columns > div#book-inner`, which its layout expects. The rest of the EPUB is
//! copied unchanged, so the file stays valid EPUB 3.

use std::io::{Read, Seek, Write};

/// The kepub of an EPUB made by notes2book.
pub fn kepub(epub: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(epub)).map_err(|e| e.to_string())?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = entry.name().to_string();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(entry.compression())
            .last_modified_time(entry.last_modified().unwrap_or_default())
            .unix_permissions(0o644);
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(|e| e.to_string())?;
        let data = if is_content(&name) {
            spans(&String::from_utf8_lossy(&data)).into_bytes()
        } else {
            data
        };
        out.start_file(name, options).map_err(|e| e.to_string())?;
        out.write_all(&data).map_err(|e| e.to_string())?;
    }
    let mut cursor = out.finish().map_err(|e| e.to_string())?;
    cursor.rewind().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// The chapters and front matter; the navigation document keeps its plain form.
fn is_content(name: &str) -> bool {
    name.ends_with(".xhtml") && !name.ends_with("nav.xhtml")
}

/// Elements whose start begins a new paragraph for Kobo's numbering.
const BLOCKS: &[&str] = &[
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "dt",
    "dd",
    "figcaption",
    "caption",
    "blockquote",
    "aside",
    "section",
    "div",
];

/// Elements whose text is not prose: left as it is.
const SKIP: &[&str] = &[
    "head", "pre", "code", "math", "svg", "script", "style", "title",
];

/// The document with its sentences in Kobo's spans and its body wrapped.
fn spans(xhtml: &str) -> String {
    let mut out = String::with_capacity(xhtml.len() + xhtml.len() / 3);
    let mut stack: Vec<String> = Vec::new();
    let (mut para, mut sentence) = (0u32, 0u32);
    let mut rest = xhtml;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        let skipped = stack.iter().any(|e| SKIP.contains(&e.as_str()));
        let in_body = stack.iter().any(|e| e == "body");
        if in_body && !skipped && !text.trim().is_empty() {
            if para == 0 {
                para = 1;
            }
            for piece in sentences(text) {
                if piece.trim().is_empty() {
                    out.push_str(piece);
                    continue;
                }
                sentence += 1;
                out.push_str(&format!(
                    "<span class=\"koboSpan\" id=\"kobo.{para}.{sentence}\">{piece}</span>"
                ));
            }
        } else {
            out.push_str(text);
        }
        let Some(gt) = tag_end(&rest[lt..]) else {
            out.push_str(&rest[lt..]);
            return out;
        };
        let tag = &rest[lt..lt + gt + 1];
        rest = &rest[lt + gt + 1..];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect();
        if tag.starts_with("<?") || tag.starts_with("<!") {
            out.push_str(tag);
        } else if tag.starts_with("</") {
            if name == "body" {
                out.push_str("</div></div>");
            }
            if let Some(i) = stack.iter().rposition(|e| *e == name) {
                stack.truncate(i);
            }
            out.push_str(tag);
        } else {
            out.push_str(tag);
            if name == "body" {
                out.push_str("<div id=\"book-columns\"><div id=\"book-inner\">");
            }
            if BLOCKS.contains(&name.as_str()) {
                para += 1;
                sentence = 0;
            }
            if !tag.ends_with("/>") {
                stack.push(name);
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the tag at the start of `s` ends (its `>`), quoted attribute values skipped.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `text` cut after each sentence's end (`.`, `!`, `?` and their CJK forms, with closing
/// quotes and brackets) and the spaces that follow it; the pieces join back to `text`.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = matches!(c, '.' | '!' | '?' | '。' | '！' | '？');
        if !ends {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, n)) = chars.peek() {
            if matches!(n, '"' | '\'' | '”' | '’' | ')' | '」' | '』' | '）') {
                end = j + n.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let cjk = matches!(c, '。' | '！' | '？');
        let followed = chars.peek().map(|&(_, n)| n);
        if cjk || followed.is_some_and(char::is_whitespace) {
            while let Some(&(j, n)) = chars.peek() {
                if n.is_whitespace() {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_cut_after_their_stop_and_join_back() {
        let t = "One. Two! “Three?” Four 3.5 five.";
        let s = sentences(t);
        assert_eq!(s, ["One. ", "Two! ", "“Three?” ", "Four 3.5 five."]);
        assert_eq!(s.concat(), t);
        assert_eq!(sentences("中文。第二句！"), ["中文。", "第二句！"]);
    }

    #[test]
    fn sentences_get_spans_numbered_by_paragraph_and_code_is_left_alone() {
        let x = "<html><head><title>T.</title></head><body><h1 title=\"a > b\">Title</h1>\
                 <p>One. Two <em>three.</em></p><pre><code>a. b</code></pre></body></html>";
        let k = spans(x);
        assert!(
            k.contains("<body><div id=\"book-columns\"><div id=\"book-inner\"><h1 "),
            "{k}"
        );
        assert!(
            k.contains("b\"><span class=\"koboSpan\" id=\"kobo.1.1\">Title</span></h1>"),
            "{k}"
        );
        assert!(k.contains("<p><span class=\"koboSpan\" id=\"kobo.2.1\">One. </span><span class=\"koboSpan\" id=\"kobo.2.2\">Two </span><em><span class=\"koboSpan\" id=\"kobo.2.3\">three.</span></em></p>"), "{k}");
        assert!(
            k.contains("<pre><code>a. b</code></pre></div></div></body>"),
            "{k}"
        );
        assert!(k.contains("<title>T.</title>"), "{k}");
    }
}
