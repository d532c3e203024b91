//! The layout's promises, checked: nothing outside an API's folder names
//! its URLs, query parameters, scope, JSON or status words, and only
//! `publish/mod.rs` matches on which API is in use.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Code lines of a file, comments left out.
fn code(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(n, line)| (n + 1, line.to_owned()))
        .collect()
}

#[test]
fn only_an_apis_folder_names_what_belongs_to_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "{files:?}");
    let api_words = [
        "cloudpartner.azure.com",
        "graph.microsoft.com",
        "api-version",
        "$version",
        "/golive",
        "configure",
        "jobStatus",
        "submission/",
        "operation-location",
        "2017-10-31",
        "2022-03-01",
    ];
    let mut found = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let in_api_folder =
            relative.starts_with("publish/cpp/") || relative.starts_with("publish/ingestion/");
        for (number, line) in code(file) {
            if !in_api_folder {
                for word in api_words {
                    if line.contains(word) {
                        found.push(format!("{relative}:{number} names {word:?}: {line}"));
                    }
                }
            }
            let matches_on_api = ["Kind::CloudPartnerPortal =>", "Kind::ProductIngestion =>"]
                .iter()
                .any(|arm| line.contains(arm));
            if relative != "publish/mod.rs" && matches_on_api {
                found.push(format!("{relative}:{number} matches on the API: {line}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
