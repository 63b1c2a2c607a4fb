//! The module's in-process tests in Asterisk's test framework (`test execute category
//! /res/res_digium_phone/`).
//!
//! Builds without TEST_FRAMEWORK lack these symbols, and a module referencing a missing symbol fails to
//! load, so the functions are looked up with `dlsym` and the few types are declared here.

use std::ffi::{CStr, c_char, c_int, c_uint, c_void};
use std::sync::Mutex;

use super::util::cstring;
use super::{guard, log};

/// `struct ast_test_info` (asterisk/test.h): strings must stay valid while registered. abi.rs pins
/// this copy and the values below against the headers when they have the test framework.
#[repr(C)]
pub(super) struct TestInfo {
    pub(super) name: *const c_char,
    pub(super) category: *const c_char,
    pub(super) summary: *const c_char,
    pub(super) description: *const c_char,
    pub(super) explicit_only: c_uint,
}

pub(super) const TEST_INIT: c_int = 0;
pub(super) const RESULT_NOT_RUN: c_int = 0;
pub(super) const RESULT_PASS: c_int = 1;
pub(super) const RESULT_FAIL: c_int = 2;

type TestCallback = unsafe extern "C" fn(*mut TestInfo, c_int, *mut c_void) -> c_int;
type RegisterFn = unsafe extern "C" fn(TestCallback) -> c_int;
type StatusUpdateFn = unsafe extern "C" fn(
    *const c_char,
    *const c_char,
    c_int,
    *mut c_void,
    *const c_char,
    ...
) -> c_int;

/// A test defined by safe code.
pub(crate) struct Test {
    pub name: &'static CStr,
    pub summary: &'static CStr,
    pub description: &'static CStr,
    pub run: fn(&Context) -> Result<(), String>,
}

pub(crate) const CATEGORY: &CStr = c"/res/res_digium_phone/";

/// What a running test can report through.
pub(crate) struct Context {
    test: *mut c_void,
    status_update: Option<StatusUpdateFn>,
}

impl Context {
    /// A line in the test's output (`test execute` shows it, the JUnit XML keeps it).
    pub fn status(&self, msg: &str) {
        let Some(update) = self.status_update else { return };
        let msg = cstring(msg);
        // SAFETY: `test` is the framework's handle for the running test; "%s" with one string.
        unsafe {
            update(c"test.rs".as_ptr(), c"".as_ptr(), 0, self.test, c"%s\n".as_ptr(), msg.as_ptr())
        };
    }
}

/// The framework identifies a test by its callback, so each slot gets its own function.
const SLOTS: usize = 16;
static CALLBACKS: [TestCallback; SLOTS] = [
    slot::<0>, slot::<1>, slot::<2>, slot::<3>, slot::<4>, slot::<5>, slot::<6>, slot::<7>,
    slot::<8>, slot::<9>, slot::<10>, slot::<11>, slot::<12>, slot::<13>, slot::<14>, slot::<15>,
];
static REGISTERED: Mutex<&'static [Test]> = Mutex::new(&[]);

unsafe extern "C" fn slot<const N: usize>(
    info: *mut TestInfo,
    cmd: c_int,
    test: *mut c_void,
) -> c_int {
    guard::entry("test", RESULT_FAIL, || {
        let tests = *REGISTERED.lock().unwrap_or_else(|p| p.into_inner());
        let Some(t) = tests.get(N) else { return RESULT_FAIL };
        if cmd == TEST_INIT {
            // SAFETY: the framework passes its own ast_test_info to fill; our strings are static.
            unsafe {
                (*info).name = t.name.as_ptr();
                (*info).category = CATEGORY.as_ptr();
                (*info).summary = t.summary.as_ptr();
                (*info).description = t.description.as_ptr();
            }
            return RESULT_NOT_RUN;
        }
        let ctx =
            Context { test, status_update: lookup::<StatusUpdateFn>(c"__ast_test_status_update") };
        match (t.run)(&ctx) {
            Ok(()) => RESULT_PASS,
            Err(why) => {
                ctx.status(&format!("FAILED: {why}"));
                RESULT_FAIL
            }
        }
    })
}

fn lookup<F: Copy>(symbol: &CStr) -> Option<F> {
    // SAFETY: RTLD_DEFAULT searches the global scope, where Asterisk's exported symbols are.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, symbol.as_ptr()) };
    if p.is_null() {
        return None;
    }
    debug_assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: F is the function pointer type of the symbol's C declaration in asterisk/test.h.
    Some(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&p) })
}

/// Tests registered with the framework; unregistered on drop.
pub(crate) struct Registration {
    count: usize,
}

impl Registration {
    /// Registers `tests`, or nothing when Asterisk was built without the test framework.
    pub fn register(tests: &'static [Test]) -> Self {
        let Some(register) = lookup::<RegisterFn>(c"ast_test_register") else {
            return Self { count: 0 };
        };
        let tests = &tests[..tests.len().min(SLOTS)];
        *REGISTERED.lock().unwrap_or_else(|p| p.into_inner()) = tests;
        let mut count = 0;
        for cb in CALLBACKS.iter().take(tests.len()) {
            // SAFETY: the callback stays valid until unregistered in Drop.
            if unsafe { register(*cb) } != 0 {
                log::warning("a test could not be registered with the test framework");
                break;
            }
            count += 1;
        }
        Self { count }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(unregister) = lookup::<RegisterFn>(c"ast_test_unregister") {
            for cb in CALLBACKS.iter().take(self.count) {
                // SAFETY: a callback registered above.
                unsafe { unregister(*cb) };
            }
        }
        *REGISTERED.lock().unwrap_or_else(|p| p.into_inner()) = &[];
    }
}
