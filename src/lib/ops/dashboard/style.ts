/**
 * The dashboard's style: readable from a wide screen down to 800 px (tables wrap their text, the
 * pictures scale with their viewBox), and in print (no buttons, no script output, colours kept).
 */
export const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#1d2733;background:#f6f8fa}
h1{font-size:1.4rem;margin-bottom:.3rem}h2{font-size:1.1rem;margin-top:1.6rem}
header p{margin:.2rem 0}
table{border-collapse:collapse;background:#fff;width:100%;font-size:.88rem;table-layout:auto}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef1f4}.ok{color:#1a7f37}.ko{color:#cf222e}.empty{color:#57606a}
.job{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.25rem 0}.job .what{flex:1 1 16rem;min-width:12rem}
.job code{color:#57606a;font-size:.85em}
button{padding:.25rem .7rem;cursor:pointer}button.dry{background:#fff}button:disabled{cursor:progress;opacity:.55}
.progress{font-size:.85rem;color:#0a3069;min-width:9rem}
.banner{background:#ffebe9;border:1px solid #cf222e;padding:.2rem .8rem;margin:.6rem 0}.banner ul{margin:.4rem 0;padding-left:1rem}
.since{color:#57606a;font-size:.85rem}#agent{font-weight:600}
#result{white-space:pre-wrap;background:#fff;border:1px solid #d0d7de;padding:.6rem;min-height:2rem}
.pending{display:flex;flex-wrap:wrap;gap:.5rem 2rem}
.st{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-weight:600;font-size:.85rem;white-space:nowrap}
.st-succeeded{background:#dafbe1;color:#116329}.st-partial{background:#fff8c5;color:#7d4e00}
.st-failed,.st-interrupted{background:#ffebe9;color:#a40e26}.st-running,.st-queued{background:#ddf4ff;color:#0a3069}
.st-skipped{background:#eaeef2;color:#424a53}
.detail{color:#57606a;font-size:.85rem}
nav.companies{margin:.4rem 0;display:flex;gap:.5rem;align-items:center}
.pictures{display:grid;grid-template-columns:1fr;gap:1rem}
figure.picture{margin:0;background:#fff;border:1px solid #d0d7de;padding:.6rem}
figure.picture figcaption{font-weight:600;margin-bottom:.3rem}
svg.chart{width:100%;height:auto;max-width:760px;display:block}
svg.chart .grid{stroke:#d0d7de;stroke-width:1}svg.chart .axis{stroke:#57606a;stroke-width:1}
svg.chart .tick{font-size:12px;fill:#424a53}svg.chart .caption{font-size:12px;font-weight:600;fill:#1d2733}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;font-size:.85rem}
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;vertical-align:-.1rem;border:1px solid #57606a;print-color-adjust:exact;-webkit-print-color-adjust:exact}
table.figures{font-size:.8rem;margin-top:.3rem}table.figures tr.total td{font-weight:600}
.error{background:#ffebe9;border:1px solid #cf222e;padding:.6rem;color:#a40e26}
@media (min-width:1100px){.pictures{grid-template-columns:1fr 1fr}}
@media print{
  body{background:#fff;margin:0;max-width:none}
  button,#jobs,#result-section,nav.companies,#audit .job{display:none !important}
  figure.picture,table{break-inside:avoid}
  svg.chart rect{print-color-adjust:exact;-webkit-print-color-adjust:exact}
  a{color:inherit}
}
`;
