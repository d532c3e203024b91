//! The layout's promises, checked: nothing outside an API's folder names
//! its URLs, query parameters, scope, JSON or status words, and only
//! `publish/mod.rs` matches on which API is in use; README's workflows are
//! the linted files of `examples/workflows/`, and the federated subjects its
//! Entra setup spells out are those the workflows' environments present;
//! every Rust file opens with a `//!` line saying what it owns; the code
//! map of ARCHITECTURE.md lists every file in import order; status words
//! and exit codes each have one place, and so do the clock, the
//! environment and stdout; config's defaults are action.yml's.

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

/// Code lines of a file, comments and its unit tests (from `mod tests {`
/// on, where tables may name anything) left out.
fn code(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "mod tests {")
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
        // The endpoint; `configure` and `configure_timeout` alone are the
        // names of inputs.
        "/configure",
        "configure/",
        "configure?",
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
                    // Azure Pipelines' OIDC endpoint has an api-version of
                    // its own: part of signing in, not of an API.
                    let sign_in = relative == "sign_in/azure_pipelines.rs"
                        && line.contains("\"api-version\", \"7.1\"");
                    // The flags are the command line's names of inputs.
                    let line = line
                        .replace("--operation-location", "")
                        .replace("--api-version", "");
                    if line.contains(word) && !sign_in {
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

/// The pages a vendor or a contributor reads: README, CONTRIBUTING and
/// every page of `docs/`, by their paths from the root.
fn doc_pages(root: &Path) -> Vec<String> {
    let mut pages = vec!["README.md".to_owned(), "CONTRIBUTING.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| path.strip_prefix(root).unwrap().display().to_string())
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// Every whole workflow or pipeline the documentation (README,
/// CONTRIBUTING, `docs/`) shows is a file of `examples/workflows/` or
/// `examples/pipelines/`, word for word, and every such file is shown:
/// `.ci/run` lints the files.
#[test]
fn readmes_workflows_are_the_linted_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme: String = doc_pages(root)
        .iter()
        .map(|page| std::fs::read_to_string(root.join(page)).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let shown: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .filter(|block| block.contains("\njobs:\n") || block.contains("\nstages:\n"))
        .collect();
    let mut examples: Vec<(String, String)> = ["examples/workflows", "examples/pipelines"]
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    examples.sort();
    assert!(examples.len() >= 6, "{examples:?}");
    for (name, text) in &examples {
        assert!(
            shown.contains(&text.as_str()),
            "{name} is not shown word for word in README or docs/"
        );
    }
    for block in shown {
        assert!(
            examples.iter().any(|(_, text)| text == block),
            "a workflow in the documentation is not a file of examples/:\n{block}"
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

/// The module path of a file under `src/`: `publish/cpp/mod.rs` is
/// `publish::cpp`, `lib.rs` the root.
fn module_of(file: &str) -> Vec<String> {
    let mut segments: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if segments
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        segments.pop();
    }
    segments
}

/// The code of a file before its unit tests, comment lines left out.
fn code_before_tests(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path a file names: `crate::a::b`, `super::c`, a child
/// declared with `mod`, and each item of a `{...}` group after them.
fn named_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let children: Vec<String> = code
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("pub ");
            let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
            Some(name.to_owned())
        })
        .collect();
    let mut found = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == ':');
        if !starts_word || !ident(bytes[i]) {
            i += 1;
            continue;
        }
        // A path: words joined by `::`.
        let mut words = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < bytes.len() && ident(bytes[j]) {
                j += 1;
            }
            words.push(bytes[start..j].iter().collect::<String>());
            if bytes[j..].starts_with(&[':', ':']) && j + 2 < bytes.len() && ident(bytes[j + 2]) {
                j += 2;
            } else {
                break;
            }
        }
        // `crate` alone, as in `pub(crate)`, names nothing.
        let names_a_path = words.len() > 1 || bytes[j..].starts_with(&[':', ':', '{']);
        let base: Option<Vec<String>> = match words[0].as_str() {
            "crate" if names_a_path => Some(Vec::new()),
            "crate" => None,
            "super" => Some(module[..module.len().saturating_sub(1)].to_vec()),
            "self" => Some(module.to_vec()),
            word if children.iter().any(|child| child == word) => Some(module.to_vec()),
            _ => None,
        };
        if let Some(mut base) = base {
            let skip = usize::from(matches!(words[0].as_str(), "crate" | "super" | "self"));
            base.extend(words[skip..].iter().cloned());
            // `path::{a, b::c}`: each item of the group.
            if bytes[j..].starts_with(&[':', ':', '{']) {
                let end = bytes[j..].iter().position(|&c| c == '}').unwrap() + j;
                let group: String = bytes[j + 3..end].iter().collect();
                for item in group.split(',') {
                    let mut path = base.clone();
                    path.extend(
                        item.trim()
                            .split("::")
                            .map(|word| word.chars().take_while(|&c| ident(c)).collect::<String>())
                            .filter(|word| !word.is_empty()),
                    );
                    found.push(path);
                }
            }
            found.push(base);
        }
        i = j.max(i + 1);
    }
    found
}

