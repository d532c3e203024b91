//! What the GitHub runner does around a container action, for the demo and
//! the tests: the inputs it sets (from `action.yml`, read with a YAML
//! parser) and the outputs file it reads back.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct ActionYml {
    inputs: BTreeMap<String, Input>,
}

#[derive(Deserialize)]
struct Input {
    default: Option<String>,
}

/// The inputs an `action.yml` declares, with their defaults (empty when
/// it has none). The runner sets every one of them.
pub fn declared_inputs(action_yml: &str) -> BTreeMap<String, String> {
    let action: ActionYml = serde_yaml_ng::from_str(action_yml).expect("action.yml is valid YAML");
    action
        .inputs
        .into_iter()
        .map(|(name, input)| (name, input.default.unwrap_or_default()))
        .collect()
}

/// Parses an outputs file as the runner does: `name=value` lines and
/// `name<<DELIMITER` heredocs; a heredoc without its closing line is an
/// error that fails the step.
pub fn parse_outputs(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                outputs.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            (_, Some(h)) => {
                let name = &line[..h];
                let delimiter = &line[h + 2..];
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delimiter => break,
                        Some(l) => value.push(l),
                        None => return Err(format!("output {name}: no closing delimiter")),
                    }
                }
                outputs.insert(name.to_owned(), value.join("\n"));
            }
            _ => return Err(format!("unreadable outputs line: {line}")),
        }
    }
    Ok(outputs)
}
