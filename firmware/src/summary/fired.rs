//! What detection said within one window: the rules whose alerts fired, as a small bitset, and
//! the worst severity among them, which is the summary's verdict (red is `suspicious`, amber is
//! `notice`, nothing is `ok`).

use telltale_proto::Verdict;

use crate::detect::thresholds::{Rule, Severity};

/// Every rule, in bit order (bit `i` of a [`Fired`] is `RULES[i]`).
const RULES: [Rule; 8] = [
    Rule::WatchedUpload,
    Rule::AbnormalUpload,
    Rule::LargeUpload,
    Rule::QuietHoursUpload,
    Rule::FirstContact,
    Rule::PeriodicBeacon,
    Rule::DnsBypass,
    Rule::NewDevice,
];

/// The bit of `rule` (the match is exhaustive: a new rule does not compile until it has one).
fn bit_index(rule: Rule) -> u32 {
    match rule {
        Rule::WatchedUpload => 0,
        Rule::AbnormalUpload => 1,
        Rule::LargeUpload => 2,
        Rule::QuietHoursUpload => 3,
        Rule::FirstContact => 4,
        Rule::PeriodicBeacon => 5,
        Rule::DnsBypass => 6,
        Rule::NewDevice => 7,
    }
}

/// The verdict an alert of `severity` gives a summary.
pub fn verdict_of(severity: Severity) -> Verdict {
    match severity {
        Severity::Amber => Verdict::Notice,
        Severity::Red => Verdict::Suspicious,
    }
}

/// The rules that fired and the worst severity among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    rules: u16,
    worst: Option<Severity>,
}

impl Fired {
    /// Notes one alert.
    pub fn note(&mut self, rule: Rule, severity: Severity) {
        self.rules |= 1 << bit_index(rule);
        self.worst = self.worst.max(Some(severity));
    }

    /// Adds what `other` holds.
    pub fn merge(&mut self, other: Fired) {
        self.rules |= other.rules;
        self.worst = self.worst.max(other.worst);
    }

    /// True when nothing fired.
    pub fn is_empty(&self) -> bool {
        self.rules == 0
    }

    /// True when `rule` fired.
    pub fn contains(&self, rule: Rule) -> bool {
        self.rules & (1 << bit_index(rule)) != 0
    }

    /// The rules that fired, in bit order.
    pub fn rules(&self) -> impl Iterator<Item = Rule> {
        let bits = self.rules;
        RULES
            .into_iter()
            .enumerate()
            .filter(move |(i, _)| bits & (1 << i) != 0)
            .map(|(_, r)| r)
    }

    /// The worst verdict: `Ok` when nothing fired.
    pub fn verdict(&self) -> Verdict {
        self.worst.map_or(Verdict::Ok, verdict_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table_and_bits_agree() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(bit_index(*r) as usize, i, "{r:?}");
        }
    }

    #[test]
    fn worst_severity_wins_and_rules_accumulate() {
        let mut f = Fired::default();
        assert!(f.is_empty());
        assert_eq!(f.verdict(), Verdict::Ok);
        f.note(Rule::DnsBypass, Severity::Amber);
        assert_eq!(f.verdict(), Verdict::Notice);
        let mut g = Fired::default();
        g.note(Rule::WatchedUpload, Severity::Red);
        g.note(Rule::AbnormalUpload, Severity::Red);
        f.merge(g);
        // An amber rule after a red one does not lower the verdict.
        f.note(Rule::FirstContact, Severity::Amber);
        assert_eq!(f.verdict(), Verdict::Suspicious);
        let rules: Vec<Rule> = f.rules().collect();
        assert_eq!(
            rules,
            [
                Rule::WatchedUpload,
                Rule::AbnormalUpload,
                Rule::FirstContact,
                Rule::DnsBypass
            ]
        );
        assert!(f.contains(Rule::DnsBypass) && !f.contains(Rule::NewDevice));
    }
}
