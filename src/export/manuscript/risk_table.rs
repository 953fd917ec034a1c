//! The number-at-risk table as CSV: the rows and columns the figure draws under its x axis
//! (the same times: its ticks, `breaks`), with the same disclosure control ("<k").

use crate::plot::PlotOptions;
use crate::report::Report;

/// The figure's risk table (drawn at the preset's geometry, so the columns are its ticks) as
/// CSV: `group,time,at_risk`, and with `kmunicate` also `censored,events` (cumulative, counted
/// from `counts`, the unprotected report, and written with the figure's disclosure rule).
pub fn csv(report: &Report, counts: &Report, opts: &PlotOptions) -> Result<String, String> {
    if report.km.is_empty() {
        return Err("the risk table needs Kaplan-Meier curves (this report has competing-risks curves only)".to_string());
    }
    let g = super::geometry(report, &PlotOptions { risk_table: true, ..opts.clone() });
    // The figure's layout step alone (nothing is drawn).
    let layout = crate::plot::km::survival_layout(report, &g.opts, counts, g.width_px, g.height_px)?;
    let table = layout.risk_table.ok_or("the figure drew no risk table")?;
    let k = opts.min_cell;
    let cell = |n: f64| crate::plot::suppressed_count(n, k).unwrap_or_else(|| crate::plot::format_num(n));
    let kmunicate = !table.rows.is_empty() && table.rows.iter().all(|r| r.censored.is_some() && r.events.is_some());
    let mut out = String::from(if kmunicate { "group,time,at_risk,censored,events\r\n" } else { "group,time,at_risk\r\n" });
    for row in &table.rows {
        for (i, t) in table.times.iter().enumerate() {
            let mut cells = vec![row.label.clone(), crate::plot::format_num(*t), cell(row.counts[i])];
            if kmunicate {
                cells.push(row.censored.as_ref().map_or(String::new(), |c| c[i].clone()));
                cells.push(row.events.as_ref().map_or(String::new(), |e| e[i].clone()));
            }
            out.push_str(&cells.iter().map(|c| crate::stats::table1::csv_cell(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    Ok(out)
}
