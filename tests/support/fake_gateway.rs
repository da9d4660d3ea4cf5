//! A fake CometAPI / new-api gateway for the fetch tests and the fetch benchmark: a real
//! HTTP/1.1 server on 127.0.0.1 (random port) serving `GET /api/token/` with the endpoint's
//! paging semantics, and faults injected per request.
//!
//! Semantics: keys are listed newest first (id descending); `p` is 1-based; `page_size` is
//! capped at [`Options::max_page_size`] (100, as the real endpoint); `data.total` is the number
//! of keys. Authentication as new-api answers it: no `Authorization` is a 401, a wrong token is
//! HTTP 200 with `success: false`, and when [`Options::user_id`] is set a missing or different
//! `New-Api-User` is a 401.
//!
//! The server runs on its own thread with its own runtime, and stops when the [`FakeGateway`]
//! is dropped, or by itself after [`MAX_LIFETIME`] whatever happens to the test.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The token the gateway accepts. A canary: no output of keylint may contain any part of it.
pub const TOKEN: &str = "CANARYTOKEN-7f3a9c1e5b2d4086";
/// Every key value the gateway hands out starts with this canary.
pub const KEY_PREFIX: &str = "sk-CANARY";
/// The substring shared by every secret above, for "never in any output" assertions.
pub const CANARY: &str = "CANARY";

/// The server stops by itself after this long.
pub const MAX_LIFETIME: Duration = Duration::from_secs(300);

/// How the gateway behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keys at start, ids `1..=keys`.
    pub keys: u64,
    /// Serve masked key values (`sk-CANARY**********1234`) instead of full ones.
    pub masked: bool,
    /// The accepted token.
    pub token: String,
    /// When set, `New-Api-User` must carry this id.
    pub user_id: Option<u64>,
    /// The server's cap on `page_size`.
    pub max_page_size: u64,
    /// Delay before every response.
    pub latency: Duration,
    /// The `message` of every successful page (the gateway sends `""`).
    pub message: Value,
    /// Faults, checked in order for every request.
    pub rules: Vec<Rule>,
    /// Bytes of filler in every successful page (a `data.padding` string the reader ignores).
    pub padding: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            keys: 0,
            masked: false,
            token: TOKEN.to_owned(),
            user_id: None,
            max_page_size: 100,
            latency: Duration::ZERO,
            message: json!(""),
            rules: Vec::new(),
            padding: 0,
        }
    }
}

impl Options {
    pub fn with_keys(keys: u64) -> Options {
        Options {
            keys,
            ..Options::default()
        }
    }

    /// Adds a fault for requests of `page` (`None`: any page): the first `skip` matching
    /// requests pass untouched, the next `times` get the fault.
    pub fn fault(mut self, page: Option<u64>, skip: usize, times: usize, fault: Fault) -> Options {
        self.rules.push(Rule {
            page,
            skip,
            times,
            fault,
        });
        self
    }
}

/// A fault applied to some requests.
#[derive(Debug, Clone)]
pub struct Rule {
    pub page: Option<u64>,
    pub skip: usize,
    pub times: usize,
    pub fault: Fault,
}

/// `usize::MAX` as a rule's `times`: every matching request.
pub const ALWAYS: usize = usize::MAX;

#[derive(Debug, Clone)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP date this many seconds from the time of the response.
    DateIn(u64),
}

