//! The site's settings and invitations, from `/admin`.

use super::{log, Logged};
use crate::domain::admin::SiteSettingsInput;
use crate::error::AppError;
use crate::model::account::Viewer;
use sqlx::PgPool;

pub async fn save_settings(
    pool: &PgPool,
    admin: &Viewer,
    input: &SiteSettingsInput,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let note = crate::backend::site::save(&mut tx, input).await?;
    log(&mut tx, admin.id, Logged::site("change_settings", note)).await?;
    tx.commit().await?;
    Ok(())
}

/// A new invitation to register; its token (the link is shown once).
pub async fn invite(pool: &PgPool, admin: &Viewer, note: &str) -> Result<String, AppError> {
    let mut tx = pool.begin().await?;
    let token = crate::backend::site::create_invitation(&mut tx, admin.id, note).await?;
    log(&mut tx, admin.id, Logged::site("invite", note)).await?;
    tx.commit().await?;
    Ok(token)
}
