//! What the environment says about reaching S3, read once when a store is made: the endpoint
//! (`--endpoint-url`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's), the region
//! (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's), whether plain HTTP is allowed
//! (`AWS_ALLOW_HTTP`, or a loopback endpoint), the profile (`AWS_PROFILE`) and where the
//! credentials will come from ([`CredentialSource`]). Everything that can be judged before the
//! first request is judged here, so that a missing profile or half a key pair is an error naming
//! it rather than a refusal from the server later.

use std::fmt;

use crate::error::{Error, Result};
use crate::options::S3Options;
use crate::profile::{self, Profile};

/// The EC2 instance metadata service, unless `AWS_METADATA_ENDPOINT` says otherwise.
const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// Where the credentials of the requests come from (the first that applies, in this order, as
/// in the AWS SDKs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// None: requests are not signed (`AWS_SKIP_SIGNATURE=true`).
    Anonymous,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    Environment,
    /// The static keys of a profile of the shared AWS files.
    Profile(String),
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` (EKS service accounts).
    WebIdentity,
    /// The container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or
    /// `_FULL_URI`: ECS tasks, EKS pod identity).
    Container,
    /// The EC2 instance metadata service (an instance role), the last resort.
    InstanceMetadata,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Anonymous => f.write_str("no credentials (AWS_SKIP_SIGNATURE)"),
            CredentialSource::Environment => f.write_str("credentials from AWS_ACCESS_KEY_ID"),
            CredentialSource::Profile(name) => write!(f, "credentials of AWS profile {name:?}"),
            CredentialSource::WebIdentity => {
                f.write_str("credentials from AWS_WEB_IDENTITY_TOKEN_FILE")
            }
            CredentialSource::Container => {
                f.write_str("credentials from the container credentials endpoint")
            }
            CredentialSource::InstanceMetadata => {
                f.write_str("credentials from the EC2 instance metadata service")
            }
        }
    }
}

/// The environment's settings, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The endpoint of an S3-compatible store, when not AWS's.
    pub(crate) endpoint: Option<String>,
    /// The region, when configured (else found from the bucket, on AWS).
    pub(crate) region: Option<String>,
    /// Whether plain `http://` is allowed.
    pub(crate) allow_http: bool,
    pub(crate) credentials: CredentialSource,
    pub(crate) profile: Option<Profile>,
    /// `http://169.254.169.254` or `AWS_METADATA_ENDPOINT`.
    pub(crate) metadata_endpoint: String,
}

/// A variable of the environment, when set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `true`, `1`, `yes`, `on`, `y` (any case), as object_store reads its flags.
fn env_flag(name: &str) -> bool {
    env(name).is_some_and(|v| {
        ["true", "1", "yes", "on", "y"]
            .iter()
            .any(|t| v.eq_ignore_ascii_case(t))
    })
}

impl Settings {
    /// Reads the environment and the shared AWS files.
    pub(crate) fn from_env(options: &S3Options) -> Result<Settings> {
        let profile = profile::from_env()?;
        let credentials = credential_source(profile.as_ref())?;
        let endpoint = options
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"))
            .or_else(|| profile.as_ref().and_then(|p| p.endpoint_url.clone()))
            .map(|e| e.trim_end_matches('/').to_owned());
        let allow_http =
            env_flag("AWS_ALLOW_HTTP") || endpoint.as_deref().is_some_and(is_loopback_http);
        if let Some(endpoint) = &endpoint
            && !allow_http
            && endpoint
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            return Err(Error::HttpNotAllowed {
                endpoint: endpoint.clone(),
            });
        }
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile.as_ref().and_then(|p| p.region.clone()));
        let metadata_endpoint = env("AWS_METADATA_ENDPOINT")
            .unwrap_or_else(|| DEFAULT_METADATA_ENDPOINT.to_owned())
            .trim_end_matches('/')
            .to_owned();
        Ok(Settings {
            endpoint,
            region,
            allow_http,
            credentials,
            profile,
            metadata_endpoint,
        })
    }

    /// The endpoint as messages name it: the configured one, else AWS's for the region.
    pub(crate) fn endpoint_label(&self, region: Option<&str>) -> String {
        match (&self.endpoint, region.or(self.region.as_deref())) {
            (Some(endpoint), _) => endpoint.clone(),
            (None, Some(region)) => format!("https://s3.{region}.amazonaws.com"),
            (None, None) => "https://s3.amazonaws.com".to_owned(),
        }
    }

    /// The host of the instance metadata service (`169.254.169.254`).
    pub(crate) fn metadata_host(&self) -> String {
        let rest = self
            .metadata_endpoint
            .split_once("://")
            .map_or(self.metadata_endpoint.as_str(), |(_, rest)| rest);
        let authority = rest.split('/').next().unwrap_or(rest);
        host_of(authority).to_owned()
    }
}

