//! Avatars of members and groups: stored once per picture (by digest) in
//! PostgreSQL, in two sizes, served under their digest with a year's cache.

mod picture;

pub(crate) use picture::{encode_jpeg, on_white};
pub use picture::{reencode, Avatar, PictureError};

use crate::error::AppError;
use sqlx::PgPool;

/// Whose avatar it is.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Member(i64),
    Group(i64),
}

/// Stores the picture (once, whoever else uses it) and makes it the owner's;
/// `None` removes theirs, and initials show again.
pub async fn set_avatar(
    pool: &PgPool,
    owner: Owner,
    avatar: Option<&Avatar>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    if let Some(avatar) = avatar {
        sqlx::query!(
            "INSERT INTO avatars (digest, large, small) VALUES ($1, $2, $3)
             ON CONFLICT (digest) DO NOTHING",
            avatar.digest,
            avatar.large,
            avatar.small
        )
        .execute(&mut *tx)
        .await?;
    }
    let digest = avatar.map(|a| a.digest.as_str());
    match owner {
        Owner::Member(id) => {
            sqlx::query!("UPDATE members SET avatar = $2 WHERE id = $1", id, digest)
                .execute(&mut *tx)
                .await?
        }
        Owner::Group(id) => {
            sqlx::query!("UPDATE groups SET avatar = $2 WHERE id = $1", id, digest)
                .execute(&mut *tx)
                .await?
        }
    };
    tx.commit().await?;
    Ok(())
}

/// The JPEG of one size of an avatar, if there is one under this digest.
pub async fn avatar_file(
    pool: &PgPool,
    digest: &str,
    large: bool,
) -> Result<Option<Vec<u8>>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT CASE WHEN $2 THEN large ELSE small END AS "bytes!" FROM avatars WHERE digest = $1"#,
        digest,
        large
    )
    .fetch_optional(pool)
    .await?)
}
