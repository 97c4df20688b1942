//! The page's only style sheet, inline. Colours are variables so the dark scheme and print are
//! one block each; SVG parts (waterfall, time line, SPF tree) take the same variables.

pub(super) const CSS: &str = r#"
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#5b636d;--line:#d0d7de;--card:#f6f8fa;
--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da;--ok-bg:#dafbe1;--warn-bg:#fff8c5;--fail-bg:#ffebe9;--info-bg:#ddf4ff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;
--ok:#3fb950;--warn:#d29922;--fail:#f85149;--info:#58a6ff;--ok-bg:#12261e;--warn-bg:#272115;--fail-bg:#2d1416;--info-bg:#121d2f}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:.1em 0;overflow-wrap:anywhere}
h2{font-size:1.25em;margin:1.4em 0 .5em;padding-bottom:.2em;border-bottom:1px solid var(--line)}
h3{font-size:1.05em;margin:1.1em 0 .4em}
h4{font-size:1em;margin:0 0 .3em}
h5{font-size:.8em;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:.8em 0 .2em}
p{margin:.3em 0}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;overflow-wrap:anywhere;word-break:break-word}
header .tool,.meta,.muted,.note,.subject,.refs{color:var(--muted)}
.verdict{margin:12px 0;padding:14px 16px;border-radius:8px;border:1px solid var(--line);border-left-width:6px}
.verdict h2{border:0;margin:0;font-size:1.35em}
.v-error{background:var(--fail-bg);border-left-color:var(--fail)}.v-warning{background:var(--warn-bg);border-left-color:var(--warn)}
.v-ok{background:var(--ok-bg);border-left-color:var(--ok)}
.finding{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--info);border-radius:6px;padding:10px 14px;margin:10px 0}
.sev-error{border-left-color:var(--fail)}.sev-warning{border-left-color:var(--warn)}
.badge,.pill{display:inline-block;font-size:.75em;font-weight:600;text-transform:uppercase;padding:1px 7px;border-radius:10px;background:var(--info-bg);color:var(--info)}
.sev-error .badge,.pill.fail{background:var(--fail-bg);color:var(--fail)}.sev-warning .badge,.pill.warn{background:var(--warn-bg);color:var(--warn)}
.pill.ok{background:var(--ok-bg);color:var(--ok)}.pill.muted{background:var(--card);color:var(--muted)}
.ignored{font-size:.8em;color:var(--muted)}
.summary{font-weight:600}
.fix{background:var(--ok-bg);border-radius:4px;padding:6px 10px}
ul.evidence,ul.path{margin:.2em 0;padding-left:1.2em}
ul.evidence code{white-space:pre-wrap}
.use{background:var(--ok-bg);border:1px solid var(--ok);border-radius:8px;padding:4px 16px 12px;margin:12px 0}
.use h2{border:0}.none-working{background:var(--warn-bg);border-color:var(--warn)}
dl.settings,dl.said{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:.5em 0}
dl.settings dt{font-weight:600}dl.said dt{color:var(--muted)}dd{margin:0;min-width:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
th{font-weight:600}
.record{white-space:pre-wrap}
.transcript pre{font:12px/1.4 ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--card);padding:8px;border-radius:4px}
.transcript summary{cursor:pointer;color:var(--muted)}
.spf-records td:first-child{width:38%;overflow-wrap:anywhere}.addresses td:first-child code{overflow-wrap:normal;word-break:normal}
.port,.chain{border-top:1px dashed var(--line);margin-top:12px}
.state{font-weight:400;color:var(--muted);font-size:.9em}
svg{display:block;width:100%;height:auto;margin:6px 0}
svg.waterfall,svg.timeline{max-width:560px}svg.spf{max-width:680px}
svg.gauge{display:inline-block;width:160px;vertical-align:middle;margin:0 6px 0 0}
svg text{fill:var(--fg);font:12px system-ui,sans-serif}
svg text.tick{fill:var(--muted);font-size:10px}svg text.end{text-anchor:end}svg text.mid{text-anchor:middle}
svg .axis,svg .edge{stroke:var(--muted);fill:none;stroke-width:1}
svg .limit{stroke:var(--fg);stroke-width:2}
svg .now{stroke:var(--info);stroke-width:2;stroke-dasharray:3 2}
svg rect.bar.ok{fill:var(--ok)}svg rect.bar.warn{fill:var(--warn)}svg rect.bar.fail{fill:var(--fail)}
svg rect.track{fill:var(--card);stroke:var(--line)}
svg text.ok{fill:var(--ok)}svg text.warn{fill:var(--warn)}svg text.fail{fill:var(--fail)}
svg rect.box{fill:var(--card);stroke:var(--ok);stroke-width:1.5}svg rect.box.warn{stroke:var(--warn)}svg rect.box.fail{stroke:var(--fail)}
.ok{color:var(--ok)}.warn{color:var(--warn)}.fail{color:var(--fail)}
footer{margin-top:2em;padding-top:.6em;border-top:1px solid var(--line);color:var(--muted);font-size:.85em}
@media (max-width:600px){body{font-size:14px}main{padding:10px}th,td{padding:3px 5px}code{font-size:12px}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--card:#fff;--ok-bg:#fff;--warn-bg:#fff;--fail-bg:#fff;--info-bg:#fff}
body{font-size:11pt}main{max-width:none;padding:0}.finding,.port,.chain,.use,.verdict,svg{break-inside:avoid}
.scroll{overflow:visible}h2{break-after:avoid}}
"#;
