//! The portal's server binary. See `server::run` for what it does.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::telemetry::init();
    match server::run(std::env::args().skip(1).collect()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the portal stopped");
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
