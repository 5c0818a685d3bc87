//! AWS Lambda for Task states: a client of the Lambda `Invoke` API
//! (`POST /2015-03-31/functions/{FunctionName}/invocations`) and the mapping of its answers to
//! what a Step Functions Task sees, as AWS records it (conformance corpus
//! `/work/shared/conformance/cases/lambda/`).
//!
//! Two resource forms run here ([`is_lambda_resource`]):
//! - the optimized integration `arn:<partition>:states:::lambda:invoke` (and
//!   `…:lambda:invoke.waitForTaskToken`): the parameters are the Invoke request (`FunctionName`,
//!   `Payload`, `InvocationType`, `Qualifier`, `ClientContext`, `LogType`) and the result is the
//!   Invoke response as the AWS Java SDK describes it (`ExecutedVersion`, `LogResult`, `Payload`,
//!   `SdkHttpMetadata`, `SdkResponseMetadata`, `StatusCode`), `Payload` parsed from JSON;
//! - a function ARN `arn:<partition>:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` as the
//!   resource: the parameters are the payload and the result is the function's parsed return value.
//!
//! Failures are `(error, cause)` pairs: a function error (`X-Amz-Function-Error`) fails with the
//! payload's `errorType` and the payload text verbatim as cause (`Lambda.Unknown` when there is
//! no `errorType`); a Lambda API error fails with `Lambda.<ErrorCode>` (`Lambda.AWSLambdaException`
//! for codes the AWS Java SDK does not model) and the SDK's message text
//! `<message> (Service: AWSLambda; Status Code: N; Error Code: C; Request ID: R; Proxy: null)`;
//! a transport failure fails with `Lambda.SdkClientException` (`Unable to execute HTTP request:
//! …`), the name AWS's recommended Lambda retrier lists; `Parameters` that are not an object or
//! a `FunctionName` (or other field) that is missing or not a string fail with `States.Runtime`
//! before any call.
//!
//! `lambda:invoke.waitForTaskToken` only performs the invocation here (its result is returned
//! like `lambda:invoke`'s); waiting for the token, timeouts (`TimeoutSeconds`), heartbeats and
//! the 256 KiB payload limit are the engine's. [`LambdaClient::run_task`] is cancel-safe:
//! dropping its future abandons the HTTP request.
//!
//! The client speaks plain HTTP/1.1 without request signing: it serves Lambda emulators (the
//! conformance suite's `lambda_server.py`, LocalStack), not real AWS (HTTPS/SigV4 is not
//! supported yet). Endpoints come from `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL`
//! ([`LambdaClient::endpoint_from_env`]).

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde_json::{Map, Value};

/// The optimized integration's resource, after `arn:<partition>:states:<region>:<account>:`.
const INVOKE: &str = "lambda:invoke";
/// The callback variant of [`INVOKE`].
const INVOKE_WAIT: &str = "lambda:invoke.waitForTaskToken";
/// The Invoke API's path prefix.
const INVOKE_PATH: &str = "/2015-03-31/functions/";
/// How long establishing a TCP connection may take (the AWS Java SDK's default).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Lambda error codes the AWS Java SDK (v1, which Step Functions reports through) models as
/// exception classes: these fail a Task as `Lambda.<code>`; any other code as
/// `Lambda.AWSLambdaException` (e.g. `AccessDeniedException`).
const MODELED_ERRORS: &[&str] = &[
    "CodeSigningConfigNotFoundException",
    "CodeStorageExceededException",
    "CodeVerificationFailedException",
    "EC2AccessDeniedException",
    "EC2ThrottledException",
    "EC2UnexpectedException",
    "EFSIOException",
    "EFSMountConnectivityException",
    "EFSMountFailureException",
    "EFSMountTimeoutException",
    "ENILimitReachedException",
    "InvalidCodeSignatureException",
    "InvalidParameterValueException",
    "InvalidRequestContentException",
    "InvalidRuntimeException",
    "InvalidSecurityGroupIDException",
    "InvalidSubnetIDException",
    "InvalidZipFileException",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSInvalidStateException",
    "KMSNotFoundException",
    "PolicyLengthExceededException",
    "PreconditionFailedException",
    "ProvisionedConcurrencyConfigNotFoundException",
    "RecursiveInvocationException",
    "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ResourceNotReadyException",
    "ServiceException",
    "SnapStartException",
    "SnapStartNotReadyException",
    "SnapStartTimeoutException",
    "SubnetIPAddressLimitReachedException",
    "TooManyRequestsException",
    "UnsupportedMediaTypeException",
];

/// Response header names as Lambda spells them (hyper only keeps lower-cased names); they appear
/// as keys of `SdkHttpMetadata` and their spelling decides `AllHttpHeaders`' order.
const HEADER_SPELLINGS: &[&str] = &[
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "X-Amz-Executed-Version",
    "X-Amz-Function-Error",
    "X-Amz-Log-Result",
    "x-amzn-ErrorType",
    "x-amzn-Remapped-Content-Length",
    "x-amzn-RequestId",
    "X-Amzn-Trace-Id",
];

/// Why a [`LambdaClient`] could not be created.
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    /// The endpoint is not an absolute `http://host[:port][/path]` URL.
    #[error("invalid Lambda endpoint '{endpoint}': {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The endpoint's scheme is not `http` (HTTPS with SigV4 signing is not supported yet).
    #[error(
        "unsupported scheme '{scheme}' in Lambda endpoint '{endpoint}': only plain http:// endpoints are supported (no TLS or SigV4 signing yet)"
    )]
    UnsupportedScheme {
        /// The endpoint as given.
        endpoint: String,
        /// Its scheme.
        scheme: String,
    },
    /// The account id or region used to complete function names into ARNs is malformed.
    #[error("invalid {what} '{value}' for Lambda function ARNs")]
    InvalidIdentity {
        /// `"account id"` or `"region"`.
        what: &'static str,
        /// The value as given.
        value: String,
    },
}

