//! Turning an uploaded picture into the two avatar sizes: decoded (JPEG, PNG or
//! WebP only, with bounds on its dimensions and memory), cropped to a centred
//! square, scaled, transparency laid on white, and encoded again as JPEG. Nothing
//! of the upload but its pixels survives: no EXIF (location, camera), no
//! comments, no colour profile.

use crate::domain::profile::{AVATAR_LARGE_PX, AVATAR_SMALL_PX};
use image::{imageops::FilterType, DynamicImage, ImageFormat, RgbImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// The largest picture decoded, each way: larger ones are refused before their
/// pixels are allocated.
const MAX_SIDE: u32 = 8_000;
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 85;

pub struct Avatar {
    /// SHA-256 of `large`, hex: its URL.
    pub digest: String,
    pub large: Vec<u8>,
    pub small: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PictureError {
    /// Not a JPEG, PNG or WebP file.
    Format,
    /// Damaged, or too large to decode.
    Unreadable,
}

pub fn reencode(upload: &[u8]) -> Result<Avatar, PictureError> {
    let format = image::guess_format(upload).map_err(|_| PictureError::Format)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(PictureError::Format);
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(upload), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| PictureError::Unreadable)?;
    let (width, height) = (picture.width(), picture.height());
    if width == 0 || height == 0 {
        return Err(PictureError::Unreadable);
    }
    let side = width.min(height);
    let square = picture.crop_imm((width - side) / 2, (height - side) / 2, side, side);
    let large =
        on_white(&square.resize_exact(AVATAR_LARGE_PX, AVATAR_LARGE_PX, FilterType::Lanczos3));
    let small = image::imageops::resize(
        &large,
        AVATAR_SMALL_PX,
        AVATAR_SMALL_PX,
        FilterType::Triangle,
    );
    let large = jpeg(&large)?;
    let small = jpeg(&small)?;
    Ok(Avatar {
        digest: hex::encode(Sha256::digest(&large)),
        large,
        small,
    })
}

/// Transparent pixels laid on white (JPEG has no transparency). Attached
/// pictures' thumbnails use it too.
pub(crate) fn on_white(picture: &DynamicImage) -> RgbImage {
    if !picture.color().has_alpha() {
        return picture.to_rgb8();
    }
    let rgba = picture.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

fn jpeg(picture: &RgbImage) -> Result<Vec<u8>, PictureError> {
    encode_jpeg(picture, JPEG_QUALITY).map_err(|_| PictureError::Unreadable)
}

pub(crate) fn encode_jpeg(picture: &RgbImage, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(picture)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half transparent (the left half), half opaque.
    fn png(width: u32, height: u32) -> Vec<u8> {
        crate::backend::test_pictures::png(width, height, |x, _| {
            image::Rgba([(x % 256) as u8, 40, 90, if x < width / 2 { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_picture_becomes_two_square_jpegs_named_by_their_digest() {
        let avatar = reencode(&png(300, 120)).expect("a picture");
        for (bytes, side) in [
            (&avatar.large, AVATAR_LARGE_PX),
            (&avatar.small, AVATAR_SMALL_PX),
        ] {
            assert_eq!(image::guess_format(bytes).ok(), Some(ImageFormat::Jpeg));
            let decoded = image::load_from_memory(bytes).expect("decodes");
            assert_eq!((decoded.width(), decoded.height()), (side, side));
        }
        assert_eq!(avatar.digest, hex::encode(Sha256::digest(&avatar.large)));
        // The transparent half is white now.
        let decoded = image::load_from_memory(&avatar.large)
            .expect("decodes")
            .to_rgb8();
        let [r, g, b] = decoded.get_pixel(2, 128).0;
        assert!(r > 240 && g > 240 && b > 240, "{r} {g} {b}");
    }

    #[test]
    fn other_formats_and_damaged_or_huge_files_are_refused() {
        assert_eq!(
            reencode(b"GIF89a........").err(),
            Some(PictureError::Format)
        );
        assert_eq!(reencode(b"hello").err(), Some(PictureError::Format));
        let mut cut = png(50, 50);
        cut.truncate(cut.len() / 2);
        assert_eq!(reencode(&cut).err(), Some(PictureError::Unreadable));
        // A PNG header that claims 100,000 × 100,000 pixels is refused unread.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(reencode(&huge).err(), Some(PictureError::Unreadable));
    }
}
