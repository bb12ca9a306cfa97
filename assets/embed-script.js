/*! paystatus embed: drop-in for the reference status embed's iframe protocol.
 *
 *   <script src="https://status.example.com/embed/script.js"></script>
 *
 * Adds a fixed 320×115 iframe (full width on narrow screens) showing /embed/frame, kept
 * off-screen until the frame posts {action: "showFrame"}; {action: "dismissFrame"} hides it.
 * data-position: bottom-left (default) | bottom-right | top-left | top-right.
 * data-lang: ko | en (default: <html lang> if ko/en, else the server's choice).
 */
(() => {
  'use strict';
  try {
    const script = document.currentScript
      || [...document.querySelectorAll('script[src*="/embed/script.js"]')].pop();
    if (!script) return;
    const src = new URL(script.src, location.href);
    const origin = src.origin;
    // The site's root beside /embed/script.js: the server, or the mirror under its prefix.
    const base = new URL('..', src).href;
    const d = script.dataset;
    const [v, h] = /^(top|bottom)-(left|right)$/.test(d.position) ? d.position.split('-') : ['bottom', 'left'];
    const lang = [d.lang, (document.documentElement.lang || '').split('-')[0]]
      .map((l) => String(l || '').toLowerCase()).find((l) => l === 'ko' || l === 'en');
    const narrow = matchMedia('(max-width: 449.98px)');
    const still = matchMedia('(prefers-reduced-motion: reduce)');

    const frame = document.createElement('iframe');
    frame.src = `${base}${lang ? lang + '/' : ''}embed/frame/`;
    frame.title = lang === 'en' ? 'Payment status' : '결제 서비스 상태';
    let shown = false;

    function layout() {
      const s = frame.style;
      // Like the reference: by screen width too (phones laying out at 980 px lack a viewport tag).
      const w = narrow.matches || screen.width < 450;
      s.cssText = 'position:fixed;border:0;margin:0;padding:0;z-index:2147483000;height:115px;'
        + 'box-shadow:0 20px 32px -8px rgba(9,20,66,.25);background:transparent;color-scheme:normal';
      s.width = w ? '100%' : '320px';
      s[v] = w ? '0' : '60px';
      s[h === 'left' ? 'right' : 'left'] = 'auto';
      s[h] = shown ? (w ? '0' : '60px') : '-9999px';
      s.visibility = shown ? 'visible' : 'hidden';
      if (!still.matches) s.transition = 'opacity .3s ease';
      s.opacity = shown ? '1' : '0';
      // Hidden means hidden for everyone: not focusable, not in the accessibility tree.
      if (shown) {
        frame.removeAttribute('tabindex');
        frame.removeAttribute('aria-hidden');
      } else {
        frame.setAttribute('tabindex', '-1');
        frame.setAttribute('aria-hidden', 'true');
      }
    }
    const set = (on) => { shown = on; layout(); };
    const actions = { showFrame: () => set(true), dismissFrame: () => set(false) };

    window.addEventListener('message', (e) => {
      try {
        if (e.origin !== origin || !frame.contentWindow || e.source !== frame.contentWindow) return;
        let data = e.data;
        if (typeof data === 'string') data = JSON.parse(data);
        const act = data && data.action;
        if (Object.prototype.hasOwnProperty.call(actions, act)) actions[act]();
      } catch (_) { /* not ours */ }
    });
    const relayout = () => { try { layout(); } catch (_) { /* ignore */ } };
    if (narrow.addEventListener) narrow.addEventListener('change', relayout);
    // The reference embed exposes this for testing the pop-up by hand.
    if (!('statusEmbedTest' in window)) window.statusEmbedTest = actions.showFrame;

    layout();
    const mount = () => { try { document.body.appendChild(frame); } catch (_) { /* ignore */ } };
    if (document.body) mount();
    else document.addEventListener('DOMContentLoaded', mount);
  } catch (_) {
    /* never throw into the host page */
  }
})();
