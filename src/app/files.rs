//! Files and streams of a command: `--input`, report files, stdout, the verbose log. Every file
//! keylint writes goes through here and is scrubbed of the access tokens
//! ([`crate::text::scrub`]); the standard streams are scrubbed by the binary that hands them in.

use std::io::{Read, Write};
use std::path::Path;

use super::Io;
use crate::app::error::Failure;
use crate::inventory::{self, Inventory, MAX_INPUT_BYTES};
use crate::text::bounded;
use crate::text::scrub::{CHUNK_BYTES, Scrubber, Scrubbing};

pub(super) fn log(verbose: bool, io: &mut Io<'_>, line: &str) {
    if verbose {
        let _ = writeln!(io.stderr, "keylint: {line}");
    }
}

/// Appends `text`, scrubbed, to a file, creating it when missing (never truncating it).
pub(super) fn append_to(scrubber: &Scrubber, path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(scrubber.scrub(text).as_bytes())
}

pub(super) fn write_out(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    write_stdout(out, text.as_bytes())
}

/// Writes `bytes` to the file `output` names (scrubbed), or to stdout when there is none.
pub(super) fn emit(output: Option<&Path>, io: &mut Io<'_>, bytes: &[u8]) -> Result<(), Failure> {
    match output {
        Some(path) => write_file(io.scrubber, path, bytes),
        None => write_stdout(io.stdout, bytes),
    }
}

/// Streams a report to the file `output` names (scrubbed), or to stdout, as `report` writes
/// it. The report's many small writes are gathered first: the scrubbing stream holds
/// incomplete lines back, so a secret is seen whole wherever a gathered chunk ends.
pub(super) fn stream(
    output: Option<&Path>,
    io: &mut Io<'_>,
    report: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let gathered = |out: &mut dyn Write| {
        let mut out = std::io::BufWriter::with_capacity(CHUNK_BYTES, out);
        report(&mut out).and_then(|()| out.flush())
    };
    match output {
        Some(path) => {
            let failed = |e: std::io::Error| Failure::Output {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            let file = std::fs::File::create(path).map_err(failed)?;
            gathered(&mut Scrubbing::new(file, io.scrubber)).map_err(failed)
        }
        None => gathered(io.stdout).map_err(|e| Failure::Output {
            path: "stdout".into(),
            reason: e.to_string(),
        }),
    }
}

fn write_stdout(stdout: &mut dyn Write, bytes: &[u8]) -> Result<(), Failure> {
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Output {
            path: "stdout".into(),
            reason: e.to_string(),
        })
}

/// Writes `bytes`, scrubbed, to a file.
pub(super) fn write_file(scrubber: &Scrubber, path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, scrubber.scrub_bytes(bytes)).map_err(|e| Failure::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// Reads `--input` (a path, or `-` for stdin), capped at [`MAX_INPUT_BYTES`], in the dialect
/// `pinned` by `--gateway` when one is.
pub(super) fn read_input(
    path: &Path,
    stdin: &mut dyn Read,
    pinned: Option<inventory::Dialect>,
) -> Result<Inventory, Failure> {
    let source_name = path.display().to_string();
    let unreadable = |reason: String| Failure::InputUnreadable {
        source_name: source_name.clone(),
        reason,
    };
    let read = if path == Path::new("-") {
        bounded::read(stdin, MAX_INPUT_BYTES, 0)
    } else {
        bounded::read_file(path, MAX_INPUT_BYTES)
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(bounded::ReadError::TooLarge(limit)) => {
            return Err(Failure::Inventory {
                source_name,
                error: inventory::InventoryError::TooLarge {
                    limit_mib: limit / 1024 / 1024,
                },
            });
        }
        Err(e) => return Err(unreadable(e.to_string())),
    };
    inventory::parse_inventory(&bytes, &source_name)
        .and_then(|inventory| inventory.pin_gateway(pinned))
        .map_err(|error| Failure::Inventory {
            source_name: source_name.clone(),
            error,
        })
}
