//! The server: configuration, database pool and migrations, the HTTP router,
//! demo data and graceful shutdown. Request handling itself lives in `app`.

pub mod config;
pub mod demo;
pub mod housekeeping;
pub mod live;
pub mod mailer;
pub mod router;
pub mod telemetry;

use app::backend::state::AppState;
use config::Config;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::sync::Arc;

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
    let pool = connect(&config.database_url, 20).await?;
    MIGRATOR.run(&pool).await?;
    if args.iter().any(|a| a == "--demo") {
        demo::load(&pool)
            .await
            .map_err(|e| StartupError::Demo(e.to_string()))?;
    }
    if args.iter().any(|a| a == "migrate") {
        return Ok(());
    }
    let state = app_state(&config, pool.clone());
    let hub = start_background(&config, &pool)?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| StartupError::Bind(config.addr, e))?;
    tracing::info!(
        "listening on http://{} (public URL {})",
        config.addr,
        config.public_url
    );
    let closing = hub.clone();
    axum::serve(
        listener,
        router::router(state, hub).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Live streams never end on their own: end them so the server can stop.
        closing.close();
    })
    .await
    .map_err(StartupError::Serve)
}

/// Starts what runs beside the request handlers: the live listener, the email
/// worker (when SMTP is configured) and housekeeping. All stop when the hub closes.
pub fn start_background(config: &Config, pool: &PgPool) -> Result<Arc<live::Hub>, StartupError> {
    let hub = Arc::new(live::Hub::default());
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