/// A Lambda `Invoke` client over plain, unsigned HTTP (HTTPS/SigV4 to real AWS is not supported yet); cheap to clone.
#[derive(Clone, Debug)]
pub struct LambdaClient {
    /// The shared state.
    inner: Arc<Inner>,
}

/// What the clones of one [`LambdaClient`] share.
#[derive(Debug)]
struct Inner {
    /// The pooled HTTP/1 client.
    http: Client<HttpConnector, Full<Bytes>>,
    /// `http://host:port` plus the endpoint's path prefix, without a trailing `/`.
    base: String,
    /// `host:port`, for transport error texts.
    authority: String,
    /// The account id completing bare function names.
    account: String,
    /// The region completing bare names and partial ARNs.
    region: String,
}

/// Which of the two resource forms a Task uses.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `arn:<partition>:states:::lambda:invoke[.waitForTaskToken]`.
    Optimized {
        /// The resource ARN's partition, used to complete function names.
        partition: String,
    },
    /// `arn:<partition>:lambda:…:function:NAME[:QUALIFIER]`: the whole ARN.
    Function(String),
}

/// One Invoke API call.
#[derive(Debug, Default, PartialEq)]
struct Invoke {
    /// The function (name or ARN, with an optional `:qualifier`), as the path segment's value.
    function: String,
    /// The request body; `None` sends none.
    body: Option<Vec<u8>>,
    /// `X-Amz-Invocation-Type`.
    invocation_type: Option<String>,
    /// `X-Amz-Log-Type`.
    log_type: Option<String>,
    /// `X-Amz-Client-Context`.
    client_context: Option<String>,
    /// `?Qualifier=`.
    qualifier: Option<String>,
}

/// A received HTTP response.
#[derive(Debug)]
struct Answer {
    /// The status code.
    status: u16,
    /// The headers.
    headers: HeaderMap,
    /// The whole body.
    body: Bytes,
}

/// Whether `resource` is run by [`LambdaClient::run_task`]: `lambda:invoke[.waitForTaskToken]` or a function ARN.
pub fn is_lambda_resource(resource: &str) -> bool {
    parse_resource(resource).is_some()
}

/// The form of a Lambda resource, or `None` when it is none.
fn parse_resource(resource: &str) -> Option<Target> {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "states", _region, _account, rest]
            if !partition.is_empty() && (*rest == INVOKE || *rest == INVOKE_WAIT) =>
        {
            Some(Target::Optimized {
                partition: (*partition).to_owned(),
            })
        }
        ["arn", partition, "lambda", region, account, rest]
            if !partition.is_empty() && !region.is_empty() && !account.is_empty() =>
        {
            let function = rest.strip_prefix("function:")?;
            let mut pieces = function.split(':');
            let name = pieces.next().unwrap_or_default();
            let qualifier = pieces.next();
            let valid = !name.is_empty()
                && qualifier.is_none_or(|q| !q.is_empty())
                && pieces.next().is_none();
            valid.then(|| Target::Function(resource.to_owned()))
        }
        _ => None,
    }
}

impl LambdaClient {
    /// A client for the Lambda endpoint `endpoint` (e.g. "http://127.0.0.1:9001"), account/region used to complete function names into ARNs.
    pub fn new(endpoint: &str, account: &str, region: &str) -> Result<Self, LambdaError> {
        let (base, authority) = parse_endpoint(endpoint)?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LambdaError::InvalidIdentity {
                what: "account id",
                value: account.to_owned(),
            });
        }
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(LambdaError::InvalidIdentity {
                what: "region",
                value: region.to_owned(),
            });
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                authority,
                account: account.to_owned(),
                region: region.to_owned(),
            }),
        })
    }

    /// The endpoint from the standard environment (AWS_ENDPOINT_URL_LAMBDA, then AWS_ENDPOINT_URL), if any.
    pub fn endpoint_from_env() -> Option<String> {
        ["AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|var| {
                std::env::var(var)
                    .ok()
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            })
    }

    /// Runs one Task: `resource` and `parameters` as the engine gives them; Ok(result) or Err((error, cause)).
    pub async fn run_task(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Result<Value, (String, String)> {
        let Some(target) = parse_resource(resource) else {
            return Err((
                "States.Runtime".to_owned(),
                format!(
                    "The resource '{resource}' is not a Lambda function or the lambda:invoke integration"
                ),
            ));
        };
        let invoke = match &target {
            Target::Optimized { partition } => self.invoke_request(partition, parameters)?,
            Target::Function(arn) => Invoke {
                function: arn.clone(),
                body: Some(serde_json::to_vec(parameters).map_err(|e| {
                    (
                        "States.Runtime".to_owned(),
                        format!("The task input cannot be serialized: {e}"),
                    )
                })?),
                ..Invoke::default()
            },
        };
        let answer = self.send(&invoke).await?;
        map_answer(&target, &answer)
    }

    /// The Invoke call the optimized integration's `parameters` describe.
    fn invoke_request(
        &self,
        partition: &str,
        parameters: &Value,
    ) -> Result<Invoke, (String, String)> {
        let invalid = |problem: String| {
            let text = serde_json::to_string(parameters).unwrap_or_default();
            (
                "States.Runtime".to_owned(),
                format!("The Parameters '{text}' could not be used to start the Task: [{problem}]"),
            )
        };
        let Some(fields) = parameters.as_object() else {
            return Err(invalid("The Parameters must be a JSON object".to_owned()));
        };
        let string = |field: &str| -> Result<Option<String>, (String, String)> {
            match fields.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(format!(
                    "The value for the field '{field}' must be a STRING"
                ))),
            }
        };
        let Some(function) = string("FunctionName")? else {
            return Err(invalid(
                "The field 'FunctionName' is required but was missing".to_owned(),
            ));
        };
        Ok(Invoke {
            function: complete_function_name(
                &function,
                partition,
                &self.inner.account,
                &self.inner.region,
            ),
            body: fields.get("Payload").map(payload_body),
            invocation_type: string("InvocationType")?,
            log_type: string("LogType")?,
            client_context: string("ClientContext")?,
            qualifier: string("Qualifier")?,
        })
    }

    /// Sends one Invoke call and reads the whole answer.
    async fn send(&self, invoke: &Invoke) -> Result<Answer, (String, String)> {
        let mut url = format!(
            "{}{INVOKE_PATH}{}/invocations",
            self.inner.base,
            percent_encode(&invoke.function)
        );
        if let Some(q) = &invoke.qualifier {
            url.push_str("?Qualifier=");
            url.push_str(&percent_encode(q));
        }
        let client_error = |text: String| {
            (
                "Lambda.SdkClientException".to_owned(),
                format!("Unable to execute HTTP request: {text}"),
            )
        };
        let uri: Uri = url
            .parse()
            .map_err(|e| client_error(format!("invalid request URL '{url}': {e}")))?;
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("Content-Type", "application/json")
            .header("User-Agent", concat!("baton/", env!("CARGO_PKG_VERSION")));
        for (name, value) in [
            ("X-Amz-Invocation-Type", &invoke.invocation_type),
            ("X-Amz-Log-Type", &invoke.log_type),
            ("X-Amz-Client-Context", &invoke.client_context),
        ] {
            if let Some(value) = value {
                let value = HeaderValue::from_str(value).map_err(|_| {
                    client_error(format!(
                        "the value of {name} is not a valid HTTP header value"
                    ))
                })?;
                builder = builder.header(name, value);
            }
        }
        let body = Full::new(Bytes::from(invoke.body.clone().unwrap_or_default()));
        let request = builder
            .body(body)
            .map_err(|e| client_error(e.to_string()))?;
        let response = self.inner.http.request(request).await.map_err(|e| {
            if e.is_connect() {
                client_error(format!(
                    "Connect to {} failed: {}",
                    self.inner.authority,
                    innermost(&e)
                ))
            } else {
                client_error(error_chain(&e))
            }
        })?;
        let status = response.status().as_u16();
        let (parts, incoming) = response.into_parts();
        let body = incoming
            .collect()
            .await
            .map_err(|e| client_error(error_chain(&e)))?
            .to_bytes();
        Ok(Answer {
            status,
            headers: parts.headers,
            body,
        })
    }
}

