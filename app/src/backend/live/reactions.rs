//! The reactions of messages as a thread and a replay show them.

use crate::domain::conversation::reaction_rank;
use crate::error::AppError;
use crate::model::conversation::Reaction;
use std::collections::HashMap;

/// The reactions of each of `message_ids` that has any, in the order of
/// `REACTIONS`, each emoji's parties first reaction first.
pub async fn reactions_of<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<Reaction>>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT r.message_id, r.emoji,
                  CASE WHEN r.as_group_id IS NULL THEN 'member:' || r.member_id
                       ELSE 'group:' || r.as_group_id END AS "token!",
                  coalesce(g.name, m.display_name) AS "name!"
           FROM message_reactions r
           JOIN members m ON m.id = r.member_id
           LEFT JOIN groups g ON g.id = r.as_group_id
           WHERE r.message_id = ANY($1)
           ORDER BY r.message_id, r.created_at, r.party_key"#,
        message_ids
    )
    .fetch_all(executor)
    .await?;
    let mut out: HashMap<i64, Vec<Reaction>> = HashMap::new();
    for r in rows {
        let reactions = out.entry(r.message_id).or_default();
        match reactions.iter_mut().find(|x| x.emoji == r.emoji) {
            Some(reaction) => reaction.from.push((r.token, r.name)),
            None => reactions.push(Reaction {
                emoji: r.emoji,
                from: vec![(r.token, r.name)],
            }),
        }
    }
    for reactions in out.values_mut() {
        reactions.sort_by_key(|r| reaction_rank(&r.emoji));
    }
    Ok(out)
}
