//! What `run` shows while its connections are checked: each connection's table block as it
//! finishes (in completion order on a terminal, in the users' order elsewhere) and the progress
//! line on a terminal's stderr.

use std::{collections::BTreeMap, io::IsTerminal as _};

use crate::{
    cli::Format,
    job::{Screen, Ui},
    outputs::Outputs,
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
    /// In the users' order: the place of the first connection not shown yet.
    next: usize,
    /// In the users' order: the blocks of connections that finished before one ahead of them,
    /// by place; only these wait.
    waiting: BTreeMap<usize, String>,
    pub(crate) progress: Progress,
}

impl Live {
    pub(crate) fn off() -> Live {
        Live {
            table: None,
            completion_order: false,
            next: 0,
            waiting: BTreeMap::new(),
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
            progress: Progress::new(std::io::stderr().is_terminal() && !ui.quiet),
            ..Live::off()
        }
    }

    /// The connection at `index` in the users' order finished: the progress counts it; a
    /// terminal shows its block now, elsewhere it is shown once those before it have been.
    pub(crate) fn finished(&mut self, pipeline: &str, index: usize, connection: &ConnectionReport) {
        self.progress.finished(connection.has_failures());
        let Some((screen, options)) = &self.table else {
            return;
        };
        let block = report::table::render_one(pipeline, connection, options);
        if self.completion_order {
            screen.print(&block);
            return;
        }
        self.waiting.insert(index, block);
        while let Some(block) = self.waiting.remove(&self.next) {
            screen.print(&block);
            self.next += 1;
        }
    }

    /// The run is over: off a terminal, the blocks still waiting (after a gap an interrupted run
    /// left), in order.
    pub(crate) fn show_rest(&mut self) {
        let Some((screen, _)) = &self.table else {
            return;
        };
        for block in std::mem::take(&mut self.waiting).into_values() {
            screen.print(&block);
        }
    }
}
