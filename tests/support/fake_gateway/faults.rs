//! Faults: which rules apply to a request (counted per rule, matched on the page number as
//! the dialect counts it), the answers that replace a normal page, and the state changes
//! that follow one. The faults that only reshape a normal page (totals, an ignored page
//! parameter) are applied where the page is built, in `server`.

use std::time::{Duration, SystemTime};

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::server::send;
use super::{Dialect, Fault, Options, RetryAfter, Shared, State, dialect, records};

/// The faults that apply to this request of `page`, counting it against every matching rule.
pub(super) fn active(shared: &Shared, page: u64) -> Vec<Fault> {
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

/// Applies the state changes among `active`, after the page was built.
pub(super) fn mutate(state: &mut State, opts: &Options, active: &[Fault]) {
    for fault in active {
        match fault {
            Fault::CreateKey => {
                let id = state.next_id;
                state.next_id += 1;
                state.keys.insert(0, records::generate(opts, id));
            }
            Fault::DeleteKey if !state.keys.is_empty() => {
                let middle = state.keys.len() / 2;
                state.keys.remove(middle);
            }
            _ => {}
        }
    }
}

/// Answers with `fault` instead of a page; returns whether the connection stays open.
pub(super) async fn inject(
    stream: &mut TcpStream,
    fault: Fault,
    dialect: Dialect,
) -> std::io::Result<bool> {
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
            send(stream, 200, &[], dialect::truncated_body(dialect), false).await
        }
        Fault::DropMidBody => drop_mid_body(stream, dialect::dropped_body(dialect)).await,
        Fault::SuccessFalse(message) => {
            let body = json!({"success": false, "message": message}).to_string();
            send(stream, 200, &[], body.as_bytes(), false).await
        }
        Fault::Html => {
            let body =
                b"<!doctype html><html><head><title>Console</title></head><body>app</body></html>";
            let headers = [("Content-Type", "text/html; charset=utf-8".to_owned())];
            send(stream, 200, &headers, body, false).await
        }
        Fault::Redirect(location) => send(stream, 302, &[("Location", location)], b"", false).await,
        Fault::Hang(duration) => {
            tokio::time::sleep(duration).await;
            Ok(false)
        }
        Fault::Oversized(bytes) => oversized(stream, bytes).await,
        Fault::TotalDelta(_) | Fault::Total(_) | Fault::NoTotal | Fault::IgnorePageParam => {
            unreachable!("a shaping fault does not replace the page")
        }
        Fault::CreateKey | Fault::DeleteKey => unreachable!("a mutation does not replace the page"),
    }
}

/// Announces four times `body`'s length, sends half of it, closes the connection.
async fn drop_mid_body(stream: &mut TcpStream, body: &[u8]) -> std::io::Result<bool> {
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

/// A chunked HTTP 200 of `bytes` spaces.
async fn oversized(stream: &mut TcpStream, bytes: usize) -> std::io::Result<bool> {
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
