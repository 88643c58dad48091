// Loyalty embed script: launcher at once in a shadow root, wasm panel when idle
// or on first click. No framework, under 3 KB brotli: it runs on every page.
(function () {
  "use strict";
  var w = window, d = document;
  // A second tag changes nothing.
  if (w.Loyalty && w.Loyalty.v) return;
  var script = d.currentScript || d.querySelector("script[data-shop][src*='loader.js']");
  if (!script) return;
  var data = script.dataset;
  var html = d.documentElement;
  var locale = data.locale || html.lang || "en";
  var lang = locale.slice(0, 2).toLowerCase();
  var words = { ar: ["المكافآت", "إغلاق", "تعذّر التحميل.", "حاول مرة أخرى"],
    ru: ["Бонусы", "Закрыть", "Не удалось загрузить.", "Повторить"] }[lang] ||
    ["Rewards", "Close", "Couldn't load the rewards.", "Try again"];
  var config = { shop: data.shop, api: data.api || new URL(script.src).origin,
    token: data.customerToken || "", locale: locale, dir: html.dir || "" };
  var color = /^#([\da-f]{3}){1,2}$/i.test(data.primaryColor || "") ? data.primaryColor : "#1d4ed8";
  var pkg = new URL("widget/pkg/loyalty_widget.js", script.src).href;
  var shadow, root, body, dialog, launcher, loading, widget, cart = null;

  // WCAG luminance: readable text on the shop's colour.
  function luminance(hex) {
    if (hex.length == 4) hex = hex.replace(/\w/g, "$&$&");
    return [0.2126, 0.7152, 0.0722].reduce(function (sum, k, i) {
      var c = parseInt(hex.substr(1 + 2 * i, 2), 16) / 255;
      return sum + k * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }, 0);
  }

  // Constructed sheets pass a strict style-src CSP.
  function adopt(css) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      shadow.adoptedStyleSheets = shadow.adoptedStyleSheets.concat(sheet);
    } catch (e) {
      var style = d.createElement("style");
      style.textContent = css;
      shadow.appendChild(style);
    }
  }

  function el(tag, attrs, parent) {
    var node = d.createElement(tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function placeholder() {
    body.textContent = "";
    body.setAttribute("aria-busy", "true");
    for (var i = 0; i < 4; i++) el("div", { "class": "ph" }, body);
  }

  function load() {
    return loading || (loading = import(pkg).then(function (m) {
      return m.default().then(function () { return m; });
    }).then(function (m) {
      widget = m;
      adopt(m.panel_css());
      body.removeAttribute("aria-busy");
      m.mount(body, config);
      m.set_cart(cart);
    }, function (error) {
      loading = null;
      body.textContent = "";
      body.removeAttribute("aria-busy");
      el("p", { role: "alert" }, body).textContent = words[2];
      var retry = el("button", { "class": "retry" }, body);
      retry.textContent = words[3];
      retry.onclick = function () { placeholder(); load(); };
      throw error;
    }));
  }

  function open() {
    if (dialog) {
      if (!dialog.open) dialog.showModal();
      launcher.setAttribute("aria-expanded", "true");
    } else {
      root.scrollIntoView({ block: "nearest" });
    }
    load().catch(function () {});
  }

  function close() {
    if (dialog && dialog.open) dialog.close();
  }

  // showModal alone lets Tab reach the address bar.
  function trap(e) {
    if (e.key != "Tab") return;
    var items = [].filter.call(dialog.querySelectorAll(
      "button,a[href],input,summary,[tabindex]:not([tabindex='-1'])"), function (n) {
      return !n.disabled && n.getClientRects().length;
    });
    var first = items[0], last = items[items.length - 1], now = shadow.activeElement;
    if (!first) return;
    if (!dialog.contains(now) || (e.shiftKey ? now == first : now == last)) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  }

  function init() {
    var inline = d.querySelector("[data-loyalty-panel]");
    var host = inline || el("div", { "data-loyalty-host": "" }, d.body);
    shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
    // AA for any colour: black or white on it (>= 4.58:1); as text, 4.5:1 on #f4f4f7.
    var lum = luminance(color);
    adopt(CSS);
    root = el("div", { "class": inline ? "root inline" : "root", dir: lang == "ar" ? "rtl" : html.dir || "ltr", lang: locale }, shadow);
    root.style.setProperty("--ly-p", color);
    root.style.setProperty("--ly-pt", lum > .179 ? "#000" : "#fff");
    root.style.setProperty("--ly-pa", lum > .16 ? "#1b1b1f" : color);
    if (inline) {
      body = el("div", { "class": "body" }, root);
    } else {
      var pos = data.position || "";
      // bottom-left / bottom-right are physical; bottom-start / bottom-end follow dir.
      if (/start/.test(pos) || /left/.test(pos) == (root.dir == "ltr") && /left|right/.test(pos)) root.classList.add("start");
      launcher = el("button", { "class": "launcher", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "ly-dialog" }, root);
      el("span", { "aria-hidden": "true" }, launcher).textContent = "★";
      launcher.appendChild(d.createTextNode(words[0]));
      launcher.onclick = open;
      dialog = el("dialog", { id: "ly-dialog", "aria-labelledby": "ly-title" }, root);
      var shut = el("button", { "class": "close", "aria-label": words[1] }, dialog);
      shut.textContent = "×";
      shut.onclick = close;
      body = el("div", { "class": "body" }, dialog);
      dialog.addEventListener("keydown", trap);
      // A click on the backdrop closes.
      dialog.addEventListener("click", function (e) { if (e.target == dialog) close(); });
      dialog.addEventListener("close", function () {
        launcher.setAttribute("aria-expanded", "false");
        launcher.focus();
      });
    }
    placeholder();
    var idle = w.requestIdleCallback || function (f) { return setTimeout(f, 200); };
    idle(function () { load().catch(function () {}); }, { timeout: 4000 });
  }

  w.Loyalty = {
    v: 1,
    open: open,
    close: close,
    // The cart preview: {subtotal_minor, lines}, or null.
    setCart: function (next) { cart = next; if (widget) widget.set_cart(cart); },
    // Beyond the contract: a new customer token (the demo's switcher).
    setCustomer: function (token) {
      config.token = token || "";
      if (widget) widget.mount(body, config);
    },
  };

  var CSS = ":host{all:initial!important;display:block!important}" +
    ".root{font:15px/1.5 system-ui,sans-serif;color:#1b1b1f}" +
    ".launcher{position:fixed;z-index:2147483000;inset-block-end:20px;inset-inline-end:20px;display:flex;align-items:center;gap:8px;min-height:48px;padding:0 20px;border:0;border-radius:24px;background:var(--ly-p);color:var(--ly-pt);font:inherit;font-weight:600;line-height:1;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25)}" +
    ".start .launcher,.start dialog{inset-inline-end:auto;inset-inline-start:20px}" +
    "button:focus-visible{outline:3px solid var(--ly-pa);outline-offset:2px}" +
    "dialog{position:fixed;inset:auto;inset-block-end:84px;inset-inline-end:20px;margin:0;box-sizing:border-box;width:380px;max-width:calc(100vw - 40px);max-height:min(680px,calc(100vh - 120px));overflow:auto;padding:16px 20px;border:0;border-radius:16px;background:#fff;color:#1b1b1f;box-shadow:0 12px 40px rgba(0,0,0,.3);font:inherit}" +
    "dialog::backdrop{background:rgba(0,0,0,.3)}" +
    ".close{float:inline-end;width:44px;height:44px;margin-block-start:-8px;margin-inline-end:-12px;border:0;border-radius:22px;background:transparent;color:#1b1b1f;font:inherit;font-size:28px;line-height:1;cursor:pointer}" +
    ".ph{height:14px;border-radius:6px;background:#e6e6eb;margin:14px 0}.ph:first-child{height:26px;width:55%}" +
    ".retry{min-height:44px;padding:0 16px;border-radius:10px;border:1px solid #b9b9c3;background:#fff;font:inherit;cursor:pointer}" +
    "@media (max-width:480px){dialog,.start dialog{inset:auto 0 0;width:100%;max-width:100%;max-height:85vh;border-radius:16px 16px 0 0}}" +
    "@media (prefers-reduced-motion:no-preference){dialog[open]{animation:ly-in .18s ease-out}@keyframes ly-in{from{opacity:0;transform:translateY(12px)}}}";

  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", init);
  else init();
})();
