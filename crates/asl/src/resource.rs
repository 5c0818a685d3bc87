//! The `Resource` field of a `Task` state: parsing and classification.
//!
//! A Task's `Resource` names what the state calls. AWS Step Functions accepts four shapes,
//! and rejects everything else when a state machine is created or validated:
//!
//! - an activity: `arn:aws:states:REGION:ACCOUNT:activity:NAME`;
//! - a Lambda function called directly (the legacy form):
//!   `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`;
//! - an optimized service integration: `arn:aws:states:::SERVICE:ACTION[.PATTERN]`, where the
//!   (service, action, pattern) triple must be one AWS offers (see [`OPTIMIZED_INTEGRATIONS`]);
//! - an AWS SDK integration: `arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken]`.
//!
//! [`parse_resource`] turns the text into a [`TaskResource`], or a [`ResourceError`] whose
//! message is the one AWS reports.

use std::fmt;
use std::str::FromStr;

/// How a Task waits for the service it calls: the suffix of a service-integration ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationPattern {
    /// No suffix: call the API and move on once it answers.
    RequestResponse,
    /// `.sync`: start a job and wait for it to finish.
    Sync,
    /// `.sync:2`: like `.sync`, but the result is parsed JSON (Step Functions executions only).
    Sync2,
    /// `.waitForTaskToken`: call the API with a task token and wait until it is returned.
    WaitForTaskToken,
}

impl IntegrationPattern {
    /// Every pattern, in the order AWS documents them.
    pub const ALL: [Self; 4] = [
        Self::RequestResponse,
        Self::Sync,
        Self::Sync2,
        Self::WaitForTaskToken,
    ];

    /// The ARN suffix that selects this pattern, dot included (`""` for request-response).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::RequestResponse => "",
            Self::Sync => ".sync",
            Self::Sync2 => ".sync:2",
            Self::WaitForTaskToken => ".waitForTaskToken",
        }
    }

    /// The pattern a suffix (text after the action's first `.`) selects, if any.
    pub fn from_suffix(suffix: &str) -> Option<Self> {
        match suffix {
            "sync" => Some(Self::Sync),
            "sync:2" => Some(Self::Sync2),
            "waitForTaskToken" => Some(Self::WaitForTaskToken),
            _ => None,
        }
    }

    /// Whether this is a Run a Job pattern (`.sync` or `.sync:2`).
    pub fn is_sync(self) -> bool {
        matches!(self, Self::Sync | Self::Sync2)
    }

    /// Whether this is the callback pattern (`.waitForTaskToken`).
    pub fn is_callback(self) -> bool {
        self == Self::WaitForTaskToken
    }
}

/// What a Task's `Resource` names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A Step Functions activity, polled by workers with `GetActivityTask`.
    Activity {
        /// The activity's region, e.g. `us-east-1`.
        region: String,
        /// The activity's 12-digit account ID.
        account: String,
        /// The activity's name.
        name: String,
    },
    /// A Lambda function called directly by its ARN (the legacy, pre-`lambda:invoke` form).
    LambdaFunction {
        /// The function's region.
        region: String,
        /// The function's 12-digit account ID.
        account: String,
        /// The function's name.
        function_name: String,
        /// The version, alias or `$LATEST` after the name, if one was given.
        qualifier: Option<String>,
    },
    /// An optimized integration: `arn:aws:states:::SERVICE:ACTION[.PATTERN]`.
    ServiceIntegration {
        /// The integration's service as spelled in the ARN, e.g. `sqs` or `elasticmapreduce`.
        service: String,
        /// The integration's action as spelled in the ARN, e.g. `sendMessage`.
        action: String,
        /// The pattern the suffix selects.
        pattern: IntegrationPattern,
    },
    /// An AWS SDK integration: `arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken]`.
    AwsSdk {
        /// The SDK service name as spelled in the ARN, e.g. `s3` or `cloudwatchlogs`.
        service: String,
        /// The API action in camelCase, e.g. `getObject`.
        action: String,
        /// Request-response or `.waitForTaskToken` (the only two AWS offers here).
        pattern: IntegrationPattern,
    },
}

/// A parsed, valid Task `Resource`: the original text plus what it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskResource {
    text: String,
    partition: String,
    kind: ResourceKind,
}

impl TaskResource {
    /// The `Resource` text exactly as written in the definition.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The `Resource` text, consuming the value.
    pub fn into_string(self) -> String {
        self.text
    }

    /// What the resource names.
    pub fn kind(&self) -> &ResourceKind {
        &self.kind
    }

    /// The ARN partition: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The integration pattern, for service and SDK integrations (`None` otherwise).
    pub fn pattern(&self) -> Option<IntegrationPattern> {
        match &self.kind {
            ResourceKind::ServiceIntegration { pattern, .. }
            | ResourceKind::AwsSdk { pattern, .. } => Some(*pattern),
            ResourceKind::Activity { .. } | ResourceKind::LambdaFunction { .. } => None,
        }
    }

