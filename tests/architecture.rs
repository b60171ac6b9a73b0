//! The shape of the code, kept true: every file of `src/` belongs to one
//! band, and imports only from its own band or below; and no two top-level
//! modules (folders, or files such as `config.rs`) import each other, even
//! within a band. docs/ARCHITECTURE.md draws the same table.
//!
//! The check reads the source as text: every path that starts with
//! `crate::`, including grouped imports (`use crate::{a::X, b::Y}`) and
//! paths written inline, and every `super::` chain that climbs out of its
//! top-level module. Comments and string literals are skipped, so a doc
//! link is not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The bands, top to bottom, with the top-level modules in each. A module
/// may use modules of its own band or of a band further down the list.
const BANDS: &[(&str, &[&str])] = &[
    // The binary and what its subcommands do.
    ("cli", &["main", "commands", "demo"]),
    // The root router, the HTTP server and its background tasks.
    ("app", &["server"]),
    // Handlers: parse, call one domain function, render.
    ("handlers", &["site", "api", "newsroom"]),
    // What handlers share: state, extractors, CSRF, errors, page cache.
    ("web", &["web"]),
    // The rules: a story's life, accounts, readers' subscriptions, image
    // ingest, site search.
    (
        "domain",
        &["editorial", "accounts", "subscriptions", "images", "search"],
    ),
    // One engine from a committed job to a notification on a device.
    ("delivery", &["delivery"]),
    // Writes what the domain decided; no rules.
    ("store", &["store"]),
    // Value types and pure rules everything above shares.
    ("shared", &["config", "roles", "reminders", "secrets"]),
    // Pure content functions: Markdown, feeds, sitemaps, JSON-LD.
    ("content", &["content"]),
];

/// One import that breaks the shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    message: String,
}

