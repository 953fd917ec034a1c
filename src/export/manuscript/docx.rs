//! The Word document (feature `manuscript`): the methods-and-results paragraph, Table 1, the
//! survival summary, the Cox model and the figure (PNG at 300 dpi, the preset's width), all from
//! the protected report, in one `.docx` whose tables are real Word tables (`w:tbl`) a co-author
//! can edit. Made by docx-rs; no clock or random id enters the file, so the page's module and the
//! CLI write the same bytes.

use docx_rs::{Docx, Paragraph, Pic, Run, Table, TableCell, TableRow};

use crate::disclosure::Protected;
use crate::export::ExportInput;
use crate::plot::format_p;

fn text(t: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(t).size(20))
}

fn heading(t: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(t).bold().size(24))
}

fn cell(t: &str, bold: bool) -> TableCell {
    let run = Run::new().add_text(t).size(18);
    TableCell::new().add_paragraph(Paragraph::new().add_run(if bold { run.bold() } else { run }))
}

/// A Word table: the first row is the header (bold).
fn table(rows: &[Vec<String>]) -> Table {
    Table::new(
        rows.iter()
            .enumerate()
            .map(|(i, r)| TableRow::new(r.iter().map(|c| cell(c, i == 0)).collect()))
            .collect(),
    )
}

/// Table 1's cells as the CSV export writes them (masked), without its formula guard.
fn table1_rows(p: &Protected) -> Option<Vec<Vec<String>>> {
    let rows = p.report.table1.as_ref()?;
    let csv = crate::stats::table1::to_csv_masked(rows, Some(&p.table1));
    let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
    let unguard = |c: &str| match c.strip_prefix('\'') {
        Some(rest) if rest.trim_start().starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => c.to_string(),
    };
    Some(rd.records().filter_map(Result::ok).map(|r| r.iter().map(unguard).collect()).collect())
}

/// A hazard ratio or limit as journals print it: two decimals.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "NA".to_string()
    }
}

/// The document's bytes.
pub fn document(input: &ExportInput, p: &Protected) -> Result<Vec<u8>, String> {
    let w = &p.withheld;
    let k = w.k;
    let r = &p.report;
    let mut doc = Docx::new().add_paragraph(heading("Results"));
    let methods = crate::export::methods_protected(p);
    if !methods.is_empty() {
        doc = doc.add_paragraph(heading("Methods and results"));
        for para in methods.split('\n').filter(|l| !l.trim().is_empty()) {
            doc = doc.add_paragraph(text(para));
        }
    }
    if let Some(rows) = table1_rows(p) {
        // The CSV's one-cell lines after the table are its notes: paragraphs under it.
        let width = rows.first().map_or(0, Vec::len);
        let (cells, notes): (Vec<Vec<String>>, Vec<Vec<String>>) = rows.into_iter().partition(|r| r.len() == width || r.iter().filter(|c| !c.is_empty()).count() > 1);
        doc = doc.add_paragraph(heading("Table 1. Characteristics of the patients")).add_table(table(&cells));
        for n in notes {
            doc = doc.add_paragraph(text(&n.join(" ")));
        }
    }
    if !r.km.is_empty() {
        let mut rows = vec![["Group", "Patients", "Events", "Median (95% CI)"].map(String::from).to_vec()];
        for c in &r.km {
            let n = if w.small(c.group.as_deref()) { format!("<{k}") } else { c.n.to_string() };
            let e = if w.few(c.group.as_deref()) || w.small(c.group.as_deref()) { format!("<{k}") } else { c.events.to_string() };
            let md = c.median.filter(|m| m.is_finite()).map_or("not reached".to_string(), |m| crate::plot::format_median_ci(m, c.median_lower, c.median_upper));
            rows.push(vec![c.group.clone().unwrap_or_else(|| "All".into()), n, e, md]);
        }
        doc = doc.add_paragraph(heading("Survival")).add_table(table(&rows));
        if let Some(t) = r.logrank.as_ref().filter(|_| r.km.len() > 1) {
            doc = doc.add_paragraph(text(&format!("Log-rank test: {}.", format_p(t.p))));
        }
    }
    if let Some(cox) = &r.cox {
        let mut rows = vec![["Term", "Hazard ratio (95% CI)", "p"].map(String::from).to_vec()];
        for t in &cox.terms {
            if w.terms.contains(&t.name) {
                rows.push(vec![t.name.clone(), format!("suppressed (fewer than {k} patients or events)"), String::new()]);
            } else {
                let p = format_p(t.p);
                let p = p.strip_prefix("p = ").unwrap_or(p.strip_prefix("p ").unwrap_or(&p)).to_string();
                rows.push(vec![t.name.clone(), format!("{} ({}–{})", num(t.hr), num(t.lower), num(t.upper)), p]);
            }
        }
        doc = doc.add_paragraph(heading("Cox proportional hazards model")).add_table(table(&rows));
    }
    if !r.km.is_empty() || !r.cuminc.is_empty() {
        let (svg, g) = super::figure_svg(p, input, k)?;
        let png = super::figure::png(&svg, &g, 300)?;
        let (wpx, hpx) = super::figure::raster_size(&g, 300);
        // EMU: 36,000 per millimetre.
        let pic = Pic::new_with_dimensions(png, wpx, hpx).id("rIdFigure1").size((g.width_mm * 36000.0).round() as u32, (g.height_mm * 36000.0).round() as u32);
        doc = doc.add_paragraph(heading("Figure 1")).add_paragraph(Paragraph::new().add_run(Run::new().add_image(pic)));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| format!("Word document: {e}"))?;
    Ok(out.into_inner())
}
