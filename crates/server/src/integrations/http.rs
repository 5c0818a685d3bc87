//! AWS Step Functions' HTTP Task (`"Resource": "arn:aws:states:::http:invoke"`, see
//! [`is_http_resource`]): the request a Task's `Parameters` describe, authorized through an
//! EventBridge connection configured locally ([`Connections`]), and the mapping of the answer to
//! what the Task sees, as AWS documents it ("Call HTTPS APIs in Step Functions workflows",
//! <https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html>).
//!
//! Parameters: `ApiEndpoint` (required; `http://` or `https://`), `Method` (required:
//! `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `OPTIONS`, `HEAD`), `Authentication.ConnectionArn`
//! (also read from `InvocationConfig.ConnectionArn`; AWS requires one, here it may be left out
//! to call an endpoint without a connection), `Headers` (an object of strings; the headers AWS
//! reserves, such as `Host`, `Authorization` or `X-Amz-*`, are refused), `QueryParameters` (an
//! object; arrays and objects in it are encoded like a URL-encoded body, with `INDICES` unless
//! the body is URL-encoded with another `ArrayFormat`), `RequestBody` (any JSON: a string is sent
//! as is, anything else as JSON, `Content-Type: application/json` unless `Headers` give one) and
//! `Transform` (`RequestBodyEncoding` `NONE` | `URL_ENCODED`, `RequestEncodingOptions.ArrayFormat`
//! `INDICES` (the default) | `REPEAT` | `COMMAS` | `BRACKETS`): with `URL_ENCODED` an object body
//! is sent as `application/x-www-form-urlencoded` form data (`{"a": ["x", "y"]}` is
//! `a%5B0%5D=x&a%5B1%5D=y`, `a=x&a=y`, `a=x%2Cy` or `a%5B%5D=x&a%5B%5D=y`; nested objects as
//! `a%5Bb%5D=c`; every byte outside RFC 3986's unreserved set percent-encoded, spaces as `%20`).
//! `User-Agent` (`Amazon|StepFunctions|HttpInvoke|<region>`) and `Range` (`bytes=0-262144`) are
//! always sent, as observed from AWS.
//!
//! A connection adds its authorization (`API_KEY`: the `ApiKeyName` header; `BASIC`:
//! `Authorization: Basic …`; `OAUTH_CLIENT_CREDENTIALS`: `Authorization: Bearer <token>`, the
//! token fetched from the `AuthorizationEndpoint` and cached until `expires_in`, refreshed once
//! when the API answers 401 or 407, as EventBridge does) and its `InvocationHttpParameters`
//! (headers, query parameters, body keys), which take precedence over the Task's.
//!
//! The result is `{"Headers": {"<lower-case name>": ["<value>", …]}, "ResponseBody": <the body,
//! parsed when its content type is JSON, else the text>, "StatusCode": 200, "StatusText": "OK"}`.
//! Failures are `(error, cause)` pairs:
//! - a non-2xx answer: `States.Http.StatusCode.<code>`, the cause being the status text (AWS
//!   does not pass the response body on);
//! - no answer within 60 seconds, or no connection to the endpoint (a TLS handshake that fails,
//!   e.g. on an untrusted certificate, included): `States.Http.Socket`;
//! - an unknown `ConnectionArn`: `Events.ConnectionResource.ResourceNotFound`; an OAuth token
//!   that cannot be had: `Events.ConnectionResource.InvalidConnectionState`;
//! - a body over 256 KiB: `States.DataLimitExceeded`; a binary (`application/octet-stream`,
//!   `image/*`, `audio/*`, `video/*`) or non-UTF-8 answer, and `Parameters` that cannot describe a
//!   request: `States.Runtime`.
//!
//! Secrets (API key values, passwords, client secrets, secret parameter values, tokens) never
//! appear in results, causes, [`HttpError`]s or `Debug` output (an endpoint that echoes them
//! back in its own response body is beyond that). [`HttpTaskClient::run_task`] is cancel-safe:
//! dropping its future abandons the request.
//!
//! TLS: `https://` endpoints (API and OAuth token endpoints alike) are called with rustls (the
//! `ring` crypto provider), trusting Mozilla's root certificates (webpki-roots) and the
//! system's (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set, else the platform's store);
//! [`HttpTaskClient::with_roots`] trusts more. The same pooled client (`pooled_client`, also
//! the Lambda integration's) speaks plain HTTP and HTTPS.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use serde_json::{Map, Value};

/// The integration's resource, after `arn:<partition>:states:<region>:<account>:`.
const INVOKE: &str = "http:invoke";
/// How long one HTTP Task may take, token request included (AWS's hard limit).
const TASK_TIMEOUT: Duration = Duration::from_secs(60);
/// How long establishing a TCP connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body a Task accepts (the 256 KiB payload quota).
const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// The largest OAuth token response read.
const MAX_TOKEN_RESPONSE_BYTES: usize = 1024 * 1024;
/// The `Range` header AWS sends with every request.
const RANGE: &str = "bytes=0-262144";
/// The `User-Agent` AWS sends, before the region.
const USER_AGENT_PREFIX: &str = "Amazon|StepFunctions|HttpInvoke|";
/// A cached OAuth token is renewed this long before it expires.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(10);
/// The methods an HTTP Task may use.
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
/// The fields `Parameters` may have.
const PARAMETER_FIELDS: &[&str] = &[
    "ApiEndpoint",
    "Method",
    "Authentication",
    "InvocationConfig",
    "Headers",
    "QueryParameters",
    "RequestBody",
    "Transform",
];
/// Request headers a Task's `Headers` may not set (lower case).
const FORBIDDEN_HEADERS: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "authorization",
    "cache-control",
    "connection",
    "content-encoding",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];
/// Prefixes of request header names a Task's `Headers` may not use (lower case).
const FORBIDDEN_HEADER_PREFIXES: &[&str] = &["x-forwarded-", "x-amz-", "x-amzn-"];
/// Parameters that cannot describe a request (not catchable).
const RUNTIME: &str = "States.Runtime";
/// What Baton cannot do yet (catchable).
const TASK_FAILED: &str = "States.TaskFailed";
/// No answer in time, or no connection.
const SOCKET: &str = "States.Http.Socket";
/// A response over the payload quota.
const DATA_LIMIT: &str = "States.DataLimitExceeded";
/// A non-2xx answer, before the status code.
const STATUS_CODE_PREFIX: &str = "States.Http.StatusCode.";
/// A `ConnectionArn` that names no configured connection.
const CONNECTION_NOT_FOUND: &str = "Events.ConnectionResource.ResourceNotFound";
/// A connection that cannot be authorized (OAuth token request failed).
const CONNECTION_INVALID_STATE: &str = "Events.ConnectionResource.InvalidConnectionState";

/// Why a connections file (or, for [`HttpTaskClient::with_roots`], TLS) could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// TLS could not be set up (e.g. an extra root certificate is not a valid DER certificate).
    #[error("cannot set up TLS for the HTTP Task: {0}")]
    Tls(String),
    /// The file could not be read.
    #[error("cannot read the connections file '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not JSON.
    #[error("the connections are not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// The JSON is not an object of connections.
    #[error(
        "the connections must be a JSON object mapping connection ARNs to connections ({{\"arn:aws:events:…:connection/NAME/ID\": {{\"AuthorizationType\": …}}}})"
    )]
    NotAnObject,
    /// One connection is malformed (the reason never quotes a secret).
    #[error("invalid connection '{arn}': {reason}")]
    InvalidConnection {
        /// The connection's ARN (its key in the file).
        arn: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An error in a given file.
    #[error("in the connections file '{}': {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// The error.
        source: Box<HttpError>,
    },
}

/// EventBridge connections an HTTP Task names by `ConnectionArn`, configured locally: a JSON
/// object from connection ARN to a connection in `CreateConnection`'s shape (`AuthorizationType`
/// and `AuthParameters`) or flattened (`{"AuthorizationType": "API_KEY", "ApiKeyName": …,
/// "ApiKeyValue": …}`).
#[derive(Clone, Default)]
pub struct Connections {
    /// The connections by ARN.
    by_arn: HashMap<String, Connection>,
}

/// One EventBridge connection.
#[derive(Clone)]
struct Connection {
    /// The name in the ARN (`connection/NAME/ID`).
    name: String,
    /// The region in the ARN (the `User-Agent`'s).
    region: String,
    /// How requests are authorized.
    auth: Auth,
    /// `InvocationHttpParameters`: what every request gets.
    invocation: HttpParameters,
}

/// A connection's authorization.
#[derive(Clone)]
enum Auth {
    /// `API_KEY`: a header.
    ApiKey {
        /// `ApiKeyName`.
        name: HeaderName,
        /// `ApiKeyValue` (sensitive).
        value: HeaderValue,
    },
    /// `BASIC`: `Authorization: Basic base64(Username:Password)`.
    Basic {
        /// The whole header value (sensitive).
        value: HeaderValue,
    },
    /// `OAUTH_CLIENT_CREDENTIALS`: a bearer token from the authorization endpoint.
    OAuth(OAuth),
}

/// `OAuthParameters`.
#[derive(Clone)]
struct OAuth {
    /// `AuthorizationEndpoint`.
    endpoint: String,
    /// `HttpMethod` (`GET`, `POST` or `PUT`).
    method: Method,
    /// `ClientParameters.ClientID`.
    client_id: String,
    /// `ClientParameters.ClientSecret`.
    client_secret: String,
    /// `OAuthHttpParameters`: what the token request gets.
    parameters: HttpParameters,
}

/// `ConnectionHttpParameters`.
#[derive(Clone, Default)]
struct HttpParameters {
    /// `HeaderParameters` (values sensitive).
    headers: Vec<(HeaderName, HeaderValue)>,
    /// `QueryStringParameters`.
    query: Vec<(String, String)>,
    /// `BodyParameters`.
    body: Vec<(String, String)>,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut arns: Vec<&String> = self.by_arn.keys().collect();
        arns.sort();
        f.debug_map()
            .entries(arns.into_iter().filter_map(|arn| {
                let kind = match self.by_arn.get(arn)?.auth {
                    Auth::ApiKey { .. } => "API_KEY",
                    Auth::Basic { .. } => "BASIC",
                    Auth::OAuth(_) => "OAUTH_CLIENT_CREDENTIALS",
                };
                Some((arn, kind))
            }))
            .finish()
    }
}

impl Connections {
    /// Parses a connections file's text (see [`Connections`]).
    pub fn parse(text: &str) -> Result<Self, HttpError> {
        let doc: Value = serde_json::from_str(text).map_err(HttpError::Json)?;
        let Value::Object(entries) = doc else {
            return Err(HttpError::NotAnObject);
        };
        let mut by_arn = HashMap::new();
        for (arn, spec) in entries {
            let connection =
                parse_connection(&arn, &spec).map_err(|reason| HttpError::InvalidConnection {
                    arn: arn.clone(),
                    reason,
                })?;
            by_arn.insert(arn, connection);
        }
        Ok(Self { by_arn })
    }

    /// Reads and parses a connections file.
    pub fn load(path: &Path) -> Result<Self, HttpError> {
        let text = std::fs::read_to_string(path).map_err(|source| HttpError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|e| HttpError::InFile {
            path: path.to_owned(),
            source: Box::new(e),
        })
    }

