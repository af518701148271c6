//! Avatars: uploaded by a plain multipart form, re-encoded so nothing but the
//! pixels survives, kept in two sizes under their digest, served with a year's
//! cache; refused clearly when too large, of another format or damaged.

use crate::common::*;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

const SECRET: &[u8] = b"GPS 48.8584 N 2.2945 E, camera serial 12345";

fn photo_with_exif(width: u32, height: u32) -> Vec<u8> {
    crate::common::photo_with_exif(width, height, SECRET)
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    file: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    let form = Form::new().part("avatar", Part::bytes(file).file_name(name.to_string()));
    client
        .post(format!("{}{path}", app.url))
        .multipart(form)
        .send()
        .await
        .expect("request")
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string()
}

async fn own_avatar(app: &TestApp, client: &reqwest::Client) -> Value {
    let own: Value = app
        .call_with(client, "get_own_profile", &[])
        .await
        .json()
        .await
        .expect("json");
    own["avatar"].clone()
}

#[tokio::test]
async fn an_avatar_is_reencoded_without_its_metadata_in_two_sizes_under_its_digest() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let photo = photo_with_exif(900, 600);
    assert!(photo.windows(SECRET.len()).any(|w| w == SECRET));

    let saved = upload(&app, &jose, "/settings/avatar", photo, "me.jpg").await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/settings/profile?avatar=saved");
    let digest = own_avatar(&app, &jose)
        .await
        .as_str()
        .expect("an avatar")
        .to_string();
    // Everyone sees it, on the profile and beside the name in a thread.
    let profile: Value = app
        .call("get_member_profile", &[("handle", "jose")])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(profile["avatar"], digest);

    for (size, side) in [("256.jpg", 256), ("64.jpg", 64)] {
        let file = bare_client()
            .get(format!("{}/avatars/{digest}/{size}", app.url))
            .send()
            .await
            .expect("request");
        assert_eq!(file.status(), 200);
        assert_eq!(file.headers()["content-type"], "image/jpeg");
        assert_eq!(
            file.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(file.headers()["x-content-type-options"], "nosniff");
        let bytes = file.bytes().await.expect("body");
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET),
            "the EXIF segment is gone"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "no EXIF at all");
        let decoded = image::load_from_memory(&bytes).expect("a picture");
        assert_eq!((decoded.width(), decoded.height()), (side, side));
        if side == 256 {
            assert_eq!(
                hex::encode(Sha256::digest(&bytes)),
                digest,
                "named by its content"
            );
        }
    }
    // Unknown digests and sizes are 404s.
    for path in [
        format!("/avatars/{}/256.jpg", "0".repeat(64)),
        format!("/avatars/{digest}/1024.jpg"),
        "/avatars/../../etc/passwd/64.jpg".to_string(),
    ] {
        let answer = bare_client()
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("request");
        assert_eq!(answer.status(), 404, "{path}");
    }

    // Removing it brings the initials back.
    let removed = jose
        .post(format!("{}/settings/avatar", app.url))
        .multipart(Form::new().text("remove", "1"))
        .send()
        .await
        .expect("request");
    assert_eq!(location(&removed), "/settings/profile?avatar=removed");
    assert_eq!(own_avatar(&app, &jose).await, Value::Null);
}