    /// The integrated service (`sqs`, or `s3` for `aws-sdk:s3`), for service and SDK integrations.
    pub fn service(&self) -> Option<&str> {
        match &self.kind {
            ResourceKind::ServiceIntegration { service, .. }
            | ResourceKind::AwsSdk { service, .. } => Some(service),
            ResourceKind::Activity { .. } | ResourceKind::LambdaFunction { .. } => None,
        }
    }

    /// The integrated action (`sendMessage`), for service and SDK integrations.
    pub fn action(&self) -> Option<&str> {
        match &self.kind {
            ResourceKind::ServiceIntegration { action, .. }
            | ResourceKind::AwsSdk { action, .. } => Some(action),
            ResourceKind::Activity { .. } | ResourceKind::LambdaFunction { .. } => None,
        }
    }

    /// Whether the resource is an activity ARN.
    pub fn is_activity(&self) -> bool {
        matches!(self.kind, ResourceKind::Activity { .. })
    }

    /// Whether the resource is a Lambda function ARN (the legacy direct form).
    pub fn is_lambda_function(&self) -> bool {
        matches!(self.kind, ResourceKind::LambdaFunction { .. })
    }

    /// Whether the resource is an optimized service integration.
    pub fn is_service_integration(&self) -> bool {
        matches!(self.kind, ResourceKind::ServiceIntegration { .. })
    }

    /// Whether the resource is an AWS SDK integration.
    pub fn is_aws_sdk(&self) -> bool {
        matches!(self.kind, ResourceKind::AwsSdk { .. })
    }

    /// Whether the Task waits for a task token (`.waitForTaskToken`).
    pub fn is_callback(&self) -> bool {
        self.pattern().is_some_and(IntegrationPattern::is_callback)
    }

    /// Whether the Task runs a job to completion (`.sync` or `.sync:2`).
    pub fn is_sync(&self) -> bool {
        self.pattern().is_some_and(IntegrationPattern::is_sync)
    }

    /// AWS's message when an EXPRESS state machine may not use this resource, else `None`.
    pub fn express_violation(&self) -> Option<&'static str> {
        if self.is_activity() {
            return Some("Express state machine does not support Activity ARN");
        }
        match self.pattern() {
            Some(IntegrationPattern::Sync | IntegrationPattern::Sync2) => {
                Some("Express state machine does not support '.sync' service integration")
            }
            Some(IntegrationPattern::WaitForTaskToken) => Some(
                "Express state machine does not support '.waitForTaskToken' service integration",
            ),
            Some(IntegrationPattern::RequestResponse) | None => None,
        }
    }
}

impl fmt::Display for TaskResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for TaskResource {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl FromStr for TaskResource {
    type Err = ResourceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_resource(text)
    }
}

/// Why a `Resource` value was rejected; `Display` gives AWS's message for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// The value is not shaped like an ARN at all (`"xxx"`, `""`, `"arn:aws"`).
    #[error("Value is not a valid resource ARN")]
    NotAnArn {
        /// The rejected `Resource` text.
        resource: String,
    },
    /// The value is ARN-shaped but names nothing a Task can call.
    #[error("{}", not_recognized_message(.resource))]
    NotRecognized {
        /// The rejected `Resource` text.
        resource: String,
    },
    /// A known integration with a pattern suffix it does not offer (`http:invoke.sync`).
    #[error("{}", not_recognized_message(.resource))]
    UnsupportedPattern {
        /// The rejected `Resource` text.
        resource: String,
        /// The pattern the suffix asked for.
        pattern: IntegrationPattern,
    },
}

impl ResourceError {
    /// The rejected `Resource` text.
    pub fn resource(&self) -> &str {
        match self {
            Self::NotAnArn { resource }
            | Self::NotRecognized { resource }
            | Self::UnsupportedPattern { resource, .. } => resource,
        }
    }
}

/// AWS's "not recognized" message, which prints `arn:<partition>:` in place of the partition.
pub fn not_recognized_message(resource: &str) -> String {
    format!(
        "The resource provided {} is not recognized. The value is not a valid resource ARN, \
         or the resource is not available in this region.",
        redact_partition(resource)
    )
}

/// `arn:aws:states:::x` becomes `arn:<partition>:states:::x`; other text is left alone.
fn redact_partition(resource: &str) -> String {
    match resource
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(':'))
    {
        Some((_partition, rest)) => format!("arn:<partition>:{rest}"),
        None => resource.to_owned(),
    }
}

/// One optimized integration: a (service, action) pair and the patterns AWS offers for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimizedIntegration {
    /// The service as spelled in the ARN, e.g. `elasticmapreduce`.
    pub service: &'static str,
    /// The action as spelled in the ARN, e.g. `createCluster`.
    pub action: &'static str,
    /// The patterns the integration accepts; request-response is always among them.
    pub patterns: &'static [IntegrationPattern],
}

use IntegrationPattern::{
    RequestResponse as RR, Sync as SYNC, Sync2 as SYNC2, WaitForTaskToken as WAIT,
};

