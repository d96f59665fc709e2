// Real-browser accessibility tests of the portal and the console (product.md C6, WCAG 2.1 AA and
// the MIIT 适老化 reading preferences): axe-core on every page in the default, large-text and
// high-contrast modes (switched by clicking the real buttons, with and without JavaScript),
// keyboard checks (skip link, visible focus, no trap), reflow at 320 CSS px, lang="zh-CN", the
// preference cookie persisting across pages, and keyboard-only journeys (an application and its
// status look-up without JavaScript, a mailbox message with it, a search, and the console's
// submit → 审核 → 保密审查 → 审批 → 发布 of a draft by five demo users) that assert a visible focus
// indicator at every step.
//
// Usage: node tests/browser/a11y.mjs [--screenshot] [--journeys-only]
//   GONGKAI_BIN  the binary to start (default /var/tmp/gongkai-target/debug/gongkai)
//   CHROMIUM     the browser (default /usr/bin/chromium)
// Starts `gongkai serve --demo` on a free port with a fresh data folder, writes JSON results to
// tests/browser/out/, exits 1 on any serious/critical axe violation or failed check. The last line
// printed is always `N passed, M failed`.

import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const OUT = path.join(HERE, 'out');
const BIN = process.env.GONGKAI_BIN || '/var/tmp/gongkai-target/debug/gongkai';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.argv.includes('--screenshot');
// --journeys-only: only the keyboard-only journeys (quick to re-run while fixing one).
const JOURNEYS_ONLY = process.argv.includes('--journeys-only');
// Failed journeys leave a screenshot of where they stopped in tests/browser/out/.
const SCREENSHOT_FAILURES = true;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// Issue #10: zero violations of any impact.
const FAILING_IMPACTS = new Set(['minor', 'moderate', 'serious', 'critical']);
const DEMO_PASSWORD = 'Gongkai-demo-2019';
const MAX_TABS = 150;

const PUBLIC_PAGES = [
  '/',
  '/guide',
  '/rules',
  '/catalog',
  '/reports',
  '/reports/2019',
  '/apply',
  '/apply/status',
  '/mailbox',
  '/mailbox/write',
  '/mailbox/query',
  '/mailbox/qa',
  '/mailbox/qa?topic=certificate',
  '/mailbox/qa/11',
  '/mailbox/stats?year=2019',
  '/search',
  '/search?q=' + encodeURIComponent('残疾人证'),
  '/search?q=' + encodeURIComponent('补贴') + '&sort=date',
  '/search?q=' + encodeURIComponent('补贴 康复') + '&validity=valid&page=2',
  '/search?q=' + encodeURIComponent('龘龘'),
  '/no-such-page',
  // The demo's second site on the platform (issue #14), by its path prefix.
  '/s/gongzhuling/',
  '/s/gongzhuling/guide',
  '/s/gongzhuling/catalog',
  '/s/gongzhuling/mailbox',
];
const CONSOLE_PAGES = [
  '/admin',
  '/admin/password',
  '/admin/orgs',
  '/admin/orgs/new',
  '/admin/users',
  '/admin/users/new',
  '/admin/audit',
  '/admin/tokens',
  '/admin/totp',
  '/admin/calendar',
  '/admin/calendar?start=2019-09-20&days=20',
  '/admin/items/work',
  '/admin/items',
  '/admin/items/new',
  '/admin/items/deadlines',
  '/admin/items/rereview',
  '/admin/items/1',
  '/admin/items/1/amend',
  '/admin/commitments',
  '/admin/guide',
  '/admin/rules',
  '/admin/vocab',
  '/admin/index-templates',
  '/admin/applications',
  '/admin/applications/new',
  '/admin/applications/1',
  '/admin/supervision',
  '/admin/appeals',
  '/admin/mailbox',
  '/admin/mailbox/1',
  // An open, forwarded message of the current days: the conversion and reveal forms.
  '/admin/mailbox/53',
  '/admin/mailbox/dashboard',
  '/admin/mailbox/stats?year=2019',
  '/admin/statistics?year=2019',
  '/admin/reminders',
  '/admin/mailbox/boxes',
  '/admin/mailbox/boxes/new',
  '/admin/search/terms',
  '/admin/grassroots?year=2019',
  '/admin/syndication?year=2019',
  '/admin/channels?year=2019',
  '/admin/channels/new',
  '/admin/channels/1/edit',
  '/admin/syndication/targets',
  '/admin/syndication/targets/new',
  '/admin/syndication/targets/1/edit',
  '/admin/grassroots/units',
  '/admin/reports',
  '/admin/reports/1',
  '/admin/plans',
  '/admin/plans/new',
  '/admin/plans/1',
  '/admin/plans/1/edit',
  '/admin/plans/1/tasks/new',
  '/admin/tasks?year=2019&on=2019-06-30',
  '/admin/tasks/8',
  '/admin/tasks/8/edit',
  '/admin/records/training',
  '/admin/records/training/new',
  '/admin/records/training/1',
  '/admin/records/assessments',
  '/admin/records/proposals',
  '/admin/records/proposals/1',
  '/admin/records/proposals/1/edit',
  '/admin/records/publicity',
  '/admin/sites',
  '/admin/sites/new',
  '/admin/sites/1/edit',
  '/admin/consolidated-report',
];
const CONSOLE_USERS = ['demo-admin', 'demo-security', 'demo-auditor', 'demo-office', 'demo-drafter', 'demo-platform'];
const MODES = [
  { name: 'default', buttons: [], bodyClass: [] },
  { name: 'large-text', buttons: ['大字模式'], bodyClass: ['pref-large'] },
  { name: 'high-contrast', buttons: ['高对比度'], bodyClass: ['pref-contrast'] },
];

