//! Raw HTML blocks as the PDF shows them: their text without the tags, their images and
//! figure captions in order.

/// A piece of a raw HTML block, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum HtmlPiece {
    Text(String),
    /// The n-th of the block's images (the model holds one per `<img>` with a `src`).
    Image(usize),
    /// The text of a `<figcaption>`.
    Caption(String),
}

/// Split raw HTML into text, images and captions; empty text is left out, and images the
/// tags do not account for come last.
pub fn html_pieces(html: &str, images: usize) -> Vec<HtmlPiece> {
    let lower = html.to_ascii_lowercase();
    let mut pieces = Vec::new();
    let text = |s: &str, pieces: &mut Vec<HtmlPiece>, caption: bool| {
        let t = html_text(s);
        if !t.is_empty() {
            pieces.push(if caption {
                HtmlPiece::Caption(t)
            } else {
                HtmlPiece::Text(t)
            });
        }
    };
    let mut pos = 0;
    let mut next_image = 0;
    loop {
        let img = lower[pos..].find("<img").map(|p| pos + p);
        let cap = lower[pos..].find("<figcaption").map(|p| pos + p);
        if let Some(at) = img.filter(|a| cap.is_none_or(|c| *a < c)) {
            text(&html[pos..at], &mut pieces, false);
            let end = lower[at..].find('>').map_or(lower.len(), |e| at + e + 1);
            let tag = &lower[at..end];
            let has_src =
                tag.contains("src=") && !tag.contains("src=\"\"") && !tag.contains("src=''");
            if has_src && next_image < images {
                pieces.push(HtmlPiece::Image(next_image));
                next_image += 1;
            }
            pos = end;
        } else if let Some(at) = cap {
            text(&html[pos..at], &mut pieces, false);
            let end = lower[at..]
                .find("</figcaption")
                .map_or(lower.len(), |e| at + e);
            text(&html[at..end], &mut pieces, true);
            pos = end;
        } else {
            break;
        }
    }
    text(&html[pos..], &mut pieces, false);
    pieces.extend((next_image..images).map(HtmlPiece::Image));
    pieces
}

/// Text of raw HTML with the tags removed and common entities decoded (scripts and styles
/// dropped). The PDF shows what a reader would read.
pub fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let lower = after.get(..8).unwrap_or(after).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            after.to_ascii_lowercase().find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            after.to_ascii_lowercase().find("</style>").map(|i| i + 8)
        } else {
            after.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &after[n..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let out = out
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{HtmlPiece, html_pieces};

    #[test]
    fn html_blocks_keep_their_images_in_place() {
        let html = "<p>Before.</p>\n<figure>\n<img alt=\"A\" src=\"img/a.svg\" class=\"center\" />\n<figcaption>Figure 4-1: A &amp; B</figcaption>\n</figure>\n<img src=\"\"><p>After <img src='b.png'> end.</p>";
        assert_eq!(
            html_pieces(html, 2),
            [
                HtmlPiece::Text("Before.".into()),
                HtmlPiece::Image(0),
                HtmlPiece::Caption("Figure 4-1: A & B".into()),
                HtmlPiece::Text("After".into()),
                HtmlPiece::Image(1),
                HtmlPiece::Text("end.".into()),
            ]
        );
        // Images the tags do not account for still show, after the text.
        assert_eq!(
            html_pieces("<p>x</p>", 1),
            [HtmlPiece::Text("x".into()), HtmlPiece::Image(0)]
        );
    }
}