    /// How many connections there are.
    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

/// `(region, name)` of `arn:<partition>:events:<region>:<account>:connection/<name>[/<id>]`.
fn parse_connection_arn(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", partition, "events", region, account, resource] = parts.as_slice() else {
        return None;
    };
    let name = resource.strip_prefix("connection/")?.split('/').next()?;
    let valid = !partition.is_empty() && !region.is_empty() && !account.is_empty();
    (valid && !name.is_empty()).then(|| ((*region).to_owned(), name.to_owned()))
}

/// Fails when `obj` has a key outside `allowed`.
fn check_keys(obj: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown field '{k}' in {what} (expected {})",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// The string field `key` of `obj`, if present.
fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<&'a str>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{what}.{key} must be a string")),
    }
}

/// The required string field `key` of `obj`.
fn req_str<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str, String> {
    opt_str(obj, key, what)?.ok_or_else(|| format!("{what}.{key} is required"))
}

/// The object field `key` of `obj`, if present.
fn opt_obj<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(format!("{what}.{key} must be an object")),
    }
}

/// One connection of the file.
fn parse_connection(arn: &str, spec: &Value) -> Result<Connection, String> {
    let (region, name) = parse_connection_arn(arn).ok_or_else(|| {
        "the key is not an EventBridge connection ARN (arn:<partition>:events:<region>:<account>:connection/<name>/<id>)"
            .to_owned()
    })?;
    let Value::Object(obj) = spec else {
        return Err("the connection must be a JSON object".to_owned());
    };
    let what = "the connection";
    let auth_type = req_str(obj, "AuthorizationType", what)?;
    let (auth_key, flat_fields): (&str, &[&str]) = match auth_type {
        "API_KEY" => ("ApiKeyAuthParameters", &["ApiKeyName", "ApiKeyValue"]),
        "BASIC" => ("BasicAuthParameters", &["Username", "Password"]),
        "OAUTH_CLIENT_CREDENTIALS" => (
            "OAuthParameters",
            &[
                "AuthorizationEndpoint",
                "HttpMethod",
                "ClientParameters",
                "ClientID",
                "ClientSecret",
                "OAuthHttpParameters",
            ],
        ),
        other => {
            return Err(format!(
                "unknown AuthorizationType '{other}' (expected API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS)"
            ));
        }
    };
    let common = ["AuthorizationType", "Name", "Description"];
    let (params, params_what, invocation) = match opt_obj(obj, "AuthParameters", what)? {
        Some(auth_parameters) => {
            check_keys(obj, &[&common[..], &["AuthParameters"]].concat(), what)?;
            check_keys(
                auth_parameters,
                &[auth_key, "InvocationHttpParameters"],
                &format!("AuthParameters (AuthorizationType {auth_type})"),
            )?;
            let params = opt_obj(auth_parameters, auth_key, "AuthParameters")?
                .ok_or_else(|| format!("AuthParameters.{auth_key} is required"))?;
            check_keys(params, flat_fields, &format!("AuthParameters.{auth_key}"))?;
            let invocation = opt_obj(
                auth_parameters,
                "InvocationHttpParameters",
                "AuthParameters",
            )?;
            (params, format!("AuthParameters.{auth_key}"), invocation)
        }
        None => {
            let allowed = [&common[..], flat_fields, &["InvocationHttpParameters"]].concat();
            check_keys(obj, &allowed, what)?;
            let invocation = opt_obj(obj, "InvocationHttpParameters", what)?;
            (obj, "the connection".to_owned(), invocation)
        }
    };
    let auth = parse_auth(auth_type, params, &params_what)?;
    let invocation = match invocation {
        Some(p) => parse_http_parameters(p, "InvocationHttpParameters")?,
        None => HttpParameters::default(),
    };
    Ok(Connection {
        name,
        region,
        auth,
        invocation,
    })
}

/// The authorization of type `auth_type` from its parameters `params`.
fn parse_auth(auth_type: &str, params: &Map<String, Value>, what: &str) -> Result<Auth, String> {
    match auth_type {
        "API_KEY" => {
            let name = req_str(params, "ApiKeyName", what)?;
            let value = req_str(params, "ApiKeyValue", what)?;
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                format!("{what}.ApiKeyName '{name}' is not a valid HTTP header name")
            })?;
            let value = sensitive_value(value)
                .ok_or_else(|| format!("{what}.ApiKeyValue is not a valid HTTP header value"))?;
            Ok(Auth::ApiKey { name, value })
        }
        "BASIC" => {
            let username = req_str(params, "Username", what)?;
            let password = req_str(params, "Password", what)?;
            let encoded = BASE64.encode(format!("{username}:{password}"));
            let value = sensitive_value(&format!("Basic {encoded}"))
                .ok_or_else(|| format!("{what}: the credentials cannot be sent"))?;
            Ok(Auth::Basic { value })
        }
        _ => {
            let endpoint = req_str(params, "AuthorizationEndpoint", what)?;
            let uri: Uri = endpoint.parse().map_err(|_| {
                format!("{what}.AuthorizationEndpoint '{endpoint}' is not a valid URL")
            })?;
            let scheme_ok = uri
                .scheme_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
            if !scheme_ok || uri.host().is_none_or(str::is_empty) {
                return Err(format!(
                    "{what}.AuthorizationEndpoint '{endpoint}' is not an absolute http(s):// URL"
                ));
            }
            let method = match opt_str(params, "HttpMethod", what)?.unwrap_or("POST") {
                "GET" => Method::GET,
                "POST" => Method::POST,
                "PUT" => Method::PUT,
                other => {
                    return Err(format!(
                        "{what}.HttpMethod '{other}' is not one of GET, POST, PUT"
                    ));
                }
            };
            let client = opt_obj(params, "ClientParameters", what)?;
            let (client_id, client_secret) = match client {
                Some(client) => {
                    let client_what = format!("{what}.ClientParameters");
                    check_keys(client, &["ClientID", "ClientSecret"], &client_what)?;
                    if params.contains_key("ClientID") || params.contains_key("ClientSecret") {
                        return Err(format!(
                            "{what}: give ClientID and ClientSecret either in ClientParameters or beside it, not both"
                        ));
                    }
                    (
                        req_str(client, "ClientID", &client_what)?,
                        req_str(client, "ClientSecret", &client_what)?,
                    )
                }
                None => (
                    req_str(params, "ClientID", what)?,
                    req_str(params, "ClientSecret", what)?,
                ),
            };
            let parameters = match opt_obj(params, "OAuthHttpParameters", what)? {
                Some(p) => parse_http_parameters(p, "OAuthHttpParameters")?,
                None => HttpParameters::default(),
            };
            Ok(Auth::OAuth(OAuth {
                endpoint: endpoint.to_owned(),
                method,
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
                parameters,
            }))
        }
    }
}

/// A header value marked sensitive, or `None` when `value` cannot be one.
fn sensitive_value(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_bytes(value.as_bytes()).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `ConnectionHttpParameters` (`HeaderParameters`, `QueryStringParameters`, `BodyParameters`).
fn parse_http_parameters(obj: &Map<String, Value>, what: &str) -> Result<HttpParameters, String> {
    check_keys(
        obj,
        &[
            "HeaderParameters",
            "QueryStringParameters",
            "BodyParameters",
        ],
        what,
    )?;
    let mut parameters = HttpParameters::default();
    for (key, value) in parameter_list(
        obj.get("HeaderParameters"),
        &format!("{what}.HeaderParameters"),
    )? {
        let name = HeaderName::from_bytes(key.as_bytes()).map_err(|_| {
            format!("{what}.HeaderParameters key '{key}' is not a valid HTTP header name")
        })?;
        let value = sensitive_value(&value).ok_or_else(|| {
            format!(
                "{what}.HeaderParameters '{key}' has a value that is not a valid HTTP header value"
            )
        })?;
        parameters.headers.push((name, value));
    }
    parameters.query = parameter_list(
        obj.get("QueryStringParameters"),
        &format!("{what}.QueryStringParameters"),
    )?;
    parameters.body = parameter_list(obj.get("BodyParameters"), &format!("{what}.BodyParameters"))?;
    Ok(parameters)
}

/// `[{"Key": k, "Value": v, "IsValueSecret": b}, …]` (or `{k: v, …}`) as pairs.
fn parameter_list(value: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, String> {
    let text = |v: &Value, key: &str| -> Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("{what}: the value of '{key}' must be a string")),
        }
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), text(v, k)?)))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let Value::Object(entry) = item else {
                    return Err(format!(
                        "{what}: each entry must be an object with Key and Value"
                    ));
                };
                check_keys(entry, &["Key", "Value", "IsValueSecret"], what)?;
                let key = req_str(entry, "Key", what)?;
                let value = entry
                    .get("Value")
                    .ok_or_else(|| format!("{what}: the entry '{key}' has no Value"))?;
                if !matches!(entry.get("IsValueSecret"), None | Some(Value::Bool(_))) {
                    return Err(format!(
                        "{what}: IsValueSecret of '{key}' must be a boolean"
                    ));
                }
                Ok((key.to_owned(), text(value, key)?))
            })
            .collect(),
        Some(_) => Err(format!(
            "{what} must be a list of {{\"Key\", \"Value\"}} objects"
        )),
    }
}

/// Whether `resource` is the HTTP Task's, `arn:<partition>:states:<region>:<account>:http:invoke`
/// (AWS documents no `.sync` or `.waitForTaskToken` variant).
pub fn is_http_resource(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "states", _region, _account, rest] => {
            !partition.is_empty() && *rest == INVOKE
        }
        _ => false,
    }
}

/// How `URL_ENCODED` data encodes arrays (`Transform.RequestEncodingOptions.ArrayFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArrayFormat {
    /// `a[0]=x&a[1]=y` (the default).
    Indices,
    /// `a=x&a=y`.
    Repeat,
    /// `a=x,y`.
    Commas,
    /// `a[]=x&a[]=y`.
    Brackets,
}

/// The request a Task's `Parameters` describe.
#[derive(Debug)]
struct Call {
    /// `ApiEndpoint` as given (quoted in causes).
    endpoint: String,
    /// `ApiEndpoint` parsed.
    uri: Uri,
    /// `Method`.
    method: Method,
    /// `Authentication.ConnectionArn`.
    connection_arn: Option<String>,
    /// `Headers`.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// `QueryParameters`, flattened.
    query: Vec<(String, String)>,
    /// `RequestBody` (`None` when absent or null).
    body: Option<Value>,
    /// `Transform.RequestBodyEncoding` is `URL_ENCODED`.
    url_encoded: bool,
    /// `Transform.RequestEncodingOptions.ArrayFormat`.
    array_format: ArrayFormat,
}

/// A received response, its body read.
#[derive(Debug)]
struct Answer {
    /// The status code.
    status: u16,
    /// The reason phrase.
    status_text: String,
    /// The headers.
    headers: header::HeaderMap,
    /// The body.
    body: Bytes,
}

/// A cached OAuth access token.
struct CachedToken {
    /// The token.
    token: String,
    /// When it must be renewed (`None`: only when the API refuses it).
    renew_at: Option<Instant>,
}

