//! Reading a configuration file through Asterisk's config API (`ast_config_load2`), so `#include`,
//! `#exec` and templates behave exactly as in every Asterisk module, into the core's [`RawConfig`].

use std::borrow::Cow;
use std::ffi::{CStr, c_void};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::sys;
use super::util::{cstring, string_from};
use digium_phones_core::raw::{Interner, RawConfig, RawEntry, RawSection, SharedName};

pub(crate) enum Loaded {
    /// The file does not exist.
    Missing,
    /// Asterisk could not parse it (it has logged why).
    Invalid,
    /// Not modified since `who_asked` last loaded it.
    Unchanged,
    Config(RawConfig),
}

// Pointer-valued status macros that bindgen drops (asterisk/config.h; abi.rs pins them).
pub(super) const FILEUNCHANGED: usize = usize::MAX; // (void *) -1
pub(super) const FILEINVALID: usize = usize::MAX - 1; // (void *) -2

/// Loads `filename` (relative to Asterisk's config directory, or absolute) on behalf of `who_asked`,
/// whose last load decides what "unchanged" means.
pub(crate) fn load(filename: &str, who_asked: &str, only_if_changed: bool) -> Loaded {
    load_timed(filename, who_asked, only_if_changed).0
}

/// What Asterisk's own config code took of a [`load_timed`] (a reload's log line tells it apart).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AsteriskTimes {
    /// `ast_config_load2`.
    pub parser: Duration,
    /// `ast_config_destroy`, once copied.
    pub destroy: Duration,
}

/// [`load`], and what Asterisk's parser and its destructor took of it.
pub(crate) fn load_timed(
    filename: &str,
    who_asked: &str,
    only_if_changed: bool,
) -> (Loaded, AsteriskTimes) {
    let started = Instant::now();
    let file = cstring(filename);
    let who = cstring(who_asked);
    let flags =
        sys::ast_flags { flags: if only_if_changed { sys::CONFIG_FLAG_FILEUNCHANGED } else { 0 } };
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let cfg = unsafe { sys::ast_config_load2(file.as_ptr(), who.as_ptr(), flags) };
    let mut times = AsteriskTimes { parser: started.elapsed(), ..Default::default() };
    let loaded = match cfg as usize {
        0 => Loaded::Missing,
        FILEUNCHANGED => Loaded::Unchanged,
        FILEINVALID => Loaded::Invalid,
        _ => {
            let config = Config(cfg);
            let raw = config.read(&absolute(filename));
            let destroying = Instant::now();
            drop(config);
            times.destroy = destroying.elapsed();
            Loaded::Config(raw)
        }
    };
    (loaded, times)
}

/// Asterisk leaves `file` empty on the main file's variables and keeps `#include` paths as written;
/// findings must name real files, so both become absolute paths.
fn absolute(file: &str) -> String {
    if file.starts_with('/') { file.to_string() } else { format!("{}/{file}", config_dir()) }
}

/// An `ast_config` we own, destroyed on drop.
struct Config(*mut sys::ast_config);

impl Drop for Config {
    fn drop(&mut self) {
        // SAFETY: a config returned by ast_config_load2 and not destroyed elsewhere.
        unsafe { sys::ast_config_destroy(self.0) }
    }
}

impl Config {
    fn read(&self, main_file: &str) -> RawConfig {
        let mut sections = Vec::new();
        let mut names = Names {
            shared: Interner::default(),
            main_file: main_file.to_string(),
            last_file: None,
        };
        let mut cat: *mut sys::ast_category = std::ptr::null_mut();
        loop {
            // SAFETY: self.0 is a live config; `cat` is NULL or the previous category of the same config.
            // The filter includes templates, which plain browsing skips.
            cat = unsafe {
                sys::ast_category_browse_filtered(
                    self.0,
                    std::ptr::null(),
                    cat,
                    c"TEMPLATES=include".as_ptr(),
                )
            };
            if cat.is_null() {
                break;
            }
            sections.push(Arc::new(read_category(cat, &mut names)));
        }
        RawConfig { sections }
    }
}

/// Keys and file names shared across a config, and the file of the entry before (entries come in
/// runs of the same file, each with its own copy of the name).
struct Names {
    shared: Interner,
    main_file: String,
    last_file: Option<(Vec<u8>, SharedName)>,
}

impl Names {
    /// The shared absolute name of a variable's `file` (empty: the main file).
    fn file(&mut self, file: &CStr) -> SharedName {
        let bytes = file.to_bytes();
        if let Some((last, shared)) = &self.last_file
            && last == bytes
        {
            return shared.clone();
        }
        let text = file.to_string_lossy();
        let shared = self.shared.get(&if text.is_empty() {
            self.main_file.clone()
        } else {
            absolute(&text)
        });
        self.last_file = Some((bytes.to_vec(), shared.clone()));
        shared
    }
}

fn read_category(cat: *mut sys::ast_category, names: &mut Names) -> RawSection {
    // SAFETY: `cat` is a live category of a live config for all the calls below; the variable list is
    // walked through `next` until NULL, as Asterisk links it.
    unsafe {
        let templates_str = sys::ast_category_get_templates(cat);
        let templates = if templates_str.is_null() {
            Vec::new()
        } else {
            let text = string_from(sys::ast_str_buffer(templates_str));
            sys::ast_free_ptr(templates_str.cast::<c_void>());
            text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
        };
        // Counted first: one allocation per section instead of one per doubling.
        let mut count = 0;
        let mut var = sys::ast_category_first(cat);
        while !var.is_null() {
            count += 1;
            var = (*var).next;
        }
        let mut entries = Vec::with_capacity(count);
        let mut var = sys::ast_category_first(cat);
        while !var.is_null() {
            let v = &*var;
            let text = |p: *const std::ffi::c_char| {
                if p.is_null() { Cow::Borrowed("") } else { CStr::from_ptr(p).to_string_lossy() }
            };
            entries.push(RawEntry {
                key: names.shared.get(&text(v.name)),
                value: text(v.value).into(),
                file: if v.file.is_null() {
                    names.file(c"")
                } else {
                    names.file(CStr::from_ptr(v.file))
                },
                line: u32::try_from(v.lineno).unwrap_or(0),
                inherited: v.inherited != 0,
            });
            var = v.next;
        }
        RawSection {
            name: string_from(sys::ast_category_get_name(cat)),
            is_template: sys::ast_category_is_template(cat) != 0,
            templates,
            entries,
        }
    }
}

/// Asterisk's configuration directory (`astetcdir`).
pub(crate) fn config_dir() -> String {
    // SAFETY: set once at startup to a NUL-terminated string that lives as long as Asterisk.
    unsafe { string_from(std::ptr::addr_of!(sys::ast_config_AST_CONFIG_DIR).read()) }
}
