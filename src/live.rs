//! What `run` shows while its connections are checked: each connection's table block as it
//! finishes (in completion order on a terminal, in the users' order elsewhere) and the progress
//! line on a terminal's stderr.

use std::io::IsTerminal as _;

use crate::{
    cli::Format,
    job::{Outputs, Screen, Ui},
    progress::Progress,
    report::{self, model::ConnectionReport, table::TableOptions},
};

/// What a run shows while it runs: each connection's table block as it finishes, and the
/// progress line.
pub(crate) struct Live {
    /// Where the table goes and how it looks; `None`: no table while the run runs.
    table: Option<(Screen, TableOptions)>,
    /// The table goes to a terminal: each block as its connection finishes. Elsewhere (a file, a
    /// CI log) in the users' order, as soon as every connection before it has finished, so the
    /// output is the same from run to run.
    completion_order: bool,
    /// In the users' order: how many connections' blocks were shown (or had none to show).
    shown: usize,
    pub(crate) progress: Progress,
}

impl Live {
    pub(crate) fn off() -> Live {
        Live {
            table: None,
            completion_order: false,
            shown: 0,
            progress: Progress::new(false),
        }
    }

    /// For `run`: the table when it is the format, the progress line when stderr is a terminal
    /// and not `-q`.
    pub(crate) fn of(outputs: &Outputs, ui: Ui) -> Live {
        let screen = outputs.screen();
        let terminal = match screen {
            Screen::Stdout => std::io::stdout().is_terminal(),
            Screen::Stderr => std::io::stderr().is_terminal(),
        };
        Live {
            table: (outputs.format == Format::Table).then(|| (screen, ui.table())),
            completion_order: terminal,
            shown: 0,
            progress: Progress::new(std::io::stderr().is_terminal() && !ui.quiet),
        }
    }

    /// A connection finished: the progress counts it, and a terminal shows its block now.
    pub(crate) fn finished(&mut self, pipeline: &str, connection: &ConnectionReport) {
        self.progress.finished(connection.has_failures());
        if let Some((screen, options)) = &self.table
            && self.completion_order
        {
            screen.print(&report::table::render_one(pipeline, connection, options));
        }
    }

    /// Off a terminal: the blocks of the connections that finished, up to the first that has not.
    pub(crate) fn show_in_order(&mut self, pipeline: &str, finished: &[Option<ConnectionReport>]) {
        let Some((screen, options)) = self.table.as_ref().filter(|_| !self.completion_order) else {
            return;
        };
        while let Some(Some(connection)) = finished.get(self.shown) {
            screen.print(&report::table::render_one(pipeline, connection, options));
            self.shown += 1;
        }
    }

    /// The run is over: off a terminal, the blocks not shown yet (after a gap an interrupted run
    /// left), in order.
    pub(crate) fn show_rest(&mut self, pipeline: &str, finished: &[Option<ConnectionReport>]) {
        let Some((screen, options)) = self.table.as_ref().filter(|_| !self.completion_order) else {
            return;
        };
        for connection in finished.iter().skip(self.shown).flatten() {
            screen.print(&report::table::render_one(pipeline, connection, options));
        }
        self.shown = finished.len();
    }
}
