//! Demo data: about 200 members with names from many cultures and scripts,
//! 12 groups with managers and members, a moderator and an administrator.
//!
//! Loading is idempotent: rows are keyed by handle and slug, so a second load
//! inserts nothing and changes nothing.

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use sqlx::PgPool;

/// The password of every demo account (listed in the README).
pub const DEMO_PASSWORD: &str = "portal-demo-pass";
pub const MEMBER_COUNT: usize = 210;

/// (display name, handle, role, bio) of the accounts the README names.
const NAMED: &[(&str, &str, &str, &str)] = &[
    (
        "Alice Martin",
        "alice",
        "member",
        "Marketing automation consultant in Lyon. Ask me about segments.",
    ),
    (
        "Bob Nakamura",
        "bob",
        "member",
        "Developer working on Mautic plugins; coffee-driven.",
    ),
    (
        "Ngozi Okafor",
        "ngozi",
        "moderator",
        "Community moderator. Here to keep conversations kind.",
    ),
    ("Lars Eriksson", "lars", "admin", "Portal administrator."),
    (
        "José Álvarez",
        "jose",
        "member",
        "Translator for the Spanish community. ¡Hola!",
    ),
];

/// Name pools: (given names, family names, family name first, joined without a space).
type Pool = (
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str)],
    bool,
    bool,
);

