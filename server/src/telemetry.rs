//! Logging: `RUST_LOG` filters (default: info for the portal, warn for the rest);
//! `PORTAL_LOG_FORMAT=json` writes one JSON object per line, for a log collector.
//! Every line logged while a request is handled carries its id (`router`).

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,server=info,app=info"));
    let json = std::env::var("PORTAL_LOG_FORMAT").is_ok_and(|v| v.trim() == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
}
