//! The portal's server binary. See `server::run` for what it does.

// jemalloc gives memory back to the system after a burst (glibc kept 628 MB after
// 200 parallel password hashes; jemalloc 22 MB, mimalloc 34 MB: RELIABILITY.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
