//! LOGS arguments (`flowsieve_s3::LogLocation`, `S3Url`): parsing never panics; an accepted
//! URL has a valid bucket and no empty path segment, prints as a URL that parses back to it,
//! and names its objects by URLs of the same bucket. Built with `--features s3` only (the S3
//! client stack is a long sanitizer build).
#![no_main]

use flowsieve_s3::{LogLocation, S3Url};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let location = text.parse::<LogLocation>();
    let url = text.parse::<S3Url>();
    if let Ok(LogLocation::S3(parsed)) = &location {
        assert_eq!(Some(parsed), url.as_ref().ok());
    }
    let Ok(url) = url else {
        return;
    };
    let bucket = url.bucket();
    assert!((3..=63).contains(&bucket.len()), "{url:?}");
    assert!(!bucket.contains('/') && !url.prefix().contains("//"), "{url:?}");
    let again: S3Url = url.to_string().parse().expect("a printed URL parses");
    assert_eq!(again, url);
    let object: S3Url = url
        .object_url(url.prefix())
        .parse()
        .expect("an object URL parses");
    assert_eq!(object, url);
});
