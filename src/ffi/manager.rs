//! AMI actions, unregistered on drop.
//!
//! Asterisk hands an action's callback no user data, so every action of this module is registered
//! with one dispatcher, which finds the action by the `Action:` header of the message (AMI matches
//! action names without regard to case, and so does the dispatcher).

use std::ffi::{CStr, c_int};
use std::sync::Mutex;

use super::manager_session::Session;
use super::util::{cstring, string_from};
use super::{guard, module, sys};

/// What an action answers: `Response: Success` with a message, or `Response: Error`.
pub(crate) type Reply = Result<String, String>;

pub(crate) struct Action {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub description: &'static CStr,
    /// The manager permissions (`EVENT_FLAG_*`) a user needs, any one of them, to send it.
    pub authority: u32,
    /// Header names the action reads, in the order `run` receives their values.
    pub headers: &'static [&'static CStr],
    pub run: fn(&[Option<String>]) -> Reply,
}

/// An action that needs to know the AMI session sending it (to tie what it does to that session's
/// life, see [`Session`]).
pub(crate) struct SessionAction {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub description: &'static CStr,
    pub authority: u32,
    pub headers: &'static [&'static CStr],
    pub run: fn(&Session<'_>, &[Option<String>]) -> Reply,
}

/// Who may send a status query (as for Asterisk's own CoreStatus).
pub(crate) const STATUS: u32 = sys::EVENT_FLAG_SYSTEM | sys::EVENT_FLAG_REPORTING;
/// Who may send an action that changes what phones run.
pub(crate) const CONFIGURE: u32 = sys::EVENT_FLAG_SYSTEM | sys::EVENT_FLAG_CONFIG;
/// Who may act as an app server for phone apps (the `message` write class of Digium's sample
/// manager user, or `system`).
pub(crate) const APP_SERVER: u32 = sys::EVENT_FLAG_SYSTEM | sys::EVENT_FLAG_MESSAGE;

/// The actions registered now, which the dispatcher reads.
static REGISTERED: Mutex<Vec<&'static Action>> = Mutex::new(Vec::new());
static REGISTERED_SESSION: Mutex<Vec<&'static SessionAction>> = Mutex::new(Vec::new());

fn registered() -> std::sync::MutexGuard<'static, Vec<&'static Action>> {
    REGISTERED.lock().unwrap_or_else(|p| p.into_inner())
}

/// The module's actions while they are registered.
pub(crate) struct Registration {
    names: Vec<&'static CStr>,
}

#[derive(Debug, thiserror::Error)]
#[error("Asterisk refused to register the AMI action {0}")]
pub(crate) struct RegisterError(String);

impl Registration {
    /// Registers every action of `actions`; if Asterisk refuses one, those registered before it
    /// are unregistered again.
    pub fn register(actions: &'static [Action]) -> Result<Self, RegisterError> {
        let mut done = Self { names: Vec::with_capacity(actions.len()) };
        for action in actions {
            registered().push(action);
            // SAFETY: static strings; the dispatcher stays valid until unregistered in Drop.
            let rc = unsafe {
                sys::ast_manager_register2(
                    action.name.as_ptr(),
                    action.authority as c_int,
                    Some(dispatch),
                    module::self_handle(),
                    action.synopsis.as_ptr(),
                    action.description.as_ptr(),
                )
            };
            if rc != 0 {
                registered().retain(|a| !std::ptr::eq(*a, action));
                return Err(RegisterError(action.name.to_string_lossy().into_owned()));
            }
            done.names.push(action.name);
        }
        Ok(done)
    }
}

impl Registration {
    /// As [`Registration::register`], for actions that are handed their session.
    pub fn register_session_actions(
        actions: &'static [SessionAction],
    ) -> Result<Self, RegisterError> {
        let lock = || REGISTERED_SESSION.lock().unwrap_or_else(|p| p.into_inner());
        let mut done = Self { names: Vec::with_capacity(actions.len()) };
        for action in actions {
            lock().push(action);
            // SAFETY: static strings; the dispatcher stays valid until unregistered in Drop.
            let rc = unsafe {
                sys::ast_manager_register2(
                    action.name.as_ptr(),
                    action.authority as c_int,
                    Some(dispatch),
                    module::self_handle(),
                    action.synopsis.as_ptr(),
                    action.description.as_ptr(),
                )
            };
            if rc != 0 {
                lock().retain(|a| !std::ptr::eq(*a, action));
                return Err(RegisterError(action.name.to_string_lossy().into_owned()));
            }
            done.names.push(action.name);
        }
        Ok(done)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        for name in self.names.drain(..).rev() {
            // SAFETY: a name registered above.
            unsafe { sys::ast_manager_unregister(name.as_ptr()) };
            registered().retain(|a| a.name != name);
            REGISTERED_SESSION.lock().unwrap_or_else(|p| p.into_inner()).retain(|a| a.name != name);
        }
    }
}

/// Reads a header of a live message ("" when absent becomes `None`).
///
/// # Safety
/// `m` is the message Asterisk passed to the running callback.
unsafe fn header(m: *const sys::message, name: &CStr) -> Option<String> {
    // SAFETY: per this function's contract; astman_get_header only reads the name (its C prototype
    // lacks const) and returns "" when the header is absent.
    let v = unsafe { string_from(sys::astman_get_header(m, name.as_ptr().cast_mut())) };
    (!v.is_empty()).then_some(v)
}

unsafe extern "C" fn dispatch(s: *mut sys::mansession, m: *const sys::message) -> c_int {
    guard::entry("AMI action", 0, || {
        // SAFETY: the message of this callback.
        let asked = unsafe { header(m, c"Action") }.unwrap_or_default();
        let action = registered()
            .iter()
            .copied()
            .find(|a| a.name.to_string_lossy().eq_ignore_ascii_case(&asked));
        let with_session = || {
            REGISTERED_SESSION
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .copied()
                .find(|a| a.name.to_string_lossy().eq_ignore_ascii_case(&asked))
        };
        let reply = match (action, action.is_none().then(with_session).flatten()) {
            (Some(action), _) => {
                // SAFETY: the message of this callback.
                let values: Vec<Option<String>> =
                    action.headers.iter().map(|h| unsafe { header(m, h) }).collect();
                (action.run)(&values)
            }
            (None, Some(action)) => {
                // SAFETY: the message of this callback.
                let values: Vec<Option<String>> =
                    action.headers.iter().map(|h| unsafe { header(m, h) }).collect();
                // SAFETY: the session of this callback, used only during it.
                let session = unsafe { Session::of_callback(s) };
                (action.run)(&session, &values)
            }
            (None, None) => {
                Err(format!("{asked} is not available (res_digium_phone is unloading)"))
            }
        };
        // SAFETY: a live session and message; Asterisk copies the text and does not write to it.
        unsafe {
            match reply {
                Ok(msg) => {
                    let msg = cstring(&msg);
                    sys::astman_send_ack(s, m, msg.as_ptr().cast_mut());
                }
                Err(msg) => {
                    let msg = cstring(&msg);
                    sys::astman_send_error(s, m, msg.as_ptr().cast_mut());
                }
            }
        }
        0
    })
}
