//! The policy files of a command line: which packs and config file to load (`--rules`,
//! `--config`, `./keylint.toml`), and the `config` and `init` commands.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Io;
use super::files::write_out;
use crate::app::cli::{ConfigArgs, InitArgs, PolicyArgs};
use crate::app::error::Failure;
use crate::policy::{self, PackSource, Policy, PolicyOptions, load_policy};
use crate::text::{clock, escape};

/// Loads the policy: the default pack, `--rules` packs (a shipped pack's name selects it),
/// then the config file (always a file).
pub(super) fn load(args: &PolicyArgs) -> Result<Policy, Failure> {
    let mut packs: Vec<PackSource> = args
        .rules
        .iter()
        .cloned()
        .map(PackSource::from_rules_arg)
        .collect();
    packs.extend(config_path(args).map(PackSource::File));
    Ok(load_policy(&PolicyOptions {
        default_rules: !args.no_default_rules,
        packs,
    })?)
}

/// The config file: `--config PATH` (which must then exist: loading a missing file is an
/// error, never a silent fall-back to defaults), else `./keylint.toml` when there is anything
/// at that path, else none.
pub(super) fn config_path(args: &PolicyArgs) -> Option<PathBuf> {
    if args.no_config {
        return None;
    }
    if let Some(path) = &args.config {
        return Some(path.clone());
    }
    let default = Path::new(policy::CONFIG_FILE);
    // `symlink_metadata`: a dangling link or an unreadable file is an error when loaded, not
    // a reason to skip the policy.
    std::fs::symlink_metadata(default)
        .is_ok()
        .then(|| default.to_path_buf())
}

/// `keylint config`: the effective policy, or with `--schema` the policy file schema.
pub(super) fn config(args: &ConfigArgs, io: &mut Io<'_>) -> Result<u8, Failure> {
    if args.schema {
        write_out(io.stdout, &policy::schema::render())?;
        return Ok(0);
    }
    let policy = load(&args.policy)?;
    write_out(io.stdout, &policy::show::render(&policy, clock::now()))?;
    Ok(0)
}

/// `keylint init`: writes the commented template, never over an existing file unless `--force`.
pub(super) fn init(args: &InitArgs, quiet: bool, io: &mut Io<'_>) -> Result<u8, Failure> {
    let shown = args.path.display().to_string();
    let written = if args.force {
        std::fs::write(&args.path, policy::INIT_TEMPLATE)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&args.path)
            .and_then(|mut file| file.write_all(policy::INIT_TEMPLATE.as_bytes()))
    };
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Failure::usage(
                format!("{shown} already exists"),
                Some("keep it, or pass --force to overwrite it with the template".into()),
            ));
        }
        Err(e) => {
            return Err(Failure::Output {
                path: shown,
                reason: e.to_string(),
            });
        }
    }
    if !quiet {
        let _ = writeln!(
            io.stderr,
            "keylint: wrote {}; edit it, then run `keylint config` to see the effective policy",
            escape(&shown)
        );
    }
    Ok(0)
}
