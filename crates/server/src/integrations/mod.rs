//! How Task states reach the outside world: mocked responses (Step Functions Local's mock
//! configuration), and the service integrations (Lambda, the HTTP Task).

pub mod http;
pub mod lambda;
pub mod mock;
