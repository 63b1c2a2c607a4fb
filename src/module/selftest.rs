//! Tests that run inside Asterisk (`test execute category /res/res_digium_phone/`): they exercise the
//! FFI wrappers against the real APIs, which unit tests cannot.

use std::fmt::Write as _;

use crate::ffi::config::{self as ast_config, Loaded};
use crate::ffi::guard;
use crate::ffi::module::asterisk_version;
use crate::ffi::test::{Context, Test};
use digium_phones_core::raw::RawConfig;
use digium_phones_core::{admin, model};

pub(crate) static TESTS: &[Test] = &[
    Test {
        name: c"panic_guard",
        summary: c"A panic inside an entry point is contained",
        description: c"Runs a panicking closure in the guard every Asterisk entry point uses and checks that it returns the fallback value.",
        run: panic_guard,
    },
    Test {
        name: c"config_reader",
        summary: c"ast_config is read into RawConfig faithfully",
        description: c"Loads a file with templates, repeated keys, (+) and #include through ast_config_load2 and checks order, inheritance, file and line of every entry.",
        run: config_reader,
    },
    Test {
        name: c"secrets_masked",
        summary: c"CLI details never show secrets",
        description: c"Builds a phone and a line with secrets and PINs and checks the CLI detail text masks them.",
        run: secrets_masked,
    },
    Test {
        name: c"version_line",
        summary: c"The version line is what FreePBX parses",
        description: c"Checks that FreePBX's Version [0-9.]+_([0-9.]+) reads the DPMA compatibility level from the version line, and that its last word ends with the module's version.",
        run: version_line,
    },
    Test {
        name: c"ami_in_process",
        summary: c"AMI actions run inside Asterisk, and manager events reach the module",
        description: c"Runs Ping through a manager hook, an action no module registered (not available), an action with a line break in a header (refused), and sees a UserEvent it raised through the event hook.",
        run: ami_in_process,
    },
    Test {
        name: c"app_bridge_hook",
        summary: c"App server actions sent by an in-process hook are refused, not run on a NULL session",
        description: c"Sends DPMAMessageRegister and DPMAMessageResponse through a manager hook (which has no AMI session) and checks both answer Response: Error.",
        run: app_bridge_hook,
    },
];

fn panic_guard(ctx: &Context) -> Result<(), String> {
    let got = guard::entry("selftest", 7, || -> i32 {
        panic!("deliberate panic from the panic_guard test")
    });
    ctx.status("a deliberate panic was raised and caught");
    if got == 7 { Ok(()) } else { Err(format!("guard returned {got}, expected the fallback 7")) }
}

