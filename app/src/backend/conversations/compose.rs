//! What the start form needs: preselected recipients and whom the viewer can write as.

use super::{group_view, member_view};
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::{ComposeInfo, PartyView};
use sqlx::PgPool;

/// Whom the viewer may write as: themself, then each group they manage.
pub(super) async fn send_as_options(
    pool: &PgPool,
    viewer: &Viewer,
) -> Result<Vec<PartyView>, AppError> {
    let mut options = vec![member_view(
        viewer.id,
        viewer.handle.clone(),
        viewer.display_name.clone(),
    )];
    let groups = sqlx::query!(
        "SELECT g.id, g.slug, g.name FROM groups g
         JOIN group_memberships gm ON gm.group_id = g.id
         WHERE gm.member_id = $1 AND gm.role = 'manager' AND g.closed_at IS NULL ORDER BY g.name",
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    options.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(options)
}

pub async fn compose_info(
    pool: &PgPool,
    viewer: &Viewer,
    to: &[String],
) -> Result<ComposeInfo, AppError> {
    let handles: Vec<String> = to
        .iter()
        .filter_map(|t| t.strip_prefix("member:"))
        .map(str::to_lowercase)
        .collect();
    let slugs: Vec<String> = to
        .iter()
        .filter_map(|t| t.strip_prefix("group:"))
        .map(str::to_lowercase)
        .collect();
    let members = sqlx::query!(
        "SELECT id, handle, display_name FROM members
         WHERE handle = ANY($1) AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL",
        &handles,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    let groups = sqlx::query!(
        "SELECT id, slug, name FROM groups WHERE slug = ANY($1)",
        &slugs
    )
    .fetch_all(pool)
    .await?;
    let mut preselected: Vec<PartyView> = members
        .into_iter()
        .map(|m| member_view(m.id, m.handle, m.display_name))
        .collect();
    preselected.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(ComposeInfo {
        preselected,
        send_as: send_as_options(pool, viewer).await?,
        key: new_key(),
        draft: super::drafts::draft(pool, viewer.id, None).await?,
        pending: crate::backend::attachments::pending_of(pool, viewer.id, None).await?,
        attach: Default::default(),
    })
}

pub(super) fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The start page with these recipients chosen again (`member:<id>` tokens, as
/// the form posts them), named as a start link names them: by handle and slug.
/// Where a form posted without JavaScript comes back to after its files, with
/// `outcome` (`attach=<code>`) added.
pub async fn start_page_with(
    pool: &PgPool,
    to: &[String],
    outcome: Option<&str>,
) -> Result<String, AppError> {
    let parties: Vec<_> = to
        .iter()
        .filter_map(|t| crate::domain::conversation::Party::parse_token(t).ok())
        .collect();
    let (member_ids, group_ids) = super::split_parties(&parties);
    let names = sqlx::query_scalar!(
        r#"SELECT 'member:' || handle AS "token!" FROM members WHERE id = ANY($1)
           UNION ALL
           SELECT 'group:' || slug FROM groups WHERE id = ANY($2)"#,
        &member_ids,
        &group_ids
    )
    .fetch_all(pool)
    .await?;
    let mut query: Vec<String> = names.iter().map(|t| format!("to={t}")).collect();
    query.extend(outcome.map(str::to_string));
    Ok(format!("/conversations/new?{}", query.join("&")))
}
