//! Generates the images of the sample book in `content/`.
//!
//! Every image file under `content/` is produced by this program; none is
//! hand-made or downloaded. The pictures are drawn pixel by pixel from plain
//! maths (gradients, sine waves, distances to lines and circles), with no
//! randomness and no clock, so running it twice gives byte-identical files.
//!
//! It writes, inside the folder given as the first argument (default
//! `content`):
//!
//! - `static/images/harbour.jpg`: a 1200x800 photo-like JPEG (a harbour at
//!   dusk: sky gradient, hills, sea with ripples, a lighthouse and boats);
//! - `static/images/clock-diagram.png`: an 800x500 RGB line-art PNG (a clock
//!   face and the quartz oscillator → divider → counter chain);
//! - `static/images/timeline.png`: a 900x300 RGBA line-art PNG (a time-keeping
//!   timeline on a card with a soft, partly transparent shadow);
//! - `sundials/sundial.jpg`: a 1000x750 photo-like JPEG for the leaf bundle
//!   `content/sundials/`.
//!
//! Run it with
//! `cargo run -q -p notes2book-tests --bin gen-sample-images -- content`.

use std::f32::consts::PI;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// JPEG quality used for the photo-like images.
const JPEG_QUALITY: u8 = 85;

/// An error with a message meant for a person; `main` prints it as is.
struct GenError(String);

impl fmt::Debug for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Colour = [f32; 3];

const INK: Colour = [34.0, 38.0, 48.0];
const ACCENT: Colour = [196.0, 72.0, 40.0];
const BLUE: Colour = [40.0, 96.0, 170.0];
const PALE: Colour = [232.0, 238.0, 246.0];
const WHITE: Colour = [255.0, 255.0, 255.0];

fn main() -> Result<(), GenError> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "content".to_owned()),
    );
    if !root.is_dir() {
        return Err(GenError(format!(
            "output folder {} does not exist (pass the content folder as the first argument)",
            root.display()
        )));
    }
    let images = root.join("static").join("images");
    let bundle = root.join("sundials");

    let written = [
        write_jpeg(&images.join("harbour.jpg"), &harbour(1200, 800))?,
        write_png_rgb(&images.join("clock-diagram.png"), &clock_diagram(800, 500))?,
        write_png_rgba(&images.join("timeline.png"), &timeline(900, 300))?,
        write_jpeg(&bundle.join("sundial.jpg"), &sundial(1000, 750))?,
    ];

    let mut out = io::stdout().lock();
    for (path, w, h, bytes) in written {
        writeln!(out, "wrote {} ({w}x{h}, {bytes} bytes)", path.display())
            .map_err(|e| GenError(format!("could not write to standard output: {e}")))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Writing files

type Written = (PathBuf, u32, u32, u64);

fn ensure_parent(path: &Path) -> Result<(), GenError> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)
            .map_err(|e| GenError(format!("could not create folder {}: {e}", dir.display())))?;
    }
    Ok(())
}

fn file_size(path: &Path) -> Result<u64, GenError> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| GenError(format!("could not read back {}: {e}", path.display())))
}

fn write_jpeg(path: &Path, img: &RgbImage) -> Result<Written, GenError> {
    ensure_parent(path)?;
    let fail = |e: &dyn fmt::Display| GenError(format!("could not write {}: {e}", path.display()));
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut writer = BufWriter::new(file);
    JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY)
        .encode_image(img)
        .map_err(|e| fail(&e))?;
    writer.flush().map_err(|e| fail(&e))?;
    Ok((path.to_owned(), img.width(), img.height(), file_size(path)?))
}

fn write_png_rgb(path: &Path, img: &RgbImage) -> Result<Written, GenError> {
    ensure_parent(path)?;
    img.save_with_format(path, ImageFormat::Png)
        .map_err(|e| GenError(format!("could not write {}: {e}", path.display())))?;
    Ok((path.to_owned(), img.width(), img.height(), file_size(path)?))
}

fn write_png_rgba(path: &Path, img: &RgbaImage) -> Result<Written, GenError> {
    ensure_parent(path)?;
    img.save_with_format(path, ImageFormat::Png)
        .map_err(|e| GenError(format!("could not write {}: {e}", path.display())))?;
    Ok((path.to_owned(), img.width(), img.height(), file_size(path)?))
}

