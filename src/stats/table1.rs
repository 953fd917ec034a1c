//! "Table 1": baseline characteristics by group, with the tests clinical tables use.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LevelCount {
    pub level: String,
    pub count: usize,
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Table1Group {
    pub group: Option<String>,
    pub n: usize,
    pub missing: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q1: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q3: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<LevelCount>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Table1Row {
    pub variable: String,
    /// `numeric` or `categorical`.
    pub r#type: &'static str,
    pub groups: Vec<Table1Group>,
    /// `chisq`, `fisher`, `wilcoxon`, `kruskal`, or null when no test applies.
    pub test: Option<&'static str>,
    pub p: Option<f64>,
}

/// A variable's values among the analysed rows: numbers (NaN = missing) or level texts.
pub enum Variable<'a> {
    Numeric(&'a [f64]),
    /// Level codes (`u32::MAX` = missing) and the level names in level order.
    Categorical(&'a [u32], &'a [String]),
}

/// Describe one variable by group. `group` codes index `group_levels` (empty = overall).
pub fn describe(name: &str, var: Variable, group: &[u32], group_levels: &[String]) -> Table1Row {
    let _ = (name, var, group, group_levels);
    todo!()
}