/// `(base, authority)` of an `http://host[:port][/prefix]` endpoint.
fn parse_endpoint(endpoint: &str) -> Result<(String, String), LambdaError> {
    let invalid = |reason: &str| LambdaError::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = endpoint.trim();
    let uri: Uri = trimmed
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?;
    let Some(scheme) = uri.scheme_str() else {
        return Err(invalid("not an absolute URL (expected http://host:port)"));
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(LambdaError::UnsupportedScheme {
            endpoint: endpoint.to_owned(),
            scheme: scheme.to_owned(),
        });
    }
    let Some(authority) = uri.authority() else {
        return Err(invalid("no host"));
    };
    if authority.host().is_empty() {
        return Err(invalid("no host"));
    }
    if authority.as_str().contains('@') {
        return Err(invalid("user information is not supported"));
    }
    if uri.query().is_some() {
        return Err(invalid("a query string is not supported"));
    }
    let prefix = uri.path().trim_end_matches('/');
    Ok((format!("http://{authority}{prefix}"), authority.to_string()))
}

/// `FunctionName` completed into a full function ARN, as Lambda resolves it: a full ARN stays,
/// a partial ARN (`ACCOUNT:function:NAME[:QUALIFIER]`) gets `arn:<partition>:lambda:<region>:`, a
/// name (`NAME[:QUALIFIER]`) gets the client's account and region.
fn complete_function_name(function: &str, partition: &str, account: &str, region: &str) -> String {
    if function.starts_with("arn:") {
        return function.to_owned();
    }
    if let Some((acct, rest)) = function.split_once(':')
        && acct.len() == 12
        && acct.bytes().all(|b| b.is_ascii_digit())
        && rest.starts_with("function:")
    {
        return format!("arn:{partition}:lambda:{region}:{function}");
    }
    format!("arn:{partition}:lambda:{region}:{account}:function:{function}")
}

/// The request body for the optimized integration's `Payload` (following LocalStack's recorded
/// behaviour): `null` sends `{}`, a string holding JSON text is sent as that text (so
/// `"Payload": "\"HelloWorld\""` invokes with the JSON string `"HelloWorld"`), any other string
/// is sent JSON-encoded, and any other value as compact JSON.
fn payload_body(payload: &Value) -> Vec<u8> {
    match payload {
        Value::Null => b"{}".to_vec(),
        Value::String(s) if serde_json::from_str::<Value>(s).is_ok() => s.as_bytes().to_vec(),
        other => serde_json::to_vec(other).unwrap_or_else(|_| b"{}".to_vec()),
    }
}

/// The Task outcome for one Invoke answer.
fn map_answer(target: &Target, answer: &Answer) -> Result<Value, (String, String)> {
    if !(200..300).contains(&answer.status) {
        return Err(service_error(answer));
    }
    if answer.headers.contains_key("x-amz-function-error") {
        return Err(function_error(&answer.body));
    }
    let payload = parse_payload(&answer.body);
    match target {
        Target::Function(_) => Ok(payload),
        Target::Optimized { .. } => Ok(invoke_result(answer, payload)),
    }
}

/// A function's return value: its JSON, or the body as text when it is not JSON (`""` for the
/// empty body of `Event` and `DryRun` invocations).
fn parse_payload(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// The Task failure for a function error: the payload's `errorType` with the payload text as
/// cause; `Lambda.Unknown` when the payload has no `errorType`.
fn function_error(body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body).into_owned();
    let error_type =
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| match v.get("errorType") {
                Some(Value::String(t)) if !t.is_empty() => Some(t.clone()),
                _ => None,
            });
    match error_type {
        Some(t) => (t, text),
        None => (
            "Lambda.Unknown".to_owned(),
            format!(
                "The cause could not be determined because Lambda did not return an error type. Returned payload: {text}"
            ),
        ),
    }
}