/// An HTTP Task client: a pooled HTTP/1.1 client (plain HTTP and HTTPS), the connections and an
/// OAuth token cache; cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpTaskClient {
    /// The shared state.
    inner: Arc<Inner>,
}

/// What the clones of one [`HttpTaskClient`] share.
struct Inner {
    /// The pooled HTTP/1 client, or why TLS could not be set up (then every Task fails).
    http: Result<PooledClient, String>,
    /// The connections.
    connections: Connections,
    /// OAuth access tokens by connection ARN.
    tokens: Mutex<HashMap<String, CachedToken>>,
    /// How long one Task may take.
    timeout: Duration,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Inner")
            .field("connections", &self.connections)
            .field("cached_tokens", &cached)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpTaskClient {
    /// A client that authorizes requests through `connections`.
    pub fn new(connections: Connections) -> Self {
        Self::with_timeout(connections, TASK_TIMEOUT)
    }

    /// A client that also trusts the DER-encoded root certificates `roots` for `https://` endpoints (e.g. a test server's self-signed certificate).
    pub fn with_roots(connections: Connections, roots: &[Vec<u8>]) -> Result<Self, HttpError> {
        let http =
            pooled_client(roots, CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT).map_err(HttpError::Tls)?;
        Ok(Self::from_parts(connections, TASK_TIMEOUT, Ok(http)))
    }

    /// A client whose Tasks time out after `timeout`.
    fn with_timeout(connections: Connections, timeout: Duration) -> Self {
        let http = pooled_client(&[], CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT);
        if let Err(reason) = &http {
            tracing::error!("HTTP Tasks will fail: cannot set up TLS: {reason}");
        }
        Self::from_parts(connections, timeout, http)
    }

    /// A client over `http`.
    fn from_parts(
        connections: Connections,
        timeout: Duration,
        http: Result<PooledClient, String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                connections,
                tokens: Mutex::new(HashMap::new()),
                timeout,
            }),
        }
    }

    /// The pooled client, or the Task failure saying why there is none.
    fn http(&self) -> Result<&PooledClient, (String, String)> {
        self.inner.http.as_ref().map_err(|reason| {
            (
                TASK_FAILED.to_owned(),
                format!(
                    "Baton's HTTP Task cannot make requests: TLS could not be set up: {reason}"
                ),
            )
        })
    }

    /// Runs one HTTP Task with the `Parameters` the engine gives; Ok(result) or Err((error, cause)).
    pub async fn run_task(&self, parameters: &Value) -> Result<Value, (String, String)> {
        let call = parse_call(parameters)?;
        let connection = match &call.connection_arn {
            Some(arn) => Some((arn.as_str(), self.connection(arn)?)),
            None => None,
        };
        match tokio::time::timeout(self.inner.timeout, self.invoke(&call, connection)).await {
            Ok(outcome) => outcome,
            Err(_) => Err((
                SOCKET.to_owned(),
                format!(
                    "The HTTP request to '{}' did not complete within {} seconds",
                    call.endpoint,
                    self.inner.timeout.as_secs_f64()
                ),
            )),
        }
    }

    /// The connection `arn` names.
    fn connection(&self, arn: &str) -> Result<&Connection, (String, String)> {
        self.inner.connections.by_arn.get(arn).ok_or_else(|| {
            let name = parse_connection_arn(arn).map_or_else(|| arn.to_owned(), |(_, name)| name);
            (
                CONNECTION_NOT_FOUND.to_owned(),
                format!(
                    "Failed to describe the connection(s). Connection '{name}' does not exist."
                ),
            )
        })
    }

    /// Sends the request (authorized, retried once with a new OAuth token when refused) and maps the answer.
    async fn invoke(
        &self,
        call: &Call,
        connection: Option<(&str, &Connection)>,
    ) -> Result<Value, (String, String)> {
        let mut renewed = false;
        loop {
            let token = match connection {
                Some((arn, c)) => match &c.auth {
                    Auth::OAuth(oauth) => Some(self.token(arn, c, oauth, renewed).await?),
                    Auth::ApiKey { .. } | Auth::Basic { .. } => None,
                },
                None => None,
            };
            let request = build_request(call, connection.map(|(_, c)| c), token.as_deref())?;
            let response = self.http()?.request(request).await.map_err(|e| {
                (
                    SOCKET.to_owned(),
                    format!(
                        "The HTTP request to '{}' failed: {}",
                        call.endpoint,
                        transport_text(&e)
                    ),
                )
            })?;
            let refused = matches!(response.status().as_u16(), 401 | 407);
            if let Some((arn, _)) = connection
                && token.is_some()
                && refused
                && !renewed
            {
                // EventBridge renews OAuth tokens when the API answers 401 or 407
                self.forget_token(arn);
                renewed = true;
                continue;
            }
            return map_response(call, response).await;
        }
    }

    /// The OAuth token of connection `arn`: the cached one unless `renew`, else a new one.
    async fn token(
        &self,
        arn: &str,
        connection: &Connection,
        oauth: &OAuth,
        renew: bool,
    ) -> Result<String, (String, String)> {
        if !renew {
            let tokens = self
                .inner
                .tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(cached) = tokens.get(arn)
                && cached.renew_at.is_none_or(|at| Instant::now() < at)
            {
                return Ok(cached.token.clone());
            }
        }
        let (token, expires_in) = self.fetch_token(connection, oauth).await?;
        let renew_at = expires_in.and_then(|secs| {
            Instant::now()
                .checked_add(Duration::from_secs(secs).saturating_sub(TOKEN_REFRESH_MARGIN))
        });
        let mut tokens = self
            .inner
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tokens.insert(
            arn.to_owned(),
            CachedToken {
                token: token.clone(),
                renew_at,
            },
        );
        Ok(token)
    }

    /// Drops the cached token of connection `arn`.
    fn forget_token(&self, arn: &str) {
        self.inner
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(arn);
    }

    /// Asks the authorization endpoint for a token (client credentials grant): `(access_token, expires_in)`.
    async fn fetch_token(
        &self,
        connection: &Connection,
        oauth: &OAuth,
    ) -> Result<(String, Option<u64>), (String, String)> {
        let shown = endpoint_without_query(&oauth.endpoint);
        let failed = |why: String| {
            (
                CONNECTION_INVALID_STATE.to_owned(),
                format!(
                    "The connection '{}' could not be authorized: the OAuth authorization endpoint '{shown}' {why}",
                    connection.name
                ),
            )
        };
        let mut form = vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".to_owned(), oauth.client_id.clone()),
            ("client_secret".to_owned(), oauth.client_secret.clone()),
        ];
        override_pairs(&mut form, &oauth.parameters.body);
        let mut query = oauth.parameters.query.clone();
        let body = if oauth.method == Method::GET {
            override_pairs(&mut query, &form);
            Bytes::new()
        } else {
            Bytes::from(encode_pairs(&form))
        };
        let url = append_query(&oauth.endpoint, &encode_pairs(&query));
        let uri: Uri = url
            .parse()
            .map_err(|_| failed("is not a valid URL".to_owned()))?;
        let mut builder = Request::builder().method(oauth.method.clone()).uri(uri);
        if oauth.method != Method::GET {
            builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        builder = builder
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, user_agent(&connection.region));
        let mut request = builder
            .body(Full::new(body))
            .map_err(|_| failed("cannot be called".to_owned()))?;
        for (name, value) in &oauth.parameters.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let response = self
            .http()?
            .request(request)
            .await
            .map_err(|e| failed(format!("could not be reached: {}", transport_text(&e))))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!(
                "answered {} {}",
                status.as_u16(),
                status_text(&response)
            )));
        }
        let body = Limited::new(response.into_body(), MAX_TOKEN_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| {
                failed(format!(
                    "answered with an unreadable body: {}",
                    error_chain(&*e)
                ))
            })?
            .to_bytes();
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|_| failed("answered with a body that is not JSON".to_owned()))?;
        let token = match doc.get("access_token") {
            Some(Value::String(t)) if !t.is_empty() => t.clone(),
            _ => return Err(failed("answered without an access_token".to_owned())),
        };
        let expires_in = match doc.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok((token, expires_in))
    }
}