/// No file under `src/` grows past 900 lines: a file that long holds more
/// than one concern, and is split along them.
#[test]
fn no_source_file_is_over_900_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|file| (file, std::fs::read_to_string(file).unwrap().lines().count()))
        .filter(|(_, lines)| *lines > 900)
        .map(|(file, lines)| format!("{} has {lines} lines", file.display()))
        .collect();
    assert!(long.is_empty(), "{long:#?}");
}

#[test]
fn the_code_map_lists_every_file_in_import_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let map = architecture
        .split("## Code map")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("ARCHITECTURE.md has a code map");
    // Each entry: the path its bullet starts with, and the bullet's text.
    let entries: Vec<(String, String)> = map
        .split("\n- ")
        .skip(1)
        .filter_map(|bullet| {
            let path = bullet.strip_prefix('`')?.split('`').next()?;
            let path = path.strip_prefix("src/")?;
            Some((path.to_owned(), bullet.to_owned()))
        })
        .collect();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let files: Vec<String> = files
        .iter()
        .map(|file| {
            file.strip_prefix(root.join("src"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    // A file's entry: its own, or its folder's (which names it).
    let entry_of = |file: &str| -> Option<usize> {
        entries.iter().position(|(path, bullet)| {
            path == file
                || (path.ends_with('/')
                    && file.strip_prefix(path.as_str()).is_some_and(|name| {
                        !name.contains('/') && bullet.contains(&format!("`{name}`"))
                    }))
        })
    };
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|file| entry_of(file).is_none())
        .collect();
    assert!(
        unlisted.is_empty(),
        "files the code map does not list (a folder's bullet names each of its files): {unlisted:?}"
    );
    let file_of = |path: &[String]| -> Option<&String> {
        (0..=path.len()).rev().find_map(|n| {
            files
                .iter()
                .filter(|file| file.as_str() != "main.rs")
                .find(|file| module_of(file) == path[..n])
        })
    };
    let mut upward = Vec::new();
    for file in &files {
        if matches!(file.as_str(), "lib.rs" | "main.rs") {
            continue;
        }
        let module = module_of(file);
        let own = entry_of(file).unwrap();
        for path in named_paths(&module, &code_before_tests(&root.join("src").join(file))) {
            let Some(target) = file_of(&path) else {
                continue;
            };
            if entry_of(target).unwrap() > own {
                upward.push(format!("{file} uses {} ({target})", path.join("::")));
            }
        }
    }
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "each module may import only modules above it in ARCHITECTURE.md's code map: {upward:#?}"
    );
}

/// Code lines of every file under `src/` but those `allowed`, with the
/// file's path.
fn src_lines_outside(allowed: &[&str]) -> Vec<(String, usize, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut lines = Vec::new();
    for file in files {
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        if allowed.iter().any(|allowed| name.starts_with(allowed)) {
            continue;
        }
        for (n, line) in code(&file) {
            lines.push((name.clone(), n, line));
        }
    }
    lines
}

/// Each host's syntax, its files and the match on the host live in
/// `src/host/`, as each API's words live in its folder.
#[test]
fn only_the_hosts_folder_knows_a_hosts_syntax() {
    let words = [
        "\"::add-mask::",
        "\"::error::",
        "\"::warning::",
        "\"::notice::",
        "\"::debug::",
        "\"::group::",
        "\"::endgroup::",
        "\"::stop-commands::",
        "##vso[",
        "##[",
        "section_start",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "AGENT_TEMPDIRECTORY",
        "HostKind::GitHub =>",
        "HostKind::AzurePipelines =>",
        "HostKind::GitLab =>",
        "HostKind::Terminal =>",
    ];
    let found: Vec<String> = src_lines_outside(&["host/"])
        .into_iter()
        .filter(|(_, _, line)| words.iter().any(|word| line.contains(word)))
        .map(|(file, n, line)| format!("{file}:{n}: {}", line.trim()))
        .collect();
    assert!(
        found.is_empty(),
        "a host's syntax outside src/host/: {found:#?}"
    );
    let matches: Vec<String> = src_lines_outside(&[])
        .into_iter()
        .filter(|(file, _, line)| {
            file != "host/mod.rs" && line.contains("HostKind::") && line.contains("=>")
        })
        .map(|(file, n, line)| format!("{file}:{n}: {}", line.trim()))
        .collect();
    assert!(
        matches.is_empty(),
        "only HostKind::host matches on the host: {matches:#?}"
    );
}

#[test]
fn status_words_are_spelt_only_in_model_and_the_apis() {
    let words = [
        "accepted",
        "running",
        "succeeded",
        "failed",
        "canceled",
        "unknown",
        "ready",
        "live",
        "not-ready",
    ];
    let found: Vec<String> = src_lines_outside(&["model.rs", "publish/"])
        .into_iter()
        .filter(|(_, _, line)| {
            words
                .iter()
                .any(|word| line.contains(&format!("\"{word}\"")))
        })
        .map(|(file, n, line)| format!("{file}:{n}: {}", line.trim()))
        .collect();
    assert!(
        found.is_empty(),
        "a status word outside model::Status: {found:#?}"
    );
}

#[test]
fn exit_codes_are_picked_in_one_place() {
    let found: Vec<String> = src_lines_outside(&["report.rs", "main.rs"])
        .into_iter()
        .filter(|(_, _, line)| line.contains("exit::") || line.contains("ExitCode"))
        .map(|(file, n, line)| format!("{file}:{n}: {}", line.trim()))
        .collect();
    assert!(
        found.is_empty(),
        "only report::exit_code picks an exit code: {found:#?}"
    );
}

#[test]
fn the_clock_the_environment_and_stdout_are_each_touched_in_one_place() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clippy = std::fs::read_to_string(root.join("clippy.toml")).unwrap();
    for method in [
        "std::time::Instant::now",
        "std::time::SystemTime::now",
        "std::env::var",
        "std::env::vars_os",
        "std::io::stdout",
        "std::io::stderr",
    ] {
        assert!(
            clippy.contains(&format!("path = \"{method}\", reason = ")),
            "clippy.toml disallows {method}, with a reason"
        );
    }
    let mut allowed: Vec<String> = src_lines_outside(&[])
        .into_iter()
        .filter(|(_, _, line)| line.contains("clippy::disallowed_methods"))
        .map(|(file, _, _)| file)
        .collect();
    allowed.sort();
    allowed.dedup();
    assert_eq!(allowed, ["clock.rs", "host/mod.rs", "main.rs"]);
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("print_stdout = \"warn\""),
        "println! is linted"
    );
}

