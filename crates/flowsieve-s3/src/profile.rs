//! The static parts of a named AWS profile — access key, secret, session token, region,
//! endpoint — from the shared files `~/.aws/credentials` and `~/.aws/config` (or
//! `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`). object_store reads only environment
//! variables; this fills the gap for the common profile kinds. Profiles that need a round trip
//! (SSO, `role_arn`, `credential_process`) are not resolved here: the key that asks for one is
//! recorded, so that the caller can say so. Pure parsing plus two file reads; a missing or
//! unreadable file holds no profile.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Keys of a profile that ask for credentials flowsieve does not resolve.
const UNRESOLVED_KEYS: [&str; 6] = [
    "role_arn",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
    "source_profile",
];

/// What a profile says (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    pub(crate) access_key_id: Option<String>,
    pub(crate) secret_access_key: Option<String>,
    pub(crate) session_token: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    /// The first key that asks for credentials resolved elsewhere (`role_arn`, `sso_session`…).
    pub(crate) unresolved: Option<String>,
}

impl Profile {
    /// The access key and secret, when the profile has both.
    pub(crate) fn static_keys(&self) -> Option<(&str, &str)> {
        Some((
            self.access_key_id.as_deref()?,
            self.secret_access_key.as_deref()?,
        ))
    }
}

/// The profile named by `AWS_PROFILE`, else `default` when either shared file has it. A profile
/// named by `AWS_PROFILE` that neither file has is an error: the user asked for it.
pub(crate) fn from_env() -> Result<Option<Profile>> {
    let named = std::env::var("AWS_PROFILE").ok().filter(|n| !n.is_empty());
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let config_path = file("AWS_CONFIG_FILE", "config");
    let credentials_path = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let read = |path: &Option<PathBuf>| {
        path.as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let name = named.clone().unwrap_or_else(|| "default".to_owned());
    let profile = load(&name, &read(&credentials_path), &read(&config_path));
    match (profile, named) {
        (Some(profile), _) => Ok(Some(profile)),
        (None, None) => Ok(None),
        (None, Some(name)) => Err(Error::NoSuchProfile {
            profile: name,
            files: [config_path, credentials_path]
                .into_iter()
                .flatten()
                .collect(),
        }),
    }
}

/// The profile `name` from the texts of the credentials and config files: the credentials
/// file's `[name]` section first, then the config file's `[profile name]` (`[default]` for the
/// default profile).
pub(crate) fn load(name: &str, credentials: &str, config: &str) -> Option<Profile> {
    let config_section = if name == "default" {
        "default".to_owned()
    } else {
        format!("profile {name}")
    };
    let mut found = false;
    let mut profile = Profile {
        name: name.to_owned(),
        ..Profile::default()
    };
    for (text, section) in [(credentials, name), (config, config_section.as_str())] {
        for (key, value) in section_entries(text, section, &mut found) {
            let slot = match key.as_str() {
                "aws_access_key_id" => &mut profile.access_key_id,
                "aws_secret_access_key" => &mut profile.secret_access_key,
                "aws_session_token" => &mut profile.session_token,
                "region" => &mut profile.region,
                "endpoint_url" => &mut profile.endpoint_url,
                other if UNRESOLVED_KEYS.contains(&other) => {
                    profile.unresolved.get_or_insert(key);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(value);
        }
    }
    found.then_some(profile)
}

/// The `key = value` lines of section `[name]` (keys lower-cased), setting `found` when the
/// section exists.
fn section_entries(text: &str, name: &str, found: &mut bool) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = header.split_whitespace().collect::<Vec<_>>().join(" ") == name;
            *found |= inside;
            continue;
        }
        if !inside {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim();
            if !value.is_empty() {
                entries.push((key.trim().to_ascii_lowercase(), value.to_owned()));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_then_config() {
        let credentials = "\
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret0

[prod]
aws_access_key_id=AKIDPROD
aws_secret_access_key = secret1
# a comment
aws_session_token = token1
";
        let config = "\
[default]
region = us-east-1

[profile  prod]
region = eu-west-1
endpoint_url = http://127.0.0.1:9000
aws_access_key_id = IGNORED
";
        let prod = load("prod", credentials, config).unwrap();
        assert_eq!(prod.access_key_id.as_deref(), Some("AKIDPROD"));
        assert_eq!(prod.secret_access_key.as_deref(), Some("secret1"));
        assert_eq!(prod.session_token.as_deref(), Some("token1"));
        assert_eq!(prod.region.as_deref(), Some("eu-west-1"));
        assert_eq!(prod.endpoint_url.as_deref(), Some("http://127.0.0.1:9000"));
        let default = load("default", credentials, config).unwrap();
        assert_eq!(default.access_key_id.as_deref(), Some("AKIDDEFAULT"));
        assert_eq!(default.region.as_deref(), Some("us-east-1"));
        assert_eq!(load("missing", credentials, config), None);
        let only_config = load("prod", "", config).unwrap();
        assert_eq!(only_config.access_key_id.as_deref(), Some("IGNORED"));
        assert_eq!(prod.unresolved, None);
        assert_eq!(prod.static_keys(), Some(("AKIDPROD", "secret1")));
    }

    #[test]
    fn profiles_resolved_elsewhere_say_how() {
        let config = "\
[profile sso]
sso_session = corp
sso_account_id = 123456789012
region = eu-west-1

[profile role]
source_profile = default
role_arn = arn:aws:iam::123456789012:role/reader
";
        let sso = load("sso", "", config).unwrap();
        assert_eq!(sso.unresolved.as_deref(), Some("sso_session"));
        assert_eq!(sso.static_keys(), None);
        assert_eq!(sso.region.as_deref(), Some("eu-west-1"));
        let role = load("role", "", config).unwrap();
        assert_eq!(role.unresolved.as_deref(), Some("source_profile"));
        assert_eq!(role.name, "role");
    }
}
