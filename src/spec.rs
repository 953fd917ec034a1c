//! `AnalysisSpec`: the one object that is the page's state, the share-link fragment and the
//! CLI's `--spec`. Its keys are the contract in `tests/reference/README.md`.
//!
//! Unknown keys are refused (a typo such as `"covariate"` must not silently do nothing).

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// The analysis a user asked for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Follow-up time: a numeric column, or a start date and end date(s).
    pub time: TimeSpec,
    /// The outcome column and which of its values mean what.
    pub event: EventSpec,
    /// Column (or two crossed columns) to stratify curves and tests by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupSpec>,
    /// Stratification column for log-rank and Cox (`strata()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strata: Option<String>,
    /// G-rho weight of the log-rank family (0 = log-rank, 1 = Peto-Peto).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rho: f64,
    /// Log-rank test for every pair of groups, Holm-adjusted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pairwise: bool,
    /// Terms of the Cox (or Fine-Gray) model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// Columns treated as categorical even when numeric.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorical: Vec<String>,
    /// Columns Table 1 describes as numbers (mean, median) although they hold a few integer codes,
    /// which it otherwise shows as categories (see `stats::table1::is_code_column`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numeric: Vec<String>,
    /// Table 1 shows a numeric column of at most 5 whole-number codes (sex 1/2, ECOG 0–4), or site
    /// numbers by name, as categories, with a note (the page's default for a new file). Off by
    /// default: the contract describes every numeric column not in `categorical` as numeric.
    #[serde(default, skip_serializing_if = "is_false")]
    pub table1_codes: bool,
    /// Reference level per categorical covariate (default: the first level).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reference: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Ties::is_default")]
    pub ties: Ties,
    /// Patient identifier when rows are lesions/sites: robust (sandwich) variance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "ConfType::is_default")]
    pub conf_type: ConfType,
    /// Landmark times for S(t) or cumulative incidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<f64>,
    /// Columns described by group ("Table 1").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table1: Option<Vec<String>>,
    /// Accelerated-failure-time models to fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parametric: Vec<Dist>,
    /// Kernel-smoothed hazard rate per group (and the hazard ratio of two groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hazard: Option<HazardSpec>,
    /// Horizon for the restricted mean survival time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmst_tau: Option<f64>,
    /// Worksheet of a workbook (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Cell values read as missing (default: blank, NA, N/A, ., NULL, -, #N/A, NaN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// How to read ambiguous dates such as 03/04/2020: `dmy` or `mdy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Keep only rows matching every filter (subgroup analysis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    /// Univariable screen: one model per candidate covariate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub univariable: Vec<String>,
    /// The Cox model's scaled Schoenfeld residuals (for the PH residual plots) even above
    /// `stats::cox::RESIDUALS_UNASKED_MAX_EVENTS` events, where they are left out unless asked.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ph_residuals: bool,
    /// Interaction terms `x:y` of the Cox model (both sides are also main effects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interactions: Vec<[String; 2]>,
    /// Covariates entering the Cox model as natural cubic splines (`ns(C, df)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub splines: Vec<SplineSpec>,
    /// Columns whose levels each get the hazard ratio of the (two-level) group: the forest plot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subgroups: Vec<String>,
    /// Adjusted survival curves per group from the Cox model of group + covariates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<Adjustment>,
    /// Propensity-score weighting of a two-level treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propensity: Option<PropensitySpec>,
    /// Column of each row's entry time (delayed entry / left truncation, or the start of an
    /// interval of start–stop data), in the unit of `time`: a row is at risk on (entry, time].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Column identifying the patient when a patient has several rows (start–stop intervals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// 0/1 covariates that switch on at the time in a column (each row is split there, as
    /// `tmerge(..., tdc(at))`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_varying: Vec<TimeVarying>,
    /// Landmark analysis: only rows at risk at the landmark time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark: Option<Landmark>,
    /// Row weights: frequency (each row counts as w rows) or sampling (e.g. inverse-probability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Weights>,
    /// Conditional survival table: given survival to each time in `given`, the chance of
    /// surviving each time in `more` beyond it ([`Conditional`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional: Option<Conditional>,
    /// Names a paper needs instead of the file's codes: `{"levels": {"sex": {"1": "Male", "2":
    /// "Female"}}, "variables": {"ph.ecog": "ECOG performance status"}}`. Level labels rename the
    /// groups (figure, tables, tests) and Table 1's categories; variable labels name Table 1's rows.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Presentation state of the page (axis range, display, hidden groups...). Not used by the
    /// statistics; carried so that a share link reproduces the view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<serde_json::Value>,
}

