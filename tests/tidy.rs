//! The layout's promises, checked: nothing outside an API's folder names
//! its URLs, query parameters, scope, JSON or status words, and only
//! `publish/mod.rs` matches on which API is in use; README's workflows are
//! the linted files of `examples/workflows/`.

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