#[derive(Debug, Clone)]
pub enum Fault {
    /// An answer with this status and a JSON `{success:false,message}` body (empty body when
    /// `message` is `None`, like the gateway's 429).
    Status {
        status: u16,
        message: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    /// HTTP 200 whose JSON stops halfway (the HTTP message itself is well framed).
    TruncatedJson,
    /// `Content-Length` announces the full page, half is sent, the connection is closed.
    DropMidBody,
    /// HTTP 200, `success: false`, this message.
    SuccessFalse(String),
    /// HTTP 200 with an HTML page.
    Html,
    /// A 302 to this location.
    Redirect(String),
    /// No answer for this long.
    Hang(Duration),
    /// A chunked HTTP 200 body of this many bytes.
    Oversized(usize),
    /// The page is served with `total` off by this much.
    TotalDelta(i64),
    /// The page is served with this `total`.
    Total(Value),
    /// The page is served without `data.total`.
    NoTotal,
    /// After the page is served, a new key is created (it becomes the newest).
    CreateKey,
    /// After the page is served, the key in the middle of the list is deleted.
    DeleteKey,
}

impl Fault {
    /// Faults that change the state after a normal answer, rather than the answer.
    fn is_mutation(&self) -> bool {
        matches!(self, Fault::CreateKey | Fault::DeleteKey)
    }
    fn is_total(&self) -> bool {
        matches!(
            self,
            Fault::TotalDelta(_) | Fault::Total(_) | Fault::NoTotal
        )
    }
}

/// One request as the gateway saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// Requests in flight when this one arrived, itself included.
    pub in_flight: usize,
}

struct State {
    /// Newest first.
    keys: Vec<Value>,
    next_id: u64,
    masked: bool,
    requests: Vec<Recorded>,
    seen: Vec<usize>,
}

struct Shared {
    opts: Options,
    state: Mutex<State>,
    in_flight: AtomicUsize,
}