/// The request `Parameters` describe, or the `States.Runtime` failure saying why there is none.
fn parse_call(parameters: &Value) -> Result<Call, (String, String)> {
    let invalid = |problem: String| {
        let text = serde_json::to_string(parameters).unwrap_or_default();
        (
            RUNTIME.to_owned(),
            format!("The Parameters '{text}' could not be used to start the Task: [{problem}]"),
        )
    };
    let Some(fields) = parameters.as_object() else {
        return Err(invalid("The Parameters must be a JSON object".to_owned()));
    };
    if let Some(field) = fields
        .keys()
        .find(|k| !PARAMETER_FIELDS.contains(&k.as_str()))
    {
        return Err(invalid(format!(
            "The field '{field}' is not supported by the HTTP Task (expected {})",
            PARAMETER_FIELDS.join(", ")
        )));
    }
    let string = |field: &str| -> Result<Option<&str>, (String, String)> {
        match fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(format!(
                "The value for the field '{field}' must be a STRING"
            ))),
        }
    };
    let object = |field: &str| -> Result<Option<&Map<String, Value>>, (String, String)> {
        match fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(invalid(format!(
                "The value for the field '{field}' must be an OBJECT"
            ))),
        }
    };

    let Some(endpoint) = string("ApiEndpoint")? else {
        return Err(invalid(
            "The field 'ApiEndpoint' is required but was missing".to_owned(),
        ));
    };
    let uri = parse_endpoint(endpoint).map_err(|why| {
        invalid(format!(
            "The ApiEndpoint '{endpoint}' is not a valid URL: {why}"
        ))
    })?;

    let Some(method) = string("Method")? else {
        return Err(invalid(
            "The field 'Method' is required but was missing".to_owned(),
        ));
    };
    if !METHODS.contains(&method) {
        return Err(invalid(format!(
            "The value '{method}' for the field 'Method' is not one of {}",
            METHODS.join(", ")
        )));
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| invalid(format!("The method '{method}' is not valid")))?;

    let mut connection_arn = None;
    for field in ["Authentication", "InvocationConfig"] {
        let Some(config) = object(field)? else {
            continue;
        };
        if let Some(extra) = config.keys().find(|k| k.as_str() != "ConnectionArn") {
            return Err(invalid(format!(
                "The field '{field}.{extra}' is not supported (expected {field}.ConnectionArn)"
            )));
        }
        match config.get("ConnectionArn") {
            Some(Value::String(arn)) if !arn.is_empty() => {
                if connection_arn.as_ref().is_some_and(|a| a != arn) {
                    return Err(invalid(
                        "Authentication.ConnectionArn and InvocationConfig.ConnectionArn name different connections"
                            .to_owned(),
                    ));
                }
                connection_arn = Some(arn.clone());
            }
            None => {
                return Err(invalid(format!(
                    "The field '{field}.ConnectionArn' is required but was missing"
                )));
            }
            Some(_) => {
                return Err(invalid(format!(
                    "The value for the field '{field}.ConnectionArn' must be a non-empty STRING"
                )));
            }
        }
    }

    let mut headers = Vec::new();
    for (name, value) in object("Headers")?.into_iter().flatten() {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(invalid(format!(
                    "The value of the header '{name}' must be a STRING"
                )));
            }
        };
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("'{name}' is not a valid HTTP header name")))?;
        let lower = header_name.as_str();
        if FORBIDDEN_HEADERS.contains(&lower)
            || FORBIDDEN_HEADER_PREFIXES
                .iter()
                .any(|p| lower.starts_with(p))
        {
            return Err(invalid(format!(
                "The header '{name}' cannot be set by an HTTP Task (authorization belongs in the connection)"
            )));
        }
        if header_name == header::CONTENT_LENGTH {
            continue; // computed from the body
        }
        let header_value = HeaderValue::from_bytes(text.as_bytes()).map_err(|_| {
            invalid(format!(
                "The value of the header '{name}' is not a valid HTTP header value"
            ))
        })?;
        headers.retain(|(n, _): &(HeaderName, HeaderValue)| *n != header_name);
        headers.push((header_name, header_value));
    }

    let mut url_encoded = false;
    let mut array_format = ArrayFormat::Indices;
    if let Some(transform) = object("Transform")? {
        if let Some(extra) = transform
            .keys()
            .find(|k| !matches!(k.as_str(), "RequestBodyEncoding" | "RequestEncodingOptions"))
        {
            return Err(invalid(format!(
                "The field 'Transform.{extra}' is not supported (expected RequestBodyEncoding, RequestEncodingOptions)"
            )));
        }
        url_encoded = match transform.get("RequestBodyEncoding") {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) if s == "NONE" => false,
            Some(Value::String(s)) if s == "URL_ENCODED" => true,
            Some(other) => {
                return Err(invalid(format!(
                    "The value {other} for the field 'Transform.RequestBodyEncoding' is not one of NONE, URL_ENCODED"
                )));
            }
        };
        match transform.get("RequestEncodingOptions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(options)) => {
                if let Some(extra) = options.keys().find(|k| k.as_str() != "ArrayFormat") {
                    return Err(invalid(format!(
                        "The field 'Transform.RequestEncodingOptions.{extra}' is not supported (expected ArrayFormat)"
                    )));
                }
                array_format = match options.get("ArrayFormat") {
                    None | Some(Value::Null) => ArrayFormat::Indices,
                    Some(Value::String(s)) => match s.as_str() {
                        "INDICES" => ArrayFormat::Indices,
                        "REPEAT" => ArrayFormat::Repeat,
                        "COMMAS" => ArrayFormat::Commas,
                        "BRACKETS" => ArrayFormat::Brackets,
                        other => {
                            return Err(invalid(format!(
                                "The value '{other}' for the field 'Transform.RequestEncodingOptions.ArrayFormat' is not one of INDICES, REPEAT, COMMAS, BRACKETS"
                            )));
                        }
                    },
                    Some(_) => {
                        return Err(invalid(
                            "The value for the field 'Transform.RequestEncodingOptions.ArrayFormat' must be a STRING"
                                .to_owned(),
                        ));
                    }
                };
            }
            Some(_) => {
                return Err(invalid(
                    "The value for the field 'Transform.RequestEncodingOptions' must be an OBJECT"
                        .to_owned(),
                ));
            }
        }
    }

    let query_format = if url_encoded {
        array_format
    } else {
        ArrayFormat::Indices
    };
    let query = object("QueryParameters")?
        .map(|q| form_pairs(q, query_format))
        .unwrap_or_default();

    let body = match fields.get("RequestBody") {
        None | Some(Value::Null) => None,
        Some(body) => Some(body.clone()),
    };
    if url_encoded && !matches!(body, None | Some(Value::Object(_)) | Some(Value::String(_))) {
        return Err(invalid(
            "With Transform.RequestBodyEncoding URL_ENCODED, the RequestBody must be a JSON object"
                .to_owned(),
        ));
    }

    Ok(Call {
        endpoint: endpoint.to_owned(),
        uri,
        method,
        connection_arn,
        headers,
        query,
        body,
        url_encoded,
        array_format,
    })
}

/// The `http://` or `https://` `host[:port][/path][?query]` URL `endpoint`, or why it is none.
fn parse_endpoint(endpoint: &str) -> Result<Uri, String> {
    let uri: Uri = endpoint
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {}
        Some(s) => return Err(format!("the scheme '{s}' is not http or https")),
        None => return Err("not an absolute URL (expected https://host/path)".to_owned()),
    }
    let Some(authority) = uri.authority() else {
        return Err("no host".to_owned());
    };
    if authority.host().is_empty() {
        return Err("no host".to_owned());
    }
    if authority.as_str().contains('@') {
        return Err("user information is not supported".to_owned());
    }
    Ok(uri)
}

/// The pooled HTTP/1.1 client of the HTTP Task and the Lambda integration: `http://` over plain
/// TCP and `https://` over TLS through the same pool.
pub(crate) type PooledClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A [`PooledClient`] trusting the default roots ([`default_tls_config`]) and the DER-encoded
/// certificates `extra_roots`, or why TLS cannot be set up.
pub(crate) fn pooled_client(
    extra_roots: &[Vec<u8>],
    connect_timeout: Duration,
    idle_timeout: Duration,
) -> Result<PooledClient, String> {
    let tls = if extra_roots.is_empty() {
        default_tls_config()?
    } else {
        let mut roots = default_roots();
        for (i, der) in extra_roots.iter().enumerate() {
            roots
                .add(CertificateDer::from(der.as_slice()))
                .map_err(|e| format!("extra root certificate #{} is not usable: {e}", i + 1))?;
        }
        tls_config(roots)?
    };
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(connect_timeout));
    connector.enforce_http(false);
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(idle_timeout)
        .build(connector))
}

/// The TLS client configuration trusting [`default_roots`], built once per process (loading the
/// system's certificates takes a while).
fn default_tls_config() -> Result<ClientConfig, String> {
    static CONFIG: OnceLock<Result<ClientConfig, String>> = OnceLock::new();
    CONFIG.get_or_init(|| tls_config(default_roots())).clone()
}

/// Mozilla's root certificates (webpki-roots) and the system's (`SSL_CERT_FILE` /
/// `SSL_CERT_DIR` when set, else the platform's store; unreadable ones are skipped).
fn default_roots() -> RootCertStore {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::debug!("skipping system root certificates: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(
        "trusting {added} system root certificates ({ignored} unparsable ones skipped)"
    );
    roots
}

/// A TLS client configuration over the `ring` crypto provider (TLS 1.2 and 1.3) trusting `roots`.
fn tls_config(roots: RootCertStore) -> Result<ClientConfig, String> {
    Ok(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The `User-Agent` AWS sends, for `region`.
fn user_agent(region: &str) -> String {
    format!("{USER_AGENT_PREFIX}{region}")
}

/// The HTTP request for `call`, with the connection's parameters and authorization.
fn build_request(
    call: &Call,
    connection: Option<&Connection>,
    token: Option<&str>,
) -> Result<Request<Full<Bytes>>, (String, String)> {
    let runtime = |problem: &str| {
        (
            RUNTIME.to_owned(),
            format!(
                "The HTTP request to '{}' cannot be built: {problem}",
                call.endpoint
            ),
        )
    };
    let empty = HttpParameters::default();
    let params = connection.map_or(&empty, |c| &c.invocation);

    let mut headers = call.headers.clone();
    let mut put = |name: HeaderName, value: HeaderValue| {
        headers.retain(|(n, _)| *n != name);
        headers.push((name, value));
    };
    for (name, value) in &params.headers {
        put(name.clone(), value.clone());
    }
    match connection.map(|c| &c.auth) {
        Some(Auth::ApiKey { name, value }) => put(name.clone(), value.clone()),
        Some(Auth::Basic { value }) => put(header::AUTHORIZATION, value.clone()),
        Some(Auth::OAuth(_)) => {
            let value = token
                .and_then(|t| sensitive_value(&format!("Bearer {t}")))
                .ok_or_else(|| runtime("the OAuth access token cannot be sent in a header"))?;
            put(header::AUTHORIZATION, value);
        }
        None => {}
    }
    let region = connection.map_or("local", |c| c.region.as_str());
    let fixed = [
        (
            header::USER_AGENT,
            HeaderValue::from_str(&user_agent(region)).ok(),
        ),
        (header::RANGE, Some(HeaderValue::from_static(RANGE))),
    ];
    for (name, value) in fixed {
        if let Some(value) = value {
            put(name, value);
        }
    }

    let mut query = call.query.clone();
    override_pairs(&mut query, &params.query);

    let mut body = call.body.clone();
    if !params.body.is_empty() {
        let mut merged = match body {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(runtime(
                    "the connection has body parameters, which can only be merged into a RequestBody that is a JSON object",
                ));
            }
        };
        for (key, value) in &params.body {
            merged.insert(key.clone(), Value::String(value.clone()));
        }
        body = Some(Value::Object(merged));
    }
    let (bytes, content_type) = match &body {
        None => (Bytes::new(), None),
        Some(Value::String(s)) if call.url_encoded => (
            Bytes::from(s.clone()),
            Some("application/x-www-form-urlencoded"),
        ),
        Some(Value::Object(m)) if call.url_encoded => (
            Bytes::from(encode_pairs(&form_pairs(m, call.array_format))),
            Some("application/x-www-form-urlencoded"),
        ),
        Some(Value::String(s)) => (Bytes::from(s.clone()), Some("application/json")),
        Some(other) => (
            Bytes::from(serde_json::to_vec(other).map_err(|e| runtime(&e.to_string()))?),
            Some("application/json"),
        ),
    };
    if let Some(content_type) = content_type
        && !headers.iter().any(|(n, _)| *n == header::CONTENT_TYPE)
    {
        headers.push((header::CONTENT_TYPE, HeaderValue::from_static(content_type)));
    }

    let url = append_query(&call.uri.to_string(), &encode_pairs(&query));
    let uri: Uri = url
        .parse()
        .map_err(|_| runtime("the query parameters do not make a valid URL"))?;
    let mut request = Request::builder()
        .method(call.method.clone())
        .uri(uri)
        .body(Full::new(bytes))
        .map_err(|e| runtime(&e.to_string()))?;
    for (name, value) in headers {
        request.headers_mut().append(name, value);
    }
    Ok(request)
}

/// Replaces the pairs of `pairs` whose key one of `overrides` has, and adds `overrides`.
fn override_pairs(pairs: &mut Vec<(String, String)>, overrides: &[(String, String)]) {
    pairs.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
    pairs.extend(overrides.iter().cloned());
}

/// `url` with `query` (already encoded) appended.
fn append_query(url: &str, query: &str) -> String {
    if query.is_empty() {
        return url.to_owned();
    }
    let separator = match url.find('?') {
        None => "?",
        Some(i) if i + 1 == url.len() || url.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{url}{separator}{query}")
}

/// `endpoint` without its query string (which may hold secrets).
fn endpoint_without_query(endpoint: &str) -> &str {
    endpoint.split(['?', '#']).next().unwrap_or(endpoint)
}

/// The form/query pairs of an object, arrays and nested objects flattened as `format` says.
fn form_pairs(object: &Map<String, Value>, format: ArrayFormat) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (key, value) in object {
        flatten(key.clone(), value, format, &mut pairs);
    }
    pairs
}

/// Adds the pairs of `value` under `key` to `out`.
fn flatten(key: String, value: &Value, format: ArrayFormat, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(format!("{key}[{k}]"), v, format, out);
            }
        }
        Value::Array(items) => {
            let scalars = items
                .iter()
                .all(|i| !matches!(i, Value::Array(_) | Value::Object(_)));
            if format == ArrayFormat::Commas && scalars {
                if !items.is_empty() {
                    let joined: Vec<String> = items.iter().map(scalar_text).collect();
                    out.push((key, joined.join(",")));
                }
                return;
            }
            for (i, item) in items.iter().enumerate() {
                let item_key = match format {
                    // COMMAS cannot join nested values: those keep their indices
                    ArrayFormat::Indices | ArrayFormat::Commas => format!("{key}[{i}]"),
                    ArrayFormat::Brackets => format!("{key}[]"),
                    ArrayFormat::Repeat => key.clone(),
                };
                flatten(item_key, item, format, out);
            }
        }
        scalar => out.push((key, scalar_text(scalar))),
    }
}

