//! Compile-time pins of the Asterisk ABI the module relies on.
//!
//! One `.so`, built against one major's headers, is meant to load into every supported major
//! (18, 20, 21, 22, 23). bindgen's own layout tests only compare the Rust side with the headers of
//! the build at hand, so they cannot see a difference between majors. The asserts below spell out,
//! as plain numbers and types, what a build bakes into the binary: the size and field offsets of
//! every Asterisk struct the module builds or reads, the values of the constants it passes or
//! compares, and the prototype of every function it imports. Compiled against another major's
//! headers (`contrib/sandbox.sh check-abi`), a difference fails the build for that major instead of
//! a PBX.
//!
//! A size is pinned only where the module allocates or lays out the struct itself; where it only
//! reads fields through an Asterisk pointer, the offsets of those fields are pinned.

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::mem::{offset_of, size_of};

use super::sys;

/// `layout!(T: SIZE { field: OFFSET, .. })` pins size and offsets, `layout!(T { .. })` offsets.
macro_rules! layout {
    ($ty:ident: $size:literal { $($field:ident: $offset:literal),* $(,)? }) => {
        const _: () = assert!(
            size_of::<sys::$ty>() == $size,
            concat!("the size of struct ", stringify!($ty), " differs from ", stringify!($size))
        );
        layout!($ty { $($field: $offset),* });
    };
    ($ty:ident { $($field:ident: $offset:literal),* $(,)? }) => {
        $(const _: () = assert!(
            offset_of!(sys::$ty, $field) == $offset,
            concat!("the offset of ", stringify!($ty), ".", stringify!($field), " differs from ",
                stringify!($offset))
        );)*
    };
}

/// `values!(NAME == VALUE, ...)`: constants the module passes to or compares with Asterisk.
macro_rules! values {
    ($($name:ident == $value:literal),* $(,)?) => {
        $(const _: () = assert!(
            sys::$name as i64 == $value,
            concat!(stringify!($name), " differs from ", stringify!($value))
        );)*
    };
}

/// `prototypes! { name: fn type; ... }`: an imported function has exactly this C signature.
macro_rules! prototypes {
    ($($name:ident: $ty:ty;)*) => {
        $(const _: $ty = sys::$name;)*
    };
}

// ---- Structs the module builds ----

// The loader reads the module's static registration record by these offsets (main/loader.c).
layout!(ast_module_info: 160 {
    self_: 0, load: 8, reload: 16, unload: 24, name: 32, description: 40, key: 48, flags: 56,
    buildopt_sum: 60, load_pri: 93, requires: 96, optional_modules: 104, enhances: 112,
    reserved1: 120, reserved2: 128, reserved3: 136, reserved4: 144, support_level: 152,
});
// An array of them is registered; cli.rs finds an entry's index from its address and this size.
layout!(ast_cli_entry: 200 {
    cmda: 0, summary: 128, usage: 136, inuse: 144, module: 152, _full_cmd: 160, cmdlen: 168,
    args: 172, command: 176, handler: 184, list: 192,
});
// `has_subtree` lives in the bitfield unit at 40 (its bit is fixed by declaration order).
layout!(ast_http_uri: 64 {
    entry: 0, description: 8, uri: 16, prefix: 24, callback: 32, _bitfield_1: 40, data: 48, key: 56,
});
layout!(ast_msg_tech: 16 { name: 0, msg_send: 8 });
layout!(ast_msg_handler: 24 { name: 0, handle_msg: 8, has_destination: 16 });
// Handed to ast_hook_send_action and the manager hook list (manager_hook.rs).
layout!(manager_custom_hook: 24 { file: 0, helper: 8, list: 16 });
// Passed by value to ast_config_load2.
layout!(ast_flags: 4 { flags: 0 });

// ---- Structs the module reads ----

layout!(ast_cli_args { fd: 0, argc: 4, argv: 8, word: 24, pos: 32, n: 36 });
// Walked through `next` for configuration entries and HTTP headers.
layout!(ast_variable { name: 0, value: 8, next: 16, file: 24, lineno: 32, inherited: 44 });
// The peer of an HTTP request: a sockaddr_storage read as libc's.
layout!(ast_tcptls_session_instance { remote_address: 8, stream: 160 });
layout!(ast_sockaddr { ss: 0 });
const _: () = assert!(size_of::<sys::sockaddr_storage>() == size_of::<libc::sockaddr_storage>());

