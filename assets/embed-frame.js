/*! paystatus embed frame: runs inside /embed/frame and talks to /embed/script.js in the parent.
 * <body data-show="true"> when there is something to show; <button id="paystatus-dismiss"> closes.
 * Every 60 s it re-reads /api/v2/summary.json: nothing open any more -> dismiss; changed -> reload.
 */
(() => {
  'use strict';
  // The parent checks our origin; we cannot know (or need) the parent's, hence '*'.
  const post = (action) => { try { if (parent !== window) parent.postMessage({ action }, '*'); } catch (_) { /* ignore */ } };

  // Open notices (unresolved incidents, active maintenances) with their latest update ids.
  async function openNotices() {
    const r = await fetch('/api/v2/summary.json', { credentials: 'omit', cache: 'no-cache' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const s = await r.json();
    const latest = (i) => ((i.incident_updates || [])[0] || {}).id || i.updated_at;
    return (s.incidents || []).filter((i) => !['resolved', 'postmortem'].includes(i.status))
      .concat((s.scheduled_maintenances || []).filter((m) => ['in_progress', 'verifying'].includes(m.status)))
      .map((i) => `${i.id}:${latest(i)}`).sort().join(',');
  }

  // What the page was rendered with: '' = nothing; null = something (learnt from the first fetch).
  let baseline;
  const KEY = 'paystatus:frame-reloaded-for';
  async function check() {
    if (document.hidden) return;
    const now = await openNotices();
    if (baseline === null) baseline = now;
    if (now === baseline) return;
    baseline = now;
    if (!now) return post('dismissFrame');
    // New or updated notice: reload to render it (the page posts showFrame again). Remember
    // what we reloaded for, so a page/summary disagreement cannot cause a reload loop.
    let seen = null;
    try { seen = sessionStorage.getItem(KEY); sessionStorage.setItem(KEY, now); } catch (_) { /* ignore */ }
    if (seen !== now) location.reload();
  }

  function init() {
    // Links open outside the small frame.
    for (const a of document.querySelectorAll('a[href]')) { a.target = '_blank'; a.rel = 'noopener'; }
    const dismiss = () => post('dismissFrame');
    const btn = document.getElementById('paystatus-dismiss');
    if (btn) btn.addEventListener('click', dismiss);
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') dismiss(); });
    const shown = !!document.body && document.body.dataset.show === 'true';
    baseline = shown ? null : '';
    if (shown) post('showFrame');
    const tick = () => { check().catch(() => { /* keep the last state */ }); };
    tick();
    setInterval(tick, 60000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
