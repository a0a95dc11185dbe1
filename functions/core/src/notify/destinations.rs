//! What a new destination must be: a name, the events it hears, and a URL Trellis may post
//! to (https; plain http only to this machine; never a link-local address such as a cloud
//! metadata service).

use super::{DestinationKind, EventKind};
use crate::error::DomainError;

pub const MAX_DESTINATIONS: usize = 10;
const MAX_NAME_CHARS: usize = 60;
const MAX_URL_BYTES: usize = 2048;

#[derive(Debug, Clone)]
pub struct NewDestination {
    pub name: String,
    pub kind: DestinationKind,
    pub url: String,
    pub events: Vec<EventKind>,
}

impl NewDestination {
    pub fn validate(&self) -> Result<(), DomainError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(DomainError::invalid(
                "name",
                format!("give the destination a name of 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if self.events.is_empty() {
            return Err(DomainError::invalid(
                "events",
                "choose at least one event to hear of",
            ));
        }
        validate_url(&self.url).map(drop)
    }
}

/// The URL's host when Trellis may post to it.
pub fn validate_url(url: &str) -> Result<String, DomainError> {
    let bad = |why: &str| DomainError::invalid("url", why.to_string());
    if url.len() > MAX_URL_BYTES {
        return Err(bad("the URL is longer than 2048 bytes"));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("give a full URL, such as https://hooks.slack.com/services/…"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad("the URL may not hold a user name or password"));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_string(),
        None => authority.split(':').next().unwrap_or_default().to_string(),
    }
    .to_ascii_lowercase();
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("the URL has no host"));
    }
    let loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    if host.starts_with("169.254.")
        || host.starts_with("fe80:")
        || host == "metadata.google.internal"
    {
        return Err(bad(
            "link-local addresses (cloud metadata services) are not destinations",
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(host),
        "http" if loopback => Ok(host),
        "http" => Err(bad("use https (plain http only to this machine)")),
        _ => Err(bad("use an https URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::validate_url;

    #[test]
    fn only_urls_trellis_may_post_to_pass() {
        assert_eq!(
            validate_url("https://hooks.slack.com/services/T/B/x").unwrap(),
            "hooks.slack.com"
        );
        assert_eq!(
            validate_url("http://127.0.0.1:9000/hook").unwrap(),
            "127.0.0.1"
        );
        assert_eq!(validate_url("https://[::1]:8443/x").unwrap(), "::1");
        for (url, why) in [
            ("http://example.com/hook", "https"),
            ("ftp://example.com", "https"),
            ("hooks.slack.com/services", "full URL"),
            ("https://user:pw@example.com/", "user name"),
            ("http://169.254.169.254/latest/meta-data", "link-local"),
            ("https://169.254.169.254/", "link-local"),
            ("https:///path", "no host"),
        ] {
            let e = validate_url(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
    }
}