/// The Task failure for a Lambda API error answer, worded like the AWS Java SDK's
/// `AmazonServiceException` message that Step Functions reports.
fn service_error(answer: &Answer) -> (String, String) {
    let doc = serde_json::from_slice::<Value>(&answer.body).ok();
    let field = |names: &[&str]| -> Option<String> {
        let obj = doc.as_ref()?.as_object()?;
        names
            .iter()
            .find_map(|n| obj.get(*n).and_then(Value::as_str).map(str::to_owned))
    };
    let code = header(&answer.headers, "x-amzn-errortype")
        .map(|c| c.split(':').next().unwrap_or_default().trim().to_owned())
        .filter(|c| !c.is_empty())
        .or_else(|| {
            field(&["__type"]).map(|t| {
                let t = t.rsplit('#').next().unwrap_or_default();
                t.split(':').next().unwrap_or_default().to_owned()
            })
        })
        .or_else(|| field(&["code", "Code"]))
        .filter(|c| !c.is_empty());
    let message = field(&["message", "Message", "errorMessage"]).unwrap_or_else(|| {
        if doc.is_none() && !answer.body.is_empty() {
            String::from_utf8_lossy(&answer.body).into_owned()
        } else {
            "null".to_owned()
        }
    });
    let request_id =
        header(&answer.headers, "x-amzn-requestid").unwrap_or_else(|| "null".to_owned());
    let error = match &code {
        Some(c) if MODELED_ERRORS.contains(&c.as_str()) => format!("Lambda.{c}"),
        _ => "Lambda.AWSLambdaException".to_owned(),
    };
    let cause = format!(
        "{message} (Service: AWSLambda; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)",
        answer.status,
        code.as_deref().unwrap_or("null"),
    );
    (error, cause)
}

/// The optimized integration's result: the Invoke response as Step Functions serializes the Java
/// SDK's `InvokeResult` (keys in that order; absent headers leave their keys out).
fn invoke_result(answer: &Answer, payload: Value) -> Value {
    let mut result = Map::new();
    if let Some(v) = header(&answer.headers, "x-amz-executed-version") {
        result.insert("ExecutedVersion".to_owned(), Value::String(v));
    }
    if let Some(v) = header(&answer.headers, "x-amz-log-result") {
        result.insert("LogResult".to_owned(), Value::String(v));
    }
    result.insert("Payload".to_owned(), payload);
    result.insert("SdkHttpMetadata".to_owned(), sdk_http_metadata(answer));
    let mut response_metadata = Map::new();
    if let Some(id) = header(&answer.headers, "x-amzn-requestid") {
        response_metadata.insert("RequestId".to_owned(), Value::String(id));
    }
    result.insert(
        "SdkResponseMetadata".to_owned(),
        Value::Object(response_metadata),
    );
    result.insert("StatusCode".to_owned(), Value::from(answer.status));
    Value::Object(result)
}

/// `SdkHttpMetadata`: `AllHttpHeaders` (every value, in the iteration order of the Java
/// `HashMap` AWS fills), `HttpHeaders` (the last value, names sorted case-insensitively) and
/// `HttpStatusCode`. A `Server` header is left out: Lambda sends none, so AWS shows none.
fn sdk_http_metadata(answer: &Answer) -> Value {
    // (spelling, values), grouped by name, in case-insensitive name order
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for name in answer.headers.keys() {
        if name.as_str() == "server" {
            continue;
        }
        let values = answer
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        headers.push((header_spelling(name), values));
    }
    headers.sort_by_key(|(name, _)| name.to_ascii_lowercase());
    let mut all = Map::new();
    for i in java_hash_map_order(headers.iter().map(|(name, _)| name.as_str())) {
        if let Some((name, values)) = headers.get(i) {
            let list = values.iter().cloned().map(Value::String).collect();
            all.insert(name.clone(), Value::Array(list));
        }
    }
    let mut single = Map::new();
    for (name, values) in &headers {
        if let Some(last) = values.last() {
            single.insert(name.clone(), Value::String(last.clone()));
        }
    }
    let mut metadata = Map::new();
    metadata.insert("AllHttpHeaders".to_owned(), Value::Object(all));
    metadata.insert("HttpHeaders".to_owned(), Value::Object(single));
    metadata.insert("HttpStatusCode".to_owned(), Value::from(answer.status));
    Value::Object(metadata)
}

/// A header name as Lambda spells it: from [`HEADER_SPELLINGS`], else each `-`-separated word
/// capitalized (`keep-alive` → `Keep-Alive`).
fn header_spelling(name: &HeaderName) -> String {
    let lower = name.as_str();
    if let Some(known) = HEADER_SPELLINGS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(lower))
    {
        return (*known).to_owned();
    }
    lower
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Positions of `keys` (distinct, given in insertion order) in the iteration order of a Java
/// `java.util.HashMap` they were put into: buckets by `String.hashCode` spread
/// (`h ^ (h >>> 16)`) over a power-of-two table (16, doubled past 3/4 full), insertion order
/// within a bucket.
fn java_hash_map_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let hashes: Vec<u32> = keys
        .map(|k| {
            let h = k.encode_utf16().fold(0u32, |h, unit| {
                h.wrapping_mul(31).wrapping_add(u32::from(unit))
            });
            h ^ (h >> 16)
        })
        .collect();
    let mut capacity: usize = 16;
    while hashes.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let mask = u32::try_from(capacity - 1).unwrap_or(u32::MAX);
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    order.sort_by_key(|&i| hashes.get(i).map_or(0, |h| h & mask)); // stable
    order
}

