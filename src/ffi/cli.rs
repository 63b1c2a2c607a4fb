//! CLI commands: a table of [`Command`]s registered as Asterisk CLI entries, unregistered on drop.

use std::ffi::{CString, c_char, c_int};
use std::ptr;
use std::sync::{Arc, Mutex};

use super::util::{cstring, string_from};
use super::{guard, module, sys};

/// What a command does with its arguments.
pub(crate) type Run = Box<dyn Fn(&mut Args) -> Outcome + Send + Sync>;
/// Candidates for the word at `pos` (0-based over the whole line); filtered by prefix here.
pub(crate) type Complete = Box<dyn Fn(usize) -> Vec<String> + Send + Sync>;

/// One CLI command, defined by safe code.
pub(crate) struct Command {
    /// The words of the command, e.g. `digium_phones show phone`.
    command: CString,
    summary: CString,
    usage: CString,
    run: Run,
    complete: Option<Complete>,
}

impl Command {
    pub fn new(
        command: &str,
        summary: &str,
        usage: &str,
        run: impl Fn(&mut Args) -> Outcome + Send + Sync + 'static,
    ) -> Self {
        Self {
            command: cstring(command),
            summary: cstring(summary),
            usage: cstring(usage),
            run: Box::new(run),
            complete: None,
        }
    }

    /// Completes the command's arguments with `candidates`.
    pub fn completing(
        mut self,
        candidates: impl Fn(usize) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.complete = Some(Box::new(candidates));
        self
    }
}

pub(crate) enum Outcome {
    Success,
    ShowUsage,
    Failure,
}

/// The arguments of one invocation and the console to answer on.
pub(crate) struct Args {
    fd: c_int,
    pub argv: Vec<String>,
}

impl Args {
    pub fn print(&self, text: &str) {
        let text = cstring(text);
        // SAFETY: fd is the console Asterisk gave this invocation; "%s" with one NUL-terminated string.
        unsafe { sys::ast_cli(self.fd, c"%s".as_ptr(), text.as_ptr()) }
    }
}

/// Registered entries; Asterisk writes into them, so they live on the heap at a fixed address until
/// unregistered. The commands they point into are shared with [`TABLES`].
pub(crate) struct Registration {
    entries: Box<[sys::ast_cli_entry]>,
}

// SAFETY: the entries are plain data that Asterisk reads and writes under its own CLI lock; this value
// only hands their address to Asterisk and back, from whichever thread loads or unloads the module.
unsafe impl Send for Registration {}

/// Which table each registered entry belongs to: (address of first entry, commands).
static TABLES: Mutex<Vec<(usize, Arc<[Command]>)>> = Mutex::new(Vec::new());

#[derive(Debug, thiserror::Error)]
#[error("Asterisk refused to register the CLI commands")]
pub(crate) struct RegisterError;

impl Registration {
    pub fn register(commands: Vec<Command>) -> Result<Self, RegisterError> {
        let commands: Arc<[Command]> = commands.into();
        let mut entries: Box<[sys::ast_cli_entry]> = commands
            .iter()
            .map(|c| sys::ast_cli_entry {
                summary: c.summary.as_ptr(),
                usage: c.usage.as_ptr(),
                // Asterisk copies the command at CLI_INIT and frees its copy on unregister.
                command: c.command.as_ptr().cast_mut(),
                handler: Some(handler),
                ..Default::default()
            })
            .collect();
        let base = entries.as_ptr() as usize;
        lock_tables().push((base, commands.clone()));
        let len = c_int::try_from(entries.len()).map_err(|_| RegisterError)?;
        // SAFETY: `entries` is a heap array of initialised entries that stays at this address until
        // `Drop` unregisters it; the module handle is the loader's.
        let rc = unsafe {
            sys::__ast_cli_register_multiple(entries.as_mut_ptr(), len, module::self_handle())
        };
        if rc != 0 {
            // Asterisk unregisters the ones it did register before failing.
            lock_tables().retain(|(b, _)| *b != base);
            return Err(RegisterError);
        }
        Ok(Self { entries })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let len = c_int::try_from(self.entries.len()).unwrap_or(0);
        // SAFETY: the same entries that were registered; after this Asterisk holds no pointer to them.
        unsafe { sys::ast_cli_unregister_multiple(self.entries.as_mut_ptr(), len) };
        let base = self.entries.as_ptr() as usize;
        lock_tables().retain(|(b, _)| *b != base);
    }
}

