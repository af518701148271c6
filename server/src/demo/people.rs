//! The demo members: the named accounts of the README and a grid of given and
//! family names from many cultures and scripts.

use super::{Error, DEMO_PASSWORD, MEMBER_COUNT};
use app::domain::account::Registration;
use app::domain::profile::ProfileEdit;
use app::error::AppError;
use sqlx::PgPool;

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

pub(super) struct DemoMember {
    pub display_name: String,
    pub handle: String,
    pub role: &'static str,
    pub bio: String,
}

pub(super) fn members() -> Vec<DemoMember> {
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

/// Registers the members as the registration form does (`members::create`) and
/// saves their bios as the profile form does (`edit_profile`); returns their ids
/// in order. A member an interrupted earlier load made is kept as it is.
pub(super) async fn create(
    pool: &PgPool,
    members: &[DemoMember],
    hash: &str,
) -> Result<Vec<i64>, Error> {
    let mut ids = Vec::with_capacity(members.len());
    for m in members {
        let email = format!("{}@example.org", m.handle);
        let registration = Registration::parse(&m.display_name, &m.handle, &email, DEMO_PASSWORD)
            .map_err(AppError::from)?;
        let id = match app::backend::members::create(pool, &registration, hash).await {
            Ok(id) => id,
            Err(AppError::Invalid(_)) => {
                sqlx::query_scalar!("SELECT id FROM members WHERE handle = $1", m.handle)
                    .fetch_one(pool)
                    .await?
            }
            Err(error) => return Err(error.into()),
        };
        if !m.bio.is_empty() {
            let edit =
                ProfileEdit::parse(&m.display_name, &m.handle, &m.bio).map_err(AppError::from)?;
            app::backend::members::edit_profile(pool, id, &edit).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}
