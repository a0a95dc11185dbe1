//! The function table is the one source of truth for the wiring: the binaries' mains, their
//! `[[bin]]` entries and `cdk/functions.json` (which the CDK stack is built from) must be
//! exactly what it generates, and every API operation must have its function.
//! `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest` rewrites them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use trellis_lambdas::manifest::render::{self, BINS_BEGIN, BINS_END};
use trellis_lambdas::manifest::{FUNCTIONS, Trigger};
use utoipa::OpenApi;

const WRITE: &str = "TRELLIS_WRITE_MANIFEST";
const HOW: &str = "run `TRELLIS_WRITE_MANIFEST=1 cargo test -p trellis-lambdas --test manifest`";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `path` with what the table generates (or writes it, when asked to).
fn check(path: &Path, generated: &str) -> Option<String> {
    if std::env::var_os(WRITE).is_some() {
        std::fs::write(path, generated).expect("the generated file is writable");
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    (current != generated).then(|| format!("{} differs from the function table", path.display()))
}

#[test]
fn cdk_functions_json_is_generated_from_the_table() {
    let path = crate_dir().join("../../cdk/functions.json");
    if let Some(problem) = check(&path, &render::manifest_json()) {
        panic!("{problem}: {HOW}");
    }
}

#[test]
fn every_binary_is_the_generated_main_of_a_function_in_the_table() {
    let bin = crate_dir().join("src/bin");
    let mut problems = Vec::new();
    for f in FUNCTIONS {
        problems.extend(check(
            &bin.join(format!("{}.rs", f.name)),
            &render::main_source(f),
        ));
    }
    let names: BTreeSet<String> = FUNCTIONS.iter().map(|f| format!("{}.rs", f.name)).collect();
    for entry in std::fs::read_dir(&bin).expect("src/bin exists") {
        let file = entry.unwrap().file_name().to_string_lossy().to_string();
        if !names.contains(&file) {
            problems.push(format!("src/bin/{file} is not a function in the table"));
        }
    }
    assert!(problems.is_empty(), "{}: {HOW}", problems.join("\n"));
}

#[test]
fn cargo_toml_declares_exactly_the_tables_binaries() {
    let path = crate_dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (
        text.find(BINS_BEGIN)
            .expect("the generated section's start"),
        text.find(BINS_END).expect("the generated section's end") + BINS_END.len() + 1,
    );
    let generated = format!("{}{}{}", &text[..begin], render::cargo_bins(), &text[end..]);
    if let Some(problem) = check(&path, &generated) {
        panic!("{problem}: {HOW}");
    }
}

#[test]
fn every_api_operation_has_exactly_one_function_and_no_function_serves_another() {
    let document = trellis_http::openapi::ApiDoc::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in &document.paths.paths {
        // The live WebSocket is its own API on AWS (the websocket functions), not a route.
        if path == "/api/ws" {
            continue;
        }
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PATCH", &item.patch),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ] {
            if op.is_some() {
                documented.insert(format!("{method} {path}"));
            }
        }
    }
    let mut served = BTreeSet::new();
    for f in FUNCTIONS {
        if let Trigger::Http { method, path, .. } = f.trigger {
            assert!(
                served.insert(format!("{method} {path}")),
                "{method} {path} is served by two functions"
            );
            assert!(f.handler.is_some(), "{} has no handler", f.name);
        }
    }
    assert_eq!(served, documented, "HTTP functions vs the OpenAPI document");
}

#[test]
fn every_permission_and_variable_is_one_the_stack_knows() {
    let resources: BTreeSet<&str> = render::known_resources().collect();
    let variables: BTreeSet<&str> = render::known_variables().collect();
    let mut names = BTreeSet::new();
    for f in FUNCTIONS {
        assert!(names.insert(f.name), "{} is in the table twice", f.name);
        for p in f.permissions() {
            assert!(resources.contains(p.resource), "{}: {}", f.name, p.resource);
            assert!(!p.actions.is_empty() && p.actions.iter().all(|a| a.contains(':')));
        }
        for v in f.environment() {
            assert!(variables.contains(v), "{}: {v}", f.name);
        }
    }
    // The public routes authenticate nothing and may read no secret but the webhook's.
    for f in FUNCTIONS.iter().filter(|f| {
        matches!(
            f.trigger,
            Trigger::Http {
                authenticated: false,
                ..
            }
        )
    }) {
        assert!(!f.needs.token, "{}", f.name);
    }
}
