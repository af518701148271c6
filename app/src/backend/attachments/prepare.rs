//! What an upload becomes before it is stored: its name cleaned, its content
//! checked against what its name says, and a picture decoded (with bounds on
//! its dimensions and memory), turned the way the camera held it, scaled down
//! to at most `MAX_STORED_SIDE`, and encoded again with a thumbnail. Nothing of
//! an uploaded picture but its pixels survives: no EXIF (location, camera), no
//! comments, nothing appended after the image (a polyglot loses its other half).
//! Other files are kept as sent and only ever served as downloads.

use super::Refusal;
use crate::backend::avatars::{encode_jpeg as jpeg, on_white};
use crate::domain::attachment::{check_file, clean_name, AttachmentRules, FileFamily};
use crate::i18n::{k, Problem};
use image::{imageops::FilterType, DynamicImage, ImageDecoder, ImageFormat};
use std::io::Cursor;

/// Pictures larger than this each way are refused before their pixels are allocated.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODE_BYTES: u64 = 200 * 1024 * 1024;
/// What is stored of a picture: enough for any screen, far smaller than a camera's.
pub const MAX_STORED_SIDE: u32 = 2560;
/// The thumbnail shown in the thread (drawn at half that on sharp screens).
pub const THUMBNAIL_SIDE: u32 = 480;
const JPEG_QUALITY: u8 = 85;
const THUMBNAIL_QUALITY: u8 = 78;

/// An upload ready to store.
#[derive(Debug)]
pub struct Prepared {
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// A picture's thumbnail and its stored size (width, height).
    pub picture: Option<(Vec<u8>, (u32, u32))>,
}

impl Prepared {
    /// What it takes of the member's quota.
    pub fn stored_bytes(&self) -> u64 {
        (self.bytes.len() + self.picture.as_ref().map_or(0, |(t, _)| t.len())) as u64
    }
}

/// Checks and prepares one upload. CPU-bound for pictures: run it off the async threads.
pub fn prepare(
    rules: AttachmentRules,
    raw_name: &str,
    bytes: Vec<u8>,
) -> Result<Prepared, Refusal> {
    let name = clean_name(raw_name);
    let family = check_file(rules, &name, bytes.len() as u64).map_err(|message| {
        let code = if bytes.is_empty() {
            "empty"
        } else if bytes.len() as u64 > rules.file_bytes {
            "too_large"
        } else {
            "kind"
        };
        Refusal::new(code, message)
    })?;
    let mismatch = || {
        Refusal::new(
            "mismatch",
            Problem::new(k::error_file_mismatch).with("name", name.as_str()),
        )
    };
    let detected = infer::get(&bytes);
    let media_type = match family {
        FileFamily::Picture => return picture(&name, &bytes),
        FileFamily::Pdf => {
            if !bytes.starts_with(b"%PDF-") {
                return Err(mismatch());
            }
            "application/pdf".to_string()
        }
        FileFamily::Office => match detected {
            Some(kind) if is_office(kind.mime_type()) => kind.mime_type().to_string(),
            _ => return Err(mismatch()),
        },
        FileFamily::Text => {
            // Text reads as UTF-8 without NULs, and no signature makes it a binary
            // format (HTML or XML is still text: it is only ever served as text).
            let binary =
                detected.is_some_and(|kind| kind.matcher_type() != infer::MatcherType::Text);
            if binary || bytes.contains(&0) || std::str::from_utf8(&bytes).is_err() {
                return Err(mismatch());
            }
            "text/plain; charset=utf-8".to_string()
        }
    };
    Ok(Prepared {
        name,
        media_type,
        bytes,
        picture: None,
    })
}

fn is_office(mime: &str) -> bool {
    matches!(
        mime,
        "application/msword"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.ms-excel"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.ms-powerpoint"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "application/vnd.oasis.opendocument.text"
            | "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.presentation"
    )
}

fn picture(name: &str, upload: &[u8]) -> Result<Prepared, Refusal> {
    let not_a_picture = || {
        Refusal::new(
            "mismatch",
            Problem::new(k::error_file_not_picture).with("name", name),
        )
    };
    let unreadable = || {
        Refusal::new(
            "unreadable",
            Problem::new(k::error_file_picture_unreadable)
                .with("name", name)
                .with("pixels", i64::from(MAX_SIDE)),
        )
    };
    let format = image::guess_format(upload).map_err(|_| not_a_picture())?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(not_a_picture());
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(upload), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| unreadable())?;
    let orientation = decoder.orientation().ok();
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(|_| unreadable())?;
    if decoded.width() == 0 || decoded.height() == 0 {
        return Err(unreadable());
    }
    if let Some(orientation) = orientation {
        decoded.apply_orientation(orientation);
    }
    if decoded.width() > MAX_STORED_SIDE || decoded.height() > MAX_STORED_SIDE {
        decoded = decoded.resize(MAX_STORED_SIDE, MAX_STORED_SIDE, FilterType::Triangle);
    }
    let size = (decoded.width(), decoded.height());
    let thumbnail = jpeg(
        &on_white(&decoded.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)),
        THUMBNAIL_QUALITY,
    )
    .map_err(|_| unreadable())?;
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let (bytes, media_type, extension) = if is_transparent(&decoded) {
        let mut out = Vec::new();
        decoded
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|_| unreadable())?;
        (out, "image/png", "png")
    } else {
        let rgb = decoded.to_rgb8();
        (
            jpeg(&rgb, JPEG_QUALITY).map_err(|_| unreadable())?,
            "image/jpeg",
            "jpg",
        )
    };
    Ok(Prepared {
        name: format!("{stem}.{extension}"),
        media_type: media_type.to_string(),
        bytes,
        picture: Some((thumbnail, size)),
    })
}

