//! A small shirt factory bundle that each test changes in one place.

#![allow(dead_code)]

use std::collections::BTreeMap;

use bonded_reconcile::{
    reconcile, BundleError, BundleInput, Finding, NaiveDate, Policy, Report, Rule,
};

pub const ITEMS: &str = "\
code,kind,name,unit,hs_code
NL-COTTON,material,Cotton woven fabric,MTR,52081100
NL-BUTTON,material,Plastic buttons,PCE,96062100
NL-ZIPPER,material,Metal zipper,PCE,96071100
SP-SHIRT,product,Men's cotton shirt,PCE,62052000
SP-JACKET,product,Men's jacket,PCE,62019300
";

/// One shirt takes 1.5 m of cotton (loss included) and 8 buttons.
pub const NORMS: &str = "\
product_code,material_code,norm,loss_percent,loss_convention,valid_from,valid_to
SP-SHIRT,NL-COTTON,1.5,0,included,2025-01-01,
SP-SHIRT,NL-BUTTON,8,0,included,2025-01-01,
";

pub const DECLARATIONS_HEADER: &str =
    "declaration_no,type_code,date,line_no,item_code,quantity,unit,value_vnd\n";

/// The files of a bundle by name, starting from items and norms.
pub struct Files(pub BTreeMap<&'static str, String>);

impl Files {
    pub fn new(declarations: &str) -> Files {
        let mut files = BTreeMap::new();
        files.insert("items.csv", ITEMS.to_string());
        files.insert("norms.csv", NORMS.to_string());
        files.insert(
            "declarations.csv",
            format!("{DECLARATIONS_HEADER}{declarations}"),
        );
        Files(files)
    }

    pub fn with(mut self, name: &'static str, text: &str) -> Files {
        self.0.insert(name, text.to_string());
        self
    }

    pub fn without(mut self, name: &'static str) -> Files {
        self.0.remove(name);
        self
    }

    pub fn parse(&self) -> Result<Report, BundleError> {
        self.parse_between(None, None)
    }

    pub fn parse_between(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Report, BundleError> {
        let mut input = BundleInput::default();
        for (name, text) in &self.0 {
            assert!(input.set(name, text.as_bytes()), "{name} is a bundle file");
        }
        let date = |text: &str| text.parse::<NaiveDate>().expect("test date");
        reconcile(&input, &Policy::default(), from.map(date), to.map(date))
    }

    pub fn run(&self) -> Report {
        self.parse().expect("the test bundle parses")
    }
}

/// The findings of one rule.
pub fn of(report: &Report, rule: Rule) -> Vec<&Finding> {
    report.findings_of(rule).collect()
}

/// The value of a named figure of a finding's evidence.
pub fn figure<'a>(finding: &'a Finding, name: &str) -> &'a str {
    finding
        .evidence
        .figures
        .iter()
        .find(|figure| figure.name == name)
        .map(|figure| figure.value.as_str())
        .unwrap_or_else(|| panic!("finding has no figure {name}: {finding:#?}"))
}