// ---------------------------------------------------------------------------
// Small maths helpers

fn clamp01(v: f32) -> f32 {
    v.clamp(0.0, 1.0)
}

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = clamp01(t);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(c: Colour, k: f32) -> Colour {
    [c[0] * k, c[1] * k, c[2] * k]
}

fn to_rgb(c: Colour) -> Rgb<u8> {
    // Values are clamped to 0..=255 first, so the casts cannot truncate.
    Rgb([
        c[0].round().clamp(0.0, 255.0) as u8,
        c[1].round().clamp(0.0, 255.0) as u8,
        c[2].round().clamp(0.0, 255.0) as u8,
    ])
}

fn from_rgb(p: &Rgb<u8>) -> Colour {
    [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = clamp01((x - e0) / (e1 - e0));
    t * t * (3.0 - 2.0 * t)
}

/// Distance from point `p` to the segment `a`–`b`.
fn dist_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        clamp01(((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2)
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

/// A smooth, deterministic "texture" value in roughly -1..1 made of a few
/// incommensurate sine waves.
fn ripple(x: f32, y: f32) -> f32 {
    (0.5 * (x * 0.021 + y * 0.013).sin()
        + 0.3 * (x * 0.057 - y * 0.031 + 1.7).sin()
        + 0.2 * ((x * 0.11 + (y * 0.05).sin() * 3.0).sin()))
        * (y * 0.007 + 0.3).cos().abs().max(0.4)
}

// ---------------------------------------------------------------------------
// Anti-aliased drawing on an RGB canvas. Coverage comes from the distance of
// each pixel centre to the shape, which gives smooth edges without a library.

/// Blends `colour` into the pixel at (x, y) with opacity `alpha`.
fn blend(img: &mut RgbImage, x: i64, y: i64, colour: Colour, alpha: f32) {
    if alpha <= 0.0 || x < 0 || y < 0 {
        return;
    }
    let (Ok(xu), Ok(yu)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    if xu >= img.width() || yu >= img.height() {
        return;
    }
    let old = from_rgb(img.get_pixel(xu, yu));
    img.put_pixel(xu, yu, to_rgb(mix(old, colour, alpha)));
}

/// Calls `cover(px, py)` for every pixel in the box and blends by the result.
fn paint(
    img: &mut RgbImage,
    bbox: (f32, f32, f32, f32),
    colour: Colour,
    cover: impl Fn(f32, f32) -> f32,
) {
    let (x0, y0, x1, y1) = bbox;
    for y in (y0.floor() as i64 - 1)..=(y1.ceil() as i64 + 1) {
        for x in (x0.floor() as i64 - 1)..=(x1.ceil() as i64 + 1) {
            let a = cover(x as f32 + 0.5, y as f32 + 0.5);
            blend(img, x, y, colour, a);
        }
    }
}

fn line(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, colour: Colour) {
    let h = width / 2.0;
    let bbox = (
        a.0.min(b.0) - h,
        a.1.min(b.1) - h,
        a.0.max(b.0) + h,
        a.1.max(b.1) + h,
    );
    paint(img, bbox, colour, |x, y| {
        clamp01(h + 0.5 - dist_to_segment((x, y), a, b))
    });
}

fn dashed_line(
    img: &mut RgbImage,
    a: (f32, f32),
    b: (f32, f32),
    width: f32,
    dash: f32,
    colour: Colour,
) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let n = (len / (2.0 * dash)).ceil() as usize;
    for i in 0..n {
        let t0 = (i as f32 * 2.0 * dash) / len;
        let t1 = ((i as f32 * 2.0 + 1.0) * dash / len).min(1.0);
        let p = |t: f32| (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        line(img, p(t0), p(t1), width, colour);
    }
}

fn ring(img: &mut RgbImage, c: (f32, f32), r: f32, width: f32, colour: Colour) {
    let h = width / 2.0;
    let bbox = (c.0 - r - h, c.1 - r - h, c.0 + r + h, c.1 + r + h);
    paint(img, bbox, colour, |x, y| {
        let d = ((x - c.0).powi(2) + (y - c.1).powi(2)).sqrt();
        clamp01(h + 0.5 - (d - r).abs())
    });
}

fn disc(img: &mut RgbImage, c: (f32, f32), r: f32, colour: Colour) {
    let bbox = (c.0 - r, c.1 - r, c.0 + r, c.1 + r);
    paint(img, bbox, colour, |x, y| {
        let d = ((x - c.0).powi(2) + (y - c.1).powi(2)).sqrt();
        clamp01(r + 0.5 - d)
    });
}

fn fill_rect(img: &mut RgbImage, p0: (f32, f32), p1: (f32, f32), colour: Colour) {
    paint(img, (p0.0, p0.1, p1.0, p1.1), colour, |x, y| {
        let cx = clamp01(x - p0.0 + 0.5).min(clamp01(p1.0 - x + 0.5));
        let cy = clamp01(y - p0.1 + 0.5).min(clamp01(p1.1 - y + 0.5));
        cx * cy
    });
}

fn rect_outline(img: &mut RgbImage, p0: (f32, f32), p1: (f32, f32), width: f32, colour: Colour) {
    let corners = [p0, (p1.0, p0.1), p1, (p0.0, p1.1)];
    for i in 0..4 {
        line(img, corners[i], corners[(i + 1) % 4], width, colour);
    }
}

fn arrow(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, colour: Colour) {
    line(img, a, b, width, colour);
    let ang = (b.1 - a.1).atan2(b.0 - a.0);
    for side in [-1.0f32, 1.0] {
        let t = ang + PI + side * 0.45;
        line(
            img,
            b,
            (b.0 + 14.0 * t.cos(), b.1 + 14.0 * t.sin()),
            width,
            colour,
        );
    }
}

/// Fills a triangle (used for sails and the gnomon).
fn triangle(img: &mut RgbImage, p: [(f32, f32); 3], colour: Colour) {
    let xs = [p[0].0, p[1].0, p[2].0];
    let ys = [p[0].1, p[1].1, p[2].1];
    let bbox = (
        xs.iter().copied().fold(f32::MAX, f32::min),
        ys.iter().copied().fold(f32::MAX, f32::min),
        xs.iter().copied().fold(f32::MIN, f32::max),
        ys.iter().copied().fold(f32::MIN, f32::max),
    );
    paint(img, bbox, colour, |x, y| {
        // Signed distance to each edge; inside when all agree in sign.
        let area = (p[1].0 - p[0].0) * (p[2].1 - p[0].1) - (p[1].1 - p[0].1) * (p[2].0 - p[0].0);
        let sign = if area < 0.0 { -1.0 } else { 1.0 };
        let mut cover: f32 = 1.0;
        for i in 0..3 {
            let (a, b) = (p[i], p[(i + 1) % 3]);
            let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1e-6);
            let d = sign * ((b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0)) / len;
            cover = cover.min(clamp01(d + 0.5));
        }
        cover
    });
}

// ---------------------------------------------------------------------------
// A tiny 5x7 bitmap font for the digits and letters the diagrams need.

fn glyph(c: char) -> Option<[u8; 7]> {
    Some(match c {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'N' => [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        '/' => [0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x10],
        '^' => [0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00],
        ' ' => [0; 7],
        _ => return None,
    })
}

/// Width in pixels of `text` drawn at `scale` (5 columns + 1 gap per glyph).
fn text_width(text: &str, scale: f32) -> f32 {
    (text.chars().count() as f32 * 6.0 - 1.0) * scale
}

/// Draws `text` with its top-left corner at `at`; unknown characters are skipped.
fn text(img: &mut RgbImage, at: (f32, f32), text: &str, scale: f32, colour: Colour) {
    for (i, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let gx = at.0 + i as f32 * 6.0 * scale;
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) != 0 {
                    let x = gx + col as f32 * scale;
                    let y = at.1 + r as f32 * scale;
                    fill_rect(img, (x, y), (x + scale, y + scale), colour);
                }
            }
        }
    }
}

fn text_centred(img: &mut RgbImage, centre: (f32, f32), s: &str, scale: f32, colour: Colour) {
    let w = text_width(s, scale);
    text(
        img,
        (centre.0 - w / 2.0, centre.1 - 3.5 * scale),
        s,
        scale,
        colour,
    );
}

// ---------------------------------------------------------------------------
// The pictures

/// A harbour at dusk: sky gradient with cloud bands, a sun, hills, sea with
/// ripples and reflections, a harbour wall, a lighthouse and two sailing boats.
fn harbour(w: u32, h: u32) -> RgbImage {
    let (wf, hf) = (w as f32, h as f32);
    let horizon = hf * 0.56;
    let sun = (wf * 0.68, horizon - hf * 0.11);
    let sky_top: Colour = [38.0, 62.0, 122.0];
    let sky_mid: Colour = [168.0, 126.0, 150.0];
    let sky_low: Colour = [250.0, 184.0, 112.0];
    let sea_far: Colour = [96.0, 92.0, 118.0];
    let sea_near: Colour = [18.0, 40.0, 62.0];

    let hill = |x: f32| {
        horizon
            - 70.0
            - 45.0 * (x * 0.0041 + 0.6).sin()
            - 22.0 * (x * 0.013 + 2.0).sin()
            - 9.0 * (x * 0.041).sin()
    };

    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
        let c = if yf < horizon {
            let t = yf / horizon;
            let mut c = if t < 0.6 {
                mix(sky_top, sky_mid, t / 0.6)
            } else {
                mix(sky_mid, sky_low, (t - 0.6) / 0.4)
            };
            // Streaky clouds: thin bands that wobble sideways.
            let band = ((yf * 0.045 + (xf * 0.004).sin() * 2.2).sin() * 0.5 + 0.5).powi(6);
            let patch = smoothstep(0.2, 0.9, ((xf * 0.0035 + yf * 0.002).sin() + 1.0) / 2.0);
            c = mix(
                c,
                [252.0, 214.0, 196.0],
                band * patch * 0.45 * (1.0 - t * 0.5),
            );
            // Sun glow.
            let d = ((xf - sun.0).powi(2) + (yf - sun.1).powi(2)).sqrt();
            c = mix(
                c,
                [255.0, 236.0, 186.0],
                (1.0 - d / 260.0).max(0.0).powi(2) * 0.7,
            );
            if yf > hill(xf) {
                let shade = 0.35 + 0.15 * ripple(xf * 2.0, yf * 2.0);
                c = mix(
                    [44.0, 52.0, 70.0],
                    [82.0, 76.0, 96.0],
                    shade + (yf - hill(xf)) / 400.0,
                );
            }
            c
        } else {
            let t = (yf - horizon) / (hf - horizon);
            let mut c = mix(sea_far, sea_near, t.powf(0.7));
            // Ripples get longer and stronger towards the viewer.
            let k = 0.4 / (0.05 + t);
            let wave = (yf * k * 0.9 + (xf * 0.012 * (1.0 + t)).sin() * 2.5).sin()
                + 0.4 * (xf * 0.03 + yf * 0.21).sin();
            c = scale(c, 1.0 + 0.08 * wave * (0.3 + t));
            // The sun's glitter path on the water.
            let path = (1.0 - ((xf - sun.0).abs() / (30.0 + 160.0 * t))).max(0.0);
            let glint = (wave * 0.5 + 0.5).powi(4);
            c = mix(c, [255.0, 210.0, 150.0], path * glint * 0.8);
            c
        };
        to_rgb(c)
    });

    // The sun itself, partly hidden by a haze band.
    disc(&mut img, sun, 34.0, [255.0, 240.0, 206.0]);
    fill_rect(
        &mut img,
        (sun.0 - 50.0, sun.1 + 6.0),
        (sun.0 + 50.0, sun.1 + 11.0),
        [236.0, 170.0, 130.0],
    );

    // Harbour wall on the left, with a lighthouse at its end.
    let wall_top = horizon + 60.0;
    fill_rect(
        &mut img,
        (0.0, wall_top),
        (wf * 0.36, wall_top + 34.0),
        [58.0, 52.0, 56.0],
    );
    fill_rect(
        &mut img,
        (0.0, wall_top + 34.0),
        (wf * 0.36, wall_top + 40.0),
        [30.0, 28.0, 34.0],
    );
    for i in 0..22 {
        let x = i as f32 * 20.0 + 6.0;
        line(
            &mut img,
            (x, wall_top + 4.0),
            (x, wall_top + 30.0),
            1.0,
            [74.0, 66.0, 70.0],
        );
    }
    let lx = wf * 0.33;
    fill_rect(
        &mut img,
        (lx - 14.0, wall_top - 150.0),
        (lx + 14.0, wall_top),
        [232.0, 226.0, 218.0],
    );
    for k in 0..3 {
        let y = wall_top - 130.0 + k as f32 * 46.0;
        fill_rect(
            &mut img,
            (lx - 14.0, y),
            (lx + 14.0, y + 18.0),
            [178.0, 50.0, 44.0],
        );
    }
    fill_rect(
        &mut img,
        (lx - 18.0, wall_top - 168.0),
        (lx + 18.0, wall_top - 150.0),
        [40.0, 40.0, 48.0],
    );
    disc(&mut img, (lx, wall_top - 159.0), 7.0, [255.0, 244.0, 180.0]);
    triangle(
        &mut img,
        [
            (lx - 20.0, wall_top - 168.0),
            (lx + 20.0, wall_top - 168.0),
            (lx, wall_top - 186.0),
        ],
        [40.0, 40.0, 48.0],
    );

    // Two small boats with sails.
    for &(bx, by, s) in &[
        (wf * 0.52, horizon + 40.0, 0.7f32),
        (wf * 0.82, horizon + 120.0, 1.2),
    ] {
        triangle(
            &mut img,
            [
                (bx - 50.0 * s, by),
                (bx + 50.0 * s, by),
                (bx + 36.0 * s, by + 16.0 * s),
            ],
            [28.0, 26.0, 34.0],
        );
        fill_rect(
            &mut img,
            (bx - 50.0 * s, by - 1.0),
            (bx + 36.0 * s, by + 2.0),
            [28.0, 26.0, 34.0],
        );
        line(
            &mut img,
            (bx, by),
            (bx, by - 110.0 * s),
            2.0 * s,
            [36.0, 30.0, 30.0],
        );
        triangle(
            &mut img,
            [
                (bx + 3.0 * s, by - 106.0 * s),
                (bx + 3.0 * s, by - 8.0 * s),
                (bx + 44.0 * s, by - 8.0 * s),
            ],
            [240.0, 226.0, 206.0],
        );
        triangle(
            &mut img,
            [
                (bx - 3.0 * s, by - 90.0 * s),
                (bx - 3.0 * s, by - 8.0 * s),
                (bx - 34.0 * s, by - 8.0 * s),
            ],
            [214.0, 196.0, 180.0],
        );
        // Wobbly reflection under the hull.
        for j in 0..8 {
            let y = by + 18.0 * s + j as f32 * 5.0 * s;
            let off = (j as f32 * 1.3).sin() * 6.0 * s;
            line(
                &mut img,
                (bx - 40.0 * s + off, y),
                (bx + 30.0 * s + off, y),
                1.5 * s,
                [22.0, 30.0, 44.0],
            );
        }
    }
    img
}

