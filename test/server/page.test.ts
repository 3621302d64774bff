import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {expect} from 'chai'

import {createLocalBackend} from '../../src/backends/local/index.js'
import type {Backend} from '../../src/backends/types.js'
import type {TestWorkspace} from '../support/cli.js'
import {CONVERTED_EXPORTS, convertedWorkspace} from '../support/converted-workspace.js'
import {keyWith, type RunningServer, startServer} from './support.js'

/** Debian's chromium (installed by .ci/run), or the one CHROMIUM_PATH names. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string =>
  Boolean(p && existsSync(p)),
)
const SCREENSHOTS = path.resolve('reports', 'browser')

/** The cookies of a Set-Cookie list, name -> value and attributes. */
function cookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((c) => [c.split('=')[0], c]))
}

/*
 * The search page over a real local workspace: HTTP checks of its security (session cookie,
 * CSRF, CSP), then a real headless Chromium that searches, refines, pages, downloads and moves
 * with the keyboard.
 */
describe('labmesh serve: the search page', function () {
  this.timeout(180_000)
  let ws: TestWorkspace
  let backend: Backend
  let server: RunningServer
  let key: string

  before(async () => {
    ;({ws} = await convertedWorkspace())
    backend = createLocalBackend({home: ws.home})
    key = await keyWith(backend, ['search', 'files:read'])
    server = await startServer(backend, {pageSize: 3})
  })
  after(async () => {
    await server?.close()
    await backend?.close()
    ws?.remove()
  })

  it('signs in with a key into an HttpOnly SameSite cookie, only with the CSRF token, under a strict CSP', async () => {
    const first = await fetch(`${server.url}/`)
    expect(first.status).to.equal(200)
    const csp = first.headers.get('content-security-policy')!
    expect(csp).to.include("default-src 'none'").and.include("script-src 'self'").and.include("frame-ancestors 'none'")
    const html = await first.text()
    expect(html).to.include('<label for="key">')
    const csrfCookie = cookies(first).get('labmesh_csrf')!
    expect(csrfCookie).to.include('HttpOnly').and.include('SameSite=Strict')
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]
    const cookieHeader = `labmesh_csrf=${csrf}`

    const form = (fields: Record<string, string>, cookie = cookieHeader): Promise<Response> =>
      fetch(`${server.url}/session`, {
        method: 'POST',
        redirect: 'manual',
        headers: {'content-type': 'application/x-www-form-urlencoded', cookie},
        body: new URLSearchParams(fields),
      })
    expect((await form({key, csrf: 'wrong'.padEnd(32, 'x')})).status).to.equal(403)
    expect((await form({key, csrf}, '')).status).to.equal(403)
    const wrongKey = await form({key: key.slice(0, -2) + 'ff', csrf})
    expect(wrongKey.status).to.equal(401)
    expect(cookies(wrongKey).has('labmesh_session')).to.equal(false)

    const signedIn = await form({key, csrf})
    expect(signedIn.status).to.equal(303)
    const session = cookies(signedIn).get('labmesh_session')!
    expect(session).to.include('HttpOnly').and.include('SameSite=Strict').and.include('Path=/')
    const cookie = `${cookieHeader}; labmesh_session=${key}`
    const page = await fetch(`${server.url}/?q=${encodeURIComponent('<script>alert(1)</script>')}`, {headers: {cookie}})
    const body = await page.text()
    expect(body).to.not.include('<script>alert(1)</script>')
    expect(body).to.include('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(server.log()).to.not.include(key.split('_')[2])

    const signOut = await fetch(`${server.url}/session/end`, {
      method: 'POST',
      redirect: 'manual',
      headers: {'content-type': 'application/x-www-form-urlencoded', cookie},
      body: new URLSearchParams({csrf}),
    })
    expect(signOut.status).to.equal(303)
    expect(cookies(signOut).get('labmesh_session')).to.match(/Expires=Thu, 01 Jan 1970/)
  })

  it('keeps plain cookies over loopback HTTP, and Secure __Host- ones when a TLS proxy in front says the browser uses HTTPS', async () => {
    const plain = cookies(await fetch(`${server.url}/`))
    expect(plain.get('labmesh_csrf')).to.not.match(/;\s*Secure/i)
    const viaProxy = {'x-forwarded-proto': 'https'}
    const first = await fetch(`${server.url}/`, {headers: viaProxy})
    const csrfCookie = cookies(first).get('__Host-labmesh_csrf')!
    expect(csrfCookie)
      .to.match(/;\s*Secure/)
      .and.include('HttpOnly')
      .and.include('SameSite=Strict')
      .and.include('Path=/')
    expect(csrfCookie).to.not.match(/Domain=/i)
    const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())![1]
    const signedIn = await fetch(`${server.url}/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: {...viaProxy, 'content-type': 'application/x-www-form-urlencoded', cookie: `__Host-labmesh_csrf=${csrf}`},
      body: new URLSearchParams({key, csrf}),
    })
    expect(signedIn.status).to.equal(303)
    expect(cookies(signedIn).get('__Host-labmesh_session'))
      .to.match(/;\s*Secure/)
      .and.include('HttpOnly')
      .and.include('SameSite=Strict')
    const cookie = `__Host-labmesh_csrf=${csrf}; __Host-labmesh_session=${key}`
    expect(await (await fetch(`${server.url}/`, {headers: {...viaProxy, cookie}})).text()).to.include('Sign out')
    // The plain names are not read where the prefixed ones are expected (and the other way round).
    expect(await (await fetch(`${server.url}/`, {headers: {cookie}})).text()).to.include('<label for="key">')
  })

  it('a key without files:read may search but not download', async () => {
    const searchOnly = await keyWith(backend, ['search'])
    const cookie = `labmesh_session=${searchOnly}`
    expect((await fetch(`${server.url}/`, {headers: {cookie}})).status).to.equal(200)
    const files = await backend.metadata.listFiles({limit: 1})
    expect((await fetch(`${server.url}/files/${files[0].fileId}/download`, {headers: {cookie}})).status).to.equal(403)
  })

  describe('in headless Chromium', function () {
    before(function () {
      if (!CHROMIUM) {
        console.log("    SKIPPED: no Chromium found (install Debian's chromium, as .ci/run does, or set CHROMIUM_PATH)")
        this.skip()
      }
    })

    it('searches, refines by a facet, pages, opens a file, downloads it, all from the keyboard', async () => {
      const {chromium} = await import('playwright-core')
      const browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox']})
      try {
        const context = await browser.newContext({acceptDownloads: true})
        const page = await context.newPage()
        const problems: string[] = []
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text())
        })
        await page.goto(`${server.url}/`)
        await page.getByLabel('API key').fill(key)
        await page.keyboard.press('Enter')
        await page.waitForURL(`${server.url}/`)
        expect((await page.locator('.total').textContent())?.trim()).to.equal(`${CONVERTED_EXPORTS.length * 2} files`)

        // "/" focuses the query box; Enter searches.
        await page.keyboard.press('/')
        await page.keyboard.type('label.site:boston category:RAW')
        await page.keyboard.press('Enter')
        await page.waitForURL(/q=label/)
        expect((await page.locator('.total').textContent())?.trim()).to.equal(`${CONVERTED_EXPORTS.length} files`)
        expect(await page.locator('.hit').count()).to.equal(3)

        // Paging: the next page holds the rest, none twice.
        const firstPage = await page.locator('.hit a.name').allTextContents()
        await page.getByRole('link', {name: 'Next page'}).click()
        const secondPage = await page.locator('.hit a.name').allTextContents()
        expect(firstPage.length + secondPage.length).to.equal(CONVERTED_EXPORTS.length)
        expect(firstPage.filter((name) => secondPage.includes(name))).to.deep.equal([])

        // A facet refines the query.
        await page.goto(`${server.url}/?q=${encodeURIComponent('label.site:boston')}`)
        const facet = page.locator('.facets a').first()
        const facetText = (await facet.textContent())!
        await facet.click()
        await page.waitForURL(/%22/)
        expect(await page.locator('#q').inputValue()).to.include(`"${facetText}"`)
        expect(await page.locator('.hit').count()).to.be.greaterThan(0)
        mkdirSync(SCREENSHOTS, {recursive: true})
        await page.screenshot({path: path.join(SCREENSHOTS, 'search-page.png'), fullPage: true})

        // j moves to the first result and focuses it; Enter opens its detail with lineage.
        await page.goto(`${server.url}/?q=nanodrop`)
        await page.keyboard.press('j')
        expect(await page.evaluate('document.activeElement.className')).to.equal('name')
        await page.keyboard.press('Enter')
        await page.waitForURL(/\/files\//)
        expect(await page.getByRole('heading', {name: 'Lineage'}).count()).to.equal(1)
        await page.screenshot({path: path.join(SCREENSHOTS, 'file-detail.png'), fullPage: true})

        const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.download').first().click()])
        const saved = await download.path()
        // The bytes are the file's: their sha256 is the one its record shows.
        const shown = await page.locator('tr', {hasText: 'sha256'}).locator('td').textContent()
        expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).to.equal(shown)
        expect(problems, problems.join('\n')).to.deep.equal([])
      } finally {
        await browser.close()
      }
    })
  })
})