/// Display names of variables and of their levels (the spec's `labels`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Column name → the name shown.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub variables: std::collections::BTreeMap<String, String>,
    /// Column name → (value in the file → the label shown).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub levels: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

impl Labels {
    pub fn is_empty(&self) -> bool {
        self.variables.is_empty() && self.levels.is_empty()
    }

    /// The label of `level` of `column` (the level itself when it has none).
    pub fn level<'a>(&'a self, column: &str, level: &'a str) -> &'a str {
        self.levels.get(column).and_then(|m| m.get(level)).map(String::as_str).filter(|l| !l.trim().is_empty()).unwrap_or(level)
    }

    /// The label of a column (its name when it has none).
    pub fn variable<'a>(&'a self, column: &'a str) -> &'a str {
        self.variables.get(column).map(String::as_str).filter(|l| !l.trim().is_empty()).unwrap_or(column)
    }

    /// Rename `levels` of `column`; two levels may not get one label (that would merge groups).
    pub fn relabel(&self, column: &str, levels: &mut [String]) -> Result<()> {
        let Some(map) = self.levels.get(column) else { return Ok(()) };
        let new: Vec<String> = levels.iter().map(|l| self.level(column, l).to_string()).collect();
        for (i, a) in new.iter().enumerate() {
            if let Some(j) = new[..i].iter().position(|b| b == a) {
                return Err(Error::spec(format!(
                    "labels.levels.{column}: '{}' and '{}' would both be shown as '{a}': give each level its own label",
                    levels[j], levels[i]
                )));
            }
        }
        let _ = map;
        levels.clone_from_slice(&new);
        Ok(())
    }
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}
fn is_false(b: &bool) -> bool {
    !*b
}

/// The grouping of curves and tests: one column (`"sex"`), or two crossed columns
/// (`["sex", "ph.ecog"]`), whose levels are the combinations present in the data, labelled as
/// R's `survfit(Surv(t, s) ~ sex + ph.ecog)` strata (`sex=1, ph.ecog=0`; first column slowest).
/// One column serialises as a plain string, so specs and share links written before crossed
/// groups existed are unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSpec(Vec<String>);

impl GroupSpec {
    /// Most columns that can be crossed.
    pub const MAX: usize = 2;

    /// A grouping by 1–2 distinct columns.
    pub fn new(columns: Vec<String>) -> std::result::Result<Self, String> {
        match columns.len() {
            0 => return Err("group is an empty list: give one column name, or two to cross".into()),
            n if n > Self::MAX => {
                return Err(format!(
                    "group lists {n} columns ({}): at most {} can be crossed",
                    columns.join(", "),
                    Self::MAX
                ))
            }
            _ => {}
        }
        if columns.len() == 2 && columns[0] == columns[1] {
            return Err(format!("group lists column '{}' twice: cross two different columns", columns[0]));
        }
        Ok(GroupSpec(columns))
    }
    /// A grouping by one column.
    pub fn one(column: impl Into<String>) -> Self {
        GroupSpec(vec![column.into()])
    }
    /// The grouping columns, first (slowest-varying) first.
    pub fn columns(&self) -> &[String] {
        &self.0
    }
    /// The single grouping column, or `None` when columns are crossed.
    pub fn single(&self) -> Option<&str> {
        match self.0.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }
    /// Human-readable name: `sex` or `sex × ph.ecog`.
    pub fn label(&self) -> String {
        self.0.join(" × ")
    }
}

