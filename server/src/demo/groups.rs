//! The demo groups, each with two managers and about a fifth of the members.

use super::people::DemoMember;
use super::Error;
use app::backend::groups;
use app::domain::group::NewGroup;
use app::error::AppError;
use sqlx::PgPool;

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

/// Creates the groups as members do: the first manager creates it
/// (`groups::create`); the others join an open group, or are invited by the
/// manager and accept, as a closed group's members are; the second manager is
/// appointed by the first (`set_manager`).
pub(super) async fn create(
    pool: &PgPool,
    members: &[DemoMember],
    ids: &[i64],
) -> Result<(), Error> {
    for (g, (slug, name, description, open)) in GROUPS.iter().enumerate() {
        // Two managers and about a fifth of the members, different for each group.
        // Alice manages Marketing; Bob manages Developers.
        let first = match *slug {
            "marketing" => 0,
            "developers" => 1,
            _ => 30 + g * 7,
        };
        let second = 10 + g;
        let access = if *open { "open" } else { "closed" };
        let group = NewGroup::parse(name, slug, description, access).map_err(AppError::from)?;
        match groups::create(pool, ids[first], &group).await {
            // A group an interrupted earlier load made is completed.
            Ok(()) | Err(AppError::Invalid(_)) => {}
            Err(error) => return Err(error.into()),
        }
        let joining: Vec<usize> = (0..members.len())
            .filter(|i| *i == second || (i * 7 + g * 3) % 5 == 0)
            .filter(|i| *i != first)
            .collect();
        if !open {
            let invited: Vec<i64> = joining.iter().map(|i| ids[*i]).collect();
            groups::invite(pool, slug, ids[first], &invited).await?;
        }
        for i in &joining {
            groups::join(pool, slug, ids[*i]).await?;
        }
        groups::set_manager(pool, slug, ids[first], &members[second].handle, true).await?;
    }
    Ok(())
}
