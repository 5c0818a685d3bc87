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
//! The client speaks HTTP/1.1 over plain TCP (`http://`) or TLS (`https://`, rustls with the
//! `ring` provider, trusting Mozilla's and the system's root certificates), so it serves Lambda
//! emulators (the conformance suite's `lambda_server.py`, LocalStack, `sam local start-lambda`)
//! and real AWS alike. The endpoint is the caller's choice: `baton serve` takes
//! `--lambda-endpoint` / `AWS_ENDPOINT_URL_LAMBDA` ([`LambdaClient::endpoint_from_env`] reads
//! the standard variables); AWS's own endpoint for a region is
//! [`LambdaClient::default_endpoint`] (`https://lambda.<region>.amazonaws.com`). Requests are
//! signed with AWS Signature Version 4 (service `lambda`, the client's region) when
//! `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and optionally `AWS_SESSION_TOKEN`) are set
//! at construction, as real AWS requires; without them they go unsigned, which emulators accept.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Uri};
use serde_json::{Map, Value};

use super::http::{PooledClient, error_chain, innermost, percent_encode, pooled_client};

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
/// The SigV4 signing name of the Lambda service.
const SIGNING_NAME: &str = "lambda";

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
    /// The endpoint is not an absolute `http(s)://host[:port][/path]` URL.
    #[error("invalid Lambda endpoint '{endpoint}': {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The endpoint's scheme is neither `http` nor `https`.
    #[error(
        "unsupported scheme '{scheme}' in Lambda endpoint '{endpoint}': only http:// and https:// endpoints are supported"
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
    /// TLS could not be set up (e.g. an extra root certificate is not a valid DER certificate).
    #[error("cannot set up TLS for the Lambda client: {reason}")]
    Tls {
        /// Why.
        reason: String,
    },
}

/// A Lambda `Invoke` client over HTTP or HTTPS, SigV4-signing its requests when credentials are set; cheap to clone.
///
/// Which endpoint it calls is the caller's choice (Baton passes `--lambda-endpoint` /
/// `AWS_ENDPOINT_URL_LAMBDA`): an emulator's `http://` URL, or real AWS when given
/// [`LambdaClient::default_endpoint`]'s `https://lambda.<region>.amazonaws.com`.
#[derive(Clone, Debug)]
pub struct LambdaClient {
    /// The shared state.
    inner: Arc<Inner>,
}

/// What the clones of one [`LambdaClient`] share.
#[derive(Debug)]
struct Inner {
    /// The pooled HTTP/1 client (plain HTTP and HTTPS).
    http: PooledClient,
    /// `http(s)://host[:port]` plus the endpoint's path prefix, without a trailing `/`.
    base: String,
    /// `host:port`, for transport error texts.
    authority: String,
    /// The account id completing bare function names.
    account: String,
    /// The region completing bare names and partial ARNs, and signing requests.
    region: String,
    /// The credentials signing requests (SigV4); `None` sends them unsigned.
    credentials: Option<Credentials>,
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
    ///
    /// Requests are SigV4-signed with the credentials in `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and (optionally) `AWS_SESSION_TOKEN`, read now; without them they
    /// are sent unsigned.
    pub fn new(endpoint: &str, account: &str, region: &str) -> Result<Self, LambdaError> {
        Self::build(endpoint, account, region, &[], credentials_from_env())
    }

    /// Like [`LambdaClient::new`], also trusting the DER-encoded root certificates `roots` for `https://` endpoints (e.g. a test server's self-signed certificate).
    pub fn with_roots(
        endpoint: &str,
        account: &str,
        region: &str,
        roots: &[Vec<u8>],
    ) -> Result<Self, LambdaError> {
        Self::build(endpoint, account, region, roots, credentials_from_env())
    }

    /// AWS's Lambda endpoint for `region`: `https://lambda.<region>.amazonaws.com` (`….amazonaws.com.cn` for the `cn-` regions).
    pub fn default_endpoint(region: &str) -> String {
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("https://lambda.{region}.{suffix}")
    }