const P_RR: &[IntegrationPattern] = &[RR];
const P_RR_SYNC: &[IntegrationPattern] = &[RR, SYNC];
const P_RR_WAIT: &[IntegrationPattern] = &[RR, WAIT];
const P_RR_SYNC_WAIT: &[IntegrationPattern] = &[RR, SYNC, WAIT];
const P_ALL: &[IntegrationPattern] = &[RR, SYNC, SYNC2, WAIT];

const fn oi(
    service: &'static str,
    action: &'static str,
    patterns: &'static [IntegrationPattern],
) -> OptimizedIntegration {
    OptimizedIntegration {
        service,
        action,
        patterns,
    }
}

/// Every optimized integration AWS Step Functions recognises, with its supported patterns.
///
/// Source: the AWS Step Functions Developer Guide, "Integrating optimized services with Step
/// Functions" (integrate-optimized / connect-supported-services), whose table gives the
/// per-service pattern support, refined per action by each service's page (connect-athena,
/// connect-codebuild, connect-emr, connect-emr-eks, connect-emr-serverless, connect-eks,
/// connect-sagemaker, connect-bedrock, connect-mediaconvert, ...), which list the APIs and
/// which of them offer `.sync`. `.waitForTaskToken` follows the service-level table (API
/// Gateway, Bedrock, ECS, EKS, EventBridge, Lambda, SNS, SQS, Step Functions); `.sync:2`
/// exists only for `states:startExecution`. Cross-checked against the task constructs of
/// aws-cdk-lib's `aws-stepfunctions-tasks` (which, e.g., calls `glue:startCrawler` and
/// `dynamodb:transactWriteItems` through `aws-sdk:`, so those are not optimized) and the
/// service folders of LocalStack's Step Functions emulator.
pub const OPTIMIZED_INTEGRATIONS: &[OptimizedIntegration] = &[
    // Amazon API Gateway
    oi("apigateway", "invoke", P_RR_WAIT),
    // Amazon Athena
    oi("athena", "startQueryExecution", P_RR_SYNC),
    oi("athena", "stopQueryExecution", P_RR),
    oi("athena", "getQueryExecution", P_RR),
    oi("athena", "getQueryResults", P_RR),
    // AWS Batch
    oi("batch", "submitJob", P_RR_SYNC),
    // Amazon Bedrock
    oi("bedrock", "invokeModel", P_RR_WAIT),
    oi("bedrock", "createModelCustomizationJob", P_RR_SYNC_WAIT),
    // AWS CodeBuild
    oi("codebuild", "startBuild", P_RR_SYNC),
    oi("codebuild", "stopBuild", P_RR),
    oi("codebuild", "batchDeleteBuilds", P_RR),
    oi("codebuild", "batchGetReports", P_RR),
    oi("codebuild", "startBuildBatch", P_RR_SYNC),
    oi("codebuild", "stopBuildBatch", P_RR),
    oi("codebuild", "retryBuildBatch", P_RR_SYNC),
    oi("codebuild", "deleteBuildBatch", P_RR),
    // AWS Glue DataBrew
    oi("databrew", "startJobRun", P_RR_SYNC),
    // Amazon DynamoDB (query, scan, batch and transaction APIs are aws-sdk only)
    oi("dynamodb", "getItem", P_RR),
    oi("dynamodb", "putItem", P_RR),
    oi("dynamodb", "updateItem", P_RR),
    oi("dynamodb", "deleteItem", P_RR),
    // Amazon ECS / Fargate
    oi("ecs", "runTask", P_RR_SYNC_WAIT),
    // Amazon EKS
    oi("eks", "createCluster", P_RR_SYNC_WAIT),
    oi("eks", "deleteCluster", P_RR_SYNC_WAIT),
    oi("eks", "createFargateProfile", P_RR_SYNC_WAIT),
    oi("eks", "deleteFargateProfile", P_RR_SYNC_WAIT),
    oi("eks", "createNodegroup", P_RR_SYNC_WAIT),
    oi("eks", "deleteNodegroup", P_RR_SYNC_WAIT),
    oi("eks", "runJob", P_RR_SYNC_WAIT),
    oi("eks", "call", P_RR_WAIT),
    // Amazon EMR
    oi("elasticmapreduce", "createCluster", P_RR_SYNC),
    oi("elasticmapreduce", "setClusterTerminationProtection", P_RR),
    oi("elasticmapreduce", "terminateCluster", P_RR_SYNC),
    oi("elasticmapreduce", "addStep", P_RR_SYNC),
    oi("elasticmapreduce", "cancelStep", P_RR),
    oi("elasticmapreduce", "modifyInstanceFleetByName", P_RR),
    oi("elasticmapreduce", "modifyInstanceGroupByName", P_RR),
    // Amazon EMR on EKS
    oi("emr-containers", "createVirtualCluster", P_RR),
    oi("emr-containers", "deleteVirtualCluster", P_RR_SYNC),
    oi("emr-containers", "startJobRun", P_RR_SYNC),
    // Amazon EMR Serverless
    oi("emr-serverless", "createApplication", P_RR_SYNC),
    oi("emr-serverless", "startApplication", P_RR_SYNC),
    oi("emr-serverless", "stopApplication", P_RR_SYNC),
    oi("emr-serverless", "deleteApplication", P_RR_SYNC),
    oi("emr-serverless", "startJobRun", P_RR_SYNC),
    oi("emr-serverless", "cancelJobRun", P_RR_SYNC),
    // Amazon EventBridge
    oi("events", "putEvents", P_RR_WAIT),
    // AWS Glue (startCrawler is aws-sdk only)
    oi("glue", "startJobRun", P_RR_SYNC),
    // HTTP Task
    oi("http", "invoke", P_RR),
    // AWS Lambda
    oi("lambda", "invoke", P_RR_WAIT),
    // AWS Elemental MediaConvert
    oi("mediaconvert", "createJob", P_RR_SYNC),
    // Amazon SageMaker AI
    oi("sagemaker", "createEndpoint", P_RR),
    oi("sagemaker", "createEndpointConfig", P_RR),
    oi("sagemaker", "createHyperParameterTuningJob", P_RR_SYNC),
    oi("sagemaker", "createLabelingJob", P_RR_SYNC),
    oi("sagemaker", "createModel", P_RR),
    oi("sagemaker", "createProcessingJob", P_RR_SYNC),
    oi("sagemaker", "createTrainingJob", P_RR_SYNC),
    oi("sagemaker", "createTransformJob", P_RR_SYNC),
    oi("sagemaker", "updateEndpoint", P_RR),
    // Amazon SNS
    oi("sns", "publish", P_RR_WAIT),
    // Amazon SQS
    oi("sqs", "sendMessage", P_RR_WAIT),
    // AWS Step Functions
    oi("states", "startExecution", P_ALL),
];