// ---- Enum representations and constants ----

const _: () = {
    assert!(size_of::<sys::ast_module_load_result>() == size_of::<c_int>());
    assert!(size_of::<sys::ast_module_flags>() == size_of::<c_uint>());
    assert!(size_of::<sys::ast_module_support_level>() == size_of::<c_uint>());
    assert!(size_of::<sys::ast_cli_command>() == size_of::<c_int>());
    assert!(size_of::<sys::ast_http_method>() == size_of::<c_int>());
    assert!(size_of::<sys::ast_presence_state>() == size_of::<c_uint>());
};

values!(
    ast_module_load_result_AST_MODULE_LOAD_SUCCESS == 0,
    ast_module_load_result_AST_MODULE_LOAD_DECLINE == 1,
    ast_module_flags_AST_MODFLAG_LOAD_ORDER == 2,
    ast_module_load_priority_AST_MODPRI_DEFAULT == 128,
    ast_module_support_level_AST_MODULE_SUPPORT_EXTENDED == 2,
    ast_cli_command_CLI_INIT == -2,
    ast_cli_command_CLI_GENERATE == -3,
    ast_http_method_AST_HTTP_GET == 0,
    ast_http_method_AST_HTTP_HEAD == 2,
    CONFIG_FLAG_FILEUNCHANGED == 2,
    EVENT_FLAG_SYSTEM == 1,
    EVENT_FLAG_CONFIG == 128,
    EVENT_FLAG_HOOKRESPONSE == 16384,
    __LOG_DEBUG == 0,
    __LOG_NOTICE == 2,
    __LOG_WARNING == 3,
    __LOG_ERROR == 4,
);

// Macros bindgen drops, carried as enumerators by include/wrapper.h, against the module's copies.
const _: () = {
    assert!(sys::RDP_CLI_SUCCESS == 0);
    assert!(sys::RDP_CLI_SHOWUSAGE as usize == super::cli::SHOWUSAGE);
    assert!(sys::RDP_CLI_FAILURE as usize == super::cli::FAILURE);
    assert!(sys::RDP_CONFIG_STATUS_FILEMISSING == 0);
    assert!(sys::RDP_CONFIG_STATUS_FILEUNCHANGED as isize as usize == super::config::FILEUNCHANGED);
    assert!(sys::RDP_CONFIG_STATUS_FILEINVALID as isize as usize == super::config::FILEINVALID);
    assert!(sys::RDP_PRIORITY_HINT == super::pbx::PRIORITY_HINT);
};

// security.rs builds these and hands them to ast_security_event_report, which reads them by the
// version each one carries (security_events_defs.h is the same in 18, 20, 21, 22 and 23).
layout!(ast_security_event_common: 80 {
    event_type: 0, version: 4, service: 8, module: 16, account_id: 24, session_id: 32,
    session_tv: 40, local_addr: 48, remote_addr: 64,
});
layout!(ast_security_event_ip_addr: 16 { addr: 0, transport: 8 });
layout!(ast_security_event_inval_acct_id: 80 { common: 0 });
layout!(ast_security_event_inval_password: 104 {
    common: 0, challenge: 80, received_challenge: 88, received_hash: 96,
});
layout!(ast_security_event_chal_resp_failed: 104 {
    common: 0, challenge: 80, response: 88, expected_response: 96,
});
layout!(ast_security_event_failed_acl: 88 { common: 0, acl_name: 80 });
layout!(ast_security_event_req_not_allowed: 96 { common: 0, request_type: 80, request_params: 88 });
layout!(ast_security_event_successful_auth: 88 { common: 0, using_password: 80 });
values!(
    AST_SECURITY_EVENT_INVAL_ACCT_ID_VERSION == 1,
    AST_SECURITY_EVENT_INVAL_PASSWORD_VERSION == 2,
    AST_SECURITY_EVENT_CHAL_RESP_FAILED_VERSION == 1,
    AST_SECURITY_EVENT_FAILED_ACL_VERSION == 1,
    AST_SECURITY_EVENT_REQ_NOT_ALLOWED_VERSION == 1,
    AST_SECURITY_EVENT_SUCCESSFUL_AUTH_VERSION == 1,
    ast_security_event_type_AST_SECURITY_EVENT_FAILED_ACL == 0,
    ast_security_event_type_AST_SECURITY_EVENT_INVAL_ACCT_ID == 1,
    ast_security_event_type_AST_SECURITY_EVENT_REQ_NOT_ALLOWED == 6,
    ast_security_event_type_AST_SECURITY_EVENT_SUCCESSFUL_AUTH == 9,
    ast_security_event_type_AST_SECURITY_EVENT_INVAL_PASSWORD == 12,
    ast_security_event_type_AST_SECURITY_EVENT_CHAL_RESP_FAILED == 11,
    ast_transport_AST_TRANSPORT_UDP == 1,
    ast_transport_AST_TRANSPORT_TCP == 2,
    ast_transport_AST_TRANSPORT_TLS == 4,
    ast_sorcery_field_handler_flags_AST_HANDLER_ONLY_STRING == 2,
);