/// The (last) value of a response header as text.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// `s` with every byte outside RFC 3986's unreserved set percent-encoded.
fn percent_encode(s: &str) -> String {
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

/// An error and its sources, joined with `": "`.
fn error_chain(e: &(dyn StdError + 'static)) -> String {
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
fn innermost(e: &(dyn StdError + 'static)) -> String {
    let mut last = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, Command, Stdio};

    const SERVER_SCRIPT: &str = "/work/shared/conformance/lambda_server.py";
    const CASES: &str = "/work/shared/conformance/cases";
    const ACCOUNT: &str = "123456789012";
    const REGION: &str = "eu-west-1";
    const INVOKE_ARN: &str = "arn:aws:states:::lambda:invoke";

    /// A running `lambda_server.py`, killed on drop.
    struct LambdaServer {
        child: Child,
        endpoint: String,
    }

    impl LambdaServer {
        /// Starts the stand-in Lambda service on a free port, or `None` (test skipped) when the
        /// script or python3 is not available.
        fn start() -> Option<Self> {
            if !Path::new(SERVER_SCRIPT).exists() {
                eprintln!("skipping: {SERVER_SCRIPT} does not exist");
                return None;
            }
            let mut child = match Command::new("python3")
                .args([
                    SERVER_SCRIPT,
                    "--port",
                    "0",
                    "--host",
                    "127.0.0.1",
                    "--account",
                    ACCOUNT,
                    "--region",
                    REGION,
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(child) => child,
                Err(e) => {
                    eprintln!("skipping: cannot run python3: {e}");
                    return None;
                }
            };
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let endpoint = line
                .split("listening on ")
                .nth(1)
                .unwrap_or_else(|| panic!("unexpected lambda_server.py banner: {line:?}"))
                .trim()
                .to_owned();
            Some(Self { child, endpoint })
        }

        /// Registers functions (`{"<name>": spec}`) through `POST /_conformance/functions`.
        async fn register(&self, specs: Value) {
            let http: Client<HttpConnector, Full<Bytes>> =
                Client::builder(TokioExecutor::new()).build(HttpConnector::new());
            let req = Request::post(format!("{}/_conformance/functions", self.endpoint))
                .header("Content-Type", "application/json")
                .body(Full::new(Bytes::from(specs.to_string())))
                .unwrap();
            let resp = http.request(req).await.unwrap();
            assert_eq!(resp.status().as_u16(), 200, "registering {specs}");
        }

        fn client(&self) -> LambdaClient {
            LambdaClient::new(&self.endpoint, ACCOUNT, REGION).unwrap()
        }
    }

    impl Drop for LambdaServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// A recorded case (`cases/<rel>`), or `None` (assertion skipped) when absent.
    fn load_case(rel: &str) -> Option<Value> {
        let path = format!("{CASES}/{rel}");
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(serde_json::from_str(&text).unwrap()),
            Err(_) => {
                eprintln!("skipping recording check: {path} missing");
                None
            }
        }
    }

    /// The recorded execution output, parsed (key order kept).
    fn expected_output(case: &Value) -> Value {
        serde_json::from_str(case["expected"]["output"].as_str().unwrap()).unwrap()
    }

    /// The case's function spec with its recorded name.
    fn function_spec(case: &Value) -> (String, Value) {
        let spec = case["lambda_functions"]["main"].clone();
        (spec["name"].as_str().unwrap().to_owned(), spec)
    }

    /// The normalization `run.py` applies to an Invoke result (stepfunctions defaults and the
    /// `$..LogResult` reference).
    fn normalize(value: &mut Value) {
        let log = value
            .get("LogResult")
            .and_then(Value::as_str)
            .map(str::to_owned);
        fn walk(v: &mut Value, parent: &str, log: Option<&str>) {
            match v {
                Value::Object(map) => {
                    for (k, child) in map.iter_mut() {
                        let placeholder = match (parent, k.as_str()) {
                            ("AllHttpHeaders" | "HttpHeaders", "Date") => Some("date"),
                            ("SdkResponseMetadata", "RequestId") => Some("RequestId"),
                            (_, "X-Amzn-Trace-Id") => Some("X-Amzn-Trace-Id"),
                            (_, "x-amzn-RequestId") => Some("x-amzn-RequestId"),
                            _ => None,
                        };
                        match placeholder {
                            Some(p) => *child = Value::String(p.to_owned()),
                            None => walk(child, k, log),
                        }
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|i| walk(i, parent, log)),
                Value::String(s) if Some(s.as_str()) == log => *s = "<LogResult:1>".to_owned(),
                _ => {}
            }
        }
        walk(value, "", log.as_deref());
    }

    /// Invokes through the optimized integration and compares with the recording's `path` value
    /// (serialized, so key order counts too).
    async fn check_invoke_recording(rel: &str, pick: &str) {
        let Some(case) = load_case(rel) else { return };
        let Some(server) = LambdaServer::start() else {
            return;
        };
        let (name, spec) = function_spec(&case);
        server.register(json!({ &name: spec })).await;
        let input: Value = serde_json::from_str(case["input"].as_str().unwrap()).unwrap();
        let mut params = json!({"FunctionName": name, "Payload": input["Payload"].clone()});
        if let Some(log_type) = input.get("LogType") {
            params["LogType"] = log_type.clone();
        }
        let mut result = server.client().run_task(INVOKE_ARN, &params).await.unwrap();
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(
            result["SdkResponseMetadata"]["RequestId"],
            result["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
        );
        normalize(&mut result);
        let expected = &expected_output(&case)[pick];
        assert_eq!(result.to_string(), expected.to_string(), "{rel}");
    }

    #[tokio::test]
    async fn echo_null_payload_matches_recording() {
        check_invoke_recording(
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke.json",
            "final",
        )
        .await;
    }

    #[tokio::test]
    async fn json_text_payloads_match_recordings() {
        for rel in [
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_json_values_0_1__b0d6eded.json",
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_json_values_HelloWorld__a73c49d1.json",
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_json_values_True__a7bc5bdb.json",
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_json_values_json_value6__0e8ebe23.json",
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_bytes_payload.json",
        ] {
            check_invoke_recording(rel, "final").await;
        }
    }

    #[tokio::test]
    async fn log_type_tail_matches_recording() {
        check_invoke_recording(
            "lambda/services_test_lambda_task_service.py_TestTaskServiceLambda_test_invoke_unsupported_param.json",
            "final",
        )
        .await;
    }

    #[tokio::test]
    async fn object_payload_matches_recording() {
        check_invoke_recording(
            "lambda/outputdecl_test_output.py_TestArgumentsBase_test_base_task_lambda_BASE_TASK_LAMBDA__1d8fa18a.json",
            "ja_states_result",
        )
        .await;
    }

    #[tokio::test]
    async fn echo_through_function_arn_matches_recording() {
        let Some(server) = LambdaServer::start() else {
            return;
        };
        let rel =
            "mocked/local_mocking_test_base_scenarios.py_TestBaseScenarios_test_lambda_invoke.json";
        let (resource, input, expected) = match load_case(rel) {
            Some(c) => (
                c["definition"]["States"]["step1"]["Resource"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                serde_json::from_str::<Value>(c["input"].as_str().unwrap()).unwrap(),
                expected_output(&c),
            ),
            None => (
                "arn:aws:lambda:us-east-1:111111111111:function:lambda_5fa6a6e2".to_owned(),
                json!({"body": "string body"}),
                json!({"body": "string body"}),
            ),
        };
        let name = resource.rsplit(':').next().unwrap().to_owned();
        server
            .register(json!({ &name: {"behaviour": "echo"} }))
            .await;
        let client = server.client();
        let result = client.run_task(&resource, &input).await.unwrap();
        assert_eq!(result.to_string(), expected.to_string());
        // with an explicit qualifier; a scalar input is sent as JSON
        let result = client
            .run_task(&format!("{resource}:$LATEST"), &json!("text"))
            .await
            .unwrap();
        assert_eq!(result, json!("text"));
        let result = client
            .run_task(&resource, &json!([1, {"b": 2.5}]))
            .await
            .unwrap();
        assert_eq!(result, json!([1, {"b": 2.5}]));
    }

    /// Error and cause of a raising function (`requestId` in the cause normalized as recorded).
    fn normalized_function_error((error, cause): (String, String)) -> (String, String) {
        let doc: Value = serde_json::from_str(&cause).unwrap();
        let rid = doc["requestId"].as_str().unwrap();
        (error, cause.replace(rid, "<uuid:1>"))
    }

    #[tokio::test]
    async fn raising_function_matches_recordings() {
        let rel = "lambda/error_handling_test_task_service_lambda.py_TestTaskServiceLambda_test_raise_exception_catch.json";
        let Some(case) = load_case(rel) else { return };
        let Some(server) = LambdaServer::start() else {
            return;
        };
        let (name, spec) = function_spec(&case);
        server.register(json!({ &name: spec })).await;
        let client = server.client();
        let params = json!({"FunctionName": name, "Payload": null});
        let (error, cause) =
            normalized_function_error(client.run_task(INVOKE_ARN, &params).await.unwrap_err());
        let recorded = &expected_output(&case)["task_failed_error"];
        assert_eq!(error, recorded["Error"].as_str().unwrap());
        assert_eq!(cause, recorded["Cause"].as_str().unwrap());
        assert_eq!(error, "Exception");

        // the uncaught variant records the cause of the ExecutionFailed event (parsed by run.py)
        let rel = "lambda/error_handling_test_task_service_lambda.py_TestTaskServiceLambda_test_raise_exception.json";
        if let Some(failed) = load_case(rel) {
            assert_eq!(failed["expected"]["error"], json!(error));
            assert_eq!(
                serde_json::from_str::<Value>(&cause).unwrap(),
                failed["expected"]["cause"]
            );
        }

        // the function ARN form fails the same way
        let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
        let legacy =
            normalized_function_error(client.run_task(&arn, &json!({"x": 1})).await.unwrap_err());
        assert_eq!(legacy, (error, cause));
    }

    #[tokio::test]
    async fn unknown_function_matches_recording() {
        let rel = "lambda/error_handling_test_task_service_lambda.py_TestTaskServiceLambda_test_no_such_function_catch.json";
        let Some(case) = load_case(rel) else { return };
        let Some(server) = LambdaServer::start() else {
            return;
        };
        let (name, _) = function_spec(&case);
        let params = json!({"FunctionName": format!("no_such_{name}"), "Payload": null});
        let (error, cause) = server
            .client()
            .run_task(INVOKE_ARN, &params)
            .await
            .unwrap_err();
        let start = cause.find("Request ID: ").unwrap() + "Request ID: ".len();
        let end = start + cause[start..].find(';').unwrap();
        let normalized = format!("{}<request_id>{}", &cause[..start], &cause[end..])
            .replace(&name, "<lambda_function_name>")
            .replace(ACCOUNT, "111111111111")
            .replace(REGION, "<region>")
            .replace("arn:aws:", "arn:<partition>:");
        let recorded = &expected_output(&case)["task_failed_error"];
        assert_eq!(error, recorded["Error"].as_str().unwrap());
        assert_eq!(normalized, recorded["Cause"].as_str().unwrap());
        assert_eq!(error, "Lambda.ResourceNotFoundException");
    }

    #[tokio::test]
    async fn event_and_dry_run_invocations() {
        let Some(server) = LambdaServer::start() else {
            return;
        };
        server
            .register(json!({"evt_fn": {"behaviour": "echo"}}))
            .await;
        let client = server.client();
        for (kind, status) in [("Event", 202), ("DryRun", 204)] {
            let params =
                json!({"FunctionName": "evt_fn", "Payload": {"a": 1}, "InvocationType": kind});
            let result = client.run_task(INVOKE_ARN, &params).await.unwrap();
            let keys: Vec<&str> = result
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                [
                    "Payload",
                    "SdkHttpMetadata",
                    "SdkResponseMetadata",
                    "StatusCode"
                ],
                "{kind}"
            );
            assert_eq!(result["Payload"], "");
            assert_eq!(result["StatusCode"], status);
            let meta = &result["SdkHttpMetadata"];
            assert_eq!(meta["HttpStatusCode"], status);
            let rid = result["SdkResponseMetadata"]["RequestId"].as_str().unwrap();
            assert_eq!(meta["HttpHeaders"]["x-amzn-RequestId"], rid);
            assert_eq!(meta["AllHttpHeaders"]["x-amzn-RequestId"], json!([rid]));
            assert!(meta["AllHttpHeaders"].get("Server").is_none());
        }
    }

    #[tokio::test]
    async fn qualifiers_and_partial_arns() {
        let Some(server) = LambdaServer::start() else {
            return;
        };
        server
            .register(json!({"q_fn": {"behaviour": "return", "value": {"ok": true}}}))
            .await;
        let client = server.client();
        for params in [
            json!({"FunctionName": "q_fn"}),
            json!({"FunctionName": "q_fn:$LATEST"}),
            json!({"FunctionName": "q_fn", "Qualifier": "$LATEST"}),
            json!({"FunctionName": format!("{ACCOUNT}:function:q_fn")}),
            json!({"FunctionName": format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:q_fn")}),
        ] {
            let result = client
                .run_task("arn:aws:states:::lambda:invoke.waitForTaskToken", &params)
                .await;
            assert_eq!(result.unwrap()["Payload"], json!({"ok": true}), "{params}");
        }
        let (error, cause) = client
            .run_task(
                INVOKE_ARN,
                &json!({"FunctionName": "q_fn", "Qualifier": "prod"}),
            )
            .await
            .unwrap_err();
        assert_eq!(error, "Lambda.ResourceNotFoundException");
        assert!(
            cause.starts_with(&format!("Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:q_fn:prod (Service: AWSLambda; Status Code: 404;")),
            "{cause}"
        );
    }

    #[tokio::test]
    async fn abandoned_call_leaves_client_usable() {
        let Some(server) = LambdaServer::start() else {
            return;
        };
        server
            .register(json!({"slow_fn": {"behaviour": "sleep_then_echo", "seconds": 1}, "fast_fn": {"behaviour": "echo"}}))
            .await;
        let client = server.client();
        let slow_params = json!({"FunctionName": "slow_fn"});
        let slow = client.run_task(INVOKE_ARN, &slow_params);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), slow)
                .await
                .is_err()
        );
        let result = client
            .run_task(
                INVOKE_ARN,
                &json!({"FunctionName": "fast_fn", "Payload": [1]}),
            )
            .await;
        assert_eq!(result.unwrap()["Payload"], json!([1]));
    }

    #[tokio::test]
    async fn transport_failures_are_sdk_client_exceptions() {
        // refused: a port just freed on 127.0.0.2 (lambda_server.py instances of parallel tests
        // listen on 127.0.0.1 only, so they cannot take it over)
        let addr = std::net::TcpListener::bind("127.0.0.2:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = LambdaClient::new(&format!("http://{addr}"), ACCOUNT, REGION).unwrap();
        let (error, cause) = client
            .run_task(INVOKE_ARN, &json!({"FunctionName": "f"}))
            .await
            .unwrap_err();
        assert_eq!(error, "Lambda.SdkClientException");
        assert!(
            cause.starts_with(&format!(
                "Unable to execute HTTP request: Connect to {addr} failed: "
            )),
            "{cause}"
        );

        // closed without an answer
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let closer = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                drop(socket);
            }
        });
        let client = LambdaClient::new(&format!("http://{addr}"), ACCOUNT, REGION).unwrap();
        let (error, cause) = client
            .run_task(INVOKE_ARN, &json!({"FunctionName": "f"}))
            .await
            .unwrap_err();
        assert_eq!(error, "Lambda.SdkClientException");
        assert!(
            cause.starts_with("Unable to execute HTTP request: "),
            "{cause}"
        );
        closer.abort();
    }

    #[tokio::test]
    async fn malformed_parameters_fail_before_calling() {
        let client = LambdaClient::new("http://127.0.0.1:9", ACCOUNT, REGION).unwrap();
        for (params, problem) in [
            (
                json!({"Payload": {}}),
                "[The field 'FunctionName' is required but was missing]",
            ),
            (
                json!({"FunctionName": 3}),
                "[The value for the field 'FunctionName' must be a STRING]",
            ),
            (
                json!({"FunctionName": "f", "LogType": true}),
                "[The value for the field 'LogType' must be a STRING]",
            ),
            (json!("f"), "[The Parameters must be a JSON object]"),
        ] {
            let (error, cause) = client.run_task(INVOKE_ARN, &params).await.unwrap_err();
            assert_eq!(error, "States.Runtime");
            assert_eq!(
                cause,
                format!("The Parameters '{params}' could not be used to start the Task: {problem}")
            );
        }
    }

    #[test]
    fn resource_forms() {
        for yes in [
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws-cn:states:::lambda:invoke",
            "arn:aws:states:us-east-1:123456789012:lambda:invoke",
            "arn:aws:lambda:us-east-1:123456789012:function:my-fn",
            "arn:aws:lambda:us-east-1:123456789012:function:my-fn:prod",
            "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST",
        ] {
            assert!(is_lambda_resource(yes), "{yes}");
        }
        for no in [
            "arn:aws:states:::lambda:invoke.sync",
            "arn:aws:states:::aws-sdk:lambda:invoke",
            "arn:aws:states:::lambda:invokeAsync",
            "arn:aws:states:::states:startExecution",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:lambda:us-east-1:123456789012:function:f:",
            "arn:aws:lambda:us-east-1:123456789012:function:f:a:b",
            "arn:aws:lambda:us-east-1:123456789012:layer:l",
            "arn:aws:states:us-east-1:123456789012:activity:a",
            "lambda:invoke",
            "",
        ] {
            assert!(!is_lambda_resource(no), "{no}");
        }
        assert_eq!(
            parse_resource("arn:aws-cn:states:::lambda:invoke"),
            Some(Target::Optimized {
                partition: "aws-cn".to_owned()
            })
        );
    }

    #[test]
    fn function_names_complete_into_arns() {
        let c = |f: &str| complete_function_name(f, "aws", ACCOUNT, REGION);
        assert_eq!(c("f"), "arn:aws:lambda:eu-west-1:123456789012:function:f");
        assert_eq!(
            c("f:prod"),
            "arn:aws:lambda:eu-west-1:123456789012:function:f:prod"
        );
        assert_eq!(
            c("210987654321:function:f"),
            "arn:aws:lambda:eu-west-1:210987654321:function:f"
        );
        assert_eq!(
            c("arn:aws:lambda:us-east-1:210987654321:function:f:1"),
            "arn:aws:lambda:us-east-1:210987654321:function:f:1"
        );
        assert_eq!(
            percent_encode("arn:aws:lambda:r:1:function:f:$LATEST"),
            "arn%3Aaws%3Alambda%3Ar%3A1%3Afunction%3Af%3A%24LATEST"
        );
    }

    #[test]
    fn payload_bodies() {
        assert_eq!(payload_body(&Value::Null), b"{}");
        assert_eq!(payload_body(&json!("\"HelloWorld\"")), b"\"HelloWorld\"");
        assert_eq!(payload_body(&json!("0")), b"0");
        assert_eq!(payload_body(&json!("[]")), b"[]");
        assert_eq!(payload_body(&json!("not json")), b"\"not json\"");
        assert_eq!(
            payload_body(&json!({"b": 1, "a": [true, null]})),
            br#"{"b":1,"a":[true,null]}"#
        );
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            parse_endpoint("http://127.0.0.1:9001").unwrap(),
            (
                "http://127.0.0.1:9001".to_owned(),
                "127.0.0.1:9001".to_owned()
            )
        );
        assert_eq!(
            parse_endpoint("http://localhost:4566/").unwrap().0,
            "http://localhost:4566"
        );
        assert_eq!(
            parse_endpoint("http://h/lambda/").unwrap().0,
            "http://h/lambda"
        );
        assert!(matches!(
            parse_endpoint("https://lambda.us-east-1.amazonaws.com"),
            Err(LambdaError::UnsupportedScheme { .. })
        ));
        for bad in [
            "",
            "127.0.0.1:9001",
            "/path",
            "http://h:1/?x=1",
            "http://u@h:1",
            "http://h:1:2",
        ] {
            assert!(
                matches!(
                    parse_endpoint(bad),
                    Err(LambdaError::InvalidEndpoint { .. })
                ),
                "{bad}"
            );
        }
        assert!(LambdaClient::new("http://h", "1234", REGION).is_err());
        assert!(LambdaClient::new("http://h", ACCOUNT, "").is_err());
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        Answer {
            status,
            headers: map,
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn error_mapping() {
        let opt = Target::Optimized {
            partition: "aws".to_owned(),
        };
        let rid = [("x-amzn-RequestId", "r-1")];
        // a function error without errorType (e.g. a crashed runtime)
        let body =
            r#"{"errorMessage":"2026-01-01T00:00:00Z abc Task timed out after 3.00 seconds"}"#;
        let a = answer(200, &[("X-Amz-Function-Error", "Unhandled")], body);
        assert_eq!(
            map_answer(&opt, &a).unwrap_err(),
            (
                "Lambda.Unknown".to_owned(),
                format!(
                    "The cause could not be determined because Lambda did not return an error type. Returned payload: {body}"
                )
            )
        );
        // a handled error keeps the body verbatim as cause
        let body = r#"{"errorType": "MyError", "errorMessage": "m"}"#;
        let a = answer(200, &[("X-Amz-Function-Error", "Handled")], body);
        assert_eq!(
            map_answer(&opt, &a).unwrap_err(),
            ("MyError".to_owned(), body.to_owned())
        );
        // modeled and unmodeled error codes, code suffixes and __type
        let a = answer(
            429,
            &[
                rid[0],
                (
                    "x-amzn-ErrorType",
                    "TooManyRequestsException:http://internal",
                ),
            ],
            r#"{"message":"Rate exceeded","Type":"User"}"#,
        );
        assert_eq!(
            service_error(&a),
            ("Lambda.TooManyRequestsException".to_owned(), "Rate exceeded (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: r-1; Proxy: null)".to_owned())
        );
        let a = answer(
            403,
            &rid,
            r#"{"__type":"com.amazon#AccessDeniedException","Message":"denied"}"#,
        );
        assert_eq!(
            service_error(&a),
            ("Lambda.AWSLambdaException".to_owned(), "denied (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: r-1; Proxy: null)".to_owned())
        );
        let a = answer(502, &[], "Bad Gateway");
        assert_eq!(
            service_error(&a),
            ("Lambda.AWSLambdaException".to_owned(), "Bad Gateway (Service: AWSLambda; Status Code: 502; Error Code: null; Request ID: null; Proxy: null)".to_owned())
        );
        // a non-JSON success body becomes a string payload
        let a = answer(200, &[], "plain text");
        assert_eq!(
            map_answer(&Target::Function("f".to_owned()), &a).unwrap(),
            json!("plain text")
        );
    }

    #[test]
    fn header_spellings_and_java_order() {
        // the order AWS recorded (services_test_lambda_task_service.py::test_invoke_unsupported_param)
        let recorded = [
            "X-Amz-Log-Result",
            "X-Amz-Executed-Version",
            "x-amzn-Remapped-Content-Length",
            "Connection",
            "x-amzn-RequestId",
            "Content-Length",
            "Date",
            "X-Amzn-Trace-Id",
            "Content-Type",
        ];
        let a = answer(
            200,
            &recorded
                .iter()
                .map(|n| (*n, "v"))
                .chain([("Server", "x")])
                .collect::<Vec<_>>(),
            "{}",
        );
        let meta = sdk_http_metadata(&a);
        let all: Vec<&str> = meta["AllHttpHeaders"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(all, recorded);
        let single: Vec<&str> = meta["HttpHeaders"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = recorded.to_vec();
        sorted.sort_by_key(|k| k.to_ascii_lowercase());
        assert_eq!(single, sorted);
        assert_eq!(
            header_spelling(&HeaderName::from_static("keep-alive")),
            "Keep-Alive"
        );
    }
}
