//! `baton serve`: the AWS Step Functions API on 127.0.0.1:8083, durable in `./baton-data/`.
//! Every option can also come from an environment variable (`BATON_LISTEN`, …).

use baton_server::ServerConfig;
use baton_store::Store;
use baton_store::memory::MemoryStore;
use baton_store::sqlite::SqliteStore;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `baton serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BATON_LISTEN", default_value = "127.0.0.1:8083")]
    listen: String,
    /// Where the SQLite database lives.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "./baton-data")]
    data_dir: PathBuf,
    /// Keep everything in memory (throwaway test runs; nothing survives a restart).
    #[arg(long, env = "BATON_IN_MEMORY")]
    in_memory: bool,
    /// Account id in every ARN.
    #[arg(long, env = "BATON_ACCOUNT", default_value = "123456789012")]
    account: String,
    /// Region in every ARN.
    #[arg(long, env = "BATON_REGION", default_value = "us-east-1")]
    region: String,
    /// Multiplies Wait states, retry intervals and timeouts (0.01 makes a 100 s wait take 1 s).
    #[arg(long, env = "BATON_WAIT_TIME_SCALE", default_value_t = 1.0)]
    wait_time_scale: f64,
    /// The most events one execution history may hold.
    #[arg(long, env = "BATON_MAX_HISTORY_EVENTS", default_value_t = 25_000)]
    max_history_events: usize,
    /// The largest execution input or state payload, in bytes.
    #[arg(long, env = "BATON_MAX_PAYLOAD_BYTES", default_value_t = 256 * 1024)]
    max_payload_bytes: usize,
    /// The largest definition, in bytes.
    #[arg(long, env = "BATON_MAX_DEFINITION_BYTES", default_value_t = 1024 * 1024)]
    max_definition_bytes: usize,
    /// A Step Functions Local mock configuration: StartExecution on `stateMachineArn#TestCase`
    /// answers the test case's mocked states from it.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<PathBuf>,
    /// The Lambda Invoke API endpoint Task states call (`sam local start-lambda`, an emulator, a
    /// test server, or `https://lambda.<region>.amazonaws.com`: requests are SigV4-signed when
    /// AWS credentials are in the environment).
    #[arg(long, env = "AWS_ENDPOINT_URL_LAMBDA")]
    lambda_endpoint: Option<String>,
    /// EventBridge-style connections (API key, basic, OAuth client credentials) that HTTP Tasks
    /// name in `Authentication.ConnectionArn`: a JSON object from connection ARN to connection.
    #[arg(long, env = "BATON_CONNECTIONS")]
    connections: Option<PathBuf>,
    /// How long GetActivityTask waits for a task before answering with none, in milliseconds.
    #[arg(long, env = "BATON_ACTIVITY_POLL_MILLIS", default_value_t = 60_000)]
    activity_poll_millis: u64,
    /// Print the listening address as the first line of standard output (for scripts and tests).
    #[arg(long)]
    print_address: bool,
}

/// Runs `baton serve`.
pub fn run(args: &ServeArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BATON_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if !(args.wait_time_scale.is_finite() && args.wait_time_scale >= 0.0) {
        eprintln!("--wait-time-scale must be a number ≥ 0");
        return ExitCode::from(2);
    }
    let store: Arc<dyn Store> = if args.in_memory {
        Arc::new(MemoryStore::new())
    } else {
        match SqliteStore::open(&args.data_dir.join("baton.sqlite3")) {
            Ok(store) => Arc::new(store),
            Err(e) => {
                eprintln!("{}: cannot open the store: {e}", args.data_dir.display());
                return ExitCode::from(2);
            }
        }
    };
    let mut config = ServerConfig {
        account: args.account.clone(),
        region: args.region.clone(),
        max_payload_bytes: args.max_payload_bytes,
        max_definition_bytes: args.max_definition_bytes,
        activity_poll_millis: args.activity_poll_millis,
        ..ServerConfig::default()
    };
    config.runtime.wait_time_scale = args.wait_time_scale;
    config.runtime.max_history_events = args.max_history_events;
    if let Some(endpoint) = &args.lambda_endpoint {
        match baton_server::integrations::lambda::LambdaClient::new(
            endpoint,
            &args.account,
            &args.region,
        ) {
            Ok(client) => config.runtime.lambda = Some(client),
            Err(e) => {
                eprintln!("--lambda-endpoint {endpoint}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = &args.connections {
        match baton_server::integrations::http::Connections::load(path) {
            Ok(connections) => {
                config.runtime.http =
                    baton_server::integrations::http::HttpTaskClient::new(connections);
            }
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = &args.mock_config {
        match baton_server::integrations::mock::MockConfig::load(path) {
            Ok(mocks) => config.runtime.mocks = Some(Arc::new(mocks)),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    config.max_request_bytes = config
        .max_request_bytes
        .max(args.max_definition_bytes.saturating_mul(2))
        .max(args.max_payload_bytes.saturating_mul(2));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result: std::io::Result<()> = runtime.block_on(async {
        let (listener, address) = baton_server::bind(&args.listen).await?;
        let (router, app) = baton_server::build(store, config).await?;
        if args.print_address {
            println!("{address}");
        }
        tracing::info!(%address, "baton is serving the Step Functions API");
        baton_server::serve(listener, router, async move {
            shutdown_signal().await;
            app.begin_shutdown();
        })
        .await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baton serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
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
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