// ---- Imported variables ----

const _: fn() = || {
    let _: *const c_int = &raw const sys::option_debug;
    let _: *const *const c_char = &raw const sys::ast_config_AST_CONFIG_DIR;
    // paths.h: the voicemail spool is under it.
    let _: *const *const c_char = &raw const sys::ast_config_AST_SPOOL_DIR;
};

// ---- Imported functions ----

prototypes! {
    // module.h, ast_version.h
    ast_module_register: unsafe extern "C" fn(*const sys::ast_module_info);
    ast_module_unregister: unsafe extern "C" fn(*const sys::ast_module_info);
    ast_get_version: unsafe extern "C" fn() -> *const c_char;
    // logger.h
    ast_log: unsafe extern "C" fn(c_int, *const c_char, c_int, *const c_char, *const c_char, ...);
    ast_debug_get_by_module: unsafe extern "C" fn(*const c_char) -> c_uint;
    // cli.h
    __ast_cli_register_multiple:
        unsafe extern "C" fn(*mut sys::ast_cli_entry, c_int, *mut sys::ast_module) -> c_int;
    ast_cli_unregister_multiple: unsafe extern "C" fn(*mut sys::ast_cli_entry, c_int) -> c_int;
    ast_cli: unsafe extern "C" fn(c_int, *const c_char, ...);
    ast_cli_command_full: unsafe extern "C" fn(c_int, c_int, c_int, *const c_char) -> c_int;
    // astmm.h, strings.h, utils.h
    __ast_strdup:
        unsafe extern "C" fn(*const c_char, *const c_char, c_int, *const c_char) -> *mut c_char;
    ast_free_ptr: unsafe extern "C" fn(*mut c_void);
    _ast_str_create:
        unsafe extern "C" fn(usize, *const c_char, c_int, *const c_char) -> *mut sys::ast_str;
    ast_str_set: unsafe extern "C" fn(*mut *mut sys::ast_str, isize, *const c_char, ...) -> c_int;
    ast_str_buffer: unsafe extern "C" fn(*const sys::ast_str) -> *mut c_char;
    // config.h
    ast_config_load2:
        unsafe extern "C" fn(*const c_char, *const c_char, sys::ast_flags) -> *mut sys::ast_config;
    ast_config_destroy: unsafe extern "C" fn(*mut sys::ast_config);
    ast_category_browse_filtered: unsafe extern "C" fn(
        *mut sys::ast_config,
        *const c_char,
        *mut sys::ast_category,
        *const c_char,
    ) -> *mut sys::ast_category;
    ast_category_first: unsafe extern "C" fn(*mut sys::ast_category) -> *mut sys::ast_variable;
    ast_category_get_name: unsafe extern "C" fn(*const sys::ast_category) -> *const c_char;
    ast_category_get_templates: unsafe extern "C" fn(*const sys::ast_category) -> *mut sys::ast_str;
    ast_category_is_template: unsafe extern "C" fn(*const sys::ast_category) -> c_int;
    // http.h
    ast_http_uri_link: unsafe extern "C" fn(*mut sys::ast_http_uri) -> c_int;
    ast_http_uri_unlink: unsafe extern "C" fn(*mut sys::ast_http_uri);
    ast_http_send: unsafe extern "C" fn(
        *mut sys::ast_tcptls_session_instance,
        sys::ast_http_method,
        c_int,
        *const c_char,
        *mut sys::ast_str,
        *mut sys::ast_str,
        c_int,
        c_uint,
    );
    ast_http_error: unsafe extern "C" fn(
        *mut sys::ast_tcptls_session_instance,
        c_int,
        *const c_char,
        *const c_char,
    );
    ast_http_prefix: unsafe extern "C" fn(*mut c_char, c_int);
    // manager.h
    ast_manager_register2: unsafe extern "C" fn(
        *const c_char,
        c_int,
        Option<unsafe extern "C" fn(*mut sys::mansession, *const sys::message) -> c_int>,
        *mut sys::ast_module,
        *const c_char,
        *const c_char,
    ) -> c_int;
    ast_manager_unregister: unsafe extern "C" fn(*const c_char) -> c_int;
    ast_hook_send_action: unsafe extern "C" fn(*mut sys::manager_custom_hook, *const c_char) -> c_int;
    ast_manager_register_hook: unsafe extern "C" fn(*mut sys::manager_custom_hook);
    ast_manager_unregister_hook: unsafe extern "C" fn(*mut sys::manager_custom_hook);
    astman_get_header: unsafe extern "C" fn(*const sys::message, *mut c_char) -> *const c_char;
    astman_send_ack: unsafe extern "C" fn(*mut sys::mansession, *const sys::message, *mut c_char);
    astman_send_error: unsafe extern "C" fn(*mut sys::mansession, *const sys::message, *mut c_char);
    // message.h
    ast_msg_tech_register: unsafe extern "C" fn(*const sys::ast_msg_tech) -> c_int;
    ast_msg_tech_unregister: unsafe extern "C" fn(*const sys::ast_msg_tech) -> c_int;
    ast_msg_handler_register: unsafe extern "C" fn(*const sys::ast_msg_handler) -> c_int;
    ast_msg_handler_unregister: unsafe extern "C" fn(*const sys::ast_msg_handler) -> c_int;
    ast_msg_alloc: unsafe extern "C" fn() -> *mut sys::ast_msg;
    ast_msg_get_body: unsafe extern "C" fn(*const sys::ast_msg) -> *const c_char;
    ast_msg_get_from: unsafe extern "C" fn(*const sys::ast_msg) -> *const c_char;
    ast_msg_get_to: unsafe extern "C" fn(*const sys::ast_msg) -> *const c_char;
    ast_msg_get_endpoint: unsafe extern "C" fn(*const sys::ast_msg) -> *const c_char;
    ast_msg_get_var: unsafe extern "C" fn(*mut sys::ast_msg, *const c_char) -> *const c_char;
    ast_msg_set_body: unsafe extern "C" fn(*mut sys::ast_msg, *const c_char, ...) -> c_int;
    ast_msg_set_from: unsafe extern "C" fn(*mut sys::ast_msg, *const c_char, ...) -> c_int;
    ast_msg_set_var_outbound:
        unsafe extern "C" fn(*mut sys::ast_msg, *const c_char, *const c_char) -> c_int;
    ast_msg_send: unsafe extern "C" fn(*mut sys::ast_msg, *const c_char, *const c_char) -> c_int;
    // pbx.h
    ast_func_write:
        unsafe extern "C" fn(*mut sys::ast_channel, *const c_char, *const c_char) -> c_int;
    ast_rdlock_contexts: unsafe extern "C" fn() -> c_int;
    ast_unlock_contexts: unsafe extern "C" fn() -> c_int;
    ast_rdlock_context: unsafe extern "C" fn(*mut sys::ast_context) -> c_int;
    ast_unlock_context: unsafe extern "C" fn(*mut sys::ast_context) -> c_int;
    ast_walk_contexts: unsafe extern "C" fn(*mut sys::ast_context) -> *mut sys::ast_context;
    ast_walk_context_extensions:
        unsafe extern "C" fn(*mut sys::ast_context, *mut sys::ast_exten) -> *mut sys::ast_exten;
    ast_walk_extension_priorities:
        unsafe extern "C" fn(*mut sys::ast_exten, *mut sys::ast_exten) -> *mut sys::ast_exten;
    ast_get_context_name: unsafe extern "C" fn(*mut sys::ast_context) -> *const c_char;
    ast_get_extension_name: unsafe extern "C" fn(*mut sys::ast_exten) -> *const c_char;
    ast_get_extension_app: unsafe extern "C" fn(*mut sys::ast_exten) -> *const c_char;
    ast_get_extension_priority: unsafe extern "C" fn(*mut sys::ast_exten) -> c_int;
    ast_context_find: unsafe extern "C" fn(*const c_char) -> *mut sys::ast_context;
    ast_context_find_or_create: unsafe extern "C" fn(
        *mut *mut sys::ast_context,
        *mut sys::ast_hashtab,
        *const c_char,
        *const c_char,
    ) -> *mut sys::ast_context;
    ast_add_extension: unsafe extern "C" fn(
        *const c_char,
        c_int,
        *const c_char,
        c_int,
        *const c_char,
        *const c_char,
        *const c_char,
        *mut c_void,
        Option<unsafe extern "C" fn(*mut c_void)>,
        *const c_char,
    ) -> c_int;
    ast_context_remove_extension:
        unsafe extern "C" fn(*const c_char, *const c_char, c_int, *const c_char) -> c_int;
    ast_context_destroy_by_name: unsafe extern "C" fn(*const c_char, *const c_char) -> c_int;
    // presencestate.h
    ast_presence_state: unsafe extern "C" fn(
        *const c_char,
        *mut *mut c_char,
        *mut *mut c_char,
    ) -> sys::ast_presence_state;
    ast_presence_state2str: unsafe extern "C" fn(sys::ast_presence_state) -> *const c_char;
}

