//! The AMI session an action comes from, and whether it is still open.
//!
//! Asterisk tells a module nothing when an AMI session ends, but it frees every datastore attached to
//! the session when it does (`session_destructor` in main/manager.c), calling the datastore type's
//! `destroy` with its data. The module attaches one datastore to a session whose data is a small ao2
//! object, and its `destroy` is Asterisk's own `__ao2_cleanup`: the session holds one reference, the
//! module another ([`Liveness`]). When only the module's is left, the session has ended.
//!
//! Nothing Asterisk keeps after this points into the module's code or statics: the `destroy`
//! function is Asterisk's, the datastore type description lives on the heap (one small block per
//! load, never freed, since a session may outlive the module), and the datastore takes no module
//! reference (so an open AMI session never keeps the module from unloading).

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::OnceLock;

use super::sys;

const TAG: &std::ffi::CStr = c"res_digium_phone";
const FILE: &std::ffi::CStr = c"manager_session.rs";

/// The session of a running AMI action callback; valid only during it.
pub(crate) struct Session<'a> {
    raw: *mut sys::mansession,
    _callback: PhantomData<&'a ()>,
}

/// One reference to the token a session holds while it is open.
pub(crate) struct Liveness(NonNull<c_void>);

// SAFETY: ao2 reference counts are atomic; the token's data is never read or written.
unsafe impl Send for Liveness {}
// SAFETY: as above; `&Liveness` only reads the reference count.
unsafe impl Sync for Liveness {}

/// The datastore type, on the heap (see the module comment); its address tells our datastores
/// apart from others'.
fn datastore_type() -> *const sys::ast_datastore_info {
    static INFO: OnceLock<usize> = OnceLock::new();
    *INFO.get_or_init(|| {
        let name: &'static std::ffi::CStr =
            Box::leak(c"res_digium_phone app server".to_owned().into_boxed_c_str());
        // SAFETY: a struct of nullable pointers and optional function pointers: all zero is valid
        // (no duplicate, no channel fixups).
        let mut info: sys::ast_datastore_info = unsafe { std::mem::zeroed() };
        info.type_ = name.as_ptr();
        info.destroy = Some(sys::__ao2_cleanup);
        Box::leak(Box::new(info)) as *const sys::ast_datastore_info as usize
    }) as *const sys::ast_datastore_info
}

impl Session<'_> {
    /// # Safety
    /// `raw` is the session Asterisk passed to the running action callback.
    pub(crate) unsafe fn of_callback(raw: *mut sys::mansession) -> Self {
        Self { raw, _callback: PhantomData }
    }

    /// Whether the action comes from an in-process hook (`ast_hook_send_action`), which has no
    /// session to attach anything to: main/manager.c leaves `mansession.session` NULL for it.
    pub fn is_hook(&self) -> bool {
        // SAFETY: `struct mansession` (private to main/manager.c) starts with `struct
        // mansession_session *session` in every supported major (18–23, checked in their sources);
        // `raw` points to a live one during the callback.
        unsafe { (*self.raw.cast::<*const c_void>()).is_null() }
    }

    /// A reference to this session's token, attaching it on first use; `None` for an in-process
    /// hook, or if Asterisk is out of memory.
    pub fn liveness(&self) -> Option<Liveness> {
        if self.is_hook() {
            return None;
        }
        let info = datastore_type();
        // SAFETY: a live session (this callback's); the type pointer is valid for the process.
        let found = unsafe { sys::astman_datastore_find(self.raw, info, std::ptr::null()) };
        let token = if found.is_null() {
            self.attach(info)?
        } else {
            // SAFETY: our datastore, whose data is the token it was given in attach().
            unsafe { (*found).data }
        };
        let token = NonNull::new(token)?;
        // SAFETY: the session holds a reference to the token, so it is alive; we add ours.
        unsafe { ao2_ref(token.as_ptr(), 1) };
        Some(Liveness(token))
    }

    /// The key of this session's token, if it has one (it registered something).
    pub fn key(&self) -> Option<usize> {
        if self.is_hook() {
            return None;
        }
        // SAFETY: a live session (this callback's); the type pointer is valid for the process.
        let found =
            unsafe { sys::astman_datastore_find(self.raw, datastore_type(), std::ptr::null()) };
        // SAFETY: our datastore, whose data is its token.
        (!found.is_null()).then(|| unsafe { (*found).data } as usize)
    }

    fn attach(&self, info: *const sys::ast_datastore_info) -> Option<*mut c_void> {
        // SAFETY: an ao2 object with no destructor and no lock; static strings.
        let token = unsafe {
            sys::__ao2_alloc(
                8,
                None,
                sys::ao2_alloc_opts_AO2_ALLOC_OPT_LOCK_NOLOCK,
                TAG.as_ptr(),
                FILE.as_ptr(),
                0,
                c"attach".as_ptr(),
            )
        };
        if token.is_null() {
            return None;
        }
        // SAFETY: a valid type, no uid, no module reference (see the module comment).
        let datastore = unsafe {
            sys::__ast_datastore_alloc(
                info,
                std::ptr::null(),
                std::ptr::null_mut(),
                FILE.as_ptr(),
                0,
                c"attach".as_ptr(),
            )
        };
        if datastore.is_null() {
            // SAFETY: the reference __ao2_alloc gave us.
            unsafe { ao2_ref(token, -1) };
            return None;
        }
        // SAFETY: a datastore just allocated and not yet shared; it takes the token's first reference.
        unsafe { (*datastore).data = token };
        // SAFETY: a live session; on success the session owns the datastore.
        if unsafe { sys::astman_datastore_add(self.raw, datastore) } != 0 {
            // SAFETY: still ours; freeing it releases the token through destroy.
            unsafe { sys::ast_datastore_free(datastore) };
            return None;
        }
        Some(token)
    }
}

impl Liveness {
    /// Tells sessions apart for as long as this reference lives (the token cannot be reused before).
    pub fn key(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Whether the session still holds its reference. Exact only while this is the module's one
    /// reference to the token.
    pub fn session_open(&self) -> bool {
        // SAFETY: we hold a reference; a delta of 0 only reads the count.
        unsafe { ao2_ref(self.0.as_ptr(), 0) > 1 }
    }
}

impl Drop for Liveness {
    fn drop(&mut self) {
        // SAFETY: the reference taken in Session::liveness.
        unsafe { ao2_ref(self.0.as_ptr(), -1) };
    }
}

/// # Safety
/// `object` is an ao2 object the caller holds a reference to (given up when `delta` is -1).
unsafe fn ao2_ref(object: *mut c_void, delta: i32) -> i32 {
    // SAFETY: per this function's contract; static strings.
    unsafe { sys::__ao2_ref(object, delta, TAG.as_ptr(), FILE.as_ptr(), 0, c"ao2_ref".as_ptr()) }
}