impl std::fmt::Display for GroupSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for GroupSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.single() {
            Some(one) => s.serialize_str(one),
            None => self.0.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for GroupSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("group must be a column name or a list of up to two column names")
        })? {
            Raw::One(c) => Ok(GroupSpec::one(c)),
            Raw::Many(v) => GroupSpec::new(v).map_err(serde::de::Error::custom),
        }
    }
}

/// Follow-up time: a column of durations (optionally with its unit), or a pair of dates.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum TimeSpec {
    Column(String),
    /// `{"column": "futime", "unit": "days", "display": "months"}`.
    Numeric(NumericTime),
    Dates(DateSpan),
}

impl TimeSpec {
    /// The duration column, when time is not computed from dates.
    pub fn column(&self) -> Option<&str> {
        match self {
            TimeSpec::Column(c) | TimeSpec::Numeric(NumericTime { column: c, .. }) => Some(c),
            TimeSpec::Dates(_) => None,
        }
    }
}

/// A numeric duration column recorded in `unit`, reported in `display` (default: `unit`).
/// Times are converted with the factors of [`TimeUnit::days`], as for date spans; `times`,
/// `rmst_tau` and the hazard bandwidth of the spec are in the display unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NumericTime {
    pub column: String,
    pub unit: TimeUnit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<TimeUnit>,
}

impl NumericTime {
    /// The unit of the report's times.
    pub fn display(&self) -> TimeUnit {
        self.display.unwrap_or(self.unit)
    }
    /// Multiply recorded durations by this to get display units (e.g. days → months: 1 / 30.4375).
    pub fn factor(&self) -> f64 {
        self.unit.days() / self.display().days()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DateSpan {
    pub start: String,
    /// One end column, or several: the first non-blank one is used.
    #[serde(deserialize_with = "one_or_many")]
    pub end: Vec<String>,
    #[serde(default)]
    pub unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    #[default]
    Days,
    Weeks,
    Months,
    Years,
}

impl TimeUnit {
    /// Days in one unit (a month is 365.25/12 days, a year 365.25).
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 365.25 / 12.0,
            TimeUnit::Years => 365.25,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
            TimeUnit::Years => "years",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub column: String,
    /// Values (as text) that mean the event of interest.
    #[serde(deserialize_with = "texts")]
    pub event: Vec<String>,
    /// Values that mean a competing event; present → competing-risks analysis.
    #[serde(default, deserialize_with = "texts", skip_serializing_if = "Vec::is_empty")]
    pub competing: Vec<String>,
    /// Values that mean censored; with it, any other value is excluded with a warning.
    #[serde(default, deserialize_with = "opt_texts", skip_serializing_if = "Option::is_none")]
    pub censored: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    #[default]
    Efron,
    Breslow,
}
impl Ties {
    fn is_default(&self) -> bool {
        *self == Ties::Efron
    }
    pub fn name(self) -> &'static str {
        match self {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
        }
    }
}

/// Confidence-interval transform for S(t), as `survfit(conf.type=)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub enum ConfType {
    #[default]
    #[serde(rename = "log")]
    Log,
    #[serde(rename = "log-log")]
    LogLog,
    #[serde(rename = "plain")]
    Plain,
}
impl ConfType {
    fn is_default(&self) -> bool {
        *self == ConfType::Log
    }
}

/// Options of the smoothed hazard: `{}` chooses the bandwidth by cross-validation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct HazardSpec {
    /// Kernel half-width in time units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<f64>,
}