fn lock_tables() -> std::sync::MutexGuard<'static, Vec<(usize, Arc<[Command]>)>> {
    TABLES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The table of `entry` and the entry's place in it.
fn command_for(entry: *const sys::ast_cli_entry) -> Option<(Arc<[Command]>, usize)> {
    let addr = entry as usize;
    let size = std::mem::size_of::<sys::ast_cli_entry>();
    lock_tables().iter().find_map(|(base, commands)| {
        let offset = addr.checked_sub(*base)?;
        let i = offset / size;
        (offset % size == 0 && i < commands.len()).then(|| (commands.clone(), i))
    })
}

// CLI_SHOWUSAGE and CLI_FAILURE are the small integers (char *)1 and (char *)2, which bindgen drops
// (abi.rs pins these values against the headers).
pub(super) const SHOWUSAGE: usize = 1;
pub(super) const FAILURE: usize = 2;
const CLI_SHOWUSAGE: *mut c_char = ptr::without_provenance_mut(SHOWUSAGE);
const CLI_FAILURE: *mut c_char = ptr::without_provenance_mut(FAILURE);

unsafe extern "C" fn handler(
    e: *mut sys::ast_cli_entry,
    cmd: c_int,
    a: *mut sys::ast_cli_args,
) -> *mut c_char {
    guard::entry("CLI command", CLI_FAILURE, || {
        // CLI_INIT: command, summary and usage were filled in before registration.
        if cmd == sys::ast_cli_command_CLI_INIT || a.is_null() {
            return ptr::null_mut();
        }
        let Some((table, i)) = command_for(e) else { return CLI_FAILURE };
        let command = &table[i];
        // SAFETY: Asterisk passes a valid ast_cli_args for CLI_GENERATE and CLI_HANDLER.
        let a = unsafe { &*a };
        if cmd == sys::ast_cli_command_CLI_GENERATE {
            return complete(command, a);
        }
        let argc = usize::try_from(a.argc).unwrap_or(0);
        // SAFETY: argv holds argc NUL-terminated strings for the duration of the call.
        let argv = (0..argc).map(|i| unsafe { string_from(*a.argv.add(i)) }).collect();
        let mut args = Args { fd: a.fd, argv };
        match (command.run)(&mut args) {
            Outcome::Success => ptr::null_mut(),
            Outcome::ShowUsage => CLI_SHOWUSAGE,
            Outcome::Failure => CLI_FAILURE,
        }
    })
}

/// Returns the `n`-th candidate matching the word being completed, allocated for Asterisk to free.
fn complete(command: &Command, a: &sys::ast_cli_args) -> *mut c_char {
    let Some(candidates) = &command.complete else { return ptr::null_mut() };
    // SAFETY: `word` is a NUL-terminated string (possibly empty) for the duration of the call.
    let word = unsafe { string_from(a.word) };
    let pos = usize::try_from(a.pos).unwrap_or(usize::MAX);
    let n = usize::try_from(a.n).unwrap_or(usize::MAX);
    let Some(choice) = candidates(pos).into_iter().filter(|c| c.starts_with(&word)).nth(n) else {
        return ptr::null_mut();
    };
    let choice = cstring(&choice);
    // SAFETY: __ast_strdup copies the string into Asterisk's allocator; the CLI core frees it.
    unsafe { sys::__ast_strdup(choice.as_ptr(), c"cli.rs".as_ptr(), 0, c"complete".as_ptr()) }
}

/// Runs a CLI command as the console would (output discarded); for Asterisk features that have no
/// C API to call, such as `pjsip send notify`. Call it from a module thread, not from a CLI handler.
pub(crate) fn run(command: &str) -> bool {
    let Ok(devnull) = std::fs::File::options().write(true).open("/dev/null") else { return false };
    let command = cstring(command);
    // SAFETY: a NUL-terminated command and an open descriptor that outlives the call; uid/gid 0 as for
    // the console, which Asterisk's own callers of this function also use.
    let rc = unsafe {
        sys::ast_cli_command_full(0, 0, std::os::fd::AsRawFd::as_raw_fd(&devnull), command.as_ptr())
    };
    rc == 0
}
