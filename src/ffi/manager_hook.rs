//! AMI actions run inside Asterisk, and manager events seen as they are raised, through manager
//! hooks (`ast_hook_send_action`, `ast_manager_register_hook`).
//!
//! Asterisk exports no C API to list parking lots or queue members, and several voicemail calls
//! report success when app_voicemail is not loaded; the actions those modules register answer both,
//! with no struct layout to depend on. An action that is not registered (its module is not loaded)
//! runs nothing and answers nothing, which [`run`] reports as [`HookError::NotAvailable`].
//!
//! Rules from main/manager.c: the action runs synchronously on the calling thread, with no AMI
//! session (so no permission check, and actions that read the session are refused: `Login`,
//! `Events`, `Filter`, `WaitEvent`, and `Getvar`/`Setvar`, which crash Asterisk without one);
//! everything it writes reaches the hook's helper on that same thread as `HookResponse`, in a
//! thread-local buffer that is copied here. Run actions from module threads,
//! never from an event hook or another Asterisk callback.

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int};
use std::sync::{Mutex, RwLock};

use digium_phones_core::ami::{self, ActionError, Block};

use super::util::cstring;
use super::{guard, sys};

#[derive(Debug, thiserror::Error)]
pub(crate) enum HookError {
    #[error(transparent)]
    Action(#[from] ActionError),
    /// No module has registered the action: the Asterisk module behind it is not loaded.
    #[error(
        "the AMI action {0} is not available (is the Asterisk module that provides it loaded?)"
    )]
    NotAvailable(String),
    /// `Response: Error`, with Asterisk's message.
    #[error("{action}: {message}")]
    Refused { action: String, message: String },
}

thread_local! {
    /// What the action running on this thread has written so far.
    static OUTPUT: RefCell<Option<String>> = const { RefCell::new(None) };
}

unsafe extern "C" fn collect(category: c_int, _event: *const c_char, body: *mut c_char) -> c_int {
    guard::entry("AMI hook response", 0, || {
        if category as u32 & sys::EVENT_FLAG_HOOKRESPONSE == 0 || body.is_null() {
            return 0;
        }
        // SAFETY: Asterisk passes a NUL-terminated buffer that is valid for this call; it is copied.
        let text = unsafe { CStr::from_ptr(body) }.to_string_lossy();
        OUTPUT.with(|o| {
            if let Some(out) = o.borrow_mut().as_mut() {
                out.push_str(&text);
            }
        });
        0
    })
}

/// Runs the AMI action `name` with `headers` inside Asterisk and returns what it answered: the
/// response block first, then the events of a list action. `Response: Error` is an error.
pub(crate) fn run(name: &str, headers: &[(&str, &str)]) -> Result<Vec<Block>, HookError> {
    if ami::needs_session(name) {
        return Err(ActionError::NeedsSession(name.to_string()).into());
    }
    let text = cstring(&ami::action(name, headers)?);
    // Never registered, so it receives no broadcast events: only this action's output.
    let mut hook = Box::new(sys::manager_custom_hook {
        file: c"res_digium_phone".as_ptr().cast_mut(),
        helper: Some(collect),
        ..Default::default()
    });
    let outer = OUTPUT.with(|o| o.borrow_mut().replace(String::new()));
    // SAFETY: the hook and the text outlive the call, which runs the action synchronously on this
    // thread and only reads them; the hook is not on any list, so nothing keeps it afterwards.
    unsafe { sys::ast_hook_send_action(&mut *hook, text.as_ptr()) };
    let written =
        OUTPUT.with(|o| std::mem::replace(&mut *o.borrow_mut(), outer)).unwrap_or_default();
    let blocks = ami::parse(&written);
    match blocks.first() {
        None => Err(HookError::NotAvailable(name.to_string())),
        Some(response) if response.is_error() => Err(HookError::Refused {
            action: name.to_string(),
            message: response.get("Message").unwrap_or("failed").to_string(),
        }),
        Some(_) => Ok(blocks),
    }
}

/// Called with every manager event's name and body, on the thread that raised it (often while
/// Asterisk holds locks): copy what is wanted and queue it; never block, never run an action.
pub(crate) type EventCallback = Box<dyn Fn(&str, &str) + Send + Sync>;

/// The callbacks of the registered [`EventHook`]s, which the one C helper reads.
/// Read on every manager event Asterisk raises, from any thread, so a read lock: events on
/// different threads do not wait for each other, and nothing is allocated per event.
static CALLBACKS: RwLock<Vec<(u64, EventCallback)>> = RwLock::new(Vec::new());

unsafe extern "C" fn on_event(category: c_int, event: *const c_char, body: *mut c_char) -> c_int {
    guard::entry("AMI event hook", 0, || {
        if category as u32 & sys::EVENT_FLAG_HOOKRESPONSE != 0 || event.is_null() || body.is_null()
        {
            return 0;
        }
        // SAFETY: NUL-terminated strings Asterisk keeps valid for this call; copied before use.
        let (event, body) = unsafe {
            (CStr::from_ptr(event).to_string_lossy(), CStr::from_ptr(body).to_string_lossy())
        };
        // Callbacks only copy and queue (see EventCallback), so running them under the read lock
        // is safe; registering or dropping an EventHook from one would deadlock.
        for (_, callback) in CALLBACKS.read().unwrap_or_else(|p| p.into_inner()).iter() {
            callback(&event, &body);
        }
        0
    })
}

/// The one C hook Asterisk calls, registered while any [`EventHook`] lives (the helper gets no user
/// data, so a hook per callback would call every callback once per hook).
struct RegisteredHook(Box<sys::manager_custom_hook>);

// SAFETY: the boxed struct is only handed to Asterisk's hook list functions, which lock; Rust never
// reads or writes it while it is registered.
unsafe impl Send for RegisteredHook {}

static HOOK: Mutex<Option<RegisteredHook>> = Mutex::new(None);

/// A callback on every manager event while this value lives; dropping it removes the callback.
/// When the last one goes the hook is unregistered, which Asterisk's hook list lock makes wait for
/// a callback under way.
pub(crate) struct EventHook {
    id: u64,
}

impl EventHook {
    pub fn register(callback: impl Fn(&str, &str) + Send + Sync + 'static) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        CALLBACKS.write().unwrap_or_else(|p| p.into_inner()).push((id, Box::new(callback)));
        let mut hook = HOOK.lock().unwrap_or_else(|p| p.into_inner());
        if hook.is_none() {
            let mut boxed = Box::new(sys::manager_custom_hook {
                file: c"res_digium_phone".as_ptr().cast_mut(),
                helper: Some(on_event),
                ..Default::default()
            });
            // SAFETY: boxed, so its address is stable until unregistered in Drop.
            unsafe { sys::ast_manager_register_hook(&mut *boxed) };
            *hook = Some(RegisteredHook(boxed));
        }
        Self { id }
    }
}

impl Drop for EventHook {
    fn drop(&mut self) {
        // The callbacks' lock is released before unregistering: a callback under way takes it.
        let last = {
            let mut all = CALLBACKS.write().unwrap_or_else(|p| p.into_inner());
            all.retain(|(id, _)| *id != self.id);
            all.is_empty()
        };
        if !last {
            return;
        }
        let mut hook = HOOK.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut registered) = hook.take() {
            // SAFETY: registered in `register` and not yet unregistered; once this returns Asterisk
            // no longer reaches it, and the box is freed after.
            unsafe { sys::ast_manager_unregister_hook(&mut *registered.0) };
        }
    }
}