/// Line art: a clock face on the left and the quartz → divider → counter
/// chain on the right, with arrows between the boxes.
fn clock_diagram(w: u32, h: u32) -> RgbImage {
    let mut img = RgbImage::from_pixel(w, h, to_rgb(WHITE));
    let c = (200.0, 250.0);
    let r = 150.0;

    // Clock face: rim, minute and hour ticks, numerals, hands.
    disc(&mut img, c, r, PALE);
    ring(&mut img, c, r, 5.0, INK);
    ring(&mut img, c, r - 10.0, 1.2, INK);
    for i in 0..60 {
        let a = i as f32 * PI / 30.0;
        let (len, wd) = if i % 5 == 0 { (18.0, 4.0) } else { (8.0, 1.5) };
        let p0 = (c.0 + (r - 12.0) * a.sin(), c.1 - (r - 12.0) * a.cos());
        let p1 = (
            c.0 + (r - 12.0 - len) * a.sin(),
            c.1 - (r - 12.0 - len) * a.cos(),
        );
        line(&mut img, p0, p1, wd, INK);
    }
    for (n, label) in [(0, "12"), (3, "3"), (6, "6"), (9, "9")] {
        let a = n as f32 * PI / 6.0;
        let p = (c.0 + (r - 52.0) * a.sin(), c.1 - (r - 52.0) * a.cos());
        text_centred(&mut img, p, label, 3.0, INK);
    }
    // 10:10:30
    let hour = (10.0 + 10.0 / 60.0) * PI / 6.0;
    let minute = 10.5 * PI / 30.0;
    let second = 30.0 * PI / 30.0;
    line(
        &mut img,
        c,
        (c.0 + 70.0 * hour.sin(), c.1 - 70.0 * hour.cos()),
        8.0,
        INK,
    );
    line(
        &mut img,
        c,
        (c.0 + 110.0 * minute.sin(), c.1 - 110.0 * minute.cos()),
        5.0,
        INK,
    );
    line(
        &mut img,
        (c.0 - 25.0 * second.sin(), c.1 + 25.0 * second.cos()),
        (c.0 + 120.0 * second.sin(), c.1 - 120.0 * second.cos()),
        2.0,
        ACCENT,
    );
    disc(&mut img, c, 9.0, INK);
    disc(&mut img, c, 4.0, ACCENT);

    // The chain of boxes.
    let boxes = [
        (120.0, "QUARTZ", "32768 HZ"),
        (250.0, "DIVIDE", "2^15"),
        (380.0, "COUNTER", "1 HZ"),
    ];
    let (bx0, bx1) = (470.0, 740.0);
    for (i, (y, title, sub)) in boxes.iter().enumerate() {
        fill_rect(
            &mut img,
            (bx0 + 6.0, y - 40.0 + 6.0),
            (bx1 + 6.0, y + 40.0 + 6.0),
            [214.0, 220.0, 230.0],
        );
        fill_rect(&mut img, (bx0, y - 40.0), (bx1, y + 40.0), WHITE);
        rect_outline(&mut img, (bx0, y - 40.0), (bx1, y + 40.0), 3.0, INK);
        text_centred(&mut img, ((bx0 + bx1) / 2.0, y - 12.0), title, 3.0, INK);
        text_centred(&mut img, ((bx0 + bx1) / 2.0, y + 18.0), sub, 2.0, BLUE);
        if i + 1 < boxes.len() {
            arrow(
                &mut img,
                ((bx0 + bx1) / 2.0, y + 42.0),
                ((bx0 + bx1) / 2.0, y + 88.0),
                3.0,
                INK,
            );
        }
    }
    // A dashed line from the counter back to the clock face.
    dashed_line(
        &mut img,
        (bx0 - 4.0, 380.0),
        (c.0 + r + 12.0, 300.0),
        2.0,
        8.0,
        BLUE,
    );
    arrow(
        &mut img,
        (c.0 + r + 40.0, 305.0),
        (c.0 + r + 12.0, 300.0),
        2.0,
        BLUE,
    );
    // A sine wave next to the quartz box, standing for the oscillation.
    let mut prev = (bx0 - 110.0, 120.0);
    for i in 1..=90 {
        let x = bx0 - 110.0 + i as f32;
        let p = (x, 120.0 - 18.0 * (i as f32 * 2.0 * PI / 22.5).sin());
        line(&mut img, prev, p, 2.0, ACCENT);
        prev = p;
    }
    img
}