/// A time-varying exposure: `name` is 0 until the time in column `at` (blank: never), 1 from
/// then on; `at` is in the unit of `time` (or a date column when `time` comes from dates).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimeVarying {
    pub name: String,
    pub at: String,
}

/// `{"time": L, "reset": true|false}`: rows at risk at L; `reset` measures time from L,
/// otherwise the clock is kept (conditional survival given alive at L).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Landmark {
    pub time: f64,
    #[serde(default)]
    pub reset: bool,
}

/// `{"column": COL, "kind": "frequency" | "sampling"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub column: String,
    pub kind: WeightKind,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WeightKind {
    /// Each row counts as w rows (w a whole number ≥ 0).
    Frequency,
    /// Survey or inverse-probability weights: robust variances, no log-rank test.
    Sampling,
}

/// The spec's `conditional`: `{"given": [s, ...], "more": [t, ...]}` — given survival to s, the
/// chance of surviving t more, S(s + t) / S(s), for each pair and group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Conditional {
    pub given: Vec<f64>,
    pub more: Vec<f64>,
}

/// Most times `conditional.given` and `conditional.more` may each list.
pub const MAX_CONDITIONAL_TIMES: usize = 20;

impl Conditional {
    /// Both lists non-empty, of finite numbers: `given` ≥ 0, `more` > 0.
    pub fn validate(&self) -> Result<()> {
        for (key, v, min_ok) in [("given", &self.given, 0.0), ("more", &self.more, f64::MIN_POSITIVE)] {
            if v.is_empty() {
                return Err(Error::spec(format!("conditional.{key} is empty: list at least one time (e.g. \"{key}\": [12, 24])")));
            }
            if v.len() > MAX_CONDITIONAL_TIMES {
                return Err(Error::spec(format!("conditional.{key} lists {} times; at most {MAX_CONDITIONAL_TIMES}", v.len())));
            }
            if let Some(x) = v.iter().find(|x| !x.is_finite() || **x < min_ok) {
                return Err(Error::spec(format!(
                    "conditional.{key} must hold numbers {} in the unit of follow-up, got {x}",
                    if key == "given" { "≥ 0" } else { "> 0" }
                )));
            }
        }
        Ok(())
    }
}

/// Distributions of `survreg`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dist {
    Exponential,
    Weibull,
    Lognormal,
    Loglogistic,
}
impl Dist {
    pub fn name(self) -> &'static str {
        match self {
            Dist::Exponential => "exponential",
            Dist::Weibull => "weibull",
            Dist::Lognormal => "lognormal",
            Dist::Loglogistic => "loglogistic",
        }
    }
}

/// A covariate entered as a natural cubic spline with `df` degrees of freedom (R's
/// `splines::ns(column, df = df)`, default knots).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SplineSpec {
    pub column: String,
    pub df: usize,
}

impl SplineSpec {
    /// Largest `df` accepted.
    pub const MAX_DF: usize = 10;
}

/// How adjusted survival curves are made.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Adjustment {
    /// Direct standardisation: the mean over every analysed row of its predicted survival with
    /// the group set to each level in turn.
    Direct,
}

/// Propensity-score weighting: a logistic model of `treatment` (two levels, the second is
/// "treated") on `covariates`, and its inverse-probability weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PropensitySpec {
    pub treatment: String,
    pub covariates: Vec<String>,
    #[serde(default)]
    pub estimand: Estimand,
    /// Multiply ATE weights by the marginal probability of the row's arm (default true; not
    /// used by ATT).
    #[serde(default = "yes")]
    pub stabilize: bool,
}

fn yes() -> bool {
    true
}

/// The population a weighted comparison speaks about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub enum Estimand {
    /// Average treatment effect: the whole cohort, had everyone been treated vs untreated.
    #[default]
    #[serde(rename = "ATE")]
    Ate,
    /// Average treatment effect in the treated.
    #[serde(rename = "ATT")]
    Att,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    Dmy,
    Mdy,
}

