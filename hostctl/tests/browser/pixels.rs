//! Reading a screenshot: decoding the PNG, finding the charts on it by their 1-pixel `#eeeeee`
//! border (the only long vertical lines of that colour on the page), and measuring colours
//! inside a rectangle.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// An RGB image.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    rgb: Vec<[u8; 3]>,
}

/// Decodes an 8-bit RGB or RGBA PNG (alpha dropped: screenshots are opaque).
pub fn load(path: &Path) -> Image {
    let file = File::open(path).expect("open the screenshot");
    let decoder = png::Decoder::new(BufReader::new(file));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane PNG size")];
    let info = reader.next_frame(&mut buf).expect("the PNG's pixels");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit screenshot");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    let rgb = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Image {
        width: info.width as usize,
        height: info.height as usize,
        rgb,
    }
}

/// `#4e79a7` as RGB.
pub fn hex(colour: &str) -> [u8; 3] {
    let h = colour.trim_start_matches('#');
    assert_eq!(h.len(), 6, "a #rrggbb colour: {colour}");
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).expect("hex digits");
    [byte(0), byte(2), byte(4)]
}

/// Whether two colours differ by at most `tolerance` in every channel.
pub fn near(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tolerance)
}

/// Whether a pixel is ink (text, lines) rather than the white or near-white background.
pub fn is_ink(p: [u8; 3]) -> bool {
    let luma = (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
    luma < 170
}

/// A rectangle of whole pixels, `[x0, x1) x [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// Left, inclusive.
    pub x0: usize,
    /// Top, inclusive.
    pub y0: usize,
    /// Right, exclusive.
    pub x1: usize,
    /// Bottom, exclusive.
    pub y1: usize,
}

impl PixelRect {
    /// Pixels inside.
    pub fn area(&self) -> usize {
        self.x1.saturating_sub(self.x0) * self.y1.saturating_sub(self.y0)
    }
}

const BORDER: [u8; 3] = [0xee, 0xee, 0xee];

/// A vertical border line must be at least this long to be a chart's.
const MIN_BORDER: usize = 100;

impl Image {
    /// The pixel at (`x`, `y`).
    pub fn at(&self, x: usize, y: usize) -> [u8; 3] {
        self.rgb[y * self.width + x]
    }

    /// Runs of border colour at least [`MIN_BORDER`] long in column `x`, as `[y0, y1)`.
    fn border_runs(&self, x: usize) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut start = None;
        for y in 0..=self.height {
            let on = y < self.height && near(self.at(x, y), BORDER, 2);
            match (on, start) {
                (true, None) => start = Some(y),
                (false, Some(s)) => {
                    if y - s >= MIN_BORDER {
                        runs.push((s, y));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// The inside of every chart's border, top to bottom.
    pub fn chart_frames(&self) -> Vec<PixelRect> {
        let Some((left, runs)) = (0..self.width / 2)
            .map(|x| (x, self.border_runs(x)))
            .find(|(_, runs)| !runs.is_empty())
        else {
            return Vec::new();
        };
        runs.into_iter()
            .map(|(y0, y1)| {
                let right = (left + 1..self.width)
                    .rev()
                    .find(|&x| (y0 + 2..y1 - 2).all(|y| near(self.at(x, y), BORDER, 2)))
                    .expect("a chart's right border");
                PixelRect {
                    x0: left + 1,
                    y0: y0 + 1,
                    x1: right,
                    y1: y1 - 1,
                }
            })
            .collect()
    }

    /// How many pixels of `r` are within `tolerance` of `colour`.
    pub fn count_near(&self, r: PixelRect, colour: [u8; 3], tolerance: u8) -> usize {
        (r.y0..r.y1)
            .flat_map(|y| (r.x0..r.x1).map(move |x| (x, y)))
            .filter(|&(x, y)| near(self.at(x, y), colour, tolerance))
            .count()
    }

    /// How many pixels of `r` are ink.
    pub fn count_ink(&self, r: PixelRect) -> usize {
        (r.y0..r.y1)
            .flat_map(|y| (r.x0..r.x1).map(move |x| (x, y)))
            .filter(|&(x, y)| is_ink(self.at(x, y)))
            .count()
    }
}

/// Where a chart's view box lands on the screen.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// The chart's inside on screen.
    pub frame: PixelRect,
    /// Screen pixels per view box unit.
    pub scale: f64,
}

impl Placement {
    /// Places a chart of view box width `view_w` in `frame`.
    pub fn new(frame: PixelRect, view_w: f64) -> Self {
        Placement {
            frame,
            scale: (frame.x1 - frame.x0) as f64 / view_w,
        }
    }

    /// The whole pixels at least `inset` pixels inside the view box rectangle (`x`, `y`, `w`,
    /// `h`): the ones anti-aliasing leaves alone.
    pub fn inside(&self, x: f64, y: f64, w: f64, h: f64, inset: f64) -> PixelRect {
        let sx = |v: f64| self.frame.x0 as f64 + v * self.scale;
        let sy = |v: f64| self.frame.y0 as f64 + v * self.scale;
        PixelRect {
            x0: (sx(x) + inset).ceil() as usize,
            y0: (sy(y) + inset).ceil() as usize,
            x1: (sx(x + w) - inset).floor().max(0.0) as usize,
            y1: (sy(y + h) - inset).floor().max(0.0) as usize,
        }
    }
}
