//! Baton's server: the AWS Step Functions JSON 1.0 API (`POST /` dispatched on `X-Amz-Target`)
//! over the runtime, which drives executions through the engine and keeps them in the store.

pub mod api;
pub mod error;
pub mod integrations;
pub mod names;
pub mod runtime;

use crate::api::App;
use crate::runtime::{Runtime, RuntimeConfig};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use baton_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// Everything `baton serve` can be told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The account id in every ARN.
    pub account: String,
    /// The region in every ARN.
    pub region: String,
    /// How executions run.
    pub runtime: RuntimeConfig,
    /// The largest request body accepted, in bytes.
    pub max_request_bytes: usize,
    /// The largest execution input, in bytes (AWS: 256 KiB).
    pub max_payload_bytes: usize,
    /// The largest definition, in bytes (AWS: 1 MiB).
    pub max_definition_bytes: usize,
    /// How long GetActivityTask waits for a task, in milliseconds (AWS: 60 s).
    pub activity_poll_millis: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            account: "123456789012".to_owned(),
            region: "us-east-1".to_owned(),
            runtime: RuntimeConfig::default(),
            max_request_bytes: 4 * 1024 * 1024,
            max_payload_bytes: 256 * 1024,
            max_definition_bytes: 1024 * 1024,
            activity_poll_millis: 60_000,
        }
    }
}

/// Starts the runtime over `store`, resumes running executions and builds the HTTP router.
pub async fn build(
    store: Arc<dyn Store>,
    config: ServerConfig,
) -> std::io::Result<(Router, Arc<App>)> {
    let runtime = Runtime::start(Arc::clone(&store), config.runtime.clone())?;
    let app = App::load(runtime, store, config.clone())
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let resumed = app
        .runtime
        .recover()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if resumed > 0 {
        tracing::info!(resumed, "resumed running executions");
    }
    let router = Router::new()
        .route("/", post(handle))
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::clone(&app));
    Ok((router, app))
}

/// Serves `router` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds `address` (port 0 picks a free one) and returns the listener and its real address.
pub async fn bind(address: &str) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

async fn handle(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(body) = axum::body::to_bytes(body, app.config.max_request_bytes).await else {
        return error::ApiError::too_large().into_response();
    };
    match api::dispatch(&app, target, &body).await {
        Ok(text) => (
            StatusCode::OK,
            [("content-type", "application/x-amz-json-1.0")],
            text,
        )
            .into_response(),
        Err(error) => {
            if error.status.is_server_error() {
                tracing::error!(target, %error, "request failed");
            }
            error.into_response()
        }
    }
}