    /// A client trusting `roots` too and signing with `credentials` (unsigned when `None`).
    fn build(
        endpoint: &str,
        account: &str,
        region: &str,
        roots: &[Vec<u8>],
        credentials: Option<Credentials>,
    ) -> Result<Self, LambdaError> {
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
        let http = pooled_client(roots, CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT)
            .map_err(|reason| LambdaError::Tls { reason })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                authority,
                account: account.to_owned(),
                region: region.to_owned(),
                credentials,
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
        let body = Bytes::from(invoke.body.clone().unwrap_or_default());
        let mut request = builder
            .body(Full::new(body.clone()))
            .map_err(|e| client_error(e.to_string()))?;
        if let Some(credentials) = &self.inner.credentials {
            sign_request(
                &mut request,
                &body,
                credentials,
                &self.inner.region,
                SystemTime::now(),
            )
            .map_err(|e| client_error(format!("the request could not be signed: {e}")))?;
        }
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

/// The credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// (optional), or `None` when the first two are not both set.
fn credentials_from_env() -> Option<Credentials> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let access_key_id = var("AWS_ACCESS_KEY_ID")?;
    let secret_access_key = var("AWS_SECRET_ACCESS_KEY")?;
    Some(Credentials::new(
        access_key_id,
        secret_access_key,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    ))
}

/// Signs `request` (whose body is `body`) with AWS Signature Version 4 for the Lambda service in
/// `region` at `time`: adds `x-amz-date`, `authorization` and, with a session token,
/// `x-amz-security-token`.
fn sign_request(
    request: &mut Request<Full<Bytes>>,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<(), String> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_NAME)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let uri = request.uri().to_string();
    let mut headers = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|_| format!("the value of {name} is not ASCII text"))?;
        headers.push((name.as_str(), value));
    }
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| error_chain(&e))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| error_chain(&e))?
        .into_parts();
    let (new_headers, _params) = instructions.into_parts();
    for header in new_headers {
        let mut value = HeaderValue::from_str(header.value())
            .map_err(|_| format!("the signed {} is not a valid header value", header.name()))?;
        value.set_sensitive(header.sensitive());
        let name = HeaderName::from_bytes(header.name().as_bytes())
            .map_err(|_| format!("the signed header name {} is not valid", header.name()))?;
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

/// `(base, authority)` of an `http(s)://host[:port][/prefix]` endpoint.
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
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(LambdaError::UnsupportedScheme {
            endpoint: endpoint.to_owned(),
            scheme,
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
    Ok((
        format!("{scheme}://{authority}{prefix}"),
        authority.to_string(),
    ))
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::http::tests::{Recorded, Reply, TestCert, TestServer};
    use super::*;
    use hyper_util::client::legacy::Client;
    use hyper_util::client::legacy::connect::HttpConnector;
    use hyper_util::rt::TokioExecutor;
    use serde_json::json;
    use sha2::{Digest, Sha256};
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
        assert_eq!(
            parse_endpoint("https://lambda.us-east-1.amazonaws.com").unwrap(),
            (
                "https://lambda.us-east-1.amazonaws.com".to_owned(),
                "lambda.us-east-1.amazonaws.com".to_owned()
            )
        );
        assert_eq!(
            parse_endpoint("HTTPS://localhost:4566/p/").unwrap().0,
            "https://localhost:4566/p"
        );
        assert!(
            LambdaClient::new("https://lambda.eu-west-1.amazonaws.com", ACCOUNT, REGION).is_ok()
        );
        for bad in ["ftp://h:1", "unix://h"] {
            assert!(
                matches!(
                    parse_endpoint(bad),
                    Err(LambdaError::UnsupportedScheme { .. })
                ),
                "{bad}"
            );
        }
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

    #[test]
    fn default_endpoints() {
        assert_eq!(
            LambdaClient::default_endpoint("us-east-1"),
            "https://lambda.us-east-1.amazonaws.com"
        );
        assert_eq!(
            LambdaClient::default_endpoint("cn-north-1"),
            "https://lambda.cn-north-1.amazonaws.com.cn"
        );
        let endpoint = LambdaClient::default_endpoint(REGION);
        assert_eq!(
            parse_endpoint(&endpoint).unwrap().1,
            "lambda.eu-west-1.amazonaws.com"
        );
        assert!(matches!(
            LambdaClient::with_roots(&endpoint, ACCOUNT, REGION, &[b"not DER".to_vec()]),
            Err(LambdaError::Tls { .. })
        ));
    }

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// HMAC-SHA256 (RFC 2104), written out so that the signature check does not rely on aws-sigv4.
    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut block = if key.len() > 64 {
            Sha256::digest(key).to_vec()
        } else {
            key.to_vec()
        };
        block.resize(64, 0);
        let pad = |x: u8| block.iter().map(|b| b ^ x).collect::<Vec<u8>>();
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(data)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    /// The SigV4 signing key for `date` (YYYYMMDD), `region` and `service`.
    fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
        let k = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
        let k = hmac(&k, region.as_bytes());
        let k = hmac(&k, service.as_bytes());
        hmac(&k, b"aws4_request")
    }

    /// `s` percent-decoded.
    fn decode(s: &str) -> Vec<u8> {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    /// The `Authorization` header AWS expects for a Lambda request signed by `AKID`/`SECRET`
    /// at `amz_date` over `signed` headers (lower case, sorted, all in `headers`), computed the
    /// way AWS documents SigV4 (the path's segments URI-encoded once more, as for every service
    /// but S3).
    #[allow(clippy::too_many_arguments)]
    fn expected_authorization(
        method: &str,
        raw_path: &str,
        raw_query: &str,
        headers: &[(String, String)],
        signed: &[&str],
        body: &[u8],
        amz_date: &str,
        region: &str,
    ) -> String {
        let path = raw_path
            .split('/')
            .map(|segment| percent_encode_bytes(segment.as_bytes()))
            .collect::<Vec<_>>()
            .join("/");
        let mut query: Vec<(String, String)> = raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (
                    percent_encode_bytes(&decode(k)),
                    percent_encode_bytes(&decode(v)),
                )
            })
            .collect();
        query.sort();
        let query = query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let mut canonical_headers = String::new();
        for name in signed {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
                .collect();
            assert!(!values.is_empty(), "signed header {name} not sent");
            canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
        }
        let signed_headers = signed.join(";");
        let canonical_request = format!(
            "{method}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{}",
            hex(&Sha256::digest(body))
        );
        let date = &amz_date[..8];
        let scope = format!("{date}/{region}/lambda/aws4_request");
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical_request.as_bytes()))
        );
        let signature = hex(&hmac(
            &signing_key(SECRET, date, region, "lambda"),
            string_to_sign.as_bytes(),
        ));
        format!(
            "AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
        )
    }

    /// RFC 3986 percent-encoding of every byte outside the unreserved set.
    fn percent_encode_bytes(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// The `SignedHeaders` of an `Authorization` header.
    fn signed_headers(authorization: &str) -> Vec<String> {
        let start = authorization.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
        let rest = &authorization[start..];
        rest[..rest.find(',').unwrap()]
            .split(';')
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn sigv4_reference_values() {
        // RFC 4231 test case 2 and AWS's documented signing-key derivation example
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&signing_key(SECRET, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn signs_a_fixed_request_deterministically() {
        let path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations";
        let uri = format!("https://lambda.us-east-1.amazonaws.com{path}?Qualifier=%24LATEST");
        let body = br#"{"a":1}"#;
        let request = || {
            Request::builder()
                .method(Method::POST)
                .uri(uri.as_str())
                .header("Content-Type", "application/json")
                .header("User-Agent", "baton/test")
                .header("X-Amz-Invocation-Type", "RequestResponse")
                .body(Full::new(Bytes::from_static(body)))
                .unwrap()
        };
        // 2015-08-30T12:36:00Z
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let credentials = Credentials::new(AKID, SECRET, None, None, "test");
        let mut signed = request();
        sign_request(&mut signed, body, &credentials, "us-east-1", time).unwrap();
        let header = |r: &Request<Full<Bytes>>, n: &str| {
            r.headers().get(n).map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(header(&signed, "x-amz-date").unwrap(), "20150830T123600Z");
        assert_eq!(header(&signed, "x-amz-security-token"), None);
        let authorization = header(&signed, "authorization").unwrap();
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type, Signature="
            ),
            "{authorization}"
        );
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "host".to_owned(),
                "lambda.us-east-1.amazonaws.com".to_owned(),
            ),
            ("x-amz-date".to_owned(), "20150830T123600Z".to_owned()),
            (
                "x-amz-invocation-type".to_owned(),
                "RequestResponse".to_owned(),
            ),
        ];
        assert_eq!(
            authorization,
            expected_authorization(
                "POST",
                path,
                "Qualifier=%24LATEST",
                &headers,
                &[
                    "content-type",
                    "host",
                    "x-amz-date",
                    "x-amz-invocation-type"
                ],
                body,
                "20150830T123600Z",
                "us-east-1",
            )
        );
        // the same inputs sign the same way; the untouched parts stay
        let mut again = request();
        sign_request(&mut again, body, &credentials, "us-east-1", time).unwrap();
        assert_eq!(header(&again, "authorization").unwrap(), authorization);
        assert_eq!(header(&signed, "user-agent").unwrap(), "baton/test");
        assert_eq!(signed.uri().to_string(), uri);

        // a session token is sent and signed
        let temporary = Credentials::new(AKID, SECRET, Some("the-token".to_owned()), None, "test");
        let mut signed = request();
        sign_request(&mut signed, body, &temporary, "us-east-1", time).unwrap();
        assert_eq!(
            header(&signed, "x-amz-security-token").unwrap(),
            "the-token"
        );
        let authorization = header(&signed, "authorization").unwrap();
        assert_eq!(
            signed_headers(&authorization),
            [
                "content-type",
                "host",
                "x-amz-date",
                "x-amz-invocation-type",
                "x-amz-security-token"
            ]
        );
    }

    /// A TLS server answering like Lambda's Invoke API (`{"ok": true}`, a request id).
    async fn tls_lambda(cert: &TestCert) -> TestServer {
        TestServer::start_tls(cert, |_| {
            let mut reply = Reply::json(200, json!({"ok": true}));
            reply.headers.push(("x-amzn-requestid", "req-1".to_owned()));
            reply
        })
        .await
    }

    /// Checks that `request` carries a valid SigV4 signature by `AKID`/`SECRET` for `region`,
    /// verified as AWS would (recomputed from what was received).
    fn assert_signed(request: &Recorded, region: &str) {
        let authorization = request.header("authorization").pop().unwrap();
        let amz_date = request.header("x-amz-date").pop().unwrap();
        assert_eq!(amz_date.len(), 16, "{amz_date}");
        let date = &amz_date[..8];
        assert!(
            authorization.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={AKID}/{date}/{region}/lambda/aws4_request, SignedHeaders="
            )),
            "{authorization}"
        );
        let signed = signed_headers(&authorization);
        for needed in ["content-type", "host", "x-amz-date"] {
            assert!(signed.iter().any(|h| h == needed), "{authorization}");
        }
        let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
        assert_eq!(
            authorization,
            expected_authorization(
                &request.method,
                &request.path,
                &request.query,
                &request.headers,
                &signed,
                request.body.as_bytes(),
                &amz_date,
                region,
            )
        );
    }

    #[tokio::test]
    async fn https_invocations_signed_with_credentials() {
        let cert = TestCert::new();
        let server = tls_lambda(&cert).await;
        let endpoint = server.url("");
        assert!(endpoint.starts_with("https://127.0.0.1:"));
        let credentials = Credentials::new(AKID, SECRET, None, None, "test");
        let client = LambdaClient::build(
            &endpoint,
            ACCOUNT,
            REGION,
            std::slice::from_ref(&cert.der),
            Some(credentials),
        )
        .unwrap();
        let params = json!({"FunctionName": "f", "Payload": {"a": [1, "x y"]}, "Qualifier": "$LATEST", "InvocationType": "RequestResponse"});
        let result = client.run_task(INVOKE_ARN, &params).await.unwrap();
        assert_eq!(result["Payload"], json!({"ok": true}));
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(result["SdkResponseMetadata"]["RequestId"], "req-1");
        let request = server.last();
        assert_eq!(
            request.path,
            format!(
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3A{REGION}%3A{ACCOUNT}%3Afunction%3Af/invocations"
            )
        );
        assert_eq!(request.query, "Qualifier=%24LATEST");
        assert_signed(&request, REGION);
        assert!(
            signed_headers(&request.header("authorization")[0])
                .contains(&"x-amz-invocation-type".to_owned())
        );

        // the function ARN form, through the same pooled client
        let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:g");
        assert_eq!(
            client.run_task(&arn, &json!([1])).await.unwrap(),
            json!({"ok": true})
        );
        assert_signed(&server.last(), REGION);
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn invocations_without_credentials_are_unsigned() {
        let cert = TestCert::new();
        let server = tls_lambda(&cert).await;
        let client = LambdaClient::build(
            &server.url(""),
            ACCOUNT,
            REGION,
            std::slice::from_ref(&cert.der),
            None,
        )
        .unwrap();
        let result = client
            .run_task(INVOKE_ARN, &json!({"FunctionName": "f"}))
            .await
            .unwrap();
        assert_eq!(result["Payload"], json!({"ok": true}));
        let request = server.last();
        assert!(request.header("authorization").is_empty());
        assert!(request.header("x-amz-date").is_empty());
        assert!(request.header("x-amz-security-token").is_empty());
    }

    #[tokio::test]
    async fn untrusted_certificates_are_sdk_client_exceptions() {
        let server = tls_lambda(&TestCert::new()).await;
        let endpoint = server.url("");
        let client = LambdaClient::build(&endpoint, ACCOUNT, REGION, &[], None).unwrap();
        let (error, cause) = client
            .run_task(INVOKE_ARN, &json!({"FunctionName": "f"}))
            .await
            .unwrap_err();
        assert_eq!(error, "Lambda.SdkClientException");
        let authority = endpoint.trim_start_matches("https://");
        assert!(
            cause.starts_with(&format!(
                "Unable to execute HTTP request: Connect to {authority} failed: "
            )),
            "{cause}"
        );
        assert!(cause.contains("certificate"), "{cause}");
        assert!(server.requests().is_empty());
    }
}
