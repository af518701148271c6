//! The portal's server binary. See `server::run` for what it does.

// jemalloc gives memory back to the system after a burst (glibc kept 628 MB after
// 200 parallel password hashes; jemalloc 22 MB, mimalloc 34 MB: RELIABILITY.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", server::config::help());
        return std::process::ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--vapid-key") {
        // A new key for PORTAL_VAPID_PRIVATE_KEY (web push), and its public half.
        let key = server::pusher::new_vapid_key();
        println!("PORTAL_VAPID_PRIVATE_KEY={}", key.0);
        println!("# public key (browsers subscribe with it): {}", key.1);
        return std::process::ExitCode::SUCCESS;
    }
    if let Some(unknown) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "--demo" | "migrate"))
    {
        eprintln!("error: unknown argument {unknown:?}; see server --help");
        return std::process::ExitCode::from(2);
    }
    server::telemetry::init();
    match server::run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the portal stopped");
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