/// GitHub's anchor of a Markdown heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every link between the pages (README, CONTRIBUTING, `docs/`) leads to
/// a file that exists and, with an `#anchor`, to a heading of it; a link
/// to a file of the repository leads to one. README stays a front page:
/// at most 28 KB.
#[test]
fn the_docs_links_lead_to_their_headings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let anchors = |file: &Path| -> Vec<String> {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter_map(|line| line.strip_prefix('#'))
            .map(|heading| anchor(heading.trim_start_matches('#')))
            .collect()
    };
    let mut broken = Vec::new();
    for page in doc_pages(root) {
        let file = root.join(&page);
        let text = std::fs::read_to_string(&file).unwrap();
        for link in text.split("](").skip(1) {
            let target = link.split(')').next().unwrap();
            if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target, None),
            };
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !linked.exists() {
                broken.push(format!("{page}: {target} (no such file)"));
                continue;
            }
            if let Some(fragment) = fragment
                && linked.extension().is_some_and(|e| e == "md")
                && !anchors(&linked).iter().any(|known| known == fragment)
            {
                broken.push(format!("{page}: {target}"));
            }
        }
    }
    assert!(broken.is_empty(), "links to nothing: {broken:?}");
    let readme = std::fs::metadata(root.join("README.md")).unwrap().len();
    assert!(
        readme <= 28 * 1024,
        "README is {readme} bytes: move depth to docs/"
    );
}

