//! The SPF tree as a diagram: a box per record (the root, each `include:` and `redirect=`) joined
//! to the record that names it, with the record's own DNS lookups; the totals against RFC 7208's
//! limits as meters; then every record's full text, which the boxes cannot hold.

use super::{clip, escape};
use crate::diagnose::domain::spf::{self, MAX_LOOKUPS, MAX_VOIDS};
use crate::evidence::domain::SpfNode;
use std::fmt::Write;

const WIDTH: usize = 440;
const ROW: usize = 30;
const INDENT: usize = 18;
const BOX: usize = 270;

struct Row<'a> {
    node: &'a SpfNode,
    depth: usize,
    parent: Option<usize>,
}

fn flatten<'a>(n: &'a SpfNode, depth: usize, parent: Option<usize>, out: &mut Vec<Row<'a>>) {
    let me = out.len();
    out.push(Row {
        node: n,
        depth,
        parent,
    });
    for c in &n.children {
        flatten(c, depth + 1, Some(me), out);
    }
}

fn label(n: &SpfNode, root: bool) -> String {
    if root {
        n.domain.clone()
    } else {
        format!("{}:{}", n.via, n.domain)
    }
}

/// (CSS class, words) for a record's own lookups, or why it has none.
fn state(n: &SpfNode) -> (&'static str, String) {
    if let Some(w) = &n.stopped {
        return ("warn", format!("not followed: {w}"));
    }
    match n.records.len() {
        0 => (
            "fail",
            format!(
                "no record ({})",
                crate::diagnose::status_words(n.lookup.status)
            ),
        ),
        1 => match spf::own_lookups(n) {
            Some(l) => ("ok", format!("{l} lookup{}", if l == 1 { "" } else { "s" })),
            None => ("fail", "does not parse".to_string()),
        },
        k => ("fail", format!("{k} SPF records")),
    }
}

/// `totals`: (lookups, void lookups) as diagnosis counted them.
pub(super) fn tree(s: &mut String, root: &SpfNode, totals: (usize, usize)) {
    let mut rows = Vec::new();
    flatten(root, 0, None, &mut rows);
    let height = ROW * rows.len() + 4;
    let _ = writeln!(
        s,
        "<svg class=\"spf\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"SPF include tree of {}\" data-nodes=\"{}\">",
        escape(&root.domain),
        rows.len()
    );
    for (i, r) in rows.iter().enumerate() {
        let x = r.depth * INDENT + 2;
        let y = i * ROW + 2;
        if let Some(p) = r.parent {
            // An elbow from the parent's box down to this one.
            let px = rows.get(p).map_or(0, |parent| parent.depth) * INDENT + 12;
            let py = p * ROW + 2 + ROW - 6;
            let my = y + (ROW - 6) / 2;
            let _ = write!(s, "<path class=\"edge\" d=\"M{px} {py} V{my} H{x}\"/>");
        }
        let (class, words) = state(r.node);
        let name = label(r.node, i == 0);
        let record = r.node.records.join(" | ");
        let w = BOX.saturating_sub(r.depth * INDENT).max(120);
        let _ = writeln!(
            s,
            "<g class=\"spf-node {class}\" data-domain=\"{}\"><title>{}</title>\
             <rect class=\"box {class}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\" rx=\"4\"/>\
             <text class=\"label\" x=\"{}\" y=\"{}\">{}</text>\
             <text class=\"count {class}\" x=\"{}\" y=\"{}\">{}</text></g>",
            escape(&r.node.domain),
            escape(&format!("{name}: {record}")),
            ROW - 6,
            x + 6,
            y + 16,
            escape(&clip(&name, (w / 7).saturating_sub(1))),
            x + w + 8,
            y + 16,
            escape(&clip(&words, 26)),
        );
    }
    s.push_str("</svg>\n");
    meter(s, "DNS lookups", totals.0, MAX_LOOKUPS);
    meter(s, "void lookups", totals.1, MAX_VOIDS);
    s.push_str("<div class=\"scroll\"><table class=\"spf-records\"><thead><tr><th>Record at</th><th>Text</th></tr></thead><tbody>\n");
    for (i, r) in rows.iter().enumerate() {
        let text = if r.node.records.is_empty() {
            "—".to_string()
        } else {
            escape(&r.node.records.join(" | "))
        };
        let _ = writeln!(
            s,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td><code class=\"record\">{text}</code></td></tr>",
            escape(&label(r.node, i == 0)),
            escape(&state(r.node).1)
        );
    }
    s.push_str("</tbody></table></div>\n");
}

fn meter(s: &mut String, what: &str, n: usize, max: usize) {
    let class = if n > max { "fail" } else { "ok" };
    let full = 300usize;
    let w = (n.min(max * 2) * full / (max * 2)).max(1);
    let limit = full / 2;
    let _ = writeln!(
        s,
        "<p class=\"meter\"><svg class=\"gauge\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {full} 12\" role=\"img\" aria-label=\"{what}\">\
         <rect class=\"track\" x=\"0\" y=\"2\" width=\"{full}\" height=\"8\"/>\
         <rect class=\"bar {class}\" x=\"0\" y=\"2\" width=\"{w}\" height=\"8\"/>\
         <line class=\"limit\" x1=\"{limit}\" y1=\"0\" x2=\"{limit}\" y2=\"12\"/></svg> \
         <span class=\"{class}\">{n} / {max} {what}</span></p>"
    );
}

/// The totals of a tree that advice does not summarise (a check's From domain).
pub(super) fn counted(root: &SpfNode) -> (usize, usize) {
    let c = spf::count(root);
    (c.lookups, c.voids.len())
}
