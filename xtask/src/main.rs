//! Project checks for CI:
//! - `check-wasm-imports <file.wasm>…`: every import of each component is one Spin 4.0.2
//!   provides (`spin-4.0.2-imports.txt`, matched the way wasmtime links them).
//! - `check-routes`: the native server mounts exactly the routes of `spin.toml`, each on the
//!   same component, and every component's `source` is the file its build command produces.

use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use wasmparser::{Parser, Payload};

const ALLOWLIST: &str = include_str!("../spin-4.0.2-imports.txt");

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check-wasm-imports") => check_wasm_imports(&args[1..]),
        Some("check-routes") => check_routes(),
        _ => bail!("usage: xtask check-wasm-imports <file.wasm>… | xtask check-routes"),
    }
}

/// The top-level imports of a component (imports of nested modules and components are not
/// the component's own).
fn component_imports(bytes: &[u8]) -> Result<Vec<String>> {
    let mut depth = 0usize;
    let mut imports = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    imports.push(import?.name.0.to_string());
                }
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) if depth > 0 => depth -= 1,
            _ => {}
        }
    }
    Ok(imports)
}

/// `wasi:io/streams@0.2.3` → (`wasi:io/streams`, `0.2.3`).
fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((interface, version)) => (interface, Some(version)),
        None => (name, None),
    }
}

/// wasmtime's semver track: `1.2.3` → `1`, `0.2.3` → `0.2`, pre-releases and `0.0.x` none.
fn track(version: &str) -> Option<String> {
    if version.contains('-') {
        return None;
    }
    let parts: Vec<&str> = version.split('.').collect();
    match parts.as_slice() {
        ["0", "0", ..] => None,
        ["0", minor, ..] => Some(format!("0.{minor}")),
        [major, ..] => Some(major.to_string()),
        _ => None,
    }
}

fn allowed(import: &str, allowlist: &BTreeSet<&str>) -> bool {
    if allowlist.contains(import) {
        return true;
    }
    let (interface, Some(version)) = split_version(import) else {
        return false;
    };
    let Some(wanted) = track(version) else {
        return false;
    };
    allowlist.iter().any(|candidate| {
        let (candidate_interface, candidate_version) = split_version(candidate);
        candidate_interface == interface
            && candidate_version.and_then(track).as_deref() == Some(wanted.as_str())
    })
}

fn check_wasm_imports(files: &[String]) -> Result<()> {
    if files.is_empty() {
        bail!("aucun fichier .wasm donné");
    }
    let allowlist: BTreeSet<&str> = ALLOWLIST
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let mut failures = 0;
    for file in files {
        let bytes = std::fs::read(file).with_context(|| format!("lecture de {file}"))?;
        let imports = component_imports(&bytes).with_context(|| format!("analyse de {file}"))?;
        for import in &imports {
            if allowed(import, &allowlist) {
                println!("  import {import}");
            } else {
                eprintln!("{file}: import refused by the Spin 4.0.2 allowlist: {import}");
                failures += 1;
            }
        }
        println!(
            "{file}: {} bytes, {} imports, all provided by Spin 4.0.2: {}",
            bytes.len(),
            imports.len(),
            imports.iter().all(|i| allowed(i, &allowlist))
        );
    }
    if failures > 0 {
        bail!("{failures} import(s) not provided by Spin 4.0.2");
    }
    Ok(())
}

fn check_routes() -> Result<()> {
    let manifest: toml::Table = toml::from_str(
        &std::fs::read_to_string("spin.toml")
            .context("spin.toml (run from the repository root)")?,
    )?;
    let mut spin_routes = BTreeSet::new();
    for trigger in manifest["trigger"]["http"]
        .as_array()
        .context("[[trigger.http]]")?
    {
        let route = trigger["route"].as_str().context("route")?.to_string();
        let component = trigger["component"]
            .as_str()
            .context("component")?
            .to_string();
        spin_routes.insert((route, component));
    }
    let native_routes: BTreeSet<(String, String)> = carnet_server::COMPONENTS
        .iter()
        .flat_map(|component| {
            component
                .routes
                .iter()
                .map(move |route| (route.to_string(), component.name.to_string()))
        })
        .collect();
    let mut ok = true;
    for missing in spin_routes.difference(&native_routes) {
        eprintln!(
            "spin.toml routes {} to {}, the native server does not",
            missing.0, missing.1
        );
        ok = false;
    }
    for extra in native_routes.difference(&spin_routes) {
        eprintln!(
            "the native server routes {} to {}, spin.toml does not",
            extra.0, extra.1
        );
        ok = false;
    }
    let components = manifest["component"].as_table().context("[component]")?;
    for (name, component) in components {
        let source = component["source"].as_str().context("source")?;
        let command = component["build"]["command"]
            .as_str()
            .context("build.command")?;
        let expected = format!("target/wasm32-wasip2/release/carnet_{name}.wasm");
        if source != expected
            || !command.contains(&format!("-p carnet-{name}"))
            || !command.contains("--release")
        {
            eprintln!("component {name}: source {source} is not what `{command}` builds");
            ok = false;
        }
    }
    if !ok {
        bail!("spin.toml and the native server disagree");
    }
    println!(
        "routes: {} in spin.toml, identical in the native server; {} components, each source built by its build command",
        spin_routes.len(),
        components.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_follows_wasmtime_semver_tracks() {
        let list: BTreeSet<&str> = [
            "wasi:io/streams@0.2.6",
            "spin:postgres/postgres@4.2.0",
            "wasi:http/types@0.3.0-rc-2026-03-15",
        ]
        .into_iter()
        .collect();
        assert!(allowed("wasi:io/streams@0.2.3", &list));
        assert!(allowed("spin:postgres/postgres@4.0.0", &list));
        assert!(allowed("wasi:http/types@0.3.0-rc-2026-03-15", &list));
        assert!(!allowed("wasi:http/types@0.3.0-rc-2025-09-16", &list));
        assert!(!allowed("wasi:io/streams@0.3.0", &list));
        assert!(!allowed("spin:postgres/postgres@5.0.0", &list));
        assert!(!allowed("wasi:nn/inference@0.2.0", &list));
    }
}
