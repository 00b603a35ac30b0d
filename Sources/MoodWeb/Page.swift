/// The page moodd-web serves: one HTML document, its style and its script, hand-written, no library,
/// nothing from the internet. The script is a client of `/api/events` (live), `/api/history` (the last
/// hour) and `/api/classify` ("try a file"); what it draws is explained in docs/web.md.
enum Page {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>moodd</title>
    <link rel="stylesheet" href="/app.css">
    </head>
    <body data-state="connecting">
    <div id="banner" class="banner" hidden></div>
    <header>
      <h1>moodd</h1>
      <span id="model" class="chip">model …</span>
      <span id="source" class="chip">source …</span>
    </header>
    <main>
      <section class="now">
        <div id="label" class="label">…</div>
        <div class="detail"><span id="confidence"></span> <span id="since"></span></div>
        <div id="content" class="detail"></div>
        <h2 class="recent">Recent changes</h2>
        <ol id="changes" class="changes"></ol>
      </section>
      <section class="plane">
        <h2>Valence and arousal <small>(last 5 minutes)</small></h2>
        <svg id="circumplex" viewBox="-120 -120 240 240" role="img" aria-label="valence and arousal"></svg>
      </section>
      <section class="hour">
        <h2>The last hour</h2>
        <svg id="timeline" viewBox="0 0 600 64" preserveAspectRatio="none" role="img" aria-label="moods over the last hour"></svg>
        <div id="timeline-axis" class="axis"></div>
        <div id="legend" class="legend"></div>
      </section>
      <section class="try">
        <h2>Try a file</h2>
        <form id="upload-form">
          <input id="upload-file" type="file" name="file" accept="audio/*,.wav,.flac,.ogg,.mp3,.opus">
          <button id="upload-button" type="submit">Classify</button>
        </form>
        <div id="upload-status" class="detail"></div>
        <div id="upload-result" hidden>
          <div class="result-head"><span id="upload-label" class="label small"></span> <span id="upload-numbers" class="detail"></span></div>
          <div id="upload-bars" class="bars"></div>
          <svg id="upload-timeline" viewBox="0 0 600 80" preserveAspectRatio="none" role="img" aria-label="the file's windows"></svg>
          <div id="upload-axis" class="axis"></div>
        </div>
      </section>
    </main>
    <footer>Served by moodd-web on this station; nothing leaves it. <a href="/api/state">/api/state</a></footer>
    <script src="/app.js"></script>
    </body>
    </html>
    """#

    static let style = #"""
    :root { --bg:#111418; --fg:#e8eaed; --dim:#9aa0a6; --card:#1b2027; --line:#2c333d; }
    * { box-sizing: border-box; }
    body { margin:0; font:16px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
    header { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; padding:.75rem 1rem; border-bottom:1px solid var(--line); }
    h1 { font-size:1.2rem; margin:0 .5rem 0 0; }
    h2 { font-size:1rem; color:var(--dim); font-weight:500; margin:0 0 .5rem; }
    .chip { font-size:.8rem; padding:.15rem .5rem; border-radius:1rem; background:var(--card); color:var(--dim); }
    .chip.lost, .chip.ended { background:#5c2b29; color:#fff; }
    main { display:grid; gap:1rem; padding:1rem; grid-template-columns: 1fr 1fr; max-width:1000px; margin:auto; }
    @media (max-width: 700px) { main { grid-template-columns: 1fr; padding:.5rem; } }
    section { background:var(--card); border-radius:.75rem; padding:1rem; }
    section.hour, section.try { grid-column: 1 / -1; }
    .label { font-size:clamp(2.5rem, 9vw, 4.5rem); font-weight:700; line-height:1.1; text-transform:lowercase; overflow-wrap:anywhere; }
    .label.small { font-size:2rem; }
    .detail { color:var(--dim); margin-top:.5rem; }
    h2.recent { margin-top:1.5rem; }
    .changes { list-style:none; padding:0; margin:0; font-size:.9rem; color:var(--dim); }
    .changes li { display:flex; gap:.75rem; padding:.15rem 0; border-bottom:1px solid var(--line); }
    .changes b { font-weight:600; }
    .banner { background:#b3261e; color:#fff; padding:.75rem 1rem; font-weight:600; }
    svg { width:100%; display:block; }
    #circumplex { max-width:360px; margin:auto; }
    #timeline { height:64px; background:#0c0f12; border-radius:.25rem; }
    #upload-timeline { height:80px; background:#0c0f12; border-radius:.25rem; margin-top:.5rem; }
    .axis { display:flex; justify-content:space-between; font-size:.75rem; color:var(--dim); }
    .legend { display:flex; flex-wrap:wrap; gap:.75rem; font-size:.8rem; color:var(--dim); margin-top:.5rem; }
    .legend i { display:inline-block; width:.8rem; height:.8rem; border-radius:.2rem; margin-right:.3rem; vertical-align:-.1rem; }
    .bars { display:grid; grid-template-columns:max-content 1fr max-content; gap:.25rem .5rem; align-items:center; margin-top:.5rem; font-size:.9rem; }
    .bars div.bar { height:.7rem; border-radius:.2rem; }
    form { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; }
    button { font:inherit; padding:.4rem 1rem; border-radius:.4rem; border:0; background:#3f88c5; color:#fff; }
    button:disabled { opacity:.5; }
    .error { color:#f28b82; }
    footer { color:var(--dim); font-size:.8rem; padding:1rem; text-align:center; }
    a { color:#8ab4f8; }
    """#

    static let script = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    const SVG = "http://www.w3.org/2000/svg";
    const HOUR = 3600e3, TRAIL = 300e3;
    const STATES = ["listening", "silence", "speech", "noise"];
    const PALETTE = { happy: "#f5b700", angry: "#e4572e", sad: "#3f88c5", relaxed: "#2bb673" };
    const EXTRA = ["#b267e6", "#ff8fab", "#6cc5d9", "#c9a227", "#8d99ae", "#f28482"];
    let labels = [], moods = [], changes = [], announced = { label: null, since: null };
    let daemonDown = true, serverReachable = false;

    function colour(label) {
      if (PALETTE[label]) return PALETTE[label];
      const i = labels.indexOf(label);
      return i >= 0 ? EXTRA[i % EXTRA.length] : null;
    }
    function el(tag, attrs, parent) {
      const e = document.createElementNS(SVG, tag);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (parent) parent.appendChild(e);
      return e;
    }
    function clock(t) { return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
    function ago(t) {
      const s = Math.max(0, Math.round((Date.now() - t) / 1000));
      return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min" : Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    }

    function banner() {
      const b = $("banner");
      if (!serverReachable) { b.textContent = "moodd-web is not reachable; reconnecting…"; b.hidden = false; }
      else if (daemonDown) { b.textContent = "moodd is not running" + (banner.since ? " since " + clock(Date.parse(banner.since)) : "") + (banner.reason ? " (" + banner.reason + ")" : "") + "; reconnecting…"; b.hidden = false; }
      else b.hidden = true;
      document.body.dataset.state = !serverReachable ? "unreachable" : daemonDown ? "down" : "up";
    }

    function showNow() {
      const label = daemonDown ? "moodd down" : (announced.label || "…");
      $("label").textContent = label;
      $("label").style.color = colour(announced.label) || "var(--fg)";
      $("confidence").textContent = announced.confidence > 0 ? Math.round(announced.confidence * 100) + "% sure" : "";
      $("since").textContent = announced.since ? "since " + clock(announced.since) + " (" + ago(announced.since) + ")" : "";
      document.body.dataset.label = announced.label || "";
    }
    function showSource(source) {
      if (!source) return;
      const chip = $("source");
      chip.textContent = source.name + ": " + (source.state || "starting") + (source.reason ? " (" + source.reason + ")" : "");
      chip.className = "chip " + (source.state || "");
    }
    function showContent(content) {
      $("content").textContent = content ? Object.keys(content).map((k) => k + " " + Math.round(content[k] * 100) + "%").join(" · ") : "";
    }

    function addMood(m, live) {
      const t = Date.parse(m.time);
      moods.push({ t: t, label: m.label, v: m.valence, a: m.arousal });
      if (live) {
        announced.label = m.label;
        announced.confidence = m.confidence;
        showContent(m.content);
      }
    }
    function prune() {
      const cut = Date.now() - HOUR;
      while (moods.length && moods[0].t < cut) moods.shift();
      while (changes.length > 1 && changes[1].t < cut) changes.shift();
    }

    function drawCircumplex() {
      const svg = $("circumplex");
      svg.replaceChildren();
      el("rect", { x: -100, y: -100, width: 200, height: 200, fill: "none", stroke: "#2c333d" }, svg);
      el("circle", { cx: 0, cy: 0, r: 100, fill: "none", stroke: "#2c333d", "stroke-dasharray": "2 3" }, svg);
      el("line", { x1: -110, y1: 0, x2: 110, y2: 0, stroke: "#2c333d" }, svg);
      el("line", { x1: 0, y1: -110, x2: 0, y2: 110, stroke: "#2c333d" }, svg);
      const q = [["happy", 55, -55], ["angry", -55, -55], ["sad", -55, 62], ["relaxed", 55, 62]];
      for (const [name, x, y] of q) {
        const t = el("text", { x: x, y: y, "text-anchor": "middle", "font-size": 12, fill: colour(name) || "#9aa0a6" }, svg);
        t.textContent = name;
      }
      const ax = [["valence +", 112, 4, "end"], ["arousal +", 3, -108, "start"]];
      for (const [name, x, y, anchor] of ax) {
        const t = el("text", { x: x, y: y - 4, "text-anchor": anchor, "font-size": 8, fill: "#9aa0a6" }, svg);
        t.textContent = name;
      }
      const now = Date.now();
      const pts = moods.filter((m) => m.v !== null && m.v !== undefined && m.a !== null && now - m.t < TRAIL);
      pts.forEach((m, i) => {
        const age = (now - m.t) / TRAIL, last = i === pts.length - 1;
        el("circle", { cx: m.v * 100, cy: -m.a * 100, r: last ? 6 : 2.5, fill: colour(m.label) || "#e8eaed", opacity: last ? 1 : Math.max(0.08, 1 - age) }, svg);
      });
    }

    function segments(events, from, to) {
      // [{start, end, label}] from a time-ordered list of {t, label}
      const out = [];
      for (let i = 0; i < events.length; i++) {
        const s = Math.max(from, events[i].t), e = Math.min(to, i + 1 < events.length ? events[i + 1].t : to);
        if (e > s) out.push({ start: s, end: e, label: events[i].label });
      }
      return out;
    }
    function drawTimeline() {
      const svg = $("timeline"), now = Date.now(), from = now - HOUR;
      svg.replaceChildren();
      const marks = moods.map((m) => ({ t: m.t, label: m.label })).concat(changes.map((c) => ({ t: c.t, label: c.to })));
      marks.sort((x, y) => x.t - y.t);
      for (const s of segments(marks, from, now)) {
        const c = colour(s.label);
        if (!c) continue; // silence, speech, noise, listening: a gap
        el("rect", { x: ((s.start - from) / HOUR) * 600, y: 4, width: Math.max(0.5, ((s.end - s.start) / HOUR) * 600), height: 56, fill: c }, svg);
      }
      $("timeline-axis").replaceChildren(...[60, 45, 30, 15, 0].map((m) => { const d = document.createElement("span"); d.textContent = m ? "-" + m + " min" : "now"; return d; }));
    }
    function drawLegend() {
      const names = labels.length ? labels : Object.keys(PALETTE);
      $("legend").replaceChildren(...names.map((n) => { const s = document.createElement("span"), i = document.createElement("i"); i.style.background = colour(n); s.append(i, n); return s; }), (() => { const s = document.createElement("span"); s.textContent = "gap: silence, speech, noise or no source"; return s; })());
    }
    function drawChanges() {
      $("changes").replaceChildren(...changes.slice(-6).reverse().map((c) => {
        const li = document.createElement("li"), t = document.createElement("span"), b = document.createElement("b");
        t.textContent = clock(c.t); b.textContent = c.to; b.style.color = colour(c.to) || "var(--fg)";
        li.append(t, b);
        return li;
      }));
    }
    function redraw() { prune(); showNow(); drawCircumplex(); drawTimeline(); drawChanges(); }

    function applyHello(h) {
      if (!h) return;
      labels = h.labels || [];
      $("model").textContent = "model " + h.model + " · protocol " + h.protocol;
      drawLegend();
    }
    function applyState(s) {
      if (!s) return;
      announced = { label: s.label, confidence: s.confidence, since: s.since ? Date.parse(s.since) : null };
      showSource(s.source);
      showContent(s.content);
      if (s.valence !== null && s.valence !== undefined) moods.push({ t: Date.parse(s.time), label: s.label, v: s.valence, a: s.arousal });
    }
    async function loadHistory() {
      try {
        const r = await fetch("/api/history?seconds=3600");
        if (!r.ok) return;
        const h = await r.json();
        const live = moods.filter((m) => m.t > Date.now() - 5000);
        moods = []; changes = [];
        for (const e of h.events) {
          if (e.event === "mood") addMood(e, false);
          else if (e.event === "change") changes.push({ t: Date.parse(e.time), to: e.to });
        }
        moods = moods.concat(live);
        document.body.dataset.history = String(h.events.length);
        redraw();
      } catch (e) { /* the live stream says whether moodd is up */ }
    }

    function stamp(line) {
      try {
        const t = JSON.parse(line).time;
        if (t) { document.body.dataset.lastEventTime = t; document.body.dataset.lastEventReceived = String(Date.now()); }
      } catch (e) {}
    }
    function connect() {
      const es = new EventSource("/api/events");
      es.onopen = () => { serverReachable = true; banner(); };
      es.onerror = () => { serverReachable = false; banner(); };
      es.addEventListener("snapshot", (e) => {
        const s = JSON.parse(e.data);
        serverReachable = true;
        daemonDown = s.down;
        banner.since = s.since; banner.reason = s.reason;
        applyHello(s.hello);
        applyState(s.state);
        banner();
        redraw();
        if (!s.down) loadHistory();
      });
      es.addEventListener("up", () => { daemonDown = false; banner(); redraw(); setTimeout(loadHistory, 200); });
      es.addEventListener("down", (e) => { const d = JSON.parse(e.data); daemonDown = true; banner.since = d.since; banner.reason = d.reason; banner(); redraw(); });
      es.addEventListener("hello", (e) => applyHello(JSON.parse(e.data)));
      es.addEventListener("state", (e) => { applyState(JSON.parse(e.data)); redraw(); });
      es.addEventListener("mood", (e) => { stamp(e.data); addMood(JSON.parse(e.data), true); redraw(); });
      es.addEventListener("change", (e) => { stamp(e.data); const c = JSON.parse(e.data); changes.push({ t: Date.parse(c.time), to: c.to }); announced.label = c.to; announced.since = Date.parse(c.time); redraw(); });
      es.addEventListener("source", (e) => { stamp(e.data); showSource(JSON.parse(e.data).source); });
    }

    function showUpload(r) {
      $("upload-result").hidden = false;
      $("upload-label").textContent = r.label;
      $("upload-label").style.color = colour(r.label) || "var(--fg)";
      const va = r.valence === null ? "" : " · valence " + r.valence.toFixed(2) + " · arousal " + r.arousal.toFixed(2);
      $("upload-numbers").textContent = Math.round(r.confidence * 100) + "% · " + r.windows + " windows" + va;
      const bars = $("upload-bars");
      bars.replaceChildren();
      for (const k of Object.keys(r.probabilities || {})) {
        const name = document.createElement("span"); name.textContent = k;
        const bar = document.createElement("div"); bar.className = "bar"; bar.style.width = (r.probabilities[k] * 100).toFixed(1) + "%"; bar.style.background = colour(k) || "#8d99ae";
        const p = document.createElement("span"); p.textContent = (r.probabilities[k] * 100).toFixed(1) + "%";
        bars.append(name, bar, p);
      }
      const svg = $("upload-timeline"), tl = r.timeline || [];
      svg.replaceChildren();
      const end = tl.length ? tl[tl.length - 1].start + 3 : 1;
      tl.forEach((w, i) => {
        const next = i + 1 < tl.length ? tl[i + 1].start : end;
        const c = colour(w.label);
        if (c) el("rect", { x: (w.start / end) * 600, y: 44, width: Math.max(0.5, ((next - w.start) / end) * 600), height: 32, fill: c }, svg);
      });
      for (const [key, stroke] of [["valence", "#e8eaed"], ["arousal", "#f28b82"]]) {
        const pts = tl.filter((w) => w[key] !== null).map((w) => ((w.start / end) * 600).toFixed(1) + "," + (20 - w[key] * 18).toFixed(1));
        if (pts.length) el("polyline", { points: pts.join(" "), fill: "none", stroke: stroke, "stroke-width": 1.5 }, svg);
      }
      $("upload-axis").replaceChildren(...["0 s", "valence (white), arousal (red), mood per window", Math.round(end) + " s"].map((t) => { const s = document.createElement("span"); s.textContent = t; return s; }));
    }
    $("upload-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = $("upload-file").files[0];
      const status = $("upload-status");
      if (!file) { status.textContent = "Choose an audio file first."; status.className = "detail error"; return; }
      const form = new FormData();
      form.append("file", file);
      $("upload-button").disabled = true;
      status.className = "detail"; status.textContent = "Classifying " + file.name + "…";
      document.body.dataset.upload = "busy";
      try {
        const r = await fetch("/api/classify", { method: "POST", body: form });
        const body = await r.json();
        if (!r.ok) throw new Error(body.error || r.statusText);
        status.textContent = file.name;
        showUpload(body);
        document.body.dataset.upload = "done";
        document.body.dataset.uploadResult = JSON.stringify(body);
      } catch (err) {
        status.textContent = err.message; status.className = "detail error";
        $("upload-result").hidden = true;
        document.body.dataset.upload = "error";
      } finally {
        $("upload-button").disabled = false;
      }
    });

    drawLegend();
    redraw();
    setInterval(redraw, 5000);
    connect();
    """#
}
