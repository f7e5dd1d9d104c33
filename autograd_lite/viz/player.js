/* The backward-pass player: one function, mountPlayer, shared by the static HTML page
   (autograd_lite.viz.player.write_player) and the Jupyter widget, which reads this file's
   text from the package and wraps it in its ES module, so there is one copy of the code.

   mountPlayer(el, data, {position, onPosition, keyTarget, interval}) fills `el` and returns
   {setPosition(k), position(), destroy()}. `data` is autograd_lite.viz.player.player_data's
   JSON; the script copies its numbers and never does gradient arithmetic, so every grad it
   shows is exactly Python's. `onPosition(k)` is called when the user moves to step k (not
   when setPosition moves it). */
"use strict";

function mountPlayer(el, data, options = {}) {
  const SPECIAL = { inf: Infinity, "-inf": -Infinity, nan: NaN };
  const num = (v) => (typeof v === "string" ? SPECIAL[v] : v);
  const steps = data.steps;
  const N = steps.length;
  const interval = options.interval || data.interval_ms || 700;
  const onPosition = options.onPosition || (() => {});
  const NATURAL = 4 / 3; // px per graph point at "100%" (Graphviz draws in points)
  const FOLLOW_SCALE = 1.1; // the smallest zoom "follow" keeps: 11 pt node text is 12.1 px
  const MAX_FIT = 2; // "fit" enlarges a small graph at most this much
  let k = Math.max(0, Math.min(N, Math.floor(Number(options.position) || 0)));
  let timer = null;
  let asking = false; // quiz mode: the next step is shown as a question, not yet taken
  let showAll = false;
  let quiz = false;
  let follow = true;
  let picked = null; // the step whose entry a click on a node shows (null: the current one)
  let pickedName = "";

  /* Python's format(x + 0.0, ".4g"), so the live labels read like the static ones. */
  function g4(x) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    const [mantissa, e] = x.toExponential(3).split("e");
    const exp = parseInt(e, 10);
    if (exp < -4 || exp >= 4) {
      const m = mantissa.includes(".") ? mantissa.replace(/0+$/, "").replace(/\.$/, "") : mantissa;
      return m + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    const fixed = x.toFixed(Math.max(0, 3 - exp));
    return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  }

  function make(tag, attrs = {}, text) {
    const e = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) e.setAttribute(key, value);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /* ------------------------------------------------------------------ the page */
  const root = make("div", { class: "agl-player", tabindex: "0" });
  const bar = make("div", { class: "agl-bar" });
  if (data.title) bar.append(make("span", { class: "agl-title" }, data.title));
  const buttons = {};
  function group(specs) {
    const box = make("span", { class: "agl-group" });
    for (const [action, label, title] of specs) {
      buttons[action] = make("button", { type: "button", "data-action": action, title }, label);
      box.append(buttons[action]);
    }
    bar.append(box);
  }
  group([
    ["reset", "reset", "Back to the start (Home)"],
    ["back", "\u25C0 back", "One step back (Left arrow)"],
    ["step", "step \u25B6", "One step (Right arrow)"],
    ["play", "play", "Play (Space)"],
    ["pause", "pause", "Pause (Space)"],
  ]);
  group([
    ["fit", "fit", "Show the whole graph"],
    ["zoom100", "100%", "Natural size"],
    ["follow", "follow", "Keep the current node in view, readable"],
  ]);
  group([
    ["showall", "show all", "Show the whole ledger, later steps included"],
    ["quiz", "quiz", "Ask for each step's local derivatives and contributions before showing them"],
    ["ledger", "ledger", "Show or hide the ledger panel"],
  ]);
  /* The counter and a slider over every position: drag it, or focus it and use the arrow
     keys, Home and End (the browser's own keys for a range input). */
  const counter = make("span", { class: "agl-counter", "data-step": "0" });
  const slider = make("input", {
    type: "range", class: "agl-slider", min: "0", max: String(N), step: "1", value: "0",
    "aria-label": "step", title: "Go to any step (drag, or arrow keys once selected)",
  });
  slider.disabled = N === 0;
  const timeline = make("span", { class: "agl-timeline" });
  timeline.append(make("span", {}, "step"), counter, slider);
  bar.append(timeline);
  const main = make("div", { class: "agl-main" });
  const graph = make("div", { class: "agl-graph" });
  const side = make("aside", { class: "agl-side" });
  const current = make("div", { class: "agl-current" });
  const ledger = make("table", { class: "agl-ledger" });
  /* Four columns, each step's node and upstream gradient on a line of its own above its
     inputs: narrow enough for the side panel on a 1024 px screen. */
  const COLUMNS = [
    ["input", "An input of the step's node"],
    ["local d", "Local derivative: d node / d input"],
    ["contrib.", "Contribution added to the input's grad: upstream \u00d7 local d"],
  ];
  const LEDGER_COLUMNS = [...COLUMNS, ["grad", "The input's grad after this step"]];
  const head = ledger.createTHead().insertRow();
  for (const [t, title] of LEDGER_COLUMNS) head.append(make("th", { title }, t));
  const tbody = ledger.createTBody();
  const legend = make("p", { class: "agl-legend" });
  legend.textContent =
    "Red: the node whose gradient is being passed back and the edges it flows along. Each " +
    "input receives upstream gradient \u00d7 local derivative; an input used several times adds " +
    "up its contributions (orange italics: more to come). Dashed, \u201cgrad ?\u201d: not " +
    "reached yet. Wheel: zoom; drag: pan. Keys: \u2192 step, \u2190 back, space play/pause, " +
    "Home reset; the slider goes to any step.";
  const ledgerBox = make("div", { class: "agl-ledger-box" });
  ledgerBox.append(ledger, legend);
  side.append(current, ledgerBox);
  main.append(graph, side);
  root.append(bar, main);
  el.replaceChildren(root);

  /* The SVG comes from Graphviz (labels escaped by it); parse it as SVG, not as HTML. */
  const parsed = new DOMParser().parseFromString(data.svg, "image/svg+xml");
  const svg = document.importNode(parsed.documentElement, true);
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  const box0 = svg.viewBox.baseVal;
  const full = { x: box0.x, y: box0.y, w: box0.width, h: box0.height };
  graph.append(svg);
  const byId = (id) => (id ? svg.querySelector('[id="' + id + '"]') : null);
  /* Tooltips show names, never Graphviz's internal node ids. */
  for (const t of svg.querySelectorAll("g.edge > title, g.graph > title")) t.remove();

  const nodes = data.nodes;
  const nodeIndex = {};
  nodes.forEach((n, i) => {
    nodeIndex[n.id] = i;
    n.g = byId(n.id);
    if (!n.g) return;
    n.g.dataset.name = n.name;
    const title = n.g.querySelector(":scope > title");
    if (title) title.textContent = n.name;
    const texts = Array.from(n.g.querySelectorAll("text"));
    n.gradText = texts.reverse().find((t) => t.textContent.startsWith("grad"));
    if (n.gradText) n.gradText.dataset.role = "grad";
  });
  /* The step a node's gradient flows from; a leaf's: the latest step that reached it. */
  const stepOf = {};
  steps.forEach((s, i) => { stepOf[s.node] = i + 1; });
  function stepFor(id) {
    if (stepOf[id]) return stepOf[id];
    let first = null;
    let last = null;
    steps.forEach((s, i) => {
      if (!s.inputs.some((inp) => inp.id === id)) return;
      if (first === null) first = i + 1;
      if (i + 1 <= k) last = i + 1;
    });
    return last || first;
  }
  const tables = (data.tables || []).map((t) => {
    const g = byId(t.id);
    const texts = g ? Array.from(g.querySelectorAll("text")) : [];
    const title = g && g.querySelector(":scope > title");
    if (title) title.textContent = t.name || "";
    return { rows: t.rows.map((r, i) => ({ ...r, text: texts[3 * (i + 1) + 2] })) };
  });
  const opOf = (id) => byId(id + "_op");

  /* -------------------------------------------------------------------- state */
  function gradsAt(j) {
    const grads = nodes.map((n) => num(n.grad0));
    const received = nodes.map(() => 0);
    for (let s = 0; s < j; s++) {
      for (const inp of steps[s].inputs) {
        const i = nodeIndex[inp.id];
        grads[i] = num(inp.after);
        received[i] += 1;
      }
    }
    return { grads, received };
  }

  function status(n, received) {
    if (received === 0 && !n.root) return "pending";
    return received < n.consumers ? "partial" : "done";
  }

  function gradLabel(n, grad, st) {
    if (st !== "pending") return "grad " + g4(grad);
    /* A leaf holding a gradient from an earlier backward() shows it: more is to come. */
    return grad !== 0 ? "grad " + g4(grad) + " + ?" : "grad ?";
  }

  /* ---------------------------------------------------------------- the view */
  let view = { cx: full.x + full.w / 2, cy: full.y + full.h / 2, s: 1 };
  function size() {
    return { w: graph.clientWidth || 1, h: graph.clientHeight || 1 };
  }
  function applyView() {
    const { w, h } = size();
    const vw = w / view.s;
    const vh = h / view.s;
    svg.setAttribute("viewBox", [view.cx - vw / 2, view.cy - vh / 2, vw, vh].join(" "));
    root.dataset.scale = String(view.s);
  }
  function fit() {
    const { w, h } = size();
    const s = Math.min(MAX_FIT, 0.98 * Math.min(w / full.w, h / full.h));
    view = { cx: full.x + full.w / 2, cy: full.y + full.h / 2, s };
    applyView();
  }
  function natural() {
    view.s = NATURAL;
    applyView();
  }
  /* Graph coordinates of an element's box, through the current view. */
  function boxOf(e) {
    const r = e.getBoundingClientRect();
    const g = graph.getBoundingClientRect();
    const { w, h } = size();
    const x0 = view.cx - w / 2 / view.s;
    const y0 = view.cy - h / 2 / view.s;
    return {
      x: x0 + (r.left - g.left) / view.s,
      y: y0 + (r.top - g.top) / view.s,
      w: r.width / view.s,
      h: r.height / view.s,
    };
  }
  /* x limited to [lo, hi]; the middle of the two when the graph is smaller than the view. */
  function clamp(x, lo, hi) {
    return lo > hi ? (lo + hi) / 2 : Math.max(lo, Math.min(hi, x));
  }
  function followNode(e) {
    if (!follow || !e) return;
    const b = boxOf(e);
    if (view.s < FOLLOW_SCALE) view.s = FOLLOW_SCALE;
    const { w, h } = size();
    const vw = w / view.s;
    const vh = h / view.s;
    const inside =
      b.x >= view.cx - vw / 2 && b.x + b.w <= view.cx + vw / 2 &&
      b.y >= view.cy - vh / 2 && b.y + b.h <= view.cy + vh / 2;
    if (!inside) {
      /* Centre the node, but show as much of the graph as fits (no empty margin). */
      view.cx = clamp(b.x + b.w / 2, full.x + vw / 2, full.x + full.w - vw / 2);
      view.cy = clamp(b.y + b.h / 2, full.y + vh / 2, full.y + full.h - vh / 2);
    }
    applyView();
  }

  graph.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = graph.getBoundingClientRect();
    const { w, h } = size();
    const mx = ev.clientX - r.left - w / 2;
    const my = ev.clientY - r.top - h / 2;
    const px = view.cx + mx / view.s; // the point under the cursor stays there
    const py = view.cy + my / view.s;
    view.s = Math.max(0.02, Math.min(20, view.s * Math.exp(-ev.deltaY * 0.0015)));
    view.cx = px - mx / view.s;
    view.cy = py - my / view.s;
    applyView();
  }, { passive: false });
  let drag = null;
  graph.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, cx: view.cx, cy: view.cy, moved: false, target: ev.target };
    graph.setPointerCapture(ev.pointerId);
    graph.classList.add("agl-dragging");
  });
  graph.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.cx = drag.cx - dx / view.s;
    view.cy = drag.cy - dy / view.s;
    applyView();
  });
  const endDrag = () => { drag = null; graph.classList.remove("agl-dragging"); };
  /* A click (not a drag) on a node shows its ledger entry. */
  graph.addEventListener("pointerup", (ev) => {
    const clicked = drag && !drag.moved && drag.target.closest ? drag.target.closest("g.node") : null;
    endDrag();
    if (!clicked) return;
    const id = clicked.id.replace(/_op$/, "");
    const j = nodeIndex[id] === undefined ? null : stepFor(id);
    picked = j || null;
    pickedName = j ? nodes[nodeIndex[id]].name : "";
    render(false);
  });
  graph.addEventListener("pointercancel", endDrag);
  const resizer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(applyView);
  if (resizer) resizer.observe(graph);

  /* ------------------------------------------------------------- the ledger */
  /* A neuron's dot has dozens of inputs whose formulas all look alike: two of them show the
     pattern, the table lists every input. */
  const MAX_FORMULAS = 4;
  const FEW_FORMULAS = 2;

  function showCurrent() {
    current.replaceChildren();
    const h = make("h2");
    if (picked !== null && picked > k && !showAll) {
      const s = steps[picked - 1];
      h.textContent = "Node " + pickedName + ": step " + picked + " of " + N + ", not reached yet";
      current.append(h, make("p", {}, "Its gradient flows at step " + picked + " (node " +
        s.name + "). Step on, or press \u201cshow all\u201d to see it now."));
      return;
    }
    if (picked === null && k === 0 && !asking) {
      h.textContent = "Start";
      const p = make("p", {}, "The root's grad is seeded with " + g4(num(data.seed)) + " (" +
        (data.seed_name || "d/d root") + "). Press step to pass it back one node at a time.");
      current.append(h, p);
      return;
    }
    const j = picked !== null ? picked : asking ? k + 1 : k;
    const hide = asking && picked === null; // quiz: the next step's local d and answers wait
    const s = steps[j - 1];
    const lead = picked !== null ? "Node " + pickedName + " \u2014 step " : asking ? "Next, step " : "Step ";
    h.textContent = lead + j + " of " + N + ": node " + s.name + " (" + s.op + ")";
    const p = make("p", {}, "upstream gradient " + s.upstream_name + " = " + g4(num(s.upstream)));
    const table = make("table", { class: "agl-current-row", "data-step": String(j) });
    const hr = table.insertRow();
    for (const [t, title] of [...COLUMNS, ["grad now", "The input's grad after this step"]]) {
      hr.append(make("th", { title }, t));
    }
    for (const inp of s.inputs) {
      const tr = table.insertRow();
      const numbers = hide ? ["?", "?", "?"]
        : [g4(num(inp.local)), g4(num(inp.contrib)), g4(num(inp.after))];
      for (const c of [inp.name, ...numbers]) {
        const td = tr.insertCell();
        td.textContent = c;
        if (c === "?") td.className = "agl-hidden";
      }
    }
    current.append(h, p);
    const shown = s.inputs.length > MAX_FORMULAS ? FEW_FORMULAS : MAX_FORMULAS;
    for (const inp of s.inputs.slice(0, shown)) {
      if (!inp.formula) continue;
      const local = hide ? inp.question : inp.formula;
      const chain = hide ? inp.chain_question : inp.chain + " = " + g4(num(inp.contrib));
      current.append(make("div", { class: "agl-formula" }, local),
        make("div", { class: "agl-formula agl-chain" }, chain));
    }
    if (s.inputs.length > shown) {
      current.append(make("p", {}, "\u2026 and " + (s.inputs.length - shown) +
        " more inputs, in the table:"));
    }
    current.append(table);
    if (hide) {
      current.append(make("p", { class: "agl-hidden" },
        "Quiz: work out each local derivative and contribution = upstream \u00d7 local " +
        "derivative, then press reveal."));
    }
  }

  function showLedger() {
    tbody.replaceChildren();
    const shownPick = picked !== null && (picked <= k || showAll) ? picked : null;
    const last = showAll ? N : k;
    for (let i = 0; i < last; i++) {
      const s = steps[i];
      const mark = (tr) => {
        tr.dataset.step = String(i + 1);
        if (i + 1 === k) tr.classList.add("agl-now");
        else if (i + 1 > k) tr.classList.add("agl-later");
        if (i + 1 === shownPick) tr.classList.add("agl-picked");
        return tr;
      };
      const lead = mark(tbody.insertRow());
      lead.classList.add("agl-head");
      const cell = lead.insertCell();
      cell.colSpan = LEDGER_COLUMNS.length;
      cell.textContent = (i + 1) + ". " + s.name + " (" + s.op + "), upstream " +
        s.upstream_name + " = " + g4(num(s.upstream));
      for (const inp of s.inputs) {
        const tr = mark(tbody.insertRow());
        for (const c of [inp.name, g4(num(inp.local)), g4(num(inp.contrib)), g4(num(inp.after))]) {
          tr.insertCell().textContent = c;
        }
      }
    }
    /* Keep the current step's rows in view inside the ledger box (not the page). */
    const now = tbody.querySelectorAll("tr.agl-now");
    if (now.length) {
      const last = now[now.length - 1];
      const top = now[0].offsetTop - ledger.tHead.offsetHeight;
      const bottom = last.offsetTop + last.offsetHeight;
      if (top < ledgerBox.scrollTop || bottom > ledgerBox.scrollTop + ledgerBox.clientHeight) {
        ledgerBox.scrollTop = Math.max(0, Math.min(top, bottom - ledgerBox.clientHeight));
      }
    }
  }

  /* --------------------------------------------------------------- drawing */
  function render(moveView) {
    const { grads, received } = gradsAt(k);
    svg.querySelectorAll(".agl-hl, .agl-flow, .agl-next").forEach((e) =>
      e.classList.remove("agl-hl", "agl-flow", "agl-next"));
    nodes.forEach((n, i) => {
      if (!n.g) return;
      const st = status(n, received[i]);
      n.g.dataset.grad = String(grads[i]);
      n.g.dataset.status = st;
      n.g.classList.toggle("agl-pending", st === "pending");
      n.g.classList.toggle("agl-partial", st === "partial");
      if (n.gradText) n.gradText.textContent = gradLabel(n, grads[i], st);
    });
    for (const t of tables) {
      for (const r of t.rows) {
        if (!r.text) continue;
        const idx = r.members.map((id) => nodeIndex[id]);
        const got = idx.some((i) => received[i] > 0 || num(nodes[i].grad0) !== 0);
        if (!got) { r.text.textContent = "?"; continue; }
        const values = idx.map((i) => grads[i]);
        r.text.textContent = r.max
          ? "\u2264 " + g4(Math.max(...values.map(Math.abs)))
          : g4(values[0]);
      }
    }
    let focus = null;
    if (k > 0 || asking) {
      const s = steps[asking ? k : k - 1];
      const cls = asking ? "agl-next" : "agl-hl";
      const n = nodes[nodeIndex[s.node]];
      const target = n.g || byId(n.el);
      for (const e of [target, opOf(s.node)]) if (e) e.classList.add(cls);
      if (!asking) svg.querySelectorAll("g.edge.in-" + s.node).forEach((e) => e.classList.add("agl-flow"));
      focus = target;
    } else {
      const r = nodes.find((n) => n.root);
      focus = r && (r.g || byId(r.el));
    }
    counter.textContent = k + " / " + N;
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", "step " + k + " of " + N);
    counter.dataset.step = String(k);
    root.dataset.step = String(k);
    root.dataset.playing = timer === null ? "false" : "true";
    buttons.back.disabled = k === 0 && !asking;
    buttons.reset.disabled = k === 0 && !asking;
    buttons.step.disabled = k === N;
    buttons.step.textContent = asking ? "reveal \u25B6" : "step \u25B6";
    buttons.play.disabled = timer !== null || k === N;
    buttons.pause.disabled = timer === null;
    buttons.follow.setAttribute("aria-pressed", String(follow));
    buttons.showall.setAttribute("aria-pressed", String(showAll));
    buttons.quiz.setAttribute("aria-pressed", String(quiz));
    buttons.ledger.setAttribute("aria-pressed", String(!root.classList.contains("agl-side-closed")));
    showCurrent();
    showLedger();
    if (moveView) followNode(focus);
  }

  function moveTo(j, fromUser) {
    j = Math.max(0, Math.min(N, j));
    const changed = j !== k;
    k = j;
    asking = false;
    picked = null;
    render(true);
    if (changed && fromUser) onPosition(k);
  }
  function pause() { if (timer !== null) { clearInterval(timer); timer = null; } render(false); }
  function step() {
    if (k >= N) return;
    if (quiz && !asking && timer === null) { asking = true; render(true); return; }
    moveTo(k + 1, true);
    if (k === N) pause();
  }
  function back() {
    pause();
    if (asking) { asking = false; render(true); return; }
    moveTo(k - 1, true);
  }
  function reset() { pause(); moveTo(0, true); }
  function play() {
    if (timer !== null || k === N) return;
    asking = false;
    timer = setInterval(step, interval);
    render(false);
  }
  const actions = {
    reset, back, play, pause,
    step: () => { if (timer === null) step(); },
    fit: () => { fit(); render(false); },
    zoom100: () => { natural(); render(false); },
    follow: () => { follow = !follow; render(true); },
    showall: () => { showAll = !showAll; render(false); },
    quiz: () => { quiz = !quiz; asking = false; render(false); },
    ledger: () => { root.classList.toggle("agl-side-closed"); render(false); },
  };
  slider.addEventListener("input", () => {
    if (timer !== null) { clearInterval(timer); timer = null; }
    moveTo(Number(slider.value), true);
  });
  bar.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-action]");
    if (b && !b.disabled) actions[b.dataset.action]();
  });
  const keyTarget = options.keyTarget || root;
  function onKey(ev) {
    if (ev.target && ["INPUT", "TEXTAREA", "SELECT"].includes(ev.target.tagName)) return;
    if (ev.key === "ArrowRight") actions.step();
    else if (ev.key === "ArrowLeft") back();
    else if (ev.key === "Home") reset();
    else if (ev.key === " ") { if (timer === null) play(); else pause(); }
    else return;
    ev.preventDefault();
  }
  keyTarget.addEventListener("keydown", onKey);

  /* Start with the whole graph when it is readable so, else at the root, readable. */
  fit();
  render(k > 0 || view.s < FOLLOW_SCALE);

  return {
    setPosition(j) { pause(); moveTo(Math.floor(Number(j) || 0), false); },
    position: () => k,
    destroy() {
      pause();
      keyTarget.removeEventListener("keydown", onKey);
      if (resizer) resizer.disconnect();
      el.replaceChildren();
    },
  };
}