/// Line art on a card with a soft shadow: a horizontal time line with events.
/// The area around the card is transparent; the shadow is partly transparent.
fn timeline(w: u32, h: u32) -> RgbaImage {
    let margin = 14.0;
    let radius = 18.0;
    let (wf, hf) = (w as f32, h as f32);
    let mut card = RgbImage::from_pixel(w, h, to_rgb(WHITE));

    let axis_y = 170.0;
    let (ax0, ax1) = (60.0, wf - 60.0);
    arrow(&mut card, (ax0, axis_y), (ax1, axis_y), 3.0, INK);
    let year_x = |year: f32| ax0 + 20.0 + (year - 1880.0) / (2030.0 - 1880.0) * (ax1 - ax0 - 50.0);
    for decade in (1880..=2020).step_by(10) {
        let x = year_x(decade as f32);
        let len = if decade % 50 == 0 { 14.0 } else { 7.0 };
        line(&mut card, (x, axis_y - len), (x, axis_y + len), 2.0, INK);
        if decade % 50 == 0 {
            text_centred(&mut card, (x, axis_y + 34.0), &decade.to_string(), 2.0, INK);
        }
    }
    let events = [
        (1884.0, "GMT", true),
        (1927.0, "QUARTZ", false),
        (1955.0, "CS", true),
        (1972.0, "UTC", false),
        (1985.0, "NTP", true),
        (2016.0, "LEAP", false),
    ];
    for (year, label, up) in events {
        let x = year_x(year);
        let y = if up { axis_y - 70.0 } else { axis_y + 80.0 };
        line(&mut card, (x, axis_y), (x, y), 1.5, BLUE);
        disc(&mut card, (x, axis_y), 7.0, ACCENT);
        ring(&mut card, (x, axis_y), 7.0, 2.0, INK);
        let tw = text_width(label, 2.0);
        let (b0, b1) = (
            (x - tw / 2.0 - 8.0, y - 13.0),
            (x + tw / 2.0 + 8.0, y + 13.0),
        );
        fill_rect(&mut card, b0, b1, PALE);
        rect_outline(&mut card, b0, b1, 2.0, INK);
        text_centred(&mut card, (x, y), label, 2.0, INK);
    }
    text(
        &mut card,
        (margin + 24.0, margin + 20.0),
        "TIMEKEEPING",
        3.0,
        INK,
    );

    // Signed distance to a rounded rectangle, used for both the card edge
    // (anti-aliased) and the shadow (a soft fall-off below and to the right).
    let rounded = |x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32| {
        let cx = (x0 + x1) / 2.0;
        let cy = (y0 + y1) / 2.0;
        let qx = (x - cx).abs() - ((x1 - x0) / 2.0 - radius);
        let qy = (y - cy).abs() - ((y1 - y0) / 2.0 - radius);
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        outside + qx.max(qy).min(0.0) - radius
    };
    let (cx0, cy0, cx1, cy1) = (margin, margin, wf - margin, hf - margin);

    RgbaImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
        let d_card = rounded(xf, yf, cx0, cy0, cx1, cy1);
        let card_a = clamp01(0.5 - d_card);
        let d_shadow = rounded(xf - 4.0, yf - 5.0, cx0, cy0, cx1, cy1);
        let shadow_a = 0.35 * (1.0 - smoothstep(-4.0, 9.0, d_shadow));
        // "Over" compositing of the card on top of the black shadow.
        let a = card_a + shadow_a * (1.0 - card_a);
        let inside = from_rgb(card.get_pixel(x, y));
        let colour = if a > 0.0 {
            scale(inside, card_a / a)
        } else {
            [0.0; 3]
        };
        let Rgb([r, g, b]) = to_rgb(colour);
        Rgba([r, g, b, (a * 255.0).round().clamp(0.0, 255.0) as u8])
    })
}