/// Some pixel is not fully opaque (a PNG keeps it; JPEG has no transparency).
fn is_transparent(picture: &DynamicImage) -> bool {
    picture.color().has_alpha() && picture.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> AttachmentRules {
        AttachmentRules::default()
    }

    fn png(width: u32, height: u32, alpha: u8) -> Vec<u8> {
        crate::backend::test_pictures::png(width, height, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, alpha])
        })
    }

    #[test]
    fn a_photo_becomes_a_jpeg_with_a_thumbnail_and_nothing_else() {
        let mut upload = png(3000, 1000, 255);
        // Something hidden after the picture's end (a polyglot's other half).
        upload.extend_from_slice(b"<html><script>alert(1)</script></html>");
        let prepared = prepare(rules(), "holiday.PNG", upload).expect("a picture");
        assert_eq!(prepared.name, "holiday.jpg");
        assert_eq!(prepared.media_type, "image/jpeg");
        let (thumbnail, size) = prepared.picture.as_ref().expect("a picture");
        assert_eq!(*size, (2560, 853));
        let stored = image::load_from_memory(&prepared.bytes).expect("decodes");
        assert_eq!((stored.width(), stored.height()), (2560, 853));
        let thumb = image::load_from_memory(thumbnail).expect("decodes");
        assert_eq!((thumb.width(), thumb.height()), (480, 160));
        assert!(!prepared.bytes.windows(6).any(|w| w == b"script"));
    }

    #[test]
    fn a_transparent_picture_stays_a_png() {
        let prepared = prepare(rules(), "logo.webp", png(64, 64, 100)).expect("a picture");
        assert_eq!(
            (prepared.name.as_str(), prepared.media_type.as_str()),
            ("logo.png", "image/png")
        );
        let picture = image::load_from_memory(&prepared.bytes).expect("decodes");
        assert_eq!(picture.to_rgba8().get_pixel(3, 3).0[3], 100);
    }

    #[test]
    fn hostile_files_are_refused() {
        let refuse =
            |name: &str, bytes: Vec<u8>| prepare(rules(), name, bytes).expect_err(name).code;
        // An HTML page named as a picture.
        assert_eq!(
            refuse(
                "cat.png",
                b"<html><script>alert(1)</script></html>".to_vec()
            ),
            "mismatch"
        );
        // A GIF, an executable, a name with no extension.
        assert_eq!(
            refuse("a.png", b"GIF89a\x01\x00\x01\x00".to_vec()),
            "mismatch"
        );
        assert_eq!(refuse("setup.exe", b"MZ\x90\x00".to_vec()), "kind");
        assert_eq!(refuse("README", b"hello".to_vec()), "kind");
        // A PNG that claims 100,000 pixels each way (a decompression bomb) is refused unread.
        let mut bomb = png(1, 1, 255);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(refuse("bomb.png", bomb), "unreadable");
        // A damaged picture.
        let mut cut = png(50, 50, 255);
        cut.truncate(cut.len() / 2);
        assert_eq!(refuse("cut.png", cut), "unreadable");
        // One byte over the limit, and nothing at all.
        assert_eq!(refuse("big.txt", vec![b'a'; 10_000_001]), "too_large");
        assert_eq!(refuse("empty.txt", Vec::new()), "empty");
        // A PDF that is not one, text that is a picture or not UTF-8, an office name on plain text.
        assert_eq!(refuse("paper.pdf", b"<html></html>".to_vec()), "mismatch");
        assert_eq!(refuse("notes.txt", png(2, 2, 255)), "mismatch");
        assert_eq!(
            refuse("notes.txt", vec![0xff, 0xfe, 0x00, 0x41]),
            "mismatch"
        );
        assert_eq!(refuse("report.docx", b"just words".to_vec()), "mismatch");
    }

    #[test]
    fn documents_are_kept_as_sent() {
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF".to_vec();
        let prepared = prepare(rules(), "minutes.pdf", pdf.clone()).expect("a pdf");
        assert_eq!(
            (prepared.media_type.as_str(), prepared.bytes),
            ("application/pdf", pdf)
        );
        // HTML in a text file is text: served as a download, never rendered.
        let html = b"<html><script>alert(1)</script></html>".to_vec();
        let prepared = prepare(rules(), "page.txt", html).expect("text");
        assert_eq!(prepared.media_type, "text/plain; charset=utf-8");
        assert!(prepared.picture.is_none());
    }
}