/// The optimized integration for a (service, action) pair, if AWS offers one.
pub fn optimized_integration(service: &str, action: &str) -> Option<&'static OptimizedIntegration> {
    OPTIMIZED_INTEGRATIONS
        .iter()
        .find(|i| i.service == service && i.action == action)
}

/// The ARN partitions AWS has; any other partition is not recognized.
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Parse and classify a Task state's `Resource` the way AWS validates it at creation time.
pub fn parse_resource(text: &str) -> Result<TaskResource, ResourceError> {
    let not_arn = || ResourceError::NotAnArn {
        resource: text.to_owned(),
    };
    let not_recognized = || ResourceError::NotRecognized {
        resource: text.to_owned(),
    };

    let rest = text.strip_prefix("arn:").ok_or_else(not_arn)?;
    let mut fields = rest.splitn(5, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(not_arn());
    };
    if !is_arn_token(partition, false)
        || !is_arn_token(service, false)
        || !is_arn_token(region, true)
        || !is_arn_token(account, true)
        || resource.is_empty()
        || resource.chars().any(char::is_control)
    {
        return Err(not_arn());
    }
    if !PARTITIONS.contains(&partition) {
        return Err(not_recognized());
    }

    let kind = match service {
        "states" if region.is_empty() && account.is_empty() => parse_integration(text, resource)?,
        "states" => {
            let name = resource
                .strip_prefix("activity:")
                .ok_or_else(not_recognized)?;
            // Region and account are only required to be present: AWS resolves them at run
            // time, and definitions written for other tools use placeholders such as `42`.
            if region.is_empty() || account.is_empty() || !is_activity_name(name) {
                return Err(not_recognized());
            }
            ResourceKind::Activity {
                region: region.to_owned(),
                account: account.to_owned(),
                name: name.to_owned(),
            }
        }
        "lambda" => {
            let function = resource
                .strip_prefix("function:")
                .ok_or_else(not_recognized)?;
            let (function_name, qualifier) = match function.split_once(':') {
                Some((name, qualifier)) => (name, Some(qualifier)),
                None => (function, None),
            };
            if region.is_empty()
                || account.is_empty()
                || !is_lambda_name(function_name)
                || !qualifier.is_none_or(is_lambda_qualifier)
            {
                return Err(not_recognized());
            }
            ResourceKind::LambdaFunction {
                region: region.to_owned(),
                account: account.to_owned(),
                function_name: function_name.to_owned(),
                qualifier: qualifier.map(str::to_owned),
            }
        }
        _ => return Err(not_recognized()),
    };
    Ok(TaskResource {
        text: text.to_owned(),
        partition: partition.to_owned(),
        kind,
    })
}

/// Classify the part of an `arn:P:states:::` ARN after the empty region and account.
fn parse_integration(text: &str, resource: &str) -> Result<ResourceKind, ResourceError> {
    let not_recognized = || ResourceError::NotRecognized {
        resource: text.to_owned(),
    };
    let (service, tail) = resource.split_once(':').ok_or_else(not_recognized)?;

    if service == "aws-sdk" {
        let (sdk_service, action_part) = tail.split_once(':').ok_or_else(not_recognized)?;
        let (action, pattern) = split_pattern(text, action_part)?;
        if !is_sdk_service(sdk_service) || !is_action(action) {
            return Err(not_recognized());
        }
        if pattern.is_sync() {
            return Err(ResourceError::UnsupportedPattern {
                resource: text.to_owned(),
                pattern,
            });
        }
        return Ok(ResourceKind::AwsSdk {
            service: sdk_service.to_owned(),
            action: action.to_owned(),
            pattern,
        });
    }

    let (action, pattern) = split_pattern(text, tail)?;
    let integration = optimized_integration(service, action).ok_or_else(not_recognized)?;
    if !integration.patterns.contains(&pattern) {
        return Err(ResourceError::UnsupportedPattern {
            resource: text.to_owned(),
            pattern,
        });
    }
    Ok(ResourceKind::ServiceIntegration {
        service: service.to_owned(),
        action: action.to_owned(),
        pattern,
    })
}