// ---- The test framework, declared by hand in test.rs and looked up with dlsym ----
//
// Headers of a build without TEST_FRAMEWORK declare none of it; build.rs sets the cfg when they do.
#[cfg(asterisk_test_framework)]
mod test_framework {
    use core::ffi::{c_char, c_int};
    use core::mem::{offset_of, size_of};

    use super::super::test::{self, TestInfo};
    use super::sys;

    const _: () = {
        assert!(size_of::<TestInfo>() == size_of::<sys::ast_test_info>());
        assert!(offset_of!(TestInfo, name) == offset_of!(sys::ast_test_info, name));
        assert!(offset_of!(TestInfo, category) == offset_of!(sys::ast_test_info, category));
        assert!(offset_of!(TestInfo, summary) == offset_of!(sys::ast_test_info, summary));
        assert!(offset_of!(TestInfo, description) == offset_of!(sys::ast_test_info, description));
        assert!(
            offset_of!(TestInfo, explicit_only) == offset_of!(sys::ast_test_info, explicit_only)
        );
        // test.rs passes both enums as c_int.
        assert!(size_of::<sys::ast_test_command>() == size_of::<c_int>());
        assert!(size_of::<sys::ast_test_result_state>() == size_of::<c_int>());
        assert!(sys::ast_test_command_TEST_INIT as c_int == test::TEST_INIT);
        assert!(sys::ast_test_result_state_AST_TEST_NOT_RUN as c_int == test::RESULT_NOT_RUN);
        assert!(sys::ast_test_result_state_AST_TEST_PASS as c_int == test::RESULT_PASS);
        assert!(sys::ast_test_result_state_AST_TEST_FAIL as c_int == test::RESULT_FAIL);
    };

