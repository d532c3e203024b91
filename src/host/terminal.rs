//! A plain terminal, or a script's pipe: messages on stderr, data on
//! stdout (the outputs as `name=value` lines, or `--json`), no command of
//! any host, and no secret anywhere. On a terminal, one status line that
//! is redrawn as the operation moves.

use std::sync::Mutex;

use super::{Host, Level, Stream, inert, plain, write_lines, write_raw};

/// A terminal or a pipe.
pub struct Terminal {
    debug: bool,
    colour: bool,
    /// Whether stderr is a terminal: then progress is one live line.
    live: bool,
    /// The live status line shown, if any.
    status: Mutex<Option<String>>,
}

impl Terminal {
    pub fn new(debug: bool, colour: bool, live: bool) -> Terminal {
        Terminal {
            debug,
            colour,
            live,
            status: Mutex::new(None),
        }
    }

    /// Prints the lines above the status line, which is drawn again after
    /// them.
    fn emit(&self, lines: Vec<String>) {
        let status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::new();
        if status.is_some() {
            text.push_str("\r\u{1b}[2K");
        }
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        if let Some(status) = &*status {
            text.push_str(status);
        }
        write_raw(Stream::Err, &text);
    }
}

/// The most characters of the live status line.
const LIVE_WIDTH: usize = 100;

/// `error: text`, the label coloured when colour is on.
fn labelled(level: Level, text: &str, colour: bool) -> String {
    let colour_code = match level {
        Level::Error => "1;31",
        Level::Warning => "1;33",
        Level::Notice => "1;36",
    };
    let label = level.word();
    if colour {
        format!("\u{1b}[{colour_code}m{label}\u{1b}[0m: {text}")
    } else {
        format!("{label}: {text}")
    }
}

impl Host for Terminal {
    fn mask(&self, _value: &str) {}

    fn info(&self, text: &str) {
        self.emit(plain(text).split('\n').map(inert).collect());
    }

    fn debug(&self, text: &str) {
        if self.debug {
            self.info(&format!("debug: {text}"));
        }
    }

    fn annotate(&self, level: Level, text: &str) {
        let lines: Vec<String> = plain(text).split('\n').map(inert).collect();
        self.emit(vec![labelled(level, &lines.join("\n"), self.colour)]);
    }

    /// The title is the line of the change: on a terminal it replaces the
    /// status line, elsewhere it is printed.
    fn group(&self, title: &str, _body: &str) {
        let title = inert(title);
        if !self.live {
            self.emit(vec![title]);
            return;
        }
        // Cut to fit a usual terminal: a line that wraps cannot be redrawn.
        let title = match title.char_indices().nth(LIVE_WIDTH) {
            Some((cut, _)) => format!("{}…", &title[..cut]),
            None => title,
        };
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        write_raw(Stream::Err, &format!("\r\u{1b}[2K{title}"));
        *status = Some(title);
    }

    fn set_output(&self, _name: &str, _value: &str) -> anyhow::Result<()> {
        Ok(())
    }

    fn summary(&self, _markdown: &str, text: &str) -> anyhow::Result<()> {
        if let Some(status) = self.status.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // The status line stays, as the last word before the summary.
            write_raw(Stream::Err, &format!("\r\u{1b}[2K{status}\n"));
        }
        self.info(text);
        Ok(())
    }

    /// The outputs, as `name=value` lines on stdout.
    fn finish(&self, outputs: &[(String, String)]) {
        if let Some(status) = self.status.lock().unwrap_or_else(|e| e.into_inner()).take() {
            write_raw(Stream::Err, &format!("\r\u{1b}[2K{status}\n"));
        }
        write_lines(
            Stream::Out,
            outputs
                .iter()
                .map(|(name, value)| format!("{name}={}", value.replace('\n', "\\n"))),
        );
    }
}
