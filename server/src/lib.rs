//! The server: configuration, database pool and migrations, the HTTP router,
//! demo data and graceful shutdown. Request handling itself lives in `app`.

pub mod admission;
pub mod attachments;
pub mod avatars;
pub mod config;
pub mod demo;
pub mod export;
pub mod housekeeping;
pub mod inbound_mail;
pub mod installable;
pub mod live;
pub mod mailer;
pub mod metrics;
pub mod outbox_worker;
pub mod plain_forms;
pub mod pusher;
pub mod router;
pub mod serve;
pub mod telemetry;

use app::backend::state::AppState;
use config::Config;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Database connections per server process.
pub const POOL_SIZE: u32 = 20;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("could not connect to PostgreSQL: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("could not load demo data: {0}")]
    Demo(String),
    #[error("could not listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Runs the portal. Arguments: `--demo` loads the demo data after migrating;
/// `migrate` only applies migrations (and demo data with `--demo`) and exits.
pub async fn run(args: Vec<String>) -> Result<(), StartupError> {
    let config = Config::from_env()?;
    let unknown = config::unknown_settings();
    if !unknown.is_empty() {
        tracing::warn!(
            ?unknown,
            "these PORTAL_ variables are no setting of this server (see --help)"
        );
    }
    let _ = metrics::handle();
    if config.verify_email && config.smtp_url.is_none() {
        tracing::warn!(
            "PORTAL_VERIFY_EMAIL is on but PORTAL_SMTP_URL is not set: new members cannot confirm their email until it is"
        );
    }
    let pool = connect(&config.database_url, POOL_SIZE).await?;
    MIGRATOR.run(&pool).await?;
    let with_demo = args.iter().any(|a| a == "--demo");
    if with_demo {
        demo::load(&pool)
            .await
            .map_err(|e| StartupError::Demo(e.to_string()))?;
        tracing::warn!(
            "demo data: every demo account signs in with the published password {:?}; never let this portal face the internet",
            demo::DEMO_PASSWORD
        );
    } else if demo::published_password_in_use(&pool)
        .await
        .unwrap_or(false)
    {
        tracing::error!(
            "this database holds the demo accounts with their published password: anyone can sign in as the demo administrator. Use a database of its own for a real portal"
        );
    }
    if args.iter().any(|a| a == "migrate") {
        return Ok(());
    }
    let state = app_state(&config, pool.clone());
    let hub = start_background(&config, &pool)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartupError::Bind(config.addr, e))?;
    let file_limit = serve::raise_file_limit();
    let limits = config.serve_limits(file_limit, POOL_SIZE);
    tracing::info!(
        "listening on http://{} (public URL {}); open-file limit {file_limit}, at most {} connections",
        config.addr,
        config.public_url,
        limits.total
    );
    let closing = hub.clone();
    if let Some(addr) = config.inbound_smtp_addr {
        let inbound = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| StartupError::Bind(addr, e))?;
        tracing::info!("replies by email: SMTP on {addr}");
        start_inbound_mail(&config, &pool, inbound, &hub);
    }
    if let Some(addr) = config.metrics_addr {
        let metrics_listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| StartupError::Bind(addr, e))?;
        let sources = metrics::Sources {
            state: state.clone(),
            hub: hub.clone(),
            token: None,
        };
        let app = axum::Router::new()
            .route("/metrics", axum::routing::get(metrics::open_endpoint))
            .with_state(sources);
        tracing::info!("metrics on http://{addr}/metrics");
        let mut closing = hub.closing();
        tokio::spawn(async move {
            let _ = axum::serve(metrics_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = closing.changed().await;
                })
                .await;
        });
    }
    let live = live::Direct {
        pool: state.pool.clone(),
        hub: hub.clone(),
    };
    let router = router::router(state, hub, config.metrics_token.clone());
    serve::serve(listener, router, live, limits, async move {
        shutdown_signal().await;
        // Live streams never end on their own: end them so the server can stop.
        closing.close();
    })
    .await
    .map_err(StartupError::Serve)
}

/// The SMTP listener for replies by email, on `listener`, until the hub closes.
pub fn start_inbound_mail(
    config: &Config,
    pool: &PgPool,
    listener: tokio::net::TcpListener,
    hub: &live::Hub,
) {
    tokio::spawn(inbound_mail::run(
        listener,
        pool.clone(),
        Arc::new(config.settings()),
        inbound_mail::InboundLimits::default(),
        hub.closing(),
    ));
}

/// Starts what runs beside the request handlers: the live listener, the email
/// worker (when SMTP is configured) and housekeeping. All stop when the hub closes.
pub fn start_background(config: &Config, pool: &PgPool) -> Result<Arc<live::Hub>, StartupError> {
    let hub = Arc::new(live::Hub::with_limit(config.max_live_streams));
    tokio::spawn(live::listen(pool.clone(), hub.clone()));
    match config.mailer() {
        Some(mailer_config) => {
            let mailer = mailer::Mailer::new(mailer_config)
                .map_err(|e| StartupError::Config(e.to_string()))?;
            tokio::spawn(mailer.run(pool.clone(), hub.closing()));
        }
        None => {
            tracing::info!("PORTAL_SMTP_URL is not set: notification emails wait in the outbox")
        }
    }
    match config.pusher()? {
        Some(pusher_config) => {
            let pusher = pusher::Pusher::new(pusher_config)
                .map_err(|e| StartupError::Config(e.to_string()))?;
            tokio::spawn(pusher.run(pool.clone(), hub.closing()));
        }
        None => tracing::info!("PORTAL_VAPID_PRIVATE_KEY is not set: no web push"),
    }
    tokio::spawn(housekeeping::run(pool.clone()));
    Ok(hub)
}

pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(database_url)
        .await
}

pub fn app_state(config: &Config, pool: PgPool) -> AppState {
    AppState {
        leptos_options: config.leptos_options(),
        pool,
        settings: Arc::new(config.settings()),
        passwords: Arc::new(config.passwords()),
        typing: Arc::default(),
    }
}

/// Resolves on SIGTERM (what orchestrators send) or Ctrl-C; in-flight requests finish first.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