    /// The callback test.rs registers, in the headers' terms.
    type Callback = Option<
        unsafe extern "C" fn(
            *mut sys::ast_test_info,
            sys::ast_test_command,
            *mut sys::ast_test,
        ) -> sys::ast_test_result_state,
    >;
    const _: fn(sys::ast_test_cb_t) -> Callback = |cb| cb;

    prototypes! {
        ast_test_register: unsafe extern "C" fn(sys::ast_test_cb_t) -> c_int;
        ast_test_unregister: unsafe extern "C" fn(sys::ast_test_cb_t) -> c_int;
        __ast_test_status_update: unsafe extern "C" fn(
            *const c_char,
            *const c_char,
            c_int,
            *mut sys::ast_test,
            *const c_char,
            ...
        ) -> c_int;
    }
}

// Hints where each line's endpoint subscribes (sorcery.rs, pbx.rs), and security events and TLS
// detection for HTTP authentication (security.rs, http.rs).
prototypes! {
    __ao2_ref: unsafe extern "C" fn(
        *mut c_void,
        c_int,
        *const c_char,
        *const c_char,
        c_int,
        *const c_char,
    ) -> c_int;
    ast_sorcery_retrieve_by_module_name: unsafe extern "C" fn(*const c_char) -> *mut sys::ast_sorcery;
    ast_sorcery_retrieve_by_id:
        unsafe extern "C" fn(*const sys::ast_sorcery, *const c_char, *const c_char) -> *mut c_void;
    ast_sorcery_objectset_create2: unsafe extern "C" fn(
        *const sys::ast_sorcery,
        *const c_void,
        sys::ast_sorcery_field_handler_flags,
    ) -> *mut sys::ast_variable;
    ast_variables_destroy: unsafe extern "C" fn(*mut sys::ast_variable);
    ast_get_extension_registrar: unsafe extern "C" fn(*mut sys::ast_exten) -> *const c_char;
    ast_walk_context_includes:
        unsafe extern "C" fn(*const sys::ast_context, *const sys::ast_include) -> *const sys::ast_include;
    ast_get_include_name: unsafe extern "C" fn(*const sys::ast_include) -> *const c_char;
    ast_security_event_report: unsafe extern "C" fn(*const sys::ast_security_event_common) -> c_int;
    ast_iostream_get_fd: unsafe extern "C" fn(*mut sys::ast_iostream) -> c_int;
    ast_iostream_get_ssl: unsafe extern "C" fn(*mut sys::ast_iostream) -> *mut sys::SSL;
    ast_http_create_response: unsafe extern "C" fn(
        *mut sys::ast_tcptls_session_instance,
        c_int,
        *const c_char,
        *mut sys::ast_str,
        *const c_char,
    );
}

