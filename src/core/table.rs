//! Aligned text tables in the style of `pjsip show endpoints`: a header row, a rule, then rows.

/// Columns are as wide as their widest cell; the last column is not padded.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |col: usize| {
        rows.iter()
            .filter_map(|r| r.get(col))
            .map(|c| c.chars().count())
            .chain(std::iter::once(headers[col].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i + 1 < widths.len() {
                text.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            } else {
                text.push_str(cell);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    let rule: Vec<String> = widths.iter().map(|w| "=".repeat(*w)).collect();
    line(&mut rule.iter().map(String::as_str));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// `Key: Value` lines, keys right-aligned on the colon, as `pjsip show endpoint` details are.
pub fn render_details(pairs: &[(String, String)]) -> String {
    let w = pairs.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    pairs.iter().map(|(k, v)| format!("{k:>w$}: {v}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_columns() {
        let t = render(
            &["Phone", "MAC"],
            &[vec!["a".into(), "0123".into()], vec!["longer".into(), "".into()]],
        );
        assert_eq!(t, "Phone   MAC\n======  ====\na       0123\nlonger\n");
    }

    #[test]
    fn details_align_on_colon() {
        let d =
            render_details(&[("type".into(), "phone".into()), ("full_name".into(), "A".into())]);
        assert_eq!(d, "     type: phone\nfull_name: A\n");
    }
}
