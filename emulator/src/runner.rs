//! What the GitHub runner does around a container action, for the demo and
//! the tests: the inputs it sets (from `action.yml`, read with a YAML
//! parser), the outputs file it reads back, and the log as its log view
//! shows it (`log_view`).

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

/// The log as GitHub's log view shows it: masked values as `***`, a group
/// as its title (its body folded away), annotations as `Error:`,
/// `Warning:` and `Notice:` lines, command data decoded (`%25` is `%`),
/// debug lines hidden, and the lines between `::stop-commands::` and its
/// token shown as they are.
pub fn log_view(raw: &str) -> String {
    let mut masks: Vec<String> = Vec::new();
    let mut shown = Vec::new();
    let mut stopped: Option<String> = None;
    let mut in_group = false;
    for line in raw.lines() {
        if let Some(token) = &stopped {
            if line == format!("::{token}::") {
                stopped = None;
            } else if !in_group {
                shown.push(line.to_owned());
            }
            continue;
        }
        let Some(command) = line.strip_prefix("::") else {
            if !in_group {
                shown.push(line.to_owned());
            }
            continue;
        };
        let (name, data) = match command.split_once("::") {
            Some((head, data)) => (head.split(' ').next().unwrap_or(head), data),
            None => (command, ""),
        };
        match name {
            "add-mask" => masks.push(decode(data)),
            "stop-commands" => stopped = Some(data.to_owned()),
            "group" => {
                shown.push(format!("> {}", decode(data)));
                in_group = true;
            }
            "endgroup" => in_group = false,
            "error" => shown.push(format!("Error: {}", decode(data))),
            "warning" => shown.push(format!("Warning: {}", decode(data))),
            "notice" => shown.push(format!("Notice: {}", decode(data))),
            "debug" => {}
            _ => shown.push(line.to_owned()),
        }
    }
    // Longest first, so that a mask inside another leaves no piece.
    masks.retain(|mask| !mask.is_empty());
    masks.sort_by_key(|mask| std::cmp::Reverse(mask.len()));
    let mut text = shown.join("\n");
    for mask in &masks {
        text = text.replace(mask.as_str(), "***");
    }
    text
}

/// Command data as the runner reads it: `%25`, `%0D`, `%0A`, `%3A` and
/// `%2C` decoded.
pub fn decode(data: &str) -> String {
    data.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}