// The AMI bridge for custom phone apps: a datastore on an app server's AMI session tells when the
// session ends (manager_session.rs); phone requests are raised as events (manager_event.rs).
// The module builds the datastore type and writes a datastore's data. It also reads the first field
// of the otherwise opaque `struct mansession` (main/manager.c): `struct mansession_session *session`,
// NULL for actions sent by in-process hooks; that field is first in every supported major.
layout!(ast_datastore_info: 40 { type_: 0, duplicate: 8, destroy: 16 });
layout!(ast_datastore { data: 8, info: 16 });
values!(
    EVENT_FLAG_AGENT == 32,
    EVENT_FLAG_SYSTEM == 1,
    EVENT_FLAG_MESSAGE == 1073741824,
    ao2_alloc_opts_AO2_ALLOC_OPT_LOCK_NOLOCK == 2,
);
prototypes! {
    astman_datastore_find: unsafe extern "C" fn(
        *mut sys::mansession,
        *const sys::ast_datastore_info,
        *const c_char,
    ) -> *mut sys::ast_datastore;
    astman_datastore_add: unsafe extern "C" fn(*mut sys::mansession, *mut sys::ast_datastore) -> c_int;
    __ast_datastore_alloc: unsafe extern "C" fn(
        *const sys::ast_datastore_info,
        *const c_char,
        *mut sys::ast_module,
        *const c_char,
        c_int,
        *const c_char,
    ) -> *mut sys::ast_datastore;
    ast_datastore_free: unsafe extern "C" fn(*mut sys::ast_datastore) -> c_int;
    __ao2_alloc: unsafe extern "C" fn(
        usize,
        sys::ao2_destructor_fn,
        c_uint,
        *const c_char,
        *const c_char,
        c_int,
        *const c_char,
    ) -> *mut c_void;
    __ao2_cleanup: unsafe extern "C" fn(*mut c_void);
    __ast_manager_event_multichan: unsafe extern "C" fn(
        c_int,
        *const c_char,
        c_int,
        *mut *mut sys::ast_channel,
        *const c_char,
        c_int,
        *const c_char,
        *const c_char,
        ...
    ) -> c_int;
}

// A live channel's dialplan function, read by name for one-touch recording (channel.rs).
prototypes! {
    ast_channel_get_by_name: unsafe extern "C" fn(*const c_char) -> *mut sys::ast_channel;
    ast_func_read:
        unsafe extern "C" fn(*mut sys::ast_channel, *const c_char, *mut c_char, usize) -> c_int;
}
