//! A tiny blocking HTTP/1.1 client for tests of the fake gateways themselves: one `GET` per
//! connection (`Connection: close`), the answer read to the end of the stream, so that a
//! body shorter than its `Content-Length` (a dropped connection) shows as such.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::{FakeGateway, TOKEN};

/// An answer as it came over the wire.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `Content-Length` announced, when there is one.
    pub fn content_length(&self) -> Option<usize> {
        self.headers.get("content-length")?.parse().ok()
    }
}

/// `GET target` with exactly `headers` (plus `Host` and `Connection: close`).
pub fn get(gw: &FakeGateway, target: &str, headers: &[(&str, &str)]) -> Response {
    let addr = gw.base_url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect to the fake gateway");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse(&raw)
}

/// `GET target` with the accepted token, raw.
pub fn get_ok(gw: &FakeGateway, target: &str) -> Response {
    get(gw, target, &[("Authorization", TOKEN)])
}

/// The JSON body of a `GET target` with the accepted token, which must be HTTP 200.
pub fn page(gw: &FakeGateway, target: &str) -> Value {
    let response = get_ok(gw, target);
    assert_eq!(response.status, 200, "{target}: {response:?}");
    response.json()
}

fn parse(raw: &[u8]) -> Response {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}
