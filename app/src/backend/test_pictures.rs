//! Pictures for unit tests, drawn pixel by pixel.

use image::{ImageFormat, Rgba, RgbaImage};
use std::io::Cursor;

/// A PNG of `width` × `height` whose pixel at (x, y) is `pixel(x, y)`.
pub fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> Rgba<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    RgbaImage::from_fn(width, height, pixel)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("png");
    out
}