/// README's inputs and outputs tables name every input and output
/// `action.yml` declares, and nothing it does not.
#[test]
fn readmes_tables_list_every_input_and_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let table = |heading: &str| -> Vec<String> {
        let section = readme
            .split(&format!("\n## {heading}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("README has a section {heading}"));
        let section = section.split("\n## ").next().unwrap();
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
            .map(str::to_owned)
            .collect()
    };
    let mut inputs: Vec<String> = marketplace_emulator::runner::declared_inputs(&action)
        .into_keys()
        .collect();
    assert!(inputs.len() >= 24, "{inputs:?}");
    let mut listed = table("Inputs");
    inputs.sort();
    listed.sort();
    assert_eq!(
        listed, inputs,
        "README's inputs table and action.yml's inputs"
    );
    let outputs_section = action.split("\noutputs:\n").nth(1).unwrap();
    let mut outputs: Vec<String> = outputs_section
        .lines()
        .take_while(|line| !line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| !name.starts_with(' '))
        .map(str::to_owned)
        .collect();
    assert!(outputs.len() >= 8, "{outputs:?}");
    let mut listed = table("Outputs");
    outputs.sort();
    listed.sort();
    assert_eq!(
        listed, outputs,
        "README's outputs table and action.yml's outputs"
    );
}

/// Every name ARCHITECTURE.md puts in backticks is in the tree: a path is
/// a file or folder of the repository, and an identifier (`Name`,
/// `module::Name`, `CONSTANT`) occurs in its code. A map that names what
/// was renamed misleads whoever reads it first.
#[test]
fn architectures_names_are_in_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut code = String::new();
    for dir in [
        "src", "tests", "emulator", "examples", "bench", ".github", ".ci",
    ] {
        let mut stack = vec![root.join(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if let Ok(content) = std::fs::read_to_string(&path) {
                code.push_str(&content);
            }
        }
    }
    for file in [
        "Cargo.toml",
        "clippy.toml",
        "action.yml",
        "build.rs",
        "Dockerfile",
    ] {
        code.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
    }
    let identifier = |word: &str| {
        !word.is_empty()
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut missing = Vec::new();
    for quoted in text.split('`').skip(1).step_by(2) {
        let name = quoted.trim_end_matches("()");
        if name.starts_with('/') {
            // A URL's path, such as `/rp/product-ingestion`.
            if !code.contains(name) {
                missing.push(name.to_owned());
            }
            continue;
        }
        let path_like = name.contains('/') && !name.contains(' ') && !name.contains("//");
        if path_like {
            let clean = name.trim_end_matches('/');
            let exists = if let Some((before, after)) = clean.split_once('*') {
                // `src/publish/*/wire.rs`: some folder holds it;
                // `examples/workflows/*.yml`: some file ends so.
                std::fs::read_dir(root.join(before.trim_end_matches('/')))
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .any(|e| match after.strip_prefix('/') {
                                Some(inside) => e.path().join(inside).exists(),
                                None => e.file_name().to_string_lossy().ends_with(after),
                            })
                    })
                    .unwrap_or(false)
            } else {
                [root.to_path_buf(), root.join("tests/it"), root.join("src")]
                    .iter()
                    .any(|base| base.join(clean).exists())
            };
            if !exists {
                missing.push(name.to_owned());
            }
            continue;
        }
        let segments: Vec<&str> = name.split("::").collect();
        if !segments.iter().all(|segment| identifier(segment)) {
            continue;
        }
        let last = segments.last().unwrap();
        if !code.contains(last) {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names what the tree does not hold: {missing:?}"
    );
}