/// A stone sundial on grass, seen from above at an angle, in afternoon sun.
fn sundial(w: u32, h: u32) -> RgbImage {
    let (wf, hf) = (w as f32, h as f32);
    let c = (wf * 0.5, hf * 0.55);
    let (rx, ry) = (330.0, 200.0);
    let stone: Colour = [196.0, 188.0, 170.0];
    let stone_dark: Colour = [120.0, 112.0, 100.0];

    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
        // Grass: a green gradient with fine blade-like stripes and mowing bands.
        let t = yf / hf;
        let mut g = mix([92.0, 128.0, 64.0], [52.0, 92.0, 40.0], t);
        let blades = (xf * 0.9 + (yf * 0.23).sin() * 3.0).sin() * (yf * 0.37 + xf * 0.05).sin();
        g = scale(g, 1.0 + 0.1 * blades + 0.06 * ripple(xf, yf));
        let mow = ((xf + yf * 0.4) * 0.012).sin();
        g = scale(g, 1.0 + 0.07 * mow.signum() * mow.abs().powf(0.3));
        // Light vignette.
        let v = ((xf - wf / 2.0) / wf).powi(2) + ((yf - hf / 2.0) / hf).powi(2);
        g = scale(g, 1.0 - 0.6 * v);

        // Plinth shadow on the grass (offset down-right).
        let sd =
            ((xf - c.0 - 40.0) / (rx + 20.0)).powi(2) + ((yf - c.1 - 46.0) / (ry + 14.0)).powi(2);
        g = scale(g, 1.0 - 0.45 * (1.0 - smoothstep(0.85, 1.05, sd)));

        // Plinth side (a slightly lower ellipse) and the dial face on top.
        let side = ((xf - c.0) / rx).powi(2) + ((yf - c.1 - 36.0) / ry).powi(2);
        let face = ((xf - c.0) / rx).powi(2) + ((yf - c.1) / ry).powi(2);
        if side <= 1.0 || (face > 1.0 && yf > c.1 && (xf - c.0).abs() <= rx && yf <= c.1 + 36.0) {
            let lit = 0.5 + 0.5 * ((xf - c.0) / rx);
            g = mix(stone_dark, scale(stone, 0.8), 1.0 - lit);
            g = scale(g, 1.0 + 0.05 * ripple(xf * 3.0, yf * 3.0));
        }
        if face <= 1.0 {
            let lit = 1.0 - 0.25 * face;
            g = scale(stone, lit * (1.0 + 0.04 * ripple(xf * 2.5, yf * 4.0)));
            // Weathering: a few darker blotches.
            let blotch = ((xf * 0.031).sin() * (yf * 0.043 + 1.0).sin())
                .max(0.0)
                .powi(3);
            g = mix(g, [150.0, 150.0, 130.0], blotch * 0.5);
        }
        to_rgb(g)
    });

    // Dial markings: outer and inner rings, hour lines fanning from the gnomon foot.
    let ellipse_pt = |a: f32, k: f32| (c.0 + rx * k * a.cos(), c.1 + ry * k * a.sin());
    for k in [0.93f32, 0.80] {
        let mut prev = ellipse_pt(0.0, k);
        for i in 1..=240 {
            let p = ellipse_pt(i as f32 * 2.0 * PI / 240.0, k);
            line(&mut img, prev, p, 2.0, [70.0, 64.0, 56.0]);
            prev = p;
        }
    }
    let foot = (c.0, c.1 + ry * 0.35);
    for hour in 0..=12 {
        let a = PI + hour as f32 * PI / 12.0;
        let p0 = ellipse_pt(a, 0.80);
        let p1 = ellipse_pt(a, 0.93);
        line(&mut img, p0, p1, 3.0, [60.0, 54.0, 48.0]);
        let mid = (
            foot.0 + (p0.0 - foot.0) * 0.3,
            foot.1 + (p0.1 - foot.1) * 0.3,
        );
        line(&mut img, mid, p0, 1.0, [110.0, 104.0, 92.0]);
        // Hour marks: dots whose size repeats every three hours.
        let q = ellipse_pt(a, 0.865);
        disc(&mut img, q, 3.0 + (hour % 3) as f32, [70.0, 64.0, 56.0]);
    }

    // The gnomon's shadow across the dial (afternoon, falling to the right).
    let tip_shadow = ellipse_pt(PI * 1.78, 0.78);
    triangle(
        &mut img,
        [
            (foot.0 - 4.0, foot.1),
            (foot.0 + 6.0, foot.1 + 4.0),
            tip_shadow,
        ],
        [110.0, 104.0, 92.0],
    );
    // The gnomon: a bronze triangle standing up from the dial.
    let top = (foot.0 - 6.0, foot.1 - 210.0);
    triangle(
        &mut img,
        [(foot.0 - 6.0, foot.1), (foot.0 + 8.0, foot.1 - 8.0), top],
        [150.0, 102.0, 52.0],
    );
    triangle(
        &mut img,
        [(foot.0 - 6.0, foot.1), (foot.0 - 18.0, foot.1 - 150.0), top],
        [96.0, 62.0, 34.0],
    );
    line(
        &mut img,
        (foot.0 - 6.0, foot.1),
        top,
        2.0,
        [196.0, 150.0, 90.0],
    );
    img
}
