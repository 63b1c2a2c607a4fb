//! Each rule of the reader on small files written to a scratch directory.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rdp-conf-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn dir(&self) -> String {
        self.0.display().to_string()
    }

    /// Reads `main.conf` holding `text` and returns the dump relative to the scratch directory.
    fn dump(&self, text: &str) -> String {
        let loaded = read(&self.write("main.conf", text)).unwrap();
        loaded.config.dump(&self.dir())
    }

    fn read_main(&self, text: &str) -> Result<Loaded, ReadError> {
        read(&self.write("main.conf", text))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn warnings(loaded: &Loaded) -> Vec<String> {
    loaded.issues.iter().map(|i| i.finding().message).collect()
}

#[test]
fn sections_and_options_with_file_and_line() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[general]\nconfig_auth = pin\n\n[100]\ntype=line\n"),
        "[general]\n  config_auth = pin @main.conf:2\n[100]\n  type = line @main.conf:5\n"
    );
}

#[test]
fn entries_name_the_absolute_file() {
    let s = Scratch::new();
    let loaded = s.read_main("[a]\nk=v\n").unwrap();
    let entry = &loaded.config.sections[0].entries[0];
    assert_eq!(*entry.file, format!("{}/main.conf", s.dir()));
    assert!(Path::new(&*entry.file).is_absolute());
}

#[test]
fn comments_and_escapes() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("; heading\n[a] ; the a section\nk = v ; note\nurl = x\\;y\n;-- a block\nhidden = 1\n--;\nshown = 2\n"),
        "[a]\n  k = v @main.conf:3\n  url = x;y @main.conf:4\n  shown = 2 @main.conf:8\n"
    );
}

#[test]
fn block_comment_in_the_middle_of_a_line() {
    let s = Scratch::new();
    assert_eq!(s.dump("[a]\nk = 1 ;-- not this --; 2\n"), "[a]\n  k = 1  2 @main.conf:2\n");
}

#[test]
fn blanks_trimmed_and_quotes_kept() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\n   key   =   \"quoted value\"   \n\tcallerid=Bob <100>\r\n"),
        "[a]\n  key = \"quoted value\" @main.conf:2\n  callerid = Bob <100> @main.conf:3\n"
    );
}

#[test]
fn arrow_is_the_same_as_equals() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\nexten => 100\nx=>y\n"),
        "[a]\n  exten = 100 @main.conf:2\n  x = y @main.conf:3\n"
    );
}

#[test]
fn only_the_first_equals_splits() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\nntp_resync==86400\nk = a=b\n"),
        "[a]\n  ntp_resync = =86400 @main.conf:2\n  k = a=b @main.conf:3\n"
    );
}

#[test]
fn repeated_keys_keep_their_order() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[p]\nline=a\nline=b\nline=a\n"),
        "[p]\n  line = a @main.conf:2\n  line = b @main.conf:3\n  line = a @main.conf:4\n"
    );
}

#[test]
fn plus_equals_appends_to_the_last_value() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\ncodecs = ulaw\ncodecs +=,alaw\ncodecs += ,g722\nnew += x\n"),
        // What follows `+=` is added as written, blanks included.
        "[a]\n  codecs = ulaw,alaw ,g722 @main.conf:2\n  new = x @main.conf:5\n"
    );
}

#[test]
fn escaped_first_character_belongs_to_the_name() {
    let s = Scratch::new();
    assert_eq!(s.dump("[a]\n\\[odd = 1\n"), "[a]\n  [odd = 1 @main.conf:2\n");
    assert!(matches!(s.read_main("[a]\n\\ = 1\n"), Err(ReadError::InvalidEscape { line: 2, .. })));
}

#[test]
fn line_without_equals_is_skipped_with_a_warning() {
    let s = Scratch::new();
    let loaded = s.read_main("[a]\nnonsense\nk=v\n= novalue\n").unwrap();
    assert_eq!(loaded.config.dump(&s.dir()), "[a]\n  k = v @main.conf:3\n");
    assert_eq!(
        loaded.issues,
        [
            Issue::Warning(ReadWarning::NoEquals {
                file: format!("{}/main.conf", s.dir()),
                line: 2
            }),
            Issue::Warning(ReadWarning::NoOptionName {
                file: format!("{}/main.conf", s.dir()),
                line: 4
            }),
        ]
    );
}