/// A subgroup filter: `{"column": "age", "op": ">=", "value": 65}` or
/// `{"column": "disease", "op": "in", "values": ["metastatic"]}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub column: String,
    pub op: FilterOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, deserialize_with = "texts", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum FilterOp {
    #[serde(rename = "in")]
    In,
    #[serde(rename = "not_in")]
    NotIn,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
}

impl AnalysisSpec {
    /// Parse a spec from JSON text, with a message that says what is wrong and where.
    pub fn from_json(text: &str) -> Result<Self> {
        let spec: AnalysisSpec = serde_json::from_str(text).map_err(|e| Error::spec(spec_error(text, &e)))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks that do not need the data.
    pub fn validate(&self) -> Result<()> {
        if self.event.event.is_empty() {
            return Err(Error::spec(format!(
                "event.event is empty: list the value(s) of '{}' that mean the event happened",
                self.event.column
            )));
        }
        if !self.rho.is_finite() || self.rho < 0.0 {
            return Err(Error::spec(format!("rho must be a number ≥ 0, got {}", self.rho)));
        }
        for t in &self.times {
            if !t.is_finite() || *t < 0.0 {
                return Err(Error::spec(format!("times must be numbers ≥ 0, got {t}")));
            }
        }
        if let Some(tau) = self.rmst_tau {
            if !tau.is_finite() || tau <= 0.0 {
                return Err(Error::spec(format!("rmst_tau must be a positive number, got {tau}")));
            }
        }
        if let Some(b) = self.hazard.as_ref().and_then(|h| h.bandwidth) {
            if !b.is_finite() || b <= 0.0 {
                return Err(Error::spec(format!("hazard.bandwidth must be a positive number, got {b}")));
            }
        }
        for s in &self.splines {
            if s.df == 0 || s.df > SplineSpec::MAX_DF {
                return Err(Error::spec(format!(
                    "splines: df of '{}' must be a whole number from 1 to {}, got {}",
                    s.column,
                    SplineSpec::MAX_DF,
                    s.df
                )));
            }
            if self.splines.iter().filter(|t| t.column == s.column).count() > 1 {
                return Err(Error::spec(format!("splines: '{}' is listed twice; give it one df", s.column)));
            }
        }
        for [a, b] in &self.interactions {
            if a == b {
                return Err(Error::spec(format!("interactions: ['{a}', '{b}'] pairs a column with itself; name two different columns")));
            }
        }
        if let Some(p) = &self.propensity {
            if p.covariates.is_empty() {
                return Err(Error::spec(format!(
                    "propensity: list the confounders of '{}' in propensity.covariates",
                    p.treatment
                )));
            }
            if p.covariates.contains(&p.treatment) {
                return Err(Error::spec(format!(
                    "propensity: the treatment '{}' is also listed among its covariates; remove it there",
                    p.treatment
                )));
            }
            let other = [(self.weights.is_some(), "weights"), (self.id.is_some(), "id"), (!self.time_varying.is_empty(), "time_varying")];
            if let Some((_, key)) = other.iter().find(|o| o.0) {
                return Err(Error::spec(format!(
                    "propensity cannot be combined with {key}: its weights are one per patient and replace any other weights. Remove {key} or propensity"
                )));
            }
            if !self.event.competing.is_empty() {
                return Err(Error::spec("propensity is not available with competing events (event.competing): remove one or the other".to_string()));
            }
        }
        self.validate_design()?;
        for v in &self.event.event {
            if self.event.competing.contains(v) {
                return Err(Error::spec(format!(
                    "value '{v}' is listed both as the event and as a competing event"
                )));
            }
        }
        Ok(())
    }

    /// Checks of the study-design keys (`entry`, `id`, `time_varying`, `landmark`, `weights`).
    fn validate_design(&self) -> Result<()> {
        if let Some(c) = &self.conditional {
            c.validate()?;
        }
        if let Some(l) = &self.landmark {
            if !l.time.is_finite() || l.time < 0.0 {
                return Err(Error::spec(format!("landmark.time must be a number ≥ 0, got {}", l.time)));
            }
        }
        for (i, tv) in self.time_varying.iter().enumerate() {
            if tv.name.trim().is_empty() {
                return Err(Error::spec("time_varying: every entry needs a \"name\" for the 0/1 covariate".to_string()));
            }
            if self.time_varying[..i].iter().any(|o| o.name == tv.name) {
                return Err(Error::spec(format!("time_varying lists the name '{}' twice: give each exposure its own name", tv.name)));
            }
        }
        // Frequency weights repeat rows (crate::study), so competing risks take them like any
        // analysis; the other design keys need estimators cmprsk does not have.
        let sampling = self.weights.as_ref().is_some_and(|w| w.kind == WeightKind::Sampling);
        let delayed = self.entry.is_some() || self.id.is_some() || !self.time_varying.is_empty() || sampling;
        if delayed && !self.event.competing.is_empty() {
            return Err(Error::spec(
                "entry, id, time_varying and sampling weights are not available with competing events (event.competing): remove one or the other".to_string(),
            ));
        }
        let tv_group = self.time_varying_group().is_some();
        if (self.entry.is_some() || tv_group) && self.rho != 0.0 {
            return Err(Error::spec(format!(
                "rho = {} is not available with {}: the test is then the Cox score test (log-rank, rho = 0)",
                self.rho,
                if self.entry.is_some() { "entry (delayed entry)" } else { "a time-varying group" }
            )));
        }
        if let Some(g) = &self.group {
            if g.columns().len() > 1 && g.columns().iter().any(|c| self.time_varying.iter().any(|t| &t.name == c)) {
                return Err(Error::spec("a time_varying covariate cannot be crossed with another group column".to_string()));
            }
        }
        Ok(())
    }

    /// The `time_varying` covariate used as `group` (Simon–Makuch curves), if any.
    pub fn time_varying_group(&self) -> Option<&TimeVarying> {
        let g = self.group.as_ref()?.single()?;
        self.time_varying.iter().find(|t| t.name == g)
    }

    /// Weights of kind `sampling`, if any.
    pub fn sampling_weights(&self) -> Option<&str> {
        self.weights.as_ref().filter(|w| w.kind == WeightKind::Sampling).map(|w| w.column.as_str())
    }

    /// The spec as compact JSON (for share links and the CLI).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Accept `"2"`, `2`, `true`, or an array of those, as a list of texts.
fn texts<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    value_texts(v).map_err(serde::de::Error::custom)
}

fn opt_texts<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Vec<String>>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    value_texts(v).map(Some).map_err(serde::de::Error::custom)
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    texts(d)
}