/// Where the credentials will come from, or why there can be none.
fn credential_source(profile: Option<&Profile>) -> Result<CredentialSource> {
    if env_flag("AWS_SKIP_SIGNATURE") {
        return Ok(CredentialSource::Anonymous);
    }
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(_), Some(_)) => return Ok(CredentialSource::Environment),
        (Some(_), None) => {
            return Err(Error::IncompleteKeys {
                set: "AWS_ACCESS_KEY_ID",
                missing: "AWS_SECRET_ACCESS_KEY",
            });
        }
        (None, Some(_)) => {
            return Err(Error::IncompleteKeys {
                set: "AWS_SECRET_ACCESS_KEY",
                missing: "AWS_ACCESS_KEY_ID",
            });
        }
        (None, None) => {}
    }
    if let Some(profile) = profile
        && profile.static_keys().is_some()
    {
        return Ok(CredentialSource::Profile(profile.name.clone()));
    }
    if env("AWS_WEB_IDENTITY_TOKEN_FILE").is_some() && env("AWS_ROLE_ARN").is_some() {
        return Ok(CredentialSource::WebIdentity);
    }
    if env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || (env("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
            && env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").is_some())
    {
        return Ok(CredentialSource::Container);
    }
    if let Some(profile) = profile
        && let Some(key) = &profile.unresolved
    {
        return Err(Error::UnresolvedProfile {
            profile: profile.name.clone(),
            key: key.clone(),
        });
    }
    if env_flag("AWS_EC2_METADATA_DISABLED") {
        return Err(Error::NoCredentials {
            reason: "none in the environment or the AWS files, and AWS_EC2_METADATA_DISABLED \
                     rules out an instance role"
                .to_owned(),
        });
    }
    Ok(CredentialSource::InstanceMetadata)
}

/// The host of `host:port`, `[v6]:port` or `host`.
fn host_of(authority: &str) -> &str {
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
}

/// `http://127.0.0.1:…`, `http://localhost:…`, `http://[::1]:…`.
pub(crate) fn is_loopback_http(endpoint: &str) -> bool {
    let Some(rest) = endpoint
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("http://"))
        .map(|_| &endpoint[7..])
    else {
        return false;
    };
    let host = host_of(rest.split('/').next().unwrap_or(""));
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints() {
        for yes in [
            "http://127.0.0.1:9000",
            "http://localhost:5000/",
            "HTTP://[::1]:80",
            "http://127.0.0.2",
        ] {
            assert!(is_loopback_http(yes), "{yes}");
        }
        for no in [
            "https://127.0.0.1:9000",
            "http://10.0.0.1:9000",
            "http://minio.internal",
            "http://",
        ] {
            assert!(!is_loopback_http(no), "{no}");
        }
    }

    #[test]
    fn endpoint_labels_and_metadata_host() {
        let settings = Settings {
            endpoint: None,
            region: Some("eu-west-1".to_owned()),
            allow_http: false,
            credentials: CredentialSource::InstanceMetadata,
            profile: None,
            metadata_endpoint: "http://[fd00:ec2::254]".to_owned(),
        };
        assert_eq!(
            settings.endpoint_label(None),
            "https://s3.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            settings.endpoint_label(Some("us-east-2")),
            "https://s3.us-east-2.amazonaws.com"
        );
        assert_eq!(settings.metadata_host(), "fd00:ec2::254");
        let local = Settings {
            endpoint: Some("http://127.0.0.1:9000".to_owned()),
            metadata_endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
            ..settings
        };
        assert_eq!(local.endpoint_label(None), "http://127.0.0.1:9000");
        assert_eq!(local.metadata_host(), "169.254.169.254");
        assert_eq!(
            CredentialSource::Profile("prod".to_owned()).to_string(),
            "credentials of AWS profile \"prod\""
        );
    }
}