const POOLS: &[Pool] = &[
    (
        &[
            ("Charlotte", "charlotte"),
            ("Daniel", "daniel"),
            ("Emily", "emily"),
            ("George", "george"),
            ("Hannah", "hannah"),
            ("Samuel", "samuel"),
        ],
        &[
            ("Thompson", "thompson"),
            ("Walker", "walker"),
            ("Hughes", "hughes"),
            ("Bennett", "bennett"),
            ("Carter", "carter"),
        ],
        false,
        false,
    ),
    (
        &[
            ("María", "maria"),
            ("Lucía", "lucia"),
            ("Andrés", "andres"),
            ("João", "joao"),
            ("Inês", "ines"),
            ("Ramón", "ramon"),
        ],
        &[
            ("García", "garcia"),
            ("Fernández", "fernandez"),
            ("Muñoz", "munoz"),
            ("Gonçalves", "goncalves"),
            ("Peña", "pena"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Élodie", "elodie"),
            ("François", "francois"),
            ("Hélène", "helene"),
            ("Jérôme", "jerome"),
            ("Anaïs", "anais"),
        ],
        &[
            ("Lefèvre", "lefevre"),
            ("Dubois", "dubois"),
            ("Moreau", "moreau"),
            ("Gérard", "gerard"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Jürgen", "jurgen"),
            ("Zoë", "zoe"),
            ("Björn", "bjorn"),
            ("Søren", "soren"),
            ("Åsa", "asa"),
            ("Ørjan", "orjan"),
        ],
        &[
            ("Müller", "muller"),
            ("Schröder", "schroder"),
            ("Weiß", "weiss"),
            ("Sørensen", "sorensen"),
            ("Nyström", "nystrom"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Łukasz", "lukasz"),
            ("Małgorzata", "malgorzata"),
            ("Jiří", "jiri"),
            ("Tomáš", "tomas"),
            ("Şebnem", "sebnem"),
            ("Çağrı", "cagri"),
        ],
        &[
            ("Wiśniewski", "wisniewski"),
            ("Dvořák", "dvorak"),
            ("Kowalczyk", "kowalczyk"),
            ("Yılmaz", "yilmaz"),
            ("Öztürk", "ozturk"),
        ],
        false,
        false,
    ),
    (
        &[
            ("芳", "fang"),
            ("伟", "wei"),
            ("敏", "min"),
            ("静", "jing"),
            ("磊", "lei"),
            ("秀英", "xiuying"),
        ],
        &[
            ("王", "wang"),
            ("李", "li"),
            ("张", "zhang"),
            ("刘", "liu"),
            ("陈", "chen"),
        ],
        true,
        true,
    ),
    (
        &[
            ("花子", "hanako"),
            ("一郎", "ichiro"),
            ("美咲", "misaki"),
            ("健太", "kenta"),
            ("陽菜", "hina"),
        ],
        &[
            ("佐藤", "sato"),
            ("鈴木", "suzuki"),
            ("高橋", "takahashi"),
            ("田中", "tanaka"),
        ],
        true,
        false,
    ),
    (
        &[
            ("민준", "minjun"),
            ("서연", "seoyeon"),
            ("지훈", "jihoon"),
            ("하은", "haeun"),
        ],
        &[("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi")],
        true,
        true,
    ),
    (
        &[
            ("محمد", "mohammed"),
            ("فاطمة", "fatima"),
            ("ليلى", "layla"),
            ("عمر", "omar"),
            ("يوسف", "yusuf"),
            ("نور", "nour"),
        ],
        &[
            ("الأحمد", "alahmad"),
            ("حسن", "hassan"),
            ("خالد", "khalid"),
            ("منصور", "mansour"),
        ],
        false,
        false,
    ),
    (
        &[
            ("נועה", "noa"),
            ("דוד", "david"),
            ("מיכל", "michal"),
            ("יונתן", "yonatan"),
        ],
        &[
            ("כהן", "cohen"),
            ("לוי", "levi"),
            ("מזרחי", "mizrahi"),
            ("פרץ", "peretz"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Priya", "priya"),
            ("Arjun", "arjun"),
            ("Ananya", "ananya"),
            ("Rahul", "rahul"),
            ("प्रिया", "priya-d"),
        ],
        &[
            ("Sharma", "sharma"),
            ("Patel", "patel"),
            ("Iyer", "iyer"),
            ("Gupta", "gupta"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Kwame", "kwame"),
            ("Amina", "amina"),
            ("Thabo", "thabo"),
            ("Chidi", "chidi"),
            ("Wanjiru", "wanjiru"),
        ],
        &[
            ("Mensah", "mensah"),
            ("Diallo", "diallo"),
            ("Nkosi", "nkosi"),
            ("Eze", "eze"),
            ("Kamau", "kamau"),
        ],
        false,
        false,
    ),
    (
        &[
            ("Γιώργος", "giorgos"),
            ("Ελένη", "eleni"),
            ("Анна", "anna"),
            ("Дмитрий", "dmitry"),
            ("Ngọc", "ngoc"),
            ("Thảo", "thao"),
        ],
        &[
            ("Παπαδόπουλος", "papadopoulos"),
            ("Иванова", "ivanova"),
            ("Trần", "tran"),
            ("Nguyễn", "nguyen"),
        ],
        false,
        false,
    ),
];

const BIOS: &[&str] = &[
    "Email marketer who loves a clean segment.",
    "Runs campaigns for a non-profit; learning Mautic one workflow at a time.",
    "Mautic contributor: bug triage and documentation.",
    "Freelance developer building integrations.",
    "Community volunteer and meetup organiser.",
    "Designer. Cares about accessible emails.",
    "Works on lead scoring at a SaaS start-up.",
    "Translator and localisation fan.",
    "",
    "Product manager, marketing ops, occasional speaker.",
    "Teaches digital marketing at a university.",
    "Sysadmin keeping self-hosted Mautic instances happy.",
];

/// (slug, name, description, open)
const GROUPS: &[(&str, &str, &str, bool)] = &[
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

struct DemoMember {
    display_name: String,
    handle: String,
    role: &'static str,
    bio: String,
}

fn members() -> Vec<DemoMember> {
    let mut out: Vec<DemoMember> = NAMED
        .iter()
        .map(|(name, handle, role, bio)| DemoMember {
            display_name: name.to_string(),
            handle: handle.to_string(),
            role,
            bio: bio.to_string(),
        })
        .collect();
    let mut taken: std::collections::HashSet<String> =
        out.iter().map(|m| m.handle.clone()).collect();
    let mut round = 0usize;
    while out.len() < MEMBER_COUNT {
        for (given, family, family_first, joined) in POOLS {
            if out.len() >= MEMBER_COUNT {
                break;
            }
            // Walk the given × family grid diagonally so each round mixes names.
            let g = &given[round % given.len()];
            let f = &family[(round / given.len() + round) % family.len()];
            let display_name = match (family_first, joined) {
                (true, true) => format!("{}{}", f.0, g.0),
                (true, false) => format!("{} {}", f.0, g.0),
                _ => format!("{} {}", g.0, f.0),
            };
            let mut handle = format!("{}-{}", g.1, f.1);
            let mut n = 2;
            while taken.contains(&handle) {
                handle = format!("{}-{}{}", g.1, f.1, n);
                n += 1;
            }
            taken.insert(handle.clone());
            out.push(DemoMember {
                display_name,
                handle,
                role: "member",
                bio: BIOS[out.len() % BIOS.len()].to_string(),
            });
        }
        round += 1;
    }
    out
}

pub async fn load(pool: &PgPool) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let members = members();
    let already = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM members WHERE handle = ANY($1)"#,
        &members.iter().map(|m| m.handle.clone()).collect::<Vec<_>>()
    )
    .fetch_one(pool)
    .await?;
    if already as usize == members.len() {
        tracing::info!("demo data already loaded");
        return Ok(());
    }
    // One hash for every demo account: hashing 200 times would only slow the load.
    let hash = tokio::task::spawn_blocking(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| e.to_string())?;

    let mut tx = pool.begin().await?;
    for (i, m) in members.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO members (handle, display_name, email, password_hash, bio, role, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, now() - make_interval(days => $7))
             ON CONFLICT (handle) DO NOTHING",
            m.handle,
            m.display_name,
            format!("{}@example.org", m.handle),
            hash,
            m.bio,
            m.role,
            // At least a day old: new accounts have stricter sending limits.
            (1 + i * 3 % 900) as i32
        )
        .execute(&mut *tx)
        .await?;
    }
    for (g, (slug, name, description, open)) in GROUPS.iter().enumerate() {
        sqlx::query!(
            "INSERT INTO groups (slug, name, description, is_open) VALUES ($1, $2, $3, $4)
             ON CONFLICT (slug) DO NOTHING",
            slug,
            name,
            description,
            open
        )
        .execute(&mut *tx)
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
                "INSERT INTO group_memberships (group_id, member_id, role)
                 SELECT g.id, m.id, $3 FROM groups g, members m
                 WHERE g.slug = $1 AND m.handle = ANY($2)
                 ON CONFLICT DO NOTHING",
                slug,
                &handles,
                role
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    tracing::info!(
        members = members.len(),
        groups = GROUPS.len(),
        "demo data loaded"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_members_have_unique_valid_handles_and_names() {
        let members = members();
        assert_eq!(members.len(), MEMBER_COUNT);
        let mut handles: Vec<_> = members.iter().map(|m| m.handle.clone()).collect();
        handles.sort();
        handles.dedup();
        assert_eq!(handles.len(), MEMBER_COUNT);
        for m in &members {
            assert!(
                app::domain::account::Handle::parse(&m.handle).is_ok(),
                "{}",
                m.handle
            );
            assert!(
                app::domain::account::DisplayName::parse(&m.display_name).is_ok(),
                "{}",
                m.display_name
            );
        }
        for script in ["é", "王", "김", "محمد", "נועה"] {
            assert!(
                members.iter().any(|m| m.display_name.contains(script)),
                "no name with {script}"
            );
        }
    }
}