/// A scalar's text in form data (`null` is empty).
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `k=v&…`, each key and value percent-encoded.
fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `s` with every byte outside RFC 3986's unreserved set percent-encoded.
pub(super) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A response's reason phrase: the one received, else the status code's canonical one.
fn status_text<B>(response: &Response<B>) -> String {
    match response.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
        None => response
            .status()
            .canonical_reason()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The Task outcome for a response.
async fn map_response(
    call: &Call,
    response: Response<hyper::body::Incoming>,
) -> Result<Value, (String, String)> {
    let status = response.status().as_u16();
    let status_text = status_text(&response);
    if !(200..300).contains(&status) {
        return Err((format!("{STATUS_CODE_PREFIX}{status}"), status_text));
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase());
    let media_type = content_type
        .as_deref()
        .and_then(|t| t.split(';').next())
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if media_type == "application/octet-stream"
        || ["image/", "audio/", "video/"]
            .iter()
            .any(|p| media_type.starts_with(p))
    {
        return Err((
            RUNTIME.to_owned(),
            format!(
                "The HTTP Task does not support the response content type '{media_type}' (from '{}')",
                call.endpoint
            ),
        ));
    }
    let (parts, incoming) = response.into_parts();
    let body = match Limited::new(incoming, MAX_RESPONSE_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err((
                DATA_LIMIT.to_owned(),
                format!(
                    "The response from '{}' is larger than the {MAX_RESPONSE_BYTES}-byte payload quota",
                    call.endpoint
                ),
            ));
        }
        Err(e) => {
            return Err((
                SOCKET.to_owned(),
                format!(
                    "The response from '{}' could not be read: {}",
                    call.endpoint,
                    error_chain(&*e)
                ),
            ));
        }
    };
    let answer = Answer {
        status,
        status_text,
        headers: parts.headers,
        body,
    };
    task_result(call, &answer, &media_type)
}

/// `{"Headers", "ResponseBody", "StatusCode", "StatusText"}` for a 2xx answer.
fn task_result(call: &Call, answer: &Answer, media_type: &str) -> Result<Value, (String, String)> {
    let Ok(text) = std::str::from_utf8(&answer.body) else {
        return Err((
            RUNTIME.to_owned(),
            format!(
                "The response body from '{}' is not valid UTF-8 text",
                call.endpoint
            ),
        ));
    };
    let mut headers = Map::new();
    for name in answer.headers.keys() {
        let values = answer
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::Array(values));
    }
    let is_json = media_type == "application/json" || media_type.ends_with("+json");
    let response_body = if is_json {
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
    } else {
        Value::String(text.to_owned())
    };
    let mut result = Map::new();
    result.insert("Headers".to_owned(), Value::Object(headers));
    result.insert("ResponseBody".to_owned(), response_body);
    result.insert("StatusCode".to_owned(), Value::from(answer.status));
    result.insert(
        "StatusText".to_owned(),
        Value::String(answer.status_text.clone()),
    );
    Ok(Value::Object(result))
}

/// A transport error's text: the deepest cause for connection failures, else the chain.
fn transport_text(e: &hyper_util::client::legacy::Error) -> String {
    if e.is_connect() {
        format!("unable to connect: {}", innermost(e))
    } else {
        error_chain(e)
    }
}

