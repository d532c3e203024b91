//! The layout's promises, checked: nothing outside an API's folder names
//! its URLs, query parameters, scope, JSON or status words, and only
//! `publish/mod.rs` matches on which API is in use; README's workflows are
//! the linted files of `examples/workflows/`, and the federated subjects its
//! Entra setup spells out are those the workflows' environments present;
//! every Rust file opens with a `//!` line saying what it owns.

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

/// Every whole workflow README shows is a file of `examples/workflows/`,
/// word for word, and every such file is shown: `.ci/run` lints the files.
#[test]
fn readmes_workflows_are_the_linted_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let shown: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .filter(|block| block.contains("\njobs:\n"))
        .collect();
    let mut examples: Vec<(String, String)> = std::fs::read_dir(root.join("examples/workflows"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "{examples:?}");
    for (name, text) in &examples {
        assert!(
            shown.contains(&text.as_str()),
            "examples/workflows/{name} is not shown word for word in README"
        );
    }
    for block in shown {
        assert!(
            examples.iter().any(|(_, text)| text == block),
            "a workflow in README is not a file of examples/workflows/:\n{block}"
        );
    }
}

/// The environment names in the federated subjects README spells out
/// (`repo:OWNER/REPO:environment:NAME`).
fn federated_environments(text: &str) -> Vec<String> {
    text.split("repo:")
        .skip(1)
        .filter_map(|rest| {
            let subject = rest
                .split(|c: char| c.is_whitespace() || c == '`' || c == ',' || c == ')')
                .next()?;
            let name = subject.split_once(":environment:")?.1;
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            let name = name.trim_end_matches('.').to_owned();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// A vendor who follows README's Entra setup word for word gets a
/// federated credential that the example workflows' jobs present: every
/// subject it spells out names an environment an example uses, and every
/// environment an example uses has its subject spelled out.
#[test]
fn readmes_federated_subjects_name_the_examples_environments() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut used = Vec::new();
    for entry in std::fs::read_dir(root.join("examples/workflows")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(name) = line.trim().strip_prefix("environment:") {
                used.push(name.trim().to_owned());
            }
        }
    }
    assert!(
        used.contains(&"marketplace-production".to_owned()),
        "{used:?}"
    );
    let spelled = federated_environments(&readme);
    assert!(
        !spelled.is_empty(),
        "README spells out no federated subject"
    );
    for name in &spelled {
        assert!(
            used.contains(name),
            "README spells out the subject repo:OWNER/REPO:environment:{name}, but no example workflow uses environment {name} (they use {used:?})"
        );
    }
    for name in &used {
        assert!(
            spelled.contains(name),
            "the example workflows use environment {name}, but README spells out no subject repo:OWNER/REPO:environment:{name}"
        );
    }
    assert_eq!(
        federated_environments(
            "`repo:O/R:environment:production`, and repo:O/R:ref:refs/heads/main"
        ),
        vec!["production"]
    );
}

/// Every Rust file of the project opens with a `//!` line: what it owns.
#[test]
fn every_rust_file_opens_with_what_it_owns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "emulator/src", "tests", "examples"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 30, "{files:?}");
    let silent: Vec<String> = files
        .iter()
        .filter(|file| !std::fs::read_to_string(file).unwrap().starts_with("//! "))
        .map(|file| file.strip_prefix(root).unwrap().display().to_string())
        .collect();
    assert!(
        silent.is_empty(),
        "files without a `//!` first line: {silent:?}"
    );
}