#[test]
fn every_import_points_down_and_no_two_modules_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = read_tree(&root);
    assert!(files.len() > 50, "src/ was read: {} files", files.len());
    let violations = check(&files);
    assert!(
        violations.is_empty(),
        "the layering is broken ({} problems; see tests/architecture.rs for the bands):\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {}:{}: {}", v.file, v.line, v.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_catches_an_upward_import_a_cycle_and_an_unknown_module() {
    let files = vec![
        // store → web: upward, written as a grouped import.
        (
            "store/stories.rs".to_owned(),
            "//! x\nuse crate::{content::Story, web::AppState};\n".to_owned(),
        ),
        // editorial ↔ accounts: same band, but a cycle.
        (
            "editorial/mod.rs".to_owned(),
            "use crate::accounts::Principal;\n".to_owned(),
        ),
        (
            "accounts/mod.rs".to_owned(),
            "fn f() { crate::editorial::publish(); }\n".to_owned(),
        ),
        // super:: climbing out of its folder into a higher band.
        (
            "delivery/worker.rs".to_owned(),
            "use super::super::server::serve;\n".to_owned(),
        ),
        // Not in the table.
        ("gadgets.rs".to_owned(), "pub fn x() {}\n".to_owned()),
        // Neither comments nor strings count.
        (
            "content/model.rs".to_owned(),
            "// crate::web::AppState\n/// [`crate::server`]\nconst S: &str = \"crate::web\";\nconst C: char = '\"';\nfn r() -> &'static str { r#\"crate::api\"# }\n"
                .to_owned(),
        ),
    ];
    let found: Vec<(String, usize, bool)> = check(&files)
        .into_iter()
        .map(|v| (v.file, v.line, v.message.contains("each other")))
        .collect();
    assert_eq!(
        found,
        [
            ("accounts/mod.rs".to_owned(), 1, true),
            ("delivery/worker.rs".to_owned(), 1, false),
            ("editorial/mod.rs".to_owned(), 1, true),
            ("gadgets.rs".to_owned(), 0, false),
            ("store/stories.rs".to_owned(), 2, false),
        ]
    );
}

/// Every `.rs` file under `root`, as (path relative to `root`, text).
fn read_tree(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read src/") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(root)
                    .expect("under src/")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((relative, std::fs::read_to_string(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

/// The band of each top-level module: 0 is the top.
fn band_of(module: &str) -> Option<usize> {
    BANDS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The violations in `files` (paths relative to `src/`).
fn check(files: &[(String, String)]) -> Vec<Violation> {
    let mut violations = BTreeSet::new();
    // (from, to) → the first place `from` uses `to`.
    let mut edges: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
    for (file, text) in files {
        if file == "lib.rs" {
            continue; // declares every module; imports none
        }
        let module_path = module_path(file);
        let own = module_path[0].clone();
        let Some(own_band) = band_of(&own) else {
            violations.insert(Violation {
                file: file.clone(),
                line: 0,
                message: format!("module `{own}` is in no band of tests/architecture.rs"),
            });
            continue;
        };
        for (line, target) in references(&code_only(text), &module_path) {
            if target == own {
                continue;
            }
            edges
                .entry((own.clone(), target.clone()))
                .or_insert((file.clone(), line));
            match band_of(&target) {
                Some(band) if band < own_band => {
                    violations.insert(Violation {
                        file: file.clone(),
                        line,
                        message: format!(
                            "`{own}` ({}) imports `{target}` ({}), a higher band",
                            BANDS[own_band].0, BANDS[band].0
                        ),
                    });
                }
                _ => {}
            }
        }
    }
    for ((from, to), (file, line)) in &edges {
        if edges.contains_key(&(to.clone(), from.clone())) {
            violations.insert(Violation {
                file: file.clone(),
                line: *line,
                message: format!("`{from}` and `{to}` import each other"),
            });
        }
    }
    violations.into_iter().collect()
}

/// The module path of a file: `store/stories.rs` → [store, stories],
/// `store/mod.rs` → [store], `config.rs` → [config].
fn module_path(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules a file's code names, with the line of each
/// mention: `crate::x…` (and each branch of `crate::{x…, y…}`), and
/// `super::` chains that reach the crate root.
fn references(code: &str, module_path: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let ident_at = |at: usize| -> String {
        code[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let is_boundary = |at: usize| {
        at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b':')
    };
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        if rest.starts_with("crate::") && is_boundary(at) {
            let after = at + "crate::".len();
            if code[after..].starts_with('{') {
                for branch in top_level_branches(&code[after + 1..]) {
                    found.push((line_of(after + 1 + branch), ident_at(after + 1 + branch)));
                }
            } else {
                found.push((line_of(at), ident_at(after)));
            }
            at = after;
        } else if rest.starts_with("super::") && is_boundary(at) {
            let mut climbs = 0;
            let mut cursor = at;
            while code[cursor..].starts_with("super::") {
                climbs += 1;
                cursor += "super::".len();
            }
            // A file module's `super` is its folder; a folder's mod.rs
            // (already trimmed from the path) climbs from the folder.
            if climbs >= module_path.len() {
                found.push((line_of(at), ident_at(cursor)));
            }
            at = cursor;
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found.retain(|(_, ident)| !ident.is_empty() && ident != "self");
    found
}

/// The offsets (from `text`, just after a `{`) where each branch of a use
/// group starts, at the group's own level.
fn top_level_branches(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    for (i, c) in text.char_indices() {
        match c {
            '{' => {
                depth += 1;
                expecting = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expecting = true,
            c if expecting && !c.is_whitespace() => {
                starts.push(i);
                expecting = false;
            }
            _ => {}
        }
    }
    starts
}

/// `text` with comments and the contents of string and character literals
/// blanked out (newlines kept, so line numbers stay true).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push_str("  ");
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i)
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let closing: Vec<char> = closing.chars().collect();
            while j < chars.len() && chars[j..].iter().take(closing.len()).ne(closing.iter()) {
                j += 1;
            }
            j = (j + closing.len()).min(chars.len());
            for &skipped in &chars[i..j] {
                out.push(blank(skipped));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\''), not a lifetime ('a).
            let literal_end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match literal_end {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}