/// An error and its sources, joined with `": "`.
pub(super) fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The text of an error's deepest source.
pub(super) fn innermost(e: &(dyn StdError + 'static)) -> String {
    let mut last = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use hyper::body::Incoming;
    use hyper_util::rt::TokioIo;
    use serde_json::json;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const API_KEY_ARN: &str = "arn:aws:events:eu-west-1:123456789012:connection/key/0001";
    const BASIC_ARN: &str = "arn:aws:events:eu-west-1:123456789012:connection/basic/0002";
    const OAUTH_ARN: &str = "arn:aws:events:eu-west-1:123456789012:connection/oauth/0003";
    const API_KEY_SECRET: &str = "sEcReT-api-key-value";
    const PASSWORD: &str = "sEcReT-password";
    const CLIENT_SECRET: &str = "sEcReT-client-secret";
    const PARAM_SECRET: &str = "sEcReT-param-value";
    /// Every secret a test configures, and the tokens the test token endpoint hands out.
    const SECRETS: &[&str] = &[
        API_KEY_SECRET,
        PASSWORD,
        CLIENT_SECRET,
        PARAM_SECRET,
        "tok-",
    ];

    /// A request the test server received.
    #[derive(Debug, Clone)]
    pub(crate) struct Recorded {
        pub(crate) method: String,
        pub(crate) path: String,
        pub(crate) query: String,
        pub(crate) headers: Vec<(String, String)>,
        pub(crate) body: String,
    }

    impl Recorded {
        /// The values of header `name`.
        pub(crate) fn header(&self, name: &str) -> Vec<String> {
            self.headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .collect()
        }
    }

    /// What the test server answers.
    pub(crate) struct Reply {
        pub(crate) status: u16,
        pub(crate) reason: Option<&'static str>,
        pub(crate) headers: Vec<(&'static str, String)>,
        pub(crate) body: Vec<u8>,
        pub(crate) hang: bool,
    }

    impl Reply {
        pub(crate) fn json(status: u16, body: Value) -> Self {
            Self {
                status,
                reason: None,
                headers: vec![("content-type", "application/json".to_owned())],
                body: body.to_string().into_bytes(),
                hang: false,
            }
        }

        pub(crate) fn text(status: u16, content_type: &str, body: &[u8]) -> Self {
            Self {
                status,
                reason: None,
                headers: vec![("content-type", content_type.to_owned())],
                body: body.to_vec(),
                hang: false,
            }
        }
    }

    type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

    /// A self-signed certificate for `127.0.0.1` and `localhost`, made at test time, and a TLS
    /// server configuration presenting it.
    pub(crate) struct TestCert {
        /// The certificate (DER), to trust as a root.
        pub(crate) der: Vec<u8>,
        /// The server side.
        config: Arc<rustls::ServerConfig>,
    }

    impl TestCert {
        pub(crate) fn new() -> Self {
            let rcgen::CertifiedKey { cert, signing_key } =
                rcgen::generate_simple_self_signed(vec![
                    "127.0.0.1".to_owned(),
                    "localhost".to_owned(),
                ])
                .unwrap();
            let der = cert.der().to_vec();
            let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
                rustls::pki_types::PrivatePkcs8KeyDer::from(signing_key.serialize_der()),
            );
            let config = rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(der.clone())], key)
            .unwrap();
            Self {
                der,
                config: Arc::new(config),
            }
        }
    }

    /// An in-process HTTP/1.1 server on 127.0.0.1 (plain or TLS) that records what it receives.
    pub(crate) struct TestServer {
        base: String,
        requests: Arc<Mutex<Vec<Recorded>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// Serves one connection with `handler`, recording its requests.
    async fn serve_connection<S>(stream: S, handler: Handler, recorded: Arc<Mutex<Vec<Recorded>>>)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let handler = handler.clone();
            let recorded = recorded.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                let request = Recorded {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_owned(),
                    query: parts.uri.query().unwrap_or_default().to_owned(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                        .collect(),
                    body: String::from_utf8(body.to_vec()).unwrap(),
                };
                recorded.lock().unwrap().push(request.clone());
                let reply = handler(&request);
                if reply.hang {
                    std::future::pending::<()>().await;
                }
                let mut response = Response::new(Full::new(Bytes::from(reply.body)));
                *response.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap();
                for (name, value) in reply.headers {
                    response
                        .headers_mut()
                        .append(name, HeaderValue::from_str(&value).unwrap());
                }
                if let Some(reason) = reply.reason {
                    response
                        .extensions_mut()
                        .insert(hyper::ext::ReasonPhrase::try_from(reason.as_bytes()).unwrap());
                }
                Ok::<_, Infallible>(response)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    }

    impl TestServer {
        /// A plain `http://` server.
        pub(crate) async fn start(
            handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
        ) -> Self {
            Self::serve(None, handler).await
        }

        /// An `https://` server presenting `cert`.
        pub(crate) async fn start_tls(
            cert: &TestCert,
            handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
        ) -> Self {
            Self::serve(Some(cert.config.clone()), handler).await
        }

        async fn serve(
            tls: Option<Arc<rustls::ServerConfig>>,
            handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
        ) -> Self {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let scheme = if tls.is_some() { "https" } else { "http" };
            let base = format!("{scheme}://{}", listener.local_addr().unwrap());
            let requests = Arc::new(Mutex::new(Vec::new()));
            let handler: Handler = Arc::new(handler);
            let recorded = requests.clone();
            let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let handler = handler.clone();
                    let recorded = recorded.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        match acceptor {
                            // a failed handshake (e.g. the client refused the certificate)
                            // just closes the connection
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    serve_connection(stream, handler, recorded).await;
                                }
                            }
                            None => serve_connection(stream, handler, recorded).await,
                        }
                    });
                }
            });
            Self {
                base,
                requests,
                task,
            }
        }

        pub(crate) fn requests(&self) -> Vec<Recorded> {
            self.requests.lock().unwrap().clone()
        }

        pub(crate) fn last(&self) -> Recorded {
            self.requests().pop().expect("no request received")
        }

        pub(crate) fn url(&self, path: &str) -> String {
            format!("{}{path}", self.base)
        }
    }

    /// A server answering `{"ok": true}` to everything.
    async fn ok_server() -> TestServer {
        TestServer::start(|_| Reply::json(200, json!({"ok": true}))).await
    }

    /// The three kinds of connection; the OAuth one gets tokens from `token_url`.
    fn connections(token_url: &str) -> Connections {
        let text = json!({
            API_KEY_ARN: {
                "AuthorizationType": "API_KEY",
                "AuthParameters": {
                    "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": API_KEY_SECRET},
                    "InvocationHttpParameters": {
                        "HeaderParameters": [
                            {"Key": "x-conn-header", "Value": "conn", "IsValueSecret": false},
                            {"Key": "x-task-header", "Value": "from-connection"}
                        ],
                        "QueryStringParameters": [
                            {"Key": "conn_q", "Value": PARAM_SECRET, "IsValueSecret": true},
                            {"Key": "shared", "Value": "connection"}
                        ],
                        "BodyParameters": [
                            {"Key": "conn_b", "Value": "cb", "IsValueSecret": false},
                            {"Key": "name", "Value": "connection"}
                        ]
                    }
                }
            },
            BASIC_ARN: {"AuthorizationType": "BASIC", "Username": "alice", "Password": PASSWORD},
            OAUTH_ARN: {
                "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
                "AuthParameters": {
                    "OAuthParameters": {
                        "AuthorizationEndpoint": token_url,
                        "HttpMethod": "POST",
                        "ClientParameters": {"ClientID": "client-1", "ClientSecret": CLIENT_SECRET},
                        "OAuthHttpParameters": {
                            "HeaderParameters": [{"Key": "x-oauth", "Value": "token-request"}],
                            "QueryStringParameters": [{"Key": "audience", "Value": "api"}],
                            "BodyParameters": [{"Key": "scope", "Value": "read write"}]
                        }
                    }
                }
            }
        });
        Connections::parse(&text.to_string()).unwrap()
    }

    /// A server handing out `tok-N` tokens on `/token` (expiring after `expires_in`, when given)
    /// and answering `{"ok": true}` elsewhere; `/refuse-first` answers 401 to the first request.
    async fn oauth_server(expires_in: Option<u64>) -> (TestServer, Arc<AtomicUsize>) {
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        let refused = AtomicUsize::new(0);
        let server = TestServer::start(move |req| {
            if req.path == "/token" {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                let mut token = json!({"access_token": format!("tok-{n}"), "token_type": "Bearer"});
                if let Some(e) = expires_in {
                    token["expires_in"] = json!(e);
                }
                return Reply::json(200, token);
            }
            if req.path == "/refuse-first" && refused.fetch_add(1, Ordering::SeqCst) == 0 {
                return Reply::json(401, json!({"message": "expired"}));
            }
            Reply::json(200, json!({"ok": true}))
        })
        .await;
        (server, issued)
    }

    fn client(connections: Connections) -> HttpTaskClient {
        HttpTaskClient::new(connections)
    }

    /// Fails unless no configured secret appears in `text`.
    fn assert_no_secret(text: &str) {
        for secret in SECRETS {
            assert!(!text.contains(secret), "secret {secret:?} leaked in {text}");
        }
    }

    /// The outcome as text (result or `error: cause`), checked for secrets.
    fn checked(outcome: &Result<Value, (String, String)>) -> String {
        let text = match outcome {
            Ok(v) => v.to_string(),
            Err((e, c)) => format!("{e}: {c}"),
        };
        assert_no_secret(&text);
        text
    }

    fn err(outcome: Result<Value, (String, String)>) -> (String, String) {
        checked(&outcome);
        outcome.expect_err("the task succeeded")
    }

    fn ok(outcome: Result<Value, (String, String)>) -> Value {
        checked(&outcome);
        outcome.unwrap()
    }

    #[test]
    fn recognizes_the_http_resource() {
        for yes in [
            "arn:aws:states:::http:invoke",
            "arn:aws-cn:states:::http:invoke",
            "arn:aws:states:us-east-1:123456789012:http:invoke",
        ] {
            assert!(is_http_resource(yes), "{yes}");
        }
        for no in [
            "arn:aws:states:::http:invoke.waitForTaskToken",
            "arn:aws:states:::http:invoke.sync",
            "arn:aws:states:::lambda:invoke",
            "arn::states:::http:invoke",
            "arn:aws:lambda:::http:invoke",
            "http:invoke",
            "",
        ] {
            assert!(!is_http_resource(no), "{no}");
        }
    }

    #[test]
    fn parses_connections_in_both_shapes() {
        let text = json!({
            "arn:aws:events:us-east-1:123456789012:connection/a/1":
                {"AuthorizationType": "API_KEY", "ApiKeyName": "x-api-key", "ApiKeyValue": "v"},
            "arn:aws:events:us-east-1:123456789012:connection/b/2": {
                "AuthorizationType": "BASIC",
                "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}
            },
            "arn:aws:events:us-east-1:123456789012:connection/c/3": {
                "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
                "AuthorizationEndpoint": "http://127.0.0.1:1/token",
                "ClientID": "id",
                "ClientSecret": "s",
                "OAuthHttpParameters": {"BodyParameters": {"scope": "x"}},
                "InvocationHttpParameters": {"HeaderParameters": {"x-h": "v"}}
            }
        });
        let connections = Connections::parse(&text.to_string()).unwrap();
        assert_eq!(connections.len(), 3);
        let debug = format!("{connections:?}");
        assert!(debug.contains("connection/a/1\": \"API_KEY\""), "{debug}");
        assert!(debug.contains("OAUTH_CLIENT_CREDENTIALS"), "{debug}");
        assert!(Connections::default().is_empty());
        assert!(Connections::parse("{}").unwrap().is_empty());
    }

    #[test]
    fn rejects_malformed_connections_without_quoting_secrets() {
        let arn = "arn:aws:events:us-east-1:123456789012:connection/a/1";
        let cases = [
            (
                json!({"arn:aws:sqs:us-east-1:1:q": {"AuthorizationType": "BASIC"}}),
                "not an EventBridge connection ARN",
            ),
            (
                json!({arn: {"AuthorizationType": "DIGEST"}}),
                "unknown AuthorizationType 'DIGEST'",
            ),
            (
                json!({arn: {"AuthorizationType": "API_KEY", "ApiKeyName": "k"}}),
                "ApiKeyValue is required",
            ),
            (
                json!({arn: {"AuthorizationType": "BASIC", "Username": "u", "Password": PASSWORD, "Pasword": "x"}}),
                "unknown field 'Pasword'",
            ),
            (
                json!({arn: {"AuthorizationType": "API_KEY", "ApiKeyName": "bad name", "ApiKeyValue": API_KEY_SECRET}}),
                "not a valid HTTP header name",
            ),
            (
                json!({arn: {"AuthorizationType": "API_KEY", "ApiKeyName": "k", "ApiKeyValue": format!("{API_KEY_SECRET}\n")}}),
                "ApiKeyValue is not a valid HTTP header value",
            ),
            (
                json!({arn: {"AuthorizationType": "BASIC", "AuthParameters": {"ApiKeyAuthParameters": {}}}}),
                "unknown field 'ApiKeyAuthParameters'",
            ),
            (
                json!({arn: {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthorizationEndpoint": "ftp://x/", "ClientID": "i", "ClientSecret": CLIENT_SECRET}}),
                "not an absolute http(s):// URL",
            ),
            (
                json!({arn: {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthorizationEndpoint": "http://x/", "HttpMethod": "PATCH", "ClientID": "i", "ClientSecret": CLIENT_SECRET}}),
                "HttpMethod 'PATCH'",
            ),
            (
                json!({arn: {"AuthorizationType": "API_KEY", "ApiKeyName": "k", "ApiKeyValue": "v", "InvocationHttpParameters": {"HeaderParameters": [{"Key": "x", "Value": format!("{PARAM_SECRET}\r")}]}}}),
                "not a valid HTTP header value",
            ),
            (json!({arn: "API_KEY"}), "must be a JSON object"),
        ];
        for (doc, expected) in cases {
            let e = Connections::parse(&doc.to_string()).expect_err(expected);
            let text = e.to_string();
            assert!(matches!(e, HttpError::InvalidConnection { .. }), "{text}");
            assert!(text.contains(expected), "{text} should contain {expected}");
            assert_no_secret(&text);
        }
        assert!(matches!(
            Connections::parse("[]"),
            Err(HttpError::NotAnObject)
        ));
        assert!(matches!(Connections::parse("{"), Err(HttpError::Json(_))));
    }

    #[test]
    fn loads_connection_files() {
        let path = std::env::temp_dir().join(format!(
            "baton-http-connections-{}.json",
            std::process::id()
        ));
        std::fs::write(
            &path,
            json!({API_KEY_ARN: {"AuthorizationType": "API_KEY", "ApiKeyName": "k", "ApiKeyValue": API_KEY_SECRET}}).to_string(),
        )
        .unwrap();
        let loaded = Connections::load(&path).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_no_secret(&format!("{loaded:?}"));
        std::fs::write(&path, "[1]").unwrap();
        let e = Connections::load(&path).unwrap_err();
        assert!(e.to_string().contains(&*path.to_string_lossy()), "{e}");
        std::fs::remove_file(&path).unwrap();
        let e = Connections::load(&path).unwrap_err();
        assert!(matches!(e, HttpError::Read { .. }), "{e}");
    }

    #[tokio::test]
    async fn get_returns_headers_body_status_and_text() {
        let server = TestServer::start(|_| {
            let mut reply = Reply::json(200, json!({"items": [1, 2], "name": "x"}));
            reply.headers.push(("x-multi", "a".to_owned()));
            reply.headers.push(("x-multi", "b".to_owned()));
            reply
        })
        .await;
        let result = ok(client(Connections::default())
            .run_task(&json!({"ApiEndpoint": server.url("/things?fixed=1"), "Method": "GET"}))
            .await);
        let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["Headers", "ResponseBody", "StatusCode", "StatusText"]
        );
        assert_eq!(
            result["ResponseBody"],
            json!({"items": [1, 2], "name": "x"})
        );
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(result["StatusText"], "OK");
        assert_eq!(
            result["Headers"]["content-type"],
            json!(["application/json"])
        );
        assert_eq!(result["Headers"]["x-multi"], json!(["a", "b"]));
        assert!(result["Headers"]["content-length"].is_array());

        let req = server.last();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/things");
        assert_eq!(req.query, "fixed=1");
        assert_eq!(req.body, "");
        assert_eq!(
            req.header("user-agent"),
            ["Amazon|StepFunctions|HttpInvoke|local"]
        );
        assert_eq!(req.header("range"), ["bytes=0-262144"]);
        assert!(req.header("content-type").is_empty());
        assert!(req.header("authorization").is_empty());
    }

    #[tokio::test]
    async fn text_bodies_stay_strings_and_reason_phrases_are_kept() {
        let server = TestServer::start(|req| match req.path.as_str() {
            "/text" => Reply::text(200, "text/plain; charset=utf-8", b"{\"not\": \"parsed\"}"),
            "/bad-json" => Reply::text(200, "application/json", b"{oops"),
            "/problem" => Reply::text(200, "application/problem+json", b"{\"a\":1}"),
            _ => {
                let mut reply = Reply::text(201, "text/plain", b"made");
                reply.reason = Some("Made It");
                reply
            }
        })
        .await;
        let c = client(Connections::default());
        let run = |path: &str| {
            let params = json!({"ApiEndpoint": server.url(path), "Method": "POST"});
            let c = c.clone();
            async move { ok(c.run_task(&params).await) }
        };
        assert_eq!(run("/text").await["ResponseBody"], "{\"not\": \"parsed\"}");
        assert_eq!(run("/bad-json").await["ResponseBody"], "{oops");
        assert_eq!(run("/problem").await["ResponseBody"], json!({"a": 1}));
        let made = run("/made").await;
        assert_eq!(made["StatusCode"], 201);
        assert_eq!(made["StatusText"], "Made It");
        assert_eq!(made["ResponseBody"], "made");
    }

    #[tokio::test]
    async fn sends_every_method() {
        let server = ok_server().await;
        let c = client(Connections::default());
        for method in METHODS {
            let result = c
                .run_task(&json!({"ApiEndpoint": server.url("/m"), "Method": method}))
                .await;
            let result = ok(result);
            assert_eq!(result["StatusCode"], 200, "{method}");
            assert_eq!(server.last().method, *method);
        }
        assert_eq!(server.requests().len(), METHODS.len());
    }

    #[tokio::test]
    async fn json_bodies() {
        let server = ok_server().await;
        let c = client(Connections::default());
        let body = json!({"b": 1, "a": [true, null, 1.5], "s": "x y"});
        ok(c.run_task(&json!({"ApiEndpoint": server.url("/j"), "Method": "POST", "RequestBody": body.clone()})).await);
        let req = server.last();
        assert_eq!(req.header("content-type"), ["application/json"]);
        assert_eq!(req.body, r#"{"b":1,"a":[true,null,1.5],"s":"x y"}"#);
        assert_eq!(req.header("content-length"), [req.body.len().to_string()]);

        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/j"), "Method": "PUT",
            "Headers": {"Content-Type": "application/vnd.x+json", "X-Custom": "1", "Content-Length": "999"},
            "RequestBody": [1, 2]
        })).await);
        let req = server.last();
        assert_eq!(req.header("content-type"), ["application/vnd.x+json"]);
        assert_eq!(req.header("x-custom"), ["1"]);
        assert_eq!(req.header("content-length"), ["5"]);
        assert_eq!(req.body, "[1,2]");

        ok(c.run_task(
            &json!({"ApiEndpoint": server.url("/j"), "Method": "POST", "RequestBody": "<raw/>"}),
        )
        .await);
        assert_eq!(server.last().body, "<raw/>");
    }

    #[tokio::test]
    async fn url_encoded_bodies_with_every_array_format() {
        let server = ok_server().await;
        let c = client(Connections::default());
        let body = json!({"array": ["a", "b c"], "n": 1, "obj": {"k": "v", "t": true}, "nil": null, "e": []});
        let cases = [
            (
                None,
                "array%5B0%5D=a&array%5B1%5D=b%20c&n=1&obj%5Bk%5D=v&obj%5Bt%5D=true&nil=",
            ),
            (
                Some("INDICES"),
                "array%5B0%5D=a&array%5B1%5D=b%20c&n=1&obj%5Bk%5D=v&obj%5Bt%5D=true&nil=",
            ),
            (
                Some("REPEAT"),
                "array=a&array=b%20c&n=1&obj%5Bk%5D=v&obj%5Bt%5D=true&nil=",
            ),
            (
                Some("COMMAS"),
                "array=a%2Cb%20c&n=1&obj%5Bk%5D=v&obj%5Bt%5D=true&nil=",
            ),
            (
                Some("BRACKETS"),
                "array%5B%5D=a&array%5B%5D=b%20c&n=1&obj%5Bk%5D=v&obj%5Bt%5D=true&nil=",
            ),
        ];
        for (format, expected) in cases {
            let mut transform = json!({"RequestBodyEncoding": "URL_ENCODED"});
            if let Some(f) = format {
                transform["RequestEncodingOptions"] = json!({"ArrayFormat": f});
            }
            ok(c.run_task(&json!({
                "ApiEndpoint": server.url("/form"), "Method": "POST",
                "RequestBody": body.clone(), "Transform": transform
            }))
            .await);
            let req = server.last();
            assert_eq!(req.body, expected, "{format:?}");
            assert_eq!(
                req.header("content-type"),
                ["application/x-www-form-urlencoded"]
            );
        }
        // nested arrays of objects keep indices even with COMMAS
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/form"), "Method": "POST",
            "Headers": {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            "RequestBody": {"l": [{"a": 1}, {"a": 2}]},
            "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "COMMAS"}}
        })).await);
        let req = server.last();
        assert_eq!(req.body, "l%5B0%5D%5Ba%5D=1&l%5B1%5D%5Ba%5D=2");
        assert_eq!(
            req.header("content-type"),
            ["application/x-www-form-urlencoded; charset=utf-8"]
        );
        // NONE sends JSON
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/form"), "Method": "POST", "RequestBody": {"a": [1]},
            "Transform": {"RequestBodyEncoding": "NONE"}
        }))
        .await);
        assert_eq!(server.last().body, r#"{"a":[1]}"#);
    }

    #[tokio::test]
    async fn query_parameters() {
        let server = ok_server().await;
        let c = client(Connections::default());
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/q?x=0"), "Method": "GET",
            "QueryParameters": {"s": "a b&c", "n": 2, "l": ["p", "q"], "o": {"k": "v"}, "ü": "é"}
        }))
        .await);
        assert_eq!(
            server.last().query,
            "x=0&s=a%20b%26c&n=2&l%5B0%5D=p&l%5B1%5D=q&o%5Bk%5D=v&%C3%BC=%C3%A9"
        );
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/q"), "Method": "POST",
            "QueryParameters": {"l": ["p", "q"]},
            "RequestBody": {"b": 1},
            "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "REPEAT"}}
        })).await);
        let req = server.last();
        assert_eq!(req.query, "l=p&l=q");
        assert_eq!(req.body, "b=1");
    }

    #[tokio::test]
    async fn api_key_connection_adds_its_key_and_parameters() {
        let server = ok_server().await;
        let c = client(connections("http://127.0.0.1:1/token"));
        let result = ok(c
            .run_task(&json!({
                "ApiEndpoint": server.url("/k"), "Method": "POST",
                "Authentication": {"ConnectionArn": API_KEY_ARN},
                "Headers": {"x-task-header": "from-task", "x-task-only": "t"},
                "QueryParameters": {"shared": "task", "task_q": "t"},
                "RequestBody": {"name": "task", "task_b": 1}
            }))
            .await);
        assert_eq!(result["ResponseBody"], json!({"ok": true}));
        let req = server.last();
        assert_eq!(req.header("x-api-key"), [API_KEY_SECRET]);
        assert_eq!(req.header("x-conn-header"), ["conn"]);
        assert_eq!(req.header("x-task-header"), ["from-connection"]);
        assert_eq!(req.header("x-task-only"), ["t"]);
        assert_eq!(
            req.header("user-agent"),
            ["Amazon|StepFunctions|HttpInvoke|eu-west-1"]
        );
        assert_eq!(
            req.query,
            format!("task_q=t&conn_q={PARAM_SECRET}&shared=connection")
        );
        assert_eq!(
            req.body,
            r#"{"name":"connection","task_b":1,"conn_b":"cb"}"#
        );

        // InvocationConfig names the connection too; a body with no RequestBody is the connection's
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/k"), "Method": "POST",
            "InvocationConfig": {"ConnectionArn": API_KEY_ARN}
        }))
        .await);
        assert_eq!(server.last().body, r#"{"conn_b":"cb","name":"connection"}"#);

        // connection body parameters cannot merge into a non-object body
        let (error, cause) = err(c
            .run_task(&json!({
                "ApiEndpoint": server.url("/k"), "Method": "POST",
                "Authentication": {"ConnectionArn": API_KEY_ARN}, "RequestBody": "text"
            }))
            .await);
        assert_eq!(error, "States.Runtime");
        assert!(cause.contains("body parameters"), "{cause}");
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn basic_connection_sends_basic_authorization() {
        let server = ok_server().await;
        let c = client(connections("http://127.0.0.1:1/token"));
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/b"), "Method": "GET",
            "Authentication": {"ConnectionArn": BASIC_ARN}
        }))
        .await);
        let expected = format!("Basic {}", BASE64.encode(format!("alice:{PASSWORD}")));
        assert_eq!(server.last().header("authorization"), [expected]);
    }

    #[tokio::test]
    async fn oauth_connection_fetches_caches_and_renews_tokens() {
        let (server, issued) = oauth_server(Some(3600)).await;
        let c = client(connections(&server.url("/token")));
        let params = json!({
            "ApiEndpoint": server.url("/api"), "Method": "GET",
            "Authentication": {"ConnectionArn": OAUTH_ARN}
        });
        ok(c.run_task(&params).await);
        ok(c.clone().run_task(&params).await);
        assert_eq!(issued.load(Ordering::SeqCst), 1, "the token is cached");

        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        let token_request = &requests[0];
        assert_eq!(token_request.method, "POST");
        assert_eq!(token_request.path, "/token");
        assert_eq!(token_request.query, "audience=api");
        assert_eq!(
            token_request.body,
            format!(
                "grant_type=client_credentials&client_id=client-1&client_secret={CLIENT_SECRET}&scope=read%20write"
            )
        );
        assert_eq!(
            token_request.header("content-type"),
            ["application/x-www-form-urlencoded"]
        );
        assert_eq!(token_request.header("x-oauth"), ["token-request"]);
        assert!(token_request.header("authorization").is_empty());
        for api_request in &requests[1..] {
            assert_eq!(api_request.path, "/api");
            assert_eq!(api_request.header("authorization"), ["Bearer tok-1"]);
        }

        // a 401 renews the token once and repeats the request
        let refused = json!({
            "ApiEndpoint": server.url("/refuse-first"), "Method": "GET",
            "Authentication": {"ConnectionArn": OAUTH_ARN}
        });
        let result = ok(c.run_task(&refused).await);
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(issued.load(Ordering::SeqCst), 2);
        assert_eq!(server.last().header("authorization"), ["Bearer tok-2"]);
    }

    #[tokio::test]
    async fn oauth_tokens_expire() {
        let (server, issued) = oauth_server(Some(0)).await;
        let c = client(connections(&server.url("/token")));
        let params = json!({
            "ApiEndpoint": server.url("/api"), "Method": "GET",
            "Authentication": {"ConnectionArn": OAUTH_ARN}
        });
        ok(c.run_task(&params).await);
        ok(c.run_task(&params).await);
        assert_eq!(issued.load(Ordering::SeqCst), 2);
        assert_eq!(server.last().header("authorization"), ["Bearer tok-2"]);
    }

    #[tokio::test]
    async fn oauth_failures_fail_the_connection() {
        let server = TestServer::start(|req| match req.path.as_str() {
            "/token" => Reply::json(
                401,
                json!({"error": "invalid_client", "echo": CLIENT_SECRET}),
            ),
            "/no-token" => Reply::json(200, json!({"token_type": "Bearer"})),
            _ => Reply::json(200, json!({"ok": true})),
        })
        .await;
        for token_path in ["/token", "/no-token"] {
            let c = client(connections(&server.url(token_path)));
            let (error, cause) = err(c
                .run_task(&json!({
                    "ApiEndpoint": server.url("/api"), "Method": "GET",
                    "Authentication": {"ConnectionArn": OAUTH_ARN}
                }))
                .await);
            assert_eq!(error, "Events.ConnectionResource.InvalidConnectionState");
            assert!(
                cause.contains("connection 'oauth' could not be authorized"),
                "{cause}"
            );
        }
        assert!(server.requests().iter().all(|r| r.path != "/api"));
        // an https token endpoint whose certificate is not trusted
        let untrusted = TestServer::start_tls(&TestCert::new(), |_| {
            Reply::json(200, json!({"access_token": "tok-never"}))
        })
        .await;
        let c = client(connections(&untrusted.url("/token?secret=1")));
        let (error, cause) = err(c
            .run_task(&json!({
                "ApiEndpoint": server.url("/api"), "Method": "GET",
                "Authentication": {"ConnectionArn": OAUTH_ARN}
            }))
            .await);
        assert_eq!(error, "Events.ConnectionResource.InvalidConnectionState");
        assert!(cause.contains("could not be reached"), "{cause}");
        assert!(cause.contains("certificate"), "{cause}");
        assert!(!cause.contains("secret=1"), "{cause}");
        assert!(untrusted.requests().is_empty());
        assert!(server.requests().iter().all(|r| r.path != "/api"));
    }

    #[tokio::test]
    async fn non_2xx_answers_fail_with_their_status_code() {
        let server = TestServer::start(|req| match req.path.as_str() {
            "/missing" => Reply::json(404, json!({"message": "no such thing"})),
            "/teapot" => {
                let mut reply = Reply::text(418, "text/plain", b"short and stout");
                reply.reason = Some("Custom Teapot");
                reply
            }
            "/redirect" => {
                let mut reply = Reply::text(302, "text/plain", b"");
                reply.headers.push(("location", "/elsewhere".to_owned()));
                reply
            }
            _ => Reply::text(500, "text/plain", b"boom"),
        })
        .await;
        let c = client(Connections::default());
        for (path, error, cause) in [
            ("/missing", "States.Http.StatusCode.404", "Not Found"),
            (
                "/broken",
                "States.Http.StatusCode.500",
                "Internal Server Error",
            ),
            ("/teapot", "States.Http.StatusCode.418", "Custom Teapot"),
            ("/redirect", "States.Http.StatusCode.302", "Found"),
        ] {
            let outcome = c
                .run_task(&json!({"ApiEndpoint": server.url(path), "Method": "GET"}))
                .await;
            assert_eq!(err(outcome), (error.to_owned(), cause.to_owned()), "{path}");
        }
    }

    #[tokio::test]
    async fn unsupported_answers() {
        let server = TestServer::start(|req| match req.path.as_str() {
            "/binary" => Reply::text(200, "application/octet-stream", b"\x00\x01"),
            "/image" => Reply::text(200, "image/png", b"png"),
            "/latin1" => Reply::text(200, "text/plain", b"caf\xe9"),
            _ => Reply::text(200, "text/plain", &vec![b'x'; MAX_RESPONSE_BYTES + 1]),
        })
        .await;
        let c = client(Connections::default());
        for (path, error) in [
            ("/binary", "States.Runtime"),
            ("/image", "States.Runtime"),
            ("/latin1", "States.Runtime"),
            ("/large", "States.DataLimitExceeded"),
        ] {
            let (e, cause) = err(c
                .run_task(&json!({"ApiEndpoint": server.url(path), "Method": "GET"}))
                .await);
            assert_eq!(e, error, "{path}: {cause}");
        }
    }

    #[tokio::test]
    async fn transport_failures_are_socket_errors() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let endpoint = format!("http://127.0.0.1:{port}/nothing");
        let (error, cause) = err(client(Connections::default())
            .run_task(&json!({"ApiEndpoint": endpoint, "Method": "GET"}))
            .await);
        assert_eq!(error, "States.Http.Socket");
        assert!(
            cause.contains(&endpoint) && cause.contains("unable to connect"),
            "{cause}"
        );

        let server = TestServer::start(|_| Reply {
            hang: true,
            ..Reply::json(200, json!({}))
        })
        .await;
        let c = HttpTaskClient::with_timeout(Connections::default(), Duration::from_millis(200));
        let (error, cause) = err(c
            .run_task(&json!({"ApiEndpoint": server.url("/slow"), "Method": "GET"}))
            .await);
        assert_eq!(error, "States.Http.Socket");
        assert!(
            cause.contains("did not complete within 0.2 seconds"),
            "{cause}"
        );
    }

    #[tokio::test]
    async fn https_endpoints_and_token_endpoints_work_with_trusted_roots() {
        let cert = TestCert::new();
        let (plain, _) = oauth_server(None).await;
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        let tls = TestServer::start_tls(&cert, move |req| {
            if req.path == "/token" {
                let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                return Reply::json(200, json!({"access_token": format!("tok-tls-{n}")}));
            }
            Reply::json(200, json!({"secure": true, "path": req.path}))
        })
        .await;
        assert!(tls.url("/").starts_with("https://127.0.0.1:"));
        let c = HttpTaskClient::with_roots(
            connections(&tls.url("/token")),
            std::slice::from_ref(&cert.der),
        )
        .unwrap();

        // an https API with a token from an https token endpoint
        let result = ok(c
            .run_task(&json!({
                "ApiEndpoint": tls.url("/api"), "Method": "POST", "RequestBody": {"a": 1},
                "Authentication": {"ConnectionArn": OAUTH_ARN}
            }))
            .await);
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(
            result["ResponseBody"],
            json!({"secure": true, "path": "/api"})
        );
        assert_eq!(issued.load(Ordering::SeqCst), 1);
        let last = tls.last();
        assert_eq!(last.header("authorization"), ["Bearer tok-tls-1"]);
        assert_eq!(last.body, r#"{"a":1}"#);

        // the same client still speaks plain HTTP, and reuses its TLS connection
        let result = ok(c
            .run_task(&json!({"ApiEndpoint": plain.url("/api"), "Method": "GET"}))
            .await);
        assert_eq!(result["ResponseBody"], json!({"ok": true}));
        let result = ok(c
            .run_task(&json!({"ApiEndpoint": tls.url("/again?x=1"), "Method": "GET"}))
            .await);
        assert_eq!(result["ResponseBody"]["path"], "/again");
        assert_eq!(tls.last().query, "x=1");

        // a client that does not trust the certificate fails catchably
        let endpoint = tls.url("/api");
        let (error, cause) = err(client(Connections::default())
            .run_task(&json!({"ApiEndpoint": endpoint, "Method": "GET"}))
            .await);
        assert_eq!(error, "States.Http.Socket");
        assert!(cause.contains(&endpoint), "{cause}");
        assert!(cause.contains("certificate"), "{cause}");
    }

    #[test]
    fn unusable_extra_roots_are_refused() {
        let outcome = HttpTaskClient::with_roots(Connections::default(), &[b"not DER".to_vec()]);
        assert!(
            matches!(outcome, Err(HttpError::Tls(ref reason)) if reason.contains("#1")),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn unknown_connections_are_not_found() {
        let server = ok_server().await;
        let (error, cause) = err(client(connections("http://127.0.0.1:1/token"))
            .run_task(&json!({
                "ApiEndpoint": server.url("/x"), "Method": "GET",
                "Authentication": {"ConnectionArn": "arn:aws:events:eu-west-1:123456789012:connection/nope/9"}
            }))
            .await);
        assert_eq!(error, "Events.ConnectionResource.ResourceNotFound");
        assert_eq!(
            cause,
            "Failed to describe the connection(s). Connection 'nope' does not exist."
        );
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn bad_parameters_fail_before_any_request() {
        let server = ok_server().await;
        let url = server.url("/x");
        let cases = [
            (json!("GET"), "must be a JSON object"),
            (json!({"Method": "GET"}), "'ApiEndpoint' is required"),
            (json!({"ApiEndpoint": url}), "'Method' is required"),
            (
                json!({"ApiEndpoint": url, "Method": "get"}),
                "is not one of GET",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "TRACE"}),
                "is not one of GET",
            ),
            (
                json!({"ApiEndpoint": 5, "Method": "GET"}),
                "'ApiEndpoint' must be a STRING",
            ),
            (
                json!({"ApiEndpoint": "/relative", "Method": "GET"}),
                "not an absolute URL",
            ),
            (
                json!({"ApiEndpoint": "ftp://h/x", "Method": "GET"}),
                "scheme 'ftp'",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Headers": ["a"]}),
                "'Headers' must be an OBJECT",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Headers": {"Authorization": "Bearer x"}}),
                "'Authorization' cannot be set",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Headers": {"X-Amz-Date": "x"}}),
                "'X-Amz-Date' cannot be set",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Headers": {"Host": "x"}}),
                "'Host' cannot be set",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Headers": {"x": {"a": 1}}}),
                "header 'x' must be a STRING",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Header": {}}),
                "'Header' is not supported",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Authentication": {}}),
                "'Authentication.ConnectionArn' is required",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Authentication": {"ConnectionArn": 1}}),
                "must be a non-empty STRING",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "QueryParameters": "a=b"}),
                "'QueryParameters' must be an OBJECT",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Transform": {"RequestBodyEncoding": "GZIP"}}),
                "not one of NONE, URL_ENCODED",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "GET", "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "DEFAULT"}}}),
                "not one of INDICES",
            ),
            (
                json!({"ApiEndpoint": url, "Method": "POST", "RequestBody": [1], "Transform": {"RequestBodyEncoding": "URL_ENCODED"}}),
                "must be a JSON object",
            ),
        ];
        let c = client(Connections::default());
        for (params, expected) in cases {
            let (error, cause) = err(c.run_task(&params).await);
            assert_eq!(error, "States.Runtime", "{params}: {cause}");
            assert!(
                cause.contains(expected),
                "{cause} should contain {expected}"
            );
        }
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn secrets_stay_out_of_debug_output() {
        let (server, _) = oauth_server(None).await;
        let c = client(connections(&server.url("/token")));
        ok(c.run_task(&json!({
            "ApiEndpoint": server.url("/api"), "Method": "GET",
            "Authentication": {"ConnectionArn": OAUTH_ARN}
        }))
        .await);
        let debug = format!("{c:?}");
        assert_no_secret(&debug);
        assert!(debug.contains("cached_tokens: 1"), "{debug}");
        let call = parse_call(&json!({"ApiEndpoint": server.url("/x"), "Method": "GET"})).unwrap();
        let request =
            build_request(&call, c.inner.connections.by_arn.get(API_KEY_ARN), None).unwrap();
        // connection header values are marked sensitive (the URI does carry the connection's
        // query parameters: the request itself is never shown)
        let headers = format!("{:?}", request.headers());
        assert!(headers.contains("\"x-api-key\": Sensitive"), "{headers}");
        assert_no_secret(&headers);
    }

    #[test]
    fn appends_queries() {
        assert_eq!(append_query("http://h/p", ""), "http://h/p");
        assert_eq!(append_query("http://h/p", "a=1"), "http://h/p?a=1");
        assert_eq!(append_query("http://h/p?", "a=1"), "http://h/p?a=1");
        assert_eq!(append_query("http://h/p?x=0", "a=1"), "http://h/p?x=0&a=1");
        assert_eq!(endpoint_without_query("http://h/p?secret=1"), "http://h/p");
    }
}