// ---------------------------------------------------------------------------------------------
// Results

const checks = [];
const axeRuns = [];
const notices = [];

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail: ok ? '' : String(detail) });
  return Boolean(ok);
}

async function attempt(name, fn) {
  try {
    await fn();
  } catch (e) {
    check(name, false, e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : String(e));
  }
}

// ---------------------------------------------------------------------------------------------
// The server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startServer() {
  if (!fs.existsSync(BIN)) {
    throw new Error(`gongkai binary not found at ${BIN}; build it or set GONGKAI_BIN`);
  }
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-browser-'));
  const proc = spawn(BIN, ['serve', '--demo', '--bind', `127.0.0.1:${port}`, '--data', data], {
    env: { ...process.env, GONGKAI_LOG: process.env.GONGKAI_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  let exited = null;
  proc.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`gongkai serve exited early (${JSON.stringify(exited)}):\n${output}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return { proc, base, data, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGTERM');
  throw new Error(`gongkai serve did not become ready within 60 s:\n${output}`);
}

async function stopServer(server) {
  if (!server) return;
  if (server.proc.exitCode === null) {
    const done = new Promise((r) => server.proc.once('exit', r));
    server.proc.kill('SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
  }
  fs.rmSync(server.data, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Page helpers

async function bodyClasses(page) {
  const cls = (await page.locator('body').getAttribute('class')) || '';
  return cls.split(/\s+/).filter(Boolean);
}

/// Switches a reading preference by clicking the real button in the page header.
async function clickPref(page, label) {
  const button = page.locator('.prefs button', { hasText: label });
  await Promise.all([page.waitForNavigation(), button.click()]);
}

async function runAxe(page, label) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const violations = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
  }));
  axeRuns.push({ label, url: page.url(), violations, incomplete: results.incomplete.length });
  const bad = violations.filter((v) => FAILING_IMPACTS.has(v.impact));
  check(
    `axe ${label}`,
    bad.length === 0,
    bad
      .map((v) => `${v.impact} ${v.id}: ${v.help} @ ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
      .join('; '),
  );
  for (const v of violations.filter((v) => !FAILING_IMPACTS.has(v.impact))) {
    notices.push(`axe ${label}: ${v.impact} ${v.id} (${v.help})`);
  }
}

async function checkPageBasics(page, label, mode) {
  const lang = await page.locator('html').getAttribute('lang');
  check(`lang=zh-CN ${label}`, lang === 'zh-CN', `lang=${lang}`);
  const cls = await bodyClasses(page);
  const want = mode.bodyClass;
  const ok = want.every((c) => cls.includes(c)) && cls.filter((c) => c.startsWith('pref-')).length === want.length;
  check(`preference persists ${label}`, ok, `body class "${cls.join(' ')}", expected "${want.join(' ')}"`);
}

/// A new context in `mode`, switched by clicking the header buttons on the home page.
async function contextInMode(browser, base, mode, options = {}) {
  const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', ...options });
  const page = await context.newPage();
  await page.goto('/');
  for (const label of mode.buttons) {
    await clickPref(page, label);
  }
  const cls = await bodyClasses(page);
  check(
    `switch to ${mode.name}${options.javaScriptEnabled === false ? ' (no JS)' : ''}`,
    mode.bodyClass.every((c) => cls.includes(c)) && new URL(page.url()).pathname === '/',
    `after clicking ${mode.buttons.join(', ')}: body class "${cls.join(' ')}", url ${page.url()}`,
  );
  return { context, page };
}

// ---------------------------------------------------------------------------------------------
// Keyboard

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/// Tabs through the page from the top. Returns the visited elements (in order) with their focused
/// style, stopping when focus comes back to the first element.
async function tabCycle(page) {
  // A fresh load puts the sequential focus navigation starting point at the top of the document.
  await page.reload();
  const seen = [];
  let wrapped = false;
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate((index) => {
      const el = document.activeElement;
      if (!el || el === document.body || el === document.documentElement) return null;
      const first = el.getAttribute('data-gk-tab');
      if (first === null) el.setAttribute('data-gk-tab', String(index));
      const cs = getComputedStyle(el);
      return {
        first: first === null ? null : Number(first),
        tag: el.tagName.toLowerCase(),
        text: (el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 40),
        cls: el.className || '',
        id: el.id || '',
        outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
        shadow: cs.boxShadow,
        visible: el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0,
      };
    }, seen.length);
    if (info === null) continue; // focus left the document (browser UI); the next Tab re-enters
    if (info.first !== null) {
      wrapped = info.first === 0;
      break;
    }
    seen.push(info);
  }
  return { seen, wrapped };
}

