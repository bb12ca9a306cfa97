/*! paystatus widget: a payment-status banner for checkout pages. No dependencies.
 *
 *   <script src="https://status.example.com/widget.js" data-components="card,kakaopay" async></script>
 *
 * data-components  comma-separated component (or group) ids; absent = all
 * data-lang        ko | en (default: <html lang> if ko/en, else the status page's default)
 * data-upcoming    also show scheduled maintenance starting within e.g. 90m, 24h, 2d
 * data-interval    poll interval in seconds (default 60, minimum 15)
 * data-position    top (default) | bottom | inline (rendered right after the script tag)
 * data-theme       auto (default) | light | dark
 * data-accent, data-background, data-text   CSS colours (or CSS vars --paystatus-accent, ...)
 * data-z-index     z-index of the fixed banner
 *
 * Fires `paystatus:change` on document with detail {indicator, components: {id: status}, incidents}
 * after the first load and whenever that detail changes.
 */
(() => {
  'use strict';
  const debug = (...a) => { try { console.debug('[paystatus]', ...a); } catch (_) { /* ignore */ } };
  // Wrap callbacks so nothing we do can throw into the host page.
  const guard = (fn) => (...a) => { try { return fn(...a); } catch (e) { debug(e); } };

  const TEXT = {
    ko: {
      region: '결제 서비스 상태', eta: '예상 복구', next: '다음 안내', alt: '이렇게 결제하실 수 있습니다',
      details: '자세히 보기', close: '닫기', scheduled: '점검 예정', maintenance: '점검 중',
      more: (n) => `외 ${n}건`, date: (m, d) => `${m}월 ${d}일`,
    },
    en: {
      region: 'Payment service status', eta: 'Expected recovery', next: 'Next update',
      alt: 'You can pay this way instead', details: 'Details', close: 'Close',
      scheduled: 'Scheduled maintenance', maintenance: 'Maintenance in progress',
      more: (n) => `+${n} more`,
      date: (m, d) => 'JanFebMarAprMayJunJulAugSepOctNovDec'.substr(m * 3 - 3, 3) + ' ' + d,
    },
  };
  const RANK = { critical: 4, major: 3, minor: 2, none: 1 };
  const CLOSED = ['resolved', 'postmortem', 'completed'];
  const ACTIVE_MAINT = ['in_progress', 'verifying'];
  const STORE = 'paystatus:dismissed'; // localStorage: {incident id: id of its latest update}

  const CSS_TEXT = `
:host{all:initial;display:block;--ps-b:#fff;--ps-f:#1f2328;--ps-m:#555d66;--ps-a:#0a5bc4;--ps-l:#d0d4d9}
:host([data-theme=dark]){--ps-b:#1f2125;--ps-f:#eef0f3;--ps-m:#b3b9c1;--ps-a:#7db8ff;--ps-l:#3b3e44}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){--ps-b:#1f2125;--ps-f:#eef0f3;--ps-m:#b3b9c1;--ps-a:#7db8ff;--ps-l:#3b3e44}}
.bar{box-sizing:border-box;display:flex;align-items:flex-start;gap:8px;max-height:60vh;overflow:auto;
 padding:10px 8px 10px 14px;background:var(--paystatus-background,var(--ps-b));color:var(--paystatus-text,var(--ps-f));
 border-left:6px solid var(--paystatus-accent,var(--sev));box-shadow:0 2px 14px rgba(0,0,0,.2);text-align:left;
 font:14px/1.5 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif}
:host([data-pos=inline]) .bar{border:1px solid var(--ps-l);border-left:6px solid var(--paystatus-accent,var(--sev));border-radius:6px;box-shadow:none}
.sev-critical{--sev:#d92d20}.sev-major{--sev:#e8590c}.sev-minor{--sev:#f0a500}.sev-none{--sev:#8a939c}.maint{--sev:#1c7ed6}
.body{flex:1;min-width:0;overflow-wrap:anywhere}
p{margin:0 0 2px}ul{margin:2px 0 4px;padding-left:1.3em}
.tag{font-weight:700}.what,.more,.time{color:var(--paystatus-text,var(--ps-m))}
.more{font-size:.92em;white-space:nowrap}.time{font-size:.93em}
a{color:var(--paystatus-accent,var(--ps-a));font-weight:600}
button{all:unset;box-sizing:border-box;display:block;flex:none;width:36px;height:36px;border-radius:4px;
 text-align:center;font:22px/36px system-ui,sans-serif;cursor:pointer;color:inherit}
button:hover{background:rgba(128,128,128,.2)}
a:focus-visible,button:focus-visible{outline:2px solid var(--paystatus-accent,var(--ps-a));outline-offset:2px}
.anim{animation:ps-in .25s ease-out}:host([data-pos=top]) .anim{--ps-y:-100%}:host([data-pos=bottom]) .anim{--ps-y:100%}
@keyframes ps-in{from{opacity:0;transform:translateY(var(--ps-y,0))}}
@media (prefers-reduced-motion:reduce){.bar{animation:none!important;transition:none!important}}`;

  // ---- options ------------------------------------------------------------------------------

  function findScript() {
    const cur = document.currentScript;
    if (cur && cur.src) return cur;
    // `async` scripts may lose currentScript in odd loaders: take the first one not yet bound.
    for (const s of document.querySelectorAll('script[src*="widget.js"]')) {
      if (!s.hasAttribute('data-paystatus-bound')) return s;
    }
    return null;
  }

  function options(script) {
    const d = script.dataset;
    const one = (v, allowed, dflt) => (allowed.includes(v) ? v : dflt);
    const low = (v) => String(v || '').trim().toLowerCase();
    const color = (v) => (v && window.CSS && CSS.supports('color', v) ? v : '');
    const pageLang = low(document.documentElement.lang).split('-')[0];
    const up = /^(\d+)\s*([mhd]?)$/.exec(low(d.upcoming));
    const list = low(d.components).split(',').map((s) => s.trim()).filter(Boolean);
    return {
      // Where widget.js lives: the server, or the mirror's bucket under its prefix.
      base: new URL('.', new URL(script.src, location.href)).href,
      components: list.length ? list : null,
      lang: one(low(d.lang), ['ko', 'en'], one(pageLang, ['ko', 'en'], '')),
      upcoming: up ? up[1] * { m: 6e4, h: 36e5, d: 864e5 }[up[2] || 'h'] : 0,
      interval: Math.max(15, parseInt(d.interval, 10) || 60) * 1000,
      position: one(low(d.position), ['top', 'bottom', 'inline'], 'top'),
      theme: one(low(d.theme), ['auto', 'light', 'dark'], 'auto'),
      colors: { accent: color(d.accent), background: color(d.background), text: color(d.text) },
      z: /^-?\d{1,10}$/.test(d.zIndex || '') ? d.zIndex : '2147483000',
    };
  }

  // ---- summary.json -> what to show ----------------------------------------------------------

  // Component ids to watch, with groups expanded to their members; null = everything.
  function watched(s, list) {
    if (!list) return null;
    const set = new Set(list);
    for (const c of s.components) {
      if (c && c.group && set.has(c.id)) {
        (c.components || []).forEach((id) => set.add(id));
        s.components.forEach((m) => m && m.group_id === c.id && set.add(m.id));
      }
    }
    return set;
  }

  const rank = (it) => (it.maint ? (it.status === 'scheduled' ? -1 : 0) : RANK[it.impact] || 1);
  const latest = (it) => (Array.isArray(it.incident_updates) && it.incident_updates[0]) || null;
  // Dismissal key: the latest update (plus, for maintenance, its status: "scheduled" closed
  // does not hide "in_progress").
  const stamp = (it) => String((latest(it) || {}).id || it.updated_at || '') + (it.maint ? '@' + it.status : '');

  // Unresolved incidents and active (or, if asked, upcoming) maintenances touching `want`,
  // most severe first.
  function affecting(s, want, upcoming) {
    const now = Date.now();
    const hits = (it) => !want || (it.components || []).some((c) => c && want.has(c.id));
    const inc = (s.incidents || []).filter((i) => i && i.id && !CLOSED.includes(i.status) && hits(i));
    const mnt = (s.scheduled_maintenances || [])
      .filter((m) => m && m.id && hits(m) && (ACTIVE_MAINT.includes(m.status) || (m.status === 'scheduled'
        && upcoming && Date.parse(m.scheduled_for) - now <= upcoming && !(Date.parse(m.scheduled_until) < now))))
      .map((m) => Object.assign({ maint: true }, m));
    return inc.concat(mnt).sort((a, b) => rank(b) - rank(a)); // sort is stable: server order within a rank
  }

  // Absolute http(s) link to the notice, never anything else (e.g. javascript:).
  function link(it, base) {
    try {
      const u = new URL(it.shortlink || `incidents/${encodeURIComponent(it.id)}/`, base);
      return /^https?:$/.test(u.protocol) ? u.href : null;
    } catch (_) { return null; }
  }

  function detail(s, want, items, base) {
    const components = {};
    for (const c of s.components) if (c && !c.group && (!want || want.has(c.id))) components[c.id] = c.status;
    return {
      indicator: (s.status && s.status.indicator) || 'none',
      components,
      incidents: items.map((it) => ({
        id: it.id, name: it.name, status: it.status, impact: it.impact, eta: it.eta || null,
        url: link(it, base), components: (it.components || []).map((c) => c && c.id).filter(Boolean),
      })),
    };
  }

  // ---- dismissal (guarded: localStorage may be missing or throw) ------------------------------

  let memory = {};
  function readDismissed() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (_) { return memory; }
  }
  function writeDismissed(d) {
    memory = d;
    try { localStorage.setItem(STORE, JSON.stringify(d)); } catch (_) { /* private mode etc. */ }
  }

  // ---- rendering ----------------------------------------------------------------------------

  function el(tag, cls, text, parent) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text); // server text is always text, never HTML
    if (parent) parent.appendChild(e);
    return e;
  }

  // "14:45" if today in the status page's zone, else "11월 26일 14:45". The ISO string carries
  // the page's offset, so its wall-clock fields are already page-local.
  function when(iso, T, bare) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/.exec(iso || '');
    if (!m) return '';
    const hm = `${m[4]}:${m[5]}`;
    let off = 0;
    if (m[6] && m[6] !== 'Z') {
      const z = m[6].replace(':', '');
      off = (z[0] === '-' ? -1 : 1) * (z.substr(1, 2) * 60 + +z.substr(3, 2)) * 6e4;
    }
    const today = new Date(Date.now() + off).toISOString().slice(0, 10);
    return bare || today === iso.slice(0, 10) ? hm : `${T.date(+m[2], +m[3])} ${hm}`;
  }

  function build(items, T, base, onClose) {
    const it = items[0];
    const bar = el('div', 'bar ' + (it.maint ? 'maint' : 'sev-' + (RANK[it.impact] ? it.impact : 'none')));
    const body = el('div', 'body', null, bar);

    // "점검 중 · 계좌이체, 가상계좌 · 은행 정기 점검 외 1건"
    const head = el('p', '', null, body);
    const sep = () => head.appendChild(document.createTextNode(' · '));
    if (it.maint) { el('span', 'tag', it.status === 'scheduled' ? T.scheduled : T.maintenance, head); sep(); }
    const names = (it.components || []).map((c) => c && c.name).filter(Boolean);
    if (names.length) { el('span', 'what', names.join(', '), head); sep(); }
    el('strong', '', it.name, head);
    if (items.length > 1) el('span', 'more', ' ' + T.more(items.length - 1), head);

    const msg = (latest(it) || {}).body;
    if (msg) el('p', 'msg', msg, body);

    const times = [];
    if (it.maint && it.scheduled_for) {
      const a = String(it.scheduled_for), b = String(it.scheduled_until || '');
      times.push(when(a, T) + (b ? '–' + when(b, T, a.slice(0, 10) === b.slice(0, 10)) : ''));
    }
    if (it.eta && when(it.eta, T)) times.push(`${T.eta} ${when(it.eta, T)}`);
    if (it.next_update_at && when(it.next_update_at, T)) times.push(`${T.next} ${when(it.next_update_at, T)}`);
    if (times.length) el('p', 'time', times.join(' · '), body);

    // Only recommend a channel while it is itself operational.
    const alts = (it.alternatives || []).filter((a) => a && a.name && a.status === 'operational');
    if (alts.length) {
      el('p', 'alt', T.alt, body);
      const ul = el('ul', '', null, body);
      for (const a of alts) {
        const li = el('li', '', null, ul);
        el('strong', '', a.name, li);
        if (a.instructions) li.appendChild(document.createTextNode(' — ' + a.instructions));
      }
    }

    const href = link(it, base);
    if (href) {
      const a = el('a', '', T.details, el('p', '', null, body));
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener';
    }

    const x = el('button', '', '×', bar);
    x.type = 'button';
    x.setAttribute('aria-label', T.close);
    x.addEventListener('click', guard(onClose));
    return bar;
  }

  // ---- the widget ---------------------------------------------------------------------------

  function start(script) {
    script.setAttribute('data-paystatus-bound', '');
    const o = options(script);
    // Without a language of our own, the server's default decides (page.language).
    let T = TEXT[o.lang || 'ko'];
    // A path, not a query: a static mirror serves `en/api/v2/summary.json` as well.
    const url = `${o.base}${o.lang ? o.lang + '/' : ''}api/v2/summary.json`;
    // Inline renders right after the script tag, unless that tag sits in <head> (then: top).
    const pos = o.position !== 'inline' ? o.position
      : document.head && document.head.contains(script) ? 'top' : 'inline';
    const inline = pos === 'inline';

    // The host element has no box (display:none) until there is something to show.
    const host = document.createElement('paystatus-banner');
    host.setAttribute('role', 'region');
    host.setAttribute('aria-label', T.region);
    host.setAttribute('lang', o.lang || 'ko');
    host.setAttribute('data-theme', o.theme);
    host.setAttribute('data-pos', pos);
    // Inline styles beat host-page rules that might otherwise hit our element.
    host.style.cssText = inline ? 'display:none;margin:0'
      : `display:none;position:fixed;left:0;right:0;${pos}:0;margin:0;z-index:${o.z}`;
    for (const k in o.colors) if (o.colors[k]) host.style.setProperty('--paystatus-' + k, o.colors[k]);
    const root = host.attachShadow({ mode: 'open' });
    // A constructed sheet is not an inline <style>, so a strict host CSP (style-src) allows it.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } catch (_) {
      el('style', '', CSS_TEXT, root);
    }
    const live = el('div', '', null, root);
    live.setAttribute('aria-live', 'polite');

    let summary = null, want = null, items = [], shownSig = '[]', lastDetail = null;

    function mount() {
      if (host.isConnected) return;
      if (inline && script.parentNode) script.parentNode.insertBefore(host, script.nextSibling);
      else (document.body || document.documentElement).appendChild(host);
    }

    function show(visible) {
      const sig = JSON.stringify(visible);
      if (sig === shownSig) return; // unchanged: don't re-announce
      shownSig = sig;
      if (!visible.length) {
        host.style.display = 'none';
        live.textContent = '';
        return;
      }
      const bar = build(visible, T, o.base, close);
      mount();
      if (host.style.display === 'none') {
        // Reveal the (empty) live region first, then fill it, so screen readers announce it.
        host.style.display = '';
        bar.classList.add('anim');
        setTimeout(guard(() => { if (shownSig === sig) live.replaceChildren(bar); }), 60);
      } else {
        live.replaceChildren(bar);
      }
    }

    function paint() {
      const d = readDismissed();
      show(items.filter((it) => d[it.id] !== stamp(it)));
    }

    // Closing hides every notice shown now, until that notice gets a new update.
    function close() {
      const ids = new Set((summary.incidents || []).concat(summary.scheduled_maintenances || []).map((i) => i && i.id));
      const d = readDismissed();
      for (const k of Object.keys(d)) if (!ids.has(k)) delete d[k]; // forget notices that are gone
      for (const it of items) d[it.id] = stamp(it);
      writeDismissed(d);
      paint();
    }

    function update(s) {
      const served = s.page && TEXT[s.page.language];
      if (!o.lang && served && served !== T) {
        T = served;
        host.setAttribute('lang', s.page.language);
        host.setAttribute('aria-label', T.region);
      }
      summary = s;
      want = watched(s, o.components);
      items = affecting(s, want, o.upcoming);
      const d = detail(s, want, items, o.base);
      const json = JSON.stringify(d);
      if (json !== lastDetail) {
        lastDetail = json;
        document.dispatchEvent(new CustomEvent('paystatus:change', { detail: d }));
      }
      paint();
    }

    // Poll every interval; on errors double the delay (cap 15 min); pause while the tab is hidden.
    let delay = o.interval, timer = 0, inflight = false, last = 0;
    async function poll() {
      clearTimeout(timer);
      timer = 0;
      if (inflight) return;
      inflight = true;
      last = Date.now();
      const ac = window.AbortController ? new AbortController() : null;
      const abort = setTimeout(() => ac && ac.abort(), 10000);
      try {
        // no-cache: revalidate (a cheap 304) instead of reading a copy up to 35 s stale.
        const r = await fetch(url, { credentials: 'omit', cache: 'no-cache', signal: ac && ac.signal });
        if (!r.ok) throw new Error('HTTP ' + r.status);
        const s = await r.json();
        if (!s || !Array.isArray(s.components)) throw new Error('unexpected summary');
        update(s);
        delay = o.interval;
      } catch (e) {
        delay = Math.min(delay * 2, Math.max(9e5, o.interval));
        debug('poll failed; next try in', delay / 1000, 's', e);
      }
      clearTimeout(abort);
      inflight = false;
      if (!document.hidden) timer = setTimeout(guardedPoll, delay);
    }
    const guardedPoll = () => { poll().catch(debug); };

    document.addEventListener('visibilitychange', guard(() => {
      clearTimeout(timer);
      timer = 0;
      // Back in view: refresh once (but not more often than every 15 s), then resume polling.
      if (!document.hidden && !inflight) timer = setTimeout(guardedPoll, Math.max(0, 15000 - (Date.now() - last)));
    }));
    // Another tab (or instance) closed a notice.
    window.addEventListener('storage', guard((e) => { if (e.key === STORE && summary) paint(); }));
    root.addEventListener('keydown', guard((e) => { if (e.key === 'Escape' && live.firstChild) close(); }));

    guardedPoll();
  }

  try {
    const script = findScript();
    if (script) start(script);
  } catch (e) {
    debug(e);
  }
})();
