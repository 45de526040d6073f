//! Images into the PDF: JPEGs byte for byte, PNGs as they are when they can be, the rest as
//! pixels.

use std::collections::BTreeMap;

use printpdf::{DictItem, ExternalStream, ExternalXObject, PdfDocument, Px, XObjectId};

/// Put an image into the document: JPEGs byte for byte (DCTDecode), others as pixels.
pub fn add_image(
    doc: &mut PdfDocument,
    bytes: &[u8],
    media_type: &str,
    width: u32,
    height: u32,
) -> Option<XObjectId> {
    if media_type == "image/jpeg" {
        let components = jpeg_components(bytes)?;
        let color_space = match components {
            1 => "DeviceGray",
            3 => "DeviceRGB",
            _ => return None,
        };
        let dict = image_dict(width, height, color_space, "DCTDecode");
        let x = xobject(dict, bytes.to_vec(), width, height);
        return Some(doc.add_xobject(&x));
    }
    if media_type == "image/png"
        && let Some(x) = png_as_is(bytes)
    {
        return Some(doc.add_xobject(&x));
    }
    // Other images as 8-bit RGB pixels, compressed here. Transparency is flattened onto
    // white, the colour of the page.
    let img = image::load_from_memory(bytes).ok()?;
    let rgba = img.to_rgba8();
    let (w, h) = (rgba.width(), rgba.height());
    let mut rgb = Vec::with_capacity((w as usize) * (h as usize) * 3);
    for p in rgba.pixels() {
        let a = u16::from(p.0[3]);
        for c in &p.0[..3] {
            rgb.push(((u16::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    // Compressed here, once: the document then holds (and copies) only the small stream.
    let content = deflate(&rgb)?;
    drop(rgb);
    let x = xobject(image_dict(w, h, "DeviceRGB", "FlateDecode"), content, w, h);
    Some(doc.add_xobject(&x))
}

/// An image with its transparency kept (an /SMask of its alpha), for pictures drawn over
/// coloured backgrounds: colour emoji in highlighted or code text.
pub fn add_with_alpha(doc: &mut PdfDocument, bytes: &[u8]) -> Option<XObjectId> {
    let rgba = image::load_from_memory(bytes).ok()?.to_rgba8();
    let (w, h) = (rgba.width(), rgba.height());
    let mut rgb = Vec::with_capacity((w as usize) * (h as usize) * 3);
    let mut alpha = Vec::with_capacity((w as usize) * (h as usize));
    for p in rgba.pixels() {
        rgb.extend_from_slice(&p.0[..3]);
        alpha.push(p.0[3]);
    }
    let mut dict = image_dict(w, h, "DeviceRGB", "FlateDecode");
    dict.insert(
        "SMask".to_string(),
        DictItem::Stream {
            stream: ExternalStream {
                dict: image_dict(w, h, "DeviceGray", "FlateDecode"),
                content: deflate(&alpha)?,
                compress: false,
            },
        },
    );
    Some(doc.add_xobject(&xobject(dict, deflate(&rgb)?, w, h)))
}

/// An image XObject of `content` (already encoded as `dict` says), `w` × `h` pixels.
fn xobject(dict: BTreeMap<String, DictItem>, content: Vec<u8>, w: u32, h: u32) -> ExternalXObject {
    ExternalXObject {
        stream: ExternalStream {
            dict,
            content,
            compress: false,
        },
        width: Some(Px(w as usize)),
        height: Some(Px(h as usize)),
        dpi: Some(72.0),
    }
}

/// The dictionary of an 8-bit image in colour space `space`, encoded with `filter`.
fn image_dict(w: u32, h: u32, space: &str, filter: &str) -> BTreeMap<String, DictItem> {
    let mut dict = BTreeMap::new();
    dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_string(), DictItem::Int(i64::from(w)));
    dict.insert("Height".to_string(), DictItem::Int(i64::from(h)));
    dict.insert(
        "ColorSpace".to_string(),
        DictItem::Name(space.as_bytes().to_vec()),
    );
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    dict.insert(
        "Filter".to_string(),
        DictItem::Name(filter.as_bytes().to_vec()),
    );
    dict
}

fn deflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, data).ok()?;
    z.finish().ok()
}

/// An 8-bit grey or RGB PNG without interlacing: its zlib data is what a PDF Flate stream
/// with the PNG predictors holds, so it goes in without being decoded or compressed again.
fn png_as_is(bytes: &[u8]) -> Option<ExternalXObject> {
    let h = notes2book_assets::png::header(bytes)?;
    let (colors, space) = match h.color_type {
        0 => (1, "DeviceGray"),
        2 => (3, "DeviceRGB"),
        _ => return None,
    };
    if h.bit_depth != 8 || h.interlaced {
        return None;
    }
    let content = notes2book_assets::png::image_data(bytes)?;
    let mut parms = BTreeMap::new();
    parms.insert("Predictor".to_string(), DictItem::Int(15));
    parms.insert("Colors".to_string(), DictItem::Int(colors));
    parms.insert("BitsPerComponent".to_string(), DictItem::Int(8));
    parms.insert("Columns".to_string(), DictItem::Int(i64::from(h.width)));
    let mut dict = image_dict(h.width, h.height, space, "FlateDecode");
    dict.insert("DecodeParms".to_string(), DictItem::Dict { map: parms });
    Some(xobject(dict, content, h.width, h.height))
}

/// Number of colour components of a baseline or progressive JPEG (from its SOF marker).
fn jpeg_components(bytes: &[u8]) -> Option<u8> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = bytes[i + 1];
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return bytes.get(i + 9).copied();
        }
        if marker == 0xD8 || marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        i += 2 + len;
    }
    None
}
