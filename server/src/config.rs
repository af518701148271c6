//! Configuration from environment variables, each with a default that works
//! on a developer machine. The README lists them.

use crate::StartupError;
use app::state::Settings;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    pub public_url: String,
    pub site_root: String,
    pub trust_proxy: bool,
    pub session_days: i64,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Result<Self, StartupError> {
        let database_url = var("DATABASE_URL")
            .ok_or_else(|| StartupError::Config("DATABASE_URL is not set".into()))?;
        let addr: SocketAddr = var("PORTAL_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| StartupError::Config(format!("PORTAL_ADDR: {e}")))?;
        let public_url = var("PORTAL_PUBLIC_URL").unwrap_or_else(|| {
            let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
                "localhost".to_string()
            } else {
                addr.ip().to_string()
            };
            format!("http://{host}:{}", addr.port())
        });
        let session_days = var("PORTAL_SESSION_DAYS")
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|e| StartupError::Config(format!("PORTAL_SESSION_DAYS: {e}")))?
            .unwrap_or(30);
        Ok(Self {
            database_url,
            addr,
            public_url,
            site_root: var("PORTAL_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            trust_proxy: var("PORTAL_TRUST_PROXY").is_some_and(|v| v == "1" || v == "true"),
            session_days,
        })
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("app")
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }

    pub fn settings(&self) -> Settings {
        Settings {
            public_url: self.public_url.clone(),
            trust_proxy: self.trust_proxy,
            session_days: self.session_days,
        }
    }
}