async function keyboardChecks(page, label) {
  // Skip link: first Tab after loading, then activation moves focus to <main>.
  await page.reload();
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({
    cls: document.activeElement && document.activeElement.className,
    href: document.activeElement && document.activeElement.getAttribute('href'),
    visible: (() => {
      const r = document.activeElement.getBoundingClientRect();
      return r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
    })(),
  }));
  check(`first Tab focuses the skip link ${label}`, first.cls === 'skip-link' && first.href === '#main', JSON.stringify(first));
  check(`skip link is visible when focused ${label}`, first.visible, JSON.stringify(first));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.hash === '#main', null, { timeout: 3000 }).catch(() => {});
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.tagName.toLowerCase());
  check(`skip link moves focus to <main> ${label}`, focused === 'main', `focus on <${focused}>`);

  // Every element reached by Tab shows a focus indicator; Tab cycles through all focusables.
  const { seen, wrapped } = await tabCycle(page);
  const expected = await page.evaluate((sel) => {
    // A radio group is one Tab stop (arrow keys move within it), so it counts once.
    const groups = new Set();
    return [...document.querySelectorAll(sel)].filter((el) => {
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || cs.display === 'none' || el.getClientRects().length === 0) return false;
      if (el.type === 'radio' && el.name) {
        const key = (el.form ? 'f' : '') + el.name;
        if (groups.has(key)) return false;
        groups.add(key);
      }
      return true;
    }).length;
  }, FOCUSABLE);
  check(
    `no keyboard trap ${label}`,
    wrapped && seen.length >= expected,
    `wrapped=${wrapped}, reached ${seen.length} of ${expected} focusable elements within ${MAX_TABS} Tabs`,
  );
  const unfocused = await page.evaluate(() => {
    if (document.activeElement) document.activeElement.blur();
    return [...document.querySelectorAll('[data-gk-tab]')].map((el) => {
      const cs = getComputedStyle(el);
      return { i: Number(el.getAttribute('data-gk-tab')), outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, shadow: cs.boxShadow };
    });
  });
  const byIndex = new Map(unfocused.map((u) => [u.i, u]));
  const invisible = seen.filter((s, i) => {
    const u = byIndex.get(i);
    const outlineShown = !s.outline.startsWith('none') && !s.outline.includes(' 0px ');
    return !u || !(outlineShown || s.shadow !== 'none') || (s.outline === u.outline && s.shadow === u.shadow);
  });
  check(
    `visible focus indicator on every focusable ${label}`,
    seen.length > 0 && invisible.length === 0,
    invisible.map((s) => `<${s.tag} class="${s.cls}" id="${s.id}">${s.text}`).join(', '),
  );
  await page.evaluate(() => document.querySelectorAll('[data-gk-tab]').forEach((el) => el.removeAttribute('data-gk-tab')));
}

// ---------------------------------------------------------------------------------------------
// Console

async function login(page, username, password) {
  await page.goto('/admin/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.locator('main form button[type="submit"]').click()]);
}

// ---------------------------------------------------------------------------------------------
// Keyboard-only journeys (issue #10): each uses only Tab, Shift+Tab, Enter and Space, typing text
// into the focused field, and — to choose in a native drop-down list, which is how a keyboard
// operates a <select> — the arrow keys. At every step the focused element must show a visible
// focus indicator: its computed outline or box-shadow is non-zero and differs from the same
// element unfocused.

/// Describes the focused element and checks its focus indicator (blur, read, focus again).
async function focusStep(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const read = () => {
      const cs = getComputedStyle(el);
      return { outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, shadow: cs.boxShadow };
    };
    const focused = read();
    el.blur();
    const unfocused = read();
    el.focus();
    const again = read();
    const outlineShown = !focused.outline.startsWith('none') && !/ 0px /.test(focused.outline);
    const shown = outlineShown || (focused.shadow && focused.shadow !== 'none');
    const differs = focused.outline !== unfocused.outline || focused.shadow !== unfocused.shadow;
    const label =
      (el.labels && el.labels[0] && el.labels[0].textContent) ||
      el.getAttribute('aria-label') ||
      el.textContent ||
      el.getAttribute('name') ||
      '';
    return {
      tag: el.tagName.toLowerCase(),
      type: el.type || '',
      id: el.id || '',
      name: el.getAttribute('name') || '',
      href: el.getAttribute('href') || '',
      text: label.replace(/\s+/g, ' ').trim().slice(0, 60),
      value: 'value' in el ? String(el.value) : '',
      checked: Boolean(el.checked),
      visible: shown && differs && document.activeElement === el,
      restored: again.outline === focused.outline && again.shadow === focused.shadow,
      style: `${focused.outline} / ${focused.shadow} (unfocused ${unfocused.outline} / ${unfocused.shadow})`,
    };
  });
}

