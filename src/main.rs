//! The binary: parse the command line, run the app, print the one error chain (redacted,
//! escaped) and return the exit code.

use std::{io::Write as _, process::ExitCode};

use clap::Parser;
use zoho_doctor::{
    Error, app,
    cli::Cli,
    exit::{self, Ending},
    job,
    redact::Redactor,
    text,
};

/// The longest line of an error message printed whole: a value echoed in it (a 1 MB check id)
/// is cut after this many characters.
const ERROR_LINE_CHARS: usize = 2000;

/// mimalloc, not glibc's malloc: a fleet's connections allocate on both worker threads, where
/// glibc's arenas contend on their locks and keep freed pages resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits 2, which is our usage code too.
    let cli = Cli::parse();
    let redactor = Redactor::new();
    install_panic_hook(redactor.clone());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return report(Err(Error::Runtime(err)), &redactor),
    };
    report(
        runtime.block_on(app::main(cli, redactor.clone())),
        &redactor,
    )
}

/// The one reporting point: prints the error chain (redacted, then escaped: zoho-doctor's own
/// newlines kept, every other control character shown as `\u{…}`, each line cut to
/// `ERROR_LINE_CHARS`) or the ending's note, returns the exit code.
fn report(result: Result<Ending, Error>, redactor: &Redactor) -> ExitCode {
    match &result {
        Err(err) => {
            let redacted = redactor.redact(&describe(err));
            let lines: Vec<String> = redacted
                .split('\n')
                .map(|line| text::echo(line, ERROR_LINE_CHARS))
                .collect();
            job::stderr(&format!("{}\n", lines.join("\n")));
        }
        Ok(ending) => {
            if let Some(note) = ending.note() {
                job::stderr(&format!("zoho-doctor: {note}\n"));
            }
        }
    }
    ExitCode::from(exit::code(&result))
}

/// The error and its causes, one per line; pipeline errors are already one line per problem.
fn describe(err: &Error) -> String {
    use std::error::Error as _;
    let mut text = format!("zoho-doctor: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!("\n  caused by: {cause_text}"));
        }
        source = cause.source();
    }
    text
}

/// A panic message can hold anything, secrets included: print it redacted.
fn install_panic_hook(redactor: Redactor) {
    std::panic::set_hook(Box::new(move |info| {
        // Inside a connection or a check, the panic becomes that connection's reported
        // "internal error"; the run goes on, so no "crashed" line.
        if zoho_doctor::runner::schedule::panics_are_reported() {
            return;
        }
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "zoho-doctor crashed (a bug; please report it){place}: {}",
            text::safe_lines(&redactor.redact(&message))
        );
    }));
}
