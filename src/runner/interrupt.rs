//! Ctrl-C and SIGTERM (what Kubernetes and CI runners send): the first signal asks the fleet to
//! start no new connection and to let the ones in flight finish (their write-back included), so
//! the reports can still be written, marked interrupted; a second signal exits at once.

use std::sync::{
    Arc,
    atomic::{AtomicU8, Ordering},
};

/// The signal that interrupted a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    fn number(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    fn from_number(number: u8) -> Option<Signal> {
        match number {
            2 => Some(Signal::Interrupt),
            15 => Some(Signal::Terminate),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

/// Whether a run was asked to stop. Cheap to clone; clones share the state.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    received: Arc<AtomicU8>,
}

impl Interrupt {
    /// An interrupt no signal reaches (tests, library use).
    pub fn none() -> Interrupt {
        Interrupt::default()
    }

    /// Listens for SIGINT and SIGTERM for the rest of the process: the first is recorded, the
    /// second calls `on_second` (which exits at once).
    pub fn on_signals(on_second: fn(Signal) -> !) -> Interrupt {
        let interrupt = Interrupt::default();
        let shared = interrupt.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            // Registered once: from here on neither signal kills the process by default.
            let (Ok(mut interrupt), Ok(mut terminate)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            loop {
                let received = tokio::select! {
                    interrupted = interrupt.recv() => interrupted.map(|()| Signal::Interrupt),
                    terminated = terminate.recv() => terminated.map(|()| Signal::Terminate),
                };
                let Some(signal) = received else {
                    return;
                };
                if shared.signal().is_some() {
                    on_second(signal);
                }
                shared.request(signal);
            }
        });
        interrupt
    }

    /// Records a stop request (the first one wins).
    pub fn request(&self, signal: Signal) {
        let _ =
            self.received
                .compare_exchange(0, signal.number(), Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The signal received, if any.
    pub fn signal(&self) -> Option<Signal> {
        Signal::from_number(self.received.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_is_kept() {
        let interrupt = Interrupt::none();
        assert_eq!(interrupt.signal(), None);
        let shared = interrupt.clone();
        shared.request(Signal::Terminate);
        interrupt.request(Signal::Interrupt);
        assert_eq!(interrupt.signal(), Some(Signal::Terminate));
        assert_eq!(Signal::Terminate.name(), "SIGTERM");
    }
}