function describe(f) {
  return f ? `<${f.tag}${f.id ? '#' + f.id : ''}${f.type ? ' type=' + f.type : ''}>${f.text}` : '(nothing)';
}

/// A journey: a name, its page, and the record of every focus step.
class Journey {
  constructor(name, page) {
    this.name = name;
    this.page = page;
    this.steps = 0;
    this.invisible = [];
  }

  async observe() {
    const f = await focusStep(this.page);
    if (f) {
      this.steps += 1;
      if (!f.visible) this.invisible.push(`${describe(f)} [${f.style}${f.restored ? '' : ', not restored'}]`);
    }
    return f;
  }

  /// Presses Tab (or Shift+Tab) until `want(focused)` holds, filling fields on the way: `fill`
  /// maps an element id to text (typed when the field is empty), `true` (Space on an unchecked
  /// checkbox or radio button) or `{ select: value }` (arrow keys in a drop-down list).
  async tabTo(want, { fill = {}, back = false, max = MAX_TABS, what = '' } = {}) {
    const done = new Set();
    for (let i = 0; i < max; i++) {
      await this.page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      let f = await this.observe();
      if (!f) continue;
      const action = fill[f.id];
      if (action !== undefined && !done.has(f.id)) {
        done.add(f.id);
        f = await this.fillFocused(f, action);
      }
      if (want(f)) return f;
    }
    throw new Error(`${this.name}: ${what || 'target'} not reached with ${max} ${back ? 'Shift+Tab' : 'Tab'} presses`);
  }

  async fillFocused(f, action) {
    const kb = this.page.keyboard;
    if (action === true) {
      if (!f.checked) await kb.press('Space');
    } else if (typeof action === 'object' && action.select !== undefined) {
      for (let n = 0; n < 30 && (await this.page.evaluate(() => document.activeElement.value)) !== action.select; n++) {
        await kb.press('ArrowDown');
      }
      const v = await this.page.evaluate(() => document.activeElement.value);
      if (v !== action.select) throw new Error(`${this.name}: could not choose ${action.select} in #${f.id} (at ${v})`);
    } else if (f.value === '') {
      await kb.type(String(action));
    }
    return (await focusStep(this.page)) || f;
  }

  /// Tabs to the link or button whose text (or href) matches and activates it with `key`,
  /// waiting for the page it leads to.
  async activate(match, key = 'Enter', opts = {}) {
    const test = typeof match === 'function' ? match : (f) => f.text === match || f.href === match;
    const f = await this.tabTo(test, { what: String(match), ...opts });
    await Promise.all([this.page.waitForNavigation(), this.page.keyboard.press(key)]);
    return f;
  }

  finish() {
    notices.push(`journey ${this.name}: ${this.steps} focus steps, ${this.invisible.length} without a visible indicator`);
    check(`journey ${this.name}: focus visible at every step`, this.steps > 0 && this.invisible.length === 0,
      `${this.steps} steps; without visible focus: ${this.invisible.join('; ')}`);
  }
}

