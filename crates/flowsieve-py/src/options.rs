//! Keyword options → flowsieve's configuration. Every option is checked (type and range, the
//! ranges of [`flowsieve::limits`], the same as the CLI's flags); an unknown keyword is an
//! error naming the known ones, so a typo never silently changes nothing.

use std::ops::RangeInclusive;

use flowsieve::AnalysisConfig;
use flowsieve::log::LogFormat;
use flowsieve::s3::S3Options;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::option_error;

/// The keywords every analysis takes (documented in `flowsieve/_flowsieve.pyi`).
pub const ANALYSIS_KEYWORDS: &[&str] = &[
    "since",
    "until",
    "accounts",
    "regions",
    "top",
    "learn_lines",
    "client_ports",
    "exact_peers",
    "log_format",
    "strict",
    "threads",
    "batch_size",
    "endpoint_url",
    "s3_concurrency",
    "s3_retries",
];

/// Analysis options, parsed.
#[derive(Debug, Clone)]
pub struct Options {
    pub config: AnalysisConfig,
    pub s3: S3Options,
    /// Worker threads (`None`: one per core).
    pub threads: Option<usize>,
    /// Whether `learn_lines` was given (an Analyzer refuses a nonzero one).
    pub learn_lines_given: bool,
}

impl Options {
    /// Parses `kwargs` (the keywords of `ANALYSIS_KEYWORDS`; `None` values are left out).
    pub fn parse(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
        let mut config = AnalysisConfig::new();
        let mut s3 = S3Options::new();
        let mut threads = None;
        let (mut since, mut until) = (None, None);
        let mut learn_lines_given = false;
        let Some(kwargs) = kwargs else {
            return Ok(Options {
                config,
                s3,
                threads,
                learn_lines_given,
            });
        };
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            if value.is_none() {
                continue;
            }
            match key.as_str() {
                "since" => since = Some(time(&key, &value)?),
                "until" => until = Some(time(&key, &value)?),
                "accounts" => config = config.with_accounts(strings(&key, &value)?),
                "regions" => config = config.with_regions(strings(&key, &value)?),
                "top" => config = config.with_top(count(&key, &value, flowsieve::limits::TOP)?),
                "learn_lines" => {
                    let lines = count(&key, &value, flowsieve::limits::LEARN_LINES)?;
                    config = config.with_learn_lines(lines as u64);
                    learn_lines_given = true;
                }
                "client_ports" => {
                    let (from, to) = port_range(&value)?;
                    config = config.with_client_ports(from, to);
                }
                "log_format" => {
                    let text = text(&key, &value)?;
                    let format: LogFormat = text
                        .parse()
                        .map_err(|e| option_error(format!("invalid log_format: {e}")))?;
                    config = config.with_log_format(format);
                }
                "strict" => config = config.with_strict(flag(&key, &value)?),
                "exact_peers" => config = config.with_exact_peers(flag(&key, &value)?),
                "threads" => threads = Some(count(&key, &value, flowsieve::limits::THREADS)?),
                "batch_size" => {
                    let rows = count(&key, &value, flowsieve::limits::BATCH_SIZE)?;
                    config = config.with_batch_size(rows);
                }
                "endpoint_url" => s3 = s3.with_endpoint(Some(text(&key, &value)?)),
                "s3_concurrency" => {
                    let range = range_u64(&flowsieve::s3::CONCURRENCY_RANGE);
                    s3 = s3.with_concurrency(count(&key, &value, range)?);
                }
                "s3_retries" => {
                    let range = range_u64(&flowsieve::s3::MAX_RETRIES_RANGE);
                    s3 = s3.with_max_retries(count(&key, &value, range)?);
                }
                other => {
                    return Err(option_error(format!(
                        "unknown option `{other}` (options: {})",
                        ANALYSIS_KEYWORDS.join(", ")
                    )));
                }
            }
        }
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            return Err(option_error("since must be before until".to_owned()));
        }
        config = config.with_window(since, until);
        Ok(Options {
            config,
            s3,
            threads,
            learn_lines_given,
        })
    }

    /// A rayon pool of the configured size.
    pub fn pool(&self) -> PyResult<rayon::ThreadPool> {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = self.threads {
            builder = builder.num_threads(threads);
        }
        builder
            .build()
            .map_err(|e| option_error(format!("cannot start worker threads: {e}")))
    }
}

