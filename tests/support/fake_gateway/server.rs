//! The server: a listener on 127.0.0.1 (random port) on its own thread and runtime, keep-alive
//! HTTP/1.1 connections, and the handling of one request in the order a gateway of the family
//! applies it: the rate limiter (before anything else), the route, authentication and the user
//! header, the dialect's paging, then the faults and the page itself.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Instant;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::dialect::{self, Paging};
use super::{Fault, MAX_LIFETIME, Options, Recorded, Shared, State, faults};

/// Binds 127.0.0.1 and serves on a thread of its own until the sender is used or dropped, or
/// [`MAX_LIFETIME`] has passed.
pub(super) fn spawn(shared: Arc<Shared>) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
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
                    let shared = Arc::clone(&shared);
                    tokio::spawn(async move {
                        let _ = connection(stream, shared).await;
                    });
                }
            };
            tokio::select! {
                () = serve => {}
                _ = stopped => {}
                () = tokio::time::sleep(MAX_LIFETIME) => {}
            }
        });
        runtime.shutdown_background();
    });
    (addr, stop, thread)
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
        let request = Recorded {
            method,
            target,
            headers,
            in_flight,
            limited: false,
        };
        let result = respond(&mut stream, &shared, request).await;
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
    mut request: Recorded,
) -> std::io::Result<bool> {
    let opts = &shared.opts;
    {
        let mut state = shared.state.lock().unwrap();
        request.limited = !state.window.admit(Instant::now());
        state.requests.push(request.clone());
    }
    if !opts.latency.is_zero() {
        tokio::time::sleep(opts.latency).await;
    }
    let stream = stream.get_mut();
    if request.limited {
        return send(stream, 429, &[], b"", false).await;
    }
    let target = request.target.as_str();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if request.method != "GET" || path != "/api/token/" {
        return refuse(stream, 404, "not found").await;
    }
    if let Some((status, message)) = authenticate(opts, &request.headers) {
        return refuse(stream, status, &message).await;
    }
    let paging = match dialect::paging(opts, query) {
        Ok(paging) => paging,
        Err(message) => return refuse(stream, 200, &message).await,
    };
    let active = faults::active(shared, paging.page);
    let replacing = active
        .iter()
        .find(|f| !f.is_mutation() && !f.is_shaping())
        .cloned();
    if let Some(fault) = replacing {
        return faults::inject(stream, fault, opts.dialect).await;
    }
    let body = {
        let mut state = shared.state.lock().unwrap();
        let body = page_body(&state, opts, paging, &active);
        faults::mutate(&mut state, opts, &active);
        body
    };
    send(stream, 200, &[], body.as_bytes(), false).await
}

/// A `{success: false, message}` answer with this status.
async fn refuse(stream: &mut TcpStream, status: u16, message: &str) -> std::io::Result<bool> {
    let body = json!({"success": false, "message": message}).to_string();
    send(stream, status, &[], body.as_bytes(), false).await
}

/// Why the request is not authorised, as status and message; `None` when it is.
fn authenticate(opts: &Options, headers: &HashMap<String, String>) -> Option<(u16, String)> {
    let Some(token) = headers.get("authorization") else {
        return Some((
            401,
            "无权进行此操作，未登录且未提供 access token".to_owned(),
        ));
    };
    if token.replacen("Bearer ", "", 1) != opts.token {
        let status = opts.dialect.bad_token_status();
        return Some((status, "无权进行此操作，access token 无效".to_owned()));
    }
    let (Some(user_id), Some(header)) = (opts.user_id, opts.dialect.user_header()) else {
        return None;
    };
    let name = if header == "veloera-user" {
        "Veloera-User"
    } else {
        "New-Api-User"
    };
    match headers.get(header) {
        None => Some((401, format!("无权进行此操作，未提供 {name}"))),
        Some(v) if v.parse::<u64>().ok() != Some(user_id) => {
            Some((401, format!("无权进行此操作，{name} 与登录用户不匹配")))
        }
        Some(_) => None,
    }
}

/// A successful list response for `paging`, with the shaping faults among `active` applied.
fn page_body(state: &State, opts: &Options, paging: Paging, active: &[Fault]) -> String {
    let dialect = opts.dialect;
    let paging = if active.iter().any(|f| matches!(f, Fault::IgnorePageParam)) {
        Paging {
            page: dialect.first_page(),
            ..paging
        }
    } else {
        paging
    };
    let size = usize::try_from(paging.size).expect("page size fits usize");
    let items: Vec<Value> = state
        .keys
        .iter()
        .skip(paging.offset(dialect))
        .take(size)
        .map(|e| e.doc.clone())
        .collect();
    let count = state.keys.len();
    let mut total = json!(count);
    let mut has_total = true;
    for fault in active {
        match fault {
            Fault::TotalDelta(d) => {
                total = json!(i64::try_from(count).expect("key count fits i64") + d);
            }
            Fault::Total(v) => total = v.clone(),
            Fault::NoTotal => has_total = false,
            _ => {}
        }
    }
    dialect::envelope(opts, paging, items, has_total.then_some(total)).to_string()
}

pub(super) async fn send(
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
