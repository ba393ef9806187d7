//! [`LogLocation`]: a log location as the user gives it — a local path, an `s3://bucket/prefix`
//! URL ([`S3Url`]) or `-` (standard input). Pure string work: no I/O.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::Error;

/// An `s3://bucket/prefix` URL: every object whose key starts with `prefix` (the whole bucket
/// when it is empty). The prefix is a plain key prefix, as S3 lists it: `s3://b/AWSLogs/1`
/// also matches `AWSLogs/12/…`; end it with `/` to mean a folder.
///
/// ```
/// use flowsieve_s3::S3Url;
///
/// let url: S3Url = "s3://logs/AWSLogs/123456789012/".parse()?;
/// assert_eq!((url.bucket(), url.prefix()), ("logs", "AWSLogs/123456789012/"));
/// assert_eq!(url.to_string(), "s3://logs/AWSLogs/123456789012/");
/// assert!("s3://".parse::<S3Url>().is_err());
/// # Ok::<(), flowsieve_s3::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Url {
    bucket: String,
    prefix: String,
}

impl S3Url {
    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix (may be empty).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The URL of one object of the bucket: `s3://bucket/key`.
    pub fn object_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// An object's key below the prefix, as a relative path: `region/x.log.gz` for the key
    /// `AWSLogs/1/region/x.log.gz` under `s3://b/AWSLogs/1/`; the key's last segment when the
    /// URL names the object itself. What [`S3Store::list`](crate::S3Store::list) gives as each
    /// source's [`relative_path`](flowsieve_log::Source::relative_path).
    ///
    /// ```
    /// use flowsieve_s3::S3Url;
    ///
    /// let url: S3Url = "s3://logs/AWSLogs/1/".parse()?;
    /// assert_eq!(url.key_below("AWSLogs/1/eu-west-1/x.log.gz"), "eu-west-1/x.log.gz");
    /// let object: S3Url = "s3://logs/AWSLogs/1/x.log.gz".parse()?;
    /// assert_eq!(object.key_below("AWSLogs/1/x.log.gz"), "x.log.gz");
    /// # Ok::<(), flowsieve_s3::Error>(())
    /// ```
    pub fn key_below<'k>(&self, key: &'k str) -> &'k str {
        let below = key
            .strip_prefix(self.prefix.trim_end_matches('/'))
            .unwrap_or(key)
            .trim_start_matches('/');
        if below.is_empty() {
            key.rsplit('/').next().unwrap_or(key)
        } else {
            below
        }
    }
}

impl FromStr for S3Url {
    type Err = Error;

    fn from_str(text: &str) -> Result<S3Url, Error> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: text.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = text
            .strip_prefix("s3://")
            .or_else(|| text.strip_prefix("S3://"))
            .ok_or_else(|| invalid("expected s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid("the bucket name is missing"));
        }
        // S3 bucket names: 3-63 characters of lower-case letters, digits, '.', '-' (and '_' for
        // old buckets and some S3-compatible stores).
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b));
        if !valid {
            return Err(invalid(
                "a bucket name is 3 to 63 lower-case letters, digits, '.' or '-'",
            ));
        }
        if prefix.contains("//") {
            return Err(invalid("the prefix has an empty path segment ('//')"));
        }
        Ok(S3Url {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// Where flow logs are: a local file or directory, an S3 prefix, or standard input.
///
/// ```
/// use flowsieve_s3::LogLocation;
///
/// assert!(matches!("s3://b-1/AWSLogs/".parse::<LogLocation>()?, LogLocation::S3(_)));
/// assert!(matches!("AWSLogs/".parse::<LogLocation>()?, LogLocation::Local(_)));
/// assert_eq!("-".parse::<LogLocation>()?, LogLocation::Stdin);
/// # Ok::<(), flowsieve_s3::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogLocation {
    /// A local file or directory.
    Local(PathBuf),
    /// An S3 prefix.
    S3(S3Url),
    /// `-`: standard input, read as one object ([`flowsieve_log::Source::stdin`]).
    Stdin,
}

impl LogLocation {
    /// Whether this is an S3 location.
    pub fn is_s3(&self) -> bool {
        matches!(self, LogLocation::S3(_))
    }

    /// Whether this is standard input (`-`).
    pub fn is_stdin(&self) -> bool {
        matches!(self, LogLocation::Stdin)
    }
}

impl FromStr for LogLocation {
    type Err = Error;

    /// `s3://…` (any case of the scheme) is an S3 URL, `-` standard input, anything else a
    /// local path (`./-` names a file called `-`).
    fn from_str(text: &str) -> Result<LogLocation, Error> {
        if text == "-" {
            return Ok(LogLocation::Stdin);
        }
        // `get`, not `[..5]`: the fifth byte may be inside a character (`s3:/é`).
        if text
            .get(..5)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("s3://"))
        {
            return Ok(LogLocation::S3(text.parse()?));
        }
        Ok(LogLocation::Local(PathBuf::from(text)))
    }
}

impl fmt::Display for LogLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogLocation::Local(path) => write!(f, "{}", path.display()),
            LogLocation::S3(url) => url.fmt(f),
            LogLocation::Stdin => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let url: S3Url = "s3://bucket".parse().unwrap();
        assert_eq!((url.bucket(), url.prefix()), ("bucket", ""));
        let url: S3Url = "s3://my.bucket-1/a/b".parse().unwrap();
        assert_eq!((url.bucket(), url.prefix()), ("my.bucket-1", "a/b"));
        assert_eq!(
            url.object_url("a/b/c.log.gz"),
            "s3://my.bucket-1/a/b/c.log.gz"
        );
        for bad in [
            "s3:///x",
            "s3://UPPER/x",
            "s3://ab",
            "s3://b-ok/a//b",
            "http://b/x",
        ] {
            assert!(bad.parse::<S3Url>().is_err(), "{bad}");
        }
        let err = "s3://Bad/x".parse::<LogLocation>().unwrap_err();
        assert!(err.to_string().contains("s3://Bad/x"), "{err}");
        assert!(matches!(
            "S3://bucket/x".parse::<LogLocation>().unwrap(),
            LogLocation::S3(_)
        ));
        assert_eq!(
            "./s3:/x".parse::<LogLocation>().unwrap(),
            LogLocation::Local(PathBuf::from("./s3:/x"))
        );
        assert_eq!("-".parse::<LogLocation>().unwrap().to_string(), "-");
        assert_eq!(
            "./-".parse::<LogLocation>().unwrap(),
            LogLocation::Local(PathBuf::from("./-"))
        );
        // A fifth byte inside a character once panicked the scheme test (seen while writing
        // the `s3_url` fuzz target, which checks it); such a path is local.
        for path in ["s3:/\u{e9}x", "s3:\u{e9}", "\u{e9}\u{e9}\u{e9}"] {
            assert_eq!(
                path.parse::<LogLocation>().unwrap(),
                LogLocation::Local(PathBuf::from(path))
            );
        }
    }
}
