//! The demo groups, each with two managers and about a fifth of the members.

use super::people::DemoMember;
use super::Error;
use sqlx::{Postgres, Transaction};

/// (slug, name, description, open)
pub(super) const GROUPS: &[(&str, &str, &str, bool)] = &[
    (
        "marketing",
        "Marketing",
        "Campaigns, content and growth for the Mautic project.",
        true,
    ),
    (
        "product",
        "Product",
        "Roadmap, user research and product decisions.",
        true,
    ),
    (
        "developers",
        "Developers",
        "Core and plugin development, code review and releases.",
        true,
    ),
    (
        "documentation",
        "Documentation",
        "The user and developer documentation.",
        true,
    ),
    (
        "translations",
        "Translations",
        "Bringing Mautic to every language.",
        true,
    ),
    (
        "events",
        "Community Events",
        "Meetups, conferences and Mautic days around the world.",
        true,
    ),
    (
        "security",
        "Security",
        "Responsible disclosure and security releases.",
        false,
    ),
    (
        "partners",
        "Partners",
        "Agencies and companies offering Mautic services.",
        true,
    ),
    (
        "education",
        "Education",
        "Training material, courses and certification.",
        true,
    ),
    (
        "design",
        "Design",
        "User experience, interface and brand.",
        true,
    ),
    (
        "release-team",
        "Release Team",
        "Planning and shipping Mautic releases.",
        false,
    ),
    (
        "newcomers",
        "Newcomers",
        "New to Mautic or the community? Start here and ask anything.",
        true,
    ),
];

pub(super) async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    members: &[DemoMember],
) -> Result<(), Error> {
    for (g, (slug, name, description, open)) in GROUPS.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO groups (slug, name, description, is_open) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug) DO NOTHING",
            slug,
            name,
            description,
            open
        )
        .execute(&mut **tx)
        .await?;
        // Two managers and about a fifth of the members, different for each group.
        // Alice manages Marketing; Bob manages Developers.
        let managers: Vec<&str> = match *slug {
            "marketing" => vec!["alice", members[10 + g].handle.as_str()],
            "developers" => vec!["bob", members[10 + g].handle.as_str()],
            _ => vec![
                members[10 + g].handle.as_str(),
                members[30 + g * 7].handle.as_str(),
            ],
        };
        let regular: Vec<String> = members
            .iter()
            .enumerate()
            .filter(|(i, _)| (i * 7 + g * 3) % 5 == 0)
            .map(|(_, m)| m.handle.clone())
            .filter(|h| !managers.contains(&h.as_str()))
            .collect();
        let managers: Vec<String> = managers.into_iter().map(String::from).collect();
        for (handles, role) in [(managers, "manager"), (regular, "member")] {
            sqlx::query!(
                // Members of long standing, as in a community that has been running.
                "INSERT INTO group_memberships (group_id, member_id, role, joined_at)
                 SELECT g.id, m.id, $3, now() - interval '90 days' FROM groups g, members m
                 WHERE g.slug = $1 AND m.handle = ANY($2)
                 ON CONFLICT DO NOTHING",
                slug,
                &handles,
                role
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