fn range_u64(range: &RangeInclusive<usize>) -> RangeInclusive<u64> {
    *range.start() as u64..=*range.end() as u64
}

/// A string option.
fn text(key: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    value
        .extract()
        .map_err(|_| option_error(format!("{key} must be a string")))
}

/// A boolean option (`True` or `False`, not another truthy value).
fn flag(key: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    value
        .cast::<pyo3::types::PyBool>()
        .map(|b| b.is_true())
        .map_err(|_| option_error(format!("{key} must be True or False")))
}

/// An integer option within `range` (`True`/`False` are not integers here).
fn count(key: &str, value: &Bound<'_, PyAny>, range: RangeInclusive<u64>) -> PyResult<usize> {
    let n: i128 = value
        .extract()
        .ok()
        .filter(|_| !value.is_instance_of::<pyo3::types::PyBool>())
        .ok_or_else(|| option_error(format!("{key} must be an integer")))?;
    if n < i128::from(*range.start()) || n > i128::from(*range.end()) {
        return Err(option_error(format!(
            "{key} must be from {} to {}, not {n}",
            range.start(),
            range.end()
        )));
    }
    usize::try_from(n).map_err(|_| option_error(format!("{key} is too large")))
}

/// A list of strings (a single string is one item).
fn strings(key: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(one) = value.cast::<PyString>() {
        return Ok(vec![one.to_string()]);
    }
    value
        .extract()
        .map_err(|_| option_error(format!("{key} must be a string or a list of strings")))
}

/// A time: unix seconds, a string (RFC 3339 with a zone, a date, unix seconds), or a
/// timezone-aware `datetime`.
pub fn time(key: &str, value: &Bound<'_, PyAny>) -> PyResult<i64> {
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(option_error(format!("{key} must be a time, not a boolean")));
    }
    // A number this large is not seconds (it would lie after the year 5138): it is almost
    // surely milliseconds, which read as seconds would move the window by millennia.
    let seconds = |n: i64| {
        if n.unsigned_abs() >= 100_000_000_000 {
            Err(option_error(format!(
                "{key}: {n} looks like unix milliseconds: give seconds ({}), a string or a \
                 datetime",
                n.div_euclid(1000)
            )))
        } else {
            Ok(n)
        }
    };
    if let Ok(number) = value.extract::<i64>() {
        return seconds(number);
    }
    if let Ok(text) = value.extract::<String>() {
        let parsed = flowsieve::sg::parse_timestamp(&text).ok_or_else(|| {
            option_error(format!(
                "{key}: {text:?} is not a time: give RFC 3339 with a zone \
                 (2025-04-21T00:00:00Z), a date (2025-04-21) or unix seconds"
            ))
        })?;
        return seconds(parsed);
    }
    if value.hasattr("tzinfo")? && value.hasattr("timestamp")? {
        if value.getattr("tzinfo")?.is_none() {
            return Err(option_error(format!(
                "{key}: a datetime without a timezone is ambiguous: give it one \
                 (datetime(..., tzinfo=timezone.utc))"
            )));
        }
        let seconds: f64 = value.call_method0("timestamp")?.extract()?;
        return Ok(seconds.floor() as i64);
    }
    Err(option_error(format!(
        "{key} must be unix seconds, a string or a timezone-aware datetime"
    )))
}

/// `(from, to)` or `"from-to"`.
fn port_range(value: &Bound<'_, PyAny>) -> PyResult<(u16, u16)> {
    let pair: Option<(u16, u16)> = value.extract().ok().or_else(|| {
        let text: String = value.extract().ok()?;
        let (a, b) = text.split_once('-')?;
        Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
    });
    match pair {
        Some((from, to)) if from <= to && from > 0 => Ok((from, to)),
        _ => Err(option_error(
            "client_ports must be (from, to) or \"from-to\" with 1 <= from <= to <= 65535"
                .to_owned(),
        )),
    }
}
