//! AMI actions, unregistered on drop.

use std::ffi::{CStr, c_int};

use super::util::{cstring, string_from};
use super::{guard, module, sys};

/// What an action answers: `Response: Success` with a message, or `Response: Error`.
pub(crate) type Reply = Result<String, String>;

pub(crate) struct Action {
    pub name: &'static CStr,
    pub synopsis: &'static CStr,
    pub description: &'static CStr,
    /// Header names the action reads, in the order `run` receives their values.
    pub headers: &'static [&'static CStr],
    pub run: fn(&[Option<String>]) -> Reply,
}

/// One registered action; each has its own trampoline because the callback carries no user data.
pub(crate) struct Registration {
    name: &'static CStr,
}

#[derive(Debug, thiserror::Error)]
#[error("Asterisk refused to register the AMI action {0}")]
pub(crate) struct RegisterError(String);

type Callback = unsafe extern "C" fn(*mut sys::mansession, *const sys::message) -> c_int;

impl Registration {
    /// Registers `A` (a zero-sized marker naming a static action).
    pub fn register<A: StaticAction>() -> Result<Self, RegisterError> {
        let action = A::action();
        let callback: Callback = trampoline::<A>;
        // SAFETY: static strings; the callback stays valid until unregistered in Drop.
        let rc = unsafe {
            sys::ast_manager_register2(
                action.name.as_ptr(),
                (sys::EVENT_FLAG_SYSTEM | sys::EVENT_FLAG_CONFIG) as c_int,
                Some(callback),
                module::self_handle(),
                action.synopsis.as_ptr(),
                action.description.as_ptr(),
            )
        };
        if rc != 0 {
            return Err(RegisterError(action.name.to_string_lossy().into_owned()));
        }
        Ok(Self { name: action.name })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: the name registered above.
        unsafe { sys::ast_manager_unregister(self.name.as_ptr()) };
    }
}

pub(crate) trait StaticAction {
    fn action() -> &'static Action;
}

unsafe extern "C" fn trampoline<A: StaticAction>(
    s: *mut sys::mansession,
    m: *const sys::message,
) -> c_int {
    guard::entry("AMI action", 0, || {
        let action = A::action();
        let values: Vec<Option<String>> = action
            .headers
            .iter()
            .map(|h| {
                // SAFETY: a live session and message; astman_get_header only reads the name (its C prototype
                // lacks const) and returns "" when the header is absent.
                let v = unsafe { string_from(sys::astman_get_header(m, h.as_ptr().cast_mut())) };
                (!v.is_empty()).then_some(v)
            })
            .collect();
        let reply = (action.run)(&values);
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
