//! Comment removal, line by line, as `config_text_file_load` does it: `;` ends the line unless written
//! `\;` (the backslash is dropped), and `;--` … `--;` block comments nest and may span lines.
//!
//! The C code works on a NUL-terminated buffer and writes NULs into it; this port keeps that model (a
//! byte buffer ending in 0, "strings" ending at the first 0 from a position) so odd inputs come out the
//! same. One oddity is kept on purpose: a `--;` outside any block comment drives the nesting count
//! below zero, and Asterisk then ignores every line until one holding `;--`.

/// Deepest block-comment nesting Asterisk tracks.
const MAX_NESTED_COMMENTS: i32 = 128;

/// The comment state carried from line to line of one read.
#[derive(Debug, Default)]
pub(super) struct CommentState {
    /// Block comments open (negative after a stray `--;`).
    pub depth: i32,
    /// Line where each open block comment started, innermost last (as many as `depth` when positive).
    pub opened_at: Vec<u32>,
}

/// What one line held besides its content.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct LineComments {
    /// A `--;` closed no block comment.
    pub stray_end: bool,
}

/// The part of `line` that is not comment, or `None` when the whole line is inside a block comment.
pub(super) fn strip(
    line: &[u8],
    line_no: u32,
    state: &mut CommentState,
) -> (Option<Vec<u8>>, LineComments) {
    let mut buf = line.to_vec();
    buf.push(0);
    let mut notes = LineComments::default();
    let mut scan = 0usize;
    let mut content: Option<usize> = if state.depth != 0 { None } else { Some(0) };
    while let Some(at) = find(&buf, scan, b';') {
        if at > scan && buf[at - 1] == b'\\' {
            // `\;` is a literal semicolon: drop the backslash and go on after the semicolon.
            buf.remove(at - 1);
            scan = at;
        } else if buf[at + 1] == b'-' && buf[at + 2] == b'-' && buf[at + 3] != b'-' {
            if state.depth < MAX_NESTED_COMMENTS {
                buf[at] = 0;
                scan = at + 3;
                if state.depth >= 0 {
                    state.opened_at.push(line_no);
                }
                state.depth += 1;
            } else {
                // Asterisk logs and would spin on the same `;` forever; stop reading the line instead.
                break;
            }
        } else if at >= scan + 2 && buf[at - 1] == b'-' && buf[at - 2] == b'-' {
            if state.depth > 0 {
                state.opened_at.pop();
            } else {
                notes.stray_end = true;
            }
            state.depth -= 1;
            scan = at + 1;
            if state.depth == 0 {
                match content {
                    Some(start) => {
                        // The comment opened on this line: close the gap it left.
                        let gap = start + c_len(&buf, start);
                        let tail = c_len(&buf, scan) + 1;
                        buf.copy_within(scan..scan + tail, gap);
                        scan = gap;
                    }
                    None => content = Some(scan),
                }
            }
        } else if state.depth == 0 {
            buf[at] = 0;
            scan = at;
        } else {
            scan = at + 1;
        }
    }
    (content.map(|start| buf[start..start + c_len(&buf, start)].to_vec()), notes)
}

/// `strchr`: the first `byte` at or after `from`, before the string's terminating 0.
fn find(buf: &[u8], from: usize, byte: u8) -> Option<usize> {
    buf[from..].iter().take_while(|b| **b != 0).position(|b| *b == byte).map(|i| from + i)
}

/// `strlen` from `from`.
fn c_len(buf: &[u8], from: usize) -> usize {
    buf[from..].iter().take_while(|b| **b != 0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> (Vec<Option<String>>, CommentState) {
        let mut state = CommentState::default();
        let out = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (content, _) = strip(l.as_bytes(), i as u32 + 1, &mut state);
                content.map(|c| String::from_utf8(c).unwrap())
            })
            .collect();
        (out, state)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn semicolon_ends_the_line() {
        assert_eq!(run(&["a = b ; note"]).0, [some("a = b ")]);
        assert_eq!(run(&["; only a comment"]).0, [some("")]);
    }

    #[test]
    fn escaped_semicolon_is_kept_without_its_backslash() {
        assert_eq!(run(&[r"a = x\;y ; note"]).0, [some("a = x;y ")]);
        assert_eq!(run(&[r"a = \;\;"]).0, [some("a = ;;")]);
    }

    #[test]
    fn block_comment_inside_a_line() {
        assert_eq!(run(&["a = b ;-- gone --; c"]).0, [some("a = b  c")]);
    }

    #[test]
    fn block_comment_across_lines() {
        let (out, state) = run(&["a = 1 ;-- start", "b = 2", "end --; c = 3", "d = 4"]);
        assert_eq!(out, [some("a = 1 "), None, some(" c = 3"), some("d = 4")]);
        assert_eq!(state.depth, 0);
    }

    #[test]
    fn block_comments_nest() {
        let (out, _) = run(&[";-- outer ;-- inner --; still --;x = 1"]);
        assert_eq!(out, [some("x = 1")]);
    }

    #[test]
    fn three_dashes_are_a_plain_comment() {
        assert_eq!(run(&[";--- banner ---", "a = 1"]).0, [some(""), some("a = 1")]);
    }

    #[test]
    fn unterminated_block_comment_is_remembered() {
        let (out, state) = run(&["a = 1", ";-- never closed", "b = 2"]);
        assert_eq!(out, [some("a = 1"), some(""), None]);
        assert_eq!((state.depth, state.opened_at.clone()), (1, vec![2]));
    }

    #[test]
    fn stray_block_end_hides_lines_until_a_block_start() {
        let mut state = CommentState::default();
        let (content, notes) = strip(b"a = x--;y", 1, &mut state);
        assert_eq!((content.as_deref(), notes.stray_end), (Some(&b"a = x--;y"[..]), true));
        assert_eq!(strip(b"b = 2", 2, &mut state).0, None);
        assert_eq!(strip(b";-- back", 3, &mut state).0, None);
        assert_eq!(strip(b"c = 3", 4, &mut state).0.as_deref(), Some(&b"c = 3"[..]));
    }
}