fn value_texts(v: serde_json::Value) -> std::result::Result<Vec<String>, String> {
    use serde_json::Value;
    fn one(v: Value) -> std::result::Result<String, String> {
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(format!("expected a text or number, got {other}")),
        }
    }
    match v {
        Value::Array(items) => items.into_iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// A spec's parse error in words, led by the key path it concerns: `ties: unknown value
/// 'exactish', expected efron or breslow (line 1, column 20 of the spec)`.
fn spec_error(text: &str, e: &serde_json::Error) -> String {
    let raw = e.to_string();
    // serde_json appends " at line L column C": the position is given once, at the end.
    let msg = match raw.rfind(" at line ") {
        Some(i) if e.line() > 0 => &raw[..i],
        _ => raw.as_str(),
    };
    let msg = plain_serde_message(msg);
    if e.is_syntax() || e.is_eof() {
        return format!(
            "the analysis spec is not valid JSON: {msg} (line {}, column {}). Check the brackets, quotes and commas there.",
            e.line(),
            e.column()
        );
    }
    let path = key_path_at(text, e.line(), e.column());
    let lead = if path.is_empty() { String::from("the analysis spec") } else { path };
    format!("{lead}: {msg} (line {}, column {} of the spec). See the README for the spec's keys.", e.line(), e.column())
}

/// serde's wording for people: "unknown variant `x`, expected `a` or `b`" becomes "unknown value
/// 'x', expected a or b"; "unknown field" likewise names the key in quotes.
fn plain_serde_message(msg: &str) -> String {
    let msg = msg.replace("unknown variant", "unknown value");
    // The first backticked word (the value or key found) in quotes, the expected ones bare.
    let mut out = String::new();
    let mut first = true;
    let mut parts = msg.split('`');
    if let Some(p) = parts.next() {
        out.push_str(p);
    }
    let rest: Vec<&str> = parts.collect();
    for (i, p) in rest.iter().enumerate() {
        if i % 2 == 0 {
            if first {
                out.push('\'');
                out.push_str(p);
                out.push('\'');
                first = false;
            } else {
                out.push_str(p);
            }
        } else {
            out.push_str(p);
        }
    }
    out
}

/// The key path (`event.event[0]`, `ties`) of the value at 1-based `line`/`column` of a JSON
/// text: a small scan that tracks the open objects' current keys and the arrays' indices.
fn key_path_at(text: &str, line: usize, column: usize) -> String {
    enum Open {
        Obj(Option<String>),
        Arr(usize),
    }
    let mut stack: Vec<Open> = Vec::new();
    let (mut l, mut c) = (1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut last_string: Option<String> = None;
    while let Some(ch) = chars.next() {
        if ch == '\n' {
            l += 1;
            c = 0;
        } else {
            c += 1;
        }
        if l > line || (l == line && c >= column) {
            break;
        }
        match ch {
            '"' => {
                let mut s = String::new();
                while let Some(x) = chars.next() {
                    c += 1;
                    match x {
                        '\\' => {
                            if let Some(y) = chars.next() {
                                c += 1;
                                s.push(y);
                            }
                        }
                        '"' => break,
                        '\n' => {
                            l += 1;
                            c = 0;
                        }
                        _ => s.push(x),
                    }
                }
                last_string = Some(s);
            }
            ':' => {
                if let Some(Open::Obj(k)) = stack.last_mut() {
                    *k = last_string.take();
                }
            }
            '{' => stack.push(Open::Obj(None)),
            '[' => stack.push(Open::Arr(0)),
            '}' | ']' => {
                stack.pop();
            }
            ',' => match stack.last_mut() {
                Some(Open::Arr(i)) => *i += 1,
                Some(Open::Obj(k)) => *k = None,
                None => {}
            },
            _ => {}
        }
    }
    let mut path = String::new();
    for o in &stack {
        match o {
            Open::Obj(Some(k)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Open::Obj(None) => {}
            Open::Arr(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_errors_name_their_key_path() {
        let e = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"ties":"exactish"}"#).unwrap_err().to_string();
        assert!(e.contains("ties: unknown value 'exactish', expected efron or breslow"), "{e}");
        let e = AnalysisSpec::from_json("{\"time\":\"time\",\n \"event\":{\"column\":\"status\",\"event\":[\"2\"],\"competeing\":[\"3\"]}}").unwrap_err().to_string();
        assert!(e.contains("event: unknown field 'competeing', expected one of"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","event":["2"]},"times":[6,"twelve"]}"#).unwrap_err().to_string();
        assert!(e.starts_with("times[1]: "), "{e}");
        let e = AnalysisSpec::from_json(r#"{"time":"time","event":{"column":"status","#).unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        assert_eq!(key_path_at(r#"{"a":{"b":[1,{"c":2}]}}"#, 1, 19), "a.b[1].c");
    }

    #[test]
    fn parses_contract_spec() {
        let s = AnalysisSpec::from_json(
            r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"sex","times":[180,365],"covariates":["age","sex"],"categorical":["sex"],"ties":"breslow","conf_type":"log-log"}"#,
        )
        .unwrap();
        assert_eq!(s.time, TimeSpec::Column("time".into()));
        assert_eq!(s.ties, Ties::Breslow);
        assert_eq!(s.conf_type, ConfType::LogLog);
        // round trip
        let back = AnalysisSpec::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn numbers_as_event_values_and_date_spans() {
        let s = AnalysisSpec::from_json(
            r#"{"time":{"start":"srs_date","end":["fail_date","last_fu"],"unit":"months"},"event":{"column":"status","event":1}}"#,
        )
        .unwrap();
        assert_eq!(s.event.event, vec!["1".to_string()]);
        match s.time {
            TimeSpec::Dates(d) => {
                assert_eq!(d.end.len(), 2);
                assert_eq!(d.unit, TimeUnit::Months)
            }
            _ => panic!("expected dates"),
        }
    }

    /// The study-design keys of the contract (part 2) parse and write back unchanged.
    #[test]
    fn design_keys_round_trip() {
        let s = AnalysisSpec::from_json(
            r#"{"time":"stop","event":{"column":"status","event":["1"]},"entry":"start","id":"id","time_varying":[{"name":"tx_on","at":"tx"}],"group":"tx_on","landmark":{"time":90,"reset":true},"weights":{"column":"w","kind":"sampling"}}"#,
        )
        .unwrap();
        assert_eq!(s.entry.as_deref(), Some("start"));
        assert_eq!(s.time_varying_group().map(|t| t.at.as_str()), Some("tx"));
        assert_eq!(s.landmark, Some(Landmark { time: 90.0, reset: true }));
        assert_eq!(s.sampling_weights(), Some("w"));
        assert_eq!(AnalysisSpec::from_json(&s.to_json()).unwrap(), s);
        let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"]},"time_varying":[{"name":"x","at":"a","when":1}]}"#).unwrap_err();
        assert!(e.message.contains("when"), "{}", e.message);
    }

    #[test]
    fn unknown_keys_are_refused_with_the_key_named() {
        let e = AnalysisSpec::from_json(r#"{"time":"t","event":{"column":"s","event":["1"]},"covariate":["x"]}"#)
            .unwrap_err();
        assert!(e.message.contains("covariate"), "{}", e.message);
    }

    /// `group` is a column name or a list of 1–2 distinct names; one name (either way) writes
    /// back as a plain string, so old share links round-trip unchanged.
    #[test]
    fn group_is_one_or_two_columns() {
        let base = r#"{"time":"time","event":{"column":"status","event":["2"]},"group":"#;
        let one = AnalysisSpec::from_json(&format!(r#"{base}"sex"}}"#)).unwrap();
        assert_eq!(one.group.as_ref().unwrap().columns(), ["sex"]);
        assert!(one.to_json().contains(r#""group":"sex""#), "{}", one.to_json());
        let listed = AnalysisSpec::from_json(&format!(r#"{base}["sex"]}}"#)).unwrap();
        assert_eq!(listed, one);
        let two = AnalysisSpec::from_json(&format!(r#"{base}["sex","ph.ecog"]}}"#)).unwrap();
        let g = two.group.as_ref().unwrap();
        assert_eq!((g.columns().len(), g.single(), g.label().as_str()), (2, None, "sex × ph.ecog"));
        assert!(two.to_json().contains(r#""group":["sex","ph.ecog"]"#), "{}", two.to_json());
        assert_eq!(AnalysisSpec::from_json(&two.to_json()).unwrap(), two);
        for (bad, says) in [
            (r#"["a","b","c"]"#, "at most 2"),
            (r#"["sex","sex"]"#, "'sex' twice"),
            ("[]", "empty"),
            ("3", "column name"),
        ] {
            let e = AnalysisSpec::from_json(&format!("{base}{bad}}}")).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
