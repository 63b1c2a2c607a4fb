//! AMI actions the applications run inside Asterisk, with their failures as phone error replies.

use digium_phones_core::ami::Block;
use digium_phones_core::apps::MODULE_NOT_LOADED;
use digium_phones_core::protocol::{Request, Response, code};

use super::error;
use crate::ffi::log;
use crate::ffi::manager_hook::{self, HookError};

/// How a refused action is answered: its code, and whether Asterisk's message is shown.
pub(super) const CONFLICT: u16 = 409;

/// Runs `action` for `req`; a failure is the reply to send. `module` names the Asterisk module that
/// registers the action, for the error when it is not loaded.
pub(super) fn run(
    req: &Request,
    module: &str,
    action: &str,
    headers: &[(&str, &str)],
) -> Result<Vec<Block>, Response> {
    manager_hook::run(action, headers).map_err(|e| match e {
        HookError::NotAvailable(_) => {
            error(req, MODULE_NOT_LOADED, format!("{module} is not loaded in Asterisk"))
        }
        HookError::Refused { message, .. } => error(req, CONFLICT, message),
        HookError::Action(e) => error(req, code::BAD_REQUEST, e.to_string()),
    })
}

/// As [`run`], for actions whose failure is the server's (logged, answered 500).
pub(super) fn list(
    req: &Request,
    module: &str,
    action: &str,
    headers: &[(&str, &str)],
) -> Result<Vec<Block>, Response> {
    run(req, module, action, headers).map_err(|reply| {
        if let Err(e) = &reply.result
            && e.code == CONFLICT
        {
            log::warning(&format!("{action}: {}", e.message));
            return error(req, code::INTERNAL, format!("{action} failed"));
        }
        reply
    })
}
