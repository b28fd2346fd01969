//! What the benchmarks that drive the server over HTTP share: reading its
//! cookies and CSRF tokens as a browser would, and milliseconds.

use std::time::Duration;

/// The value of cookie `name` in a response's `Set-Cookie` headers.
pub fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The first CSRF token in a page's forms.
pub fn csrf_of(page: &str) -> Option<String> {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
