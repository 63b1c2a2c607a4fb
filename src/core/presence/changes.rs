//! How the module's hints in the dialplan change when the configuration does: which to remove, which
//! to add, in the order that keeps Asterisk's list walks short, and which contexts it created that
//! are left empty.

use crate::names::NameSet;

use super::Hint;

/// From the hints installed to the hints planned.
#[derive(Debug, PartialEq, Eq)]
pub struct HintChanges<'p> {
    /// Installed and no longer planned, in the order to remove them (ascending dialplan order).
    pub remove: Vec<Hint>,
    /// Planned and not installed, in the order to add them (descending dialplan order).
    pub add: Vec<&'p Hint>,
    /// Installed and still planned: left where they are.
    pub keep: NameSet<Hint>,
}

pub fn hint_changes(installed: Vec<Hint>, planned: &[Hint]) -> HintChanges<'_> {
    let wanted: NameSet<&Hint> = planned.iter().collect();
    let (keep, mut remove): (Vec<Hint>, Vec<Hint>) =
        installed.into_iter().partition(|h| wanted.contains(h));
    remove.sort_by(|a, b| a.dialplan_order(b));
    let keep: NameSet<Hint> = keep.into_iter().collect();
    let mut add: Vec<&Hint> = planned.iter().filter(|h| !keep.contains(*h)).collect();
    add.sort_by(|a, b| b.dialplan_order(a));
    HintChanges { remove, add, keep }
}

/// The hints of `planned` that are in place, in configuration order (as the CLI shows them).
pub fn in_plan_order(planned: Vec<Hint>, in_place: &NameSet<Hint>) -> Vec<Hint> {
    planned.into_iter().filter(|h| in_place.contains(h)).collect()
}

/// Splits the contexts the module created into those its hints still use and those left empty.
pub fn empty_contexts(created: Vec<String>, hints: &[Hint]) -> (Vec<String>, Vec<String>) {
    let in_use: NameSet<&str> = hints.iter().map(|h| h.context.as_str()).collect();
    created.into_iter().partition(|c| in_use.contains(c.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(context: &str, exten: &str) -> Hint {
        Hint {
            context: context.into(),
            exten: exten.into(),
            hint: format!("PJSIP/{exten},CustomPresence:{exten}"),
            owner: crate::presence::HintOwner::Line(exten.into()),
        }
    }

    #[test]
    fn removes_ascending_adds_descending_keeps_the_rest() {
        let installed = vec![hint("c", "300"), hint("c", "100"), hint("c", "200")];
        let planned = vec![hint("c", "100"), hint("c", "150"), hint("c", "400"), hint("c", "120")];
        let changes = hint_changes(installed, &planned);
        assert_eq!(changes.remove, vec![hint("c", "200"), hint("c", "300")]);
        let added: Vec<&str> = changes.add.iter().map(|h| h.exten.as_str()).collect();
        assert_eq!(added, ["400", "150", "120"]);
        assert!(changes.keep.contains(&hint("c", "100")) && changes.keep.len() == 1);
    }

    #[test]
    fn a_changed_hint_is_replaced() {
        let mut changed = hint("c", "100");
        changed.hint = "PJSIP/other".into();
        let changes = hint_changes(vec![hint("c", "100")], std::slice::from_ref(&changed));
        assert_eq!(changes.remove, vec![hint("c", "100")]);
        assert_eq!(changes.add, vec![&changed]);
    }

    #[test]
    fn the_cli_order_is_the_configurations() {
        let planned = vec![hint("c", "300"), hint("c", "100"), hint("c", "200")];
        let in_place: NameSet<Hint> = [hint("c", "100"), hint("c", "300")].into_iter().collect();
        assert_eq!(in_plan_order(planned, &in_place), vec![hint("c", "300"), hint("c", "100")]);
    }

    #[test]
    fn contexts_left_empty_go() {
        let created = vec!["a".to_string(), "b".to_string()];
        let (keep, empty) = empty_contexts(created, &[hint("b", "1")]);
        assert_eq!((keep, empty), (vec!["b".to_string()], vec!["a".to_string()]));
    }
}