#[test]
fn option_before_any_section_is_fatal() {
    let s = Scratch::new();
    let err = s.read_main("; comment\nk = v\n[a]\n").unwrap_err();
    assert_eq!(err, ReadError::NoCategory { file: format!("{}/main.conf", s.dir()), line: 2 });
}

#[test]
fn unclosed_header_is_fatal() {
    let s = Scratch::new();
    assert!(matches!(s.read_main("[abc\nk=v\n"), Err(ReadError::UnclosedHeader { line: 1, .. })));
    assert!(matches!(s.read_main("[abc](!\n"), Err(ReadError::UnclosedOptions { line: 1, .. })));
}

#[test]
fn templates_and_inheritance() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[t](!)\ntype=phone\nk=1\n[p](t)\nk=2\n"),
        "[t] template\n  type = phone @main.conf:2\n  k = 1 @main.conf:3\n\
         [p] inherits=t\n  type = phone @main.conf:2 inherited\n  k = 1 @main.conf:3 inherited\n  k = 2 @main.conf:5\n"
    );
}

#[test]
fn multiple_inheritance_in_order() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[t1](!)\na=1\n[t2](!)\nb=2\n[p](t1,t2)\nc=3\n"),
        "[t1] template\n  a = 1 @main.conf:2\n[t2] template\n  b = 2 @main.conf:4\n\
         [p] inherits=t1,t2\n  a = 1 @main.conf:2 inherited\n  b = 2 @main.conf:4 inherited\n  c = 3 @main.conf:6\n"
    );
}

#[test]
fn template_inheriting_a_template() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[base](!)\na=1\n[mid](!,base)\nb=2\n[p](mid)\n"),
        "[base] template\n  a = 1 @main.conf:2\n[mid] template inherits=base\n  a = 1 @main.conf:2 inherited\n  b = 2 @main.conf:4\n\
         [p] inherits=mid\n  a = 1 @main.conf:2 inherited\n  b = 2 @main.conf:4 inherited\n"
    );
}

#[test]
fn inheriting_from_a_plain_section_and_without_case() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[Base]\na=1\n[p](base)\n"),
        "[Base]\n  a = 1 @main.conf:2\n[p] inherits=Base\n  a = 1 @main.conf:2 inherited\n"
    );
}

#[test]
fn missing_template_is_fatal() {
    let s = Scratch::new();
    let err = s.read_main("[p](nope)\nk=v\n").unwrap_err();
    assert_eq!(
        err,
        ReadError::MissingTemplate {
            file: format!("{}/main.conf", s.dir()),
            line: 1,
            section: "p".into(),
            template: "nope".into(),
            hint: String::new()
        }
    );
    // A template defined later does not count, and names are not trimmed (as in Asterisk).
    assert!(s.read_main("[p](t)\n[t](!)\n").is_err());
    let spaced = s.read_main("[t1](!)\n[t2](!)\n[p](t1, t2)\n").unwrap_err();
    assert!(
        spaced.to_string().ends_with("(the blanks are part of the name: write 't2')"),
        "{spaced}"
    );
}

#[test]
fn header_options_must_follow_the_bracket() {
    let s = Scratch::new();
    let loaded = s.read_main("[t] (!)\na=1\n[u](!) trailing\n").unwrap();
    assert_eq!(loaded.config.dump(&s.dir()), "[t]\n  a = 1 @main.conf:2\n[u] template\n");
    let w = warnings(&loaded);
    assert_eq!(
        w,
        [
            "'(!)' after the section header is ignored by Asterisk (write [t](!) without the blank)",
            "'trailing' after the section header is ignored by Asterisk"
        ]
    );
}

#[test]
fn plus_appends_to_the_existing_section() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\nx=1\n[b]\ny=2\n[a](+)\nz=3\n"),
        "[a]\n  x = 1 @main.conf:2\n  z = 3 @main.conf:6\n[b]\n  y = 2 @main.conf:4\n"
    );
    assert!(matches!(s.read_main("[a](+)\n"), Err(ReadError::MissingAppendTarget { .. })));
    // Only a non-template section can be added to.
    assert!(matches!(s.read_main("[t](!)\n[t](+)\n"), Err(ReadError::MissingAppendTarget { .. })));
}

