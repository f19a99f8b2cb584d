//! Removes from a reconciliation report whatever would state a norm value.
//!
//! The report's balances (`materials`, `products`) are what the verdict is for: they hold
//! quantities the norms explain (`consumed_by_exports`, `consumed_by_production`), never a norm
//! itself. The findings are written for an officer who holds the norms file, and some quote it:
//! the evidence lines of NRM-CONSUMPTION and NRM-TRACEABILITY show each effective norm, the
//! message of NRM-DRIFT shows the old and new effective norm, and NRM-LOSS-CAP shows the loss
//! rate. Redaction works on the structure first and then checks the text:
//!
//! 1. every `evidence.norms` entry is cut to its reference (`norms.csv line N`);
//! 2. figures named in [`NORM_FIGURES`] are dropped;
//! 3. the messages of the rules in [`NORM_MESSAGE_RULES`] are replaced by a fixed sentence;
//! 4. in the remaining evidence lines (TIM-EXPORT-BEFORE-SUPPLY quotes `150 × effective norm
//!    3.88` per declaration line), the number after [`EFFECTIVE_NORM_PHRASE`] is masked;
//! 5. any remaining message, figure or evidence line that contains one of the set's norm, loss
//!    or effective norm values written with a decimal point, as a whole number token, is masked
//!    (figures are dropped, messages replaced). A value without a decimal point (a norm of
//!    exactly 8) is too common a token to search for safely; steps 1 to 4 protect it.
//!
//! TODO: balances still let a reader divide `consumed_by_exports` by the exported quantity when
//! one product alone uses a material; hiding that needs the balances coarsened or aggregated
//! across products, not redaction of the findings.

use std::collections::HashSet;

use bonded_norms::NormRow;
use bonded_reconcile::bundle::effective_norm;
use bonded_reconcile::report::quantity;
use bonded_reconcile::{Finding, Report, Rule};

/// Figures that are norm values or loss rates themselves.
pub const NORM_FIGURES: [&str; 3] = [
    "previous_effective_norm",
    "new_effective_norm",
    "loss_percent",
];
/// Rules whose message text states norm values.
pub const NORM_MESSAGE_RULES: [Rule; 2] = [Rule::NormDrift, Rule::NormLossCap];

/// The phrase the engine writes before an effective norm in evidence lines.
pub const EFFECTIVE_NORM_PHRASE: &str = "effective norm ";

const MASK: &str = "[withheld]";
const WITHHELD: &str = "withheld by the enclave: it states a norm value";

/// How much was removed, for the log (counts only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Redactions {
    pub evidence_lines: usize,
    pub figures: usize,
    pub messages: usize,
}

/// Redacts `report` in place, given the rows of the norm set it was computed with.
pub fn redact(report: &mut Report, rows: &[NormRow]) -> Redactions {
    let tokens = secret_tokens(rows);
    let secrets: Secrets<'_> = tokens.iter().map(String::as_str).collect();
    let mut redactions = Redactions::default();
    for finding in &mut report.findings {
        redact_finding(finding, &secrets, &mut redactions);
    }
    redactions
}

/// The secret tokens, looked up by the numbers a text holds.
type Secrets<'s> = HashSet<&'s str>;

fn redact_finding(finding: &mut Finding, secrets: &Secrets<'_>, redactions: &mut Redactions) {
    for line in &mut finding.evidence.norms {
        if let Some((reference, _)) = line.split_once(':') {
            *line = reference.to_string();
            redactions.evidence_lines += 1;
        }
    }

    let evidence = &mut finding.evidence;
    for line in evidence
        .declaration_lines
        .iter_mut()
        .chain(&mut evidence.records)
    {
        let masked = mask_tokens(&mask_after_phrase(line), secrets);
        if masked != *line {
            *line = masked;
            redactions.evidence_lines += 1;
        }
    }

    let before = finding.evidence.figures.len();
    finding.evidence.figures.retain(|figure| {
        !NORM_FIGURES.contains(&figure.name) && !holds_any(&figure.value, secrets)
    });
    redactions.figures += before - finding.evidence.figures.len();

    if NORM_MESSAGE_RULES.contains(&finding.rule) || holds_any(&finding.message, secrets) {
        finding.message = format!("{}: {WITHHELD}.", finding.rule.id());
        redactions.messages += 1;
    }
}

/// The values of the set that are searched for as text: each norm, loss rate and effective
/// norm that has a fractional part, as the report writes it.
pub fn secret_tokens(rows: &[NormRow]) -> Vec<String> {
    let mut tokens: Vec<String> = rows
        .iter()
        .flat_map(|row| {
            let effective = effective_norm(row.norm, row.loss_percent, row.loss_convention);
            [row.norm, row.loss_percent, effective]
        })
        .map(quantity)
        .filter(|token| token.contains('.'))
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

/// Whether `text` holds one of `tokens` as a whole number, not as part of a longer one.
pub fn holds_any(text: &str, tokens: &HashSet<&str>) -> bool {
    numbers(text).any(|(start, end)| tokens.contains(&text[start..end]))
}

/// `text` with every whole number that is one of `tokens` replaced by the mask.
fn mask_tokens(text: &str, tokens: &HashSet<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in numbers(text) {
        if tokens.contains(&text[start..end]) {
            out.push_str(&text[copied..start]);
            out.push_str(MASK);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `text` with the number after each [`EFFECTIVE_NORM_PHRASE`] replaced by the mask.
fn mask_after_phrase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(EFFECTIVE_NORM_PHRASE) {
        let (head, tail) = rest.split_at(at + EFFECTIVE_NORM_PHRASE.len());
        out.push_str(head);
        let number_len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        out.push_str(MASK);
        rest = &tail[number_len..];
    }
    out.push_str(rest);
    out
}

/// The whole numbers of `text` as byte ranges: maximal runs of digits and points, less any
/// trailing points (a full stop that ends a sentence does not extend the number). One pass over
/// the text, whatever the number of tokens looked up.
fn numbers(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let numeric = |byte: u8| byte.is_ascii_digit() || byte == b'.';
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && !numeric(bytes[at]) {
            at += 1;
        }
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        while at < bytes.len() && numeric(bytes[at]) {
            at += 1;
        }
        let mut end = at;
        while end > start && bytes[end - 1] == b'.' {
            end -= 1;
        }
        Some((start, end))
    })
    .filter(|(start, end)| start < end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_whole_numbers_only() {
        let tokens: HashSet<&str> = ["1.234567"].into_iter().collect();
        assert!(holds_any("norm 1.234567 per piece", &tokens));
        assert!(holds_any("the norm is 1.234567.", &tokens));
        assert!(!holds_any("11.2345678", &tokens));
        assert!(!holds_any("21.234567", &tokens));
        assert!(!holds_any("1.234567.8", &tokens));
        assert!(holds_any("(1.234567)", &tokens));
    }

    #[test]
    fn effective_norms_in_evidence_lines_are_masked() {
        let line = "declaration 3 line 1: 150 × effective norm 8 (norms.csv line 3)";
        assert_eq!(
            mask_after_phrase(line),
            "declaration 3 line 1: 150 × effective norm [withheld] (norms.csv line 3)"
        );
        let tokens: HashSet<&str> = ["1.5"].into_iter().collect();
        assert_eq!(mask_tokens("a 1.5 b 11.5", &tokens), "a [withheld] b 11.5");
        assert_eq!(
            mask_tokens("1.5. Then 1.5", &tokens),
            "[withheld]. Then [withheld]"
        );
    }
}
