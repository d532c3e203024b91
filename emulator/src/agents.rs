//! What the Azure Pipelines agent and the GitLab runner read of a step, for
//! the demo and the tests: the agent's logging commands (`##vso[...]`),
//! parsed as its `Command.cs` parses them, with masks applied to the lines
//! it prints; and a dotenv report, checked as GitLab's parser checks it.

use std::collections::BTreeMap;

/// One logging command as the agent parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// `area.event`, as written.
    pub name: String,
    pub properties: BTreeMap<String, String>,
    /// Decoded.
    pub data: String,
}

/// What the agent makes of a step's output.
#[derive(Debug, Default)]
pub struct AgentView {
    /// Every logging command, in order.
    pub commands: Vec<Command>,
    /// The lines it prints, masked with the secrets set before each.
    pub printed: Vec<String>,
    /// Output variables: name to value.
    pub outputs: BTreeMap<String, String>,
    /// `(type, message)` of each issue.
    pub issues: Vec<(String, String)>,
    /// The result a `task.complete` set, if any.
    pub result: Option<String>,
    /// Paths of uploaded summaries.
    pub summaries: Vec<String>,
    /// Why the agent would fail the step for its commands (an unknown
    /// command, a bad result).
    pub failures: Vec<String>,
}

/// The agent's decoding of command data and property values.
fn decode(text: &str) -> String {
    text.replace("%3B", ";")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%AZP25", "%")
}

/// Parses the lines of a step's output (stdout and stderr, as the agent
/// reads both) the way the agent does.
pub fn azure_pipelines(log: &str) -> AgentView {
    let mut view = AgentView::default();
    let mut secrets: Vec<String> = Vec::new();
    for line in log.lines() {
        let Some(start) = line.find("##vso[") else {
            let mut shown = line.to_owned();
            for secret in &secrets {
                shown = shown.replace(secret, "***");
            }
            view.printed.push(shown);
            continue;
        };
        let rest = &line[start + "##vso[".len()..];
        let Some(end) = rest.find(']') else {
            view.printed.push(format!("(not a legal command) {line}"));
            continue;
        };
        let head = &rest[..end];
        let data = decode(&rest[end + 1..]);
        let (name, properties) = match head.split_once(' ') {
            Some((name, properties)) => (name, properties),
            None => (head, ""),
        };
        let properties: BTreeMap<String, String> = properties
            .split(';')
            .filter(|piece| !piece.is_empty())
            .filter_map(|piece| {
                let (key, value) = piece.split_once('=')?;
                (!value.is_empty()).then(|| (key.to_ascii_lowercase(), decode(value)))
            })
            .collect();
        let command = Command {
            name: name.to_owned(),
            properties,
            data,
        };
        match command.name.to_ascii_lowercase().as_str() {
            "task.setvariable" => {
                if let Some(variable) = command.properties.get("variable") {
                    view.outputs.insert(variable.clone(), command.data.clone());
                }
            }
            "task.setsecret" => {
                if command.data.contains('\n') || command.data.contains('\r') {
                    secrets.extend(command.data.lines().map(str::to_owned));
                } else if !command.data.is_empty() {
                    secrets.push(command.data.clone());
                }
            }
            "task.logissue" | "task.issue" => {
                let kind = command.properties.get("type").cloned().unwrap_or_default();
                if !matches!(kind.as_str(), "error" | "warning") {
                    view.failures.push(format!("bad issue type {kind:?}"));
                }
                let mut message = command.data.clone();
                for secret in &secrets {
                    message = message.replace(secret, "***");
                }
                view.issues.push((kind, message));
            }
            "task.complete" => match command.properties.get("result").map(String::as_str) {
                Some(result @ ("Succeeded" | "SucceededWithIssues" | "Failed")) => {
                    view.result = Some(result.to_owned());
                }
                other => view.failures.push(format!("bad result {other:?}")),
            },
            "task.uploadsummary" => {
                if !std::path::Path::new(&command.data).is_file() {
                    view.failures
                        .push(format!("no summary file at {}", command.data));
                }
                view.summaries.push(command.data.clone());
            }
            other => view.failures.push(format!("unknown command {other}")),
        }
        view.commands.push(command);
    }
    view
}

/// A dotenv report as GitLab reads it: one `KEY=VALUE` a line, keys of
/// letters, digits and `_`, no empty line or comment, at most 5 KB; the
/// last of a repeated key wins. An error rejects the whole report.
pub fn gitlab_dotenv(text: &str) -> Result<BTreeMap<String, String>, String> {
    if text.len() > 5 * 1024 {
        return Err(format!("{} bytes, more than 5 KB", text.len()));
    }
    let mut variables = BTreeMap::new();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("a line without '=': {line:?}"));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("a key that is not a variable name: {key:?}"));
        }
        variables.insert(key.to_owned(), value.to_owned());
    }
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_anywhere_in_a_line_are_found_and_decoded() {
        let view = azure_pipelines(
            ">>> ##vso[task.setvariable variable=a;isoutput=true]x%AZP253By%0Az\nplain\n##vso[task.setsecret]plain\nplain again",
        );
        assert_eq!(view.outputs["a"], "x%3By\nz");
        assert_eq!(view.printed, ["plain", "***"]);
    }

    #[test]
    fn a_dotenv_line_without_equals_rejects_the_report() {
        assert!(gitlab_dotenv("A=1\n# no\n").is_err());
        assert_eq!(gitlab_dotenv("A = 1\nA=2\n").unwrap()["A"], "2");
    }
}
