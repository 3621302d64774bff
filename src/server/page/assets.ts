/**
 * The page's only style sheet and script, served from the server itself: the Content-Security-
 * Policy allows nothing inline and nothing from elsewhere. The page works without the script;
 * it only adds keyboard moves through the results.
 */

export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #fff; line-height: 1.45; }
body { margin: 0 auto; max-width: 72rem; padding: 0 1rem 3rem; }
header { display: flex; justify-content: space-between; align-items: center; padding: .75rem 0; border-bottom: 1px solid #d0d7de; }
.brand { font-weight: 700; font-size: 1.2rem; color: inherit; text-decoration: none; }
.account { display: flex; gap: .5rem; align-items: center; font-size: .9rem; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem; }
form.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
form.search input { flex: 1 1 30rem; padding: .5rem; font-size: 1rem; }
.hint { flex-basis: 100%; margin: 0; font-size: .85rem; color: #57606a; }
.results-layout { display: flex; gap: 2rem; margin-top: 1rem; }
.facets { flex: 0 0 14rem; font-size: .9rem; } .facets h2 { font-size: 1rem; margin: .5rem 0 .25rem; }
.facets ul { list-style: none; padding: 0; margin: 0; } .count { color: #57606a; }
.results { flex: 1; } .hits { padding-left: 1.5rem; }
.hit { margin-bottom: 1rem; } .hit .name { font-weight: 600; } .hit .meta, .kv { display: block; font-size: .85rem; color: #57606a; margin: .1rem 0; }
.hit[aria-current="true"] { outline: 2px solid #0969da; outline-offset: 4px; }
mark { background: #fff3b0; } .problem { color: #a40e26; font-weight: 600; }
a:focus, button:focus, input:focus { outline: 3px solid #0969da; outline-offset: 2px; }
table.detail { border-collapse: collapse; } table.detail th { text-align: left; padding-right: 1rem; vertical-align: top; }
caption { text-align: left; font-weight: 600; }
`

export const PAGE_JS = `
'use strict';
document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '/') {
    const box = document.getElementById('q');
    if (box) { event.preventDefault(); box.focus(); box.select(); }
    return;
  }
  if (event.key !== 'j' && event.key !== 'k') return;
  const hits = Array.from(document.querySelectorAll('.hit'));
  if (hits.length === 0) return;
  const current = hits.findIndex((hit) => hit.getAttribute('aria-current') === 'true');
  const next = Math.min(hits.length - 1, Math.max(0, current + (event.key === 'j' ? 1 : -1)));
  hits.forEach((hit, i) => hit.setAttribute('aria-current', String(i === next)));
  hits[next].querySelector('a.name').focus();
});
`