/// A running fake gateway. Dropping it stops the server.
pub struct FakeGateway {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGateway {
    pub fn start(opts: Options) -> FakeGateway {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let keys = (1..=opts.keys)
            .rev()
            .map(|id| key_doc(id, opts.masked))
            .collect();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                next_id: opts.keys + 1,
                masked: opts.masked,
                requests: Vec::new(),
                seen: vec![0; opts.rules.len()],
            }),
            opts,
            in_flight: AtomicUsize::new(0),
        });
        let (stop, stopped) = oneshot::channel();
        let server = Arc::clone(&shared);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                let serve = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let _ = stream.set_nodelay(true);
                        let shared = Arc::clone(&server);
                        tokio::spawn(async move {
                            let _ = connection(stream, shared).await;
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                    _ = tokio::time::sleep(MAX_LIFETIME) => {}
                }
            });
            runtime.shutdown_background();
        });
        FakeGateway {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    /// The body of a list response holding every key on one page, as the gateway would send
    /// it: what a user saves from the API to check with `--input`.
    pub fn list_body(&self) -> String {
        let state = self.shared.state.lock().unwrap();
        let total = state.keys.len();
        let data = json!({"page": 1, "page_size": total, "total": total, "items": state.keys});
        json!({"success": true, "message": self.shared.opts.message, "data": data}).to_string()
    }

    /// The ids the gateway holds now, newest first.
    pub fn ids(&self) -> Vec<i64> {
        let state = self.shared.state.lock().unwrap();
        state
            .keys
            .iter()
            .map(|k| k["id"].as_i64().unwrap())
            .collect()
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A key object as the list API returns it; the value carries the canary.
fn key_doc(id: u64, masked: bool) -> Value {
    let key = if masked {
        format!("{KEY_PREFIX}**********{:04}", id % 10_000)
    } else {
        format!("{KEY_PREFIX}{id:012}abcdefghijklmnopqrstuvwxyzABCDEF")
    };
    json!({
        "id": id,
        "user_id": 1,
        "key": key,
        "status": if id.is_multiple_of(7) { 2 } else { 1 },
        "name": format!("key-{id}"),
        "created_time": 1_766_102_400 + id as i64,
        "accessed_time": 1_766_102_400 + id as i64,
        "expired_time": if id.is_multiple_of(3) { -1 } else { 1_798_761_600 },
        "remain_quota": 100_000,
        "used_quota": 0,
        "unlimited_quota": id.is_multiple_of(5),
        "model_limits_enabled": false,
        "model_limits": "",
        "allow_ips": if id.is_multiple_of(2) { Value::Null } else { json!("203.0.113.7") },
        "group": "",
        "cross_group_retry": false
    })
}

/// Serves one connection, keep-alive, until the peer closes or a fault closes it.
async fn connection(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    loop {
        let Some((method, target, headers)) = read_head(&mut stream).await? else {
            return Ok(());
        };
        let close = headers
            .get("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let in_flight = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        let result = respond(&mut stream, &shared, method, target, headers, in_flight).await;
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !result? || close {
            return Ok(());
        }
    }
}

type Head = (String, String, HashMap<String, String>);

async fn read_head(stream: &mut BufReader<TcpStream>) -> std::io::Result<Option<Head>> {
    let mut line = String::new();
    if stream.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    for _ in 0..100 {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    Ok(Some((method, target, headers)))
}

/// Answers one request; returns whether the connection stays open.
async fn respond(
    stream: &mut BufReader<TcpStream>,
    shared: &Shared,
    method: String,
    target: String,
    headers: HashMap<String, String>,
    in_flight: usize,
) -> std::io::Result<bool> {
    let opts = &shared.opts;
    shared.state.lock().unwrap().requests.push(Recorded {
        method: method.clone(),
        target: target.clone(),
        headers: headers.clone(),
        in_flight,
    });
    if !opts.latency.is_zero() {
        tokio::time::sleep(opts.latency).await;
    }
    let stream = stream.get_mut();

    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if method != "GET" || path != "/api/token/" {
        let body = json!({"success": false, "message": "not found"}).to_string();
        return send(stream, 404, &[], body.as_bytes(), false).await;
    }
    match headers.get("authorization") {
        None => {
            let body =
                json!({"success": false, "message": "无权进行此操作，未登录且未提供 access token"});
            return send(stream, 401, &[], body.to_string().as_bytes(), false).await;
        }
        Some(token) if *token != opts.token => {
            let body = json!({"success": false, "message": "无权进行此操作，access token 无效"});
            return send(stream, 200, &[], body.to_string().as_bytes(), false).await;
        }
        Some(_) => {}
    }
    if let Some(user_id) = opts.user_id {
        let message = match headers.get("new-api-user") {
            None => Some("无权进行此操作，未提供 New-Api-User"),
            Some(v) if v.parse::<u64>().ok() != Some(user_id) => {
                Some("无权进行此操作，New-Api-User 与登录用户不匹配")
            }
            Some(_) => None,
        };
        if let Some(message) = message {
            let body = json!({"success": false, "message": message}).to_string();
            return send(stream, 401, &[], body.as_bytes(), false).await;
        }
    }
    let params: HashMap<&str, &str> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let page = params
        .get("p")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let page_size = params
        .get("page_size")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(20)
        .clamp(1, opts.max_page_size);

    let active = active_faults(shared, page);
    let replacing = active
        .iter()
        .find(|f| !f.is_mutation() && !f.is_total())
        .cloned();
    if let Some(fault) = replacing {
        return inject(stream, fault).await;
    }
    let body = {
        let mut state = shared.state.lock().unwrap();
        let body = page_body(&state, opts, page, page_size, &active);
        mutate(&mut state, &active);
        body
    };
    send(stream, 200, &[], body.as_bytes(), false).await
}

/// The faults that apply to this request of `page`, counting it against every matching rule.
fn active_faults(shared: &Shared, page: u64) -> Vec<Fault> {
    let mut state = shared.state.lock().unwrap();
    let mut active = Vec::new();
    for (i, rule) in shared.opts.rules.iter().enumerate() {
        if rule.page.is_some_and(|p| p != page) {
            continue;
        }
        let seen = state.seen[i];
        state.seen[i] += 1;
        if seen >= rule.skip && seen - rule.skip < rule.times {
            active.push(rule.fault.clone());
        }
    }
    active
}

/// A successful list response for `page`, with the total faults among `active` applied.
fn page_body(state: &State, opts: &Options, page: u64, page_size: u64, active: &[Fault]) -> String {
    let size = usize::try_from(page_size).expect("page size fits usize");
    let start = usize::try_from(page - 1).expect("page fits usize") * size;
    let items: Vec<&Value> = state.keys.iter().skip(start).take(size).collect();
    let count = state.keys.len();
    let mut total = json!(count);
    let mut data_total = true;
    for fault in active {
        match fault {
            Fault::TotalDelta(d) => {
                total = json!(i64::try_from(count).expect("key count fits i64") + d);
            }
            Fault::Total(v) => total = v.clone(),
            Fault::NoTotal => data_total = false,
            _ => {}
        }
    }
    let mut data = json!({"page": page, "page_size": page_size, "items": items});
    if opts.padding > 0 {
        data["padding"] = json!("x".repeat(opts.padding));
    }
    if data_total {
        data["total"] = total;
    }
    json!({"success": true, "message": opts.message, "data": data}).to_string()
}

/// Applies the state changes among `active`, after the page was built.
fn mutate(state: &mut State, active: &[Fault]) {
    for fault in active {
        match fault {
            Fault::CreateKey => {
                let id = state.next_id;
                state.next_id += 1;
                let masked = state.masked;
                state.keys.insert(0, key_doc(id, masked));
            }
            Fault::DeleteKey if !state.keys.is_empty() => {
                let middle = state.keys.len() / 2;
                state.keys.remove(middle);
            }
            _ => {}
        }
    }
}

async fn inject(stream: &mut TcpStream, fault: Fault) -> std::io::Result<bool> {
    match fault {
        Fault::Status {
            status,
            message,
            retry_after,
        } => {
            let mut headers = Vec::new();
            match retry_after {
                Some(RetryAfter::Seconds(s)) => headers.push(("Retry-After", s.to_string())),
                Some(RetryAfter::DateIn(s)) => headers.push((
                    "Retry-After",
                    httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(s)),
                )),
                None => {}
            }
            let body = message
                .map(|m| json!({"success": false, "message": m}).to_string())
                .unwrap_or_default();
            send(stream, status, &headers, body.as_bytes(), false).await
        }
        Fault::TruncatedJson => {
            let body = br#"{"success":true,"message":"","data":{"page":1,"total":3,"items":[{"id":3,"name":"a"#;
            send(stream, 200, &[], body, false).await
        }
        Fault::DropMidBody => {
            let body = br#"{"success":true,"message":"","data":{"page":1,"total":3,"items":[]}}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len() * 4
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body[..body.len() / 2]).await?;
            stream.flush().await?;
            let _ = stream.shutdown().await;
            Ok(false)
        }
        Fault::SuccessFalse(message) => {
            let body = json!({"success": false, "message": message}).to_string();
            send(stream, 200, &[], body.as_bytes(), false).await
        }
        Fault::Html => {
            let body =
                b"<!doctype html><html><head><title>Console</title></head><body>app</body></html>";
            send(
                stream,
                200,
                &[("Content-Type", "text/html; charset=utf-8".to_owned())],
                body,
                false,
            )
            .await
        }
        Fault::Redirect(location) => send(stream, 302, &[("Location", location)], b"", false).await,
        Fault::Hang(duration) => {
            tokio::time::sleep(duration).await;
            Ok(false)
        }
        Fault::Oversized(bytes) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < bytes {
                let n = chunk.len().min(bytes - sent);
                let framed = format!("{n:x}\r\n");
                stream.write_all(framed.as_bytes()).await?;
                stream.write_all(&chunk[..n]).await?;
                stream.write_all(b"\r\n").await?;
                sent += n;
            }
            stream.write_all(b"0\r\n\r\n").await?;
            Ok(false)
        }
        Fault::TotalDelta(_) | Fault::Total(_) | Fault::NoTotal => unreachable!(),
        Fault::CreateKey | Fault::DeleteKey => unreachable!(),
    }
}

async fn send(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    close: bool,
) -> std::io::Result<bool> {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        && !body.is_empty()
    {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    for (name, value) in headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    // One write: a head and a body sent apart meet Nagle's algorithm and the peer's delayed
    // ACK, which adds ~40 ms to every response.
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message).await?;
    stream.flush().await?;
    Ok(!close)
}