#[test]
fn plus_with_templates_before_and_after() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[t](!)\nk=t\n[a]\nx=1\n[a](t,+)\ny=2\n[a](+,t)\n"),
        "[t] template\n  k = t @main.conf:2\n[a] inherits=t\n  x = 1 @main.conf:4\n  k = t @main.conf:2 inherited\n  \
         y = 2 @main.conf:6\n  k = t @main.conf:2 inherited\n"
    );
}

#[test]
fn same_name_twice_makes_two_sections() {
    let s = Scratch::new();
    assert_eq!(
        s.dump("[a]\nx=1\n[a]\nx=2\n"),
        "[a]\n  x = 1 @main.conf:2\n[a]\n  x = 2 @main.conf:4\n"
    );
}

#[test]
fn include_and_tryinclude() {
    let s = Scratch::new();
    s.write("lines.conf", "[100]\ntype=line\n");
    s.write("sub/more.conf", "[101]\ntype=line\n");
    assert_eq!(
        s.dump(
            "[general]\n#include \"lines.conf\"\n#include sub/more.conf\n#tryinclude missing.conf\n"
        ),
        "[general]\n[100]\n  type = line @lines.conf:2\n[101]\n  type = line @sub/more.conf:2\n"
    );
}

#[test]
fn include_names_are_read_from_the_main_files_directory() {
    let s = Scratch::new();
    s.write("a.conf", "[from_top]\n");
    // sub/b.conf includes "a.conf": that is the top directory's a.conf, not sub/a.conf.
    s.write("sub/b.conf", "#include a.conf\n");
    s.write("sub/a.conf", "[from_sub]\n");
    assert_eq!(s.dump("[x]\n#include <sub/b.conf>\n"), "[x]\n[from_top]\n");
}

#[test]
fn missing_include_is_fatal() {
    let s = Scratch::new();
    let err = s.read_main("[a]\n#include nothere.conf\n").unwrap_err();
    assert_eq!(
        err,
        ReadError::MissingInclude {
            file: format!("{}/main.conf", s.dir()),
            line: 2,
            include: "nothere.conf".into(),
            directory: s.dir()
        }
    );
}

#[test]
fn included_file_continues_the_current_section_but_not_the_other_way() {
    let s = Scratch::new();
    s.write("body.conf", "inner = 1\n[other]\nk = 2\n");
    assert_eq!(
        s.dump("[general]\n#include body.conf\nafter = 3\n"),
        "[general]\n  inner = 1 @body.conf:1\n  after = 3 @main.conf:3\n[other]\n  k = 2 @body.conf:3\n"
    );
}

#[test]
fn included_file_starts_in_the_last_section_defined() {
    let s = Scratch::new();
    s.write("one.conf", "[one]\n");
    s.write("two.conf", "k = v\n");
    assert_eq!(
        s.dump("[main]\n#include one.conf\n#include two.conf\n"),
        "[main]\n[one]\n  k = v @two.conf:1\n"
    );
}

#[test]
fn error_in_an_included_file_drops_only_the_rest_of_it() {
    let s = Scratch::new();
    s.write("bad.conf", "[b]\nx = 1\n[c](nope)\ny = 2\n");
    let loaded = s.read_main("[a]\n#include bad.conf\n[d]\nz = 3\n").unwrap();
    assert_eq!(
        loaded.config.dump(&s.dir()),
        "[a]\n[b]\n  x = 1 @bad.conf:2\n[d]\n  z = 3 @main.conf:4\n"
    );
    let f = loaded.issues[0].finding();
    assert!(f.is_error());
    assert_eq!((f.file, f.line), (format!("{}/bad.conf", s.dir()), 3));
    assert!(f.message.ends_with("Asterisk ignores the rest of this file"), "{}", f.message);
}

#[test]
fn glob_includes_in_sorted_order_with_running_line_numbers() {
    let s = Scratch::new();
    s.write("conf.d/b.conf", "[b]\nk=2\n");
    s.write("conf.d/a.conf", "[a]\nk=1\n");
    s.write("conf.d/.hidden.conf", "[hidden]\n");
    // Asterisk counts lines on from one globbed file to the next (a.conf has 2 lines, then its EOF).
    assert_eq!(
        s.dump("[x]\n#include conf.d/*.conf\n"),
        "[x]\n[a]\n  k = 1 @conf.d/a.conf:2\n[b]\n  k = 2 @conf.d/b.conf:5\n"
    );
    assert!(matches!(
        s.read_main("[x]\n#include none.d/*.conf\n"),
        Err(ReadError::MissingInclude { .. })
    ));
    assert!(s.read_main("[x]\n#tryinclude none.d/*.conf\n").is_ok());
}