#[tokio::test]
async fn too_large_other_formats_and_damaged_pictures_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0xFF; 5 * 1024 * 1024 + 1], "too_large"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), "format"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            "format",
        ),
        (photo_with_exif(64, 64)[..300].to_vec(), "unreadable"),
    ];
    for (file, outcome) in cases {
        let answer = upload(&app, &jose, "/settings/avatar", file, "x.jpg").await;
        assert_eq!(
            location(&answer),
            format!("/settings/profile?avatar={outcome}")
        );
    }
    let empty = jose
        .post(format!("{}/settings/avatar", app.url))
        .multipart(Form::new().text("avatar", ""))
        .send()
        .await
        .expect("request");
    assert_eq!(location(&empty), "/settings/profile?avatar=missing");
    assert_eq!(own_avatar(&app, &jose).await, Value::Null);
    let stored: i64 = scalar(&app, "SELECT count(*) FROM avatars WHERE $1 = $1", 0).await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn only_the_member_and_a_groups_managers_change_its_picture() {
    let app = spawn_app().await;
    // Not signed in: sent to sign in. From another site: refused.
    let anonymous = upload(
        &app,
        &client(),
        "/settings/avatar",
        photo_with_exif(80, 80),
        "a.jpg",
    )
    .await;
    assert_eq!(anonymous.status(), 303);
    assert!(location(&anonymous).starts_with("/sign-in"));
    let cross_site = bare_client()
        .post(format!("{}/settings/avatar", app.url))
        .header("sec-fetch-site", "cross-site")
        .multipart(Form::new().part("avatar", Part::bytes(photo_with_exif(80, 80))))
        .send()
        .await
        .expect("request");
    assert_eq!(cross_site.status(), 403);

    // A group's picture: its managers only.
    let manager: String = sqlx::query_scalar(
        "SELECT m.handle FROM group_memberships gm JOIN members m ON m.id = gm.member_id
         JOIN groups g ON g.id = gm.group_id WHERE g.slug = 'education' AND gm.role = 'manager' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("a manager");
    let outsider: String = sqlx::query_scalar(
        "SELECT handle FROM members m WHERE handle IN ('jose', 'alice', 'bob')
           AND NOT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
                           WHERE g.slug = 'education' AND gm.member_id = m.id AND gm.role = 'manager')
         ORDER BY handle LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("a member who does not manage it");
    let outsider = app.member(&outsider).await;
    let refused = upload(
        &app,
        &outsider,
        "/groups/education/avatar",
        photo_with_exif(80, 80),
        "g.jpg",
    )
    .await;
    assert_eq!(refused.status(), 403);
    let manager = app.member(&manager).await;
    let saved = upload(
        &app,
        &manager,
        "/groups/education/avatar",
        photo_with_exif(80, 80),
        "g.jpg",
    )
    .await;
    assert_eq!(location(&saved), "/groups/education/edit?avatar=saved");
    let details: Value = app
        .call("get_group_details", &[("slug", "education")])
        .await
        .json()
        .await
        .expect("json");
    assert!(details["avatar"].as_str().is_some(), "{details}");
}

/// The creation form of a group, as the browser posts it (multipart, from its page).
async fn create_group(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    picture: Option<Vec<u8>>,
) -> reqwest::Response {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some(picture) = picture {
        form = form.part("avatar", Part::bytes(picture).file_name("group.jpg"));
    }
    client
        .post(format!("{}/groups/new", app.url))
        .header("referer", format!("{}/groups/new", app.url))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn group_avatar(app: &TestApp, slug: &str) -> Option<String> {
    let details: Value = app
        .call("get_group_details", &[("slug", slug)])
        .await
        .json()
        .await
        .expect("json");
    details["avatar"].as_str().map(str::to_string)
}

/// A group is created with its picture in one form; a refusal shows the form
/// again with what was typed; a refused picture leaves the group made and says
/// why on its edit page.
#[tokio::test]
async fn a_group_is_created_with_its_picture_in_one_form() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let made = create_group(
        &app,
        &jose,
        &[
            ("name", "Translators"),
            ("slug", "translators"),
            ("description", "Every language of Mautic."),
            ("access", "closed"),
        ],
        Some(photo_with_exif(300, 200)),
    )
    .await;
    assert_eq!(made.status(), 303);
    assert_eq!(location(&made), "/groups/translators");
    assert!(group_avatar(&app, "translators").await.is_some());
    let manager: String = sqlx::query_scalar(
        "SELECT m.handle FROM group_memberships gm JOIN members m ON m.id = gm.member_id
         JOIN groups g ON g.id = gm.group_id WHERE g.slug = 'translators' AND gm.role = 'manager'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("its manager");
    assert_eq!(manager, "jose");

    // Without a picture, as before.
    let plain = create_group(
        &app,
        &jose,
        &[
            ("name", "Reviewers"),
            ("slug", "reviewers"),
            ("access", "open"),
        ],
        None,
    )
    .await;
    assert_eq!(location(&plain), "/groups/reviewers");
    assert_eq!(group_avatar(&app, "reviewers").await, None);

    // A taken address: the form again, with the refusal and what was typed.
    let taken = create_group(
        &app,
        &jose,
        &[
            ("name", "Second marketing"),
            ("slug", "marketing"),
            ("access", "open"),
        ],
        Some(photo_with_exif(80, 80)),
    )
    .await;
    assert_eq!(taken.status(), 422);
    let page = without_markers(&taken.text().await.expect("page"));
    assert!(
        page.contains("A group already has that address") && page.contains("Second marketing"),
        "{page}"
    );

    // A damaged picture: the group is made, its edit page says why the picture was not.
    let damaged = create_group(
        &app,
        &jose,
        &[("name", "Editors"), ("slug", "editors"), ("access", "open")],
        Some(b"not a picture at all".to_vec()),
    )
    .await;
    assert_eq!(location(&damaged), "/groups/editors/edit?avatar=format");
    assert_eq!(group_avatar(&app, "editors").await, None);

    // Signed out: sent to sign in, nothing made.
    let anonymous = create_group(
        &app,
        &client(),
        &[("name", "Ghosts"), ("slug", "ghosts"), ("access", "open")],
        None,
    )
    .await;
    assert!(location(&anonymous).starts_with("/sign-in"));
    let ghosts: i64 = sqlx::query_scalar("SELECT count(*) FROM groups WHERE slug = 'ghosts'")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(ghosts, 0);
}
