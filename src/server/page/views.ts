import type {ApiKey, FacetCount, FileRecord} from '../../backends/types.js'
import type {FileItem} from '../files-page.js'
import type {FileDetail} from '../routes/files.js'
import {type Html, html, snippetHtml} from './html.js'

/** What every page needs: who is signed in, and the token its forms carry (CSRF). */
export interface PageContext {
  key?: ApiKey
  csrf: string
}

export function layout(context: PageContext, title: string, body: Html): string {
  const account = context.key
    ? html`<form class="account" method="post" action="/session/end">
        <span>Signed in with key <code>${context.key.keyId}</code> (${context.key.name})</span>
        <input type="hidden" name="csrf" value="${context.csrf}" />
        <button type="submit">Sign out</button>
      </form>`
    : ''
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · labmesh</title>
        <link rel="stylesheet" href="/assets/page.css" />
        <script src="/assets/page.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to results</a>
        <header><a class="brand" href="/">labmesh</a>${account}</header>
        <main id="main">${body}</main>
      </body>
    </html>`.text
  }`
}

export function signInPage(context: PageContext, problem?: string): string {
  return layout(
    context,
    'Sign in',
    html`<h1>Sign in</h1>
      <p>Paste an API key (from <code>labmesh keys create --scope search --scope files:read</code>).</p>
      ${problem ? html`<p class="problem" role="alert">${problem}</p>` : ''}
      <form method="post" action="/session">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required spellcheck="false" />
        <input type="hidden" name="csrf" value="${context.csrf}" />
        <button type="submit">Sign in</button>
      </form>`,
  )
}

export interface SearchView {
  q: string
  files: FileItem[]
  total: number | null
  nextCursor: string | null
  facets: Record<string, FacetCount[]>
  problem?: string
}

/** A query with `field:"value"` added, for a facet's link. */
const refine = (q: string, field: string, value: string): string => `${q.trim()} ${field}:"${value.replaceAll('"', '')}"`.trim()

export function searchPage(context: PageContext, view: SearchView): string {
  const facets = Object.entries(view.facets).filter(([, counts]) => counts.length > 0)
  return layout(
    context,
    view.q ? `Search: ${view.q}` : 'Search',
    html`<h1>Search the lake</h1>
      <form class="search" method="get" action="/" role="search">
        <label for="q">Query</label>
        <input id="q" name="q" type="search" value="${view.q}" placeholder='glucose instrument:"NanoDrop Eight" size<1MB' />
        <button type="submit">Search</button>
        <p class="hint">Press <kbd>/</kbd> to search, <kbd>j</kbd>/<kbd>k</kbd> to move through the results.</p>
      </form>
      ${view.problem ? html`<p class="problem" role="alert">${view.problem}</p>` : ''}
      <div class="results-layout">
        ${
          facets.length > 0
            ? html`<nav class="facets" aria-label="Refine">
                ${facets.map(
                  ([field, counts]) =>
                    html`<section>
                      <h2>${field}</h2>
                      <ul>
                        ${counts.map(
                          (c) =>
                            html`<li>
                              <a href="/?q=${encodeURIComponent(refine(view.q, field, c.value))}">${c.value}</a>
                              <span class="count">${c.count}</span>
                            </li>`,
                        )}
                      </ul>
                    </section>`,
                )}
              </nav>`
            : ''
        }
        <section class="results" aria-live="polite">
          <p class="total">
            ${view.total === null ? `${view.files.length} files` : `${view.total} ${view.total === 1 ? 'file' : 'files'}`}
          </p>
          <ol class="hits">
            ${view.files.map(
              (file) =>
                html`<li class="hit">
                  <a class="name" href="/files/${file.fileId}">${file.sourcePath}</a>
                  <span class="meta"
                    >${file.category} · v${file.version} · ${file.size} bytes · ${file.ingestedAt.slice(0, 10)} · ${file.status}</span
                  >
                  ${metadataLine(file)} ${file.snippet ? html`<p class="snippet">${snippetHtml(file.snippet)}</p>` : ''}
                  <a class="download" href="/files/${file.fileId}/download" download>Download</a>
                </li>`,
            )}
          </ol>
          ${view.nextCursor ? html`<a class="next" rel="next" href="/?q=${encodeURIComponent(view.q)}&amp;cursor=${encodeURIComponent(view.nextCursor)}">Next page</a>` : ''}
        </section>
      </div>`,
  )
}

function metadataLine(file: FileRecord): Html | string {
  const pairs = [...Object.entries(file.metadata).map(([k, v]) => `${k}=${v}`), ...file.labels.map((l) => `#${l.name}=${l.value}`)]
  return pairs.length > 0 ? html`<p class="kv">${pairs.join(' · ')}</p>` : ''
}

export function detailPage(context: PageContext, detail: FileDetail): string {
  const {file} = detail
  const row = (label: string, value: unknown): Html =>
    html`<tr>
      <th scope="row">${label}</th>
      <td>${value}</td>
    </tr>`
  const list = (files: FileRecord[]): Html =>
    html`<ul>
      ${files.map((f) => html`<li><a href="/files/${f.fileId}">${f.category} v${f.version}</a> ${f.sourcePath} · ${f.ingestedAt.slice(0, 19).replace('T', ' ')} ${f.fileId === file.fileId ? '(this file)' : ''}</li>`)}
    </ul>`
  return layout(
    context,
    file.sourcePath,
    html`<p><a href="/">← Search</a></p>
      <h1>${file.sourcePath}</h1>
      <p><a class="button download" href="/files/${file.fileId}/download" download>Download (${file.size} bytes)</a></p>
      <table class="detail">
        <caption>
          File record
        </caption>
        ${row('id', file.fileId)} ${row('category', file.category)} ${row('version', `${file.version}${file.latest ? ' (latest)' : ''}`)}
        ${row('status', file.status)} ${row('sha256', file.sha256)} ${row('source', `${file.sourceHost}:${file.sourcePath}`)}
        ${row('ingested', file.ingestedAt)} ${row('modified', file.modifiedAt)} ${Object.entries(file.metadata).map(([k, v]) => row(k, v))}
        ${file.labels.map((l) => row(`label ${l.name}`, l.value))}
        ${file.error ? row('error', `${file.error.code}: ${file.error.message}`) : ''}
      </table>
      <h2>Lineage</h2>
      <h3>Versions</h3>
      ${list(detail.versions)}
      <h3>Made from this file</h3>
      ${detail.derived.length > 0 ? list(detail.derived) : html`<p>Nothing yet.</p>`}`,
  )
}