#[test]
fn brace_alternatives_in_their_own_order() {
    let s = Scratch::new();
    s.write("z.conf", "[z]\n");
    s.write("y.conf", "[y]\n");
    assert_eq!(s.dump("[x]\n#include {z,y}.conf\n"), "[x]\n[z]\n[y]\n");
}

#[test]
fn same_file_included_twice_is_labelled() {
    let s = Scratch::new();
    s.write("part.conf", "k = v\n");
    let loaded = s.read_main("[a]\n#include part.conf\n#include part.conf\n").unwrap();
    assert_eq!(
        loaded.config.dump(&s.dir()),
        "[a]\n  k = v @part.conf:1\n  k = v @part.conf~~1:1\n"
    );
    assert!(warnings(&loaded)[0].contains("included more than once"));
}

#[test]
fn include_depth_is_limited() {
    let s = Scratch::new();
    s.write("loop.conf", "#include loop.conf\n");
    let loaded = s.read_main("[a]\n#include loop.conf\n").unwrap();
    let problems: Vec<_> =
        loaded.issues.iter().map(Issue::finding).filter(|f| f.is_error()).collect();
    assert!(
        problems.iter().any(|f| f.message.contains("nested more than 10 levels")),
        "{problems:?}"
    );
    assert!(s.read_main("[a]\n#tryinclude main.conf\n").is_ok());
}

#[test]
fn exec_and_unknown_directives_are_warned_about() {
    let s = Scratch::new();
    let loaded = s.read_main("[a]\n#exec /bin/echo k=v\n#frobnicate x\n#include\nk=v\n").unwrap();
    assert_eq!(loaded.config.dump(&s.dir()), "[a]\n  k = v @main.conf:5\n");
    let w = warnings(&loaded);
    assert!(w[0].starts_with("#exec \"/bin/echo k=v\" is not run"), "{w:?}");
    assert!(w[1].contains("unknown directive '#frobnicate'"));
    assert!(w[2].contains("'#include' needs an argument"));
}

#[test]
fn unterminated_block_comment_is_warned_about() {
    let s = Scratch::new();
    let loaded = s.read_main("[a]\nk=1\n;-- open\nk=2\n").unwrap();
    assert_eq!(loaded.config.dump(&s.dir()), "[a]\n  k = 1 @main.conf:2\n");
    assert_eq!(
        loaded.issues,
        [Issue::Warning(ReadWarning::UnterminatedComment {
            file: format!("{}/main.conf", s.dir()),
            line: 3
        })]
    );
}

#[test]
fn stray_block_comment_end_hides_what_follows() {
    let s = Scratch::new();
    let loaded = s.read_main("[a]\nk=a--;b\nhidden=1\n;-- reopen\nshown=2\n").unwrap();
    assert_eq!(
        loaded.config.dump(&s.dir()),
        "[a]\n  k = a--;b @main.conf:2\n  shown = 2 @main.conf:5\n"
    );
    assert!(warnings(&loaded)[0].contains("closes no block comment"));
}

#[test]
fn byte_order_mark_and_long_lines() {
    let s = Scratch::new();
    let long = format!("[a]\nlong = {}\nk = v\n", "x".repeat(9000));
    let loaded = s.read_main(&format!("\u{feff}{long}")).unwrap();
    assert_eq!(loaded.config.dump(&s.dir()), "[a]\n  k = v @main.conf:3\n");
    assert!(warnings(&loaded)[0].contains("longer than 8190"));
}

#[test]
fn missing_main_file() {
    let s = Scratch::new();
    let err = read(&s.0.join("absent.conf")).unwrap_err();
    assert!(matches!(err, ReadError::Unreadable { .. }));
    assert_eq!(err.finding().line, 0);
}

#[test]
fn long_section_names_are_cut_like_asterisk_does() {
    let s = Scratch::new();
    let name = "n".repeat(100);
    let loaded = s.read_main(&format!("[{name}]\n")).unwrap();
    assert_eq!(loaded.config.sections[0].name.len(), 79);
}