fn temp_dir() -> Result<std::path::PathBuf, String> {
    let dir =
        std::env::temp_dir().join(format!("res_digium_phone-selftest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

fn config_reader(ctx: &Context) -> Result<(), String> {
    let dir = temp_dir()?;
    let main = dir.join("main.conf");
    let inc = dir.join("extra.conf");
    // Asterisk resolves a relative #include against its config directory, so name the file fully.
    std::fs::write(
        &main,
        format!(
            "[general]\nconfig_auth=pin\n\
             [tmpl](!)\ntype=phone\nline=t_line\nparking_exten=700\n\
             [p1](tmpl)\nline=a\nline=b\nparking_exten=701\n\
             #include \"{}\"\n\
             [p1](+)\nfull_name=Appended\n",
            inc.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(&inc, "[a]\ntype=line ; comment\n[b]\ntype = line\n[t_line]\ntype=>line\n")
        .map_err(|e| e.to_string())?;
    let main_path = main.display().to_string();
    let result = match ast_config::load(&main_path, "res_digium_phone/selftest", false) {
        Loaded::Config(raw) => check_reader_result(ctx, &raw, &dir.display().to_string()),
        _ => Err(format!("{main_path} could not be loaded")),
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn check_reader_result(ctx: &Context, raw: &RawConfig, dir: &str) -> Result<(), String> {
    let dump = raw.dump(dir);
    ctx.status(&dump);
    let expected = "[general]\n  config_auth = pin @main.conf:2\n\
        [tmpl] template\n  type = phone @main.conf:4\n  line = t_line @main.conf:5\n  parking_exten = 700 @main.conf:6\n\
        [p1] inherits=tmpl\n  type = phone @main.conf:4 inherited\n  line = t_line @main.conf:5 inherited\n  \
        parking_exten = 700 @main.conf:6 inherited\n  line = a @main.conf:8\n  line = b @main.conf:9\n  \
        parking_exten = 701 @main.conf:10\n  full_name = Appended @main.conf:13\n\
        [a]\n  type = line @extra.conf:2\n[b]\n  type = line @extra.conf:4\n[t_line]\n  type = line @extra.conf:6\n";
    if dump != expected {
        let mut msg = String::from("unexpected reading; expected:\n");
        let _ = write!(msg, "{expected}");
        return Err(msg);
    }
    let built = model::build(raw, None);
    let p1 = built.model.phone("p1").ok_or("p1 not in the model")?;
    let lines: Vec<&str> = p1.lines.iter().map(|r| r.name.as_str()).collect();
    if lines != ["t_line", "a", "b"] {
        return Err(format!("p1 lines {lines:?}"));
    }
    Ok(())
}

fn secrets_masked(ctx: &Context) -> Result<(), String> {
    let raw = RawConfig::of(&[
        ("general", &[("globalpin", "55667788")]),
        ("l", &[("type", "line"), ("secret", "zq-secret-zq")]),
        ("p", &[("type", "phone"), ("pin", "918273"), ("full_name", "A"), ("line", "l")]),
    ]);
    let built = model::build(&raw, None);
    let m = &built.model;
    let text = [
        admin::details(m, "phone", "p").unwrap_or_default(),
        admin::details(m, "line", "l").unwrap_or_default(),
        admin::details(m, "general", "").unwrap_or_default(),
    ]
    .concat();
    ctx.status(&text);
    for secret in ["918273", "zq-secret-zq", "55667788"] {
        if text.contains(secret) {
            return Err(format!("{secret} appears in the CLI details"));
        }
    }
    if !text.contains("full_name: A") {
        return Err("details lack full_name".into());
    }
    Ok(())
}

fn version_line(ctx: &Context) -> Result<(), String> {
    use digium_phones_core::version;
    let line = version::version_line(&asterisk_version(), env!("CARGO_PKG_VERSION"));
    ctx.status(&line);
    let level = version::freepbx_dpma_version(&line).ok_or(format!("'{line}' does not match"))?;
    if level != version::DPMA_COMPATIBILITY {
        return Err(format!("FreePBX would read DPMA {level} from '{line}'"));
    }
    let last = line.split_whitespace().last().unwrap_or_default();
    if !last.ends_with(env!("CARGO_PKG_VERSION")) {
        return Err(format!("the installer's last word '{last}' lacks the module's version"));
    }
    Ok(())
}

fn ami_in_process(ctx: &Context) -> Result<(), String> {
    use crate::ffi::manager_hook::{self, EventHook, HookError};
    use std::sync::mpsc;
    use std::time::Duration;

    let blocks = manager_hook::run("Ping", &[]).map_err(|e| format!("Ping: {e}"))?;
    ctx.status(&format!("Ping answered {blocks:?}"));
    if blocks.first().and_then(|b| b.get("Ping")) != Some("Pong") {
        return Err(format!("Ping answered {blocks:?}"));
    }
    match manager_hook::run("RdpNoSuchAction", &[]) {
        Err(HookError::NotAvailable(_)) => {}
        other => return Err(format!("an unregistered action answered {other:?}")),
    }
    match manager_hook::run("UserEvent", &[("UserEvent", "x\r\nAction: Originate")]) {
        Err(HookError::Action(_)) => {}
        other => return Err(format!("a header with a line break answered {other:?}")),
    }
    let (seen, heard) = mpsc::channel();
    let seen = std::sync::Mutex::new(seen);
    let hook = EventHook::register(move |event, body| {
        if event == "UserEvent" && body.contains("rdp-selftest") {
            let _ = seen.lock().map(|s| s.send(body.to_string()));
        }
    });
    manager_hook::run("UserEvent", &[("UserEvent", "rdp-selftest"), ("Marker", "1")])
        .map_err(|e| format!("UserEvent: {e}"))?;
    let body = heard
        .recv_timeout(Duration::from_secs(5))
        .map_err(|_| "the UserEvent raised did not reach the event hook".to_string())?;
    drop(hook);
    ctx.status(&format!("event hook saw: {body}"));
    if !body.contains("Marker: 1") {
        return Err(format!("the event lacks its header: {body}"));
    }
    Ok(())
}

fn app_bridge_hook(ctx: &Context) -> Result<(), String> {
    use crate::ffi::manager_hook::{self, HookError};
    for (action, headers) in [
        ("DPMAMessageRegister", vec![("Method", "selftest.app")]),
        ("DPMAMessageResponse", vec![("RequestID", "selftest1"), ("Response", "{}")]),
    ] {
        match manager_hook::run(action, &headers) {
            Err(HookError::Refused { message, .. }) => ctx.status(&format!("{action}: {message}")),
            other => return Err(format!("{action} through a hook answered {other:?}")),
        }
    }
    Ok(())
}