/// Runs one journey in a fresh context (JavaScript on or off); a thrown error fails it.
async function journey(browser, base, name, options, fn) {
  const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', ...options });
  const page = await context.newPage();
  const j = new Journey(name, page);
  try {
    await fn(j, page);
    j.finish();
  } catch (e) {
    check(`journey ${name}`, false, `${e && e.message ? e.message : e} (at ${page.url()})`);
    if (SCREENSHOT_FAILURES) {
      await page.screenshot({ path: path.join(OUT, `journey-${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
    }
  } finally {
    await context.close();
  }
}

function todayInChina() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/// The answer of the question in words (「三加四等于几？」), read from the page like a person would.
async function answerQuestion(page) {
  const q = await page.locator('label[for="captcha_answer"]').textContent();
  const digits = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
  const m = q.match(/([零一二三四五六七八九])([加减])([零一二三四五六七八九])/);
  if (!m) throw new Error(`unexpected question ${q}`);
  const a = digits.indexOf(m[1]);
  const b = digits.indexOf(m[3]);
  return String(m[2] === '加' ? a + b : a - b);
}

async function consoleLogin(j, username) {
  const page = j.page;
  await page.goto('/admin/login');
  await j.tabTo((f) => f.id === 'username', { what: 'user name' });
  await page.keyboard.type(username);
  await j.tabTo((f) => f.id === 'password', { what: 'password' });
  await page.keyboard.type(DEMO_PASSWORD);
  // Enter in the password field submits the form.
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  const at = new URL(page.url()).pathname;
  if (at === '/admin/login') throw new Error(`login as ${username} failed`);
}

async function consoleLogout(j) {
  await j.activate('退出登录', 'Space');
}

/// From the console home to the item on the user's work list, by keyboard.
async function openFromWorkList(j, title) {
  await j.activate('/admin/items/work');
  await j.activate(title, 'Enter', { what: `work-list link ${title}`, max: 400 });
}

async function stateOf(page) {
  return (await page.locator('main p strong').first().textContent()).trim();
}

async function keyboardJourneys(browser, base) {
  // (a) + (b): an application without JavaScript (the question in words), then its status.
  await journey(browser, base, 'apply and look up the status (no JS)', { javaScriptEnabled: false }, async (j, page) => {
    await page.goto('/apply');
    const answer = await answerQuestion(page);
    await j.tabTo((f) => f.text === '提交申请', {
      what: 'the submit button',
      fill: {
        applicant_type: { select: 'natural_person' },
        applicant_name: '张三',
        id_kind: { select: 'resident_id' },
        id_number: '11010519491231002X',
        phone: '13800000000',
        item1_desc: '2019年残疾人两项补贴发放标准的文件',
        info_form: { select: 'electronic' },
        delivery: { select: 'online' },
        help_reading: true,
        captcha_answer: answer,
      },
    });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const notice = (await page.locator('.notice').textContent().catch(() => '')) || '';
    const tracking = (notice.match(/受理编号：\s*(\S+)/) || [])[1];
    const secret = (notice.match(/查询密码：\s*(\S+)/) || [])[1];
    if (!tracking || !secret) {
      const errors = await page.locator('.error-summary').textContent().catch(() => '');
      throw new Error(`no tracking number after submitting: ${errors || notice}`);
    }
    check('journey apply: tracking number and secret shown', true);
    await j.activate('查询办理进度');
    await j.tabTo((f) => f.id === 'tracking_no', { what: 'tracking number field' });
    await page.keyboard.type(tracking);
    await j.tabTo((f) => f.id === 'secret', { what: 'secret field' });
    await page.keyboard.type(secret);
    // Shift+Tab back to the number and forward again: both directions work.
    await j.tabTo((f) => f.id === 'tracking_no', { back: true, max: 3, what: 'back to the number' });
    await j.activate('查询', 'Space', { max: 5 });
    const h2 = await page.locator('main h2').first().textContent();
    check('journey apply: status found by number and secret', h2.includes(tracking), `heading "${h2}"`);
    const stage = await page.locator('table.meta td').first().textContent();
    check('journey apply: status shows the stage', /待确认|确认/.test(stage), stage);
  });

  // (c): a mailbox message with JavaScript (the proof of work solves itself).
  await journey(browser, base, 'write to the mailbox (JS, proof of work)', {}, async (j, page) => {
    await page.goto('/mailbox/write');
    await page.waitForFunction(
      () => /已自动完成/.test((document.querySelector('[data-pow-status]') || {}).textContent || ''),
      null,
      { timeout: 30_000 },
    );
    const boxes = await page.locator('#box_id option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    const topics = await page.locator('#topic_code option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    await j.tabTo((f) => f.text === '提交留言', {
      what: 'the submit button',
      fill: {
        box_id: { select: boxes[0] },
        topic_code: { select: topics[0] },
        title: '残疾人证补办需要哪些材料',
        content: '我的残疾人证遗失了，请问补办需要带哪些材料，到哪里办理？',
        name: '李四',
        phone: '13900000000',
        'consent-yes': true,
      },
    });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const text = await page.locator('main').textContent();
    const number = (text.match(/查询码\s*(\d{4}-\d{5})/) || [])[1];
    if (!number) {
      const errors = await page.locator('.error-summary').textContent().catch(() => '');
      throw new Error(`no query number after submitting: ${errors || text.slice(0, 300)}`);
    }
    check('journey mailbox: query number shown', true);
  });

  // (d): search from the home page and open a result.
  await journey(browser, base, 'search and open a result', {}, async (j, page) => {
    await page.goto('/');
    await j.tabTo((f) => f.id === 'home-q', { what: 'the search box' });
    await page.keyboard.type('残疾人证');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    if (!new URL(page.url()).pathname.startsWith('/search')) throw new Error(`search went to ${page.url()}`);
    const first = await page.locator('.search-results h3 a').first();
    const title = (await first.textContent()).trim();
    const href = await first.getAttribute('href');
    await j.activate((f) => f.tag === 'a' && f.href === href, 'Enter', { what: `first result ${title}` });
    const h1 = (await page.locator('h1').first().textContent()).trim();
    check('journey search: the result opens', new URL(page.url()).pathname === href && h1.length > 0, `at ${page.url()}, h1 "${h1}"`);
  });

  // (e): the console — submit, 审核, 保密审查, 审批, 发布 of a draft, each by its demo user.
  const TITLE = '残疾儿童康复救助定点机构名单';
  const today = todayInChina();
  await journey(browser, base, 'console review and publish', {}, async (j, page) => {
    await consoleLogin(j, 'demo-drafter');
    await openFromWorkList(j, TITLE);
    const itemUrl = new URL(page.url()).pathname;
    await j.activate('提交审核');
    check('journey console: drafter submitted', (await stateOf(page)) === '待审核', await stateOf(page));
    await consoleLogout(j);

    await consoleLogin(j, 'demo-head');
    await openFromWorkList(j, TITLE);
    await j.tabTo((f) => f.text === '提交审核意见', {
      what: 'the review button',
      fill: { 'legal_pass-yes': true, 'policy_pass-yes': true, 'wording_pass-yes': true, 'secrecy_pass-yes': true },
    });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const afterReview = await stateOf(page);
    check('journey console: head reviewed', afterReview === '待保密审查', afterReview);
    await consoleLogout(j);

    await consoleLogin(j, 'demo-secrecy');
    await openFromWorkList(j, TITLE);
    await j.activate('填写并签署保密审查表');
    await j.tabTo((f) => f.text === '签署并提交', {
      what: 'the sign button',
      max: 200,
      fill: {
        form_date: today,
        originating_unit: '康复部',
        info_title: TITLE,
        'carrier-non': true,
        channel_web: true,
        planned_on: today,
        drafter_opinion: '经初审，不涉及国家秘密和个人隐私，同意公开',
        drafter_name: '演示承办人',
        drafter_on: today,
        head_opinion: '同意',
        head_name: '演示科室负责人',
        head_on: today,
        'conclusion-pub': true,
        basis: '不涉及国家秘密、工作秘密、商业秘密和个人隐私',
        reviewer_name: '演示保密审查员',
        reviewed_on: today,
        sign: true,
      },
    });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    if (new URL(page.url()).pathname !== itemUrl) {
      const errors = await page.locator('.error-summary').textContent().catch(() => '');
      throw new Error(`保密审查表 not accepted: ${errors}`);
    }
    check('journey console: 保密审查 signed', (await stateOf(page)) === '待审批', await stateOf(page));
    await consoleLogout(j);

    await consoleLogin(j, 'demo-leader');
    await openFromWorkList(j, TITLE);
    await j.tabTo((f) => f.text === '审批同意', { what: 'the approve button', fill: { opinion: '同意发布' } });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    check('journey console: leader approved', (await stateOf(page)) === '待发布', await stateOf(page));
    await consoleLogout(j);

    await consoleLogin(j, 'demo-office');
    await openFromWorkList(j, TITLE);
    await j.activate('立即发布', 'Space');
    const published = await stateOf(page);
    check('journey console: office published', published === '已发布', published);
    const id = itemUrl.split('/').pop();
    const pub = await fetch(`${base}/items/${id}`);
    check('journey console: the item is public', pub.status === 200, `HTTP ${pub.status}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  let server;
  let browser;
  try {
    server = await startServer();
    const base = server.base;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });

    // Which console pages exist in this build (a 404 means the issue that adds it has not landed).
    // The demo's published items: a filtered catalog page and the first item page it links to.
    const catalogHtml = await (await fetch(base + '/catalog')).text();
    const firstItem = catalogHtml.match(/href="(\/items\/\d+)"/);
    if (firstItem) {
      // The item page and its simplified reading view (简洁阅读).
      PUBLIC_PAGES.push('/catalog?sort=oldest', firstItem[1], firstItem[1] + '/read');
    } else {
      notices.push('the demo catalog lists no published item; item pages not tested');
    }

    const consolePages = [];
    const pageOwner = new Map();
    for (const p of CONSOLE_PAGES) {
      const r = await fetch(base + p, { redirect: 'manual' });
      if (r.status !== 404) consolePages.push(p);
      else notices.push(`console page ${p} does not exist in this build; not tested`);
    }

    for (const mode of JOURNEYS_ONLY ? [] : MODES) {
      await attempt(`public pages (${mode.name})`, async () => {
        const { context, page } = await contextInMode(browser, base, mode);
        for (const url of PUBLIC_PAGES) {
          const label = `${url} [${mode.name}]`;
          const res = await page.goto(url);
          check(`status ${label}`, url === '/no-such-page' ? res.status() === 404 : res.status() === 200, `HTTP ${res.status()}`);
          await checkPageBasics(page, label, mode);
          await runAxe(page, label);
          if (mode.name !== 'large-text') await keyboardChecks(page, label);
        }
        // Reflow: no horizontal scrolling at 320 CSS px.
        await page.setViewportSize({ width: 320, height: 640 });
        for (const url of PUBLIC_PAGES) {
          await page.goto(url);
          const sw = await page.evaluate(() => document.documentElement.scrollWidth);
          check(`reflow 320px ${url} [${mode.name}]`, sw <= 320, `scrollWidth ${sw}`);
        }
        await context.close();
      });

      await attempt(`login page (${mode.name})`, async () => {
        const { context, page } = await contextInMode(browser, base, mode);
        await page.goto('/admin/login');
        await checkPageBasics(page, `/admin/login [${mode.name}]`, mode);
        await runAxe(page, `/admin/login [${mode.name}]`);
        await login(page, 'no-such-user', 'wrong-password-1');
        const alert = await page.locator('.error-summary[role="alert"]').count();
        check(`login error state shown [${mode.name}]`, alert === 1, `error summary count ${alert}`);
        await checkPageBasics(page, `/admin/login error [${mode.name}]`, mode);
        await runAxe(page, `/admin/login error [${mode.name}]`);
        await context.close();
      });

      for (const user of CONSOLE_USERS) {
        await attempt(`console as ${user} (${mode.name})`, async () => {
          const { context, page } = await contextInMode(browser, base, mode);
          await login(page, user, DEMO_PASSWORD);
          const at = new URL(page.url()).pathname;
          if (at === '/admin/login') {
            if (/未重复载入|已有数据/.test(server.output()) || !/demo-admin/.test(server.output())) {
              notices.push(`SKIPPED console pages as ${user} [${mode.name}]: this build's --demo loads no demo users`);
              await context.close();
              return;
            }
            check(`login as ${user} [${mode.name}]`, false, `still on the login page`);
            await context.close();
            return;
          }
          check(`login as ${user} [${mode.name}]`, at.startsWith('/admin'), `landed on ${at}`);
          // In the default mode every user sees every console page (their 403 pages included);
          // in the other modes each page is checked once, as the first user who may use it, so
          // every page is covered in every mode without repeating it for each role.
          const pages = mode === MODES[0]
            ? consolePages
            : consolePages.filter((u) => u === '/admin' || pageOwner.get(u) === user);
          for (const url of pages) {
            const label = `${url} as ${user} [${mode.name}]`;
            const res = await page.goto(url);
            if (mode === MODES[0] && res.status() === 200 && !pageOwner.has(url)) pageOwner.set(url, user);
            if (res.status() === 403) {
              notices.push(`${label}: 403 for this role`);
            }
            await checkPageBasics(page, label, mode);
            await runAxe(page, label);
            if (mode.name === 'default' && url === '/admin') await keyboardChecks(page, label);
          }
          await context.close();
        });
      }
    }

    if (!JOURNEYS_ONLY) {
      // Both preferences together.
      await attempt('large text + high contrast', async () => {
        const both = { name: 'large+contrast', buttons: ['大字模式', '高对比度'], bodyClass: ['pref-large', 'pref-contrast'] };
        const { context, page } = await contextInMode(browser, base, both);
        for (const url of ['/', '/guide']) {
          await page.goto(url);
          await checkPageBasics(page, `${url} [${both.name}]`, both);
          await runAxe(page, `${url} [${both.name}]`);
        }
        await context.close();
      });

      // 大鼠标 (large pointer): a remembered preference like the others, applied as a body class whose
      // pointer image is served from our own origin; axe stays clean with it on.
      await attempt('large cursor', async () => {
        const cursorMode = { name: 'large-cursor', buttons: ['大鼠标'], bodyClass: ['pref-cursor'] };
        const { context, page } = await contextInMode(browser, base, cursorMode);
        for (const url of ['/', '/catalog']) {
          await page.goto(url);
          await checkPageBasics(page, `${url} [${cursorMode.name}]`, cursorMode);
          const cursor = await page.evaluate(() => getComputedStyle(document.querySelector('main')).cursor);
          check(`large pointer in use ${url}`, /cursor\.svg/.test(cursor), `cursor: ${cursor}`);
          const link = await page.evaluate(() => getComputedStyle(document.querySelector('main a, .site-header a')).cursor);
          check(`large hand pointer on links ${url}`, /cursor-pointer\.svg/.test(link), `cursor: ${link}`);
          await runAxe(page, `${url} [${cursorMode.name}]`);
        }
        const svg = await fetch(base + '/static/cursor.svg');
        check('cursor image served', svg.status === 200 && /svg/.test(svg.headers.get('content-type') || ''), `HTTP ${svg.status}`);
        await context.close();
      });

      // 语音阅读: with JavaScript and speech synthesis a "朗读本页" toggle appears in the reading
      // aids and is reachable by keyboard; without JavaScript nothing half-working is shown.
      await attempt('speech reading', async () => {
        const { context, page } = await contextInMode(browser, base, MODES[0]);
        await page.goto('/guide');
        const hasSpeech = await page.evaluate(() => 'speechSynthesis' in window);
        const button = page.locator('.prefs button.speak');
        if (hasSpeech) {
          check('speech button shown', (await button.count()) === 1, 'no 朗读本页 button');
          check('speech button labelled', (await button.textContent()) === '朗读本页', await button.textContent());
          // Headless Chromium has no voices; record what would be spoken instead.
          await page.evaluate(() => {
            window.__spoken = [];
            window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
          });
          await button.focus();
          await page.keyboard.press('Enter');
          const state = await button.evaluate((b) => `${b.getAttribute('aria-pressed')} ${b.textContent}`);
          check('speech toggles on Enter', state === 'true 停止朗读', state);
          const spoken = await page.evaluate(() => window.__spoken.join(''));
          check('speech reads the main content', spoken.includes('公开指南'), spoken.slice(0, 80));
          await page.keyboard.press('Enter');
          const off = await button.evaluate((b) => `${b.getAttribute('aria-pressed')} ${b.textContent}`);
          check('speech stops on a second Enter', off === 'false 朗读本页', off);
          await page.evaluate(() => window.speechSynthesis.cancel());
        } else {
          notices.push('this Chromium has no speechSynthesis; the speech button is correctly absent');
          check('speech button absent without synthesis', (await button.count()) === 0);
        }
        await context.close();
        const noJs = await contextInMode(browser, base, MODES[0], { javaScriptEnabled: false });
        await noJs.page.goto('/guide');
        check('no speech button without JavaScript', (await noJs.page.locator('.prefs button.speak').count()) === 0);
        await noJs.context.close();
      });

      // Without JavaScript: the buttons are a plain GET form, so they must still work.
      await attempt('no-JS pass', async () => {
        for (const mode of MODES.slice(1)) {
          const { context, page } = await contextInMode(browser, base, mode, { javaScriptEnabled: false });
          const pressed = await page.locator('.prefs button', { hasText: mode.buttons[0] }).getAttribute('aria-pressed');
          check(`aria-pressed after switching (no JS) [${mode.name}]`, pressed === 'true', `aria-pressed=${pressed}`);
          for (const url of ['/guide', '/catalog', '/admin/login']) {
            await page.goto(url);
            await checkPageBasics(page, `${url} [${mode.name}, no JS]`, mode);
          }
          // Switching back off returns to the default mode.
          await clickPref(page, mode.buttons[0]);
          const cls = await bodyClasses(page);
          check(
            `switch back to default (no JS) [${mode.name}]`,
            !cls.some((c) => c.startsWith('pref-')) && new URL(page.url()).pathname === '/admin/login',
            `body class "${cls.join(' ')}", url ${page.url()}`,
          );
          await context.close();
        }
      });
    }

    if (SCREENSHOT) {
      await attempt('screenshot', async () => {
        const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto('/');
        const file = path.join(REPO, 'docs', 'screenshot-home.png');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.screenshot({ path: file, fullPage: true });
        console.log(`screenshot written to ${path.relative(REPO, file)}`);
        // The same page in high-contrast mode (README).
        await clickPref(page, '高对比度');
        const contrastFile = path.join(REPO, 'docs', 'screenshot-home-contrast.png');
        await page.screenshot({ path: contrastFile, fullPage: true });
        console.log(`screenshot written to ${path.relative(REPO, contrastFile)}`);
        await context.close();
      });
    }

    // Last, because they change the demo data (an application, a message, a publication).
    await attempt('keyboard-only journeys', () => keyboardJourneys(browser, base));
  } catch (e) {
    check('test run', false, e && e.stack ? e.stack : String(e));
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server).catch(() => {});
  }

  const failed = checks.filter((c) => !c.ok);
  const passed = checks.length - failed.length;
  fs.writeFileSync(
    path.join(OUT, 'results.json'),
    JSON.stringify({ passed, failed: failed.length, checks, axe: axeRuns, notices }, null, 2),
  );
  for (const n of notices) console.log(`note: ${n}`);
  if (failed.length > 0) {
    console.log(`\nFAILED CHECKS (${failed.length}):`);
    for (const f of failed) console.log(`  ✗ ${f.name}\n      ${f.detail}`);
  }
  console.log(`results: ${path.relative(REPO, path.join(OUT, 'results.json'))}`);
  console.log(`${passed} passed, ${failed.length} failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

await main();