/// Split `action[.suffix]` into the action and the pattern its suffix selects.
fn split_pattern<'a>(
    text: &str,
    action_part: &'a str,
) -> Result<(&'a str, IntegrationPattern), ResourceError> {
    let not_recognized = || ResourceError::NotRecognized {
        resource: text.to_owned(),
    };
    let (action, pattern) = match action_part.split_once('.') {
        Some((action, suffix)) => (
            action,
            IntegrationPattern::from_suffix(suffix).ok_or_else(not_recognized)?,
        ),
        None => (action_part, IntegrationPattern::RequestResponse),
    };
    if action.contains(':') {
        return Err(not_recognized());
    }
    Ok((action, pattern))
}

/// A partition, service, region or account field: lower-case ASCII, digits and `-`.
fn is_arn_token(s: &str, may_be_empty: bool) -> bool {
    (may_be_empty || !s.is_empty())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An activity name: 1 to 80 characters, none of them whitespace, control or reserved.
fn is_activity_name(s: &str) -> bool {
    const RESERVED: &str = "<>{}[]?*\"#%\\^|~`$&,;:/";
    let count = s.chars().count();
    (1..=80).contains(&count)
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !RESERVED.contains(c))
}

/// A Lambda function name: 1 to 64 of `[A-Za-z0-9_-]`.
fn is_lambda_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A Lambda qualifier: `$LATEST`, a version number, or an alias of `[A-Za-z0-9_-]`.
fn is_lambda_qualifier(s: &str) -> bool {
    s == "$LATEST"
        || ((1..=128).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// An AWS SDK service name as Step Functions spells it: lower-case ASCII letters and digits.
fn is_sdk_service(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// An API action in camelCase: a lower-case ASCII letter, then ASCII letters and digits.
fn is_action(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a table row expects `parse_resource` to produce.
    #[derive(Debug)]
    enum Expect {
        Activity(&'static str),
        Lambda(&'static str, Option<&'static str>),
        Service(&'static str, &'static str, IntegrationPattern),
        Sdk(&'static str, &'static str, IntegrationPattern),
        NotAnArn,
        NotRecognized,
        Unsupported(IntegrationPattern),
    }

    use Expect::*;

    const CASES: &[(&str, Expect)] = &[
        // Activities.
        (
            "arn:aws:states:us-east-1:123456789012:activity:MyActivity",
            Activity("MyActivity"),
        ),
        (
            "arn:aws-cn:states:cn-north-1:123456789012:activity:my-activity_1",
            Activity("my-activity_1"),
        ),
        (
            "arn:aws-us-gov:states:us-gov-west-1:123456789012:activity:a",
            Activity("a"),
        ),
        (
            "arn:aws:states:us-east-1:123456789012:activity:",
            NotRecognized,
        ),
        (
            "arn:aws:states:us-east-1:123456789012:activity:has space",
            NotRecognized,
        ),
        (
            "arn:aws:states:us-east-1:123456789012:activity:a:b",
            NotRecognized,
        ),
        (
            "arn:aws:states::123456789012:activity:no-region",
            NotRecognized,
        ),
        (
            "arn:aws:states:us-east-1::activity:no-account",
            NotRecognized,
        ),
        (
            "arn:aws:states:us-east-1:123456789012:stateMachine:Sm",
            NotRecognized,
        ),
        // Legacy Lambda function ARNs.
        (
            "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction",
            Lambda("HelloFunction", None),
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction:prod",
            Lambda("HelloFunction", Some("prod")),
        ),
        (
            "arn:aws:lambda:eu-west-2:123456789012:function:fn_1:42",
            Lambda("fn_1", Some("42")),
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST",
            Lambda("fn", Some("$LATEST")),
        ),
        (
            "arn:aws-cn:lambda:cn-northwest-1:123456789012:function:fn",
            Lambda("fn", None),
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:fn:a:b",
            NotRecognized,
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:",
            NotRecognized,
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:bad.name",
            NotRecognized,
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:layer:x",
            NotRecognized,
        ),
        ("arn:aws:lambda:::function:fn", NotRecognized),
        // Optimized integrations and their patterns.
        (
            "arn:aws:states:::lambda:invoke",
            Service("lambda", "invoke", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Service("lambda", "invoke", IntegrationPattern::WaitForTaskToken),
        ),
        (
            "arn:aws:states:::lambda:invoke.sync",
            Unsupported(IntegrationPattern::Sync),
        ),
        (
            "arn:aws:states:::states:startExecution",
            Service(
                "states",
                "startExecution",
                IntegrationPattern::RequestResponse,
            ),
        ),
        (
            "arn:aws:states:::states:startExecution.sync",
            Service("states", "startExecution", IntegrationPattern::Sync),
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            Service("states", "startExecution", IntegrationPattern::Sync2),
        ),
        (
            "arn:aws:states:::states:startExecution.waitForTaskToken",
            Service(
                "states",
                "startExecution",
                IntegrationPattern::WaitForTaskToken,
            ),
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            Service("sqs", "sendMessage", IntegrationPattern::WaitForTaskToken),
        ),
        (
            "arn:aws:states:::ecs:runTask.sync",
            Service("ecs", "runTask", IntegrationPattern::Sync),
        ),
        (
            "arn:aws:states:::ecs:runTask.sync:2",
            Unsupported(IntegrationPattern::Sync2),
        ),
        (
            "arn:aws:states:::http:invoke",
            Service("http", "invoke", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws:states:::http:invoke.sync",
            Unsupported(IntegrationPattern::Sync),
        ),
        (
            "arn:aws:states:::http:invoke.waitForTaskToken",
            Unsupported(IntegrationPattern::WaitForTaskToken),
        ),
        (
            "arn:aws:states:::dynamodb:putItem",
            Service("dynamodb", "putItem", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws:states:::dynamodb:getItem.waitForTaskToken",
            Unsupported(IntegrationPattern::WaitForTaskToken),
        ),
        ("arn:aws:states:::dynamodb:query", NotRecognized),
        ("arn:aws:states:::glue:startCrawler", NotRecognized),
        (
            "arn:aws:states:::elasticmapreduce:createCluster.sync",
            Service(
                "elasticmapreduce",
                "createCluster",
                IntegrationPattern::Sync,
            ),
        ),
        (
            "arn:aws:states:::emr-serverless:startJobRun.sync",
            Service("emr-serverless", "startJobRun", IntegrationPattern::Sync),
        ),
        (
            "arn:aws-cn:states:::sns:publish",
            Service("sns", "publish", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws-us-gov:states:::batch:submitJob.sync",
            Service("batch", "submitJob", IntegrationPattern::Sync),
        ),
        ("arn:aws:states:::lambda:Invoke", NotRecognized),
        ("arn:aws:states:::lambda:invoke.", NotRecognized),
        ("arn:aws:states:::lambda:invoke.sync:3", NotRecognized),
        ("arn:aws:states:::lambda:invoke.SYNC", NotRecognized),
        ("arn:aws:states:::lambda:invoke:extra", NotRecognized),
        ("arn:aws:states:::lambda", NotRecognized),
        ("arn:aws:states:::nosuchservice:doThing", NotRecognized),
        (
            "arn:aws:states:us-east-1:123456789012:lambda:invoke",
            NotRecognized,
        ),
        ("arn:aws:states:::", NotAnArn),
        // AWS SDK integrations.
        (
            "arn:aws:states:::aws-sdk:s3:getObject",
            Sdk("s3", "getObject", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws:states:::aws-sdk:dynamodb:query",
            Sdk("dynamodb", "query", IntegrationPattern::RequestResponse),
        ),
        (
            "arn:aws:states:::aws-sdk:sfn:startSyncExecution",
            Sdk(
                "sfn",
                "startSyncExecution",
                IntegrationPattern::RequestResponse,
            ),
        ),
        (
            "arn:aws:states:::aws-sdk:sqs:sendMessage.waitForTaskToken",
            Sdk("sqs", "sendMessage", IntegrationPattern::WaitForTaskToken),
        ),
        (
            "arn:aws-us-gov:states:::aws-sdk:ec2:describeInstances",
            Sdk(
                "ec2",
                "describeInstances",
                IntegrationPattern::RequestResponse,
            ),
        ),
        (
            "arn:aws:states:::aws-sdk:s3:getObject.sync",
            Unsupported(IntegrationPattern::Sync),
        ),
        (
            "arn:aws:states:::aws-sdk:sfn:startExecution.sync:2",
            Unsupported(IntegrationPattern::Sync2),
        ),
        ("arn:aws:states:::aws-sdk:s3:GetObject", NotRecognized),
        ("arn:aws:states:::aws-sdk:s3", NotRecognized),
        ("arn:aws:states:::aws-sdk:s3:", NotRecognized),
        ("arn:aws:states:::aws-sdk::getObject", NotRecognized),
        ("arn:aws:states:::aws-sdk:S3:getObject", NotRecognized),
        ("arn:aws:states:::aws-sdk:s3:get-object", NotRecognized),
        ("arn:aws:states:::aws-sdk:s3:getObject:x", NotRecognized),
        // Partitions and other services.
        ("arn:aws-mars:states:::lambda:invoke", NotRecognized),
        ("arn:aws:sns:us-east-1:123456789012:topic", NotRecognized),
        ("arn:aws:sqs:us-east-1:123456789012:queue:x", NotRecognized),
        // Not ARNs at all.
        ("", NotAnArn),
        ("xxx", NotAnArn),
        ("1", NotAnArn),
        ("arn", NotAnArn),
        ("arn:", NotAnArn),
        ("arn:aws", NotAnArn),
        ("arn:aws:states", NotAnArn),
        ("arn:aws:states::", NotAnArn),
        ("arn::states:::lambda:invoke", NotAnArn),
        ("arn:aws::::lambda:invoke", NotAnArn),
        ("ARN:aws:states:::lambda:invoke", NotAnArn),
        ("arn:AWS:states:::lambda:invoke", NotAnArn),
        (" arn:aws:states:::lambda:invoke", NotAnArn),
        ("arn:aws:states:::lambda:invoke\n", NotAnArn),
        ("${LambdaArn}", NotAnArn),
        ("arn:aws:states:us east 1:123456789012:activity:x", NotAnArn),
    ];

    fn check(text: &str, expect: &Expect) {
        let got = parse_resource(text);
        match (expect, &got) {
            (Activity(name), Ok(r)) => {
                assert!(
                    matches!(r.kind(), ResourceKind::Activity { name: n, .. } if n == name),
                    "{text}: {got:?}"
                );
                assert!(r.is_activity());
                assert_eq!(r.pattern(), None);
            }
            (Lambda(name, qualifier), Ok(r)) => {
                assert!(
                    matches!(r.kind(), ResourceKind::LambdaFunction { function_name, qualifier: q, .. }
                        if function_name == name && q.as_deref() == *qualifier),
                    "{text}: {got:?}"
                );
                assert!(r.is_lambda_function());
            }
            (Service(service, action, pattern), Ok(r)) => {
                assert_eq!(
                    r.kind(),
                    &ResourceKind::ServiceIntegration {
                        service: (*service).to_owned(),
                        action: (*action).to_owned(),
                        pattern: *pattern,
                    },
                    "{text}"
                );
                assert!(r.is_service_integration());
                assert_eq!(r.pattern(), Some(*pattern));
                assert_eq!(r.service(), Some(*service));
                assert_eq!(r.action(), Some(*action));
            }
            (Sdk(service, action, pattern), Ok(r)) => {
                assert_eq!(
                    r.kind(),
                    &ResourceKind::AwsSdk {
                        service: (*service).to_owned(),
                        action: (*action).to_owned(),
                        pattern: *pattern,
                    },
                    "{text}"
                );
                assert!(r.is_aws_sdk());
            }
            (NotAnArn, Err(ResourceError::NotAnArn { resource }))
            | (NotRecognized, Err(ResourceError::NotRecognized { resource })) => {
                assert_eq!(resource, text);
            }
            (
                Unsupported(pattern),
                Err(ResourceError::UnsupportedPattern {
                    resource,
                    pattern: p,
                }),
            ) => {
                assert_eq!(resource, text);
                assert_eq!(p, pattern);
            }
            _ => panic!("{text:?}: expected {expect:?}, got {got:?}"),
        }
        if let Ok(r) = &got {
            assert_eq!(r.as_str(), text);
            assert_eq!(r.to_string(), text);
        }
    }

    #[test]
    fn table() {
        for (text, expect) in CASES {
            check(text, expect);
        }
    }

    #[test]
    fn every_optimized_integration_and_pattern() {
        for integration in OPTIMIZED_INTEGRATIONS {
            assert!(
                integration
                    .patterns
                    .contains(&IntegrationPattern::RequestResponse)
            );
            for partition in ["aws", "aws-cn", "aws-us-gov"] {
                for pattern in IntegrationPattern::ALL {
                    let text = format!(
                        "arn:{partition}:states:::{}:{}{}",
                        integration.service,
                        integration.action,
                        pattern.suffix()
                    );
                    let expect = if integration.patterns.contains(&pattern) {
                        Service(integration.service, integration.action, pattern)
                    } else {
                        Unsupported(pattern)
                    };
                    check(&text, &expect);
                }
            }
        }
    }

    #[test]
    fn table_has_no_duplicates() {
        for (i, a) in OPTIMIZED_INTEGRATIONS.iter().enumerate() {
            for b in OPTIMIZED_INTEGRATIONS.iter().skip(i + 1) {
                assert!(
                    (a.service, a.action) != (b.service, b.action),
                    "{}:{} listed twice",
                    a.service,
                    a.action
                );
            }
        }
    }

    #[test]
    fn dynamodb_query_message_is_exact() {
        let err = parse_resource("arn:aws:states:::dynamodb:query").unwrap_err();
        assert_eq!(
            err.to_string(),
            "The resource provided arn:<partition>:states:::dynamodb:query is not recognized. \
             The value is not a valid resource ARN, or the resource is not available in this region."
        );
        assert_eq!(err.resource(), "arn:aws:states:::dynamodb:query");
        let cn = parse_resource("arn:aws-cn:states:::dynamodb:query").unwrap_err();
        assert_eq!(cn.to_string(), err.to_string());
    }

    #[test]
    fn other_messages() {
        assert_eq!(
            parse_resource("xxx").unwrap_err().to_string(),
            "Value is not a valid resource ARN"
        );
        assert_eq!(
            parse_resource("").unwrap_err().to_string(),
            "Value is not a valid resource ARN"
        );
        assert_eq!(
            parse_resource("arn:aws:states:::http:invoke.sync")
                .unwrap_err()
                .to_string(),
            "The resource provided arn:<partition>:states:::http:invoke.sync is not recognized. \
             The value is not a valid resource ARN, or the resource is not available in this region."
        );
        assert_eq!(
            not_recognized_message("not-an-arn"),
            "The resource provided not-an-arn is not recognized. The value is not a valid \
             resource ARN, or the resource is not available in this region."
        );
    }

    #[test]
    fn express_violations() {
        let cases = [
            (
                "arn:aws:states:us-east-1:123456789012:activity:A",
                Some("Express state machine does not support Activity ARN"),
            ),
            (
                "arn:aws:states:::ecs:runTask.sync",
                Some("Express state machine does not support '.sync' service integration"),
            ),
            (
                "arn:aws:states:::states:startExecution.sync:2",
                Some("Express state machine does not support '.sync' service integration"),
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                Some(
                    "Express state machine does not support '.waitForTaskToken' service integration",
                ),
            ),
            (
                "arn:aws:states:::aws-sdk:s3:putObject.waitForTaskToken",
                Some(
                    "Express state machine does not support '.waitForTaskToken' service integration",
                ),
            ),
            ("arn:aws:states:::lambda:invoke", None),
            ("arn:aws:states:::aws-sdk:s3:putObject", None),
            ("arn:aws:lambda:us-east-1:123456789012:function:f", None),
        ];
        for (text, expect) in cases {
            let resource = parse_resource(text).unwrap();
            assert_eq!(resource.express_violation(), expect, "{text}");
        }
    }

    #[test]
    fn accessors_and_traits() {
        let r: TaskResource = "arn:aws-cn:states:::states:startExecution.sync:2"
            .parse()
            .unwrap();
        assert_eq!(r.partition(), "aws-cn");
        assert!(r.is_sync());
        assert!(!r.is_callback());
        assert_eq!(
            r.as_ref(),
            "arn:aws-cn:states:::states:startExecution.sync:2"
        );
        let w = parse_resource("arn:aws:states:::lambda:invoke.waitForTaskToken").unwrap();
        assert!(w.is_callback());
        assert!(!w.is_sync());
        let a = parse_resource("arn:aws:states:us-east-1:123456789012:activity:A").unwrap();
        assert_eq!(a.service(), None);
        assert_eq!(a.action(), None);
        assert!(!a.is_sync() && !a.is_callback());
        assert_eq!(
            a.clone().into_string(),
            "arn:aws:states:us-east-1:123456789012:activity:A"
        );
        for pattern in IntegrationPattern::ALL {
            let suffix = pattern.suffix();
            let parsed = suffix
                .strip_prefix('.')
                .and_then(IntegrationPattern::from_suffix);
            let expected = (pattern != IntegrationPattern::RequestResponse).then_some(pattern);
            assert_eq!(parsed, expected);
        }
        assert_eq!(
            optimized_integration("states", "startExecution").map(|i| i.patterns.len()),
            Some(4)
        );
        assert!(optimized_integration("dynamodb", "query").is_none());
    }

    #[test]
    fn no_panic_on_odd_input() {
        let pieces = [
            "",
            "arn",
            ":",
            "::",
            ":::",
            "aws",
            "aws-cn",
            "states",
            "lambda",
            "aws-sdk",
            "activity",
            "function",
            ".",
            "..",
            ".sync",
            ".sync:2",
            ".waitForTaskToken",
            "é",
            "\u{0}",
            " ",
            "1",
            "123456789012",
            "us-east-1",
            "invoke",
            "$LATEST",
            "\u{1F600}",
            "-",
            "arn:aws:states:::",
        ];
        let mut count = 0usize;
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    let result = parse_resource(&text);
                    if let Err(err) = &result {
                        assert_eq!(err.resource(), text);
                        assert!(!err.to_string().is_empty());
                    }
                    count += 1;
                }
            }
        }
        assert!(count > 20_000);
        // Multi-byte characters at every byte position of a valid ARN.
        let base = "arn:aws:states:::states:startExecution.sync:2";
        for i in 0..=base.len() {
            let (head, tail) = base.split_at(i);
            for insert in ["é", "\u{1F600}", ":", ".", "\u{7f}"] {
                let _ = parse_resource(&format!("{head}{insert}{tail}"));
            }
            let _ = parse_resource(head);
            let _ = parse_resource(tail);
        }
        let long = "a".repeat(100_000);
        let _ = parse_resource(&long);
        let _ = parse_resource(&format!("arn:aws:states:::{long}:{long}"));
        let _ = parse_resource(&format!(
            "arn:aws:states:us-east-1:123456789012:activity:{long}"
        ));
    }
}
